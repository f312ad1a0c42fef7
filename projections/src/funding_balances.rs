//! Funding balances (số dư kinh phí): per fiscal year × budget unit × funding source × support
//! category × district (the recipient of the allocation), the budget cycle of DOMAIN.md
//! "Money": estimate, allocated, approved, committed, advanced, advance outstanding and
//! overdue, paid, returned, available. All in whole đồng.
//!
//! Every figure is traced to its entries by `funding_movements`: one row per money movement
//! and balance row it moves (an allocation moves two rows: the recipient's and the line's
//! own), holding the signed change of every figure (`d_*`). A figure of `funding_balances`
//! is the sum of the matching `d_` column of the movements with the same key, except
//! `advance_overdue`, which is `advance_outstanding` once the projection's as-of date
//! (`funding_as_of`) is after the adjustment period of the year (31/01 of the next year).
//!
//! The line's own row (`district = ""`) holds what belongs to the line, not to a recipient:
//! the estimate, the support approved on the line, and in `available` the estimate not yet
//! allocated. Every column is additive: summing a line's rows gives the line's totals, with
//! `available` = estimate − net spending.
//!
//! State: everything is in the rows. The lookups a fold needs (entry → movement, purpose →
//! recipient, case → line) are rebuilt from `funding_movements` on the first event after a
//! load, so the projector can resume from the tables.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::funding::{
    BudgetLineEvent, BudgetLineId, Purpose, RecordId, SupportCaseEvent, TrainingClassEvent,
    adjustment_period_end,
};
use serde::{Deserialize, Serialize};
use store::{ColumnKind, Database, TableShape};

use crate::Projection;
use crate::event::{DomainEvent, ProjectedEvent};
use crate::projector::{LIVE, ProjectorError};
use crate::table::{AnyTable, Row, Table, from_cells};

/// The district of a line's own row: the estimate, approvals and what is left to allocate.
pub const LINE_ROW: &str = "";

/// The figures of a balance row, and the changes a movement makes to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub estimate: i64,
    pub allocated: i64,
    pub approved: i64,
    pub committed: i64,
    pub advanced: i64,
    pub advance_outstanding: i64,
    pub paid: i64,
    pub returned: i64,
    pub available: i64,
}

impl Figures {
    fn negated(self) -> Figures {
        Figures {
            estimate: -self.estimate,
            allocated: -self.allocated,
            approved: -self.approved,
            committed: -self.committed,
            advanced: -self.advanced,
            advance_outstanding: -self.advance_outstanding,
            paid: -self.paid,
            returned: -self.returned,
            available: -self.available,
        }
    }
}

/// `funding_balances`: one row per fiscal year × unit × source × category × district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub year: i32,
    pub unit: String,
    pub source: String,
    pub category: String,
    /// The allocation's recipient (district GSO code or unit code); `""` for the line's row.
    pub district: String,
    /// The budget line id `{year}/{unit}/{source}/{category}`.
    pub line: String,
    pub estimate: i64,
    pub allocated: i64,
    pub approved: i64,
    pub committed: i64,
    pub advanced: i64,
    pub advance_outstanding: i64,
    pub advance_overdue: i64,
    pub paid: i64,
    pub returned: i64,
    pub available: i64,
    /// 31/01 of the next year: advances still outstanding after it are overdue.
    pub adjustment_period_end: NaiveDate,
    /// How many movements (rows of `funding_movements`) contributed.
    pub entries: i64,
    pub last_position: u64,
}

impl Row for BalanceRow {
    const SHAPE: TableShape = TableShape {
        name: "funding_balances",
        columns: &[
            ("year", ColumnKind::Int),
            ("unit", ColumnKind::Text),
            ("source", ColumnKind::Text),
            ("category", ColumnKind::Text),
            ("district", ColumnKind::Text),
            ("line", ColumnKind::Text),
            ("estimate", ColumnKind::Int),
            ("allocated", ColumnKind::Int),
            ("approved", ColumnKind::Int),
            ("committed", ColumnKind::Int),
            ("advanced", ColumnKind::Int),
            ("advance_outstanding", ColumnKind::Int),
            ("advance_overdue", ColumnKind::Int),
            ("paid", ColumnKind::Int),
            ("returned", ColumnKind::Int),
            ("available", ColumnKind::Int),
            ("adjustment_period_end", ColumnKind::Text),
            ("entries", ColumnKind::Int),
            ("last_position", ColumnKind::Int),
        ],
        key_columns: 5,
    };
    type Key = (i32, String, String, String, String);
    fn key(&self) -> Self::Key {
        (
            self.year,
            self.unit.clone(),
            self.source.clone(),
            self.category.clone(),
            self.district.clone(),
        )
    }
}

impl BalanceRow {
    fn add(&mut self, d: &Figures) {
        self.estimate += d.estimate;
        self.allocated += d.allocated;
        self.approved += d.approved;
        self.committed += d.committed;
        self.advanced += d.advanced;
        self.advance_outstanding += d.advance_outstanding;
        self.paid += d.paid;
        self.returned += d.returned;
        self.available += d.available;
    }

    fn set_overdue(&mut self, as_of: Option<NaiveDate>) {
        self.advance_overdue = match as_of {
            Some(date) if date > self.adjustment_period_end => self.advance_outstanding,
            _ => 0,
        };
    }
}

/// `funding_movements`: one row per money movement and balance row it moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementRow {
    pub position: u64,
    /// 0, or 1 for the second row an allocation moves (the line's own row).
    pub leg: i64,
    pub line: String,
    pub year: i32,
    pub unit: String,
    pub source: String,
    pub category: String,
    pub district: String,
    /// The line-local entry number (money events on the line); none for approvals.
    pub entry: Option<u32>,
    /// `estimate`, `allocation`, `application`, `approval`, `cancellation`, `commitment`,
    /// `advance`, `advance-settlement`, `payment`, `return`, `reversal`.
    pub kind: String,
    pub purpose: Option<String>,
    pub beneficiary: Option<String>,
    /// The event's amount (a reversal: the amount of the entry it reverses).
    pub amount: i64,
    /// The entry this one acts on (settled advance, returned payment, reversed entry).
    pub against_position: Option<u64>,
    pub effective_date: NaiveDate,
    /// Dated after 31/12, in the adjustment period (chỉnh lý).
    pub adjustment_period: bool,
    pub actor: String,
    /// The reversal that undid this movement.
    pub reversed_by: Option<u64>,
    pub d_estimate: i64,
    pub d_allocated: i64,
    pub d_approved: i64,
    pub d_committed: i64,
    pub d_advanced: i64,
    pub d_advance_outstanding: i64,
    pub d_paid: i64,
    pub d_returned: i64,
    pub d_available: i64,
}

impl Row for MovementRow {
    const SHAPE: TableShape = TableShape {
        name: "funding_movements",
        columns: &[
            ("position", ColumnKind::Int),
            ("leg", ColumnKind::Int),
            ("line", ColumnKind::Text),
            ("year", ColumnKind::Int),
            ("unit", ColumnKind::Text),
            ("source", ColumnKind::Text),
            ("category", ColumnKind::Text),
            ("district", ColumnKind::Text),
            ("entry", ColumnKind::Int),
            ("kind", ColumnKind::Text),
            ("purpose", ColumnKind::Text),
            ("beneficiary", ColumnKind::Text),
            ("amount", ColumnKind::Int),
            ("against_position", ColumnKind::Int),
            ("effective_date", ColumnKind::Text),
            ("adjustment_period", ColumnKind::Bool),
            ("actor", ColumnKind::Text),
            ("reversed_by", ColumnKind::Int),
            ("d_estimate", ColumnKind::Int),
            ("d_allocated", ColumnKind::Int),
            ("d_approved", ColumnKind::Int),
            ("d_committed", ColumnKind::Int),
            ("d_advanced", ColumnKind::Int),
            ("d_advance_outstanding", ColumnKind::Int),
            ("d_paid", ColumnKind::Int),
            ("d_returned", ColumnKind::Int),
            ("d_available", ColumnKind::Int),
        ],
        key_columns: 2,
    };
    type Key = (u64, i64);
    fn key(&self) -> Self::Key {
        (self.position, self.leg)
    }
}

impl MovementRow {
    pub fn figures(&self) -> Figures {
        Figures {
            estimate: self.d_estimate,
            allocated: self.d_allocated,
            approved: self.d_approved,
            committed: self.d_committed,
            advanced: self.d_advanced,
            advance_outstanding: self.d_advance_outstanding,
            paid: self.d_paid,
            returned: self.d_returned,
            available: self.d_available,
        }
    }

    fn set_figures(&mut self, d: Figures) {
        self.d_estimate = d.estimate;
        self.d_allocated = d.allocated;
        self.d_approved = d.approved;
        self.d_committed = d.committed;
        self.d_advanced = d.advanced;
        self.d_advance_outstanding = d.advance_outstanding;
        self.d_paid = d.paid;
        self.d_returned = d.returned;
        self.d_available = d.available;
    }

    fn balance_key(&self) -> <BalanceRow as Row>::Key {
        (
            self.year,
            self.unit.clone(),
            self.source.clone(),
            self.category.clone(),
            self.district.clone(),
        )
    }
}

/// `funding_as_of`: the date the balances are as of (one row): the latest effective date of
/// any entry folded. `advance_overdue` is evaluated against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsOfRow {
    pub projection: String,
    pub as_of: NaiveDate,
    /// The entry that carried that date.
    pub position: u64,
}

impl Row for AsOfRow {
    const SHAPE: TableShape = TableShape {
        name: "funding_as_of",
        columns: &[
            ("projection", ColumnKind::Text),
            ("as_of", ColumnKind::Text),
            ("position", ColumnKind::Int),
        ],
        key_columns: 1,
    };
    type Key = String;
    fn key(&self) -> String {
        self.projection.clone()
    }
}

const AS_OF_KEY: &str = "funding_balances";

/// Lookups rebuilt from `funding_movements` (never stored).
#[derive(Debug, Default)]
struct Index {
    /// (line, entry) → position of the entry's movement.
    entries: HashMap<(String, u32), u64>,
    /// (line, purpose) → the recipient of its live commitment.
    commitments: HashMap<(String, String), String>,
    /// Purpose → (line, position of its application or approval movement).
    purposes: HashMap<String, (String, u64)>,
    /// How many movement rows the lookups cover.
    rows: usize,
}

impl Index {
    fn build(movements: &Table<MovementRow>) -> Index {
        let mut index = Index::default();
        for m in movements.iter().filter(|m| m.leg == 0) {
            index.note(m);
        }
        index.rows = movements.len();
        index
    }

    fn note(&mut self, m: &MovementRow) {
        if let Some(entry) = m.entry {
            self.entries.insert((m.line.clone(), entry), m.position);
        }
        let Some(purpose) = &m.purpose else { return };
        match m.kind.as_str() {
            "commitment" if m.reversed_by.is_none() => {
                self.commitments
                    .insert((m.line.clone(), purpose.clone()), m.district.clone());
            }
            "application" | "approval" => {
                self.purposes
                    .entry(purpose.clone())
                    .or_insert_with(|| (m.line.clone(), m.position));
            }
            _ => {}
        }
    }
}

#[derive(Debug, Default)]
pub struct FundingBalances {
    pub balances: Table<BalanceRow>,
    pub movements: Table<MovementRow>,
    pub as_of: Table<AsOfRow>,
    index: Option<Index>,
}

/// What one event moves, before it is posted.
struct Leg {
    district: String,
    figures: Figures,
}

struct Posting {
    line: BudgetLineId,
    entry: Option<u32>,
    kind: &'static str,
    purpose: Option<String>,
    beneficiary: Option<String>,
    amount: i64,
    against_position: Option<u64>,
    adjustment_period: bool,
    legs: Vec<Leg>,
}

impl Posting {
    fn new(line: &BudgetLineId, kind: &'static str, amount: i64) -> Posting {
        Posting {
            line: line.clone(),
            entry: None,
            kind,
            purpose: None,
            beneficiary: None,
            amount,
            against_position: None,
            adjustment_period: false,
            legs: Vec::new(),
        }
    }

    fn leg(mut self, district: &str, figures: Figures) -> Posting {
        self.legs.push(Leg {
            district: district.to_string(),
            figures,
        });
        self
    }
}

impl FundingBalances {
    /// The row of `line` for `district` (`LINE_ROW` for the line's own row).
    pub fn row(&self, line: &BudgetLineId, district: &str) -> Option<&BalanceRow> {
        self.balances.get(&(
            line.year,
            line.unit.clone(),
            line.source.clone(),
            line.category.to_string(),
            district.to_string(),
        ))
    }

    /// The date the balances are as of.
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.as_of.get(&AS_OF_KEY.to_string()).map(|r| r.as_of)
    }

    fn advance_clock(&mut self, event: &ProjectedEvent) {
        let old = self.as_of();
        if old.is_some_and(|d| d >= event.effective_date) {
            return;
        }
        let new = event.effective_date;
        self.as_of.upsert(AsOfRow {
            projection: AS_OF_KEY.to_string(),
            as_of: new,
            position: event.position,
        });
        // Rows whose adjustment period ended between the old date and the new one.
        let crossed: Vec<_> = self
            .balances
            .iter()
            .filter(|r| {
                r.advance_outstanding != 0
                    && r.adjustment_period_end < new
                    && old.is_none_or(|o| r.adjustment_period_end >= o)
            })
            .map(Row::key)
            .collect();
        for key in crossed {
            if let Some(row) = self.balances.get_mut(&key) {
                row.set_overdue(Some(new));
            }
        }
    }

    fn post(&mut self, event: &ProjectedEvent, posting: Posting) {
        let as_of = self.as_of();
        let line = &posting.line;
        for (leg, Leg { district, figures }) in posting.legs.into_iter().enumerate() {
            let mut m = MovementRow {
                position: event.position,
                leg: leg as i64,
                line: line.to_id(),
                year: line.year,
                unit: line.unit.clone(),
                source: line.source.clone(),
                category: line.category.to_string(),
                district,
                entry: posting.entry,
                kind: posting.kind.to_string(),
                purpose: posting.purpose.clone(),
                beneficiary: posting.beneficiary.clone(),
                amount: posting.amount,
                against_position: posting.against_position,
                effective_date: event.effective_date,
                adjustment_period: posting.adjustment_period,
                actor: event.actor.user_id.clone(),
                reversed_by: None,
                d_estimate: 0,
                d_allocated: 0,
                d_approved: 0,
                d_committed: 0,
                d_advanced: 0,
                d_advance_outstanding: 0,
                d_paid: 0,
                d_returned: 0,
                d_available: 0,
            };
            m.set_figures(figures);
            let row = self.balances.entry(m.balance_key(), || BalanceRow {
                year: line.year,
                unit: line.unit.clone(),
                source: line.source.clone(),
                category: line.category.to_string(),
                district: m.district.clone(),
                line: line.to_id(),
                estimate: 0,
                allocated: 0,
                approved: 0,
                committed: 0,
                advanced: 0,
                advance_outstanding: 0,
                advance_overdue: 0,
                paid: 0,
                returned: 0,
                available: 0,
                adjustment_period_end: adjustment_period_end(line.year),
                entries: 0,
                last_position: 0,
            });
            row.add(&figures);
            row.entries += 1;
            row.last_position = event.position;
            row.set_overdue(as_of);
            if leg == 0
                && let Some(index) = &mut self.index
            {
                index.note(&m);
            }
            self.movements.upsert(m);
            if let Some(index) = &mut self.index {
                index.rows = self.movements.len();
            }
        }
    }

    fn movement(&self, line: &BudgetLineId, entry: u32) -> Option<&MovementRow> {
        let index = self.index.as_ref()?;
        let position = *index.entries.get(&(line.to_id(), entry))?;
        self.movements.get(&(position, 0))
    }

    fn recipient(&self, line: &BudgetLineId, purpose: &Purpose) -> String {
        self.index
            .as_ref()
            .and_then(|i| {
                i.commitments
                    .get(&(line.to_id(), purpose.to_string()))
                    .cloned()
            })
            .unwrap_or_default()
    }

    fn apply_line(&mut self, event: &ProjectedEvent, e: &BudgetLineEvent) {
        use BudgetLineEvent as E;
        let Ok(line) = BudgetLineId::parse(&event.aggregate_id) else {
            return;
        };
        let zero = Figures::default();
        let posting = match e {
            E::EstimateAssigned { entry, amount, .. } => {
                let a = amount.get();
                let figures = Figures {
                    estimate: a,
                    available: a,
                    ..zero
                };
                Posting {
                    entry: Some(*entry),
                    ..Posting::new(&line, "estimate", a)
                }
                .leg(LINE_ROW, figures)
            }
            E::AllocationMade {
                entry,
                recipient,
                amount,
                ..
            } => {
                let a = amount.get();
                let to = Figures {
                    allocated: a,
                    available: a,
                    ..zero
                };
                let from = Figures {
                    available: -a,
                    ..zero
                };
                Posting {
                    entry: Some(*entry),
                    ..Posting::new(&line, "allocation", a)
                }
                .leg(recipient, to)
                .leg(LINE_ROW, from)
            }
            E::SupportCommitted {
                entry,
                purpose,
                recipient,
                beneficiary,
                amount,
                ..
            } => {
                let a = amount.get();
                Posting {
                    entry: Some(*entry),
                    purpose: Some(purpose.to_string()),
                    beneficiary: beneficiary.as_ref().map(|c| c.as_str().to_string()),
                    ..Posting::new(&line, "commitment", a)
                }
                .leg(
                    recipient,
                    Figures {
                        committed: a,
                        ..zero
                    },
                )
            }
            E::AdvancePaid {
                entry,
                purpose,
                amount,
                adjustment_period,
                ..
            } => {
                let a = amount.get();
                let district = self.recipient(&line, purpose);
                Posting {
                    entry: Some(*entry),
                    purpose: Some(purpose.to_string()),
                    adjustment_period: *adjustment_period,
                    ..Posting::new(&line, "advance", a)
                }
                .leg(
                    &district,
                    Figures {
                        advanced: a,
                        advance_outstanding: a,
                        available: -a,
                        ..zero
                    },
                )
            }
            E::PaymentMade {
                entry,
                purpose,
                amount,
                adjustment_period,
                ..
            } => {
                let a = amount.get();
                let district = self.recipient(&line, purpose);
                Posting {
                    entry: Some(*entry),
                    purpose: Some(purpose.to_string()),
                    adjustment_period: *adjustment_period,
                    ..Posting::new(&line, "payment", a)
                }
                .leg(
                    &district,
                    Figures {
                        paid: a,
                        available: -a,
                        ..zero
                    },
                )
            }
            E::AdvanceSettled {
                entry,
                advance_entry,
                amount,
                adjustment_period,
                ..
            } => {
                let a = amount.get();
                let source = self.movement(&line, *advance_entry);
                let district = source.map(|m| m.district.clone()).unwrap_or_default();
                Posting {
                    entry: Some(*entry),
                    purpose: source.and_then(|m| m.purpose.clone()),
                    against_position: source.map(|m| m.position),
                    adjustment_period: *adjustment_period,
                    ..Posting::new(&line, "advance-settlement", a)
                }
                .leg(
                    &district,
                    Figures {
                        advance_outstanding: -a,
                        paid: a,
                        ..zero
                    },
                )
            }
            E::FundsReturned {
                entry,
                against_entry,
                amount,
                ..
            } => {
                let a = amount.get();
                let source = self.movement(&line, *against_entry);
                let district = source.map(|m| m.district.clone()).unwrap_or_default();
                let of_advance = source.is_some_and(|m| m.kind == "advance");
                let figures = Figures {
                    advance_outstanding: if of_advance { -a } else { 0 },
                    returned: a,
                    available: a,
                    ..zero
                };
                Posting {
                    entry: Some(*entry),
                    purpose: source.and_then(|m| m.purpose.clone()),
                    against_position: source.map(|m| m.position),
                    ..Posting::new(&line, "return", a)
                }
                .leg(&district, figures)
            }
            E::EntryReversed {
                entry, reverses, ..
            } => return self.reverse(event, &line, *entry, *reverses),
            E::ComplianceFindingRaised { .. } => return,
        };
        self.post(event, posting);
    }

    /// A reversal moves every row its target moved, by the opposite amounts.
    fn reverse(&mut self, event: &ProjectedEvent, line: &BudgetLineId, entry: u32, target: u32) {
        let Some(original) = self.movement(line, target).cloned() else {
            return;
        };
        let legs: Vec<MovementRow> = (0..2)
            .filter_map(|leg| self.movements.get(&(original.position, leg)).cloned())
            .collect();
        let mut posting = Posting {
            entry: Some(entry),
            purpose: original.purpose.clone(),
            beneficiary: original.beneficiary.clone(),
            against_position: Some(original.position),
            ..Posting::new(line, "reversal", original.amount)
        };
        for m in &legs {
            posting = posting.leg(&m.district, m.figures().negated());
            if let Some(row) = self.movements.get_mut(&m.key()) {
                row.reversed_by = Some(event.position);
            }
        }
        if original.kind == "commitment"
            && let (Some(index), Some(purpose)) = (&mut self.index, &original.purpose)
        {
            index
                .commitments
                .remove(&(original.line.clone(), purpose.clone()));
        }
        self.post(event, posting);
    }

    fn apply_case(&mut self, event: &ProjectedEvent, e: &SupportCaseEvent) {
        match e {
            SupportCaseEvent::SupportApplicationReceived {
                case,
                line,
                beneficiary,
                requested,
                ..
            } => {
                let posting = Posting {
                    purpose: Some(Purpose::SupportCase(case.clone()).to_string()),
                    beneficiary: Some(beneficiary.as_str().to_string()),
                    ..Posting::new(line, "application", requested.get())
                }
                .leg(LINE_ROW, Figures::default());
                self.post(event, posting);
            }
            SupportCaseEvent::SupportApproved { amount, .. } => {
                let Ok(case) = RecordId::parse(&event.aggregate_id) else {
                    return;
                };
                let purpose = Purpose::SupportCase(case).to_string();
                let Some((line, application)) = self.purpose_line(&purpose) else {
                    return;
                };
                let beneficiary = self
                    .movements
                    .get(&(application, 0))
                    .and_then(|m| m.beneficiary.clone());
                let a = amount.get();
                let posting = Posting {
                    purpose: Some(purpose),
                    beneficiary,
                    ..Posting::new(&line, "approval", a)
                }
                .leg(
                    LINE_ROW,
                    Figures {
                        approved: a,
                        ..Figures::default()
                    },
                );
                self.post(event, posting);
            }
            SupportCaseEvent::SupportRejected { .. } => {}
        }
    }

    fn purpose_line(&self, purpose: &str) -> Option<(BudgetLineId, u64)> {
        let (line, position) = self.index.as_ref()?.purposes.get(purpose)?;
        Some((BudgetLineId::parse(line).ok()?, *position))
    }

    fn apply_class(&mut self, event: &ProjectedEvent, e: &TrainingClassEvent) {
        match e {
            TrainingClassEvent::TrainingClassPlanned {
                class,
                line,
                planned_cost,
                ..
            } => {
                let a = planned_cost.get();
                let posting = Posting {
                    purpose: Some(Purpose::TrainingClass(class.clone()).to_string()),
                    ..Posting::new(line, "approval", a)
                }
                .leg(
                    LINE_ROW,
                    Figures {
                        approved: a,
                        ..Figures::default()
                    },
                );
                self.post(event, posting);
            }
            TrainingClassEvent::TrainingClassCancelled { .. } => {
                let Ok(class) = RecordId::parse(&event.aggregate_id) else {
                    return;
                };
                let purpose = Purpose::TrainingClass(class).to_string();
                let Some((line, plan)) = self.purpose_line(&purpose) else {
                    return;
                };
                let a = self.movements.get(&(plan, 0)).map_or(0, |m| m.amount);
                let posting = Posting {
                    purpose: Some(purpose),
                    against_position: Some(plan),
                    ..Posting::new(&line, "cancellation", a)
                }
                .leg(
                    LINE_ROW,
                    Figures {
                        approved: -a,
                        ..Figures::default()
                    },
                );
                self.post(event, posting);
            }
            _ => {}
        }
    }
}

impl Projection for FundingBalances {
    fn name(&self) -> &'static str {
        "funding_balances"
    }

    fn apply(&mut self, event: &ProjectedEvent, _shared: &crate::Shared) {
        // The lookups are rebuilt from the rows after a load (or when the rows changed
        // behind the fold's back).
        if self
            .index
            .as_ref()
            .is_none_or(|i| i.rows != self.movements.len())
        {
            self.index = Some(Index::build(&self.movements));
        }
        self.advance_clock(event);
        match &event.event {
            DomainEvent::BudgetLine(e) => self.apply_line(event, e),
            DomainEvent::SupportCase(e) => self.apply_case(event, e),
            DomainEvent::TrainingClass(e) => self.apply_class(event, e),
            _ => {}
        }
    }

    fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.balances, &self.movements, &self.as_of]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.balances, &mut self.movements, &mut self.as_of]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A paid balance as stored that differs from the payment entries in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The stored table that differs: `funding_balances` (its `paid`) or `funding_movements`
    /// (the sum of its `d_paid`).
    pub table: &'static str,
    pub year: i32,
    pub unit: String,
    pub source: String,
    pub category: String,
    pub district: String,
    pub stored: i64,
    /// The sum of the payment entries (payments and settled advances, less reversals) in the
    /// log, up to the projections' checkpoint.
    pub from_log: i64,
    /// The entries behind `from_log`.
    pub positions: Vec<u64>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}/{}/{}/{} [{}]: đã chi lưu / stored paid {} ≠ bút toán trong sổ / entries in the log {} (chênh / difference {}; bút toán / entries {:?})",
            self.table,
            self.year,
            self.unit,
            self.source,
            self.category,
            self.district,
            self.stored,
            self.from_log,
            self.stored - self.from_log,
            self.positions
        )
    }
}

type BalanceKey = <BalanceRow as Row>::Key;

/// An entry of the log as the reconciliation remembers it: whether it is a payment entry,
/// its recipient, its amount, and the purpose of a commitment.
type LogEntry = (bool, String, i64, Option<String>);

/// The payment entries of the log, summed per balance row, read without the projection code.
#[derive(Default)]
struct LogPayments {
    /// line → purpose → recipient of its live commitment.
    commitments: HashMap<(String, String), String>,
    /// (line, entry) → (is a payment entry, recipient, amount, is a commitment, purpose).
    entries: HashMap<(String, u32), LogEntry>,
    sums: std::collections::BTreeMap<BalanceKey, (i64, Vec<u64>)>,
}

impl LogPayments {
    fn fold(&mut self, position: u64, line: &BudgetLineId, e: &BudgetLineEvent) {
        use BudgetLineEvent as E;
        let id = line.to_id();
        let key = |district: &str| {
            (
                line.year,
                line.unit.clone(),
                line.source.clone(),
                line.category.to_string(),
                district.to_string(),
            )
        };
        let recipient = |this: &Self, purpose: &Purpose| {
            this.commitments
                .get(&(id.clone(), purpose.to_string()))
                .cloned()
                .unwrap_or_default()
        };
        let (entry, record) = match e {
            E::SupportCommitted {
                entry,
                purpose,
                recipient,
                ..
            } => {
                self.commitments
                    .insert((id.clone(), purpose.to_string()), recipient.clone());
                (
                    *entry,
                    (false, recipient.clone(), 0, Some(purpose.to_string())),
                )
            }
            E::AdvancePaid { entry, purpose, .. } => {
                (*entry, (false, recipient(self, purpose), 0, None))
            }
            E::PaymentMade {
                entry,
                purpose,
                amount,
                ..
            } => (*entry, (true, recipient(self, purpose), amount.get(), None)),
            E::AdvanceSettled {
                entry,
                advance_entry,
                amount,
                ..
            } => {
                let district = self
                    .entries
                    .get(&(id.clone(), *advance_entry))
                    .map(|r| r.1.clone())
                    .unwrap_or_default();
                (*entry, (true, district, amount.get(), None))
            }
            E::EntryReversed {
                entry, reverses, ..
            } => {
                if let Some((payment, district, amount, commitment)) =
                    self.entries.get(&(id.clone(), *reverses)).cloned()
                {
                    if payment {
                        let sum = self.sums.entry(key(&district)).or_default();
                        sum.0 -= amount;
                        sum.1.push(position);
                    }
                    if let Some(purpose) = commitment {
                        self.commitments.remove(&(id.clone(), purpose));
                    }
                }
                (*entry, (false, String::new(), 0, None))
            }
            E::ComplianceFindingRaised { .. } => return,
            other => match other.entry() {
                Some(entry) => (entry, (false, String::new(), 0, None)),
                None => return,
            },
        };
        if record.0 {
            let sum = self.sums.entry(key(&record.1)).or_default();
            sum.0 += record.2;
            sum.1.push(position);
        }
        self.entries.insert((id, entry), record);
    }
}

/// The reconciliation check, against the stored tables: for every balance row, the `paid`
/// stored in `funding_balances`, and the sum of `d_paid` stored in `funding_movements`, must
/// equal the sum of the payment entries (payments and settled advances, less their
/// reversals) read from the log up to the projections' checkpoint. Returns the differences
/// (none when the tables agree with the log).
///
/// # Errors
/// When the tables or the log cannot be read.
pub async fn reconcile(db: &Database) -> Result<Vec<Difference>, ProjectorError> {
    Ok(reconcile_at(db).await?.1)
}

/// As [`reconcile`], with the checkpoint (the number of entries) the stored tables were read
/// at, in the same snapshot as their rows.
///
/// # Errors
/// When the tables or the log cannot be read.
pub async fn reconcile_at(db: &Database) -> Result<(u64, Vec<Difference>), ProjectorError> {
    use futures::TryStreamExt;
    // The checkpoint and the rows of one moment, even while the live projector flushes.
    let mut snapshot =
        store::ProjectionSnapshot::begin(db, &[&BalanceRow::SHAPE, &MovementRow::SHAPE]).await?;
    let checkpoint = snapshot.checkpoint(LIVE).await?;
    let balances = snapshot.rows(&BalanceRow::SHAPE).await?;
    let movements = snapshot.rows(&MovementRow::SHAPE).await?;
    snapshot.finish().await?;
    let mut log = LogPayments::default();
    let mut rows = store::stream_log(db, 0);
    while let Some(row) = rows.try_next().await? {
        let position = u64::try_from(row.position).unwrap_or(u64::MAX);
        if position >= checkpoint {
            break;
        }
        if row.aggregate_type != "budget_line" {
            continue;
        }
        let event = crate::event::decode(&row.bytes, position)?;
        if let (DomainEvent::BudgetLine(e), Ok(line)) =
            (&event.event, BudgetLineId::parse(&event.aggregate_id))
        {
            log.fold(position, &line, e);
        }
    }
    drop(rows);
    let mut stored: std::collections::BTreeMap<BalanceKey, i64> = Default::default();
    for cells in balances {
        let row: BalanceRow = from_cells(cells)?;
        stored.insert(row.key(), row.paid);
    }
    let mut moved: std::collections::BTreeMap<BalanceKey, i64> = Default::default();
    for cells in movements {
        let m: MovementRow = from_cells(cells)?;
        *moved.entry(m.balance_key()).or_default() += m.d_paid;
    }
    let mut differences = Vec::new();
    for (table, figures) in [("funding_balances", &stored), ("funding_movements", &moved)] {
        let keys: std::collections::BTreeSet<&BalanceKey> =
            figures.keys().chain(log.sums.keys()).collect();
        for key in keys {
            let value = figures.get(key).copied().unwrap_or_default();
            let (from_log, positions) = log.sums.get(key).cloned().unwrap_or_default();
            if value != from_log {
                differences.push(Difference {
                    table,
                    year: key.0,
                    unit: key.1.clone(),
                    source: key.2.clone(),
                    category: key.3.clone(),
                    district: key.4.clone(),
                    stored: value,
                    from_log,
                    positions,
                });
            }
        }
    }
    Ok((checkpoint, differences))
}

#[cfg(test)]
mod tests {
    use domain::rules::RuleCode;

    use super::*;
    use crate::ProjectionSet;
    use crate::testing::{
        self, CASE, CLASS, LINE, RECIPIENT, SETTLEMENT, class, code, day, for_case, given, line,
        line_id, settlement, unit,
    };

    /// Every event type the funding balances fold, with the test that feeds it.
    const FOLDED: &[(&str, &str, fn())] = &[
        (
            "budget_line",
            "EstimateAssigned",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "AllocationMade",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "support_case",
            "SupportApplicationReceived",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "support_case",
            "SupportApproved",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "SupportCommitted",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "AdvancePaid",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "AdvanceSettled",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "PaymentMade",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "FundsReturned",
            the_budget_cycle_moves_the_figures,
        ),
        (
            "budget_line",
            "EntryReversed",
            a_reversal_undoes_the_entry_it_names,
        ),
        (
            "training_class",
            "TrainingClassPlanned",
            a_class_is_approved_when_planned_and_released_when_cancelled,
        ),
        (
            "training_class",
            "TrainingClassCancelled",
            a_class_is_approved_when_planned_and_released_when_cancelled,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitEstablished",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitReclassified",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitMerged",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitExtended",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitAbolished",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "settlement",
            "SettlementSubmitted",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "settlement",
            "SettlementAppraised",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "settlement",
            "SettlementApproved",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "settlement",
            "AuditFindingRecorded",
            any_later_entry_moves_the_as_of_date,
        ),
        (
            "settlement",
            "ComplianceFindingRaised",
            any_later_entry_moves_the_as_of_date,
        ),
    ];

    #[test]
    fn every_event_type_it_folds_has_a_test() {
        testing::assert_folded_types_are_tested::<FundingBalances>(FOLDED);
    }

    fn balances(set: &ProjectionSet) -> &FundingBalances {
        set.get::<FundingBalances>().expect("funding balances")
    }

    /// The figures of the line's row for `district`.
    fn figures(set: &ProjectionSet, district: &str) -> Figures {
        balances(set)
            .row(&line_id(LINE), district)
            .map(|r| Figures {
                estimate: r.estimate,
                allocated: r.allocated,
                approved: r.approved,
                committed: r.committed,
                advanced: r.advanced,
                advance_outstanding: r.advance_outstanding,
                paid: r.paid,
                returned: r.returned,
                available: r.available,
            })
            .unwrap_or_default()
    }

    #[test]
    fn the_budget_cycle_moves_the_figures() {
        let a = code(1);
        let mut facts = vec![
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            line::allocated(LINE, day(2018, 1, 20), 2, RECIPIENT, 400_000_000),
        ];
        facts.extend(testing::case_cycle(3));
        let after = |n: usize| given(facts[..n].to_vec());
        let zero = Figures::default();
        let set = after(1);
        let own = Figures {
            estimate: 1_000_000_000,
            available: 1_000_000_000,
            ..zero
        };
        assert_eq!(figures(&set, LINE_ROW), own);
        let set = after(2);
        assert_eq!(figures(&set, LINE_ROW).available, 600_000_000);
        assert_eq!(
            figures(&set, RECIPIENT),
            Figures {
                allocated: 400_000_000,
                available: 400_000_000,
                ..zero
            }
        );
        let set = after(3);
        assert_eq!(
            figures(&set, LINE_ROW),
            Figures {
                available: 600_000_000,
                ..own
            }
        );
        let application = balances(&set)
            .movements
            .get(&(2, 0))
            .expect("the application's movement");
        assert_eq!(
            (application.kind.as_str(), application.amount),
            ("application", 100_000_000)
        );
        assert_eq!(application.beneficiary.as_deref(), Some(a.as_str()));
        assert_eq!(figures(&after(4), LINE_ROW).approved, 90_000_000);
        assert_eq!(figures(&after(5), RECIPIENT).committed, 90_000_000);
        let advanced = figures(&after(6), RECIPIENT);
        assert_eq!(
            (advanced.advanced, advanced.advance_outstanding),
            (50_000_000, 50_000_000)
        );
        assert_eq!(advanced.available, 350_000_000);
        let settled = figures(&after(7), RECIPIENT);
        assert_eq!(
            (settled.advance_outstanding, settled.paid),
            (20_000_000, 30_000_000)
        );
        let paid = figures(&after(8), RECIPIENT);
        assert_eq!((paid.paid, paid.available), (70_000_000, 310_000_000));
        let set = after(9);
        let returned = figures(&set, RECIPIENT);
        assert_eq!(
            (returned.returned, returned.advance_outstanding),
            (5_000_000, 15_000_000)
        );
        assert_eq!(returned.available, 315_000_000);
        let row = balances(&set)
            .row(&line_id(LINE), RECIPIENT)
            .expect("the district's row");
        assert_eq!((row.entries, row.last_position), (6, 8));
    }

    #[test]
    fn a_reversal_undoes_the_entry_it_names() {
        let set = given([
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            line::allocated(LINE, day(2018, 1, 20), 2, RECIPIENT, 400_000_000),
            line::reversed(LINE, day(2018, 2, 1), 3, 2),
        ]);
        assert_eq!(figures(&set, RECIPIENT), Figures::default());
        assert_eq!(figures(&set, LINE_ROW).available, 1_000_000_000);
        let allocation = balances(&set)
            .movements
            .get(&(1, 0))
            .expect("the allocation");
        assert_eq!(allocation.reversed_by, Some(2));
        let reversal = balances(&set).movements.get(&(2, 0)).expect("the reversal");
        assert_eq!(
            (reversal.kind.as_str(), reversal.against_position),
            ("reversal", Some(1))
        );
    }

    #[test]
    fn a_class_is_approved_when_planned_and_released_when_cancelled() {
        let planned = [
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            class::planned(CLASS, day(2018, 3, 1), LINE, "205"),
        ];
        assert_eq!(
            figures(&given(planned.clone()), LINE_ROW).approved,
            60_000_000
        );
        let cancelled = planned
            .into_iter()
            .chain([class::cancelled(CLASS, day(2018, 4, 1))]);
        let set = given(cancelled);
        assert_eq!(figures(&set, LINE_ROW).approved, 0);
        let movement = balances(&set)
            .movements
            .get(&(2, 0))
            .expect("the cancellation");
        assert_eq!(
            (movement.kind.as_str(), movement.against_position),
            ("cancellation", Some(1))
        );
    }

    /// The as-of date is the latest legal date among all entries, whatever their aggregate; an
    /// advance outstanding after the adjustment period (31/01 of the next year) is overdue.
    #[test]
    fn any_later_entry_moves_the_as_of_date() {
        let advanced = vec![
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            line::advance(LINE, day(2018, 3, 1), 2, for_case(CASE), 50_000_000),
        ];
        let later = [
            unit::established("206", day(2018, 4, 1), "Uông Bí"),
            unit::reclassified(
                "206",
                day(2018, 5, 1),
                "Thành phố Uông Bí",
                domain::reference::UnitType::City,
            ),
            unit::merged("204", day(2018, 6, 1), "193"),
            unit::extended("193", day(2018, 7, 1), "204"),
            unit::abolished("204", day(2018, 8, 1)),
            settlement::submitted(SETTLEMENT, day(2019, 1, 20), &[LINE]),
            settlement::appraised(SETTLEMENT, day(2019, 1, 25), 0),
            settlement::approved(SETTLEMENT, day(2019, 1, 31), "so.tai.chinh"),
            settlement::audit_finding(SETTLEMENT, day(2019, 2, 1), 1_000_000),
            settlement::found(SETTLEMENT, day(2019, 2, 2), RuleCode::Fin09),
        ];
        for n in 0..later.len() {
            let facts: Vec<_> = advanced.iter().chain(&later[..=n]).cloned().collect();
            let date = later[n].effective_date;
            let set = given(facts);
            assert_eq!(
                balances(&set).as_of(),
                Some(date),
                "{}",
                later[n].event_type
            );
            let row = balances(&set).row(&line_id(LINE), LINE_ROW);
            let overdue = row.map_or(0, |r| r.advance_overdue);
            assert_eq!(
                overdue,
                if date > day(2019, 1, 31) {
                    50_000_000
                } else {
                    0
                },
                "{date}"
            );
        }
        // An earlier date leaves it.
        let earlier =
            advanced
                .into_iter()
                .chain([unit::established("206", day(2017, 1, 1), "Uông Bí")]);
        assert_eq!(balances(&given(earlier)).as_of(), Some(day(2018, 3, 1)));
    }
}
