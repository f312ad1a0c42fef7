//! Beneficiary history (lịch sử hỗ trợ HTX): all support one cooperative received, across
//! years and funding sources: one row per cooperative × support case, from the application
//! to the last đồng paid or returned. Read by cooperative code to see double funding and
//! caps across sources (research §10.5).
//!
//! Training classes name no cooperative (their learners are not recorded per cooperative),
//! so they have no rows here.
//!
//! State: each row keeps, in a hidden column, the entries of its budget line that concern its
//! case, so that later settlements, returns and reversals (which name an entry, not a case)
//! find their row; the lookups are rebuilt from the rows after a load.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::funding::{BudgetLineEvent, Purpose, SupportCaseEvent};
use serde::{Deserialize, Serialize};
use store::{ColumnKind, TableShape};

use crate::Projection;
use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{AnyTable, Row, Table};

/// An entry of the line that concerns this case: its kind and amount, to undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEntry {
    /// `commitment`, `advance`, `payment`, `advance-settlement`, `return`, `reversal`.
    pub kind: String,
    pub amount: i64,
    /// A return of (part of) an advance, rather than of a payment.
    pub of_advance: bool,
}

/// `beneficiary_history`: one row per cooperative × support case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeneficiaryRow {
    pub cooperative: String,
    /// The support case id `{year}/{unit}/{serial}`.
    pub case_id: String,
    pub year: i32,
    pub unit: String,
    pub source: String,
    pub category: String,
    pub line: String,
    /// `received`, `approved` or `rejected`.
    pub status: String,
    pub description: String,
    pub requested: i64,
    pub approved: i64,
    /// The cap of the rule set on the approval date.
    pub cap: Option<i64>,
    pub rule_set: Option<String>,
    pub rule_set_version: Option<i64>,
    pub approved_by: Option<String>,
    /// The allocation recipient (district) the support was committed against.
    pub recipient: Option<String>,
    pub committed: i64,
    pub advanced: i64,
    pub advance_outstanding: i64,
    pub paid: i64,
    pub returned: i64,
    pub received_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub first_paid_on: Option<NaiveDate>,
    pub last_paid_on: Option<NaiveDate>,
    pub last_effective_date: NaiveDate,
    /// Every entry about this case, by position.
    pub positions: Vec<u64>,
    /// The line's entries that concern this case, by entry number (internal).
    pub entries: BTreeMap<u32, CaseEntry>,
}

impl Row for BeneficiaryRow {
    const SHAPE: TableShape = TableShape {
        name: "beneficiary_history",
        columns: &[
            ("cooperative", ColumnKind::Text),
            ("case_id", ColumnKind::Text),
            ("year", ColumnKind::Int),
            ("unit", ColumnKind::Text),
            ("source", ColumnKind::Text),
            ("category", ColumnKind::Text),
            ("line", ColumnKind::Text),
            ("status", ColumnKind::Text),
            ("description", ColumnKind::Text),
            ("requested", ColumnKind::Int),
            ("approved", ColumnKind::Int),
            ("cap", ColumnKind::Int),
            ("rule_set", ColumnKind::Text),
            ("rule_set_version", ColumnKind::Int),
            ("approved_by", ColumnKind::Text),
            ("recipient", ColumnKind::Text),
            ("committed", ColumnKind::Int),
            ("advanced", ColumnKind::Int),
            ("advance_outstanding", ColumnKind::Int),
            ("paid", ColumnKind::Int),
            ("returned", ColumnKind::Int),
            ("received_on", ColumnKind::Text),
            ("decided_on", ColumnKind::Text),
            ("first_paid_on", ColumnKind::Text),
            ("last_paid_on", ColumnKind::Text),
            ("last_effective_date", ColumnKind::Text),
            ("positions", ColumnKind::Json),
            ("entries", ColumnKind::Json),
        ],
        key_columns: 2,
    };
    type Key = (String, String);
    fn key(&self) -> Self::Key {
        (self.cooperative.clone(), self.case_id.clone())
    }
}

/// Lookups rebuilt from the rows.
#[derive(Debug, Default)]
struct Index {
    /// Case → cooperative.
    cases: HashMap<String, String>,
    /// (line, entry) → case.
    entries: HashMap<(String, u32), String>,
    rows: usize,
}

#[derive(Debug, Default)]
pub struct BeneficiaryHistory {
    pub rows: Table<BeneficiaryRow>,
    index: Option<Index>,
}

impl BeneficiaryHistory {
    /// Every case of one cooperative, by case id.
    pub fn of(&self, cooperative: &str) -> Vec<&BeneficiaryRow> {
        self.rows
            .iter()
            .filter(|r| r.cooperative == cooperative)
            .collect()
    }

    fn index(&mut self) -> &mut Index {
        if self
            .index
            .as_ref()
            .is_none_or(|i| i.rows != self.rows.len())
        {
            let mut index = Index {
                rows: self.rows.len(),
                ..Index::default()
            };
            for row in self.rows.iter() {
                index
                    .cases
                    .insert(row.case_id.clone(), row.cooperative.clone());
                for entry in row.entries.keys() {
                    index
                        .entries
                        .insert((row.line.clone(), *entry), row.case_id.clone());
                }
            }
            self.index = Some(index);
        }
        self.index.get_or_insert_with(Index::default)
    }

    fn row_of_case(&mut self, case: &str) -> Option<&mut BeneficiaryRow> {
        let cooperative = self.index().cases.get(case)?.clone();
        self.rows.get_mut(&(cooperative, case.to_string()))
    }

    fn apply_case(&mut self, event: &ProjectedEvent, e: &SupportCaseEvent) {
        let date = event.effective_date;
        match e {
            SupportCaseEvent::SupportApplicationReceived {
                case,
                line,
                beneficiary,
                category,
                requested,
                description,
                ..
            } => {
                let row = BeneficiaryRow {
                    cooperative: beneficiary.as_str().to_string(),
                    case_id: case.to_id(),
                    year: line.year,
                    unit: line.unit.clone(),
                    source: line.source.clone(),
                    category: category.to_string(),
                    line: line.to_id(),
                    status: "received".into(),
                    description: description.clone(),
                    requested: requested.get(),
                    approved: 0,
                    cap: None,
                    rule_set: None,
                    rule_set_version: None,
                    approved_by: None,
                    recipient: None,
                    committed: 0,
                    advanced: 0,
                    advance_outstanding: 0,
                    paid: 0,
                    returned: 0,
                    received_on: date,
                    decided_on: None,
                    first_paid_on: None,
                    last_paid_on: None,
                    last_effective_date: date,
                    positions: vec![event.position],
                    entries: BTreeMap::new(),
                };
                self.index()
                    .cases
                    .insert(row.case_id.clone(), row.cooperative.clone());
                self.rows.upsert(row);
                let rows = self.rows.len();
                self.index().rows = rows;
            }
            SupportCaseEvent::SupportApproved {
                amount,
                rule_set,
                rule_set_version,
                cap,
                approved_by,
                ..
            } => {
                if let Some(row) = self.row_of_case(&event.aggregate_id) {
                    row.status = "approved".into();
                    row.approved = amount.get();
                    row.cap = Some(cap.get());
                    row.rule_set = Some(rule_set.as_str().to_string());
                    row.rule_set_version = Some(i64::from(*rule_set_version));
                    row.approved_by = Some(approved_by.clone());
                    row.decided_on = Some(date);
                    touch(row, event);
                }
            }
            SupportCaseEvent::SupportRejected { .. } => {
                if let Some(row) = self.row_of_case(&event.aggregate_id) {
                    row.status = "rejected".into();
                    row.decided_on = Some(date);
                    touch(row, event);
                }
            }
        }
    }

    fn case_of_entry(&mut self, line: &str, entry: u32) -> Option<String> {
        self.index()
            .entries
            .get(&(line.to_string(), entry))
            .cloned()
    }

    fn apply_line(&mut self, event: &ProjectedEvent, e: &BudgetLineEvent) {
        use BudgetLineEvent as E;
        let line = event.aggregate_id.as_str();
        let case_of = |purpose: &Purpose| match purpose {
            Purpose::SupportCase(case) => Some(case.to_id()),
            Purpose::TrainingClass(_) => None,
        };
        // The case, the entry, and what the entry refers to.
        let (case, entry, kind, amount, source) = match e {
            E::SupportCommitted {
                entry,
                purpose,
                amount,
                ..
            } => (case_of(purpose), *entry, "commitment", amount.get(), None),
            E::AdvancePaid {
                entry,
                purpose,
                amount,
                ..
            } => (case_of(purpose), *entry, "advance", amount.get(), None),
            E::PaymentMade {
                entry,
                purpose,
                amount,
                ..
            } => (case_of(purpose), *entry, "payment", amount.get(), None),
            E::AdvanceSettled {
                entry,
                advance_entry,
                amount,
                ..
            } => (
                self.case_of_entry(line, *advance_entry),
                *entry,
                "advance-settlement",
                amount.get(),
                Some(*advance_entry),
            ),
            E::FundsReturned {
                entry,
                against_entry,
                amount,
                ..
            } => (
                self.case_of_entry(line, *against_entry),
                *entry,
                "return",
                amount.get(),
                Some(*against_entry),
            ),
            E::EntryReversed {
                entry, reverses, ..
            } => (
                self.case_of_entry(line, *reverses),
                *entry,
                "reversal",
                0,
                Some(*reverses),
            ),
            _ => return,
        };
        let Some(case) = case else { return };
        let Some(row) = self.row_of_case(&case) else {
            return;
        };
        let source = source.and_then(|no| row.entries.get(&no).cloned());
        let of_advance = match kind {
            "return" => source.as_ref().is_some_and(|s| s.kind == "advance"),
            "reversal" => source.as_ref().is_some_and(|s| s.of_advance),
            _ => false,
        };
        let a = match (kind, &source) {
            ("reversal", Some(target)) => target.amount,
            _ => amount,
        };
        match kind {
            "commitment" => {
                row.committed += a;
                if let E::SupportCommitted { recipient, .. } = e {
                    row.recipient = Some(recipient.clone());
                }
            }
            "advance" => {
                row.advanced += a;
                row.advance_outstanding += a;
            }
            "payment" | "advance-settlement" => {
                row.paid += a;
                if kind == "advance-settlement" {
                    row.advance_outstanding -= a;
                }
                let date = event.effective_date;
                row.first_paid_on = Some(row.first_paid_on.map_or(date, |d| d.min(date)));
                row.last_paid_on = Some(row.last_paid_on.map_or(date, |d| d.max(date)));
            }
            "return" => {
                row.returned += a;
                if of_advance {
                    row.advance_outstanding -= a;
                }
            }
            _ => {
                if let Some(target) = &source {
                    undo(row, target);
                }
            }
        }
        row.entries.insert(
            entry,
            CaseEntry {
                kind: kind.into(),
                amount: a,
                of_advance,
            },
        );
        touch(row, event);
        self.index().entries.insert((line.to_string(), entry), case);
    }
}

fn touch(row: &mut BeneficiaryRow, event: &ProjectedEvent) {
    row.positions.push(event.position);
    row.last_effective_date = row.last_effective_date.max(event.effective_date);
}

/// Undoes `target` on its row (the reversal of that entry).
fn undo(row: &mut BeneficiaryRow, target: &CaseEntry) {
    let a = target.amount;
    match target.kind.as_str() {
        "commitment" => row.committed -= a,
        "advance" => {
            row.advanced -= a;
            row.advance_outstanding -= a;
        }
        "payment" => row.paid -= a,
        "advance-settlement" => {
            row.paid -= a;
            row.advance_outstanding += a;
        }
        "return" => {
            row.returned -= a;
            if target.of_advance {
                row.advance_outstanding += a;
            }
        }
        _ => {}
    }
}

impl Projection for BeneficiaryHistory {
    fn name(&self) -> &'static str {
        "beneficiary_history"
    }

    fn apply(&mut self, event: &ProjectedEvent, _shared: &crate::Shared) {
        match &event.event {
            DomainEvent::SupportCase(e) => self.apply_case(event, e),
            DomainEvent::BudgetLine(e) => self.apply_line(event, e),
            _ => {}
        }
    }

    fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.rows]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.rows]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
