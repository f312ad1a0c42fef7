//! Entries read back as the projections see them: the domain event, typed by its aggregate
//! type, with its position, legal date, ledger time and actor.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use domain::cooperative::CooperativeEvent;
use domain::funding::{BudgetLineEvent, SettlementEvent, SupportCaseEvent, TrainingClassEvent};
use domain::ledger::{Actor, EventMetadata};
use domain::reference::{
    AdministrativeUnitEvent, LegalDocumentEvent, RegionMappingEvent, SupportRuleSetEvent,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A domain event, by the aggregate type that stored it.
#[derive(Debug, Clone)]
pub enum DomainEvent {
    Cooperative(CooperativeEvent),
    BudgetLine(BudgetLineEvent),
    SupportCase(SupportCaseEvent),
    TrainingClass(TrainingClassEvent),
    Settlement(SettlementEvent),
    AdministrativeUnit(AdministrativeUnitEvent),
    RegionMapping(RegionMappingEvent),
    LegalDocument(LegalDocumentEvent),
    SupportRuleSet(SupportRuleSetEvent),
    /// An aggregate type the projections do not read (people and tokens, tests' own types).
    Other,
}

/// One entry as the projections read it.
#[derive(Debug, Clone)]
pub struct ProjectedEvent {
    pub position: u64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: u64,
    pub event_type: String,
    /// The legal date of the fact (Asia/Ho_Chi_Minh).
    pub effective_date: NaiveDate,
    /// Ledger time.
    pub recorded_at: DateTime<Utc>,
    pub actor: Actor,
    pub event: DomainEvent,
}

impl ProjectedEvent {
    /// The calendar date in Asia/Ho_Chi_Minh on which the ledger recorded the entry.
    pub fn recorded_on(&self) -> NaiveDate {
        let vietnam = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
        self.recorded_at.with_timezone(&vietnam).date_naive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("entry {position}: {detail}")]
pub struct DecodeError {
    pub position: u64,
    pub detail: String,
}

#[derive(Deserialize)]
struct RawEntry<'a> {
    position: u64,
    aggregate_type: String,
    aggregate_id: String,
    sequence: u64,
    event_type: String,
    #[serde(borrow)]
    payload: &'a RawValue,
    metadata: EventMetadata,
    recorded_at: DateTime<Utc>,
}

/// Reads one entry's canonical bytes (as stored; the chain is verified elsewhere).
///
/// # Errors
/// When the bytes are not an entry, or the payload is not an event of its aggregate type.
pub fn decode(bytes: &[u8], position_hint: u64) -> Result<ProjectedEvent, DecodeError> {
    let raw: RawEntry<'_> = serde_json::from_slice(bytes).map_err(|e| DecodeError {
        position: position_hint,
        detail: e.to_string(),
    })?;
    let payload = raw.payload.get();
    let fail = |e: serde_json::Error| DecodeError {
        position: raw.position,
        detail: format!("{} payload: {e}", raw.aggregate_type),
    };
    let event = match raw.aggregate_type.as_str() {
        "cooperative" => DomainEvent::Cooperative(serde_json::from_str(payload).map_err(fail)?),
        "budget_line" => DomainEvent::BudgetLine(serde_json::from_str(payload).map_err(fail)?),
        "support_case" => DomainEvent::SupportCase(serde_json::from_str(payload).map_err(fail)?),
        "training_class" => {
            DomainEvent::TrainingClass(serde_json::from_str(payload).map_err(fail)?)
        }
        "settlement" => DomainEvent::Settlement(serde_json::from_str(payload).map_err(fail)?),
        "administrative_unit" => {
            DomainEvent::AdministrativeUnit(serde_json::from_str(payload).map_err(fail)?)
        }
        "region_mapping" => {
            DomainEvent::RegionMapping(serde_json::from_str(payload).map_err(fail)?)
        }
        "legal_document" => {
            DomainEvent::LegalDocument(serde_json::from_str(payload).map_err(fail)?)
        }
        "support_rule_set" => {
            DomainEvent::SupportRuleSet(serde_json::from_str(payload).map_err(fail)?)
        }
        _ => DomainEvent::Other,
    };
    Ok(ProjectedEvent {
        position: raw.position,
        aggregate_type: raw.aggregate_type,
        aggregate_id: raw.aggregate_id,
        sequence: raw.sequence,
        event_type: raw.event_type,
        effective_date: raw.metadata.effective_date,
        recorded_at: raw.recorded_at,
        actor: raw.metadata.actor,
        event,
    })
}
