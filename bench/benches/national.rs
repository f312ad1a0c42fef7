//! The ledger at national scale: the service on a ledger the demo filled beforehand
//! (`demo --scale 1000` on PostgreSQL: about 10,000,000 entries). Run with
//!
//! ```sh
//! NATIONAL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo1000 \
//!     cargo bench -p bench --bench national
//! ```
//!
//! It measures, on that ledger as it stands:
//! - the service's start until it is ready (the ledger opened, the live projections loaded and
//!   caught up: what `serve` does before it listens);
//! - its resident memory once ready, and at its highest under the HTTP loads below;
//! - an inclusion proof from the stored tree, p50 and p99 over random positions;
//! - HTTP under 32 connections: proofs, projection reads, one cooperative by code;
//! - the size on disk per million entries, table by table.
//!
//! Each run adds its two readers to the ledger (an auditor and a dashboard: 4 entries).
//! `verify` and a projection rebuild are the CLI's own commands, timed apart (see
//! docs/performance.md).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::http::{self, ServeOptions};
use common::load::{
    CONNECTIONS, active_codes, cooperatives_by_code, load, print_header, projection_reads,
};
use common::person;
use domain::ledger::Role;
use programme::Programme;
use sqlx::Row;
use store::{Database, Ledger, SystemClock, tree};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Random positions an inclusion proof is measured at.
const PROOFS: usize = 10_000;

/// This process's resident memory now and at its highest, in MiB (`/proc/self/status`).
fn resident_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A small deterministic generator (xorshift), so that every run asks for the same positions.
struct Positions(u64);

impl Positions {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() {
    let url = std::env::var("NATIONAL_DATABASE_URL").expect(
        "NATIONAL_DATABASE_URL names the ledger to measure, e.g. \
         postgres://postgres@127.0.0.1:5432/demo1000 after `htx-ledger demo --scale 1000`",
    );

    // 1. The log as it stands: inclusion proofs from the stored tree, and the size on disk.
    let ledger = Ledger::open(&url, Arc::new(SystemClock)).await.unwrap();
    let head = store::read_head(ledger.database()).await.unwrap().size;
    println!("ledger of {head} entries at {}", redact(&url));
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    // Inclusion proofs from the stored tree, at the head, over random positions.
    let db = ledger.database().clone();
    let db = &db;
    let mut positions = Positions(0x9E37_79B9_7F4A_7C15);
    let mut timings = Vec::with_capacity(PROOFS);
    for _ in 0..PROOFS {
        let index = positions.next_below(head);
        let at = Instant::now();
        let proof = tree::inclusion_proof(db, index, head).await.unwrap();
        timings.push(at.elapsed());
        assert!(!proof.is_empty() || head == 1);
    }
    timings.sort();
    println!(
        "| inclusion proof at {head} entries ({PROOFS} random positions) | p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs |",
        percentile(&timings, 0.50),
        percentile(&timings, 0.99),
        percentile(&timings, 1.0)
    );

    // Disk: the database and its largest tables, per million entries.
    let sizes = disk_sizes(db).await;
    let millions = head as f64 / 1e6;
    let total: i64 = sizes.first().map_or(0, |(_, bytes)| *bytes);
    println!(
        "| size on disk | {:.2} GiB, {:.0} MiB per million entries |",
        total as f64 / f64::from(1 << 30),
        total as f64 / f64::from(1 << 20) / millions
    );
    for (table, bytes) in sizes.iter().skip(1) {
        println!(
            "| — {table} | {:.0} MiB per million entries |",
            *bytes as f64 / f64::from(1 << 20) / millions
        );
    }

    // 2. Start until ready: the ledger opened, the service started (the live projections
    // loaded from their tables and caught up with the log), and `/readyz` answering 200.
    ledger.database().close().await;
    drop(ledger);
    let started = Instant::now();
    let ledger = Ledger::open(&url, Arc::new(SystemClock)).await.unwrap();
    let opened = started.elapsed();
    let db = ledger.database().clone();
    let db = &db;
    let serve = ServeOptions::local(Duration::from_millis(500));
    let running = http::start(ledger.clone(), None, &serve, false)
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::new();
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ready = started.elapsed();
    let (rss_ready, _) = resident_mib();
    println!(
        "| start until ready (open {:.1} s) | {:.1} s |",
        opened.as_secs_f64(),
        ready.as_secs_f64()
    );
    println!("| resident memory once ready | {rss_ready:.0} MiB |");
    println!();

    // 3. HTTP under 32 connections.
    let programme = Programme::new(ledger.clone());
    let run = std::process::id();
    let auditor = person(&programme, &format!("bench.auditor.{run}"), Role::Auditor).await;
    let dashboard = person(
        &programme,
        &format!("bench.dashboard.{run}"),
        Role::Dashboard,
    )
    .await;
    let codes = active_codes(&base, &dashboard).await;
    assert!(
        codes.len() >= CONNECTIONS,
        "{} active cooperatives",
        codes.len()
    );
    // The proof route proves against the latest signed checkpoint.
    let signed = store::checkpoint::latest(db)
        .await
        .unwrap()
        .map_or(0, |checkpoint| checkpoint.size);
    print_header("HTTP, 32 connections");
    let mut highest = rss_ready;
    if signed > 0 {
        let measured = load(&base, &auditor, move |connection| {
            let mut positions = Positions(0x2545_F491_4F6C_DD1D ^ connection as u64);
            Box::new(move |_| {
                let position = positions.next_below(signed);
                (
                    reqwest::Method::GET,
                    format!("/api/v1/ledger/proof/{position}"),
                    None,
                )
            })
        })
        .await;
        measured.print(&format!(
            "inclusion proof (tlog-proof, checkpoint of {signed})"
        ));
        highest = highest.max(resident_mib().0);
    } else {
        println!("| inclusion proof | no signed checkpoint on this ledger: not measured | | | | |");
    }
    let measured = projection_reads(&base, &dashboard).await;
    measured.print("projection reads (4 tables, 20 rows a page)");
    highest = highest.max(resident_mib().0);
    let measured = cooperatives_by_code(&base, &dashboard, &codes).await;
    measured.print("one cooperative by code (filter)");
    highest = highest.max(resident_mib().0);
    let (_, peak) = resident_mib();
    println!();
    println!(
        "resident memory under the HTTP loads: {highest:.0} MiB after the loads, {peak:.0} MiB at the highest since the start"
    );
    running.stop().await.unwrap();
}

/// The database's size, then its six largest tables with their indexes, in bytes.
async fn disk_sizes(db: &Database) -> Vec<(String, i64)> {
    let store::Pool::Postgres(pool) = db.pool() else {
        panic!("the national bench measures a PostgreSQL ledger");
    };
    let mut sizes = Vec::new();
    let total: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(pool)
        .await
        .unwrap();
    sizes.push(("database".to_string(), total));
    let rows = sqlx::query(
        "SELECT relname::text, pg_total_relation_size(relid) AS bytes \
         FROM pg_catalog.pg_statio_user_tables ORDER BY bytes DESC LIMIT 6",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for row in rows {
        sizes.push((row.get::<String, _>(0), row.get::<i64, _>(1)));
    }
    sizes
}

/// The URL without its password, if any.
fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((user, rest)) => match user.rsplit_once(':') {
            Some((scheme_user, _)) if scheme_user.contains("//") => {
                format!("{scheme_user}:***@{rest}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}
