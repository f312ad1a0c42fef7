//! What a support case is asked to do, and what it records.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::command::Command;
use crate::cooperative::CooperativeStatus;
use crate::funding::ids::{BudgetLineId, RecordId, SupportCategory};
use crate::listed::listed_enum;
use crate::money::Dong;
use crate::reference::RuleSetId;

pub type SupportCaseCommand = Command<SupportCaseAction>;

/// What one support case (hồ sơ đề nghị hỗ trợ of a cooperative) is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SupportCaseAction {
    ReceiveApplication {
        case: RecordId,
        line: BudgetLineId,
        beneficiary: CooperativeCode,
        requested: Dong,
        eligible_cost: Dong,
        description: String,
    },
    /// Approve `amount` under the rule set the decision applies.
    Approve {
        amount: Dong,
        rule_set: RuleSetId,
    },
    Reject {
        reason: String,
    },
}

/// What the approver saw: the beneficiary's status and members on the approval date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub status: CooperativeStatus,
    pub members: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SupportCaseEvent {
    SupportApplicationReceived {
        case: RecordId,
        line: BudgetLineId,
        beneficiary: CooperativeCode,
        category: SupportCategory,
        requested: Dong,
        eligible_cost: Dong,
        description: String,
        received_by: String,
        effective_date: NaiveDate,
    },
    SupportApproved {
        amount: Dong,
        rule_set: RuleSetId,
        rule_set_version: u32,
        cap: Dong,
        eligibility: Eligibility,
        approved_by: String,
        effective_date: NaiveDate,
    },
    SupportRejected {
        reason: String,
        rejected_by: String,
        effective_date: NaiveDate,
    },
}

listed_enum! {
    pub enum SupportCaseEventType {
        SupportApplicationReceived => "SupportApplicationReceived",
        SupportApproved => "SupportApproved",
        SupportRejected => "SupportRejected",
    }
}

impl SupportCaseEvent {
    pub fn kind(&self) -> SupportCaseEventType {
        match self {
            SupportCaseEvent::SupportApplicationReceived { .. } => {
                SupportCaseEventType::SupportApplicationReceived
            }
            SupportCaseEvent::SupportApproved { .. } => SupportCaseEventType::SupportApproved,
            SupportCaseEvent::SupportRejected { .. } => SupportCaseEventType::SupportRejected,
        }
    }
}

impl DomainEvent for SupportCaseEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
