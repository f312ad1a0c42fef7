//! What was recorded on a budget line. Every money event carries its line-local entry number
//! (`entry`, from 1), which compensating events reference.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::document::DocumentNumber;
use crate::funding::ids::{BudgetLineId, Purpose};
use crate::listed::listed_enum;
use crate::money::Dong;
use crate::rules::Finding;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BudgetLineEvent {
    EstimateAssigned {
        entry: u32,
        line: BudgetLineId,
        amount: Dong,
        decision: DocumentNumber,
        effective_date: NaiveDate,
    },
    AllocationMade {
        entry: u32,
        recipient: String,
        amount: Dong,
        effective_date: NaiveDate,
    },
    SupportCommitted {
        entry: u32,
        purpose: Purpose,
        recipient: String,
        beneficiary: Option<CooperativeCode>,
        amount: Dong,
        approved_by: String,
        effective_date: NaiveDate,
    },
    AdvancePaid {
        entry: u32,
        purpose: Purpose,
        amount: Dong,
        reference: String,
        paid_by: String,
        /// Dated after 31/12, in the adjustment period (chỉnh lý).
        adjustment_period: bool,
        effective_date: NaiveDate,
    },
    AdvanceSettled {
        entry: u32,
        advance_entry: u32,
        amount: Dong,
        settled_by: String,
        adjustment_period: bool,
        effective_date: NaiveDate,
    },
    PaymentMade {
        entry: u32,
        purpose: Purpose,
        amount: Dong,
        voucher: String,
        paid_by: String,
        adjustment_period: bool,
        effective_date: NaiveDate,
    },
    FundsReturned {
        entry: u32,
        against_entry: u32,
        amount: Dong,
        document: String,
        /// After the settlement was approved: thu hồi nộp NSNN, not thu hồi giảm chi.
        after_settlement: bool,
        effective_date: NaiveDate,
    },
    EntryReversed {
        entry: u32,
        reverses: u32,
        reason: String,
        reversed_by: String,
        effective_date: NaiveDate,
    },
    ComplianceFindingRaised {
        finding: Finding,
        /// The advance the finding is about.
        advance_entry: u32,
    },
}

listed_enum! {
    pub enum BudgetLineEventType {
        EstimateAssigned => "EstimateAssigned",
        AllocationMade => "AllocationMade",
        SupportCommitted => "SupportCommitted",
        AdvancePaid => "AdvancePaid",
        AdvanceSettled => "AdvanceSettled",
        PaymentMade => "PaymentMade",
        FundsReturned => "FundsReturned",
        EntryReversed => "EntryReversed",
        ComplianceFindingRaised => "ComplianceFindingRaised",
    }
}

impl BudgetLineEvent {
    pub fn kind(&self) -> BudgetLineEventType {
        use BudgetLineEvent as E;
        use BudgetLineEventType as T;
        match self {
            E::EstimateAssigned { .. } => T::EstimateAssigned,
            E::AllocationMade { .. } => T::AllocationMade,
            E::SupportCommitted { .. } => T::SupportCommitted,
            E::AdvancePaid { .. } => T::AdvancePaid,
            E::AdvanceSettled { .. } => T::AdvanceSettled,
            E::PaymentMade { .. } => T::PaymentMade,
            E::FundsReturned { .. } => T::FundsReturned,
            E::EntryReversed { .. } => T::EntryReversed,
            E::ComplianceFindingRaised { .. } => T::ComplianceFindingRaised,
        }
    }

    /// The entry number of a money event.
    pub fn entry(&self) -> Option<u32> {
        use BudgetLineEvent as E;
        match self {
            E::EstimateAssigned { entry, .. }
            | E::AllocationMade { entry, .. }
            | E::SupportCommitted { entry, .. }
            | E::AdvancePaid { entry, .. }
            | E::AdvanceSettled { entry, .. }
            | E::PaymentMade { entry, .. }
            | E::FundsReturned { entry, .. }
            | E::EntryReversed { entry, .. } => Some(*entry),
            E::ComplianceFindingRaised { .. } => None,
        }
    }
}

impl DomainEvent for BudgetLineEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
