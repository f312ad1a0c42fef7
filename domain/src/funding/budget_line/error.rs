//! Why a budget-line command was refused.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::cooperative::CooperativeStatus;
use crate::funding::ids::{IdError, Purpose};
use crate::money::{Dong, MoneyError};
use crate::rules::RuleCode;
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetLineError {
    #[error("{}", RuleCode::Data01.refusal(&.0.to_string()))]
    InvalidId(#[from] IdError),
    #[error("{}", RuleCode::Data01.refusal(&format!("dòng {expected}, lệnh ghi {given} / this line is {expected}, the command names {given}")))]
    LineMismatch { expected: String, given: String },
    #[error("{}", RuleCode::Fin16.refusal("chưa giao dự toán cho dòng này / no estimate assigned to this line yet"))]
    NotOpened,
    #[error("{}", RuleCode::Fin09.refusal("số tiền phải lớn hơn 0 / the amount must be positive"))]
    ZeroAmount,
    #[error("{}", RuleCode::Fin09.refusal(&.0.to_string()))]
    Arithmetic(#[from] MoneyError),
    #[error("{}", RuleCode::Fin02.refusal(&format!("dự toán {estimate}, đã phân bổ {allocated}, xin phân bổ {requested} / allocations would exceed the estimate")))]
    EstimateExceeded {
        estimate: Dong,
        allocated: Dong,
        requested: Dong,
    },
    #[error("{}", RuleCode::Fin01.refusal(&format!("{recipient}: phân bổ {allocated}, đã chi {paid}, tạm ứng còn {outstanding}, thêm {requested} / payments and outstanding advances would exceed the allocation")))]
    AllocationExceeded {
        recipient: String,
        allocated: Dong,
        paid: Dong,
        outstanding: Dong,
        requested: Dong,
    },
    #[error("{}", RuleCode::Fin01.refusal(&format!("{recipient} chưa được phân bổ / has no allocation")))]
    NoAllocation { recipient: String },
    #[error("{}", RuleCode::Fin03.refusal(&format!("{purpose}: phê duyệt {approved}, đã chi {paid}, tạm ứng còn {outstanding}, thêm {requested} / more than approved")))]
    CapExceeded {
        purpose: Purpose,
        approved: Dong,
        paid: Dong,
        outstanding: Dong,
        requested: Dong,
    },
    #[error("{}", RuleCode::Fin16.refusal(&format!("{purpose} chưa được phê duyệt / not approved")))]
    NotApproved { purpose: Purpose },
    #[error("{}", RuleCode::Fin16.refusal(&format!("{purpose} thuộc dòng {line} / belongs to line {line}")))]
    PurposeOnOtherLine { purpose: Purpose, line: String },
    #[error("{}", RuleCode::Fin16.refusal(&format!("{purpose} đã cam kết / already committed")))]
    AlreadyCommitted { purpose: Purpose },
    #[error("{}", RuleCode::Fin16.refusal(&format!("{purpose} chưa cam kết chi / not committed on this line")))]
    NotCommitted { purpose: Purpose },
    #[error("{}", RuleCode::Fin04.refusal(&format!("HTX {code} ngày {date}: {} / not active on that date", CooperativeStatus::shown(*status))))]
    BeneficiaryNotActive {
        code: CooperativeCode,
        date: NaiveDate,
        status: Option<CooperativeStatus>,
    },
    #[error("{}", RuleCode::Fin08.refusal(&format!("ngày {date} ngoài năm ngân sách {year} và thời gian chỉnh lý / outside fiscal year {year} and its adjustment period")))]
    OutsideFiscalYear { date: NaiveDate, year: i32 },
    #[error("{}", RuleCode::Fin10.refusal(&format!("quyết toán {settlement} đã phê duyệt ngày {approved_on} / settlement approved")))]
    YearClosed {
        settlement: String,
        approved_on: NaiveDate,
    },
    #[error("{}", RuleCode::Fin11.refusal(&format!("{actor} đã phê duyệt khoản hỗ trợ, không được ghi chi / approved the support, so may not record its payment")))]
    SameActor { actor: String },
    #[error("{}", RuleCode::Fin09.refusal(&format!("không có bút toán {entry} / no entry {entry}")))]
    UnknownEntry { entry: u32 },
    #[error("{}", RuleCode::Fin09.refusal(&format!("bút toán {entry} không phải {expected} / entry {entry} is not {expected}")))]
    WrongEntry { entry: u32, expected: String },
    #[error("{}", RuleCode::Fin09.refusal(&format!("bút toán {entry}: {reason}")))]
    CannotReverse { entry: u32, reason: String },
    #[error("{}", RuleCode::Fin09.refusal(&format!("bút toán {entry} còn {remaining}, yêu cầu {requested} / more than remains")))]
    ExceedsRemaining {
        entry: u32,
        remaining: Dong,
        requested: Dong,
    },
    #[error("{}", RuleCode::Geo01.refusal(&format!("đơn vị {unit} không có hiệu lực ngày {date} / unit not valid on {date}")))]
    UnitNotValid { unit: String, date: NaiveDate },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl BudgetLineError {
    /// The rule refused; `None` for a failed lookup.
    pub fn rule(&self) -> Option<RuleCode> {
        use BudgetLineError::*;
        Some(match self {
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
            AllocationExceeded { .. } | NoAllocation { .. } => RuleCode::Fin01,
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
