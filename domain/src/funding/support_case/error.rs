//! Why a support-case command was refused.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::cooperative::CooperativeStatus;
use crate::money::{Dong, MoneyError};
use crate::reference::RuleSetId;
use crate::rules::{RuleCode, RuleError};
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportCaseError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error("{field}: hồ sơ {expected}, dòng {given} / the case is {expected}, the line {given}")]
    Mismatch {
        field: String,
        expected: String,
        given: String,
    },
    #[error("dòng {line} chưa được giao dự toán / no estimate assigned to line {line}")]
    LineNotOpened { line: String },
    #[error("hồ sơ {case} đã tiếp nhận / already received")]
    AlreadyReceived { case: String },
    #[error("chưa tiếp nhận hồ sơ / no application received")]
    NotReceived,
    #[error("hồ sơ đã được quyết định ({decision}) / already decided")]
    AlreadyDecided { decision: String },
    #[error(
        "quyết định ngày {effective_date} trước ngày nhận hồ sơ {received_on} / decided before the application"
    )]
    DecidedBeforeApplication {
        received_on: NaiveDate,
        effective_date: NaiveDate,
    },
    #[error("số tiền phải lớn hơn 0 / the amount must be positive")]
    ZeroAmount,
    #[error("{0}")]
    Arithmetic(#[from] MoneyError),
    #[error("HTX {code} ngày {date}: {} / not active on that date", CooperativeStatus::shown(*status))]
    BeneficiaryNotActive {
        code: CooperativeCode,
        date: NaiveDate,
        status: Option<CooperativeStatus>,
    },
    #[error("{rule_set} không có hiệu lực ngày {date} / not in force on {date}")]
    NoRuleSetInForce {
        rule_set: RuleSetId,
        date: NaiveDate,
    },
    #[error("{rule_set} không áp dụng cho {category} / does not apply to {category}")]
    RuleSetCategory {
        rule_set: RuleSetId,
        category: String,
    },
    #[error(
        "{amount} vượt mức tối đa {cap} (đề nghị {requested}, {rule_set} v{version}) / exceeds the cap"
    )]
    CapExceeded {
        amount: Dong,
        cap: Dong,
        requested: Dong,
        rule_set: RuleSetId,
        version: u32,
    },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl RuleError for SupportCaseError {
    /// The rule refused; `None` for a failed lookup.
    fn rule(&self) -> Option<RuleCode> {
        use SupportCaseError::*;
        Some(match self {
            Address(error) => return error.rule(),
            Mismatch { .. } => RuleCode::Data01,
            LineNotOpened { .. }
            | AlreadyReceived { .. }
            | NotReceived
            | AlreadyDecided { .. }
            | DecidedBeforeApplication { .. } => RuleCode::Fin16,
            ZeroAmount | Arithmetic(_) => RuleCode::Fin09,
            BeneficiaryNotActive { .. } => RuleCode::Fin04,
            NoRuleSetInForce { .. } | RuleSetCategory { .. } | CapExceeded { .. } => {
                RuleCode::Fin03
            }
            Lookup(_) => return None,
        })
    }
}
