//! The balances of one budget line, rebuilt from its events. Every balance that must never be
//! overspent lives here, so one aggregate's optimistic concurrency guards it (FIN-01, FIN-02,
//! FIN-03): concurrent payments against one line conflict and are retried against the new
//! balances.
//!
//! A command's cost does not grow with the line's history: what grows with it (the entries,
//! the commitments, who paid, the findings) is held in persistent collections (`imbl`), so
//! the store's copy of a cached line is a few reference counts, and each rule reaches what it
//! reads through an index kept as the events are applied (the open commitment of a purpose,
//! what each recipient's open commitments still reserve, the advances still outstanding).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use imbl::{HashMap, OrdSet, Vector};
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

/// A budget line's state. Stored (in projections' internal state) as the fields it had before
/// it kept indexes ([`Stored`]): the indexes are rebuilt when it is read back, so stored states
/// read the same and their bytes did not change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub struct BudgetLine {
    pub(crate) id: Option<BudgetLineId>,
    pub(crate) estimate: Dong,
    pub(crate) allocations: BTreeMap<String, Dong>,
    pub(crate) allocated: Dong,
    pub(crate) spent: BTreeMap<String, Spent>,
    pub(crate) commitments: Vector<Commitment>,
    /// The open (not reversed) commitment of each purpose: its index in `commitments`.
    pub(crate) open_commitments: HashMap<Purpose, usize>,
    /// Per recipient, what its open commitments reserve beyond what was paid or advanced on
    /// them (the sum FIN-01 holds a new commitment to).
    pub(crate) reserved: BTreeMap<String, Dong>,
    /// Everyone who approved a purpose committed on this line (reversed commitments too).
    pub(crate) approvers: OrdSet<String>,
    pub(crate) entries: Vector<LineEntry>,
    /// Advances neither reversed nor wholly settled or returned (FIN-06 reviews them).
    pub(crate) open_advances: OrdSet<u32>,
    pub(crate) payers: OrdSet<String>,
    pub(crate) reported_advances: OrdSet<u32>,
    pub(crate) findings: Vector<Finding>,
}

/// The stored form of a [`BudgetLine`]: its facts without the indexes.
#[derive(Serialize, Deserialize)]
struct Stored {
    id: Option<BudgetLineId>,
    estimate: Dong,
    allocations: BTreeMap<String, Dong>,
    allocated: Dong,
    spent: BTreeMap<String, Spent>,
    commitments: Vector<Commitment>,
    entries: Vector<LineEntry>,
    payers: OrdSet<String>,
    reported_advances: OrdSet<u32>,
    findings: Vector<Finding>,
}

impl From<BudgetLine> for Stored {
    fn from(line: BudgetLine) -> Stored {
        Stored {
            id: line.id,
            estimate: line.estimate,
            allocations: line.allocations,
            allocated: line.allocated,
            spent: line.spent,
            commitments: line.commitments,
            entries: line.entries,
            payers: line.payers,
            reported_advances: line.reported_advances,
            findings: line.findings,
        }
    }
}

impl From<Stored> for BudgetLine {
    fn from(stored: Stored) -> BudgetLine {
        let mut line = BudgetLine {
            id: stored.id,
            estimate: stored.estimate,
            allocations: stored.allocations,
            allocated: stored.allocated,
            spent: stored.spent,
            commitments: stored.commitments,
            entries: stored.entries,
            payers: stored.payers,
            reported_advances: stored.reported_advances,
            findings: stored.findings,
            ..BudgetLine::default()
        };
        super::apply::rebuild_indexes(&mut line);
        line
    }
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

    pub fn commitments(&self) -> &Vector<Commitment> {
        &self.commitments
    }

    pub fn entries(&self) -> &Vector<LineEntry> {
        &self.entries
    }

    pub fn findings(&self) -> &Vector<Finding> {
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

    /// The commitment of `purpose` not reversed, if any: at most one, since a purpose is
    /// committed again only after its commitment was reversed (`AlreadyCommitted`). Found by
    /// the index kept as events apply, not by a scan.
    pub fn open_commitment(&self, purpose: &Purpose) -> Option<&Commitment> {
        self.commitment(purpose)
    }

    pub(crate) fn commitment(&self, purpose: &Purpose) -> Option<&Commitment> {
        self.open_commitments
            .get(purpose)
            .and_then(|&i| self.commitments.get(i))
    }

    /// What `recipient`'s open commitments reserve beyond what was paid or advanced on them.
    pub(crate) fn reserved(&self, recipient: &str) -> Dong {
        self.reserved.get(recipient).copied().unwrap_or_default()
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
            approvers: self.approvers.iter().cloned().collect(),
            payers: self.payers.iter().cloned().collect(),
        })
    }

    pub(crate) fn apply_event(&mut self, event: BudgetLineEvent) {
        super::apply::apply(self, event);
    }
}
