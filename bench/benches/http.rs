//! The HTTP service under load: 32 connections reading projections, then 32 connections
//! sending commands, against the demo scenario (scale `BENCH_SCALE`, default 1) on
//! PostgreSQL. Prints requests per second, p50 and p99 for each mix.
//!
//! The load generator runs in the same process as the service, on the same two cores, as wrk
//! on the same machine would. `HTTP_MIXES=commands` (or `reads`) runs only those mixes, e.g.
//! under a profiler.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::http::{self, ServeOptions};
use common::load::{
    CONNECTIONS, PROJECTION_READS, active_codes, cooperatives_by_code, load, print_header,
    projection_reads,
};
use common::{ScratchDb, person, scale};
use domain::ledger::Role;
use programme::Programme;
use serde_json::json;
use store::{Ledger, SystemClock};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let db = ScratchDb::create("bench_http").await;
    let options = scenario::Options {
        seed: 1,
        scale: scale(),
        until: None,
    };
    let filled = Instant::now();
    let demo = scenario::open(&db.url).await.unwrap();
    scenario::run(&demo, &options, |_| {}).await.unwrap();
    demo.programme.ledger.database().close().await;
    let ledger = Ledger::open(&db.url, Arc::new(SystemClock)).await.unwrap();
    let programme = Programme::new(ledger.clone());
    let dashboard = person(&programme, "bench.dashboard", Role::Dashboard).await;
    let clerk = person(&programme, "bench.clerk", Role::Clerk).await;
    let head = store::read_head(ledger.database()).await.unwrap().size;
    println!(
        "demo scenario at scale {}: {head} entries, filled in {:.1} s",
        options.scale,
        filled.elapsed().as_secs_f64()
    );
    let serve = ServeOptions::local(Duration::from_millis(500));
    let running = http::start(ledger, None, &serve, false).await.unwrap();
    let base = format!("http://{}", running.addr);
    let codes = active_codes(&base, &dashboard).await;
    assert!(
        codes.len() >= CONNECTIONS,
        "{} active cooperatives",
        codes.len()
    );
    let mixes = std::env::var("HTTP_MIXES").unwrap_or_default();
    let reads_too = mixes.is_empty() || mixes.split(',').any(|m| m == "reads");
    let commands_too = mixes.is_empty() || mixes.split(',').any(|m| m == "commands");
    print_header("mix");

    if reads_too {
        let measured = projection_reads(&base, &dashboard).await;
        measured.print("projection reads (4 tables, 20 rows a page)");
        for path in PROJECTION_READS {
            let measured = load(&base, &dashboard, move |_| {
                Box::new(move |_| (reqwest::Method::GET, path.to_string(), None))
            })
            .await;
            let table = path.split('?').next().unwrap_or(path);
            measured.print(&format!("only {table}"));
        }

        let measured = cooperatives_by_code(&base, &dashboard, &codes).await;
        measured.print("one cooperative by code (filter)");

        let measured = load(&base, &dashboard, |_| {
            Box::new(|_| {
                (
                    reqwest::Method::GET,
                    "/api/v1/projections/registry/registry?as_of_date=2017-12-31&limit=20"
                        .to_string(),
                    None,
                )
            })
        })
        .await;
        measured.print("registry as of 31/12/2017 (kept after the first)");
    }

    if commands_too {
        let mine = codes.clone();
        let measured = load(&base, &clerk, move |connection| {
            let code = mine[connection].clone();
            Box::new(move |i| {
                let body = json!({
                    "effective_date": "2020-12-31",
                    "members": {"official": 7 + (i % 50), "associate": 0, "member_cooperatives": 0}
                });
                (
                    reqwest::Method::POST,
                    format!("/api/v1/cooperatives/{code}/record-membership"),
                    Some(body),
                )
            })
        })
        .await;
        measured.print("commands (record membership, one cooperative a connection)");
    }

    // The first mix runs right after the scenario is written, while PostgreSQL may still be
    // vacuuming and flushing it: the same mix again, last.
    if reads_too {
        let measured = projection_reads(&base, &dashboard).await;
        measured.print("projection reads again, last (4 tables, 20 rows a page)");
    }

    running.stop().await.unwrap();
    db.drop().await;
}
