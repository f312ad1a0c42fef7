//! Ledgers to test against: an SQLite file in a temporary folder, or a fresh PostgreSQL database.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use cqrs_es::CqrsFramework;
use store::{Ledger, LedgerStore, SteppingClock};

use super::pg::TestDb;
use store::testing::Tally;

/// A ledger under test and what keeps its database alive.
pub struct TestLedger {
    pub ledger: Ledger,
    pub url: String,
    pub pg: Option<TestDb>,
    _dir: Option<tempfile::TempDir>,
}

/// The clock every cross-backend test uses: 01/9/2017 08:00 (UTC+7), one second per append.
pub fn test_clock() -> Arc<SteppingClock> {
    let start = Utc
        .with_ymd_and_hms(2017, 9, 1, 1, 0, 0)
        .single()
        .expect("a valid instant");
    Arc::new(SteppingClock::new(start, Duration::seconds(1)))
}

impl TestLedger {
    pub async fn sqlite() -> TestLedger {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("ledger.sqlite3").display());
        let ledger = Ledger::open(&url, test_clock())
            .await
            .expect("open SQLite ledger");
        TestLedger {
            ledger,
            url,
            pg: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestLedger {
        let db = TestDb::create().await;
        let ledger = Ledger::open(&db.url, test_clock())
            .await
            .expect("open PostgreSQL ledger");
        TestLedger {
            ledger,
            url: db.url.clone(),
            pg: Some(db),
            _dir: None,
        }
    }

    /// A fresh PostgreSQL database that `fill` writes first (e.g. the demo scenario, which
    /// needs an empty ledger of its own), then opened on the system clock.
    pub async fn postgres_filled<F, Fut>(fill: F) -> TestLedger
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let db = TestDb::create().await;
        fill(db.url.clone()).await;
        let ledger = Ledger::open(&db.url, Arc::new(store::SystemClock))
            .await
            .expect("open PostgreSQL ledger");
        TestLedger {
            ledger,
            url: db.url.clone(),
            pg: Some(db),
            _dir: None,
        }
    }

    /// Appends `count` tally entries (requests `from..from + count`) over `aggregates`
    /// aggregates named `<prefix>NN`.
    pub async fn append_tallies(&self, prefix: &str, aggregates: u64, from: u64, count: u64) {
        let cqrs = self.tallies();
        for i in from..from + count {
            cqrs.execute_with_metadata(
                &format!("{prefix}{:02}", i % aggregates),
                store::testing::record(1_000 * (i as i64 + 1), "Hỗ trợ đào tạo"),
                store::testing::metadata(i),
            )
            .await
            .unwrap();
        }
    }

    pub fn tallies(&self) -> CqrsFramework<Tally, LedgerStore<Tally>> {
        CqrsFramework::new(self.ledger.store::<Tally>(), vec![], ())
    }
}
