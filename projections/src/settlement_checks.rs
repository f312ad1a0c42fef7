//! Settlement checks (kiểm tra thanh quyết toán): per budget unit and fiscal year, every rule
//! of DOMAIN.md "Invariants" that concerns money (the FIN-* codes of
//! [`domain::rules::RuleCode`]) evaluated over the log, one row per (unit, year, rule), with
//! its status, the finding's text, its legal basis and the positions of the entries behind
//! it; and the reconciliation of the payment entries with the paid balance (`RECON`).
//!
//! Refusal rules (FIN-01..04, 08..11, 16) are re-checked from the entries: the ledger refused
//! what broke them, so a finding there means entries that slipped past a refusal (the
//! fiscal-year closure is not serialised against a concurrent payment, docs/domain.md) or
//! were written by something other than the domain. Finding rules (FIN-06, FIN-13) list the
//! findings recorded in the log, and FIN-06 also what the entries show.
//!
//! A unit-year's checks are as of the latest effective date among its own entries (`as_of`):
//! a settlement is checked when it is submitted, reviewed, or money moves.
//!
//! State: each unit-year's facts (the `BudgetLine` domain state of each of its lines, with
//! the position of every entry; approvals; the settlement's steps; what was found when an
//! entry was folded) are kept as JSON in `settlement_check_state`, so that the balances come
//! from the domain's own fold, never re-implemented.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use cqrs_es::Aggregate;
use domain::cooperative::CooperativeStatus;
use domain::funding::{
    BudgetLine, BudgetLineEvent, BudgetLineId, EntryKind, LineEntry, RecordId, SettlementEvent,
    SettlementId, SupportCaseEvent, TrainingClassEvent, adjustment_period_end,
};
use domain::money::Dong;
use domain::rules::RuleCode;
use serde::{Deserialize, Serialize};
use store::{ColumnKind, TableShape};

use crate::Projection;
use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{AnyTable, Row, Table};

/// The rule code of the reconciliation check (not a rule of the domain: the ledger's own).
pub const RECONCILIATION: &str = "RECON";

/// The rules evaluated for every unit and year, in row order.
pub const RULES: [RuleCode; 11] = [
    RuleCode::Fin01,
    RuleCode::Fin02,
    RuleCode::Fin03,
    RuleCode::Fin04,
    RuleCode::Fin06,
    RuleCode::Fin08,
    RuleCode::Fin09,
    RuleCode::Fin10,
    RuleCode::Fin11,
    RuleCode::Fin13,
    RuleCode::Fin16,
];

domain::text_enum! {
    /// What a check found.
    pub enum CheckStatus {
        /// Nothing breaks the rule.
        Ok => "ok",
        /// A finding: see the row's `finding`.
        Finding => "finding",
    }
}

/// `settlement_checks`: one row per budget unit × fiscal year × rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRow {
    pub unit: String,
    pub year: i32,
    /// `FIN-01` … `FIN-16`, or `RECON`.
    pub rule: String,
    /// The rule's name, Vietnamese / English.
    pub name: String,
    pub status: CheckStatus,
    /// What was found, with the amounts and entries; none when ok.
    pub finding: Option<String>,
    /// What was checked.
    pub summary: String,
    pub legal_basis: String,
    /// The entries behind the finding (none when ok).
    pub positions: Vec<u64>,
    /// How many entries the rule examined.
    pub checked: i64,
    pub as_of: Option<NaiveDate>,
    pub last_position: u64,
}

impl Row for CheckRow {
    const SHAPE: TableShape = TableShape {
        name: "settlement_checks",
        columns: &[
            ("unit", ColumnKind::Text),
            ("year", ColumnKind::Int),
            ("rule", ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("status", ColumnKind::Text),
            ("finding", ColumnKind::Text),
            ("summary", ColumnKind::Text),
            ("legal_basis", ColumnKind::Text),
            ("positions", ColumnKind::Json),
            ("checked", ColumnKind::Int),
            ("as_of", ColumnKind::Text),
            ("last_position", ColumnKind::Int),
        ],
        key_columns: 3,
    };
    type Key = (String, i32, String);
    fn key(&self) -> Self::Key {
        (self.unit.clone(), self.year, self.rule.clone())
    }
}

/// One line of the unit-year: its domain state and the position of each entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineTrack {
    pub state: BudgetLine,
    /// Entry number → position.
    pub positions: BTreeMap<u32, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTrack {
    pub received: u64,
    pub approved: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassTrack {
    pub line: String,
    pub planned: u64,
    pub cancelled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementTrack {
    pub submitted: Option<u64>,
    pub appraised: Option<u64>,
    pub approved: Option<(u64, String)>,
    pub audit_findings: Vec<u64>,
}

/// Something found when an entry was folded, or a finding the log recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Noted {
    pub rule: RuleCode,
    pub position: u64,
    pub detail: String,
}

/// `settlement_check_state`: a unit-year's facts (internal).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitYearState {
    pub lines: BTreeMap<String, LineTrack>,
    pub cases: BTreeMap<String, CaseTrack>,
    pub classes: BTreeMap<String, ClassTrack>,
    pub settlement: SettlementTrack,
    /// Findings recorded in the log (FIN-06, FIN-13).
    pub recorded: Vec<Noted>,
    /// Breaches seen when an entry was folded (FIN-03 caps, FIN-04, FIN-10, FIN-11, FIN-16).
    pub breaches: Vec<Noted>,
    pub as_of: Option<NaiveDate>,
    pub last_position: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateRow {
    pub unit: String,
    pub year: i32,
    pub state: UnitYearState,
}

impl Row for StateRow {
    const SHAPE: TableShape = TableShape {
        name: "settlement_check_state",
        columns: &[
            ("unit", ColumnKind::Text),
            ("year", ColumnKind::Int),
            ("state", ColumnKind::Json),
        ],
        key_columns: 2,
    };
    const INTERNAL: bool = true;
    type Key = (String, i32);
    fn key(&self) -> Self::Key {
        (self.unit.clone(), self.year)
    }
}

type ClassIndex = HashMap<String, (String, i32)>;

#[derive(Debug, Default)]
pub struct SettlementChecks {
    pub checks: Table<CheckRow>,
    pub states: Table<StateRow>,
    /// Training class → its unit-year, rebuilt from the states (with the row count it covers).
    classes: Option<(usize, ClassIndex)>,
    /// Unit-years folded since their checks were last evaluated ([`Projection::settle`]).
    pending: std::collections::BTreeSet<(String, i32)>,
}

impl SettlementChecks {
    /// The check of `rule` (`FIN-06`, `RECON`, …) for `unit` and `year`.
    pub fn check(&self, unit: &str, year: i32, rule: &str) -> Option<&CheckRow> {
        self.checks.get(&(unit.to_string(), year, rule.to_string()))
    }

    fn class_unit_year(&mut self, class: &str) -> Option<(String, i32)> {
        if self
            .classes
            .as_ref()
            .is_none_or(|(rows, _)| *rows != self.states.len())
        {
            let mut map = HashMap::new();
            for row in self.states.iter() {
                for class in row.state.classes.keys() {
                    map.insert(class.clone(), (row.unit.clone(), row.year));
                }
            }
            self.classes = Some((self.states.len(), map));
        }
        self.classes.as_ref()?.1.get(class).cloned()
    }

    fn fold(&mut self, event: &ProjectedEvent) -> Option<(String, i32)> {
        let key = match &event.event {
            DomainEvent::BudgetLine(_) => {
                let line = BudgetLineId::parse(&event.aggregate_id).ok()?;
                (line.unit, line.year)
            }
            DomainEvent::SupportCase(_) => {
                let case = RecordId::parse(&event.aggregate_id).ok()?;
                (case.unit, case.year)
            }
            DomainEvent::TrainingClass(TrainingClassEvent::TrainingClassPlanned {
                line, ..
            }) => (line.unit.clone(), line.year),
            DomainEvent::TrainingClass(_) => self.class_unit_year(&event.aggregate_id)?,
            DomainEvent::Settlement(_) => {
                let id = SettlementId::parse(&event.aggregate_id).ok()?;
                (id.unit, id.year)
            }
            _ => return None,
        };
        let row = self.states.entry(key.clone(), || StateRow {
            unit: key.0.clone(),
            year: key.1,
            state: UnitYearState::default(),
        });
        let state = &mut row.state;
        state.as_of = Some(
            state
                .as_of
                .map_or(event.effective_date, |d| d.max(event.effective_date)),
        );
        state.last_position = event.position;
        match &event.event {
            DomainEvent::BudgetLine(e) => fold_line(state, event, e),
            DomainEvent::SupportCase(e) => fold_case(state, event, e),
            DomainEvent::TrainingClass(e) => {
                fold_class(state, event, e);
                if let (TrainingClassEvent::TrainingClassPlanned { .. }, Some((_, map))) =
                    (e, &mut self.classes)
                {
                    map.insert(event.aggregate_id.clone(), key.clone());
                }
            }
            DomainEvent::Settlement(e) => fold_settlement(state, event, e),
            _ => {}
        }
        if let Some((rows, _)) = &mut self.classes {
            *rows = self.states.len();
        }
        Some(key)
    }
}

fn note(list: &mut Vec<Noted>, rule: RuleCode, position: u64, detail: String) {
    list.push(Noted {
        rule,
        position,
        detail,
    });
}

fn fold_line(state: &mut UnitYearState, event: &ProjectedEvent, e: &BudgetLineEvent) {
    use BudgetLineEvent as E;
    let position = event.position;
    let id = event.aggregate_id.clone();
    let closed = state.settlement.approved.clone();
    let track = state.lines.entry(id.clone()).or_default();
    let line = &track.state;
    if let Some((approved_at, _)) = &closed
        && !matches!(
            e,
            E::FundsReturned { .. } | E::ComplianceFindingRaised { .. }
        )
    {
        note(
            &mut state.breaches,
            RuleCode::Fin10,
            position,
            format!(
                "dòng {id}: {} sau khi quyết toán được phê duyệt (bút toán {approved_at}) / recorded after the settlement was approved",
                e.kind()
            ),
        );
    }
    // The line's own index, not a scan of its commitments: a line with many payments made
    // every payment's check cost more than the last.
    let commitment_of = |purpose: &domain::funding::Purpose| line.open_commitment(purpose).cloned();
    let spender = match e {
        E::AdvancePaid {
            purpose, paid_by, ..
        }
        | E::PaymentMade {
            purpose, paid_by, ..
        } => Some((Some(purpose.clone()), paid_by.clone())),
        E::AdvanceSettled {
            advance_entry,
            settled_by,
            ..
        } => Some((
            entry_of(line, *advance_entry).and_then(|a| a.purpose.clone()),
            settled_by.clone(),
        )),
        _ => None,
    };
    if let Some((purpose, by)) = spender {
        match purpose.as_ref().and_then(commitment_of) {
            None => note(
                &mut state.breaches,
                RuleCode::Fin16,
                position,
                format!(
                    "dòng {id}: chi cho {} chưa có cam kết chi / spending without a commitment",
                    purpose.map(|p| p.to_string()).unwrap_or_default()
                ),
            ),
            Some(c) if c.approved_by == by => note(
                &mut state.breaches,
                RuleCode::Fin11,
                position,
                format!(
                    "dòng {id}: {by} vừa phê duyệt {} vừa ghi chi / approved the support and recorded its spending",
                    c.purpose
                ),
            ),
            Some(_) => {}
        }
    }
    if let E::SupportCommitted { purpose, .. } = e {
        let approved = match purpose {
            domain::funding::Purpose::SupportCase(case) => state
                .cases
                .get(&case.to_id())
                .is_some_and(|c| c.approved.is_some()),
            domain::funding::Purpose::TrainingClass(class) => state
                .classes
                .get(&class.to_id())
                .is_some_and(|c| !c.cancelled),
        };
        if !approved {
            note(
                &mut state.breaches,
                RuleCode::Fin16,
                position,
                format!(
                    "dòng {id}: cam kết chi cho {purpose} chưa được phê duyệt / commitment before approval"
                ),
            );
        }
    }
    if let E::ComplianceFindingRaised { finding, .. } = e {
        note(
            &mut state.recorded,
            finding.rule,
            position,
            finding.detail.clone(),
        );
    }
    let track = state.lines.entry(id).or_default();
    if let Some(entry) = e.entry() {
        track.positions.insert(entry, position);
    }
    track.state.apply(e.clone());
}

fn entry_of(line: &BudgetLine, no: u32) -> Option<&LineEntry> {
    no.checked_sub(1)
        .and_then(|i| line.entries().get(i as usize))
}

fn fold_case(state: &mut UnitYearState, event: &ProjectedEvent, e: &SupportCaseEvent) {
    let case = event.aggregate_id.clone();
    match e {
        SupportCaseEvent::SupportApplicationReceived { .. } => {
            state.cases.insert(
                case,
                CaseTrack {
                    received: event.position,
                    approved: None,
                },
            );
        }
        SupportCaseEvent::SupportApproved {
            amount,
            cap,
            eligibility,
            ..
        } => {
            if amount > cap {
                note(
                    &mut state.breaches,
                    RuleCode::Fin03,
                    event.position,
                    format!(
                        "hồ sơ {case}: phê duyệt {amount} vượt mức tối đa {cap} / approved above the cap"
                    ),
                );
            }
            if eligibility.status != CooperativeStatus::Active {
                note(
                    &mut state.breaches,
                    RuleCode::Fin04,
                    event.position,
                    format!(
                        "hồ sơ {case}: HTX ở tình trạng {} ngày phê duyệt / cooperative not active on the approval date",
                        eligibility.status
                    ),
                );
            }
            state.cases.entry(case).or_default().approved = Some(event.position);
        }
        SupportCaseEvent::SupportRejected { .. } => {}
    }
}

fn fold_class(state: &mut UnitYearState, event: &ProjectedEvent, e: &TrainingClassEvent) {
    let class = event.aggregate_id.clone();
    match e {
        TrainingClassEvent::TrainingClassPlanned { line, .. } => {
            state.classes.insert(
                class,
                ClassTrack {
                    line: line.to_id(),
                    planned: event.position,
                    cancelled: false,
                },
            );
        }
        TrainingClassEvent::TrainingClassCancelled { .. } => {
            if let Some(c) = state.classes.get_mut(&class) {
                c.cancelled = true;
            }
        }
        TrainingClassEvent::ComplianceFindingRaised { finding } => note(
            &mut state.recorded,
            finding.rule,
            event.position,
            format!("lớp {class}: {}", finding.detail),
        ),
        _ => {}
    }
}

fn fold_settlement(state: &mut UnitYearState, event: &ProjectedEvent, e: &SettlementEvent) {
    use SettlementEvent as E;
    let position = event.position;
    if let Some((approved_at, _)) = &state.settlement.approved
        && !matches!(e, E::AuditFindingRecorded { .. })
    {
        note(
            &mut state.breaches,
            RuleCode::Fin10,
            position,
            format!(
                "quyết toán: {} sau khi phê duyệt (bút toán {approved_at}) / after the approval",
                e.kind()
            ),
        );
    }
    match e {
        E::SettlementSubmitted { .. } => state.settlement.submitted = Some(position),
        E::SettlementAppraised { .. } => state.settlement.appraised = Some(position),
        E::SettlementApproved { approved_by, .. } => {
            if state.settlement.appraised.is_none() {
                note(
                    &mut state.breaches,
                    RuleCode::Fin16,
                    position,
                    "quyết toán được phê duyệt trước khi thẩm định / approved before appraisal"
                        .into(),
                );
            }
            for (id, track) in &state.lines {
                let Some(snapshot) = track.state.snapshot() else {
                    continue;
                };
                let did = if snapshot.approvers.contains(approved_by) {
                    Some("phê duyệt hỗ trợ / approved support")
                } else if snapshot.payers.contains(approved_by) {
                    Some("ghi chi / recorded a payment")
                } else {
                    None
                };
                if let Some(did) = did {
                    note(
                        &mut state.breaches,
                        RuleCode::Fin11,
                        position,
                        format!("{approved_by} phê duyệt quyết toán và đã {did} trên dòng {id}"),
                    );
                }
            }
            state.settlement.approved = Some((position, approved_by.clone()));
        }
        E::AuditFindingRecorded { .. } => state.settlement.audit_findings.push(position),
        E::ComplianceFindingRaised { finding } => note(
            &mut state.recorded,
            finding.rule,
            position,
            format!("quyết toán: {}", finding.detail),
        ),
    }
}

/// One rule's outcome before it becomes a row.
struct Outcome {
    findings: Vec<String>,
    positions: BTreeSet<u64>,
    summary: String,
    checked: usize,
}

impl Outcome {
    fn new(checked: usize, summary: String) -> Outcome {
        Outcome {
            findings: Vec::new(),
            positions: BTreeSet::new(),
            summary,
            checked,
        }
    }

    fn with_noted<'a>(mut self, noted: impl Iterator<Item = &'a Noted>) -> Outcome {
        for n in noted {
            self.findings.push(format!("[{}] {}", n.position, n.detail));
            self.positions.insert(n.position);
        }
        self
    }
}

fn is_spending(kind: EntryKind) -> bool {
    matches!(
        kind,
        EntryKind::Advance | EntryKind::Payment | EntryKind::AdvanceSettlement
    )
}

/// Every (line id, track, entry) of the unit-year, with the entry's position.
fn all_entries(
    state: &UnitYearState,
) -> impl Iterator<Item = (&String, &LineTrack, &LineEntry, u64)> {
    state.lines.iter().flat_map(|(id, track)| {
        track.state.entries().iter().map(move |e| {
            let position = track.positions.get(&e.no).copied().unwrap_or_default();
            (id, track, e, position)
        })
    })
}

fn evaluate(rule: RuleCode, year: i32, state: &UnitYearState) -> Outcome {
    let breaches = || state.breaches.iter().filter(move |n| n.rule == rule);
    let recorded = || state.recorded.iter().filter(move |n| n.rule == rule);
    let deadline = adjustment_period_end(year);
    match rule {
        RuleCode::Fin01 => {
            let mut out = Outcome::new(
                all_entries(state)
                    .filter(|(_, _, e, _)| is_spending(e.kind) || e.kind == EntryKind::Return)
                    .count(),
                "đã chi + tạm ứng còn dư ≤ dự toán được phân bổ, từng đơn vị nhận / paid + outstanding advances ≤ allocation, per recipient".into(),
            );
            for (id, track) in &state.lines {
                let line = &track.state;
                let recipients: BTreeSet<&String> = line
                    .allocations()
                    .keys()
                    .chain(line.commitments().iter().map(|c| &c.recipient))
                    .collect();
                for r in recipients {
                    let spent = line.spent(r);
                    let used = spent.paid.get().saturating_add(spent.outstanding.get());
                    let allocated = line.allocation(r).get();
                    if used > allocated {
                        out.findings.push(format!(
                            "dòng {id}, {r}: đã chi {} + tạm ứng {} > phân bổ {}",
                            spent.paid,
                            spent.outstanding,
                            line.allocation(r)
                        ));
                        out.positions.extend(
                            line.entries()
                                .iter()
                                .filter(|e| e.recipient.as_ref() == Some(r))
                                .filter_map(|e| track.positions.get(&e.no)),
                        );
                    }
                }
            }
            out
        }
        RuleCode::Fin02 => {
            let mut out = Outcome::new(
                all_entries(state)
                    .filter(|(_, _, e, _)| {
                        matches!(e.kind, EntryKind::Estimate | EntryKind::Allocation)
                    })
                    .count(),
                "phân bổ ≤ dự toán được giao, từng dòng / allocations ≤ estimate, per line".into(),
            );
            for (id, track) in &state.lines {
                let line = &track.state;
                if line.allocated() > line.estimate() {
                    out.findings.push(format!(
                        "dòng {id}: phân bổ {} > dự toán {}",
                        line.allocated(),
                        line.estimate()
                    ));
                    out.positions.extend(
                        line.entries()
                            .iter()
                            .filter(|e| {
                                matches!(e.kind, EntryKind::Estimate | EntryKind::Allocation)
                            })
                            .filter_map(|e| track.positions.get(&e.no)),
                    );
                }
            }
            out
        }
        RuleCode::Fin03 => {
            let commitments: usize = state
                .lines
                .values()
                .map(|t| t.state.commitments().len())
                .sum();
            let approvals = state.cases.values().filter(|c| c.approved.is_some()).count();
            let mut out = Outcome::new(
                commitments + approvals,
                "phê duyệt ≤ mức tối đa; chi ≤ số được duyệt, từng hồ sơ/lớp / approvals within the cap; spending within the approved amount".into(),
            )
            .with_noted(breaches());
            for (id, track) in &state.lines {
                for c in track.state.commitments().iter().filter(|c| !c.reversed) {
                    let used = c.paid.get().saturating_add(c.outstanding.get());
                    if used > c.amount.get() {
                        out.findings.push(format!(
                            "dòng {id}, {}: đã chi {} + tạm ứng {} > được duyệt {}",
                            c.purpose, c.paid, c.outstanding, c.amount
                        ));
                        out.positions.extend(
                            track
                                .state
                                .entries()
                                .iter()
                                .filter(|e| e.purpose.as_ref() == Some(&c.purpose))
                                .filter_map(|e| track.positions.get(&e.no)),
                        );
                    }
                }
            }
            out
        }
        RuleCode::Fin04 => Outcome::new(
            state.cases.values().filter(|c| c.approved.is_some()).count(),
            "HTX đang hoạt động ngày phê duyệt (ảnh chụp lúc phê duyệt) / cooperative active on the approval date (the snapshot stored with the approval)".into(),
        )
        .with_noted(breaches()),
        RuleCode::Fin06 => {
            let advances: Vec<_> = all_entries(state)
                .filter(|(_, _, e, _)| e.kind == EntryKind::Advance && !e.reversed)
                .collect();
            let mut out = Outcome::new(
                advances.len(),
                format!("tạm ứng được thanh toán hoặc nộp trả trước {deadline} / advances cleared by {deadline}"),
            );
            let past = state.as_of.is_some_and(|d| d > deadline);
            // What was returned against each advance after the deadline, per line: one walk
            // of each line's entries, not one per advance.
            let mut late_returns: BTreeMap<(&String, u32), i64> = BTreeMap::new();
            for (id, _, r, _) in all_entries(state) {
                if r.kind == EntryKind::Return
                    && !r.reversed
                    && r.effective_date > deadline
                    && let Some(advance) = r.against
                {
                    *late_returns.entry((id, advance)).or_default() += r.amount.get();
                }
            }
            for (id, _, advance, position) in advances {
                let late = late_returns.get(&(id, advance.no)).copied().unwrap_or_default();
                let at_deadline = advance.outstanding.get().saturating_add(late);
                if past && at_deadline > 0 {
                    out.findings.push(format!(
                        "dòng {id}: tạm ứng {} ngày {} ({}) còn {} sau {}, nay còn {} / advance outstanding after the adjustment period",
                        advance.no,
                        advance.effective_date.format("%d/%m/%Y"),
                        advance.amount,
                        Dong::new(at_deadline).unwrap_or_default(),
                        deadline.format("%d/%m/%Y"),
                        advance.outstanding
                    ));
                    out.positions.insert(position);
                }
            }
            out.with_noted(recorded())
        }
        RuleCode::Fin08 => {
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
            let spending: Vec<_> = all_entries(state)
                .filter(|(_, _, e, _)| is_spending(e.kind))
                .collect();
            let adjustment = spending
                .iter()
                .filter(|(_, _, e, _)| e.effective_date.year() > year)
                .count();
            let mut out = Outcome::new(
                spending.len(),
                format!(
                    "chi trong {start} – {deadline}; {adjustment} bút toán trong thời gian chỉnh lý / spending dated within the year and its adjustment period; {adjustment} in the adjustment period"
                ),
            );
            for (id, _, e, position) in spending {
                if e.effective_date < start || e.effective_date > deadline {
                    out.findings.push(format!(
                        "dòng {id}: bút toán {} ngày {} ngoài năm ngân sách {year}",
                        e.no, e.effective_date
                    ));
                    out.positions.insert(position);
                }
            }
            out
        }
        RuleCode::Fin09 => {
            let mut out = Outcome::new(
                all_entries(state)
                    .filter(|(_, _, e, _)| {
                        matches!(e.kind, EntryKind::Return | EntryKind::Reversal)
                    })
                    .count(),
                "nộp trả và bút toán điều chỉnh tham chiếu bút toán gốc còn mở, không vượt số còn lại / returns and reversals reference an open original, within what remains".into(),
            );
            for (id, track) in &state.lines {
                let entries = track.state.entries();
                let position = |no: u32| track.positions.get(&no).copied().unwrap_or_default();
                let mut taken: BTreeMap<u32, i64> = BTreeMap::new();
                let mut reversals: BTreeMap<u32, usize> = BTreeMap::new();
                for e in entries {
                    let Some(source) = e.against.and_then(|no| entry_of(&track.state, no)) else {
                        if matches!(e.kind, EntryKind::Return | EntryKind::Reversal | EntryKind::AdvanceSettlement) {
                            out.findings.push(format!("dòng {id}: bút toán {} tham chiếu bút toán không có / references no entry", e.no));
                            out.positions.insert(position(e.no));
                        }
                        continue;
                    };
                    match e.kind {
                        EntryKind::Reversal => {
                            *reversals.entry(source.no).or_default() += 1;
                            if source.kind == EntryKind::Reversal {
                                out.findings.push(format!("dòng {id}: bút toán {} điều chỉnh một bút toán điều chỉnh / reverses a reversal", e.no));
                                out.positions.insert(position(e.no));
                            }
                        }
                        EntryKind::Return | EntryKind::AdvanceSettlement if !e.reversed => {
                            *taken.entry(source.no).or_default() += e.amount.get();
                        }
                        _ => {}
                    }
                }
                for (no, count) in reversals.iter().filter(|(_, c)| **c > 1) {
                    out.findings.push(format!("dòng {id}: bút toán {no} bị điều chỉnh {count} lần / reversed {count} times"));
                    out.positions.insert(position(*no));
                }
                for (no, sum) in taken {
                    if let Some(source) = entry_of(&track.state, no)
                        && sum > source.amount.get()
                    {
                        out.findings.push(format!(
                            "dòng {id}: thanh toán/nộp trả {} vượt bút toán {no} ({}) / more than the original",
                            Dong::new(sum).unwrap_or_default(),
                            source.amount
                        ));
                        out.positions.insert(position(no));
                    }
                }
            }
            out
        }
        RuleCode::Fin10 => {
            let summary = match &state.settlement.approved {
                Some((at, by)) => format!(
                    "quyết toán phê duyệt ở bút toán {at} bởi {by}; sau đó chỉ nộp trả và kết luận kiểm toán ({} kết luận) / after the approval only returns and audit findings",
                    state.settlement.audit_findings.len()
                ),
                None => "quyết toán chưa được phê duyệt / settlement not approved".into(),
            };
            Outcome::new(state.lines.len(), summary).with_noted(breaches())
        }
        RuleCode::Fin11 => Outcome::new(
            all_entries(state)
                .filter(|(_, _, e, _)| is_spending(e.kind))
                .count(),
            "người phê duyệt hỗ trợ ≠ người ghi chi ≠ người phê duyệt quyết toán / approver ≠ payer ≠ settlement approver".into(),
        )
        .with_noted(breaches()),
        RuleCode::Fin13 => Outcome::new(
            state.classes.len(),
            "lớp bồi dưỡng 30-50 học viên / classes of 30-50 learners".into(),
        )
        .with_noted(recorded()),
        RuleCode::Fin16 => Outcome::new(
            all_entries(state)
                .filter(|(_, _, e, _)| is_spending(e.kind) || e.kind == EntryKind::Commitment)
                .count(),
            "hồ sơ → phê duyệt → cam kết → chi; lập → thẩm định → phê duyệt quyết toán / steps in order".into(),
        )
        .with_noted(breaches()),
        _ => Outcome::new(0, String::new()),
    }
}

/// RECON: the payment entries (payments and settled advances, less reversals), less the
/// funds returned against them, equal the paid balance the domain folds for each line.
fn reconcile_in_fold(state: &UnitYearState) -> Outcome {
    let mut payments = 0i64;
    let mut returned = 0i64;
    let mut positions = BTreeSet::new();
    let mut checked = 0usize;
    for (_, track, e, position) in all_entries(state) {
        if e.reversed {
            continue;
        }
        match e.kind {
            EntryKind::Payment | EntryKind::AdvanceSettlement => {
                payments += e.amount.get();
                positions.insert(position);
                checked += 1;
            }
            EntryKind::Return
                if e.against
                    .and_then(|no| entry_of(&track.state, no))
                    .is_some_and(|s| s.kind != EntryKind::Advance) =>
            {
                returned += e.amount.get();
                positions.insert(position);
                checked += 1;
            }
            _ => {}
        }
    }
    let balance: i64 = state
        .lines
        .values()
        .map(|t| t.state.totals().paid.get())
        .sum();
    let show = |v: i64| Dong::new(v).map_or(v.to_string(), |d| d.to_string());
    let mut out = Outcome::new(
        checked,
        format!(
            "bút toán thanh toán {} − nộp trả {} = số đã chi {} / payment entries − returns = paid balance",
            show(payments),
            show(returned),
            show(balance)
        ),
    );
    if payments - returned != balance {
        out.findings.push(format!(
            "chênh lệch {} giữa bút toán thanh toán và số dư đã chi / payment entries differ from the paid balance",
            payments - returned - balance
        ));
        out.positions = positions;
    }
    out
}

fn row(
    unit: &str,
    year: i32,
    state: &UnitYearState,
    rule: &str,
    name: String,
    legal_basis: &str,
    out: Outcome,
) -> CheckRow {
    let finding = (!out.findings.is_empty()).then(|| out.findings.join("; "));
    CheckRow {
        unit: unit.to_string(),
        year,
        rule: rule.to_string(),
        name,
        status: if finding.is_some() {
            CheckStatus::Finding
        } else {
            CheckStatus::Ok
        },
        finding,
        summary: out.summary,
        legal_basis: legal_basis.to_string(),
        positions: out.positions.into_iter().collect(),
        checked: out.checked as i64,
        as_of: state.as_of,
        last_position: state.last_position,
    }
}

/// The date whose legal basis a unit-year's check cites: the fiscal year's last day, or for
/// advances not cleared (FIN-06) the end of its adjustment period, 31/01 of the next year.
fn check_date(rule: RuleCode, year: i32) -> NaiveDate {
    let date = match rule {
        RuleCode::Fin06 => NaiveDate::from_ymd_opt(year + 1, 1, 31),
        _ => NaiveDate::from_ymd_opt(year, 12, 31),
    };
    date.unwrap_or(NaiveDate::MAX)
}

/// The settlement articles of the State Budget Law governing fiscal year `year`: Luật NSNN
/// 83/2015 for the budget years 2017-2025, Luật NSNN 89/2025 from 2026 (research §3.3).
fn reconciliation_basis(year: i32) -> &'static str {
    if year >= 2026 {
        "Luật NSNN 89/2025/QH15 (quyết toán) [K]"
    } else {
        "Luật NSNN 83/2015/QH13 Điều 65-68 (quyết toán) [K]"
    }
}

/// Every check of one unit-year.
pub fn evaluate_all(unit: &str, year: i32, state: &UnitYearState) -> Vec<CheckRow> {
    let mut rows: Vec<CheckRow> = RULES
        .iter()
        .map(|&rule| {
            let (vi, en) = rule.name();
            row(
                unit,
                year,
                state,
                rule.as_str(),
                format!("{vi} / {en}"),
                rule.legal_basis_on(check_date(rule, year)),
                evaluate(rule, year, state),
            )
        })
        .collect();
    rows.push(row(
        unit,
        year,
        state,
        RECONCILIATION,
        "Đối chiếu bút toán thanh toán với số đã chi / payment entries reconciled with the paid balance".into(),
        reconciliation_basis(year),
        reconcile_in_fold(state),
    ));
    rows
}

impl Projection for SettlementChecks {
    fn name(&self) -> &'static str {
        "settlement_checks"
    }

    fn apply(&mut self, event: &ProjectedEvent, _shared: &crate::Shared) {
        if let Some(unit_year) = self.fold(event) {
            self.pending.insert(unit_year);
        }
    }

    /// Each evaluation reads the whole unit-year again: in a replay, once at the end.
    fn settles_during_replay(&self) -> bool {
        false
    }

    /// Evaluates the rules of every unit-year folded since the last time: once per batch of
    /// events rather than once per event, since each evaluation reads the whole unit-year.
    fn settle(&mut self, _shared: &crate::Shared) {
        for (unit, year) in std::mem::take(&mut self.pending) {
            let Some(state) = self.states.get(&(unit.clone(), year)) else {
                continue;
            };
            for row in evaluate_all(&unit, year, &state.state) {
                if self.checks.get(&row.key()) != Some(&row) {
                    self.checks.upsert(row);
                }
            }
        }
    }

    fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.checks, &self.states]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.checks, &mut self.states]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    /// The `status` column's text is what it was when it was a string.
    #[test]
    fn a_checks_status_writes_and_reads_the_stored_text() {
        testing::assert_stored_text(CheckStatus::ALL, CheckStatus::as_str, &["ok", "finding"]);
    }

    // -----------------------------------------------------------------------------------
    // Every event type the checks fold, through `testing::given`.

    use crate::ProjectionSet;
    use crate::testing::{
        CASE, CLASS, Fact, LINE, RECIPIENT, SETTLEMENT, case, class, code, day, dong, for_case,
        for_class, given, line, settlement,
    };

    /// Every event type the settlement checks fold, with the test that feeds it.
    const FOLDED: &[(&str, &str, fn())] = &[
        (
            "budget_line",
            "EstimateAssigned",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "AllocationMade",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "SupportCommitted",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "AdvancePaid",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "AdvanceSettled",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "PaymentMade",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "FundsReturned",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "EntryReversed",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "budget_line",
            "ComplianceFindingRaised",
            recorded_findings_are_listed_under_their_rule,
        ),
        (
            "support_case",
            "SupportApplicationReceived",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "support_case",
            "SupportApproved",
            an_approval_above_the_cap_or_for_a_cooperative_not_active,
        ),
        (
            "support_case",
            "SupportRejected",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "training_class",
            "TrainingClassPlanned",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "training_class",
            "TrainingClassHeld",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "training_class",
            "TrainingClassRecordCorrected",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "training_class",
            "TrainingClassCancelled",
            spending_needs_a_commitment_to_an_approved_purpose,
        ),
        (
            "training_class",
            "ComplianceFindingRaised",
            recorded_findings_are_listed_under_their_rule,
        ),
        (
            "settlement",
            "SettlementSubmitted",
            every_entry_of_a_unit_year_dates_its_checks,
        ),
        (
            "settlement",
            "SettlementAppraised",
            nothing_but_returns_and_audits_follow_the_approval,
        ),
        (
            "settlement",
            "SettlementApproved",
            nothing_but_returns_and_audits_follow_the_approval,
        ),
        (
            "settlement",
            "AuditFindingRecorded",
            nothing_but_returns_and_audits_follow_the_approval,
        ),
        (
            "settlement",
            "ComplianceFindingRaised",
            recorded_findings_are_listed_under_their_rule,
        ),
    ];

    #[test]
    fn every_event_type_it_folds_has_a_test() {
        testing::assert_folded_types_are_tested::<SettlementChecks>(FOLDED);
    }

    /// The check of `rule` for the unit and year of [`LINE`] (SO-KHDT, 2018).
    fn check(set: &ProjectionSet, rule: &str) -> CheckRow {
        let checks = set.get::<SettlementChecks>().expect("settlement checks");
        checks
            .check("SO-KHDT", 2018, rule)
            .expect("the unit-year's check")
            .clone()
    }

    /// A cycle on [`LINE`]: estimate, allocation, the case of [`testing::case_cycle`] (entries
    /// 3 to 7); a class planned, committed, held and its record corrected.
    fn cycle() -> Vec<Fact> {
        let mut facts = vec![
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            line::allocated(LINE, day(2018, 1, 20), 2, RECIPIENT, 400_000_000),
        ];
        facts.extend(testing::case_cycle(3));
        facts.extend([
            class::planned(CLASS, day(2018, 6, 5), LINE, "205"),
            line::committed(LINE, day(2018, 6, 6), 8, for_class(CLASS), None, 60_000_000),
            class::held(CLASS, day(2018, 7, 1), 38, 58_000_000),
            class::corrected(CLASS, day(2018, 7, 10), (38, 58_000_000), 36, 56_000_000),
        ]);
        facts
    }

    #[test]
    fn every_entry_of_a_unit_year_dates_its_checks() {
        let other_case = "2018/SO-KHDT/HS-0008";
        let facts: Vec<Fact> = cycle()
            .into_iter()
            .chain([
                case::received(other_case, day(2018, 8, 1), LINE, &code(2), 10_000_000),
                case::rejected(other_case, day(2018, 8, 5)),
                line::allocated(LINE, day(2018, 8, 10), 9, "UBND-193", 10_000_000),
                line::reversed(LINE, day(2018, 8, 20), 10, 9),
                settlement::submitted(SETTLEMENT, day(2019, 1, 20), &[LINE]),
            ])
            .collect();
        for n in 1..=facts.len() {
            let set = given(facts[..n].to_vec());
            let row = check(&set, "FIN-01");
            let last = &facts[n - 1];
            assert_eq!(row.as_of, Some(last.effective_date), "{}", last.event_type);
            assert_eq!(row.last_position, n as u64 - 1, "{}", last.event_type);
        }
        let set = given(facts);
        for rule in RULES.iter().map(|r| r.as_str()).chain([RECONCILIATION]) {
            let row = check(&set, rule);
            assert_eq!(
                (row.status, row.finding.as_deref()),
                (CheckStatus::Ok, None),
                "{rule}: {row:?}"
            );
        }
    }

    #[test]
    fn spending_needs_a_commitment_to_an_approved_purpose() {
        let without = given([
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            line::advance(LINE, day(2018, 3, 1), 2, for_case(CASE), 50_000_000),
        ]);
        let fin16 = check(&without, "FIN-16");
        assert_eq!(
            (fin16.status, fin16.positions.clone()),
            (CheckStatus::Finding, vec![1])
        );
        // A class cancelled before its commitment: the commitment has nothing approved.
        let cancelled = given([
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            class::planned(CLASS, day(2018, 3, 1), LINE, "205"),
            class::cancelled(CLASS, day(2018, 3, 5)),
            line::committed(LINE, day(2018, 3, 6), 2, for_class(CLASS), None, 60_000_000),
        ]);
        let fin16 = check(&cancelled, "FIN-16");
        assert_eq!(
            (fin16.status, fin16.positions.clone()),
            (CheckStatus::Finding, vec![3])
        );
        assert!(
            fin16
                .finding
                .unwrap_or_default()
                .contains("commitment before approval")
        );
    }

    #[test]
    fn an_approval_above_the_cap_or_for_a_cooperative_not_active() {
        let a = code(1);
        let received = case::received(CASE, day(2018, 2, 1), LINE, &a, 100_000_000);
        let above = case::fact(
            CASE,
            day(2018, 2, 10),
            SupportCaseEvent::SupportApproved {
                amount: dong(120_000_000),
                rule_set: domain::reference::RuleSetId::new(
                    domain::funding::SupportCategory::Training,
                    &testing::doc("01/2017/NQ-HĐND"),
                ),
                rule_set_version: 1,
                cap: dong(100_000_000),
                eligibility: domain::funding::Eligibility {
                    status: CooperativeStatus::Suspended,
                    members: 7,
                },
                approved_by: "nguoi.phe.duyet".to_string(),
                effective_date: day(2018, 2, 10),
            },
        );
        let set = given([received.clone(), above]);
        let (fin03, fin04) = (check(&set, "FIN-03"), check(&set, "FIN-04"));
        assert_eq!(
            (fin03.status, fin03.positions),
            (CheckStatus::Finding, vec![1])
        );
        assert_eq!(
            (fin04.status, fin04.positions),
            (CheckStatus::Finding, vec![1])
        );
        let within = given([received, case::approved(CASE, day(2018, 2, 10), 90_000_000)]);
        assert_eq!(check(&within, "FIN-03").status, CheckStatus::Ok);
        assert_eq!(check(&within, "FIN-04").status, CheckStatus::Ok);
    }

    #[test]
    fn nothing_but_returns_and_audits_follow_the_approval() {
        let closed: Vec<Fact> = cycle()
            .into_iter()
            .chain([
                settlement::submitted(SETTLEMENT, day(2019, 1, 20), &[LINE]),
                settlement::appraised(SETTLEMENT, day(2019, 1, 25), 0),
                settlement::approved(SETTLEMENT, day(2019, 1, 31), "so.tai.chinh"),
                settlement::audit_finding(SETTLEMENT, day(2019, 3, 1), 1_000_000),
                line::returned(LINE, day(2019, 3, 5), 9, 6, 1_000_000),
            ])
            .collect();
        let set = given(closed.clone());
        assert_eq!(
            check(&set, "FIN-10").status,
            CheckStatus::Ok,
            "a return and an audit"
        );
        assert_eq!(check(&set, "FIN-16").status, CheckStatus::Ok);
        let n = closed.len() as u64;
        let late = closed.into_iter().chain([line::paid(
            LINE,
            day(2019, 3, 10),
            10,
            for_case(CASE),
            1_000_000,
        )]);
        let fin10 = check(&given(late), "FIN-10");
        assert_eq!(
            (fin10.status, fin10.positions),
            (CheckStatus::Finding, vec![n])
        );
        // Approved without an appraisal.
        let unappraised = cycle().into_iter().chain([
            settlement::submitted(SETTLEMENT, day(2019, 1, 20), &[LINE]),
            settlement::approved(SETTLEMENT, day(2019, 1, 31), "so.tai.chinh"),
        ]);
        let fin16 = check(&given(unappraised), "FIN-16");
        assert_eq!(fin16.status, CheckStatus::Finding);
        assert!(
            fin16
                .finding
                .unwrap_or_default()
                .contains("approved before appraisal")
        );
    }

    #[test]
    fn recorded_findings_are_listed_under_their_rule() {
        let facts: Vec<Fact> = cycle()
            .into_iter()
            .chain([
                line::found(LINE, day(2019, 2, 1), RuleCode::Fin06, 4),
                class::found(CLASS, day(2019, 2, 2), RuleCode::Fin13),
                settlement::submitted(SETTLEMENT, day(2019, 2, 3), &[LINE]),
                settlement::found(SETTLEMENT, day(2019, 2, 4), RuleCode::Fin13),
            ])
            .collect();
        let n = cycle().len() as u64;
        let set = given(facts);
        let fin06 = check(&set, "FIN-06");
        assert_eq!(fin06.status, CheckStatus::Finding);
        assert!(fin06.positions.contains(&n), "{fin06:?}");
        let fin13 = check(&set, "FIN-13");
        assert_eq!(
            (fin13.status, fin13.positions.clone()),
            (CheckStatus::Finding, vec![n + 1, n + 3])
        );
        let text = fin13.finding.unwrap_or_default();
        assert!(
            text.contains(&format!("lớp {CLASS}")) && text.contains("quyết toán"),
            "{text}"
        );
    }
}
