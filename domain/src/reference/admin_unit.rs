//! The `AdministrativeUnit` aggregate: a province, district-level or commune-level unit with
//! its names and types over time. Aggregate id = the GSO code (`193` Hạ Long). Units are never
//! rewritten: a merger ends one unit (the day before the merger) and extends another.

use chrono::{Days, NaiveDate};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::listed::listed_enum;
use crate::rules::Refused;
use crate::text::nfc;

use super::admin_unit_event::{
    AdministrativeUnitAction, AdministrativeUnitCommand, AdministrativeUnitEvent,
};
use super::error::ReferenceError;

listed_enum! {
    /// Loại đơn vị hành chính.
    pub enum UnitType {
        Province => "tinh",
        City => "thanh-pho",
        Town => "thi-xa",
        District => "huyen",
        Ward => "phuong",
        Township => "thi-tran",
        Commune => "xa",
        SpecialZone => "dac-khu",
    }
}

/// A unit as it stood on a date (see [`crate::services::GeographyLookup`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSnapshot {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Naming {
    from: Option<NaiveDate>,
    name: String,
    unit_type: UnitType,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdministrativeUnit {
    code: String,
    parent: Option<String>,
    namings: Vec<Naming>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    merged_into: Option<String>,
    absorbed: Vec<String>,
}

impl AdministrativeUnit {
    /// The answer to [`crate::services::GeographyLookup::unit_on`].
    pub fn snapshot_on(&self, date: NaiveDate) -> Option<UnitSnapshot> {
        let valid =
            self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t);
        let naming = self
            .namings
            .iter()
            .rev()
            .find(|n| n.from.is_none_or(|f| f <= date))?;
        valid.then(|| UnitSnapshot {
            code: self.code.clone(),
            name: naming.name.clone(),
            unit_type: naming.unit_type,
            parent: self.parent.clone(),
        })
    }

    pub fn merged_into(&self) -> Option<&str> {
        self.merged_into.as_deref()
    }

    pub fn absorbed(&self) -> &[String] {
        &self.absorbed
    }

    fn decide(
        &self,
        command: AdministrativeUnitCommand,
    ) -> Result<AdministrativeUnitEvent, ReferenceError> {
        use AdministrativeUnitAction as A;
        use AdministrativeUnitEvent as E;
        let effective_date = command.effective_date;
        if let A::Establish {
            code,
            name,
            unit_type,
            parent,
            valid_from,
        } = command.action
        {
            if !self.namings.is_empty() {
                return Err(ReferenceError::AlreadyRecorded {
                    id: self.code.clone(),
                });
            }
            check_code(&code)?;
            if let Some(parent) = &parent {
                check_code(parent)?;
            }
            return Ok(E::AdministrativeUnitEstablished {
                code,
                name: nfc(name.trim()),
                unit_type,
                parent,
                valid_from,
                effective_date,
            });
        }
        let last = self.namings.last().ok_or(ReferenceError::NotRecorded)?;
        if let Some(last_day) = self.valid_to {
            return Err(ReferenceError::AlreadyEnded { last_day });
        }
        let latest = last.from.max(self.valid_from);
        if latest.is_some_and(|l| effective_date <= l) {
            return Err(ReferenceError::NotAfterPrevious {
                valid_from: effective_date,
                previous: latest,
            });
        }
        let last_day = effective_date - Days::new(1);
        Ok(match command.action {
            A::Reclassify {
                name,
                unit_type,
                basis,
            } => E::AdministrativeUnitReclassified {
                name: nfc(name.trim()),
                unit_type,
                basis,
                effective_date,
            },
            A::MergeInto { into, basis } => {
                check_code(&into)?;
                if into == self.code {
                    return Err(ReferenceError::InvalidId {
                        id: into,
                        reason: "sáp nhập vào chính nó / merged into itself".into(),
                    });
                }
                E::AdministrativeUnitMerged {
                    into,
                    last_day,
                    basis,
                    effective_date,
                }
            }
            A::Absorb { absorbed, basis } => {
                check_code(&absorbed)?;
                if absorbed == self.code {
                    return Err(ReferenceError::InvalidId {
                        id: absorbed,
                        reason: "tự sáp nhập / absorbs itself".into(),
                    });
                }
                E::AdministrativeUnitExtended {
                    absorbed,
                    basis,
                    effective_date,
                }
            }
            A::Abolish { basis } => E::AdministrativeUnitAbolished {
                last_day,
                basis,
                effective_date,
            },
            A::Establish { .. } => unreachable!("handled above"),
        })
    }
}

/// GSO codes are 2 (province), 3 (district) or 5 (commune) digits.
fn check_code(code: &str) -> Result<(), ReferenceError> {
    let ok = matches!(code.len(), 2 | 3 | 5) && code.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ReferenceError::InvalidId {
            id: code.to_string(),
            reason: "mã GSO 2, 3 hoặc 5 chữ số / GSO codes have 2, 3 or 5 digits".into(),
        })
    }
}

impl Aggregate for AdministrativeUnit {
    const TYPE: &'static str = "administrative_unit";
    type Command = AdministrativeUnitCommand;
    type Event = AdministrativeUnitEvent;
    type Error = Refused<ReferenceError>;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let event = self.decide(command).map_err(|e| Refused::new(date, e))?;
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        use AdministrativeUnitEvent as E;
        match event {
            E::AdministrativeUnitEstablished {
                code,
                name,
                unit_type,
                parent,
                valid_from,
                ..
            } => {
                self.code = code;
                self.parent = parent;
                self.valid_from = valid_from;
                self.namings.push(Naming {
                    from: valid_from,
                    name,
                    unit_type,
                });
            }
            E::AdministrativeUnitReclassified {
                name,
                unit_type,
                effective_date,
                ..
            } => {
                self.namings.push(Naming {
                    from: Some(effective_date),
                    name,
                    unit_type,
                });
            }
            E::AdministrativeUnitMerged { into, last_day, .. } => {
                self.merged_into = Some(into);
                self.valid_to = Some(last_day);
            }
            E::AdministrativeUnitExtended { absorbed, .. } => self.absorbed.push(absorbed),
            E::AdministrativeUnitAbolished { last_day, .. } => self.valid_to = Some(last_day),
        }
    }
}
