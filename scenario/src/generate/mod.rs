//! The pure part: (seed, scale) → the scenario's steps, year by year, in recording order.
//!
//! Storylines (a cooperative's life, a support case, a class, a settlement) are written as
//! drafts with the day the ledger records each command; a year's drafts are then sorted by
//! (day, rank, order written), numbered, given their ledger times, and the budget-line entry
//! numbers that later commands name (an advance to clear, a payment to return funds against)
//! are filled in. Only one year of drafts is held at a time.

mod funding;
mod reference;
mod registry;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use domain::code::CooperativeCode;
use domain::command::Command;
use domain::funding::BudgetLineAction;
use domain::ledger::{Actor, Role};

use super::ScenarioError;
use super::params::{Counts, FIRST_YEAR, LAST_YEAR, MAX_SCALE, MIN_SCALE};
use super::rng::Rng;
use super::step::{Expect, Step, StepCommand, recorded_at};
use domain::cooperative::Sector;

/// The last year the ledger records in: settlements of 2020 are approved in 2021.
pub const SETTLEMENT_YEAR: i32 = LAST_YEAR + 1;

/// The scenario for one (seed, scale).
#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    pub scale: f64,
    pub counts: Counts,
}

impl Scenario {
    /// # Errors
    /// When `scale` is outside [`MIN_SCALE`]..=[`MAX_SCALE`].
    pub fn new(seed: u64, scale: f64) -> Result<Scenario, ScenarioError> {
        if !(MIN_SCALE..=MAX_SCALE).contains(&scale) {
            return Err(ScenarioError::Scale { scale });
        }
        Ok(Scenario {
            seed,
            scale,
            counts: Counts::at(scale),
        })
    }

    /// The steps, one year at a time (2017 … 2021).
    pub fn years(&self) -> Years {
        Years {
            world: World::new(self),
            year: FIRST_YEAR,
        }
    }

    /// Every step, in order. Holds the whole scenario in memory: for tests and small scales.
    ///
    /// # Errors
    /// When the scale leaves a pool of cooperatives too small for its roles.
    pub fn steps(&self) -> Result<Vec<Step>, ScenarioError> {
        let mut all = Vec::new();
        for year in self.years() {
            all.extend(year?);
        }
        Ok(all)
    }
}

/// The steps of each recording year in turn.
pub struct Years {
    world: World,
    year: i32,
}

impl Iterator for Years {
    type Item = Result<Vec<Step>, ScenarioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.year > SETTLEMENT_YEAR {
            return None;
        }
        let year = self.year;
        self.year += 1;
        Some(self.world.year(year))
    }
}

/// Orders steps recorded on the same day: reference data first, then registrations, other
/// registry records, budget lines, cases and classes, commitments, spending, reviews,
/// settlements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    Reference,
    Registration,
    Registry,
    Line,
    Case,
    Commitment,
    Spending,
    Review,
    Settlement,
}

pub(crate) struct Draft {
    recorded_on: NaiveDate,
    rank: Rank,
    order: u64,
    command: StepCommand,
    expect: Expect,
    /// This budget-line command's entry number is remembered under this tag.
    tag: Option<String>,
    /// This budget-line command names the entry remembered under this tag.
    refers: Option<String>,
}

/// What a cooperative is for in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Active throughout: may be supported, designated, rated, changed, joined to a union.
    Stable,
    /// Found inactive in the 2017 clean-up.
    Inactive,
    /// Dissolves voluntarily in `ends_in`.
    WoundUp,
    /// Ends by a reorganisation in 2019.
    Reorganised,
    /// A union of cooperatives.
    Union,
    /// Registered with a typo that a later correction fixes; otherwise left alone.
    Corrected,
}

#[derive(Debug, Clone)]
pub(crate) struct Coop {
    pub code: CooperativeCode,
    pub unit: &'static str,
    pub sector: Sector,
    pub name: String,
    pub registered_on: NaiveDate,
    pub members: u32,
    pub fate: Fate,
    /// The first year of annual meetings and information in the scenario.
    pub reports_from: i32,
    /// The year the cooperative ends (no annual information that year or after).
    pub ends_in: Option<i32>,
    /// Monthly income per worker in 2016.
    pub income_2016: i64,
}

impl Coop {
    pub fn reports_in(&self, year: i32) -> bool {
        year >= self.reports_from && self.ends_in.is_none_or(|e| year < e)
    }
}

pub(crate) struct World {
    seed: u64,
    rng: Rng,
    counts: Counts,
    pub coops: Vec<Coop>,
    next_code: u32,
    names: HashMap<String, u32>,
    drafts: Vec<Draft>,
    order: u64,
    index: u64,
    line_entries: HashMap<String, u32>,
    tags: HashMap<String, u32>,
    pub roles: registry::Roles,
}

impl World {
    fn new(scenario: &Scenario) -> World {
        World {
            seed: scenario.seed,
            rng: Rng::new(scenario.seed),
            counts: scenario.counts,
            coops: Vec::new(),
            next_code: 0,
            names: HashMap::new(),
            drafts: Vec::new(),
            order: 0,
            index: 0,
            line_entries: HashMap::new(),
            tags: HashMap::new(),
            roles: registry::Roles::default(),
        }
    }

    /// A generator for one part of one year.
    pub fn rng(&self, part: &str, year: i32) -> Rng {
        self.rng.fork(&format!("{part}/{year}"))
    }

    fn year(&mut self, year: i32) -> Result<Vec<Step>, ScenarioError> {
        if year == FIRST_YEAR {
            reference::initial(self);
            registry::existing(self)?;
            registry::cleanup_2017(self);
        }
        if year == LAST_YEAR {
            reference::merger_2020(self);
        }
        if year <= LAST_YEAR {
            registry::year(self, year)?;
            funding::year(self, year)?;
        }
        Ok(self.emit(year))
    }

    pub fn push(&mut self, recorded_on: NaiveDate, rank: Rank, command: StepCommand) {
        self.push_full(recorded_on, rank, command, Expect::Accepted, None, None);
    }

    pub fn push_full(
        &mut self,
        recorded_on: NaiveDate,
        rank: Rank,
        command: StepCommand,
        expect: Expect,
        tag: Option<String>,
        refers: Option<String>,
    ) {
        self.order += 1;
        self.drafts.push(Draft {
            recorded_on,
            rank,
            order: self.order,
            command,
            expect,
            tag,
            refers,
        });
    }

    /// A new, valid cooperative code with Quảng Ninh's prefix 57.
    pub fn new_code(&mut self) -> CooperativeCode {
        loop {
            self.next_code += 1;
            let n = 10_000 + self.next_code * 10;
            let found = (0..10).find_map(|k| CooperativeCode::complete(&format!("57{:07}", n + k)));
            if let Some(code) = found {
                return code;
            }
        }
    }

    /// "HTX {sector} {place}", numbered when the name is taken.
    pub fn new_name(&mut self, prefix: &str, sector: Sector, place: &str) -> String {
        let base = format!("{prefix} {} {place}", sector.label_vi());
        let n = self.names.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 { base } else { format!("{base} {n}") }
    }

    /// Takes the drafts recorded in `year`, in order, as steps.
    fn emit(&mut self, year: i32) -> Vec<Step> {
        let (mut now, later): (Vec<Draft>, Vec<Draft>) = std::mem::take(&mut self.drafts)
            .into_iter()
            .partition(|d| d.recorded_on.year() <= year);
        self.drafts = later;
        now.sort_by_key(|d| (d.recorded_on, d.rank, d.order));
        let mut per_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for d in &now {
            *per_day.entry(d.recorded_on).or_default() += 1;
        }
        let mut slot = 0;
        let mut day = None;
        let mut steps = Vec::with_capacity(now.len());
        for mut draft in now {
            if day != Some(draft.recorded_on) {
                day = Some(draft.recorded_on);
                slot = 0;
            }
            self.number_entry(&mut draft);
            let slots = per_day[&draft.recorded_on];
            steps.push(Step {
                index: self.index,
                recorded_on: draft.recorded_on,
                recorded_at: recorded_at(self.seed, draft.recorded_on, slot, slots),
                command: draft.command,
                expect: draft.expect,
            });
            self.index += 1;
            slot += 1;
        }
        steps
    }

    /// Budget-line entry numbers: each accepted line command but a review takes the next.
    fn number_entry(&mut self, draft: &mut Draft) {
        let StepCommand::BudgetLine(line, command) = &mut draft.command else {
            return;
        };
        if let Some(tag) = &draft.refers {
            let no = self.tags.get(tag).copied().unwrap_or(0);
            match &mut command.action {
                BudgetLineAction::SettleAdvance { advance_entry, .. } => *advance_entry = no,
                BudgetLineAction::ReturnFunds { against_entry, .. } => *against_entry = no,
                _ => {}
            }
        }
        if draft.expect != Expect::Accepted
            || matches!(command.action, BudgetLineAction::ReviewAdvances)
        {
            return;
        }
        let no = self.line_entries.entry(line.clone()).or_default();
        *no += 1;
        if let Some(tag) = draft.tag.take() {
            self.tags.insert(tag, *no);
        }
    }
}

/// A command from `actor` on `date`.
pub(crate) fn by<A>(actor: &Actor, date: NaiveDate, action: A) -> Command<A> {
    Command::new(date, actor.clone(), action)
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a calendar date")
}

/// `date` itself if a working day, else the next Monday.
pub(crate) fn working(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date + Days::new(2),
        Weekday::Sun => date + Days::new(1),
        _ => date,
    }
}

/// `date` plus `months`, clamped to the end of the month (as the domain counts periods).
pub(crate) fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The working day `days` calendar days after `date`.
pub(crate) fn after(date: NaiveDate, days: u64) -> NaiveDate {
    working(date + Days::new(days))
}

/// A working day between `from` and `to` (inclusive, before any weekend shift).
pub(crate) fn some_day(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    working(from + Days::new(rng.below(span + 1)))
}

/// The people who act. User ids are ASCII; agencies are budget-unit or office codes.
pub(crate) mod people {
    use super::*;

    pub fn admin() -> Actor {
        Actor::new("quan.tri.he.thong", Role::Admin, Some("SO-KHDT"))
    }

    /// The registration clerk of a district's finance-planning office (Phòng TC-KH).
    pub fn clerk(unit: &str) -> Actor {
        Actor::new(
            &format!("dang.ky.{unit}"),
            Role::Clerk,
            Some(&format!("PTCKH-{unit}")),
        )
    }

    fn slug(unit: &str) -> String {
        unit.to_ascii_lowercase()
    }

    pub fn officer(unit: &str) -> Actor {
        Actor::new(
            &format!("chuyen.vien.{}", slug(unit)),
            Role::Officer,
            Some(unit),
        )
    }

    pub fn approver(unit: &str) -> Actor {
        Actor::new(
            &format!("lanh.dao.{}", slug(unit)),
            Role::Approver,
            Some(unit),
        )
    }

    pub fn payer(unit: &str) -> Actor {
        Actor::new(
            &format!("ke.toan.{}", slug(unit)),
            Role::Officer,
            Some(unit),
        )
    }

    /// Sở Tài chính: appraisal and approval of settlements.
    pub fn appraiser() -> Actor {
        Actor::new("tham.dinh.so-tc", Role::Finance, Some("SO-TC"))
    }

    pub fn finance_director() -> Actor {
        Actor::new("giam.doc.so-tc", Role::Finance, Some("SO-TC"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_steps() {
        let a = Scenario::new(7, 0.2).unwrap().steps().unwrap();
        let b = Scenario::new(7, 0.2).unwrap().steps().unwrap();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].recorded_at < w[1].recorded_at));
        let c = Scenario::new(8, 0.2).unwrap().steps().unwrap();
        assert_ne!(a, c);
    }
}
