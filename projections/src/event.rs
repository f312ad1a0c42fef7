//! Entries read back as the projections see them: the domain event, typed by its aggregate
//! type, with its position, legal date, ledger time and actor.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use domain::cooperative::CooperativeEvent;
use domain::funding::{BudgetLineEvent, SettlementEvent, SupportCaseEvent, TrainingClassEvent};
use domain::ledger::Actor;
use domain::reference::{
    AdministrativeUnitEvent, LegalDocumentEvent, RegionMappingEvent, SupportRuleSetEvent,
};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
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

/// The entry's fields the projections read; the rest (hash link, version) are skipped.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Position,
    AggregateType,
    AggregateId,
    Sequence,
    EventType,
    Payload,
    Metadata,
    RecordedAt,
    #[serde(other)]
    Other,
}

/// An entry read in one pass: its canonical form orders keys, so the aggregate type comes
/// before the payload, which is then read straight into its event type. (A payload met first,
/// in JSON that is not canonical, is kept raw and read once the type is known.)
struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = ProjectedEvent;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a ledger entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProjectedEvent, A::Error> {
        let mut position = None;
        let mut aggregate_type: Option<String> = None;
        let mut aggregate_id = None;
        let mut sequence = None;
        let mut event_type = None;
        let mut event = None;
        let mut raw_payload: Option<Box<RawValue>> = None;
        let mut metadata: Option<Metadata> = None;
        let mut recorded_at = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Position => position = Some(map.next_value::<u64>()?),
                Field::AggregateType => aggregate_type = Some(map.next_value()?),
                Field::AggregateId => aggregate_id = Some(map.next_value()?),
                Field::Sequence => sequence = Some(map.next_value::<u64>()?),
                Field::EventType => event_type = Some(map.next_value()?),
                Field::Payload => match aggregate_type.as_deref() {
                    Some(kind) => event = Some(map.next_value_seed(PayloadSeed(kind))?),
                    None => raw_payload = Some(map.next_value()?),
                },
                Field::Metadata => metadata = Some(map.next_value()?),
                Field::RecordedAt => recorded_at = Some(map.next_value::<LedgerTime>()?.0),
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let missing = |name: &'static str| A::Error::missing_field(name);
        let aggregate_type = aggregate_type.ok_or_else(|| missing("aggregate_type"))?;
        let event = match (event, raw_payload) {
            (Some(event), _) => event,
            (None, Some(raw)) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                PayloadSeed(&aggregate_type)
                    .deserialize(&mut de)
                    .map_err(A::Error::custom)?
            }
            (None, None) => return Err(missing("payload")),
        };
        let metadata = metadata.ok_or_else(|| missing("metadata"))?;
        Ok(ProjectedEvent {
            position: position.ok_or_else(|| missing("position"))?,
            aggregate_type,
            aggregate_id: aggregate_id.ok_or_else(|| missing("aggregate_id"))?,
            sequence: sequence.ok_or_else(|| missing("sequence"))?,
            event_type: event_type.ok_or_else(|| missing("event_type"))?,
            effective_date: metadata.effective_date,
            recorded_at: recorded_at.ok_or_else(|| missing("recorded_at"))?,
            actor: metadata.actor,
            event,
        })
    }
}

/// What the projections read of an entry's metadata (the rest, such as the legal basis, is
/// skipped unread; the chain verifier checks the whole entry).
#[derive(Deserialize)]
struct Metadata {
    actor: Actor,
    effective_date: NaiveDate,
}

/// `recorded_at`, read without chrono's general parser in the ledger's own form
/// (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), with it otherwise.
struct LedgerTime(DateTime<Utc>);

impl<'de> Deserialize<'de> for LedgerTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LedgerTime, D::Error> {
        d.deserialize_str(LedgerTimeVisitor)
    }
}

struct LedgerTimeVisitor;

impl Visitor<'_> for LedgerTimeVisitor {
    type Value = LedgerTime;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 time")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<LedgerTime, E> {
        ledger_time(text)
            .map(LedgerTime)
            .ok_or_else(|| E::custom(format!("recorded_at {text:?} is not an RFC 3339 time")))
    }
}

fn ledger_time(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let shape = b.len() == 27
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z';
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let fast = || {
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(number(0, 4)?).ok()?,
            number(5, 7)?,
            number(8, 10)?,
        )?;
        let time = chrono::NaiveTime::from_hms_micro_opt(
            number(11, 13)?,
            number(14, 16)?,
            number(17, 19)?,
            number(20, 26)?,
        )?;
        Some(date.and_time(time).and_utc())
    };
    shape
        .then(fast)
        .flatten()
        .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc()))
}

/// A payload, read as the event type of its aggregate type.
struct PayloadSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_> {
    type Value = DomainEvent;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DomainEvent, D::Error> {
        let kind = self.0;
        let fail = |e: D::Error| D::Error::custom(format!("{kind} payload: {e}"));
        Ok(match kind {
            "cooperative" => DomainEvent::Cooperative(Deserialize::deserialize(d).map_err(fail)?),
            "budget_line" => DomainEvent::BudgetLine(Deserialize::deserialize(d).map_err(fail)?),
            "support_case" => DomainEvent::SupportCase(Deserialize::deserialize(d).map_err(fail)?),
            "training_class" => {
                DomainEvent::TrainingClass(Deserialize::deserialize(d).map_err(fail)?)
            }
            "settlement" => DomainEvent::Settlement(Deserialize::deserialize(d).map_err(fail)?),
            "administrative_unit" => {
                DomainEvent::AdministrativeUnit(Deserialize::deserialize(d).map_err(fail)?)
            }
            "region_mapping" => {
                DomainEvent::RegionMapping(Deserialize::deserialize(d).map_err(fail)?)
            }
            "legal_document" => {
                DomainEvent::LegalDocument(Deserialize::deserialize(d).map_err(fail)?)
            }
            "support_rule_set" => {
                DomainEvent::SupportRuleSet(Deserialize::deserialize(d).map_err(fail)?)
            }
            _ => {
                IgnoredAny::deserialize(d)?;
                DomainEvent::Other
            }
        })
    }
}

/// Reads one entry's canonical bytes (as stored; the chain is verified elsewhere).
///
/// # Errors
/// When the bytes are not an entry, or the payload is not an event of its aggregate type.
pub fn decode(bytes: &[u8], position_hint: u64) -> Result<ProjectedEvent, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.deserialize_map(EntryVisitor)
        .and_then(|event| de.end().map(|()| event))
        .map_err(|e| DecodeError {
            position: position_hint,
            detail: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = r#"{"aggregate_id":"5700000501","aggregate_type":"cooperative","event_type":"MembershipRecorded","event_version":"1","metadata":{"actor":{"agency":"PTCKH-205","role":"clerk","user_id":"can.bo.dang.ky"},"effective_date":"2017-01-02","legal_basis":["31/KH-UBND"]},"payload":{"MembershipRecorded":{"effective_date":"2017-02-06","members":{"associate":0,"member_cooperatives":0,"official":13}}},"position":1,"prev_hash":"1b1e36cb79ed6d8b227f973169b09066a10930b0130200df4a95c67435030ce3","recorded_at":"2026-11-26T02:40:08.802738Z","sequence":2}"#;

    #[test]
    fn an_entry_decodes_whatever_the_order_of_its_keys() {
        let event = decode(ENTRY.as_bytes(), 1).expect("a canonical entry");
        assert_eq!((event.position, event.sequence), (1, 2));
        assert_eq!(event.aggregate_id, "5700000501");
        assert_eq!(event.event_type, "MembershipRecorded");
        assert_eq!(event.effective_date.to_string(), "2017-01-02");
        assert_eq!(event.actor.user_id, "can.bo.dang.ky");
        assert_eq!(
            event.recorded_at,
            "2026-11-26T02:40:08.802738Z"
                .parse::<DateTime<Utc>>()
                .unwrap()
        );
        assert!(matches!(
            event.event,
            DomainEvent::Cooperative(CooperativeEvent::MembershipRecorded { .. })
        ));
        // Not canonical: the payload before the aggregate type.
        let value: serde_json::Value = serde_json::from_str(ENTRY).unwrap();
        let reordered = format!(
            r#"{{"payload":{},"aggregate_type":"cooperative","aggregate_id":"5700000501","event_type":"MembershipRecorded","metadata":{},"position":1,"recorded_at":"2026-11-26T02:40:08.802738Z","sequence":2}}"#,
            value["payload"], value["metadata"]
        );
        let again = decode(reordered.as_bytes(), 1).expect("keys in another order");
        assert_eq!(format!("{:?}", again.event), format!("{:?}", event.event));
    }

    #[test]
    fn ledger_time_reads_the_ledgers_form_and_any_other_rfc_3339_time_as_chrono_does() {
        for text in [
            "2026-11-26T02:40:08.802738Z",
            "2017-01-01T00:00:00.000000Z",
            "2020-02-29T23:59:59.999999Z",
            "2017-09-01T08:02:03+07:00",
            "2016-12-31T23:59:60.500000Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
            assert_eq!(ledger_time(text), Some(chrono), "{text}");
        }
        for text in [
            "2017-02-30T00:00:00.000000Z",
            "2017-01-01T25:00:00.000000Z",
            "x",
        ] {
            assert_eq!(ledger_time(text), None, "{text}");
        }
    }

    #[test]
    fn a_payload_that_is_not_its_aggregate_types_event_is_refused() {
        let wrong = ENTRY.replace("\"cooperative\"", "\"budget_line\"");
        let error = decode(wrong.as_bytes(), 7).expect_err("not a budget line event");
        assert_eq!(error.position, 7);
        assert!(
            error.detail.contains("budget_line payload"),
            "{}",
            error.detail
        );
        let cut = &ENTRY[..ENTRY.len() - 1];
        assert!(decode(cut.as_bytes(), 1).is_err());
    }
}
