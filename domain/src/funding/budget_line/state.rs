//! The balances of one budget line, rebuilt from its events. Every balance that must never be
//! overspent lives here, so one aggregate's optimistic concurrency guards it (FIN-01, FIN-02,
//! FIN-03): concurrent payments against one line conflict and are retried against the new
//! balances.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::funding::ids::{BudgetLineId, Purpose};
use crate::money::Dong;
use crate::rules::Finding;

use super::event::BudgetLineEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    Estimate,
    Allocation,
    Commitment,
    Advance,
    AdvanceSettlement,
    Payment,
    Return,
    Reversal,
}

/// One money entry, as the line keeps it for reversals and returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineEntry {
    pub no: u32,
    pub kind: EntryKind,
    pub amount: Dong,
    pub recipient: Option<String>,
    pub purpose: Option<Purpose>,
    /// The entry this one acts on (a settled advance, a return's source, a reversal's target).
    pub against: Option<u32>,
    pub effective_date: NaiveDate,
    pub reversed: bool,
    /// Advances: the part neither settled nor returned.
    pub outstanding: Dong,
    /// Payments and advance settlements: the part returned.
    pub returned: Dong,
}

/// Money committed to one approved purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub entry: u32,
    pub purpose: Purpose,
    pub recipient: String,
    pub beneficiary: Option<CooperativeCode>,
    pub amount: Dong,
    pub approved_by: String,
    pub paid: Dong,
    pub outstanding: Dong,
    pub reversed: bool,
}

/// Spending from one recipient's allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spent {
    pub paid: Dong,
    pub outstanding: Dong,
}

/// What a settlement reads about a line (see [`crate::services::FundingLookup::line`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSnapshot {
    pub id: BudgetLineId,
    pub estimate: Dong,
    pub allocated: Dong,
    pub paid: Dong,
    pub outstanding_advances: Dong,
    /// Everyone who approved support paid from this line, and everyone who recorded a payment.
    pub approvers: BTreeSet<String>,
    pub payers: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub(crate) id: Option<BudgetLineId>,
    pub(crate) estimate: Dong,
    pub(crate) allocations: BTreeMap<String, Dong>,
    pub(crate) allocated: Dong,
    pub(crate) spent: BTreeMap<String, Spent>,
    pub(crate) commitments: Vec<Commitment>,
    pub(crate) entries: Vec<LineEntry>,
    pub(crate) payers: BTreeSet<String>,
    pub(crate) reported_advances: BTreeSet<u32>,
    pub(crate) findings: Vec<Finding>,
}

impl BudgetLine {
    pub fn id(&self) -> Option<&BudgetLineId> {
        self.id.as_ref()
    }

    pub fn estimate(&self) -> Dong {
        self.estimate
    }

    pub fn allocated(&self) -> Dong {
        self.allocated
    }

    pub fn allocation(&self, recipient: &str) -> Dong {
        self.allocations.get(recipient).copied().unwrap_or_default()
    }

    pub fn spent(&self, recipient: &str) -> Spent {
        self.spent.get(recipient).copied().unwrap_or_default()
    }

    pub fn allocations(&self) -> &BTreeMap<String, Dong> {
        &self.allocations
    }

    pub fn commitments(&self) -> &[Commitment] {
        &self.commitments
    }

    pub fn entries(&self) -> &[LineEntry] {
        &self.entries
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub(crate) fn next_entry(&self) -> u32 {
        u32::try_from(self.entries.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    pub(crate) fn entry(&self, no: u32) -> Option<&LineEntry> {
        no.checked_sub(1).and_then(|i| self.entries.get(i as usize))
    }

    pub(crate) fn commitment(&self, purpose: &Purpose) -> Option<&Commitment> {
        self.commitments
            .iter()
            .find(|c| &c.purpose == purpose && !c.reversed)
    }

    /// Totals over all recipients.
    pub fn totals(&self) -> Spent {
        self.spent.values().fold(Spent::default(), |acc, s| Spent {
            paid: acc.paid.checked_add(s.paid).unwrap_or(acc.paid),
            outstanding: acc
                .outstanding
                .checked_add(s.outstanding)
                .unwrap_or(acc.outstanding),
        })
    }

    /// The answer to [`crate::services::FundingLookup::line`].
    pub fn snapshot(&self) -> Option<LineSnapshot> {
        let totals = self.totals();
        Some(LineSnapshot {
            id: self.id.clone()?,
            estimate: self.estimate,
            allocated: self.allocated,
            paid: totals.paid,
            outstanding_advances: totals.outstanding,
            approvers: self
                .commitments
                .iter()
                .map(|c| c.approved_by.clone())
                .collect(),
            payers: self.payers.clone(),
        })
    }

    pub(crate) fn apply_event(&mut self, event: BudgetLineEvent) {
        super::apply::apply(self, event);
    }
}
