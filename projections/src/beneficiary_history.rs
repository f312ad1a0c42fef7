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

domain::text_enum! {
    /// Where a support case stands.
    pub enum CaseStatus {
        /// The application is received, not yet decided.
        Received => "received",
        Approved => "approved",
        Rejected => "rejected",
    }
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
    pub status: CaseStatus,
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
    /// How many times the index was built from the rows (once after a load).
    index_builds: usize,
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
            self.index_builds += 1;
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
                    status: CaseStatus::Received,
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
                // The index takes the new row as it is: asking `index()` here would find it
                // one row behind and build it again from every row, at every new case.
                let rows = self.rows.len();
                if let Some(index) = self.index.as_mut() {
                    index.rows = rows;
                }
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
                    row.status = CaseStatus::Approved;
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
                    row.status = CaseStatus::Rejected;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProjectionSet;
    use crate::testing::{self, CASE, LINE, RECIPIENT, case, code, day, for_case, given, line};

    /// Every event type the beneficiary history folds, with the test that feeds it.
    const FOLDED: &[(&str, &str, fn())] = &[
        (
            "support_case",
            "SupportApplicationReceived",
            a_case_is_received_and_decided,
        ),
        (
            "support_case",
            "SupportApproved",
            a_case_is_received_and_decided,
        ),
        (
            "support_case",
            "SupportRejected",
            a_case_is_received_and_decided,
        ),
        (
            "budget_line",
            "SupportCommitted",
            the_money_of_a_case_is_followed_to_the_last_dong,
        ),
        (
            "budget_line",
            "AdvancePaid",
            the_money_of_a_case_is_followed_to_the_last_dong,
        ),
        (
            "budget_line",
            "AdvanceSettled",
            the_money_of_a_case_is_followed_to_the_last_dong,
        ),
        (
            "budget_line",
            "PaymentMade",
            the_money_of_a_case_is_followed_to_the_last_dong,
        ),
        (
            "budget_line",
            "FundsReturned",
            the_money_of_a_case_is_followed_to_the_last_dong,
        ),
        (
            "budget_line",
            "EntryReversed",
            a_reversal_undoes_the_entry_of_its_case,
        ),
    ];

    #[test]
    fn every_event_type_it_folds_has_a_test() {
        testing::assert_folded_types_are_tested::<BeneficiaryHistory>(FOLDED);
    }

    #[test]
    fn a_case_status_writes_and_reads_the_stored_text() {
        testing::assert_stored_text(
            CaseStatus::ALL,
            CaseStatus::as_str,
            &["received", "approved", "rejected"],
        );
    }

    fn row_of(set: &ProjectionSet, cooperative: &str) -> BeneficiaryRow {
        let history = set
            .get::<BeneficiaryHistory>()
            .expect("beneficiary history");
        let rows = history.of(cooperative);
        assert_eq!(rows.len(), 1, "one case");
        rows[0].clone()
    }

    #[test]
    fn a_case_is_received_and_decided() {
        let (a, b) = (code(1), code(2));
        let other = "2018/SO-KHDT/HS-0008";
        let received = [
            case::received(CASE, day(2018, 2, 1), LINE, &a, 100_000_000),
            case::received(other, day(2018, 2, 3), LINE, &b, 40_000_000),
        ];
        let row = row_of(&given(received.clone()), &a);
        assert_eq!(
            (row.status, row.requested, row.decided_on),
            (CaseStatus::Received, 100_000_000, None)
        );
        assert_eq!(
            (row.year, row.unit.as_str(), row.category.as_str()),
            (2018, "SO-KHDT", "training")
        );
        let set = given(received.into_iter().chain([
            case::approved(CASE, day(2018, 2, 10), 90_000_000),
            case::rejected(other, day(2018, 2, 12)),
        ]));
        let approved = row_of(&set, &a);
        assert_eq!(
            (approved.status, approved.approved, approved.cap),
            (CaseStatus::Approved, 90_000_000, Some(90_000_000))
        );
        assert_eq!(approved.approved_by.as_deref(), Some("nguoi.phe.duyet"));
        assert_eq!(
            (approved.decided_on, approved.positions.clone()),
            (Some(day(2018, 2, 10)), vec![0, 2])
        );
        let rejected = row_of(&set, &b);
        assert_eq!(
            (rejected.status, rejected.decided_on),
            (CaseStatus::Rejected, Some(day(2018, 2, 12)))
        );
        assert_eq!(rejected.positions, vec![1, 3]);
    }

    #[test]
    fn the_index_is_built_once_however_many_cases_come() {
        let a = code(1);
        let cases: Vec<String> = (0..50).map(|i| format!("2018/SO-KHDT/HS-{i:04}")).collect();
        let mut facts: Vec<_> = cases
            .iter()
            .map(|id| case::received(id, day(2018, 2, 1), LINE, &a, 10_000_000))
            .collect();
        facts.extend(
            cases
                .iter()
                .map(|id| case::approved(id, day(2018, 2, 10), 9_000_000)),
        );
        let set = given(facts);
        let history = set
            .get::<BeneficiaryHistory>()
            .expect("beneficiary history");
        assert_eq!(history.of(&a).len(), 50);
        assert!(
            history
                .of(&a)
                .iter()
                .all(|r| r.status == CaseStatus::Approved),
            "every case found through the index"
        );
        assert_eq!(history.index_builds, 1, "built again at each new case");
    }

    #[test]
    fn the_money_of_a_case_is_followed_to_the_last_dong() {
        let a = code(1);
        let facts = testing::case_cycle(1);
        let after = |n: usize| row_of(&given(facts[..n].to_vec()), &a);
        let committed = after(3);
        assert_eq!(
            (committed.committed, committed.recipient.as_deref()),
            (90_000_000, Some(RECIPIENT))
        );
        let advanced = after(4);
        assert_eq!(
            (advanced.advanced, advanced.advance_outstanding),
            (50_000_000, 50_000_000)
        );
        let settled = after(5);
        assert_eq!(
            (settled.paid, settled.advance_outstanding),
            (30_000_000, 20_000_000)
        );
        assert_eq!(settled.first_paid_on, Some(day(2018, 4, 1)));
        let paid = after(6);
        assert_eq!(
            (paid.paid, paid.last_paid_on),
            (70_000_000, Some(day(2018, 5, 1)))
        );
        let row = after(7);
        assert_eq!(
            (row.returned, row.advance_outstanding),
            (5_000_000, 15_000_000)
        );
        assert_eq!(row.positions, (0..7).collect::<Vec<u64>>());
        assert_eq!(row.last_effective_date, day(2018, 6, 1));
        // Money of another case's entries never reaches this row.
        let other = facts.into_iter().chain([line::paid(
            LINE,
            day(2018, 7, 1),
            6,
            for_case("2018/SO-KHDT/HS-0008"),
            1,
        )]);
        assert_eq!(row_of(&given(other), &a).paid, 70_000_000);
    }

    #[test]
    fn a_reversal_undoes_the_entry_of_its_case() {
        let a = code(1);
        let reversed = testing::case_cycle(1).into_iter().chain([
            line::reversed(LINE, day(2018, 7, 1), 6, 4),
            line::reversed(LINE, day(2018, 7, 2), 7, 5),
        ]);
        let row = row_of(&given(reversed), &a);
        assert_eq!(row.paid, 30_000_000, "the payment undone");
        assert_eq!(
            (row.returned, row.advance_outstanding),
            (0, 20_000_000),
            "the return undone"
        );
        assert_eq!(row.positions.last(), Some(&8));
    }
}
