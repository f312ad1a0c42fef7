//! The ledger core: one chain on both backends, byte-identical, under concurrency.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cqrs_es::{AggregateError, EventStore};
use futures::TryStreamExt;
use store::export::{ImportError, export_jsonl};
use store::verify::verify_log;
use store::{Ledger, read_head, stream_log};

use crate::support::backends::{TestLedger, test_clock};
use store::testing::{Tally, metadata, record};

/// The same commands for every backend: several aggregates, Vietnamese notes, in a fixed order.
async fn apply_scenario(ledger: &TestLedger, commands: u64) {
    let cqrs = ledger.tallies();
    for i in 0..commands {
        let id = format!("570010000{}", i % 3);
        let note = format!("Hỗ trợ đào tạo lần {i}: Hợp tác xã Quảng Yên");
        cqrs.execute_with_metadata(&id, record(1_000_000 * (i as i64 + 1), &note), metadata(i))
            .await
            .expect("command accepted");
    }
}

async fn export_bytes(ledger: &Ledger) -> Vec<u8> {
    let mut out = Vec::new();
    export_jsonl(ledger.database(), &mut out, |_| {})
        .await
        .expect("export");
    out
}

#[tokio::test]
async fn same_commands_give_byte_identical_entries_and_head_on_both_backends() {
    let sqlite = TestLedger::sqlite().await;
    let postgres = TestLedger::postgres().await;
    apply_scenario(&sqlite, 30).await;
    apply_scenario(&postgres, 30).await;

    let (lite_bytes, pg_bytes) = (
        export_bytes(&sqlite.ledger).await,
        export_bytes(&postgres.ledger).await,
    );
    assert_eq!(
        lite_bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        30
    );
    assert_eq!(
        lite_bytes, pg_bytes,
        "entries differ between SQLite and PostgreSQL"
    );

    let lite_head = read_head(sqlite.ledger.database()).await.unwrap();
    let pg_head = read_head(postgres.ledger.database()).await.unwrap();
    assert_eq!(lite_head, pg_head);
    let verified = verify_log(postgres.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("intact");
    assert_eq!((verified.size, verified.head), (30, pg_head.hash));
    // Vietnamese text is stored as UTF-8 in NFC, not escaped.
    let text = String::from_utf8(lite_bytes).unwrap();
    assert!(text.contains("Hợp tác xã Quảng Yên"));
    assert!(text.contains("nguyễn.thị.hoà"));
}

#[tokio::test]
async fn export_import_round_trips_across_backends_byte_for_byte() {
    let sqlite = TestLedger::sqlite().await;
    apply_scenario(&sqlite, 25).await;
    let exported = export_bytes(&sqlite.ledger).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("entries.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let open = || std::fs::File::open(&file).map(std::io::BufReader::new);

    let postgres = TestLedger::postgres().await;
    let imported = postgres
        .ledger
        .import_jsonl(open, |_| {})
        .await
        .expect("import");
    assert_eq!(imported.size, 25);
    assert_eq!(export_bytes(&postgres.ledger).await, exported);
    verify_log(postgres.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("imported log verifies");

    // And back again into a fresh SQLite file.
    let sqlite_again = TestLedger::sqlite().await;
    sqlite_again
        .ledger
        .import_jsonl(open, |_| {})
        .await
        .expect("import into SQLite");
    assert_eq!(export_bytes(&sqlite_again.ledger).await, exported);

    // Appending after an import continues the same chain.
    sqlite_again
        .tallies()
        .execute_with_metadata("5700100000", record(5, "tiếp"), metadata(99))
        .await
        .unwrap();
    verify_log(sqlite_again.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("continued log verifies");

    // A ledger that is not empty refuses, writing nothing.
    let refused = postgres.ledger.import_jsonl(open, |_| {}).await;
    assert!(
        matches!(refused, Err(ImportError::NotEmpty(25))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn import_refuses_a_file_that_does_not_verify_and_writes_nothing() {
    let sqlite = TestLedger::sqlite().await;
    apply_scenario(&sqlite, 10).await;
    let exported = String::from_utf8(export_bytes(&sqlite.ledger).await).unwrap();
    let lines: Vec<&str> = exported.lines().collect();
    let cases: Vec<(&str, String)> = vec![
        (
            "edited amount",
            exported.replacen("\"amount\":3000000", "\"amount\":3000001", 1),
        ),
        (
            "deleted line",
            [&lines[..4], &lines[5..]].concat().join("\n") + "\n",
        ),
        ("swapped lines", {
            let mut l = lines.clone();
            l.swap(3, 4);
            l.join("\n") + "\n"
        }),
        ("not JSON", exported.replacen('{', "[", 1)),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (what, content) in cases {
        let file = dir.path().join("bad.jsonl");
        std::fs::write(&file, content).unwrap();
        let target = TestLedger::sqlite().await;
        let open = || std::fs::File::open(&file).map(std::io::BufReader::new);
        let result = target.ledger.import_jsonl(open, |_| {}).await;
        assert!(
            matches!(result, Err(ImportError::Invalid { .. })),
            "{what}: {result:?}"
        );
        assert_eq!(
            read_head(target.ledger.database()).await.unwrap().size,
            0,
            "{what}: something was written"
        );
        let rows: Vec<_> = stream_log(target.ledger.database(), 0)
            .try_collect()
            .await
            .unwrap();
        assert!(rows.is_empty(), "{what}: rows were written");
    }
}

/// 16 tasks append to 4 overlapping aggregates; every command either lands or is told it
/// conflicted. Afterwards: positions 0..n with no gap, duplicate or fork, and each aggregate's
/// sequences contiguous (both checked by verification).
async fn sixteen_writers(ledger: TestLedger) {
    let landed = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for task in 0..16u64 {
        let cqrs = ledger.tallies();
        let (landed, conflicts) = (landed.clone(), conflicts.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..40u64 {
                let id = format!("570020000{}", (task + i) % 4);
                match cqrs
                    .execute_with_metadata(&id, record(1, "đồng thời"), metadata(task * 100 + i))
                    .await
                {
                    Ok(()) => landed.fetch_add(1, Ordering::Relaxed),
                    Err(AggregateError::AggregateConflict) => {
                        conflicts.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(other) => panic!("unexpected error: {other}"),
                };
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (landed, conflicts) = (
        landed.load(Ordering::Relaxed),
        conflicts.load(Ordering::Relaxed),
    );
    assert_eq!(landed + conflicts, 16 * 40);
    assert!(conflicts > 0, "overlapping writers must conflict sometimes");

    let rows: Vec<_> = stream_log(ledger.ledger.database(), 0)
        .try_collect()
        .await
        .unwrap();
    let positions: Vec<i64> = rows.iter().map(|r| r.position).collect();
    assert_eq!(
        positions,
        (0..landed as i64).collect::<Vec<_>>(),
        "positions must be 0..n without gaps"
    );
    let prev_hashes: HashSet<&[u8]> = rows.iter().map(|r| &r.bytes[..]).collect();
    assert_eq!(prev_hashes.len(), rows.len(), "no duplicate entries");
    let verified = verify_log(ledger.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("no fork, no gap");
    assert_eq!(verified.size, landed);
    // The aggregates' totals agree with what landed.
    let store = ledger.ledger.store::<Tally>();
    let mut total = 0;
    for a in 0..4 {
        let mut context = store
            .load_aggregate(&format!("570020000{a}"))
            .await
            .unwrap();
        total += cqrs_es::AggregateContext::aggregate(&mut context).total;
    }
    assert_eq!(total as u64, landed);
}

#[tokio::test]
async fn sixteen_concurrent_writers_on_postgres() {
    sixteen_writers(TestLedger::postgres().await).await;
}

#[tokio::test]
async fn sixteen_concurrent_writers_on_sqlite() {
    sixteen_writers(TestLedger::sqlite().await).await;
}

#[tokio::test]
async fn a_stale_load_conflicts_and_writes_nothing() {
    let ledger = TestLedger::postgres().await;
    let store = ledger.ledger.store::<Tally>();
    ledger
        .tallies()
        .execute_with_metadata("5700300001", record(1, "một"), metadata(1))
        .await
        .unwrap();
    let first = store.load_aggregate("5700300001").await.unwrap();
    let second = store.load_aggregate("5700300001").await.unwrap();
    let event = || {
        vec![store::testing::TallyEvent::Recorded {
            amount: 2,
            note: "hai".into(),
        }]
    };
    store
        .commit(event(), first, metadata(2))
        .await
        .expect("first commit lands");
    let refused = store.commit(event(), second, metadata(3)).await;
    assert!(
        matches!(refused, Err(AggregateError::AggregateConflict)),
        "{refused:?}"
    );
    assert_eq!(read_head(ledger.ledger.database()).await.unwrap().size, 2);
}

#[tokio::test]
async fn the_appender_recovers_when_its_connection_is_cut_and_the_lost_batch_writes_nothing() {
    let ledger = TestLedger::postgres().await;
    let tallies = ledger.tallies();
    tallies
        .execute_with_metadata("5700300003", record(1, "một"), metadata(1))
        .await
        .unwrap();
    // Cut every connection of the application, the appender's own (kept between batches)
    // among them.
    let mut owner = ledger.pg.as_ref().unwrap().owner().await;
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut owner)
    .await
    .unwrap();
    let mut landed = 1;
    let mut failed = 0;
    for i in 2..=6 {
        match tallies
            .execute_with_metadata("5700300003", record(1, "sau"), metadata(i))
            .await
        {
            Ok(()) => landed += 1,
            Err(AggregateError::AggregateConflict) => panic!("nothing else writes"),
            Err(_) => failed += 1,
        }
    }
    assert!(failed <= 1, "{failed} appends failed after one cut");
    assert!(landed >= 5);
    let verified = verify_log(ledger.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("the chain is intact");
    assert_eq!(verified.size, landed);
    let (tally, sequence) = ledger
        .ledger
        .store::<Tally>()
        .load_current("5700300003")
        .await
        .unwrap();
    assert_eq!((tally.entries, sequence), (landed, landed));
}

#[tokio::test]
async fn a_command_without_ledger_metadata_is_refused_and_writes_nothing() {
    let ledger = TestLedger::sqlite().await;
    let result = ledger
        .tallies()
        .execute("5700300002", record(1, "không có người ký"))
        .await;
    assert!(
        matches!(result, Err(AggregateError::UnexpectedError(_))),
        "{result:?}"
    );
    assert_eq!(read_head(ledger.ledger.database()).await.unwrap().size, 0);
}

#[tokio::test]
async fn a_second_writer_process_is_detected_through_the_head_and_the_cache_is_not_trusted() {
    let db = crate::support::pg::TestDb::create().await;
    let first = Ledger::open(&db.url, test_clock()).await.unwrap();
    let second = Ledger::open(&db.url, test_clock()).await.unwrap();
    let cqrs_first = cqrs_es::CqrsFramework::new(first.store::<Tally>(), vec![], ());
    let cqrs_second = cqrs_es::CqrsFramework::new(second.store::<Tally>(), vec![], ());
    cqrs_first
        .execute_with_metadata("5700400001", record(1, "a"), metadata(1))
        .await
        .unwrap();
    // The second process read the empty log when it opened: its decision to create the
    // aggregate again is stale, and never lands.
    let stale = cqrs_second
        .execute_with_metadata("5700400001", record(1, "b"), metadata(2))
        .await;
    assert!(
        matches!(stale, Err(AggregateError::AggregateConflict)),
        "{stale:?}"
    );
    cqrs_second
        .execute_with_metadata("5700400001", record(1, "b"), metadata(2))
        .await
        .unwrap();
    // The first ledger caches the aggregate at sequence 1; the second has moved it to 2.
    let stale = cqrs_first
        .execute_with_metadata("5700400001", record(1, "c"), metadata(3))
        .await;
    assert!(
        matches!(stale, Err(AggregateError::AggregateConflict)),
        "{stale:?}"
    );
    // The retry loads afresh and lands; the chain stays one chain across both writers.
    cqrs_first
        .execute_with_metadata("5700400001", record(1, "c"), metadata(3))
        .await
        .unwrap();
    cqrs_second
        .execute_with_metadata("5700400002", record(1, "d"), metadata(4))
        .await
        .unwrap();
    let verified = verify_log(first.database(), |_| {})
        .await
        .unwrap()
        .expect("one chain");
    assert_eq!(verified.size, 4);
    let mut context = second
        .store::<Tally>()
        .load_aggregate("5700400001")
        .await
        .unwrap();
    let tally = cqrs_es::AggregateContext::aggregate(&mut context);
    assert_eq!(tally.entries, 3);
}

#[tokio::test]
async fn an_opened_ledger_knows_which_aggregates_exist_as_of_opening() {
    let ledger = TestLedger::sqlite().await;
    apply_scenario(&ledger, 2).await;
    let reopened = Ledger::open(&ledger.url, test_clock()).await.unwrap();
    // Read before anything else runs: the directory was primed before `open` returned.
    assert!(reopened.directory().is_new("Tally", "5799999999"));
    assert!(!reopened.directory().is_new("Tally", "5700100001"));
}

#[tokio::test]
async fn an_aggregate_reloads_from_the_log_after_a_restart() {
    let ledger = TestLedger::sqlite().await;
    apply_scenario(&ledger, 9).await;
    let fresh = Ledger::open(&ledger.url, test_clock()).await.unwrap();
    let mut context = fresh
        .store::<Tally>()
        .load_aggregate("5700100001")
        .await
        .unwrap();
    assert_eq!(context.sequence(), 3);
    let tally = cqrs_es::AggregateContext::aggregate(&mut context);
    assert_eq!(
        (tally.entries, tally.total),
        (3, 2_000_000 + 5_000_000 + 8_000_000)
    );
}

#[tokio::test]
async fn an_aggregate_another_process_created_is_not_taken_for_new() {
    let db = crate::support::pg::TestDb::create().await;
    let first = Ledger::open(&db.url, test_clock()).await.unwrap();
    let cqrs_first = cqrs_es::CqrsFramework::new(first.store::<Tally>(), vec![], ());
    // The first process writes once, so its directory of aggregates is complete and current.
    cqrs_first
        .execute_with_metadata("5700500001", record(1, "a"), metadata(1))
        .await
        .unwrap();
    assert!(first.directory().is_new("Tally", "5700500002"));

    // Another process creates 5700500002 behind the first one's back.
    let second = Ledger::open(&db.url, test_clock()).await.unwrap();
    let cqrs_second = cqrs_es::CqrsFramework::new(second.store::<Tally>(), vec![], ());
    cqrs_second
        .execute_with_metadata("5700500002", record(10, "b"), metadata(2))
        .await
        .unwrap();

    // The first process's decision on a stale "new" never lands: the append conflicts, the
    // directory is forgotten, and the retry reads the log.
    let stale = cqrs_first
        .execute_with_metadata("5700500002", record(5, "c"), metadata(3))
        .await;
    assert!(
        matches!(stale, Err(AggregateError::AggregateConflict)),
        "{stale:?}"
    );
    assert!(
        !first.directory().is_new("Tally", "5700500003"),
        "a stale directory is not trusted"
    );
    cqrs_first
        .execute_with_metadata("5700500002", record(5, "c"), metadata(3))
        .await
        .unwrap();
    let mut context = first
        .store::<Tally>()
        .load_aggregate("5700500002")
        .await
        .unwrap();
    assert_eq!(context.sequence(), 2);
    assert_eq!(cqrs_es::AggregateContext::aggregate(&mut context).total, 15);
    verify_log(first.database(), |_| {})
        .await
        .unwrap()
        .expect("one chain");
}
