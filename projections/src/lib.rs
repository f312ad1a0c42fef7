//! The read models users read, folded from the log in position order.
//!
//! - [`table`]: a projection table in memory (typed rows by key, changes, digest);
//! - [`event`]: an entry decoded as the projections see it;
//! - one module per projection ([`registry`], …), each a [`Projection`];
//! - [`ProjectionSet`]: every projection, fed one event at a time, optionally through a
//!   [`Filter`] for time travel;
//! - [`projector`]: keeps the live tables in the database (rows and checkpoint in one
//!   transaction), replays and rebuilds; [`follower`]: the live projector kept at the log's
//!   head.
//!
//! A projection keeps all its state in its tables (internal tables where needed), so that the
//! projector can stop anywhere and resume from the tables and its checkpoint; the one state
//! they share, each cooperative's domain state ([`shared`]), is refolded from the log's
//! cooperative entries below the checkpoint instead.

pub mod beneficiary_history;
pub mod dissolution;
pub mod event;
pub mod follower;
pub mod funding_balances;
pub mod plan_progress;
pub mod projector;
pub mod registry;
pub mod settlement_checks;
pub mod shared;
pub mod table;
#[cfg(test)]
mod testing;

use chrono::NaiveDate;

pub use event::{DecodeError, DomainEvent, ProjectedEvent};
pub use shared::Shared;
pub use table::{AnyTable, Changes, Row, RowError, Table};

/// One read model: a fold over events into one or more tables.
pub trait Projection: Send + Sync {
    /// A short name, as `replay` and `projections digest` print it.
    fn name(&self) -> &'static str;
    /// Folds one event in. Events come in position order; a projection ignores what it does
    /// not read. Never fails: an event the domain accepted is a fact. `shared` already holds
    /// the event.
    fn apply(&mut self, event: &ProjectedEvent, shared: &Shared);
    /// Finishes work deferred by `apply` (figures that read many events are computed once per
    /// batch). Called before the tables are read, written or digested.
    fn settle(&mut self, _shared: &Shared) {}
    /// Whether settling part way through a replay saves work (plan progress: its deferred
    /// figures then overlap the decoding). A projection whose settling reads its whole state
    /// again says no, and is settled once, at the end.
    fn settles_during_replay(&self) -> bool {
        true
    }
    fn tables(&self) -> Vec<&dyn AnyTable>;
    fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable>;
    /// Itself, so that readers can reach its typed tables ([`ProjectionSet::get`]).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// The unit `unit` belongs to after the mergers `merged_into` names (Hoành Bồ 204 → Hạ Long
/// 193). A merger chain is short; the bound guards against a cycle in bad data.
pub(crate) fn follow_mergers(
    unit: &str,
    mut merged_into: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut current = unit.to_string();
    for _ in 0..16 {
        match merged_into(&current) {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

/// Which events a historical state includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Every event: the live state.
    All,
    /// The state after entry N: positions 0..=N.
    AsOfPosition(u64),
    /// Every event whose effective (legal) date is on or before the date.
    AsOfDate(NaiveDate),
    /// What the ledger knew on the date: every event recorded (Asia/Ho_Chi_Minh) on or before
    /// it. Differs from `AsOfDate` when events were back-dated.
    KnownOn(NaiveDate),
    /// Every event effective on or before `date` among the entries up to `position`
    /// (positions 0..=position): a state as of a legal date, tied to a checkpoint.
    AsOfDateWithin { date: NaiveDate, position: u64 },
}

impl Filter {
    pub fn admits(&self, event: &ProjectedEvent) -> bool {
        match *self {
            Filter::All => true,
            Filter::AsOfPosition(n) => event.position <= n,
            Filter::AsOfDate(d) => event.effective_date <= d,
            Filter::KnownOn(d) => event.recorded_on() <= d,
            Filter::AsOfDateWithin { date, position } => {
                event.position <= position && event.effective_date <= date
            }
        }
    }
}

/// A projection's digest, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub projection: &'static str,
    pub table: &'static str,
    pub rows: usize,
    pub sha256: String,
}

/// Every projection, fed together, after the state they share.
pub struct ProjectionSet {
    shared: Shared,
    projections: Vec<Box<dyn Projection>>,
}

impl Default for ProjectionSet {
    fn default() -> Self {
        ProjectionSet::new()
    }
}

impl ProjectionSet {
    /// Every projection of the product, empty.
    pub fn new() -> ProjectionSet {
        ProjectionSet {
            shared: Shared::default(),
            projections: vec![
                Box::new(registry::Registry::default()),
                Box::new(dissolution::DissolutionProgress::default()),
                Box::new(plan_progress::PlanProgress::default()),
                Box::new(funding_balances::FundingBalances::default()),
                Box::new(settlement_checks::SettlementChecks::default()),
                Box::new(beneficiary_history::BeneficiaryHistory::default()),
            ],
        }
    }

    pub fn apply(&mut self, event: &ProjectedEvent) {
        self.shared.apply(event);
        for projection in &mut self.projections {
            projection.apply(event, &self.shared);
        }
    }

    /// Finishes deferred work; see [`Projection::settle`].
    pub fn settle(&mut self) {
        for projection in &mut self.projections {
            projection.settle(&self.shared);
        }
    }

    /// Settles, part way through a replay, the projections for which that saves work
    /// ([`Projection::settles_during_replay`]); [`ProjectionSet::settle`] settles all.
    pub fn settle_during_replay(&mut self) {
        for projection in &mut self.projections {
            if projection.settles_during_replay() {
                projection.settle(&self.shared);
            }
        }
    }

    /// The state the projections share.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Every table, projection by projection.
    pub fn tables(&self) -> Vec<&dyn AnyTable> {
        self.projections.iter().flat_map(|p| p.tables()).collect()
    }

    /// Every table, to load, flush or untrack.
    pub fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        self.projections
            .iter_mut()
            .flat_map(|p| p.tables_mut())
            .collect()
    }

    pub fn projections(&self) -> &[Box<dyn Projection>] {
        &self.projections
    }

    pub fn projections_mut(&mut self) -> &mut [Box<dyn Projection>] {
        &mut self.projections
    }

    /// The named projection, to read its rows.
    pub fn get<P: Projection + 'static>(&self) -> Option<&P> {
        self.projections
            .iter()
            .find_map(|p| p.as_any().downcast_ref::<P>())
    }

    /// Every table's digest, in a fixed order (projection, then table).
    ///
    /// # Errors
    /// When a row does not serialise (a bug in a projection).
    pub fn digests(&self) -> Result<Vec<Digest>, RowError> {
        let mut digests = Vec::new();
        for projection in &self.projections {
            for table in projection.tables().into_iter().filter(|t| !t.is_internal()) {
                digests.push(Digest {
                    projection: projection.name(),
                    table: table.shape().name,
                    rows: table.row_count(),
                    sha256: hex::encode(table.digest()?),
                });
            }
        }
        Ok(digests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::assert_direct_cells;

    fn entry(position: u64, date: &str, event_type: &str, payload: &str) -> ProjectedEvent {
        let json = format!(
            r#"{{"aggregate_id":"5700000011","aggregate_type":"cooperative","event_type":"{event_type}","event_version":"1","metadata":{{"actor":{{"agency":"PTCKH-205","role":"clerk","user_id":"can.bo.dang.ky"}},"effective_date":"{date}"}},"payload":{{"{event_type}":{payload}}},"position":{position},"prev_hash":"00","recorded_at":"2021-01-04T03:00:00Z","sequence":{}}}"#,
            position + 1
        );
        event::decode(json.as_bytes(), position).expect("a test entry")
    }

    /// docs/projections.md: a year-end count is established by the registration, the status
    /// changes and the address changes up to 31/12, not by every entry of the cooperative.
    #[test]
    fn a_year_end_count_is_traced_to_the_registration_and_the_status_and_address_changes() {
        let mut set = ProjectionSet::new();
        set.apply(&entry(
            0,
            "2010-03-01",
            "CooperativeRegistered",
            r#"{"certificate_no":"GCN-0","code":"5700000011","content":{"address":{"text":"Thôn Đông","unit":"193"},"charter_capital":500000000,"name":"HTX số 0","representative":{"name":"Nguyễn Văn An","title":"Giám đốc"}},"effective_date":"2010-03-01","governing_law":"Luật HTX 2003","kind":"htx","legacy_reg_no":null,"members":{"associate":0,"member_cooperatives":0,"official":7},"origin":"New"}"#,
        ));
        set.apply(&entry(
            1,
            "2018-02-06",
            "MembershipRecorded",
            r#"{"effective_date":"2018-02-06","members":{"associate":1,"member_cooperatives":0,"official":13}}"#,
        ));
        set.apply(&entry(
            2,
            "2019-05-01",
            "BusinessSuspended",
            r#"{"effective_date":"2019-05-01","until":"2019-08-01"}"#,
        ));
        set.apply(&entry(
            3,
            "2019-09-01",
            "RegistrationContentChanged",
            r#"{"change":{"Address":{"text":"Thôn Tây","unit":"205"}},"decided_on":"2019-08-20","effective_date":"2019-09-01"}"#,
        ));
        set.apply(&entry(
            4,
            "2019-10-01",
            "MembershipRecorded",
            r#"{"effective_date":"2019-10-01","members":{"associate":1,"member_cooperatives":0,"official":15}}"#,
        ));
        set.settle();
        let plan = set.get::<plan_progress::PlanProgress>().expect("plan");
        let year_end = |year: i32| -> (String, Vec<u64>) {
            let row = plan
                .sources
                .iter()
                .find(|r| r.year == year && r.measure == "cooperatives_year_end")
                .expect("a year-end source");
            (row.unit.clone(), row.positions.clone())
        };
        assert_eq!(year_end(2017), ("193".to_string(), vec![0]));
        assert_eq!(year_end(2018), ("193".to_string(), vec![0]));
        assert_eq!(year_end(2019), ("205".to_string(), vec![0, 2, 3]));
        assert_eq!(year_end(2020), ("205".to_string(), vec![0, 2, 3]));
    }

    #[test]
    fn hand_written_cells_equal_the_generic_ones() {
        let mut set = ProjectionSet::new();
        // Registered in 2010 and never re-registered: in the 2017 clean-up (dissolution
        // pipeline) and in every year-end count of the plan.
        set.apply(&entry(
            0,
            "2010-03-01",
            "CooperativeRegistered",
            r#"{"certificate_no":"GCN-0","code":"5700000011","content":{"address":{"text":"Thôn Đông\txã \"Bình Khê\"","unit":"193"},"charter_capital":500000000,"name":"HTX Nông nghiệp dịch vụ số 0","representative":{"name":"Nguyễn Văn An","title":"Giám đốc"}},"effective_date":"2010-03-01","governing_law":"Luật HTX 2003","kind":"htx","legacy_reg_no":null,"members":{"associate":0,"member_cooperatives":0,"official":7},"origin":"New"}"#,
        ));
        set.apply(&entry(
            1,
            "2018-02-06",
            "MembershipRecorded",
            r#"{"effective_date":"2018-02-06","members":{"associate":1,"member_cooperatives":0,"official":13}}"#,
        ));
        set.settle();
        let registry = set.get::<registry::Registry>().expect("registry");
        let dissolution = set
            .get::<dissolution::DissolutionProgress>()
            .expect("dissolution");
        let plan = set.get::<plan_progress::PlanProgress>().expect("plan");
        let counts = [
            registry.cooperatives.len(),
            dissolution.rows.len(),
            plan.sources.len(),
            plan.state.len(),
            set.shared().len(),
        ];
        assert_eq!(counts, [1, 1, 4, 1, 1]);
        registry.cooperatives.iter().for_each(assert_direct_cells);
        dissolution.rows.iter().for_each(assert_direct_cells);
        plan.sources.iter().for_each(assert_direct_cells);
        plan.state.iter().for_each(assert_direct_cells);

        // Registered without a sector (an old-style entry): NULL; then a change records one.
        assert_eq!(registry.cooperatives.iter().next().unwrap().sector, None);
        set.apply(&entry(
            2,
            "2018-03-01",
            "RegistrationContentChanged",
            r#"{"change":{"Sector":"fishing"},"decided_on":"2018-02-20","effective_date":"2018-03-01"}"#,
        ));
        set.settle();
        let registry = set.get::<registry::Registry>().expect("registry");
        let row = registry.cooperatives.iter().next().unwrap();
        assert_eq!(row.sector.as_deref(), Some("fishing"));
        registry.cooperatives.iter().for_each(assert_direct_cells);
    }
}
