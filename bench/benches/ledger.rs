//! The ledger core's benchmark: a table measured side by side in one run, on one PostgreSQL
//! with `synchronous_commit` on. Run with `cargo bench -p bench --bench ledger`; set
//! `DATABASE_URL` to a server URL (default `postgres://postgres@127.0.0.1:5432/`) and
//! `BENCH_SCALE` to shrink or grow every count (default 1.0). It creates and drops its own
//! database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cqrs_es::{AggregateError, CqrsFramework, EventStore};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool};
use store::testing::{Tally, TallyError, metadata, record};
use store::verify::verify_log;
use store::{AppendRequest, Ledger, NewEvent, SystemClock};

mod common;

use common::{AGGREGATES, ScratchDb, fill, throughput};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let scale = common::scale();
    let count = |n: u64| ((n as f64 * scale) as u64).max(1);
    let mut scratch = ScratchDb::create("htx_bench").await;
    let sync = scratch.synchronous_commit().await;
    let url = scratch.url.clone();

    let rows = run(&url, &count).await;
    scratch.drop().await;
    println!(
        "\nPostgreSQL synchronous_commit = {sync}; scale {scale}; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("\n| measure | htx-ledger | postgres-es 0.5.0 | ratio |");
    println!("|---|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
}

async fn run(url: &str, count: &impl Fn(u64) -> u64) -> Vec<String> {
    let ledger = Ledger::open(url, Arc::new(SystemClock))
        .await
        .expect("open ledger");
    let owner = PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await
        .unwrap();
    owner.execute(POSTGRES_ES_SCHEMA).await.unwrap();
    let mut rows = Vec::new();

    let ours = Arc::new(CqrsFramework::new(ledger.store::<Tally>(), vec![], ()));
    let theirs = Arc::new(postgres_es::postgres_cqrs::<Tally>(
        owner.clone(),
        vec![],
        (),
    ));
    // First pass: most aggregates are touched for the first time (read from the database by
    // both stores). Second pass: the same aggregates again, each with a short history.
    for (pass, writers, commands) in [
        ("first touch", 1u64, 3_000),
        ("first touch", 8, 20_000),
        ("again", 1, 3_000),
        ("again", 8, 20_000),
    ] {
        let commands = count(commands);
        let o = throughput(ours.clone(), writers, commands, "o").await;
        let t = throughput(theirs.clone(), writers, commands, "p").await;
        rows.push(format!(
            "| durable single-event commands/s, {writers} writer(s), {AGGREGATES} aggregates, {pass} | {o:.0} | {t:.0} | {:.2}x |",
            o / t
        ));
    }

    let (ours_small, ours_large, ours_cold) = aggregate_cost_ours(&ledger, count(1_000)).await;
    let (theirs_small, theirs_large) = aggregate_cost_postgres_es(&owner, count(200)).await;
    rows.push(format!(
        "| one command on an aggregate with 10 past events (µs) | {ours_small:.0} | {theirs_small:.0} | |"
    ));
    rows.push(format!(
        "| one command on an aggregate with 10,000 past events (µs) | {ours_large:.0} | {theirs_large:.0} | |"
    ));
    rows.push(format!(
        "| 10,000 vs 10 past events | {:.2}x | {:.2}x | |",
        ours_large / ours_small,
        theirs_large / theirs_small
    ));
    rows.push(format!(
        "| first command on the 10,000-event aggregate after a restart (cold cache, ms) | {:.1} | | |",
        ours_cold.as_secs_f64() * 1e3
    ));

    fill(&ledger, count(300_000)).await;
    let started = Instant::now();
    let read = futures::TryStreamExt::try_fold(
        store::stream_log(ledger.database(), 0),
        0u64,
        |n, _| async move { Ok(n + 1) },
    )
    .await
    .unwrap();
    let rate = read as f64 / started.elapsed().as_secs_f64();
    rows.push(format!(
        "| reading the log from PostgreSQL without checking, rows/s | {rate:.0} | | |"
    ));
    let started = Instant::now();
    let verified = verify_log(ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("intact");
    let rate = verified.size as f64 / started.elapsed().as_secs_f64();
    rows.push(format!(
        "| full verification from PostgreSQL, entries/s ({} entries) | {rate:.0} | | |",
        verified.size
    ));
    let mut exported = Vec::new();
    store::export::export_jsonl(ledger.database(), &mut exported, |_| {})
        .await
        .unwrap();
    let started = Instant::now();
    let from_file = store::export::verify_jsonl(&exported[..], |_| {}).expect("export verifies");
    let rate = from_file.size as f64 / started.elapsed().as_secs_f64();
    rows.push(format!(
        "| verification of the exported JSON lines in memory, entries/s | {rate:.0} | | |"
    ));
    ledger.database().close().await;
    owner.close().await;
    rows
}

/// Mean µs per command on aggregates with 10 and 10,000 past events, and the cold first load.
async fn aggregate_cost_ours(ledger: &Ledger, commands: u64) -> (f64, f64, Duration) {
    for (id, past) in [("small", 10u64), ("large", 10_000)] {
        for chunk in 0..past.div_ceil(1_000) {
            let n = (past - chunk * 1_000).min(1_000);
            let events = (0..n)
                .map(|_| NewEvent {
                    event_type: "TallyRecorded".into(),
                    event_version: "1".into(),
                    payload: serde_json::json!({"Recorded": {"amount": 1, "note": "quá khứ"}}),
                })
                .collect();
            let request = AppendRequest {
                aggregate_type: "Tally".into(),
                aggregate_id: id.into(),
                expected_sequence: chunk * 1_000,
                events,
                metadata: serde_json::to_value(
                    domain::ledger::EventMetadata::from_map(&metadata(0)).unwrap(),
                )
                .unwrap(),
                remember: None,
            };
            ledger.appender().append(request).await.unwrap();
        }
    }
    let cold = Instant::now();
    let fresh = Ledger::new(ledger.database().clone(), Arc::new(SystemClock)).await;
    let cqrs = CqrsFramework::new(fresh.store::<Tally>(), vec![], ());
    cqrs.execute_with_metadata("large", record(1, "lạnh"), metadata(0))
        .await
        .unwrap();
    let cold = cold.elapsed();
    cqrs.execute_with_metadata("small", record(1, "lạnh"), metadata(0))
        .await
        .unwrap();
    let small = per_command(&cqrs, "small", commands).await;
    let large = per_command(&cqrs, "large", commands).await;
    (small, large, cold)
}

async fn aggregate_cost_postgres_es(pool: &PgPool, commands: u64) -> (f64, f64) {
    let cqrs = postgres_es::postgres_cqrs::<Tally>(pool.clone(), vec![], ());
    for i in 0..10 {
        cqrs.execute_with_metadata("pg-small", record(1, "quá khứ"), metadata(i))
            .await
            .unwrap();
    }
    // 10,000 past events written directly in postgres-es's own table layout.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         SELECT 'Tally', 'pg-large', s, 'TallyRecorded', '1', '{\"Recorded\":{\"amount\":1,\"note\":\"quá khứ\"}}', '{}' \
         FROM generate_series(1, 10000) AS s",
    )
    .execute(pool)
    .await
    .unwrap();
    let small = per_command(&cqrs, "pg-small", commands).await;
    let large = per_command(&cqrs, "pg-large", commands).await;
    (small, large)
}

async fn per_command<ES: EventStore<Tally>>(
    cqrs: &CqrsFramework<Tally, ES>,
    id: &str,
    commands: u64,
) -> f64 {
    let started = Instant::now();
    for i in 0..commands {
        let result: Result<(), AggregateError<TallyError>> = cqrs
            .execute_with_metadata(id, record(1, "đo"), metadata(i))
            .await;
        result.unwrap();
    }
    started.elapsed().as_secs_f64() * 1e6 / commands as f64
}

/// postgres-es 0.5.0's own table, from its `db/init.sql`.
const POSTGRES_ES_SCHEMA: &str = "CREATE TABLE events (
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    sequence bigint CHECK (sequence >= 0) NOT NULL,
    event_type text NOT NULL,
    event_version text NOT NULL,
    payload json NOT NULL,
    metadata json NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
)";
