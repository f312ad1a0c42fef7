//! Why a budget-line command was refused.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::cooperative::CooperativeStatus;
use crate::funding::ids::{IdError, Purpose};
use crate::money::{Dong, MoneyError};
use crate::rules::{RuleCode, RuleError};
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetLineError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error("{0}")]
    InvalidId(#[from] IdError),
    #[error(
        "dòng {expected}, lệnh ghi {given} / this line is {expected}, the command names {given}"
    )]
    LineMismatch { expected: String, given: String },
    #[error("chưa giao dự toán cho dòng này / no estimate assigned to this line yet")]
    NotOpened,
    #[error("số tiền phải lớn hơn 0 / the amount must be positive")]
    ZeroAmount,
    #[error("{0}")]
    Arithmetic(#[from] MoneyError),
    #[error(
        "dự toán {estimate}, đã phân bổ {allocated}, xin phân bổ {requested} / allocations would exceed the estimate"
    )]
    EstimateExceeded {
        estimate: Dong,
        allocated: Dong,
        requested: Dong,
    },
    #[error(
        "{recipient}: phân bổ {allocated}, đã chi {paid}, tạm ứng còn {outstanding}, thêm {requested} / payments and outstanding advances would exceed the allocation"
    )]
    AllocationExceeded {
        recipient: String,
        allocated: Dong,
        paid: Dong,
        outstanding: Dong,
        requested: Dong,
    },
    #[error(
        "{recipient}: phân bổ {allocated}, đã chi {paid}, tạm ứng còn {outstanding}, đã cam kết chưa chi {committed}, cam kết thêm {requested} / payments, outstanding advances and commitments not yet spent would exceed the allocation"
    )]
    CommitmentsExceedAllocation {
        recipient: String,
        allocated: Dong,
        paid: Dong,
        outstanding: Dong,
        /// The part of the recipient's open commitments not yet paid or advanced.
        committed: Dong,
        requested: Dong,
    },
    #[error("{recipient} chưa được phân bổ / has no allocation")]
    NoAllocation { recipient: String },
    #[error(
        "{purpose}: phê duyệt {approved}, đã chi {paid}, tạm ứng còn {outstanding}, thêm {requested} / more than approved"
    )]
    CapExceeded {
        purpose: Purpose,
        approved: Dong,
        paid: Dong,
        outstanding: Dong,
        requested: Dong,
    },
    #[error("{purpose} chưa được phê duyệt / not approved")]
    NotApproved { purpose: Purpose },
    #[error("{purpose} thuộc dòng {line} / belongs to line {line}")]
    PurposeOnOtherLine { purpose: Purpose, line: String },
    #[error("{purpose} đã cam kết / already committed")]
    AlreadyCommitted { purpose: Purpose },
    #[error("{purpose} chưa cam kết chi / not committed on this line")]
    NotCommitted { purpose: Purpose },
    #[error("HTX {code} ngày {date}: {} / not active on that date", CooperativeStatus::shown(*status))]
    BeneficiaryNotActive {
        code: CooperativeCode,
        date: NaiveDate,
        status: Option<CooperativeStatus>,
    },
    #[error(
        "ngày {date} ngoài năm ngân sách {year} và thời gian chỉnh lý / outside fiscal year {year} and its adjustment period"
    )]
    OutsideFiscalYear { date: NaiveDate, year: i32 },
    #[error("quyết toán {settlement} đã phê duyệt ngày {approved_on} / settlement approved")]
    YearClosed {
        settlement: String,
        approved_on: NaiveDate,
    },
    #[error(
        "{actor} đã phê duyệt khoản hỗ trợ, không được ghi chi / approved the support, so may not record its payment"
    )]
    SameActor { actor: String },
    #[error("không có bút toán {entry} / no entry {entry}")]
    UnknownEntry { entry: u32 },
    #[error("bút toán {entry} không phải {expected} / entry {entry} is not {expected}")]
    WrongEntry { entry: u32, expected: String },
    #[error("bút toán {entry}: {reason}")]
    CannotReverse { entry: u32, reason: String },
    #[error("bút toán {entry} còn {remaining}, yêu cầu {requested} / more than remains")]
    ExceedsRemaining {
        entry: u32,
        remaining: Dong,
        requested: Dong,
    },
    #[error("đơn vị {unit} không có hiệu lực ngày {date} / unit not valid on {date}")]
    UnitNotValid { unit: String, date: NaiveDate },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl RuleError for BudgetLineError {
    /// The rule refused; `None` for a failed lookup.
    fn rule(&self) -> Option<RuleCode> {
        use BudgetLineError::*;
        Some(match self {
            Address(error) => return error.rule(),
            InvalidId(_) | LineMismatch { .. } => RuleCode::Data01,
            NotOpened
            | NotApproved { .. }
            | PurposeOnOtherLine { .. }
            | AlreadyCommitted { .. }
            | NotCommitted { .. } => RuleCode::Fin16,
            ZeroAmount
            | Arithmetic(_)
            | UnknownEntry { .. }
            | WrongEntry { .. }
            | CannotReverse { .. }
            | ExceedsRemaining { .. } => RuleCode::Fin09,
            EstimateExceeded { .. } => RuleCode::Fin02,
            AllocationExceeded { .. }
            | CommitmentsExceedAllocation { .. }
            | NoAllocation { .. } => RuleCode::Fin01,
            CapExceeded { .. } => RuleCode::Fin03,
            BeneficiaryNotActive { .. } => RuleCode::Fin04,
            OutsideFiscalYear { .. } => RuleCode::Fin08,
            YearClosed { .. } => RuleCode::Fin10,
            SameActor { .. } => RuleCode::Fin11,
            UnitNotValid { .. } => RuleCode::Geo01,
            Lookup(_) => return None,
        })
    }
}
