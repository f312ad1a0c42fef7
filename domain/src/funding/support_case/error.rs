//! Why a support-case command was refused.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::cooperative::CooperativeStatus;
use crate::money::{Dong, MoneyError};
use crate::reference::RuleSetId;
use crate::rules::RuleCode;
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportCaseError {
    #[error("{}", RuleCode::Data01.refusal(&format!("{field}: hồ sơ {expected}, dòng {given} / the case is {expected}, the line {given}")))]
    Mismatch {
        field: String,
        expected: String,
        given: String,
    },
    #[error("{}", RuleCode::Fin16.refusal(&format!("hồ sơ {case} đã tiếp nhận / already received")))]
    AlreadyReceived { case: String },
    #[error("{}", RuleCode::Fin16.refusal("chưa tiếp nhận hồ sơ / no application received"))]
    NotReceived,
    #[error("{}", RuleCode::Fin16.refusal(&format!("hồ sơ đã được quyết định ({decision}) / already decided")))]
    AlreadyDecided { decision: String },
    #[error("{}", RuleCode::Fin16.refusal(&format!("quyết định ngày {effective_date} trước ngày nhận hồ sơ {received_on} / decided before the application")))]
    DecidedBeforeApplication {
        received_on: NaiveDate,
        effective_date: NaiveDate,
    },
    #[error("{}", RuleCode::Fin09.refusal("số tiền phải lớn hơn 0 / the amount must be positive"))]
    ZeroAmount,
    #[error("{}", RuleCode::Fin09.refusal(&.0.to_string()))]
    Arithmetic(#[from] MoneyError),
    #[error("{}", RuleCode::Fin04.refusal(&format!("HTX {code} ngày {date}: {} / not active on that date", CooperativeStatus::shown(*status))))]
    BeneficiaryNotActive {
        code: CooperativeCode,
        date: NaiveDate,
        status: Option<CooperativeStatus>,
    },
    #[error("{}", RuleCode::Fin03.refusal(&format!("{rule_set} không có hiệu lực ngày {date} / not in force on {date}")))]
    NoRuleSetInForce {
        rule_set: RuleSetId,
        date: NaiveDate,
    },
    #[error("{}", RuleCode::Fin03.refusal(&format!("{rule_set} không áp dụng cho {category} / does not apply to {category}")))]
    RuleSetCategory {
        rule_set: RuleSetId,
        category: String,
    },
    #[error("{}", RuleCode::Fin03.refusal(&format!("{amount} vượt mức tối đa {cap} (đề nghị {requested}, {rule_set} v{version}) / exceeds the cap")))]
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

impl SupportCaseError {
    /// The rule refused; `None` for a failed lookup.
    pub fn rule(&self) -> Option<RuleCode> {
        use SupportCaseError::*;
        Some(match self {
            Mismatch { .. } => RuleCode::Data01,
            AlreadyReceived { .. }
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
