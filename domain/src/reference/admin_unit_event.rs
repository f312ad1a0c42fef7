//! What an administrative unit is asked to record, and what it records.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::document::DocumentNumber;
use crate::listed::listed_enum;

use super::admin_unit::UnitType;

pub type AdministrativeUnitCommand = Command<AdministrativeUnitAction>;

/// What one administrative unit (đơn vị hành chính, by GSO code) is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AdministrativeUnitAction {
    /// `valid_from: None`: in existence before the ledger's records begin.
    Establish {
        code: String,
        name: String,
        unit_type: UnitType,
        parent: Option<String>,
        valid_from: Option<NaiveDate>,
    },
    /// A new name or type from the effective date (e.g. thị xã -> thành phố).
    Reclassify {
        name: String,
        unit_type: UnitType,
        basis: DocumentNumber,
    },
    /// Merged into `into` on the effective date; the last day is the day before.
    MergeInto { into: String, basis: DocumentNumber },
    /// Takes over `absorbed` on the effective date.
    Absorb {
        absorbed: String,
        basis: DocumentNumber,
    },
    /// The unit (or its whole level) ends on the effective date's eve.
    Abolish { basis: DocumentNumber },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AdministrativeUnitEvent {
    AdministrativeUnitEstablished {
        code: String,
        name: String,
        unit_type: UnitType,
        parent: Option<String>,
        valid_from: Option<NaiveDate>,
        effective_date: NaiveDate,
    },
    AdministrativeUnitReclassified {
        name: String,
        unit_type: UnitType,
        basis: DocumentNumber,
        effective_date: NaiveDate,
    },
    AdministrativeUnitMerged {
        into: String,
        last_day: NaiveDate,
        basis: DocumentNumber,
        effective_date: NaiveDate,
    },
    AdministrativeUnitExtended {
        absorbed: String,
        basis: DocumentNumber,
        effective_date: NaiveDate,
    },
    AdministrativeUnitAbolished {
        last_day: NaiveDate,
        basis: DocumentNumber,
        effective_date: NaiveDate,
    },
}

listed_enum! {
    pub enum AdministrativeUnitEventType {
        AdministrativeUnitEstablished => "AdministrativeUnitEstablished",
        AdministrativeUnitReclassified => "AdministrativeUnitReclassified",
        AdministrativeUnitMerged => "AdministrativeUnitMerged",
        AdministrativeUnitExtended => "AdministrativeUnitExtended",
        AdministrativeUnitAbolished => "AdministrativeUnitAbolished",
    }
}

impl AdministrativeUnitEvent {
    pub fn kind(&self) -> AdministrativeUnitEventType {
        use AdministrativeUnitEvent as E;
        use AdministrativeUnitEventType as T;
        match self {
            E::AdministrativeUnitEstablished { .. } => T::AdministrativeUnitEstablished,
            E::AdministrativeUnitReclassified { .. } => T::AdministrativeUnitReclassified,
            E::AdministrativeUnitMerged { .. } => T::AdministrativeUnitMerged,
            E::AdministrativeUnitExtended { .. } => T::AdministrativeUnitExtended,
            E::AdministrativeUnitAbolished { .. } => T::AdministrativeUnitAbolished,
        }
    }
}

impl DomainEvent for AdministrativeUnitEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
