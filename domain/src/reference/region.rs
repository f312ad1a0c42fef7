//! The `RegionMapping` aggregate: which district-level units count as the east (miền Đông) or
//! the west (miền Tây) of the province, as versioned data. The plan uses both words without
//! defining them, so a unit may be explicitly unassigned. Aggregate id = the mapping's name,
//! e.g. `mien-dong-tay` (lowercase ASCII letters, digits and dashes).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::listed::listed_enum;
use crate::rules::Refused;
use crate::text::nfc;

use super::error::ReferenceError;

listed_enum! {
    /// Miền Đông (east) or miền Tây (west) of the province, or explicitly neither.
    pub enum Region {
        East => "mien-dong",
        West => "mien-tay",
        Unassigned => "unassigned",
    }
}

pub type RegionMappingCommand = Command<RegionMappingAction>;

/// What the east/west (miền Đông / miền Tây) region mapping is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RegionMappingAction {
    /// A new version from `valid_from`; units not listed are unassigned.
    DefineVersion {
        valid_from: NaiveDate,
        assignments: BTreeMap<String, Region>,
        basis: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RegionMappingEvent {
    RegionMappingDefined {
        version: u32,
        valid_from: NaiveDate,
        assignments: BTreeMap<String, Region>,
        basis: String,
        effective_date: NaiveDate,
    },
}

listed_enum! {
    pub enum RegionMappingEventType {
        RegionMappingDefined => "RegionMappingDefined",
    }
}

impl RegionMappingEvent {
    pub fn kind(&self) -> RegionMappingEventType {
        match self {
            RegionMappingEvent::RegionMappingDefined { .. } => {
                RegionMappingEventType::RegionMappingDefined
            }
        }
    }
}

impl DomainEvent for RegionMappingEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MappingVersion {
    valid_from: NaiveDate,
    assignments: BTreeMap<String, Region>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionMapping {
    versions: Vec<MappingVersion>,
}

impl RegionMapping {
    /// The region of `unit` on `date`: unassigned when no version or no entry says otherwise.
    pub fn region_of(&self, unit: &str, date: NaiveDate) -> Region {
        self.versions
            .iter()
            .rev()
            .find(|v| v.valid_from <= date)
            .and_then(|v| v.assignments.get(unit).copied())
            .unwrap_or(Region::Unassigned)
    }
}

impl Aggregate for RegionMapping {
    const TYPE: &'static str = "region_mapping";
    type Command = RegionMappingCommand;
    type Event = RegionMappingEvent;
    type Error = Refused<ReferenceError>;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        self.decide_and_write(command, sink)
            .await
            .map_err(|e| Refused::new(date, e))
    }

    fn apply(&mut self, event: Self::Event) {
        let RegionMappingEvent::RegionMappingDefined {
            valid_from,
            assignments,
            ..
        } = event;
        self.versions.push(MappingVersion {
            valid_from,
            assignments,
        });
    }
}

impl RegionMapping {
    /// Decides `command` and writes its events to `sink`.
    async fn decide_and_write(
        &mut self,
        command: RegionMappingCommand,
        sink: &EventSink<Self>,
    ) -> Result<(), ReferenceError> {
        let RegionMappingAction::DefineVersion {
            valid_from,
            assignments,
            basis,
        } = command.action;
        let previous = self.versions.last().map(|v| v.valid_from);
        if previous.is_some_and(|p| valid_from <= p) {
            return Err(ReferenceError::NotAfterPrevious {
                valid_from,
                previous,
            });
        }
        if let Some(bad) = assignments
            .keys()
            .find(|k| k.len() != 3 || !k.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ReferenceError::InvalidId {
                id: bad.clone(),
                reason: "mã huyện 3 chữ số / district codes have 3 digits".into(),
            });
        }
        let version = u32::try_from(self.versions.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let event = RegionMappingEvent::RegionMappingDefined {
            version,
            valid_from,
            assignments,
            basis: nfc(basis.trim()),
            effective_date: command.effective_date,
        };
        sink.write(event, self).await;
        Ok(())
    }
}
