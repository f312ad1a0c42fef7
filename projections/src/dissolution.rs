//! Dissolution progress (tiến độ giải thể): one row per cooperative that entered the pipeline
//! from inactivity detected to dissolved, with the cause, the date of each stage, the 6-month
//! timer's due date, the 2017 clean-up flags of plan 31/KH-UBND and the outcome.
//!
//! A cooperative enters the pipeline when inactivity is detected, a REG-03 ground is found
//! (members below the minimum 12 months, no annual meeting 18 months, inactive 12 months), its
//! certificate is revoked, or a dissolution is resolved or decided; and, for the 2017
//! clean-up, when it was registered before 01/7/2013 and had not re-registered under the 2012
//! Law by 01/01/2017. Statuses and the six-month date come from the domain's `Cooperative`
//! state, shared by the projections ([`crate::shared`]); the unit mergers are kept in the hidden
//! table `dissolution_state`.
//!
//! State-funded assets awaiting recovery are not shown: the domain records no asset recovery
//! (research event `StateAssetRecoveryRequired`, rule FIN-12, is not modelled).

use chrono::{Datelike, NaiveDate};
use domain::cooperative::{
    Cooperative, CooperativeEvent, CooperativeKind, CooperativeStatus, DissolutionCause,
    DissolutionMode, FindingGround, re_registration_rule,
};
use domain::reference::AdministrativeUnitEvent;
use serde::{Deserialize, Serialize};
use store::{Cell, ColumnKind, TableShape};

use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{
    AnyTable, Row, Table, date, json, opt_date, opt_int, opt_text, positions, text,
};
use crate::{Projection, Shared};

/// The year of the clean-up ("trong năm 2017 … xử lý dứt điểm", plan 31/KH-UBND).
pub const CLEANUP_YEAR: i32 = 2017;

domain::text_enum! {
    /// Where a cooperative stands in the pipeline, in order; `closed` left it alive.
    pub enum Stage {
        ReRegistrationDue => "re-registration-due",
        InactivityDetected => "inactivity-detected",
        GroundsFound => "grounds-found",
        RevokedForTax => "revoked-for-tax",
        DissolutionStarted => "dissolution-started",
        DissolutionPublished => "dissolution-published",
        InBankruptcy => "in-bankruptcy",
        Dissolved => "dissolved",
        Bankrupt => "bankrupt",
        Reorganised => "reorganised",
        Closed => "closed",
    }
}

impl Stage {
    fn is_end(self) -> bool {
        matches!(
            self,
            Stage::Dissolved | Stage::Bankrupt | Stage::Reorganised
        )
    }
}

domain::text_enum! {
    /// How a cooperative's passage through the pipeline ended, or that it has not.
    pub enum Outcome {
        /// Still in the pipeline.
        Pending => "pending",
        Dissolved => "dissolved",
        Bankrupt => "bankrupt",
        /// Divided, consolidated or merged into another.
        Reorganised => "reorganised",
        /// Re-registered under the 2012 Law during the clean-up.
        ReRegistered => "re-registered",
        /// Active again: the revocation annulled, the dissolution cancelled, or activity shown.
        BroughtIntoLine => "brought-into-line",
    }
}

/// `dissolution_progress`: one row per cooperative in the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DissolutionRow {
    pub code: String,
    pub name: String,
    /// `htx` or `lien-hiep-htx`.
    pub kind: CooperativeKind,
    /// The unit (GSO code) of the registered address, valid when it was registered.
    pub address_unit: String,
    /// The unit the address belongs to now, after mergers (Hoành Bồ 204 → Hạ Long 193).
    pub current_unit: String,
    /// The legal status after the latest change (NĐ 92/2024 Điều 27).
    pub status: CooperativeStatus,
    pub stage: Stage,
    pub stage_since: NaiveDate,
    /// `voluntary`, `compulsory` or `revocation` once a dissolution started.
    pub cause: Option<String>,
    pub outcome: Outcome,
    pub outcome_on: Option<NaiveDate>,
    pub in_cleanup_2017: bool,
    pub inactive_in_2017: bool,
    pub pre_2013_not_re_registered: bool,
    pub registered_on: NaiveDate,
    pub re_registered_on: Option<NaiveDate>,
    /// The first day it entered the pipeline.
    pub entered_on: NaiveDate,
    pub inactivity_detected_on: Option<NaiveDate>,
    pub months_inactive: Option<i64>,
    pub grounds_found_on: Option<NaiveDate>,
    /// REG-03 grounds found: `inactive`, `below-minimum-members`, `no-annual-meeting`.
    pub grounds: Vec<String>,
    pub revoked_on: Option<NaiveDate>,
    pub tax_enforcement: bool,
    pub dissolution_started_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    /// Publication + 6 months: the day the dissolution completes without a dossier.
    pub dissolution_due_on: Option<NaiveDate>,
    /// Dissolved, bankrupt or ceased on.
    pub ended_on: Option<NaiveDate>,
    /// `dossier` or `six-months-elapsed`.
    pub dissolution_mode: Option<String>,
    pub last_effective_date: NaiveDate,
    /// Every entry that changed this row, by position.
    pub positions: Vec<u64>,
}

impl Row for DissolutionRow {
    const SHAPE: TableShape = TableShape {
        name: "dissolution_progress",
        columns: &[
            ("code", ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("kind", ColumnKind::Text),
            ("address_unit", ColumnKind::Text),
            ("current_unit", ColumnKind::Text),
            ("status", ColumnKind::Text),
            ("stage", ColumnKind::Text),
            ("stage_since", ColumnKind::Text),
            ("cause", ColumnKind::Text),
            ("outcome", ColumnKind::Text),
            ("outcome_on", ColumnKind::Text),
            ("in_cleanup_2017", ColumnKind::Bool),
            ("inactive_in_2017", ColumnKind::Bool),
            ("pre_2013_not_re_registered", ColumnKind::Bool),
            ("registered_on", ColumnKind::Text),
            ("re_registered_on", ColumnKind::Text),
            ("entered_on", ColumnKind::Text),
            ("inactivity_detected_on", ColumnKind::Text),
            ("months_inactive", ColumnKind::Int),
            ("grounds_found_on", ColumnKind::Text),
            ("grounds", ColumnKind::Json),
            ("revoked_on", ColumnKind::Text),
            ("tax_enforcement", ColumnKind::Bool),
            ("dissolution_started_on", ColumnKind::Text),
            ("published_on", ColumnKind::Text),
            ("dissolution_due_on", ColumnKind::Text),
            ("ended_on", ColumnKind::Text),
            ("dissolution_mode", ColumnKind::Text),
            ("last_effective_date", ColumnKind::Text),
            ("positions", ColumnKind::Json),
        ],
        key_columns: 1,
    };
    type Key = String;
    fn key(&self) -> String {
        self.code.clone()
    }
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        Some(vec![
            text(&self.code),
            text(&self.name),
            text(self.kind.as_str()),
            text(&self.address_unit),
            text(&self.current_unit),
            text(self.status.as_str()),
            text(self.stage.as_str()),
            date(self.stage_since),
            opt_text(self.cause.as_deref()),
            text(self.outcome.as_str()),
            opt_date(self.outcome_on),
            Cell::Bool(self.in_cleanup_2017),
            Cell::Bool(self.inactive_in_2017),
            Cell::Bool(self.pre_2013_not_re_registered),
            date(self.registered_on),
            opt_date(self.re_registered_on),
            date(self.entered_on),
            opt_date(self.inactivity_detected_on),
            opt_int(self.months_inactive),
            opt_date(self.grounds_found_on),
            json(&self.grounds)?,
            opt_date(self.revoked_on),
            Cell::Bool(self.tax_enforcement),
            opt_date(self.dissolution_started_on),
            opt_date(self.published_on),
            opt_date(self.dissolution_due_on),
            opt_date(self.ended_on),
            opt_text(self.dissolution_mode.as_deref()),
            date(self.last_effective_date),
            positions(&self.positions),
        ])
    }
}

/// What the projection remembers beyond its rows (the cooperatives' domain state is shared:
/// [`crate::shared`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Hidden {
    /// An administrative unit and the unit it merged into.
    Unit { merged_into: Option<String> },
}

/// `dissolution_state` (internal): key (`unit`, GSO code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DissolutionStateRow {
    pub kind: String,
    pub id: String,
    pub state: Hidden,
}

impl Row for DissolutionStateRow {
    const SHAPE: TableShape = TableShape {
        name: "dissolution_state",
        columns: &[
            ("kind", ColumnKind::Text),
            ("id", ColumnKind::Text),
            ("state", ColumnKind::Json),
        ],
        key_columns: 2,
    };
    const INTERNAL: bool = true;
    type Key = (String, String);
    fn key(&self) -> (String, String) {
        (self.kind.clone(), self.id.clone())
    }
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        Some(vec![text(&self.kind), text(&self.id), json(&self.state)?])
    }
}

const UNIT: &str = "unit";

#[derive(Debug, Default)]
pub struct DissolutionProgress {
    pub rows: Table<DissolutionRow>,
    pub state: Table<DissolutionStateRow>,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn cause_name(cause: DissolutionCause) -> &'static str {
    match cause {
        DissolutionCause::Voluntary => "voluntary",
        DissolutionCause::Compulsory => "compulsory",
        DissolutionCause::Revocation => "revocation",
    }
}

fn ground_name(ground: &FindingGround) -> Option<&'static str> {
    match ground {
        FindingGround::Inactive { .. } => Some("inactive"),
        FindingGround::BelowMinimumMembers { .. } => Some("below-minimum-members"),
        FindingGround::NoAnnualMeeting { .. } => Some("no-annual-meeting"),
        _ => None,
    }
}

/// A REG-03 ground still open on `date`. A missing annual meeting found when the meeting is
/// finally held (the domain raises it with the meeting) records lateness, not an open ground.
fn open_ground(coop: &Cooperative, ground: &FindingGround, date: NaiveDate) -> bool {
    match ground {
        FindingGround::NoAnnualMeeting { .. } => {
            coop.last_annual_meeting().is_none_or(|m| m < date)
        }
        other => ground_name(other).is_some(),
    }
}

/// Registered before 01/7/2013 and not re-registered under the 2012 Law before 2017.
fn pre_2013_pending(registered_on: NaiveDate, re_registered_on: Option<NaiveDate>) -> bool {
    registered_on < re_registration_rule().registered_before
        && re_registered_on.is_none_or(|d| d >= day(CLEANUP_YEAR, 1, 1))
}

impl DissolutionProgress {
    /// The unit `unit` belongs to now, following mergers.
    pub fn current_unit(&self, unit: &str) -> String {
        crate::follow_mergers(unit, |u| {
            match self
                .state
                .get(&(UNIT.to_string(), u.to_string()))
                .map(|r| &r.state)
            {
                Some(Hidden::Unit {
                    merged_into: Some(next),
                }) => Some(next.clone()),
                _ => None,
            }
        })
    }

    fn apply_unit(&mut self, event: &ProjectedEvent, unit: &AdministrativeUnitEvent) {
        let AdministrativeUnitEvent::AdministrativeUnitMerged { into, .. } = unit else {
            if let AdministrativeUnitEvent::AdministrativeUnitEstablished { code, .. } = unit {
                self.state.upsert(DissolutionStateRow {
                    kind: UNIT.into(),
                    id: code.clone(),
                    state: Hidden::Unit { merged_into: None },
                });
            }
            return;
        };
        let code = event.aggregate_id.clone();
        self.state.upsert(DissolutionStateRow {
            kind: UNIT.into(),
            id: code.clone(),
            state: Hidden::Unit {
                merged_into: Some(into.clone()),
            },
        });
        let moved: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.current_unit == code)
            .map(|r| r.code.clone())
            .collect();
        for key in moved {
            let current = self.current_unit(into);
            if let Some(row) = self.rows.get_mut(&key) {
                row.current_unit = current;
                row.positions.push(event.position);
            }
        }
    }

    /// Folds a cooperative's event into the row of the code it holds. An aggregate whose
    /// registration duplicates a code registered first by another (REG-01) holds none: its
    /// events are kept in the registry's `registry_duplicate_registrations`, not here, so that
    /// they never move the pipeline of the code's first registration.
    fn apply_cooperative(&mut self, event: &ProjectedEvent, e: &CooperativeEvent, shared: &Shared) {
        let id = &event.aggregate_id;
        let Some(code) = shared.holds(id) else {
            return;
        };
        let Some(coop) = shared.cooperative(id) else {
            return;
        };
        let code = code.to_string();
        let previous = self.rows.get(&code).cloned();
        let next = self.next_row(&code, previous.clone(), coop, event, e);
        match next {
            Some(mut row) => {
                if previous.as_ref() != Some(&row) {
                    row.last_effective_date = previous.as_ref().map_or(event.effective_date, |p| {
                        p.last_effective_date.max(event.effective_date)
                    });
                    row.positions.push(event.position);
                    self.rows.upsert(row);
                }
            }
            None => {
                self.rows.remove(&code);
            }
        }
    }

    /// The row after `e`, or `None` when the cooperative is not (or no longer) in the pipeline.
    fn next_row(
        &self,
        code: &str,
        previous: Option<DissolutionRow>,
        coop: &Cooperative,
        event: &ProjectedEvent,
        e: &CooperativeEvent,
    ) -> Option<DissolutionRow> {
        use CooperativeEvent as E;
        let date = event.effective_date;
        let content = coop.content()?;
        let facts = coop.registration_facts()?;
        let kind = coop.kind()?;
        // A registered cooperative has a status from its registration on.
        let status = coop.current_status()?;
        let pre_2013 = pre_2013_pending(facts.registered_on, facts.re_registered_on);
        let enters = match e {
            E::CooperativeRegistered { .. } => pre_2013,
            E::InactivityDetected { .. }
            | E::CertificateRevoked { .. }
            | E::VoluntaryDissolutionResolved { .. }
            | E::CompulsoryDissolutionDecided { .. } => true,
            E::ComplianceFindingRaised { ground, .. } => open_ground(coop, ground, date),
            _ => false,
        };
        // A pre-2013 cooperative has been due to re-register since the 2012 Law took effect.
        let entered = match e {
            E::CooperativeRegistered { .. } => re_registration_rule().registered_before.max(date),
            _ => date,
        };
        let mut row = match previous {
            Some(row) => row,
            None if enters => DissolutionRow {
                code: code.to_string(),
                name: String::new(),
                kind,
                address_unit: String::new(),
                current_unit: String::new(),
                status,
                stage: Stage::ReRegistrationDue,
                stage_since: entered,
                cause: None,
                outcome: Outcome::Pending,
                outcome_on: None,
                in_cleanup_2017: false,
                inactive_in_2017: false,
                pre_2013_not_re_registered: false,
                registered_on: facts.registered_on,
                re_registered_on: None,
                entered_on: entered,
                inactivity_detected_on: None,
                months_inactive: None,
                grounds_found_on: None,
                grounds: Vec::new(),
                revoked_on: None,
                tax_enforcement: false,
                dissolution_started_on: None,
                published_on: None,
                dissolution_due_on: None,
                ended_on: None,
                dissolution_mode: None,
                last_effective_date: date,
                positions: Vec::new(),
            },
            None => return None,
        };
        row.name = content.name.clone();
        row.kind = kind;
        row.address_unit = content.address.unit.clone();
        row.current_unit = self.current_unit(&content.address.unit);
        row.status = status;
        row.registered_on = facts.registered_on;
        row.re_registered_on = facts.re_registered_on;
        row.pre_2013_not_re_registered = pre_2013;

        let stage = row.stage;
        // A new entry after the cooperative was brought back: a new episode.
        let reopen = |row: &mut DissolutionRow| {
            if stage == Stage::Closed {
                row.inactivity_detected_on = None;
                row.months_inactive = None;
                row.grounds_found_on = None;
                row.grounds.clear();
                row.revoked_on = None;
                row.tax_enforcement = false;
                row.dissolution_started_on = None;
                row.published_on = None;
                row.dissolution_due_on = None;
                row.cause = None;
                row.dissolution_mode = None;
                row.outcome = Outcome::Pending;
                row.outcome_on = None;
            }
        };
        let advance = |row: &mut DissolutionRow, to: Stage| {
            let from = row.stage;
            if from == Stage::Closed || (to > from && !from.is_end()) {
                row.stage = to;
                row.stage_since = date;
            }
        };
        let close = |row: &mut DissolutionRow, outcome: Outcome| {
            row.stage = Stage::Closed;
            row.stage_since = date;
            row.outcome = outcome;
            row.outcome_on = Some(date);
        };
        let end = |row: &mut DissolutionRow, to: Stage, outcome: Outcome| {
            row.stage = to;
            row.stage_since = date;
            row.outcome = outcome;
            row.outcome_on = Some(date);
            row.ended_on = Some(date);
        };
        match e {
            // Re-registered before the clean-up year: never part of it.
            E::CooperativeReRegistered { .. } if stage == Stage::ReRegistrationDue && !pre_2013 => {
                return None;
            }
            E::CooperativeReRegistered { .. } if stage == Stage::ReRegistrationDue => {
                close(&mut row, Outcome::ReRegistered);
            }
            E::InactivityDetected {
                months_inactive, ..
            } => {
                reopen(&mut row);
                row.inactivity_detected_on.get_or_insert(date);
                row.months_inactive = Some(
                    row.months_inactive
                        .unwrap_or(0)
                        .max(i64::from(*months_inactive)),
                );
                if date.year() == CLEANUP_YEAR {
                    row.inactive_in_2017 = true;
                }
                row.outcome = Outcome::Pending;
                advance(&mut row, Stage::InactivityDetected);
            }
            E::ComplianceFindingRaised { ground, .. } => {
                if let Some(name) = ground_name(ground).filter(|_| open_ground(coop, ground, date))
                {
                    reopen(&mut row);
                    row.grounds_found_on.get_or_insert(date);
                    if !row.grounds.iter().any(|g| g == name) {
                        row.grounds.push(name.into());
                    }
                    row.outcome = Outcome::Pending;
                    advance(&mut row, Stage::GroundsFound);
                }
            }
            E::CertificateRevoked {
                tax_enforcement, ..
            } => {
                reopen(&mut row);
                row.revoked_on = Some(date);
                row.tax_enforcement = *tax_enforcement;
                row.outcome = Outcome::Pending;
                if *tax_enforcement {
                    advance(&mut row, Stage::RevokedForTax);
                } else {
                    row.dissolution_started_on = Some(date);
                    advance(&mut row, Stage::DissolutionStarted);
                }
            }
            E::VoluntaryDissolutionResolved { .. } | E::CompulsoryDissolutionDecided { .. } => {
                reopen(&mut row);
                row.dissolution_started_on = Some(date);
                row.outcome = Outcome::Pending;
                advance(&mut row, Stage::DissolutionStarted);
            }
            E::DissolutionPublished { .. } => advance(&mut row, Stage::DissolutionPublished),
            E::RevocationAnnulled { .. } | E::DissolutionResolutionCancelled { .. } => {
                close(&mut row, Outcome::BroughtIntoLine);
            }
            E::GeneralMeetingHeld { .. } | E::AnnualInformationSubmitted { .. } => {
                let inactive_stage =
                    matches!(stage, Stage::InactivityDetected | Stage::GroundsFound);
                if inactive_stage && row.inactivity_detected_on.is_some() {
                    close(&mut row, Outcome::BroughtIntoLine);
                }
            }
            E::CooperativeDissolved { mode, .. } => {
                row.dissolution_mode = Some(
                    match mode {
                        DissolutionMode::Dossier => "dossier",
                        DissolutionMode::SixMonthsElapsed => "six-months-elapsed",
                    }
                    .into(),
                );
                end(&mut row, Stage::Dissolved, Outcome::Dissolved);
            }
            E::BankruptcyOpened { .. } => advance(&mut row, Stage::InBankruptcy),
            E::BankruptcyDeclared { .. } => end(&mut row, Stage::Bankrupt, Outcome::Bankrupt),
            E::CooperativeDivided { .. }
            | E::CooperativeConsolidated { .. }
            | E::CooperativeMergedInto { .. } => {
                end(&mut row, Stage::Reorganised, Outcome::Reorganised);
            }
            _ => {}
        }
        if let Some(d) = coop.dissolution() {
            row.cause = Some(cause_name(d.cause).into());
            row.dissolution_started_on = Some(d.started_on);
            row.published_on = d.published_on;
            row.dissolution_due_on = d.completes_by;
        }
        row.in_cleanup_2017 = row.inactive_in_2017 || row.pre_2013_not_re_registered;
        Some(row)
    }
}

impl Projection for DissolutionProgress {
    fn name(&self) -> &'static str {
        "dissolution_progress"
    }

    fn apply(&mut self, event: &ProjectedEvent, shared: &Shared) {
        match &event.event {
            DomainEvent::Cooperative(e) => self.apply_cooperative(event, e, shared),
            DomainEvent::AdministrativeUnit(e) => self.apply_unit(event, e),
            _ => {}
        }
    }

    fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.rows, &self.state]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.rows, &mut self.state]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    /// The `stage` and `outcome` columns' text is what it was when they were strings.
    #[test]
    fn stages_and_outcomes_write_and_read_the_stored_text() {
        testing::assert_stored_text(
            Stage::ALL,
            Stage::as_str,
            &[
                "re-registration-due",
                "inactivity-detected",
                "grounds-found",
                "revoked-for-tax",
                "dissolution-started",
                "dissolution-published",
                "in-bankruptcy",
                "dissolved",
                "bankrupt",
                "reorganised",
                "closed",
            ],
        );
        testing::assert_stored_text(
            Outcome::ALL,
            Outcome::as_str,
            &[
                "pending",
                "dissolved",
                "bankrupt",
                "reorganised",
                "re-registered",
                "brought-into-line",
            ],
        );
    }

    // -----------------------------------------------------------------------------------
    // Every event type the pipeline folds, through `testing::given`.

    use crate::ProjectionSet;
    use crate::table::assert_direct_cells;
    use crate::testing::{Fact, code, cooperative as c, day, given, unit};
    use domain::cooperative::{ContentChange, FindingGround, ReorganisationKind};

    /// Every event type the dissolution pipeline folds, with the test that feeds it.
    const FOLDED: &[(&str, &str, fn())] = &[
        (
            "cooperative",
            "CooperativeRegistered",
            the_clean_up_takes_in_a_pre_2013_cooperative,
        ),
        (
            "cooperative",
            "CooperativeReRegistered",
            the_clean_up_takes_in_a_pre_2013_cooperative,
        ),
        (
            "cooperative",
            "RegistrationContentChanged",
            the_clean_up_takes_in_a_pre_2013_cooperative,
        ),
        (
            "cooperative",
            "RegistrationRecordCorrected",
            the_clean_up_takes_in_a_pre_2013_cooperative,
        ),
        (
            "cooperative",
            "BusinessSuspended",
            a_row_follows_the_status_and_the_unit,
        ),
        (
            "cooperative",
            "BusinessResumed",
            a_row_follows_the_status_and_the_unit,
        ),
        (
            "cooperative",
            "NotOperatingAtAddressMarked",
            a_row_follows_the_status_and_the_unit,
        ),
        (
            "cooperative",
            "NotOperatingAtAddressCleared",
            a_row_follows_the_status_and_the_unit,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitEstablished",
            a_row_follows_the_status_and_the_unit,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitMerged",
            a_row_follows_the_status_and_the_unit,
        ),
        (
            "cooperative",
            "InactivityDetected",
            inactivity_and_grounds_until_activity_is_shown,
        ),
        (
            "cooperative",
            "ComplianceFindingRaised",
            inactivity_and_grounds_until_activity_is_shown,
        ),
        (
            "cooperative",
            "GeneralMeetingHeld",
            inactivity_and_grounds_until_activity_is_shown,
        ),
        (
            "cooperative",
            "AnnualInformationSubmitted",
            inactivity_and_grounds_until_activity_is_shown,
        ),
        (
            "cooperative",
            "CertificateRevoked",
            revocation_and_dissolution_to_the_end,
        ),
        (
            "cooperative",
            "RevocationAnnulled",
            revocation_and_dissolution_to_the_end,
        ),
        (
            "cooperative",
            "VoluntaryDissolutionResolved",
            revocation_and_dissolution_to_the_end,
        ),
        (
            "cooperative",
            "DissolutionPublished",
            revocation_and_dissolution_to_the_end,
        ),
        (
            "cooperative",
            "CooperativeDissolved",
            revocation_and_dissolution_to_the_end,
        ),
        (
            "cooperative",
            "CompulsoryDissolutionDecided",
            a_dissolution_decided_or_cancelled,
        ),
        (
            "cooperative",
            "DissolutionResolutionCancelled",
            a_dissolution_decided_or_cancelled,
        ),
        (
            "cooperative",
            "BankruptcyOpened",
            bankruptcy_and_reorganisation_end_the_passage,
        ),
        (
            "cooperative",
            "BankruptcyDeclared",
            bankruptcy_and_reorganisation_end_the_passage,
        ),
        (
            "cooperative",
            "ReorganisationResolved",
            bankruptcy_and_reorganisation_end_the_passage,
        ),
        (
            "cooperative",
            "CooperativeDivided",
            bankruptcy_and_reorganisation_end_the_passage,
        ),
        (
            "cooperative",
            "CooperativeConsolidated",
            bankruptcy_and_reorganisation_end_the_passage,
        ),
        (
            "cooperative",
            "CooperativeMergedInto",
            bankruptcy_and_reorganisation_end_the_passage,
        ),
    ];

    #[test]
    fn every_event_type_it_folds_has_a_test() {
        testing::assert_folded_types_are_tested::<DissolutionProgress>(FOLDED);
    }

    /// The pipeline's row of `code` after `facts`, if it is in the pipeline.
    fn row_after(facts: impl IntoIterator<Item = Fact>, code: &str) -> Option<DissolutionRow> {
        let set: ProjectionSet = given(facts);
        let pipeline = set.get::<DissolutionProgress>().expect("dissolution");
        pipeline.rows.iter().for_each(assert_direct_cells);
        pipeline.rows.get(code).cloned()
    }

    #[test]
    fn the_clean_up_takes_in_a_pre_2013_cooperative() {
        let a = code(1);
        let registered = || c::registered(&a, day(2010, 3, 1), "HTX Đồng Lâm", "205");
        let row = row_after([registered()], &a).expect("registered before 01/7/2013");
        assert_eq!(
            (row.stage, row.outcome),
            (Stage::ReRegistrationDue, Outcome::Pending)
        );
        assert_eq!(
            (row.entered_on, row.stage_since),
            (day(2013, 7, 1), day(2013, 7, 1))
        );
        assert!(row.pre_2013_not_re_registered && row.in_cleanup_2017);
        assert_eq!(
            (row.kind, row.status),
            (CooperativeKind::Cooperative, CooperativeStatus::Active)
        );
        assert!(row_after([c::registered(&a, day(2014, 3, 1), "HTX", "205")], &a).is_none());

        let renamed = [
            registered(),
            c::changed(
                &a,
                day(2016, 2, 1),
                ContentChange::Name("HTX Nông nghiệp Đồng Lâm".into()),
            ),
            c::corrected(
                &a,
                day(2016, 3, 1),
                ContentChange::Name("HTX Nông nghiệp Đồng Lâm".into()),
                ContentChange::Name("HTX Dịch vụ Đồng Lâm".into()),
            ),
        ];
        let row = row_after(renamed.clone(), &a).expect("in the pipeline");
        assert_eq!(row.name, "HTX Dịch vụ Đồng Lâm");
        assert_eq!(row.positions, vec![0, 1, 2]);

        // Re-registered in the clean-up year: closed; before it: never part of it.
        let late = renamed
            .clone()
            .into_iter()
            .chain([c::re_registered(&a, day(2017, 3, 1))]);
        let row = row_after(late, &a).expect("still listed");
        assert_eq!(
            (row.stage, row.outcome),
            (Stage::Closed, Outcome::ReRegistered)
        );
        assert_eq!(
            (row.outcome_on, row.re_registered_on),
            (Some(day(2017, 3, 1)), Some(day(2017, 3, 1)))
        );
        let early = renamed
            .into_iter()
            .chain([c::re_registered(&a, day(2016, 6, 1))]);
        assert!(row_after(early, &a).is_none());
    }

    #[test]
    fn a_row_follows_the_status_and_the_unit() {
        let a = code(1);
        let facts = vec![
            unit::established("204", day(2008, 1, 1), "Hoành Bồ"),
            c::registered(&a, day(2010, 3, 1), "HTX Đồng Lâm", "204"),
            c::suspended(&a, day(2016, 1, 1), day(2016, 6, 1)),
            c::resumed(&a, day(2016, 3, 1)),
            c::not_at_address(&a, day(2016, 5, 1)),
            c::back_at_address(&a, day(2016, 9, 1)),
            unit::merged("204", day(2020, 1, 1), "193"),
        ];
        let status_after =
            |n: usize| row_after(facts.clone().into_iter().take(n), &a).map(|r| r.status);
        use CooperativeStatus as S;
        assert_eq!(status_after(3), Some(S::Suspended));
        assert_eq!(status_after(4), Some(S::Active));
        assert_eq!(status_after(5), Some(S::NotOperatingAtRegisteredAddress));
        assert_eq!(status_after(6), Some(S::Active));
        let row = row_after(facts, &a).expect("in the pipeline");
        assert_eq!(
            (row.address_unit.as_str(), row.current_unit.as_str()),
            ("204", "193")
        );
        assert_eq!(row.positions, vec![1, 2, 3, 4, 5, 6]);
        // A unit established after the merger is its own again.
        let set = given([
            unit::established("204", day(2008, 1, 1), "Hoành Bồ"),
            unit::merged("204", day(2020, 1, 1), "193"),
            unit::established("204", day(2030, 1, 1), "Hoành Bồ"),
        ]);
        let pipeline = set.get::<DissolutionProgress>().expect("dissolution");
        assert_eq!(pipeline.current_unit("204"), "204");
    }

    #[test]
    fn inactivity_and_grounds_until_activity_is_shown() {
        let a = code(1);
        let found = vec![
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::inactive(&a, day(2017, 3, 1), 14),
            c::found(
                &a,
                day(2017, 5, 1),
                FindingGround::BelowMinimumMembers {
                    since: day(2016, 1, 1),
                },
            ),
        ];
        let inactive = row_after(found[..2].to_vec(), &a).expect("inactivity enters it");
        assert_eq!(
            (inactive.stage, inactive.entered_on),
            (Stage::InactivityDetected, day(2017, 3, 1))
        );
        assert_eq!(inactive.months_inactive, Some(14));
        assert!(inactive.inactive_in_2017 && inactive.in_cleanup_2017);
        let row = row_after(found.clone(), &a).expect("in the pipeline");
        assert_eq!(
            (row.stage, row.grounds_found_on),
            (Stage::GroundsFound, Some(day(2017, 5, 1)))
        );
        assert_eq!(row.grounds, vec!["below-minimum-members".to_string()]);
        // A ground found alone enters it too.
        let ground = [
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::found(
                &a,
                day(2017, 5, 1),
                FindingGround::Inactive {
                    since: day(2016, 1, 1),
                },
            ),
        ];
        assert_eq!(
            row_after(ground, &a).map(|r| r.grounds),
            Some(vec!["inactive".to_string()])
        );

        for shown in [
            c::meeting(&a, day(2017, 8, 1)),
            c::annual_information(&a, day(2017, 8, 1), 2016),
        ] {
            let row = row_after(found.iter().cloned().chain([shown]), &a).expect("still listed");
            assert_eq!(
                (row.stage, row.outcome),
                (Stage::Closed, Outcome::BroughtIntoLine)
            );
            assert_eq!(row.outcome_on, Some(day(2017, 8, 1)));
        }
    }

    #[test]
    fn revocation_and_dissolution_to_the_end() {
        let a = code(1);
        let facts = [
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::revoked(&a, day(2016, 1, 1), true),
            c::revocation_annulled(&a, day(2016, 3, 1)),
            c::dissolution_resolved(&a, day(2017, 1, 10)),
            c::published(&a, day(2017, 2, 1)),
            c::dissolved(&a, day(2017, 8, 2), DissolutionMode::SixMonthsElapsed),
        ];
        let after = |n: usize| row_after(facts[..n].to_vec(), &a).expect("in the pipeline");
        let revoked = after(2);
        assert_eq!(
            (revoked.stage, revoked.revoked_on),
            (Stage::RevokedForTax, Some(day(2016, 1, 1)))
        );
        assert!(revoked.tax_enforcement);
        let annulled = after(3);
        assert_eq!(
            (annulled.stage, annulled.outcome),
            (Stage::Closed, Outcome::BroughtIntoLine)
        );
        let resolved = after(4);
        assert_eq!(
            (resolved.stage, resolved.outcome),
            (Stage::DissolutionStarted, Outcome::Pending)
        );
        assert_eq!(
            (resolved.cause.as_deref(), resolved.revoked_on),
            (Some("voluntary"), None)
        );
        assert_eq!(resolved.dissolution_started_on, Some(day(2017, 1, 10)));
        let published = after(5);
        assert_eq!(published.stage, Stage::DissolutionPublished);
        assert_eq!(published.published_on, Some(day(2017, 2, 1)));
        assert_eq!(published.dissolution_due_on, Some(day(2017, 8, 1)));
        let row = after(6);
        assert_eq!(
            (row.stage, row.outcome),
            (Stage::Dissolved, Outcome::Dissolved)
        );
        assert_eq!(
            (row.ended_on, row.dissolution_mode.as_deref()),
            (Some(day(2017, 8, 2)), Some("six-months-elapsed"))
        );
        assert_eq!(row.status, CooperativeStatus::Dissolved);
    }

    #[test]
    fn a_dissolution_decided_or_cancelled() {
        let a = code(1);
        let decided = vec![
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::dissolution_decided(&a, day(2017, 4, 1)),
        ];
        let row = row_after(decided, &a).expect("a decision enters it");
        assert_eq!(
            (row.stage, row.cause.as_deref()),
            (Stage::DissolutionStarted, Some("compulsory"))
        );
        assert_eq!(row.status, CooperativeStatus::Dissolving);
        let cancelled = [
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::dissolution_resolved(&a, day(2017, 1, 10)),
            c::dissolution_cancelled(&a, day(2017, 3, 1)),
        ];
        let row = row_after(cancelled, &a).expect("still listed");
        assert_eq!(
            (row.stage, row.outcome),
            (Stage::Closed, Outcome::BroughtIntoLine)
        );
        assert_eq!(row.status, CooperativeStatus::Active);
    }

    #[test]
    fn bankruptcy_and_reorganisation_end_the_passage() {
        let (a, b, new) = (code(1), code(2), code(3));
        let inactive = || {
            vec![
                c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
                c::registered(&b, day(2015, 3, 1), "HTX Bằng Cả", "205"),
                c::inactive(&a, day(2017, 3, 1), 14),
            ]
        };
        let opened: Vec<Fact> = inactive()
            .into_iter()
            .chain([c::bankruptcy_opened(&a, day(2017, 6, 1))])
            .collect();
        assert_eq!(
            row_after(opened.clone(), &a).map(|r| r.stage),
            Some(Stage::InBankruptcy)
        );
        let declared = opened
            .into_iter()
            .chain([c::bankrupt(&a, day(2017, 12, 1))]);
        let row = row_after(declared, &a).expect("still listed");
        assert_eq!(
            (row.stage, row.outcome, row.ended_on),
            (Stage::Bankrupt, Outcome::Bankrupt, Some(day(2017, 12, 1)))
        );

        let resolution = |kind| c::reorganisation(&a, day(2017, 5, 1), kind, &[&b]);
        let resolved = row_after(
            inactive()
                .into_iter()
                .chain([resolution(ReorganisationKind::Division)]),
            &a,
        );
        assert_eq!(
            resolved.map(|r| r.status),
            Some(CooperativeStatus::BeingDivided)
        );
        for (kind, end) in [
            (
                ReorganisationKind::Division,
                c::divided(&a, day(2017, 9, 1), &[&new]),
            ),
            (
                ReorganisationKind::Consolidation,
                c::consolidated(&a, day(2017, 9, 1), &new),
            ),
            (
                ReorganisationKind::Merger,
                c::merged(&a, day(2017, 9, 1), &b),
            ),
        ] {
            let row = row_after(inactive().into_iter().chain([resolution(kind), end]), &a)
                .expect("listed");
            assert_eq!(
                (row.stage, row.outcome),
                (Stage::Reorganised, Outcome::Reorganised),
                "{kind:?}"
            );
            assert_eq!(row.ended_on, Some(day(2017, 9, 1)));
        }
    }
}
