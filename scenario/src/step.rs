//! One step of the scenario: a domain command for one aggregate, the day the ledger records
//! it, and what the domain is expected to answer.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::cooperative::CooperativeCommand;
use domain::funding::{
    BudgetLineCommand, SettlementCommand, SupportCaseCommand, TrainingClassCommand,
};
use domain::ledger::Actor;
use domain::reference::{
    AdministrativeUnitCommand, LegalDocumentCommand, RegionMappingCommand, SupportRuleSetCommand,
};
use domain::rules::RuleCode;

use super::rng::mix;

/// A command with the id of the aggregate it goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum StepCommand {
    Unit(String, AdministrativeUnitCommand),
    Region(String, RegionMappingCommand),
    LegalDocument(String, LegalDocumentCommand),
    RuleSet(String, SupportRuleSetCommand),
    Cooperative(String, CooperativeCommand),
    BudgetLine(String, BudgetLineCommand),
    SupportCase(String, SupportCaseCommand),
    TrainingClass(String, TrainingClassCommand),
    Settlement(String, SettlementCommand),
}

impl StepCommand {
    /// The aggregate type and id.
    pub fn target(&self) -> (&'static str, &str) {
        match self {
            StepCommand::Unit(id, _) => ("administrative_unit", id),
            StepCommand::Region(id, _) => ("region_mapping", id),
            StepCommand::LegalDocument(id, _) => ("legal_document", id),
            StepCommand::RuleSet(id, _) => ("support_rule_set", id),
            StepCommand::Cooperative(id, _) => ("cooperative", id),
            StepCommand::BudgetLine(id, _) => ("budget_line", id),
            StepCommand::SupportCase(id, _) => ("support_case", id),
            StepCommand::TrainingClass(id, _) => ("training_class", id),
            StepCommand::Settlement(id, _) => ("settlement", id),
        }
    }

    pub fn effective_date(&self) -> NaiveDate {
        match self {
            StepCommand::Unit(_, c) => c.effective_date,
            StepCommand::Region(_, c) => c.effective_date,
            StepCommand::LegalDocument(_, c) => c.effective_date,
            StepCommand::RuleSet(_, c) => c.effective_date,
            StepCommand::Cooperative(_, c) => c.effective_date,
            StepCommand::BudgetLine(_, c) => c.effective_date,
            StepCommand::SupportCase(_, c) => c.effective_date,
            StepCommand::TrainingClass(_, c) => c.effective_date,
            StepCommand::Settlement(_, c) => c.effective_date,
        }
    }

    pub fn actor(&self) -> &Actor {
        match self {
            StepCommand::Unit(_, c) => &c.actor,
            StepCommand::Region(_, c) => &c.actor,
            StepCommand::LegalDocument(_, c) => &c.actor,
            StepCommand::RuleSet(_, c) => &c.actor,
            StepCommand::Cooperative(_, c) => &c.actor,
            StepCommand::BudgetLine(_, c) => &c.actor,
            StepCommand::SupportCase(_, c) => &c.actor,
            StepCommand::TrainingClass(_, c) => &c.actor,
            StepCommand::Settlement(_, c) => &c.actor,
        }
    }
}

/// What the domain answers: accepted, or refused under a rule (an imperfection the scenario
/// plays on purpose, shown in the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Accepted,
    Refused(RuleCode),
}

/// One step, in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 0, 1, 2, … over the whole scenario.
    pub index: u64,
    /// The day the ledger records it (its effective date, or later when back-dated).
    pub recorded_on: NaiveDate,
    /// The ledger time given to its entries.
    pub recorded_at: DateTime<Utc>,
    pub command: StepCommand,
    pub expect: Expect,
}

/// Office hours in Asia/Ho_Chi_Minh (UTC+7, no daylight saving): 08:00-17:00, i.e. 01:00-10:00
/// UTC.
const OFFICE_START_UTC_HOUR: u32 = 1;
const OFFICE_MICROS: i64 = 9 * 3600 * 1_000_000;

/// The ledger time of the `slot`-th of `slots` steps recorded on `day`: the working day split
/// into equal slots, each step at a seed-derived instant inside its own slot, so times rise
/// strictly and depend only on (seed, day, slot, slots).
pub fn recorded_at(seed: u64, day: NaiveDate, slot: u64, slots: u64) -> DateTime<Utc> {
    let start = Utc.from_utc_datetime(
        &day.and_hms_opt(OFFICE_START_UTC_HOUR, 0, 0)
            .unwrap_or_default(),
    );
    let width = (OFFICE_MICROS / slots.max(1) as i64).max(1);
    let days = day.signed_duration_since(NaiveDate::MIN).num_days() as u64;
    let jitter = mix(seed ^ mix(days.wrapping_mul(0x1_0000_0001) ^ slot)) % width as u64;
    start + chrono::Duration::microseconds(slot as i64 * width + jitter as i64)
}
