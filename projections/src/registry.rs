//! The registry (sổ đăng ký HTX): one row per cooperative with its current status (NĐ 92/2024
//! Điều 27), address with the unit valid when it was registered and the unit it belongs to
//! now, representative, members, unions and reorganisation lineage; and the administrative
//! units with their mergers.
//!
//! The cooperative's domain state (the `Cooperative` aggregate) is read from the shared state
//! ([`crate::shared`]), so that statuses come from the domain's own rules, never
//! re-implemented.
//!
//! A row is keyed by the code the registration names, and followed by the aggregate that
//! registered the code first (whatever its aggregate id). A later registration of the same
//! code by another aggregate (REG-01, possible only in ledgers written before the command side
//! refused it) never touches that row: it and its aggregate's later events are kept in
//! `registry_duplicate_registrations`, one finding row per duplicate registration.

use chrono::NaiveDate;
use domain::cooperative::{Cooperative, CooperativeKind, CooperativeStatus, Origin};
use domain::reference::{AdministrativeUnitEvent, UnitType};
use domain::rules::RuleCode;
use serde::{Deserialize, Serialize};
use store::{Cell, ColumnKind, TableShape};

use crate::event::{DomainEvent, ProjectedEvent};
use crate::shared::Duplicate;
use crate::table::{AnyTable, Row, Table, date, json, opt_date, opt_text, positions, text};
use crate::{Projection, Shared};

/// `registry`: one row per cooperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRow {
    pub code: String,
    /// `htx` or `lien-hiep-htx`.
    pub kind: CooperativeKind,
    pub name: String,
    /// The main sector's stored name (`agriculture`, `fishing`, …); `None` when the
    /// registration recorded none (entries made before the registry recorded sectors).
    pub sector: Option<String>,
    /// The status (`active`, `dissolved`, …) after the latest change.
    pub status: CooperativeStatus,
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
    pub origin: OriginKind,
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
            text(self.kind.as_str()),
            text(&self.name),
            opt_text(self.sector.as_deref()),
            text(self.status.as_str()),
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
            text(self.origin.as_str()),
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

domain::text_enum! {
    /// How a cooperative came to be, as the registry's `origin` column names it: the kind of
    /// its registration's [`Origin`], without the predecessors (the column `predecessors`).
    pub enum OriginKind {
        New => "new",
        Division => "division",
        Separation => "separation",
        Consolidation => "consolidation",
    }
}

impl OriginKind {
    /// The kind of a registration's origin.
    pub fn of(origin: &Origin) -> OriginKind {
        match origin {
            Origin::New => OriginKind::New,
            Origin::Division { .. } => OriginKind::Division,
            Origin::Separation { .. } => OriginKind::Separation,
            Origin::Consolidation { .. } => OriginKind::Consolidation,
        }
    }
}

/// `registry_units`: the district-level (and other) administrative units and their mergers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    /// `huyen`, `thanh-pho`, `xa`, … (the domain's `UnitType`).
    pub unit_type: UnitType,
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

/// `registry_duplicate_registrations`: one row per registration of a cooperative code that
/// another aggregate registered first (rule REG-01: a code is never reused). The first
/// registration keeps the `registry` row; this row keeps the duplicate, so that neither
/// disappears, and names both entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateRegistrationRow {
    /// The code both registrations name.
    pub code: String,
    /// The position of the duplicate registration.
    pub duplicate_position: u64,
    /// The aggregate that recorded the duplicate.
    pub duplicate_aggregate_id: String,
    /// The aggregate whose registration of the code came first and holds its `registry` row.
    pub first_aggregate_id: String,
    /// The position of that first registration.
    pub first_position: u64,
    /// `REG-01`.
    pub rule: String,
    /// The rule's name, Vietnamese / English.
    pub rule_name: String,
    /// The rule's legal basis in force on the duplicate registration's legal date.
    pub legal_basis: String,
    /// `htx` or `lien-hiep-htx`, as the duplicate registered it.
    pub kind: CooperativeKind,
    /// The name the duplicate registration recorded.
    pub name: String,
    /// The duplicate registration's effective (legal) date.
    pub effective_date: NaiveDate,
    /// The day (Asia/Ho_Chi_Minh) the ledger recorded it.
    pub recorded_on: NaiveDate,
    /// Who recorded it (user id).
    pub actor: String,
    /// The duplicate aggregate's status after its latest event.
    pub status: CooperativeStatus,
    /// The latest effective date among the duplicate aggregate's events.
    pub last_effective_date: NaiveDate,
    /// Every entry of the duplicate aggregate from its registration on, by position.
    pub positions: Vec<u64>,
}

impl Row for DuplicateRegistrationRow {
    const SHAPE: TableShape = TableShape {
        name: "registry_duplicate_registrations",
        columns: &[
            ("code", ColumnKind::Text),
            ("duplicate_position", ColumnKind::Int),
            ("duplicate_aggregate_id", ColumnKind::Text),
            ("first_aggregate_id", ColumnKind::Text),
            ("first_position", ColumnKind::Int),
            ("rule", ColumnKind::Text),
            ("rule_name", ColumnKind::Text),
            ("legal_basis", ColumnKind::Text),
            ("kind", ColumnKind::Text),
            ("name", ColumnKind::Text),
            ("effective_date", ColumnKind::Text),
            ("recorded_on", ColumnKind::Text),
            ("actor", ColumnKind::Text),
            ("status", ColumnKind::Text),
            ("last_effective_date", ColumnKind::Text),
            ("positions", ColumnKind::Json),
        ],
        key_columns: 2,
    };
    type Key = (String, u64);
    fn key(&self) -> Self::Key {
        (self.code.clone(), self.duplicate_position)
    }
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        Some(vec![
            text(&self.code),
            Cell::Int(i64::try_from(self.duplicate_position).ok()?),
            text(&self.duplicate_aggregate_id),
            text(&self.first_aggregate_id),
            Cell::Int(i64::try_from(self.first_position).ok()?),
            text(&self.rule),
            text(&self.rule_name),
            text(&self.legal_basis),
            text(self.kind.as_str()),
            text(&self.name),
            date(self.effective_date),
            date(self.recorded_on),
            text(&self.actor),
            text(self.status.as_str()),
            date(self.last_effective_date),
            positions(&self.positions),
        ])
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    pub cooperatives: Table<RegistryRow>,
    pub units: Table<UnitRow>,
    /// The REG-01 findings: registrations of a code another aggregate registered first.
    pub duplicates: Table<DuplicateRegistrationRow>,
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
                    unit_type: *unit_type,
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
                    row.unit_type = *unit_type;
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
        let id = &event.aggregate_id;
        let Some(state) = shared.cooperative(id) else {
            return;
        };
        if let Some(duplicate) = shared.duplicate(id) {
            self.apply_duplicate(event, state, duplicate);
            return;
        }
        let Some(code) = state.code().map(|c| c.as_str()) else {
            return;
        };
        let units = &self.units;
        // The row of the code this aggregate registered first (the aggregate id is the code
        // but for registrations recorded under another id).
        let found = if code == id.as_str() {
            self.cooperatives.get_mut(id)
        } else {
            self.cooperatives.get_mut(&code.to_string())
        };
        if let Some(row) = found {
            row.positions.push(event.position);
            row.last_effective_date = row.last_effective_date.max(event.effective_date);
            refresh(row, state, units);
            return;
        }
        // A registered cooperative has both from its registration on.
        let (Some(kind), Some(status)) = (state.kind(), state.current_status()) else {
            return;
        };
        let code = code.to_string();
        let mut row = RegistryRow {
            code: code.clone(),
            kind,
            name: String::new(),
            sector: None,
            status,
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
            origin: OriginKind::New,
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

    /// An event of an aggregate whose registration duplicates a code registered first by
    /// another: its finding row, made at the registration and kept current after, never the
    /// code's `registry` row.
    fn apply_duplicate(&mut self, event: &ProjectedEvent, state: &Cooperative, d: &Duplicate) {
        // A registered cooperative has both from its registration on.
        let (Some(kind), Some(status)) = (state.kind(), state.current_status()) else {
            return;
        };
        let key = (d.code.clone(), d.position);
        let row = self.duplicates.entry(key, || {
            let rule = RuleCode::Reg01;
            let (vi, en) = rule.name();
            DuplicateRegistrationRow {
                code: d.code.clone(),
                duplicate_position: d.position,
                duplicate_aggregate_id: event.aggregate_id.clone(),
                first_aggregate_id: d.first.aggregate_id.clone(),
                first_position: d.first.position,
                rule: rule.as_str().to_string(),
                rule_name: format!("{vi} / {en}"),
                // Judged on the duplicate registration's legal date.
                legal_basis: rule
                    .legal_basis_on(
                        state
                            .registration_facts()
                            .map_or(event.effective_date, |f| f.registered_on),
                    )
                    .to_string(),
                kind,
                name: state.content().map(|c| c.name.clone()).unwrap_or_default(),
                effective_date: state
                    .registration_facts()
                    .map_or(event.effective_date, |f| f.registered_on),
                recorded_on: event.recorded_on(),
                actor: event.actor.user_id.clone(),
                status,
                last_effective_date: event.effective_date,
                positions: Vec::new(),
            }
        });
        row.positions.push(event.position);
        row.last_effective_date = row.last_effective_date.max(event.effective_date);
        row.status = status;
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
        row.kind = kind;
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
        row.status = status;
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
        row.origin = OriginKind::of(&facts.origin);
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
        vec![&self.cooperatives, &self.units, &self.duplicates]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![
            &mut self.cooperatives,
            &mut self.units,
            &mut self.duplicates,
        ]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use domain::code::CooperativeCode;

    use super::*;
    use crate::dissolution::DissolutionProgress;
    use crate::plan_progress::PlanProgress;
    use crate::table::assert_direct_cells;
    use crate::{ProjectionSet, event};

    /// The `n`-th valid cooperative code with the prefix 570088.
    fn code(n: u32) -> String {
        (0..)
            .map(|k| format!("570088{:03}", n * 10 + k))
            .find_map(|prefix| CooperativeCode::complete(&prefix))
            .expect("a valid check digit within ten tries")
            .as_str()
            .to_string()
    }

    fn entry(
        position: u64,
        aggregate_id: &str,
        date: &str,
        event_type: &str,
        payload: &str,
    ) -> ProjectedEvent {
        let json = format!(
            r#"{{"aggregate_id":"{aggregate_id}","aggregate_type":"cooperative","event_type":"{event_type}","event_version":"1","metadata":{{"actor":{{"agency":"PTCKH-205","role":"clerk","user_id":"can.bo.dang.ky"}},"effective_date":"{date}"}},"payload":{{"{event_type}":{payload}}},"position":{position},"prev_hash":"00","recorded_at":"2021-01-04T03:00:00Z","sequence":1}}"#
        );
        event::decode(json.as_bytes(), position).expect("a test entry")
    }

    fn registered(
        position: u64,
        aggregate_id: &str,
        code: &str,
        date: &str,
        name: &str,
    ) -> ProjectedEvent {
        let payload = format!(
            r#"{{"certificate_no":"GCN-{position}","code":"{code}","content":{{"address":{{"text":"Thôn Đông","unit":"205"}},"charter_capital":500000000,"name":"{name}","representative":{{"name":"Nguyễn Văn An","title":"Giám đốc"}}}},"effective_date":"{date}","governing_law":"Luật HTX 2012","kind":"htx","legacy_reg_no":null,"members":{{"associate":0,"member_cooperatives":0,"official":9}},"origin":"New"}}"#
        );
        entry(
            position,
            aggregate_id,
            date,
            "CooperativeRegistered",
            &payload,
        )
    }

    fn members(position: u64, aggregate_id: &str, date: &str, official: u32) -> ProjectedEvent {
        let payload = format!(
            r#"{{"effective_date":"{date}","members":{{"associate":0,"member_cooperatives":0,"official":{official}}}}}"#
        );
        entry(position, aggregate_id, date, "MembershipRecorded", &payload)
    }

    fn renamed(position: u64, aggregate_id: &str, date: &str, name: &str) -> ProjectedEvent {
        let payload = format!(
            r#"{{"change":{{"Name":"{name}"}},"decided_on":"{date}","effective_date":"{date}"}}"#
        );
        entry(
            position,
            aggregate_id,
            date,
            "RegistrationContentChanged",
            &payload,
        )
    }

    fn suspended(position: u64, aggregate_id: &str, date: &str, until: &str) -> ProjectedEvent {
        let payload = format!(r#"{{"effective_date":"{date}","until":"{until}"}}"#);
        entry(position, aggregate_id, date, "BusinessSuspended", &payload)
    }

    fn fold(events: &[ProjectedEvent]) -> ProjectionSet {
        let mut set = ProjectionSet::new();
        for event in events {
            set.apply(event);
        }
        set.settle();
        set
    }

    /// Aggregate `code(1)` registers its code in 2017; aggregate `code(2)` registers the same
    /// code (dated 2012, before the 2012 Law took effect) past the command side; then both
    /// record more events.
    fn duplicate_scenario() -> Vec<ProjectedEvent> {
        let (first, other) = (code(1), code(2));
        vec![
            registered(0, &first, &first, "2017-03-01", "HTX Rau sạch Đông Triều"),
            registered(1, &other, &first, "2012-05-01", "HTX Thuỷ sản Quảng Yên"),
            members(2, &first, "2017-06-01", 12),
            renamed(3, &other, "2017-07-01", "HTX Thuỷ sản Yên Hưng"),
            members(4, &other, "2017-08-01", 30),
            suspended(5, &other, "2017-09-01", "2018-03-01"),
            renamed(6, &first, "2017-10-01", "HTX Nông nghiệp Đông Triều"),
        ]
    }

    #[test]
    fn a_duplicate_registration_never_changes_the_first_registrations_row() {
        let set = fold(&duplicate_scenario());
        let registry = set.get::<Registry>().expect("registry");
        let first = code(1);

        // The code's row follows its first registration, and only it.
        assert_eq!(registry.cooperatives.len(), 1);
        let row = registry
            .cooperatives
            .get(&first)
            .expect("the first registration's row");
        assert_eq!(row.name, "HTX Nông nghiệp Đông Triều");
        assert_eq!(row.members_official, 12);
        assert_eq!(row.status, "active");
        assert_eq!(row.registered_on, NaiveDate::from_ymd_opt(2017, 3, 1));
        assert_eq!(row.positions, vec![0, 2, 6]);

        // The duplicate is a finding naming both registrations, kept current by its events.
        assert_eq!(registry.duplicates.len(), 1);
        let finding = registry
            .duplicates
            .get(&(first.clone(), 1))
            .expect("the duplicate's finding");
        assert_eq!(finding.code, first);
        assert_eq!(finding.first_aggregate_id, first);
        assert_eq!(finding.first_position, 0);
        assert_eq!(finding.duplicate_aggregate_id, code(2));
        assert_eq!(finding.duplicate_position, 1);
        assert_eq!(
            finding.name, "HTX Thuỷ sản Quảng Yên",
            "the name it registered"
        );
        assert_eq!(
            finding.effective_date,
            NaiveDate::from_ymd_opt(2012, 5, 1).unwrap()
        );
        assert_eq!(finding.rule, "REG-01");
        assert!(
            finding.rule_name.contains("không dùng lại"),
            "{}",
            finding.rule_name
        );
        assert!(
            finding.rule_name.contains("never reused"),
            "{}",
            finding.rule_name
        );
        assert_eq!(
            finding.legal_basis,
            RuleCode::Reg01.legal_basis_on(finding.effective_date)
        );
        assert_eq!(finding.status, "suspended");
        assert_eq!(
            finding.last_effective_date,
            NaiveDate::from_ymd_opt(2017, 9, 1).unwrap()
        );
        assert_eq!(finding.positions, vec![1, 3, 4, 5]);
        assert_eq!(finding.actor, "can.bo.dang.ky");
        registry.duplicates.iter().for_each(assert_direct_cells);
        registry.cooperatives.iter().for_each(assert_direct_cells);
    }

    /// The other projections that read the cooperatives follow the first registration too:
    /// the duplicate (registered "in 2012") neither enters the dissolution pipeline under its
    /// own id nor counts a second time in the plan.
    #[test]
    fn a_duplicate_registration_is_neither_folded_nor_counted_by_the_other_projections() {
        let set = fold(&duplicate_scenario());
        let first = code(1);
        let dissolution = set.get::<DissolutionProgress>().expect("dissolution");
        assert_eq!(
            dissolution.rows.len(),
            0,
            "registered 2017: not in the pipeline"
        );
        let plan = set.get::<PlanProgress>().expect("plan");
        let subjects: Vec<&str> = plan
            .sources
            .iter()
            .filter(|r| r.subject.starts_with("cooperative:"))
            .map(|r| r.subject.as_str())
            .collect();
        assert!(!subjects.is_empty());
        assert!(
            subjects
                .iter()
                .all(|s| *s == format!("cooperative:{first}")),
            "{subjects:?}"
        );
        let figure = |measure: &str| {
            plan.sources
                .iter()
                .filter(|r| r.year == 2017 && r.measure == measure)
                .map(|r| r.value)
                .sum::<i64>()
        };
        assert_eq!(figure("new_registrations"), 1);
        assert_eq!(figure("cooperatives_year_end"), 1);
    }

    /// A first registration recorded under an aggregate id other than its code: its row is
    /// keyed by the code, its later events still find it, and a registration of the code by
    /// the aggregate whose id it is comes second.
    #[test]
    fn a_first_registration_under_a_foreign_aggregate_id_keeps_its_row() {
        let (foreign, registered_code) = (code(3), code(4));
        let events = vec![
            registered(
                0,
                &foreign,
                &registered_code,
                "2012-04-02",
                "HTX Chè Hoành Bồ",
            ),
            members(1, &foreign, "2016-02-01", 11),
            registered(
                2,
                &registered_code,
                &registered_code,
                "2018-01-15",
                "HTX Dược liệu",
            ),
            members(3, &registered_code, "2018-02-01", 40),
            members(4, &foreign, "2018-03-01", 13),
        ];
        let set = fold(&events);
        let registry = set.get::<Registry>().expect("registry");
        assert_eq!(registry.cooperatives.len(), 1);
        let row = registry
            .cooperatives
            .get(&registered_code)
            .expect("its row");
        assert_eq!(row.name, "HTX Chè Hoành Bồ");
        assert_eq!(row.members_official, 13);
        assert_eq!(row.positions, vec![0, 1, 4]);
        assert!(registry.cooperatives.get(&foreign).is_none());
        let finding = registry
            .duplicates
            .get(&(registered_code.clone(), 2))
            .expect("the second registration's finding");
        assert_eq!(
            (finding.first_aggregate_id.as_str(), finding.first_position),
            (foreign.as_str(), 0)
        );
        assert_eq!(finding.duplicate_aggregate_id, registered_code);
        assert_eq!(finding.positions, vec![2, 3]);
        // The dissolution pipeline (registered before 01/7/2013) and the plan name the code.
        let dissolution = set.get::<DissolutionProgress>().expect("dissolution");
        assert_eq!(
            dissolution
                .rows
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            vec![registered_code.as_str()]
        );
        let plan = set.get::<PlanProgress>().expect("plan");
        assert!(
            plan.sources
                .iter()
                .filter(|r| r.subject.starts_with("cooperative:"))
                .all(|r| r.subject == format!("cooperative:{registered_code}"))
        );
    }

    /// The `kind`, `status`, `origin` and `unit_type` columns' text is what it was when they
    /// were strings (`kind`, `status` and `unit_type` are the domain's enums).
    #[test]
    fn the_registrys_enums_write_and_read_the_stored_text() {
        testing::assert_stored_text(
            CooperativeKind::ALL,
            CooperativeKind::as_str,
            &["htx", "lien-hiep-htx"],
        );
        testing::assert_stored_text(
            CooperativeStatus::ALL,
            CooperativeStatus::as_str,
            &[
                "active",
                "suspended",
                "revoked-for-tax-enforcement",
                "dissolving",
                "being-divided",
                "being-consolidated",
                "being-absorbed",
                "in-bankruptcy",
                "dissolved",
                "bankrupt",
                "ceased",
                "not-operating-at-registered-address",
            ],
        );
        testing::assert_stored_text(
            OriginKind::ALL,
            OriginKind::as_str,
            &["new", "division", "separation", "consolidation"],
        );
        testing::assert_stored_text(
            UnitType::ALL,
            UnitType::as_str,
            &[
                "tinh",
                "thanh-pho",
                "thi-xa",
                "huyen",
                "phuong",
                "thi-tran",
                "xa",
                "dac-khu",
            ],
        );
    }

    /// The projector reloads the stored tables and refolds the shared state from the
    /// cooperative entries below its checkpoint: folding on from there gives what one fold
    /// does, the duplicate's later events included.
    #[test]
    fn reloading_the_tables_and_refolding_the_shared_state_continues_the_same_fold() {
        let events = duplicate_scenario();
        let whole = fold(&events);
        for cut in 1..events.len() {
            let part = fold(&events[..cut]);
            let mut reloaded = ProjectionSet::new();
            for (table, stored) in reloaded.tables_mut().into_iter().zip(part.tables()) {
                table.load(stored.all_cells().unwrap()).unwrap();
            }
            let mut shared = Shared::default();
            events[..cut].iter().for_each(|e| shared.apply(e));
            reloaded.shared = shared;
            for event in &events[cut..] {
                reloaded.apply(event);
            }
            reloaded.settle();
            assert_eq!(
                reloaded.digests().unwrap(),
                whole.digests().unwrap(),
                "reloaded after {cut} entries"
            );
        }
    }

    // -----------------------------------------------------------------------------------
    // Every event type the registry folds, through `testing::given`.

    use crate::testing::{self, cooperative as c, day, unit};
    use domain::cooperative::{ContentChange, DissolutionMode, FindingGround, ReorganisationKind};

    /// Every event type the registry folds, with the test that feeds it.
    const FOLDED: &[(&str, &str, fn())] = &[
        (
            "cooperative",
            "CooperativeRegistered",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "CooperativeReRegistered",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "RegistrationContentChanged",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "RegistrationRecordCorrected",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "MembershipRecorded",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "GeneralMeetingHeld",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "AnnualInformationSubmitted",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "ModelCooperativeDesignated",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "OcopProductRated",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "ComplianceFindingRaised",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "InactivityDetected",
            registration_and_records_fill_the_row,
        ),
        (
            "cooperative",
            "BusinessSuspended",
            statuses_follow_suspension_and_the_address,
        ),
        (
            "cooperative",
            "BusinessResumed",
            statuses_follow_suspension_and_the_address,
        ),
        (
            "cooperative",
            "NotOperatingAtAddressMarked",
            statuses_follow_suspension_and_the_address,
        ),
        (
            "cooperative",
            "NotOperatingAtAddressCleared",
            statuses_follow_suspension_and_the_address,
        ),
        (
            "cooperative",
            "CertificateRevoked",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "RevocationAnnulled",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "VoluntaryDissolutionResolved",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "DissolutionResolutionCancelled",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "CompulsoryDissolutionDecided",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "DissolutionPublished",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "CooperativeDissolved",
            statuses_follow_revocation_and_dissolution,
        ),
        (
            "cooperative",
            "BankruptcyOpened",
            statuses_follow_bankruptcy,
        ),
        (
            "cooperative",
            "BankruptcyDeclared",
            statuses_follow_bankruptcy,
        ),
        (
            "cooperative",
            "UnionJoined",
            unions_and_reorganisations_make_the_lineage,
        ),
        (
            "cooperative",
            "UnionLeft",
            unions_and_reorganisations_make_the_lineage,
        ),
        (
            "cooperative",
            "ReorganisationResolved",
            unions_and_reorganisations_make_the_lineage,
        ),
        (
            "cooperative",
            "CooperativeDivided",
            unions_and_reorganisations_make_the_lineage,
        ),
        (
            "cooperative",
            "AbsorptionRegistered",
            unions_and_reorganisations_make_the_lineage,
        ),
        (
            "cooperative",
            "CooperativeSeparated",
            separation_consolidation_and_merger_end_or_keep_the_row,
        ),
        (
            "cooperative",
            "CooperativeConsolidated",
            separation_consolidation_and_merger_end_or_keep_the_row,
        ),
        (
            "cooperative",
            "CooperativeMergedInto",
            separation_consolidation_and_merger_end_or_keep_the_row,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitEstablished",
            units_and_their_mergers,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitReclassified",
            units_and_their_mergers,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitMerged",
            units_and_their_mergers,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitExtended",
            units_and_their_mergers,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitAbolished",
            units_and_their_mergers,
        ),
    ];

    #[test]
    fn every_event_type_it_folds_has_a_test() {
        testing::assert_folded_types_are_tested::<Registry>(FOLDED);
    }

    fn row_of(set: &ProjectionSet, code: &str) -> RegistryRow {
        let registry = set.get::<Registry>().expect("registry");
        registry.cooperatives.iter().for_each(assert_direct_cells);
        registry
            .cooperatives
            .get(code)
            .expect("a registry row")
            .clone()
    }

    #[test]
    fn registration_and_records_fill_the_row() {
        let a = testing::code(1);
        let set = testing::given([
            c::registered(&a, day(2010, 3, 1), "HTX Đồng Lâm", "205"),
            c::changed(
                &a,
                day(2014, 2, 1),
                ContentChange::Name("HTX Nông nghiệp Đồng Lâm".into()),
            ),
            c::corrected(
                &a,
                day(2014, 3, 1),
                ContentChange::Name("HTX Nông nghiệp Đồng Lâm".into()),
                ContentChange::Name("HTX Nông nghiệp Đồng Lâm Hoành Bồ".into()),
            ),
            c::membership(&a, day(2015, 1, 5), 11),
            c::re_registered(&a, day(2015, 6, 1)),
            c::meeting(&a, day(2016, 4, 1)),
            c::annual_information(&a, day(2016, 5, 1), 2015),
            c::model(&a, day(2017, 12, 1), 2017),
            c::ocop(&a, day(2018, 1, 10)),
            c::inactive(&a, day(2018, 3, 1), 6),
            c::found(
                &a,
                day(2018, 4, 1),
                FindingGround::LateAnnualInformation { year: 2017 },
            ),
        ]);
        let row = row_of(&set, &a);
        assert_eq!(row.kind, CooperativeKind::Cooperative);
        assert_eq!(
            row.name, "HTX Nông nghiệp Đồng Lâm Hoành Bồ",
            "the correction's name"
        );
        assert_eq!(row.registered_on, Some(day(2010, 3, 1)));
        assert_eq!(row.re_registered_on, Some(day(2015, 6, 1)));
        assert_eq!(
            row.members_official, 9,
            "the re-registration's count, recorded last"
        );
        assert_eq!(row.model_years, vec![2017]);
        assert_eq!(row.origin, OriginKind::New);
        assert_eq!(
            (row.address_unit.as_str(), row.current_unit.as_str()),
            ("205", "205")
        );
        assert_eq!(row.status, CooperativeStatus::Active);
        assert_eq!(
            row.positions,
            (0..11).collect::<Vec<u64>>(),
            "every entry is traced"
        );
        assert_eq!(row.last_effective_date, day(2018, 4, 1));
    }

    #[test]
    fn statuses_follow_suspension_and_the_address() {
        let a = testing::code(1);
        let status_after = |n: usize| {
            let facts = [
                c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
                c::suspended(&a, day(2016, 1, 1), day(2016, 6, 1)),
                c::resumed(&a, day(2016, 3, 1)),
                c::not_at_address(&a, day(2017, 1, 1)),
                c::back_at_address(&a, day(2017, 5, 1)),
            ];
            let row = row_of(&testing::given(facts.into_iter().take(n)), &a);
            (row.status, row.status_item, row.status_since)
        };
        use CooperativeStatus as S;
        assert_eq!(status_after(1), (S::Active, 1, Some(day(2015, 3, 1))));
        assert_eq!(status_after(2), (S::Suspended, 2, Some(day(2016, 1, 1))));
        assert_eq!(status_after(3), (S::Active, 1, Some(day(2016, 3, 1))));
        assert_eq!(
            status_after(4),
            (S::NotOperatingAtRegisteredAddress, 7, Some(day(2017, 1, 1)))
        );
        assert_eq!(status_after(5), (S::Active, 1, Some(day(2017, 5, 1))));
    }

    #[test]
    fn statuses_follow_revocation_and_dissolution() {
        let a = testing::code(1);
        let facts = [
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::revoked(&a, day(2016, 1, 1), true),
            c::revocation_annulled(&a, day(2016, 3, 1)),
            c::dissolution_resolved(&a, day(2017, 1, 1)),
            c::dissolution_cancelled(&a, day(2017, 2, 1)),
            c::dissolution_decided(&a, day(2017, 6, 1)),
            c::published(&a, day(2017, 7, 1)),
            c::dissolved(&a, day(2018, 1, 2), DissolutionMode::SixMonthsElapsed),
        ];
        let status_after =
            |n: usize| row_of(&testing::given(facts.clone().into_iter().take(n)), &a).status;
        use CooperativeStatus as S;
        assert_eq!(status_after(2), S::RevokedForTaxEnforcement);
        assert_eq!(status_after(3), S::Active);
        assert_eq!(status_after(4), S::Dissolving);
        assert_eq!(status_after(5), S::Active);
        assert_eq!(status_after(6), S::Dissolving);
        let published = row_of(&testing::given(facts.clone().into_iter().take(7)), &a);
        assert_eq!(
            (published.status, published.positions.len()),
            (S::Dissolving, 7)
        );
        let row = row_of(&testing::given(facts), &a);
        assert_eq!(row.status, S::Dissolved);
        assert_eq!(
            row.status_label_vi,
            "Đã giải thể, phá sản, chấm dứt tồn tại"
        );
        assert_eq!(
            (row.status_item, row.status_since),
            (6, Some(day(2018, 1, 2)))
        );
    }

    #[test]
    fn statuses_follow_bankruptcy() {
        let a = testing::code(1);
        let opened = [
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::bankruptcy_opened(&a, day(2018, 1, 1)),
        ];
        let row = row_of(&testing::given(opened.clone()), &a);
        assert_eq!(
            (row.status, row.status_item),
            (CooperativeStatus::InBankruptcy, 5)
        );
        let declared = opened.into_iter().chain([c::bankrupt(&a, day(2018, 9, 1))]);
        let row = row_of(&testing::given(declared), &a);
        assert_eq!(
            (row.status, row.status_item),
            (CooperativeStatus::Bankrupt, 6)
        );
        assert_eq!(row.status_since, Some(day(2018, 9, 1)));
    }

    #[test]
    fn unions_and_reorganisations_make_the_lineage() {
        let (a, union, b, s1, s2) = (
            testing::code(1),
            testing::code(2),
            testing::code(3),
            testing::code(4),
            testing::code(5),
        );
        let joined = [
            c::registered_as(
                &union,
                day(2014, 1, 1),
                CooperativeKind::Union,
                "LH HTX",
                "193",
            ),
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
            c::joined(&a, day(2016, 1, 1), &union),
        ];
        let row = row_of(&testing::given(joined.clone()), &a);
        assert_eq!(row.unions, vec![union.clone()]);
        assert_eq!(
            row_of(&testing::given(joined.clone()), &union).kind,
            CooperativeKind::Union
        );
        let facts: Vec<_> = joined
            .into_iter()
            .chain([
                c::left(&a, day(2016, 6, 1), &union),
                c::registered(&b, day(2015, 4, 1), "HTX Bằng Cả", "205"),
                c::absorbed(&b, day(2016, 8, 1), &[&union]),
                c::reorganisation(&a, day(2017, 1, 1), ReorganisationKind::Division, &[]),
            ])
            .collect();
        let resolved = testing::given(facts.clone());
        let row = row_of(&resolved, &a);
        assert!(row.unions.is_empty(), "left the union");
        assert_eq!(row.status, CooperativeStatus::BeingDivided);
        assert_eq!(row_of(&resolved, &b).absorbed, vec![union.clone()]);
        let divided = facts
            .into_iter()
            .chain([c::divided(&a, day(2017, 6, 1), &[&s1, &s2])]);
        let row = row_of(&testing::given(divided), &a);
        assert_eq!(row.successors, vec![s1, s2]);
        assert_eq!(row.status, CooperativeStatus::Ceased);
    }

    #[test]
    fn separation_consolidation_and_merger_end_or_keep_the_row() {
        let (a, b, new) = (testing::code(1), testing::code(2), testing::code(3));
        let registered = || {
            vec![
                c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "205"),
                c::registered(&b, day(2015, 4, 1), "HTX Bằng Cả", "205"),
            ]
        };
        let separated = registered().into_iter().chain([
            c::reorganisation(&a, day(2017, 1, 1), ReorganisationKind::Separation, &[]),
            c::separated(&a, day(2017, 6, 1), &[&new]),
        ]);
        let row = row_of(&testing::given(separated), &a);
        assert_eq!(row.successors, vec![new.clone()]);
        assert_eq!(
            row.status,
            CooperativeStatus::Active,
            "a separation leaves it standing"
        );
        let consolidated = registered().into_iter().chain([
            c::reorganisation(
                &a,
                day(2017, 1, 1),
                ReorganisationKind::Consolidation,
                &[&b],
            ),
            c::consolidated(&a, day(2017, 6, 1), &new),
        ]);
        let row = row_of(&testing::given(consolidated), &a);
        assert_eq!(
            (row.status, row.status_since),
            (CooperativeStatus::Ceased, Some(day(2017, 6, 1)))
        );
        assert_eq!(row.successors, vec![new.clone()]);
        let merged = registered().into_iter().chain([
            c::reorganisation(&a, day(2017, 1, 1), ReorganisationKind::Merger, &[&b]),
            c::merged(&a, day(2017, 6, 1), &b),
        ]);
        let row = row_of(&testing::given(merged), &a);
        assert_eq!(row.status, CooperativeStatus::Ceased);
        assert_eq!(row.successors, vec![b]);
    }

    #[test]
    fn units_and_their_mergers() {
        let a = testing::code(1);
        let set = testing::given([
            unit::established("204", day(2008, 1, 1), "Hoành Bồ"),
            unit::established("193", day(2008, 1, 1), "Hạ Long"),
            c::registered(&a, day(2015, 3, 1), "HTX Đồng Lâm", "204"),
            unit::reclassified("193", day(2019, 1, 1), "Thành phố Hạ Long", UnitType::City),
            unit::merged("204", day(2020, 1, 1), "193"),
            unit::extended("193", day(2020, 1, 1), "204"),
        ]);
        let registry = set.get::<Registry>().expect("registry");
        let hoanh_bo = registry.units.get("204").expect("Hoành Bồ");
        assert_eq!(hoanh_bo.unit_type, UnitType::District);
        assert_eq!(hoanh_bo.merged_into.as_deref(), Some("193"));
        assert_eq!(hoanh_bo.last_day, Some(day(2019, 12, 31)));
        assert_eq!(hoanh_bo.positions, vec![0, 4]);
        let ha_long = registry.units.get("193").expect("Hạ Long");
        assert_eq!(
            (ha_long.name.as_str(), ha_long.unit_type),
            ("Thành phố Hạ Long", UnitType::City)
        );
        assert_eq!(ha_long.positions, vec![1, 3, 5]);
        let row = row_of(&set, &a);
        assert_eq!(
            (row.address_unit.as_str(), row.current_unit.as_str()),
            ("204", "193")
        );
        assert_eq!(row.positions, vec![2, 4]);
        assert_eq!(registry.current_unit("204"), "193");

        let abolished = testing::given([
            unit::established("204", day(2008, 1, 1), "Hoành Bồ"),
            unit::abolished("204", day(2025, 7, 1)),
        ]);
        let registry = abolished.get::<Registry>().expect("registry");
        let row = registry.units.get("204").expect("Hoành Bồ");
        assert_eq!(
            (row.last_day, row.merged_into.as_deref()),
            (Some(day(2025, 6, 30)), None)
        );
        assert_eq!(row.positions, vec![0, 1]);
    }
}
