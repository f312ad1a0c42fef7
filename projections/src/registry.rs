//! The registry (sổ đăng ký HTX): one row per cooperative with its current status (NĐ 92/2024
//! Điều 27), address with the unit valid when it was registered and the unit it belongs to
//! now, representative, members, unions and reorganisation lineage; and the administrative
//! units with their mergers.
//!
//! The cooperative's domain state (the `Cooperative` aggregate) is read from the shared state
//! ([`crate::shared`]), so that statuses come from the domain's own rules, never
//! re-implemented.

use chrono::NaiveDate;
use domain::cooperative::{Cooperative, Origin};
use domain::reference::AdministrativeUnitEvent;
use serde::{Deserialize, Serialize};
use store::{Cell, ColumnKind, TableShape};

use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{AnyTable, Row, Table, date, json, opt_date, opt_text, positions, text};
use crate::{Projection, Shared};

/// `registry`: one row per cooperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRow {
    pub code: String,
    /// `htx` or `lien-hiep-htx`.
    pub kind: String,
    pub name: String,
    /// The main sector's stored name (`agriculture`, `fishing`, …); `None` when the
    /// registration recorded none (entries made before the registry recorded sectors).
    pub sector: Option<String>,
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
}

impl Row for RegistryRow {
    const SHAPE: TableShape = TableShape {
        name: "registry",
        columns: &[
            ("code", ColumnKind::Text),
            ("kind", ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("sector", ColumnKind::Text),
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
            text(&self.kind),
            text(&self.name),
            opt_text(self.sector.as_deref()),
            text(&self.status),
            text(&self.status_label_vi),
            Cell::Int(self.status_item),
            opt_date(self.status_since),
            text(&self.address),
            text(&self.address_unit),
            text(&self.current_unit),
            text(&self.representative),
            text(&self.representative_title),
            Cell::Int(self.charter_capital),
            Cell::Int(self.members_official),
            Cell::Int(self.members_associate),
            Cell::Int(self.member_cooperatives),
            json(&self.unions)?,
            text(&self.origin),
            json(&self.predecessors)?,
            json(&self.successors)?,
            json(&self.absorbed)?,
            opt_date(self.registered_on),
            opt_date(self.re_registered_on),
            text(&self.governing_law),
            text(&self.certificate_no),
            json(&self.model_years)?,
            date(self.last_effective_date),
            positions(&self.positions),
        ])
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
        current_unit(&self.units, unit)
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

    fn apply_cooperative(&mut self, event: &ProjectedEvent, shared: &Shared) {
        let Some(state) = shared.cooperative(&event.aggregate_id) else {
            return;
        };
        let units = &self.units;
        if let Some(row) = self.cooperatives.get_mut(&event.aggregate_id) {
            row.positions.push(event.position);
            row.last_effective_date = row.last_effective_date.max(event.effective_date);
            refresh(row, state, units);
            return;
        }
        let Some(code) = state.code().map(|c| c.as_str().to_string()) else {
            return;
        };
        let mut row = RegistryRow {
            code: code.clone(),
            kind: String::new(),
            name: String::new(),
            sector: None,
            status: String::new(),
            status_label_vi: String::new(),
            status_item: 0,
            status_since: None,
            address: String::new(),
            address_unit: String::new(),
            current_unit: String::new(),
            representative: String::new(),
            representative_title: String::new(),
            charter_capital: 0,
            members_official: 0,
            members_associate: 0,
            member_cooperatives: 0,
            unions: Vec::new(),
            origin: String::new(),
            predecessors: Vec::new(),
            successors: Vec::new(),
            absorbed: Vec::new(),
            registered_on: None,
            re_registered_on: None,
            governing_law: String::new(),
            certificate_no: String::new(),
            model_years: Vec::new(),
            last_effective_date: event.effective_date,
            positions: vec![event.position],
        };
        refresh(&mut row, state, units);
        self.cooperatives.upsert(row);
    }
}

/// The unit `unit` belongs to now, following mergers.
fn current_unit(units: &Table<UnitRow>, unit: &str) -> String {
    crate::follow_mergers(unit, |u| {
        units
            .get(&u.to_string())
            .and_then(|row| row.merged_into.clone())
    })
}

/// Sets every column read from the domain state.
fn refresh(row: &mut RegistryRow, state: &Cooperative, units: &Table<UnitRow>) {
    let codes = |list: &[domain::code::CooperativeCode]| {
        list.iter()
            .map(|c| c.as_str().to_string())
            .collect::<Vec<_>>()
    };
    if let Some(kind) = state.kind() {
        row.kind = kind.as_str().to_string();
    }
    if let Some(content) = state.content() {
        row.name.clone_from(&content.name);
        row.sector = content.sector.map(|s| s.as_str().to_string());
        row.address.clone_from(&content.address.text);
        if row.address_unit != content.address.unit || row.current_unit.is_empty() {
            row.address_unit.clone_from(&content.address.unit);
            row.current_unit = current_unit(units, &content.address.unit);
        }
        row.representative.clone_from(&content.representative.name);
        row.representative_title
            .clone_from(&content.representative.title);
        row.charter_capital = content.charter_capital.get();
    }
    if let Some(status) = state.current_status() {
        row.status = status.as_str().to_string();
        row.status_label_vi = status.label_vi().to_string();
        row.status_item = i64::from(status.article_27_item());
    }
    row.status_since = state.status_history().last_change();
    let members = state.latest_members().unwrap_or_default();
    row.members_official = i64::from(members.official);
    row.members_associate = i64::from(members.associate);
    row.member_cooperatives = i64::from(members.member_cooperatives);
    row.unions = state
        .unions()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    if let Some(facts) = state.registration_facts() {
        let origin = match &facts.origin {
            Origin::New => "new",
            Origin::Division { .. } => "division",
            Origin::Separation { .. } => "separation",
            Origin::Consolidation { .. } => "consolidation",
        };
        row.origin = origin.to_string();
        row.predecessors = codes(&facts.origin.predecessors());
        row.registered_on = Some(facts.registered_on);
        row.re_registered_on = facts.re_registered_on;
        row.governing_law = facts.governing_law;
        row.certificate_no = facts.certificate_no;
    }
    row.successors = codes(state.successors());
    row.absorbed = codes(state.absorbed());
    row.model_years = state.model_years().iter().copied().collect();
}

impl Projection for Registry {
    fn name(&self) -> &'static str {
        "registry"
    }

    fn apply(&mut self, event: &ProjectedEvent, shared: &Shared) {
        match &event.event {
            DomainEvent::Cooperative(_) => self.apply_cooperative(event, shared),
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
