//! Plan progress (tiến độ thực hiện Kế hoạch 31/KH-UBND): per year 2017-2020 and
//! district-level unit, the cooperatives standing at year end, new registrations,
//! re-registrations, dissolutions, unions formed, training classes and learners by organiser
//! and region, training cost and funds, model cooperatives; and one province-wide row a year
//! (`unit = 'province'`) with the plan's targets beside the figures.
//!
//! The unit of a figure is the one valid on the date of the fact (Hoành Bồ 204 until
//! 31/12/2019, Hạ Long 193 from 01/01/2020); `current_unit` says where that unit is now.
//!
//! Every figure is a sum over `plan_progress_sources`: one row per (year, unit, measure,
//! subject) with the value the subject (a cooperative, a training class, a budget entry)
//! contributes and the positions of the entries that establish it. Each subject's
//! contributions are recomputed from its state (kept in `plan_progress_state`, with a
//! cooperative's domain state read from the shared state) whenever a unit merger
//! or the region mapping arrives, or one of its events (a cooperative's once per batch, at
//! [`Projection::settle`]), and the difference applied.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use domain::cooperative::{ContentChange, Cooperative, CooperativeEvent, CooperativeKind, Origin};
use domain::funding::{
    BudgetLineEvent, BudgetLineId, LEARNERS_PER_CLASS, SupportCategory, TrainingClassEvent,
};
use domain::reference::{AdministrativeUnitEvent, Region, RegionMappingEvent, seed};
use serde::{Deserialize, Serialize};
use store::{Cell, ColumnKind, TableShape};

use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{AnyTable, Row, Table, date, json, positions, text};
use crate::{Projection, Shared};

/// The plan's years.
pub const PLAN_YEARS: RangeInclusive<i32> = 2017..=2020;
/// The unit of the province-wide rows.
pub const PROVINCE: &str = "province";

/// The plan's targets (31/KH-UBND, section I.2 and II), as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanTargets {
    /// Cooperatives standing by the end of 2020.
    pub cooperatives_by_2020: i64,
    /// Newly established a year ("khoảng 50").
    pub new_registrations_per_year: i64,
    /// Unions formed under the 2012 Law over the plan ("ít nhất 1").
    pub unions_by_2020: i64,
    pub training_classes_per_year: i64,
    /// 10 by Sở NN&PTNT in the eastern districts.
    pub classes_so_nnptnt_east: i64,
    /// 10 by Liên minh HTX, mainly in the western districts.
    pub classes_lien_minh_west: i64,
    pub learners_per_class_min: i64,
    pub learners_per_class_max: i64,
    /// Training funds a year from the New Rural Development programme (QĐ 1600/QĐ-TTg), đồng.
    pub training_funds_per_year: i64,
    /// Model cooperatives per district-level unit.
    pub model_per_unit_min: i64,
    pub model_per_unit_max: i64,
}

pub fn plan_targets() -> PlanTargets {
    PlanTargets {
        cooperatives_by_2020: 542,
        new_registrations_per_year: 50,
        unions_by_2020: 1,
        training_classes_per_year: 20,
        classes_so_nnptnt_east: 10,
        classes_lien_minh_west: 10,
        learners_per_class_min: i64::from(*LEARNERS_PER_CLASS.start()),
        learners_per_class_max: i64::from(*LEARNERS_PER_CLASS.end()),
        training_funds_per_year: 1_000_000_000,
        model_per_unit_min: 1,
        model_per_unit_max: 2,
    }
}

/// Who organises a class, from the organiser code in its id (`{year}/{organiser}/{serial}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Organiser {
    /// Sở Nông nghiệp và PTNT.
    SoNnptnt,
    /// Liên minh Hợp tác xã tỉnh.
    LienMinh,
    Other,
}

/// The organiser codes the plan's two organisers use.
pub const ORGANISER_CODES: [(&str, Organiser); 4] = [
    ("SO-NNPTNT", Organiser::SoNnptnt),
    ("LMHTX", Organiser::LienMinh),
    ("LM-HTX", Organiser::LienMinh),
    ("LIEN-MINH-HTX", Organiser::LienMinh),
];

pub fn organiser_of(code: &str) -> Organiser {
    ORGANISER_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(Organiser::Other, |(_, o)| *o)
}

macro_rules! measures {
    ($( $variant:ident => $field:ident, )+) => {
        /// One figure of a row; its name is the column's.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Measure { $( $variant, )+ }

        impl Measure {
            pub const ALL: &'static [Measure] = &[ $( Measure::$variant, )+ ];

            pub const fn as_str(self) -> &'static str {
                match self { $( Measure::$variant => stringify!($field), )+ }
            }

            pub fn parse(text: &str) -> Option<Measure> {
                Self::ALL.iter().copied().find(|m| m.as_str() == text)
            }

            pub fn of(self, row: &PlanProgressRow) -> i64 {
                match self { $( Measure::$variant => row.$field, )+ }
            }

            fn of_mut(self, row: &mut PlanProgressRow) -> &mut i64 {
                match self { $( Measure::$variant => &mut row.$field, )+ }
            }
        }
    };
}

measures! {
    CooperativesYearEnd => cooperatives_year_end,
    UnionsYearEnd => unions_year_end,
    NewRegistrations => new_registrations,
    ReRegistrations => re_registrations,
    Dissolved => dissolved,
    UnionsFormed => unions_formed,
    TrainingClasses => training_classes,
    TrainingLearners => training_learners,
    ClassesSoNnptnt => classes_so_nnptnt,
    LearnersSoNnptnt => learners_so_nnptnt,
    ClassesLienMinh => classes_lien_minh,
    LearnersLienMinh => learners_lien_minh,
    ClassesOtherOrganiser => classes_other_organiser,
    LearnersOtherOrganiser => learners_other_organiser,
    ClassesEast => classes_east,
    LearnersEast => learners_east,
    ClassesWest => classes_west,
    LearnersWest => learners_west,
    ClassesUnassignedRegion => classes_unassigned_region,
    LearnersUnassignedRegion => learners_unassigned_region,
    ClassesOutside30To50 => classes_outside_30_50,
    TrainingCost => training_cost,
    TrainingFundsAssigned => training_funds_assigned,
    ModelCooperatives => model_cooperatives,
}

/// `plan_progress`: one row per (year, unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanProgressRow {
    pub year: i32,
    /// The GSO code valid on the facts' dates, or `province`.
    pub unit: String,
    pub unit_name: String,
    /// Where the unit is now, after mergers (`province` for the province row).
    pub current_unit: String,
    /// `mien-dong`, `mien-tay` or `unassigned` on 31/12 of the year; none for the province.
    pub region: Option<String>,
    pub cooperatives_year_end: i64,
    pub unions_year_end: i64,
    pub new_registrations: i64,
    pub re_registrations: i64,
    pub dissolved: i64,
    pub unions_formed: i64,
    pub training_classes: i64,
    pub training_learners: i64,
    pub classes_so_nnptnt: i64,
    pub learners_so_nnptnt: i64,
    pub classes_lien_minh: i64,
    pub learners_lien_minh: i64,
    pub classes_other_organiser: i64,
    pub learners_other_organiser: i64,
    pub classes_east: i64,
    pub learners_east: i64,
    pub classes_west: i64,
    pub learners_west: i64,
    pub classes_unassigned_region: i64,
    pub learners_unassigned_region: i64,
    pub classes_outside_30_50: i64,
    pub training_cost: i64,
    pub training_funds_assigned: i64,
    pub model_cooperatives: i64,
    /// Province row: district-level units with at least one model cooperative that year.
    pub units_with_model: Option<i64>,
    pub target_cooperatives_by_2020: Option<i64>,
    pub target_new_registrations: Option<i64>,
    pub target_unions_by_2020: Option<i64>,
    pub target_training_classes: Option<i64>,
    pub target_classes_so_nnptnt_east: Option<i64>,
    pub target_classes_lien_minh_west: Option<i64>,
    pub target_learners_per_class_min: Option<i64>,
    pub target_learners_per_class_max: Option<i64>,
    pub target_training_funds: Option<i64>,
    pub target_model_per_unit_min: Option<i64>,
    pub target_model_per_unit_max: Option<i64>,
    /// The rows of `plan_progress_sources` behind this row's figures.
    pub sources: i64,
}

impl Row for PlanProgressRow {
    const SHAPE: TableShape = TableShape {
        name: "plan_progress",
        columns: &[
            ("year", ColumnKind::Int),
            ("unit", ColumnKind::Text),
            ("unit_name", ColumnKind::Text),
            ("current_unit", ColumnKind::Text),
            ("region", ColumnKind::Text),
            ("cooperatives_year_end", ColumnKind::Int),
            ("unions_year_end", ColumnKind::Int),
            ("new_registrations", ColumnKind::Int),
            ("re_registrations", ColumnKind::Int),
            ("dissolved", ColumnKind::Int),
            ("unions_formed", ColumnKind::Int),
            ("training_classes", ColumnKind::Int),
            ("training_learners", ColumnKind::Int),
            ("classes_so_nnptnt", ColumnKind::Int),
            ("learners_so_nnptnt", ColumnKind::Int),
            ("classes_lien_minh", ColumnKind::Int),
            ("learners_lien_minh", ColumnKind::Int),
            ("classes_other_organiser", ColumnKind::Int),
            ("learners_other_organiser", ColumnKind::Int),
            ("classes_east", ColumnKind::Int),
            ("learners_east", ColumnKind::Int),
            ("classes_west", ColumnKind::Int),
            ("learners_west", ColumnKind::Int),
            ("classes_unassigned_region", ColumnKind::Int),
            ("learners_unassigned_region", ColumnKind::Int),
            ("classes_outside_30_50", ColumnKind::Int),
            ("training_cost", ColumnKind::Int),
            ("training_funds_assigned", ColumnKind::Int),
            ("model_cooperatives", ColumnKind::Int),
            ("units_with_model", ColumnKind::Int),
            ("target_cooperatives_by_2020", ColumnKind::Int),
            ("target_new_registrations", ColumnKind::Int),
            ("target_unions_by_2020", ColumnKind::Int),
            ("target_training_classes", ColumnKind::Int),
            ("target_classes_so_nnptnt_east", ColumnKind::Int),
            ("target_classes_lien_minh_west", ColumnKind::Int),
            ("target_learners_per_class_min", ColumnKind::Int),
            ("target_learners_per_class_max", ColumnKind::Int),
            ("target_training_funds", ColumnKind::Int),
            ("target_model_per_unit_min", ColumnKind::Int),
            ("target_model_per_unit_max", ColumnKind::Int),
            ("sources", ColumnKind::Int),
        ],
        key_columns: 2,
    };
    type Key = (i32, String);
    fn key(&self) -> (i32, String) {
        (self.year, self.unit.clone())
    }
}

/// `plan_progress_sources`: what one subject contributes to one figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSourceRow {
    pub year: i32,
    pub unit: String,
    /// The column of `plan_progress` (a [`Measure`]).
    pub measure: String,
    /// `cooperative:{code}`, `training_class:{id}` or `budget_line:{line}#{entry}`.
    pub subject: String,
    pub value: i64,
    /// The date of the fact (31/12 of the year for year-end counts).
    pub effective_date: NaiveDate,
    /// The entries that establish the contribution.
    pub positions: Vec<u64>,
}

type SourceKey = (i32, String, String, String);

impl Row for PlanSourceRow {
    const SHAPE: TableShape = TableShape {
        name: "plan_progress_sources",
        columns: &[
            ("year", ColumnKind::Int),
            ("unit", ColumnKind::Text),
            ("measure", ColumnKind::Text),
            ("subject", ColumnKind::Text),
            ("value", ColumnKind::Int),
            ("effective_date", ColumnKind::Text),
            ("positions", ColumnKind::Json),
        ],
        key_columns: 4,
    };
    type Key = SourceKey;
    fn key(&self) -> SourceKey {
        (
            self.year,
            self.unit.clone(),
            self.measure.clone(),
            self.subject.clone(),
        )
    }
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        Some(vec![
            Cell::Int(i64::from(self.year)),
            text(&self.unit),
            text(&self.measure),
            text(&self.subject),
            Cell::Int(self.value),
            date(self.effective_date),
            positions(&self.positions),
        ])
    }
}

/// A cooperative as the plan counts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CooperativeSubject {
    /// The address's unit from each date on.
    pub units: Vec<(NaiveDate, String)>,
    /// The entries that establish whether and where it stands on a date: its registration,
    /// status changes and address changes, as (position, effective date).
    pub standing: Vec<(u64, NaiveDate)>,
    /// How many status periods its domain state had after the last event folded: an event
    /// that adds one changes its status.
    pub status_periods: usize,
    pub registered: Option<(u64, NaiveDate)>,
    pub re_registered: Option<(u64, NaiveDate)>,
    pub dissolved: Option<(u64, NaiveDate)>,
    /// (model year, position, effective date).
    pub models: Vec<(i32, u64, NaiveDate)>,
}

impl CooperativeSubject {
    fn empty() -> Self {
        CooperativeSubject {
            units: Vec::new(),
            standing: Vec::new(),
            status_periods: 0,
            registered: None,
            re_registered: None,
            dissolved: None,
            models: Vec::new(),
        }
    }
}

/// A training class as the plan counts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassSubject {
    pub year: i32,
    pub organiser: String,
    pub region: Region,
    pub district: Option<String>,
    pub planned_at: u64,
    /// (held from, learners, cost, positions of the held and corrected entries).
    pub held: Option<(NaiveDate, u32, i64, Vec<u64>)>,
    pub cancelled: bool,
}

/// A merger: (absorbing unit, effective date, position).
pub type Merger = (String, NaiveDate, u64);

/// What the projection remembers beyond its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Subject {
    Cooperative(Box<CooperativeSubject>),
    TrainingClass(ClassSubject),
    Unit {
        name: String,
        merged_into: Option<Merger>,
    },
    RegionMapping {
        versions: Vec<(NaiveDate, BTreeMap<String, Region>)>,
    },
}

/// `plan_progress_state` (internal): key (kind, id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStateRow {
    pub kind: String,
    pub id: String,
    pub state: Subject,
    /// The keys (year, unit, measure) this subject contributes to.
    pub contributions: Vec<(i32, String, String)>,
}

impl Row for PlanStateRow {
    const SHAPE: TableShape = TableShape {
        name: "plan_progress_state",
        columns: &[
            ("kind", ColumnKind::Text),
            ("id", ColumnKind::Text),
            ("state", ColumnKind::Json),
            ("contributions", ColumnKind::Json),
        ],
        key_columns: 2,
    };
    const INTERNAL: bool = true;
    type Key = (String, String);
    fn key(&self) -> (String, String) {
        (self.kind.clone(), self.id.clone())
    }
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        Some(vec![
            text(&self.kind),
            text(&self.id),
            json(&self.state)?,
            json(&self.contributions)?,
        ])
    }
}

const COOPERATIVE: &str = "cooperative";
const CLASS: &str = "training_class";
const UNIT: &str = "unit";
const MAPPING: &str = "region_mapping";

#[derive(Debug, Clone, PartialEq)]
struct Contribution {
    value: i64,
    effective_date: NaiveDate,
    positions: Vec<u64>,
}

type Desired = BTreeMap<(i32, String, Measure), Contribution>;

fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

#[derive(Debug, Default)]
pub struct PlanProgress {
    pub rows: Table<PlanProgressRow>,
    pub sources: Table<PlanSourceRow>,
    pub state: Table<PlanStateRow>,
    /// Cooperatives whose state changed since the last [`Projection::settle`] (repeats
    /// possible): their contributions are recomputed once per batch, not once per event.
    pending: Vec<String>,
    /// The province rows of every plan year exist (they are never removed).
    province_rows: bool,
}

impl PlanProgress {
    /// The row of `year` and `unit`.
    pub fn row(&self, year: i32, unit: &str) -> Option<&PlanProgressRow> {
        self.rows.get(&(year, unit.to_string()))
    }

    fn unit_state(&self, code: &str) -> Option<(&String, &Option<Merger>)> {
        match self.state.get(&(UNIT.to_string(), code.to_string())) {
            Some(PlanStateRow {
                state: Subject::Unit { name, merged_into },
                ..
            }) => Some((name, merged_into)),
            _ => None,
        }
    }

    /// The unit `unit` had become on `date` (following mergers in force by then), and the
    /// merger entries followed.
    fn unit_on(&self, unit: &str, date: NaiveDate) -> (String, Vec<u64>) {
        let mut positions = Vec::new();
        let current = crate::follow_mergers(unit, |u| {
            match self.unit_state(u).and_then(|(_, m)| m.clone()) {
                Some((into, on, position)) if on <= date => {
                    positions.push(position);
                    Some(into)
                }
                _ => None,
            }
        });
        (current, positions)
    }

    fn current_unit(&self, unit: &str) -> String {
        self.unit_on(unit, NaiveDate::MAX).0
    }

    fn region_on(&self, unit: &str, date: NaiveDate) -> Region {
        let key = (MAPPING.to_string(), seed::REGION_MAPPING_ID.to_string());
        match self.state.get(&key).map(|r| &r.state) {
            Some(Subject::RegionMapping { versions }) => versions
                .iter()
                .rev()
                .find(|(from, _)| *from <= date)
                .and_then(|(_, a)| a.get(unit).copied())
                .unwrap_or(Region::Unassigned),
            _ => Region::Unassigned,
        }
    }

    fn new_row(&self, year: i32, unit: &str) -> PlanProgressRow {
        let t = plan_targets();
        let province = unit == PROVINCE;
        let on_province = |v: i64| province.then_some(v);
        PlanProgressRow {
            year,
            unit: unit.to_string(),
            unit_name: if province {
                "Toàn tỉnh Quảng Ninh".to_string()
            } else {
                self.unit_state(unit)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default()
            },
            current_unit: if province {
                PROVINCE.to_string()
            } else {
                self.current_unit(unit)
            },
            region: (!province).then(|| self.region_on(unit, year_end(year)).as_str().into()),
            cooperatives_year_end: 0,
            unions_year_end: 0,
            new_registrations: 0,
            re_registrations: 0,
            dissolved: 0,
            unions_formed: 0,
            training_classes: 0,
            training_learners: 0,
            classes_so_nnptnt: 0,
            learners_so_nnptnt: 0,
            classes_lien_minh: 0,
            learners_lien_minh: 0,
            classes_other_organiser: 0,
            learners_other_organiser: 0,
            classes_east: 0,
            learners_east: 0,
            classes_west: 0,
            learners_west: 0,
            classes_unassigned_region: 0,
            learners_unassigned_region: 0,
            classes_outside_30_50: 0,
            training_cost: 0,
            training_funds_assigned: 0,
            model_cooperatives: 0,
            units_with_model: on_province(0),
            target_cooperatives_by_2020: on_province(t.cooperatives_by_2020),
            target_new_registrations: on_province(t.new_registrations_per_year),
            target_unions_by_2020: on_province(t.unions_by_2020),
            target_training_classes: on_province(t.training_classes_per_year),
            target_classes_so_nnptnt_east: on_province(t.classes_so_nnptnt_east),
            target_classes_lien_minh_west: on_province(t.classes_lien_minh_west),
            target_learners_per_class_min: on_province(t.learners_per_class_min),
            target_learners_per_class_max: on_province(t.learners_per_class_max),
            target_training_funds: on_province(t.training_funds_per_year),
            target_model_per_unit_min: Some(t.model_per_unit_min),
            target_model_per_unit_max: Some(t.model_per_unit_max),
            sources: 0,
        }
    }

    fn ensure_province_rows(&mut self) {
        if self.province_rows && !self.rows.is_empty() {
            return;
        }
        self.province_rows = true;
        for year in PLAN_YEARS {
            if self.rows.get(&(year, PROVINCE.to_string())).is_none() {
                let row = self.new_row(year, PROVINCE);
                self.rows.upsert(row);
            }
        }
    }

    /// Adds `delta` (and `count` sources) to `measure` of the row and of the province row.
    fn add(&mut self, year: i32, unit: &str, measure: Measure, delta: i64, count: i64) {
        let district = (unit != PROVINCE).then_some(unit);
        for u in std::iter::once(PROVINCE).chain(district) {
            let key = (year, u.to_string());
            let row = match self.rows.get_mut(&key) {
                Some(row) => row,
                None => {
                    let fresh = self.new_row(year, u);
                    self.rows.entry(key.clone(), || fresh)
                }
            };
            *measure.of_mut(row) += delta;
            row.sources += count;
            if row.sources == 0 && u != PROVINCE {
                self.rows.remove(&key);
            }
        }
        if measure == Measure::ModelCooperatives {
            let units = self
                .rows
                .iter()
                .filter(|r| r.year == year && r.unit != PROVINCE && r.model_cooperatives > 0)
                .count();
            if let Some(row) = self.rows.get_mut(&(year, PROVINCE.to_string())) {
                row.units_with_model = Some(i64::try_from(units).unwrap_or(i64::MAX));
            }
        }
    }

    /// Sets (or with `None` removes) one source row, applying the difference to the figures.
    fn set_source(&mut self, key: SourceKey, contribution: Option<Contribution>) {
        let Some(measure) = Measure::parse(&key.2) else {
            return;
        };
        let unchanged = match (self.sources.get(&key), &contribution) {
            (Some(old), Some(c)) => {
                old.value == c.value
                    && old.effective_date == c.effective_date
                    && old.positions == c.positions
            }
            (None, None) => true,
            _ => false,
        };
        if unchanged {
            return;
        }
        if let Some(old) = self.sources.remove(&key) {
            self.add(old.year, &old.unit, measure, -old.value, -1);
        }
        if let Some(c) = contribution {
            self.add(key.0, &key.1, measure, c.value, 1);
            let (year, unit, measure, subject) = key;
            self.sources.upsert(PlanSourceRow {
                year,
                unit,
                measure,
                subject,
                value: c.value,
                effective_date: c.effective_date,
                positions: c.positions,
            });
        }
    }

    /// Stores the state of subject (`kind`, `id`) and replaces its contributions with
    /// `desired`.
    fn resync(&mut self, kind: &str, id: &str, subject: &str, state: Subject, desired: Desired) {
        let key = (kind.to_string(), id.to_string());
        let contributions = self
            .state
            .get(&key)
            .map(|r| r.contributions.clone())
            .unwrap_or_default();
        self.state.upsert(PlanStateRow {
            kind: kind.to_string(),
            id: id.to_string(),
            state,
            contributions,
        });
        self.set_contributions(kind, id, subject, desired);
    }

    /// Replaces the contributions of the state row (`kind`, `id`), which exists, with
    /// `desired`, as the sources of `subject`.
    fn set_contributions(&mut self, kind: &str, id: &str, subject: &str, desired: Desired) {
        let key = (kind.to_string(), id.to_string());
        let subject = subject.to_string();
        let old: Vec<(i32, String, String)> = self
            .state
            .get(&key)
            .map(|r| r.contributions.clone())
            .unwrap_or_default();
        let new: BTreeSet<(i32, String, String)> = desired
            .keys()
            .map(|(y, u, m)| (*y, u.clone(), m.as_str().to_string()))
            .collect();
        for (year, unit, measure) in &old {
            if !new.contains(&(*year, unit.clone(), measure.clone())) {
                self.set_source(
                    (*year, unit.clone(), measure.clone(), subject.clone()),
                    None,
                );
            }
        }
        for ((year, unit, measure), c) in desired {
            let k = (year, unit, measure.as_str().to_string(), subject.clone());
            self.set_source(k, Some(c));
        }
        if !old.iter().eq(new.iter())
            && let Some(row) = self.state.get_mut(&key)
        {
            row.contributions = new.into_iter().collect();
        }
    }

    fn cooperative_contributions(&self, s: &CooperativeSubject, coop: &Cooperative) -> Desired {
        let mut desired = Desired::new();
        let Some(kind) = coop.kind() else {
            return desired;
        };
        let Some(facts) = coop.registration_facts() else {
            return desired;
        };
        let address_on = |date: NaiveDate| -> Option<&String> {
            s.units
                .iter()
                .rev()
                .find(|(from, _)| *from <= date)
                .or(s.units.first())
                .map(|(_, u)| u)
        };
        let mut put = |year: i32, date: NaiveDate, measure: Measure, value: i64, own: Vec<u64>| {
            if !PLAN_YEARS.contains(&year) || value == 0 {
                return;
            }
            let Some(address) = address_on(date) else {
                return;
            };
            let (unit, mergers) = self.unit_on(address, date);
            let mut positions = own;
            positions.extend(mergers);
            positions.sort_unstable();
            positions.dedup();
            desired.insert(
                (year, unit, measure),
                Contribution {
                    value,
                    effective_date: date,
                    positions,
                },
            );
        };
        for year in PLAN_YEARS {
            let end = year_end(year);
            let standing = facts.registered_on <= end
                && coop.status_on(end).is_some_and(|st| !st.is_terminal());
            if standing {
                let measure = match kind {
                    CooperativeKind::Cooperative => Measure::CooperativesYearEnd,
                    CooperativeKind::Union => Measure::UnionsYearEnd,
                };
                let own = s
                    .standing
                    .iter()
                    .filter(|(_, d)| *d <= end)
                    .map(|(p, _)| *p)
                    .collect();
                put(year, end, measure, 1, own);
            }
        }
        if let Some((position, date)) = s.registered {
            let measure = match (kind, &facts.origin) {
                (CooperativeKind::Union, _) => Some(Measure::UnionsFormed),
                (CooperativeKind::Cooperative, Origin::New) => Some(Measure::NewRegistrations),
                _ => None,
            };
            if let Some(measure) = measure {
                put(date.year(), date, measure, 1, vec![position]);
            }
        }
        if let Some((position, date)) = s.re_registered {
            put(
                date.year(),
                date,
                Measure::ReRegistrations,
                1,
                vec![position],
            );
        }
        if let Some((position, date)) = s.dissolved {
            put(date.year(), date, Measure::Dissolved, 1, vec![position]);
        }
        for (year, position, date) in &s.models {
            let on = (*date).min(year_end(*year));
            put(*year, on, Measure::ModelCooperatives, 1, vec![*position]);
        }
        desired
    }

    fn class_contributions(&self, c: &ClassSubject) -> Desired {
        let mut desired = Desired::new();
        let Some((held_from, learners, cost, held_positions)) = &c.held else {
            return desired;
        };
        if c.cancelled || !PLAN_YEARS.contains(&c.year) {
            return desired;
        }
        let (unit, mergers) = match &c.district {
            Some(d) => self.unit_on(d, *held_from),
            None => (PROVINCE.to_string(), Vec::new()),
        };
        let mut positions = vec![c.planned_at];
        positions.extend(held_positions);
        positions.extend(mergers);
        let learners = i64::from(*learners);
        let (classes_by_organiser, learners_by_organiser) = match organiser_of(&c.organiser) {
            Organiser::SoNnptnt => (Measure::ClassesSoNnptnt, Measure::LearnersSoNnptnt),
            Organiser::LienMinh => (Measure::ClassesLienMinh, Measure::LearnersLienMinh),
            Organiser::Other => (
                Measure::ClassesOtherOrganiser,
                Measure::LearnersOtherOrganiser,
            ),
        };
        let (classes_by_region, learners_by_region) = match c.region {
            Region::East => (Measure::ClassesEast, Measure::LearnersEast),
            Region::West => (Measure::ClassesWest, Measure::LearnersWest),
            Region::Unassigned => (
                Measure::ClassesUnassignedRegion,
                Measure::LearnersUnassignedRegion,
            ),
        };
        let outside = !LEARNERS_PER_CLASS.contains(&u32::try_from(learners).unwrap_or(0));
        let mut figures = vec![
            (Measure::TrainingClasses, 1),
            (Measure::TrainingLearners, learners),
            (classes_by_organiser, 1),
            (learners_by_organiser, learners),
            (classes_by_region, 1),
            (learners_by_region, learners),
            (Measure::TrainingCost, *cost),
        ];
        if outside {
            figures.push((Measure::ClassesOutside30To50, 1));
        }
        for (measure, value) in figures {
            if value != 0 {
                desired.insert(
                    (c.year, unit.clone(), measure),
                    Contribution {
                        value,
                        effective_date: *held_from,
                        positions: positions.clone(),
                    },
                );
            }
        }
        desired
    }

    fn resync_cooperative(&mut self, id: &str, subject: CooperativeSubject, shared: &Shared) {
        let desired = self.cooperative_desired(id, &subject, shared);
        self.resync(
            COOPERATIVE,
            id,
            &cooperative_subject(id, shared),
            Subject::Cooperative(Box::new(subject)),
            desired,
        );
    }

    /// What the cooperative aggregate `id` contributes: nothing unless it holds the code it
    /// registered. An aggregate whose registration duplicates a code another registered first
    /// (REG-01) is not counted again: the registry lists it as a finding
    /// (`registry_duplicate_registrations`).
    fn cooperative_desired(&self, id: &str, s: &CooperativeSubject, shared: &Shared) -> Desired {
        match (shared.holds(id), shared.cooperative(id)) {
            (Some(_), Some(coop)) => self.cooperative_contributions(s, coop),
            _ => Desired::new(),
        }
    }

    fn resync_class(&mut self, id: &str, subject: ClassSubject) {
        let desired = self.class_contributions(&subject);
        let name = format!("{CLASS}:{id}");
        self.resync(CLASS, id, &name, Subject::TrainingClass(subject), desired);
    }

    /// After a merger or a new region mapping: every subject again, every row's labels.
    fn resync_all(&mut self, shared: &Shared) {
        let subjects: Vec<(String, Subject)> = self
            .state
            .iter()
            .filter(|r| r.kind == COOPERATIVE || r.kind == CLASS)
            .map(|r| (r.id.clone(), r.state.clone()))
            .collect();
        for (id, subject) in subjects {
            match subject {
                Subject::Cooperative(s) => self.resync_cooperative(&id, *s, shared),
                Subject::TrainingClass(c) => self.resync_class(&id, c),
                _ => {}
            }
        }
        let keys: Vec<(i32, String)> = self
            .rows
            .iter()
            .filter(|r| r.unit != PROVINCE)
            .map(|r| (r.year, r.unit.clone()))
            .collect();
        for (year, unit) in keys {
            let current = self.current_unit(&unit);
            let region = self.region_on(&unit, year_end(year)).as_str().to_string();
            let name = self.unit_state(&unit).map(|(n, _)| n.clone());
            let Some(row) = self.rows.get(&(year, unit.clone())) else {
                continue;
            };
            let changed = row.current_unit != current
                || row.region.as_deref() != Some(region.as_str())
                || name.as_ref().is_some_and(|n| *n != row.unit_name);
            if changed && let Some(row) = self.rows.get_mut(&(year, unit)) {
                row.current_unit = current;
                row.region = Some(region);
                if let Some(name) = name {
                    row.unit_name = name;
                }
            }
        }
    }

    /// Folds the event into the cooperative's state; its contributions follow at
    /// [`Projection::settle`].
    fn apply_cooperative(&mut self, event: &ProjectedEvent, e: &CooperativeEvent, shared: &Shared) {
        use CooperativeEvent as E;
        let id = &event.aggregate_id;
        let status_periods = shared
            .cooperative(id)
            .map_or(0, |c| c.status_history().periods().len());
        let row = self
            .state
            .entry((COOPERATIVE.to_string(), id.clone()), || PlanStateRow {
                kind: COOPERATIVE.to_string(),
                id: id.clone(),
                state: Subject::Cooperative(Box::new(CooperativeSubject::empty())),
                contributions: Vec::new(),
            });
        let Subject::Cooperative(s) = &mut row.state else {
            return;
        };
        let date = event.effective_date;
        let changes_status = status_periods > s.status_periods;
        s.status_periods = status_periods;
        let changes_address = matches!(
            e,
            E::RegistrationContentChanged {
                change: ContentChange::Address(_),
                ..
            } | E::RegistrationRecordCorrected {
                corrected: ContentChange::Address(_),
                ..
            }
        );
        if changes_status || changes_address || matches!(e, E::CooperativeRegistered { .. }) {
            s.standing.push((event.position, date));
        }
        match e {
            E::CooperativeRegistered { content, .. } => {
                s.units = vec![(date, content.address.unit.clone())];
                s.registered = Some((event.position, date));
            }
            E::RegistrationContentChanged {
                change: ContentChange::Address(address),
                ..
            } => {
                s.units.push((date, address.unit.clone()));
                s.units.sort_by_key(|(from, _)| *from);
            }
            // A correction says the registered value was wrong: the period keeps its start.
            E::RegistrationRecordCorrected {
                corrected: ContentChange::Address(address),
                ..
            } => {
                if let Some(last) = s.units.last_mut() {
                    last.1 = address.unit.clone();
                }
            }
            E::CooperativeReRegistered { .. } => s.re_registered = Some((event.position, date)),
            E::CooperativeDissolved { .. } => s.dissolved = Some((event.position, date)),
            E::ModelCooperativeDesignated { year, .. } => {
                s.models.push((*year, event.position, date));
            }
            _ => {}
        }
        if self.pending.last() != Some(id) {
            self.pending.push(id.clone());
        }
    }

    /// Recomputes the contributions of the cooperatives folded since the last time.
    fn settle_cooperatives(&mut self, shared: &Shared) {
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable();
        pending.dedup();
        for id in pending {
            let key = (COOPERATIVE.to_string(), id);
            let desired = match (
                self.state.get(&key).map(|r| &r.state),
                shared.cooperative(&key.1),
            ) {
                (Some(Subject::Cooperative(s)), Some(_)) => {
                    self.cooperative_desired(&key.1, s, shared)
                }
                _ => continue,
            };
            let subject = cooperative_subject(&key.1, shared);
            self.set_contributions(COOPERATIVE, &key.1, &subject, desired);
        }
    }

    fn apply_class(&mut self, event: &ProjectedEvent, e: &TrainingClassEvent) {
        use TrainingClassEvent as E;
        let id = event.aggregate_id.clone();
        let existing = match self.state.get(&(CLASS.to_string(), id.clone())) {
            Some(PlanStateRow {
                state: Subject::TrainingClass(c),
                ..
            }) => Some(c.clone()),
            _ => None,
        };
        let subject = match (e, existing) {
            (
                E::TrainingClassPlanned {
                    class,
                    organiser,
                    region,
                    district,
                    ..
                },
                _,
            ) => ClassSubject {
                year: class.year,
                organiser: organiser.clone(),
                region: *region,
                district: district.clone(),
                planned_at: event.position,
                held: None,
                cancelled: false,
            },
            (
                E::TrainingClassHeld {
                    held_from,
                    learners,
                    cost,
                    ..
                },
                Some(mut c),
            ) => {
                c.held = Some((*held_from, *learners, cost.get(), vec![event.position]));
                c
            }
            (E::TrainingClassRecordCorrected { learners, cost, .. }, Some(mut c)) => {
                if let Some(held) = c.held.as_mut() {
                    held.1 = *learners;
                    held.2 = cost.get();
                    held.3.push(event.position);
                }
                c
            }
            (E::TrainingClassCancelled { .. }, Some(mut c)) => {
                c.cancelled = true;
                c
            }
            _ => return,
        };
        self.resync_class(&id, subject);
    }

    fn apply_line(&mut self, event: &ProjectedEvent, e: &BudgetLineEvent) {
        let Ok(line) = BudgetLineId::parse(&event.aggregate_id) else {
            return;
        };
        if line.category != SupportCategory::Training || !PLAN_YEARS.contains(&line.year) {
            return;
        }
        let key = |entry: u32| {
            (
                line.year,
                PROVINCE.to_string(),
                Measure::TrainingFundsAssigned.as_str().to_string(),
                format!("budget_line:{}#{entry}", line.to_id()),
            )
        };
        match e {
            BudgetLineEvent::EstimateAssigned { entry, amount, .. } => {
                let c = Contribution {
                    value: amount.get(),
                    effective_date: event.effective_date,
                    positions: vec![event.position],
                };
                self.set_source(key(*entry), Some(c));
            }
            BudgetLineEvent::EntryReversed { reverses, .. } => {
                self.set_source(key(*reverses), None);
            }
            _ => {}
        }
    }

    fn apply_unit(&mut self, event: &ProjectedEvent, e: &AdministrativeUnitEvent, shared: &Shared) {
        use AdministrativeUnitEvent as E;
        let code = event.aggregate_id.clone();
        let key = (UNIT.to_string(), code.clone());
        let (mut name, mut merged_into) = match self.unit_state(&code) {
            Some((n, m)) => (n.clone(), m.clone()),
            None => (String::new(), None),
        };
        match e {
            E::AdministrativeUnitEstablished { name: n, .. }
            | E::AdministrativeUnitReclassified { name: n, .. } => name = n.clone(),
            E::AdministrativeUnitMerged { into, .. } => {
                merged_into = Some((into.clone(), event.effective_date, event.position));
            }
            _ => return,
        }
        self.state.upsert(PlanStateRow {
            kind: key.0,
            id: key.1,
            state: Subject::Unit { name, merged_into },
            contributions: Vec::new(),
        });
        self.resync_all(shared);
    }

    fn apply_mapping(&mut self, event: &ProjectedEvent, e: &RegionMappingEvent, shared: &Shared) {
        let RegionMappingEvent::RegionMappingDefined {
            valid_from,
            assignments,
            ..
        } = e;
        let key = (MAPPING.to_string(), event.aggregate_id.clone());
        let mut versions = match self.state.get(&key).map(|r| &r.state) {
            Some(Subject::RegionMapping { versions }) => versions.clone(),
            _ => Vec::new(),
        };
        versions.push((*valid_from, assignments.clone()));
        versions.sort_by_key(|(from, _)| *from);
        self.state.upsert(PlanStateRow {
            kind: key.0,
            id: key.1,
            state: Subject::RegionMapping { versions },
            contributions: Vec::new(),
        });
        self.resync_all(shared);
    }
}

/// The source rows' subject for the cooperative aggregate `id`: `cooperative:{code}`, the code
/// it holds (its aggregate id is that code but for registrations recorded under another id),
/// or its aggregate id when it holds none (it then contributes nothing).
fn cooperative_subject(id: &str, shared: &Shared) -> String {
    format!("{COOPERATIVE}:{}", shared.holds(id).unwrap_or(id))
}

impl Projection for PlanProgress {
    fn name(&self) -> &'static str {
        "plan_progress"
    }

    fn apply(&mut self, event: &ProjectedEvent, shared: &Shared) {
        match &event.event {
            DomainEvent::Cooperative(e) => {
                self.ensure_province_rows();
                self.apply_cooperative(event, e, shared);
            }
            DomainEvent::TrainingClass(e) => {
                self.ensure_province_rows();
                self.apply_class(event, e);
            }
            DomainEvent::BudgetLine(e) => {
                self.ensure_province_rows();
                self.apply_line(event, e);
            }
            DomainEvent::AdministrativeUnit(e) => {
                self.ensure_province_rows();
                self.apply_unit(event, e, shared);
            }
            DomainEvent::RegionMapping(e) => {
                self.ensure_province_rows();
                self.apply_mapping(event, e, shared);
            }
            _ => {}
        }
    }

    fn settle(&mut self, shared: &Shared) {
        self.settle_cooperatives(shared);
    }

    fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.rows, &self.sources, &self.state]
    }

    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.rows, &mut self.sources, &mut self.state]
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use domain::cooperative::{DissolutionMode, ReorganisationKind};
    use domain::reference::UnitType;

    use super::*;
    use crate::ProjectionSet;
    use crate::table::assert_direct_cells;
    use crate::testing::{
        self, CLASS as CLASS_ID, Fact, LINE, class, code, cooperative as c, day, given, line,
        region, unit,
    };

    /// Every event type plan progress folds, with the test that feeds it.
    const FOLDED: &[(&str, &str, fn())] = &[
        (
            "cooperative",
            "CooperativeRegistered",
            registrations_re_registrations_and_models_count_where_they_happened,
        ),
        (
            "cooperative",
            "CooperativeReRegistered",
            registrations_re_registrations_and_models_count_where_they_happened,
        ),
        (
            "cooperative",
            "ModelCooperativeDesignated",
            registrations_re_registrations_and_models_count_where_they_happened,
        ),
        (
            "cooperative",
            "BusinessSuspended",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "BusinessResumed",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "NotOperatingAtAddressMarked",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "NotOperatingAtAddressCleared",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "CertificateRevoked",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "RevocationAnnulled",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "VoluntaryDissolutionResolved",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "DissolutionResolutionCancelled",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "CompulsoryDissolutionDecided",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "BankruptcyOpened",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "ReorganisationResolved",
            status_changes_establish_the_year_end_count,
        ),
        (
            "cooperative",
            "CooperativeDissolved",
            an_end_leaves_the_year_end_count,
        ),
        (
            "cooperative",
            "BankruptcyDeclared",
            an_end_leaves_the_year_end_count,
        ),
        (
            "cooperative",
            "CooperativeDivided",
            an_end_leaves_the_year_end_count,
        ),
        (
            "cooperative",
            "CooperativeConsolidated",
            an_end_leaves_the_year_end_count,
        ),
        (
            "cooperative",
            "CooperativeMergedInto",
            an_end_leaves_the_year_end_count,
        ),
        (
            "training_class",
            "TrainingClassPlanned",
            a_training_class_counts_once_held,
        ),
        (
            "training_class",
            "TrainingClassHeld",
            a_training_class_counts_once_held,
        ),
        (
            "training_class",
            "TrainingClassRecordCorrected",
            a_training_class_counts_once_held,
        ),
        (
            "training_class",
            "TrainingClassCancelled",
            a_training_class_counts_once_held,
        ),
        (
            "budget_line",
            "EstimateAssigned",
            training_funds_are_the_training_lines_estimates,
        ),
        (
            "budget_line",
            "EntryReversed",
            training_funds_are_the_training_lines_estimates,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitEstablished",
            units_mergers_and_regions_label_the_rows,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitReclassified",
            units_mergers_and_regions_label_the_rows,
        ),
        (
            "administrative_unit",
            "AdministrativeUnitMerged",
            units_mergers_and_regions_label_the_rows,
        ),
        (
            "region_mapping",
            "RegionMappingDefined",
            units_mergers_and_regions_label_the_rows,
        ),
    ];

    #[test]
    fn every_event_type_it_folds_has_a_test() {
        testing::assert_folded_types_are_tested::<PlanProgress>(FOLDED);
    }

    fn plan(set: &ProjectionSet) -> &PlanProgress {
        let plan = set.get::<PlanProgress>().expect("plan progress");
        plan.sources.iter().for_each(assert_direct_cells);
        plan
    }

    /// A figure of the row (year, unit); 0 when there is no row.
    fn figure(set: &ProjectionSet, year: i32, unit: &str, measure: Measure) -> i64 {
        plan(set)
            .rows
            .get(&(year, unit.to_string()))
            .map_or(0, |row| measure.of(row))
    }

    /// The positions behind what `subject` contributes to `measure` in (year, unit).
    fn behind(
        set: &ProjectionSet,
        year: i32,
        unit: &str,
        measure: Measure,
        subject: &str,
    ) -> Option<Vec<u64>> {
        let key = (
            year,
            unit.to_string(),
            measure.as_str().to_string(),
            subject.to_string(),
        );
        plan(set).sources.get(&key).map(|r| r.positions.clone())
    }

    #[test]
    fn registrations_re_registrations_and_models_count_where_they_happened() {
        let (old, new, union) = (code(1), code(2), code(3));
        let set = given([
            c::registered(&old, day(2010, 3, 1), "HTX Đồng Lâm", "205"),
            c::registered(&new, day(2017, 4, 1), "HTX Bằng Cả", "193"),
            c::registered_as(
                &union,
                day(2018, 2, 1),
                CooperativeKind::Union,
                "LH HTX",
                "193",
            ),
            c::re_registered(&old, day(2017, 5, 1)),
            c::model(&new, day(2018, 11, 1), 2018),
        ]);
        use Measure as M;
        assert_eq!(figure(&set, 2017, "193", M::NewRegistrations), 1);
        assert_eq!(
            figure(&set, 2017, PROVINCE, M::NewRegistrations),
            1,
            "the old one is not new in 2017"
        );
        assert_eq!(figure(&set, 2017, "205", M::ReRegistrations), 1);
        assert_eq!(
            behind(
                &set,
                2017,
                "205",
                M::ReRegistrations,
                &format!("cooperative:{old}")
            ),
            Some(vec![3])
        );
        assert_eq!(figure(&set, 2018, "193", M::UnionsFormed), 1);
        assert_eq!(figure(&set, 2018, PROVINCE, M::UnionsYearEnd), 1);
        assert_eq!(figure(&set, 2018, PROVINCE, M::CooperativesYearEnd), 2);
        assert_eq!(figure(&set, 2018, "193", M::ModelCooperatives), 1);
        let province = plan(&set)
            .rows
            .get(&(2018, PROVINCE.to_string()))
            .expect("province row");
        assert_eq!(province.units_with_model, Some(1));
        assert_eq!(province.target_new_registrations, Some(50));
    }

    #[test]
    fn status_changes_establish_the_year_end_count() {
        let (a, b) = (code(1), code(2));
        let set = given([
            c::registered(&a, day(2016, 3, 1), "HTX Đồng Lâm", "205"),
            c::suspended(&a, day(2017, 1, 1), day(2017, 3, 1)),
            c::resumed(&a, day(2017, 2, 1)),
            c::not_at_address(&a, day(2017, 3, 1)),
            c::back_at_address(&a, day(2017, 4, 1)),
            c::revoked(&a, day(2017, 5, 1), true),
            c::revocation_annulled(&a, day(2017, 6, 1)),
            c::dissolution_resolved(&a, day(2017, 7, 1)),
            c::dissolution_cancelled(&a, day(2017, 8, 1)),
            c::dissolution_decided(&a, day(2018, 1, 10)),
            c::registered(&b, day(2016, 3, 1), "HTX Bằng Cả", "205"),
            c::bankruptcy_opened(&b, day(2018, 2, 1)),
            c::reorganisation(&b, day(2018, 3, 1), ReorganisationKind::Division, &[]),
        ]);
        use Measure as M;
        let year_end = |year, subject: &str| {
            behind(
                &set,
                year,
                "205",
                M::CooperativesYearEnd,
                &format!("cooperative:{subject}"),
            )
        };
        assert_eq!(
            year_end(2017, &a),
            Some((0..9).collect()),
            "the registration and every status change"
        );
        assert_eq!(
            year_end(2018, &a),
            Some((0..10).collect()),
            "dissolving still stands"
        );
        assert_eq!(year_end(2018, &b), Some(vec![10, 11, 12]));
        assert_eq!(figure(&set, 2018, "205", M::CooperativesYearEnd), 2);
    }

    #[test]
    fn an_end_leaves_the_year_end_count() {
        let (a, b) = (code(1), code(2));
        let registered = || c::registered(&a, day(2016, 3, 1), "HTX Đồng Lâm", "205");
        let ends: Vec<Vec<Fact>> = vec![
            vec![
                c::dissolution_resolved(&a, day(2017, 6, 1)),
                c::published(&a, day(2017, 7, 1)),
                c::dissolved(&a, day(2018, 1, 2), DissolutionMode::SixMonthsElapsed),
            ],
            vec![
                c::bankruptcy_opened(&a, day(2017, 6, 1)),
                c::bankrupt(&a, day(2018, 1, 2)),
            ],
            vec![
                c::reorganisation(&a, day(2017, 6, 1), ReorganisationKind::Division, &[]),
                c::divided(&a, day(2018, 1, 2), &[&b]),
            ],
            vec![
                c::reorganisation(&a, day(2017, 6, 1), ReorganisationKind::Consolidation, &[]),
                c::consolidated(&a, day(2018, 1, 2), &b),
            ],
            vec![
                c::reorganisation(&a, day(2017, 6, 1), ReorganisationKind::Merger, &[&b]),
                c::merged(&a, day(2018, 1, 2), &b),
            ],
        ];
        use Measure as M;
        for end in ends {
            let name = end.last().map(|f| f.event_type).unwrap_or_default();
            let set = given(std::iter::once(registered()).chain(end));
            assert_eq!(
                figure(&set, 2017, "205", M::CooperativesYearEnd),
                1,
                "{name}"
            );
            assert_eq!(
                figure(&set, 2018, "205", M::CooperativesYearEnd),
                0,
                "{name}"
            );
            let dissolved = i64::from(name == "CooperativeDissolved");
            assert_eq!(figure(&set, 2018, "205", M::Dissolved), dissolved, "{name}");
        }
    }

    #[test]
    fn a_training_class_counts_once_held() {
        let planned = || class::planned(CLASS_ID, day(2018, 3, 1), LINE, "205");
        use Measure as M;
        let only_planned = given([planned()]);
        assert_eq!(figure(&only_planned, 2018, PROVINCE, M::TrainingClasses), 0);
        let held = [
            planned(),
            class::held(CLASS_ID, day(2018, 5, 1), 28, 58_000_000),
        ];
        let set = given(held.clone());
        assert_eq!(figure(&set, 2018, "205", M::TrainingClasses), 1);
        assert_eq!(figure(&set, 2018, "205", M::ClassesSoNnptnt), 1);
        assert_eq!(figure(&set, 2018, "205", M::LearnersEast), 28);
        assert_eq!(
            figure(&set, 2018, "205", M::ClassesOutside30To50),
            1,
            "28 learners"
        );
        assert_eq!(figure(&set, 2018, PROVINCE, M::TrainingCost), 58_000_000);
        let corrected = held.clone().into_iter().chain([class::corrected(
            CLASS_ID,
            day(2018, 5, 20),
            (28, 58_000_000),
            35,
            55_000_000,
        )]);
        let set = given(corrected);
        assert_eq!(figure(&set, 2018, "205", M::TrainingLearners), 35);
        assert_eq!(figure(&set, 2018, "205", M::ClassesOutside30To50), 0);
        assert_eq!(figure(&set, 2018, "205", M::TrainingCost), 55_000_000);
        assert_eq!(
            behind(
                &set,
                2018,
                "205",
                M::TrainingClasses,
                &format!("training_class:{CLASS_ID}")
            ),
            Some(vec![0, 1, 2])
        );
        let cancelled = held
            .into_iter()
            .chain([class::cancelled(CLASS_ID, day(2018, 6, 1))]);
        let set = given(cancelled);
        assert_eq!(figure(&set, 2018, PROVINCE, M::TrainingClasses), 0);
        assert!(
            plan(&set).rows.get(&(2018, "205".to_string())).is_none(),
            "no source left"
        );
    }

    #[test]
    fn training_funds_are_the_training_lines_estimates() {
        let other = "2018/SO-KHDT/NTM-1600/credit";
        let estimates = [
            line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
            line::estimate(LINE, day(2018, 6, 1), 2, 200_000_000),
            line::estimate(other, day(2018, 1, 15), 1, 5_000_000_000),
        ];
        let set = given(estimates.clone());
        assert_eq!(
            figure(&set, 2018, PROVINCE, Measure::TrainingFundsAssigned),
            1_200_000_000
        );
        let reversed = estimates
            .into_iter()
            .chain([line::reversed(LINE, day(2018, 7, 1), 3, 2)]);
        let set = given(reversed);
        assert_eq!(
            figure(&set, 2018, PROVINCE, Measure::TrainingFundsAssigned),
            1_000_000_000
        );
    }

    #[test]
    fn units_mergers_and_regions_label_the_rows() {
        let a = code(1);
        let set = given([
            unit::established("204", day(2008, 1, 1), "Hoành Bồ"),
            unit::established("193", day(2008, 1, 1), "Hạ Long"),
            region::defined(
                day(2017, 1, 1),
                1,
                &[("204", Region::West), ("193", Region::East)],
            ),
            c::registered(&a, day(2016, 3, 1), "HTX Đồng Lâm", "204"),
            unit::reclassified("193", day(2019, 1, 1), "Thành phố Hạ Long", UnitType::City),
            unit::merged("204", day(2020, 1, 1), "193"),
        ]);
        let rows = &plan(&set).rows;
        let row_2019 = rows
            .get(&(2019, "204".to_string()))
            .expect("Hoành Bồ in 2019");
        assert_eq!(
            (row_2019.unit_name.as_str(), row_2019.current_unit.as_str()),
            ("Hoành Bồ", "193")
        );
        assert_eq!(row_2019.region.as_deref(), Some("mien-tay"));
        assert_eq!(row_2019.cooperatives_year_end, 1);
        let row_2020 = rows
            .get(&(2020, "193".to_string()))
            .expect("Hạ Long in 2020");
        assert_eq!(row_2020.unit_name, "Thành phố Hạ Long");
        assert_eq!(row_2020.region.as_deref(), Some("mien-dong"));
        assert_eq!(
            row_2020.cooperatives_year_end, 1,
            "counted where its address is now"
        );
        assert!(rows.get(&(2020, "204".to_string())).is_none());
        assert_eq!(
            behind(
                &set,
                2020,
                "193",
                Measure::CooperativesYearEnd,
                &format!("cooperative:{a}")
            ),
            Some(vec![3, 5]),
            "the registration and the merger"
        );
    }
}
