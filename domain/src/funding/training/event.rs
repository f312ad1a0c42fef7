//! What a training class is asked to do, and what it records.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::funding::ids::{BudgetLineId, RecordId};
use crate::listed::listed_enum;
use crate::money::Dong;
use crate::reference::Region;
use crate::rules::Finding;

pub type TrainingClassCommand = Command<TrainingClassAction>;

/// What one training class (lớp đào tạo, bồi dưỡng) paid from a budget line is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TrainingClassAction {
    Plan {
        class: RecordId,
        line: BudgetLineId,
        region: Region,
        district: Option<String>,
        planned_learners: u32,
        planned_cost: Dong,
        starts_on: NaiveDate,
    },
    Hold {
        held_from: NaiveDate,
        held_to: NaiveDate,
        learners: u32,
        cost: Dong,
    },
    Cancel {
        reason: String,
    },
    /// Correct the learners and cost recorded when the class was held.
    CorrectRecord {
        learners: u32,
        cost: Dong,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrainingClassEvent {
    TrainingClassPlanned {
        class: RecordId,
        line: BudgetLineId,
        organiser: String,
        region: Region,
        district: Option<String>,
        planned_learners: u32,
        planned_cost: Dong,
        starts_on: NaiveDate,
        approved_by: String,
        effective_date: NaiveDate,
    },
    TrainingClassHeld {
        held_from: NaiveDate,
        held_to: NaiveDate,
        learners: u32,
        cost: Dong,
        recorded_by: String,
        effective_date: NaiveDate,
    },
    TrainingClassCancelled {
        reason: String,
        effective_date: NaiveDate,
    },
    /// Compensates `TrainingClassHeld`: the previous values are kept beside the new ones.
    TrainingClassRecordCorrected {
        previous_learners: u32,
        previous_cost: Dong,
        learners: u32,
        cost: Dong,
        reason: String,
        effective_date: NaiveDate,
    },
    ComplianceFindingRaised {
        finding: Finding,
    },
}

listed_enum! {
    pub enum TrainingClassEventType {
        TrainingClassPlanned => "TrainingClassPlanned",
        TrainingClassHeld => "TrainingClassHeld",
        TrainingClassCancelled => "TrainingClassCancelled",
        TrainingClassRecordCorrected => "TrainingClassRecordCorrected",
        ComplianceFindingRaised => "ComplianceFindingRaised",
    }
}

impl TrainingClassEvent {
    pub fn kind(&self) -> TrainingClassEventType {
        use TrainingClassEvent as E;
        use TrainingClassEventType as T;
        match self {
            E::TrainingClassPlanned { .. } => T::TrainingClassPlanned,
            E::TrainingClassHeld { .. } => T::TrainingClassHeld,
            E::TrainingClassCancelled { .. } => T::TrainingClassCancelled,
            E::TrainingClassRecordCorrected { .. } => T::TrainingClassRecordCorrected,
            E::ComplianceFindingRaised { .. } => T::ComplianceFindingRaised,
        }
    }
}

impl DomainEvent for TrainingClassEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
