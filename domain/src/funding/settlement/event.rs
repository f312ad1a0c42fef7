//! What a settlement is asked to do, and what it records.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::funding::ids::{BudgetLineId, SettlementId};
use crate::listed::listed_enum;
use crate::money::Dong;
use crate::rules::Finding;

pub type SettlementCommand = Command<SettlementAction>;

/// What one settlement (quyết toán: a budget unit's fiscal year) is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SettlementAction {
    Submit {
        settlement: SettlementId,
        lines: Vec<BudgetLineId>,
    },
    Appraise {
        disallowed: Dong,
        notes: String,
    },
    Approve,
    RecordAuditFinding {
        body: String,
        amount_to_recover: Dong,
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SettlementEvent {
    SettlementSubmitted {
        settlement: SettlementId,
        lines: Vec<BudgetLineId>,
        submitted_by: String,
        effective_date: NaiveDate,
    },
    SettlementAppraised {
        disallowed: Dong,
        notes: String,
        appraised_by: String,
        effective_date: NaiveDate,
    },
    SettlementApproved {
        approved_by: String,
        effective_date: NaiveDate,
    },
    AuditFindingRecorded {
        body: String,
        amount_to_recover: Dong,
        note: String,
        recorded_by: String,
        effective_date: NaiveDate,
    },
    ComplianceFindingRaised {
        finding: Finding,
    },
}

listed_enum! {
    pub enum SettlementEventType {
        SettlementSubmitted => "SettlementSubmitted",
        SettlementAppraised => "SettlementAppraised",
        SettlementApproved => "SettlementApproved",
        AuditFindingRecorded => "AuditFindingRecorded",
        ComplianceFindingRaised => "ComplianceFindingRaised",
    }
}

impl SettlementEvent {
    pub fn kind(&self) -> SettlementEventType {
        use SettlementEvent as E;
        use SettlementEventType as T;
        match self {
            E::SettlementSubmitted { .. } => T::SettlementSubmitted,
            E::SettlementAppraised { .. } => T::SettlementAppraised,
            E::SettlementApproved { .. } => T::SettlementApproved,
            E::AuditFindingRecorded { .. } => T::AuditFindingRecorded,
            E::ComplianceFindingRaised { .. } => T::ComplianceFindingRaised,
        }
    }
}

impl DomainEvent for SettlementEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
