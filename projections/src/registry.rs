//! The registry (sổ đăng ký HTX): one row per cooperative with its current status (NĐ 92/2024
//! Điều 27), address with the unit valid when it was registered and the unit it belongs to
//! now, representative, members, unions and reorganisation lineage; and the administrative
//! units with their mergers.
//!
//! Each row keeps the cooperative's domain state (the `Cooperative` aggregate, as JSON) in a
//! hidden column, so that statuses come from the domain's own rules, never re-implemented.

use chrono::NaiveDate;
use cqrs_es::Aggregate;
use domain::cooperative::{Cooperative, CooperativeEvent, Origin};
use domain::reference::AdministrativeUnitEvent;
use serde::{Deserialize, Serialize};
use store::{ColumnKind, TableShape};

use crate::Projection;
use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{AnyTable, Row, Table};

/// `registry`: one row per cooperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRow {
    pub code: String,
    /// `htx` or `lien-hiep-htx`.
    pub kind: String,
    pub name: String,
    /// The status code (`active`, `dissolved`, …) after the latest change.
    pub status: String,
    /// The status as dangkykinhdoanh.gov.vn names it.
    pub status_label_vi: String,
    /// The item of NĐ 92/2024 Điều 27.
    pub status_item: i64,
    pub status_since: Option<NaiveDate>,
    pub address: String,
    /// The district-level unit (GSO code) recorded with the address, valid on its date.
    pub address_unit: String,
    /// The unit the address belongs to now, after mergers (Hoành Bồ 204 → Hạ Long 193).
    pub current_unit: String,
    pub representative: String,
    pub representative_title: String,
    pub charter_capital: i64,
    pub members_official: i64,
    pub members_associate: i64,
    pub member_cooperatives: i64,
    /// The unions (liên hiệp HTX) it belongs to.
    pub unions: Vec<String>,
    /// `new`, `division`, `separation` or `consolidation`.
    pub origin: String,
    pub predecessors: Vec<String>,
    pub successors: Vec<String>,
    pub absorbed: Vec<String>,
    pub registered_on: Option<NaiveDate>,
    pub re_registered_on: Option<NaiveDate>,
    pub governing_law: String,
    pub certificate_no: String,
    pub model_years: Vec<i32>,
    /// The latest effective date among its events.
    pub last_effective_date: NaiveDate,
    /// Every entry that changed this row, by position.
    pub positions: Vec<u64>,
    /// The cooperative's domain state (internal: read the other columns).
    pub state: Cooperative,
}

impl Row for RegistryRow {
    const SHAPE: TableShape = TableShape {
        name: "registry",
        columns: &[
            ("code", ColumnKind::Text),
            ("kind", ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("status", ColumnKind::Text),
            ("status_label_vi", ColumnKind::Text),
            ("status_item", ColumnKind::Int),
            ("status_since", ColumnKind::Text),
            ("address", ColumnKind::Text),
            ("address_unit", ColumnKind::Text),
            ("current_unit", ColumnKind::Text),
            ("representative", ColumnKind::Text),
            ("representative_title", ColumnKind::Text),
            ("charter_capital", ColumnKind::Int),
            ("members_official", ColumnKind::Int),
            ("members_associate", ColumnKind::Int),
            ("member_cooperatives", ColumnKind::Int),
            ("unions", ColumnKind::Json),
            ("origin", ColumnKind::Text),
            ("predecessors", ColumnKind::Json),
            ("successors", ColumnKind::Json),
            ("absorbed", ColumnKind::Json),
            ("registered_on", ColumnKind::Text),
            ("re_registered_on", ColumnKind::Text),
            ("governing_law", ColumnKind::Text),
            ("certificate_no", ColumnKind::Text),
            ("model_years", ColumnKind::Json),
            ("last_effective_date", ColumnKind::Text),
            ("positions", ColumnKind::Json),
            ("state", ColumnKind::Json),
        ],
        key_columns: 1,
    };
    type Key = String;
    fn key(&self) -> String {
        self.code.clone()
    }
}

/// `registry_units`: the district-level (and other) administrative units and their mergers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub parent: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// The last day it existed, when merged or abolished.
    pub last_day: Option<NaiveDate>,
    /// The unit it merged into.
    pub merged_into: Option<String>,
    pub positions: Vec<u64>,
}

impl Row for UnitRow {
    const SHAPE: TableShape = TableShape {
        name: "registry_units",
        columns: &[
            ("code", ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("unit_type", ColumnKind::Text),
            ("parent", ColumnKind::Text),
            ("valid_from", ColumnKind::Text),
            ("last_day", ColumnKind::Text),
            ("merged_into", ColumnKind::Text),
            ("positions", ColumnKind::Json),
        ],
        key_columns: 1,
    };
    type Key = String;
    fn key(&self) -> String {
        self.code.clone()
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    pub cooperatives: Table<RegistryRow>,
    pub units: Table<UnitRow>,
}

impl Registry {
    /// The unit `unit` belongs to now, following mergers.
    pub fn current_unit(&self, unit: &str) -> String {
        let mut current = unit.to_string();
        // A merger chain is short; the bound guards against a cycle in bad data.
        for _ in 0..16 {
            match self.units.get(&current).and_then(|u| u.merged_into.clone()) {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }

    fn apply_unit(&mut self, event: &ProjectedEvent, unit: &AdministrativeUnitEvent) {
        use AdministrativeUnitEvent as E;
        let code = event.aggregate_id.clone();
        match unit {
            E::AdministrativeUnitEstablished {
                code,
                name,
                unit_type,
                parent,
                valid_from,
                ..
            } => {
                self.units.upsert(UnitRow {
                    code: code.clone(),
                    name: name.clone(),
                    unit_type: serde_json::to_value(unit_type)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    parent: parent.clone(),
                    valid_from: *valid_from,
                    last_day: None,
                    merged_into: None,
                    positions: vec![event.position],
                });
            }
            E::AdministrativeUnitReclassified {
                name, unit_type, ..
            } => {
                if let Some(row) = self.units.get_mut(&code) {
                    row.name = name.clone();
                    row.unit_type = serde_json::to_value(unit_type)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    row.positions.push(event.position);
                }
            }
            E::AdministrativeUnitMerged { into, last_day, .. } => {
                if let Some(row) = self.units.get_mut(&code) {
                    row.merged_into = Some(into.clone());
                    row.last_day = Some(*last_day);
                    row.positions.push(event.position);
                }
                // Every cooperative whose address was in the merged unit now belongs to the
                // absorbing one; its recorded address unit stays as registered.
                let moved: Vec<String> = self
                    .cooperatives
                    .iter()
                    .filter(|r| r.current_unit == code)
                    .map(|r| r.code.clone())
                    .collect();
                for key in moved {
                    if let Some(row) = self.cooperatives.get_mut(&key) {
                        row.current_unit = into.clone();
                        row.positions.push(event.position);
                    }
                }
            }
            E::AdministrativeUnitExtended { .. } => {
                if let Some(row) = self.units.get_mut(&code) {
                    row.positions.push(event.position);
                }
            }
            E::AdministrativeUnitAbolished { last_day, .. } => {
                if let Some(row) = self.units.get_mut(&code) {
                    row.last_day = Some(*last_day);
                    row.positions.push(event.position);
                }
            }
        }
    }

    fn apply_cooperative(&mut self, event: &ProjectedEvent, cooperative: &CooperativeEvent) {
        let code = event.aggregate_id.clone();
        let mut state = match self.cooperatives.get(&code) {
            Some(row) => row.state.clone(),
            None => Cooperative::default(),
        };
        state.apply(cooperative.clone());
        let Some(row) = self.row_from(&state, event) else {
            return;
        };
        self.cooperatives.upsert(row);
    }

    fn row_from(&self, state: &Cooperative, event: &ProjectedEvent) -> Option<RegistryRow> {
        let code = state.code()?.as_str().to_string();
        let content = state.content()?;
        let facts = state.registration_facts()?;
        let status = state.current_status()?;
        let previous = self.cooperatives.get(&code);
        let mut positions = previous.map(|r| r.positions.clone()).unwrap_or_default();
        positions.push(event.position);
        let members = state.latest_members().unwrap_or_default();
        let (origin, predecessors) = match &facts.origin {
            Origin::New => ("new", Vec::new()),
            Origin::Division { .. } => ("division", facts.origin.predecessors()),
            Origin::Separation { .. } => ("separation", facts.origin.predecessors()),
            Origin::Consolidation { .. } => ("consolidation", facts.origin.predecessors()),
        };
        let codes = |list: &[domain::code::CooperativeCode]| {
            list.iter()
                .map(|c| c.as_str().to_string())
                .collect::<Vec<_>>()
        };
        Some(RegistryRow {
            code: code.clone(),
            kind: state.kind()?.as_str().to_string(),
            name: content.name.clone(),
            status: status.as_str().to_string(),
            status_label_vi: status.label_vi().to_string(),
            status_item: i64::from(status.article_27_item()),
            status_since: state.status_history().last_change(),
            address: content.address.text.clone(),
            address_unit: content.address.unit.clone(),
            current_unit: self.current_unit(&content.address.unit),
            representative: content.representative.name.clone(),
            representative_title: content.representative.title.clone(),
            charter_capital: content.charter_capital.get(),
            members_official: i64::from(members.official),
            members_associate: i64::from(members.associate),
            member_cooperatives: i64::from(members.member_cooperatives),
            unions: state
                .unions()
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            origin: origin.to_string(),
            predecessors: codes(&predecessors),
            successors: codes(state.successors()),
            absorbed: codes(state.absorbed()),
            registered_on: Some(facts.registered_on),
            re_registered_on: facts.re_registered_on,
            governing_law: facts.governing_law,
            certificate_no: facts.certificate_no,
            model_years: state.model_years().iter().copied().collect(),
            last_effective_date: previous.map_or(event.effective_date, |r| {
                r.last_effective_date.max(event.effective_date)
            }),
            positions,
            state: state.clone(),
        })
    }
}

impl Projection for Registry {
    fn name(&self) -> &'static str {
        "registry"
    }

    fn apply(&mut self, event: &ProjectedEvent) {
        match &event.event {
            DomainEvent::Cooperative(e) => self.apply_cooperative(event, e),
            DomainEvent::AdministrativeUnit(e) => self.apply_unit(event, e),
            _ => {}
        }
    }

    fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.cooperatives, &self.units]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.cooperatives, &mut self.units]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
