//! The HTTP service under load: 32 connections reading projections, then 32 connections
//! sending commands, against the demo scenario (scale `BENCH_SCALE`, default 1) on
//! PostgreSQL. Prints requests per second, p50 and p99 for each mix.
//!
//! The load generator runs in the same process as the service, on the same two cores, as wrk
//! on the same machine would.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::http::{self, ServeOptions};
use common::{ScratchDb, person, scale};
use domain::ledger::Role;
use programme::Programme;
use serde_json::json;
use store::{Ledger, SystemClock};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONNECTIONS: usize = 32;
const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);

struct Measured {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Measured {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies[index.min(self.latencies.len() - 1)].as_secs_f64() * 1000.0
    }

    fn print(&self, name: &str) {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {} | {} |",
            self.requests as f64 / self.seconds,
            self.percentile(0.50),
            self.percentile(0.99),
            self.requests,
            self.errors
        );
    }
}

/// One request a connection sends: method, path, body.
type Next = Box<dyn FnMut(usize) -> (reqwest::Method, String, Option<serde_json::Value>) + Send>;

/// Runs `CONNECTIONS` connections, each sending requests from its own `next` back to back,
/// and measures the requests that start after the warm-up.
async fn load(base: &str, token: &str, mut make: impl FnMut(usize) -> Next) -> Measured {
    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let end = measure_from + MEASURE;
    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        let base = base.to_string();
        let token = token.to_string();
        let mut next = make(connection);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut i = 0;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let (method, path, body) = next(i);
                i += 1;
                let mut request = client
                    .request(method, format!("{base}{path}"))
                    .bearer_auth(&token);
                if let Some(body) = body {
                    request = request.json(&body);
                }
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let _ = response.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                if sent >= measure_from {
                    latencies.push(sent.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, failed) = task.await.unwrap();
        all.extend(latencies);
        errors += failed;
    }
    all.sort();
    Measured {
        requests: all.len(),
        errors,
        seconds: MEASURE.as_secs_f64(),
        latencies: all,
    }
}

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
    let codes: Vec<String> = {
        let page: serde_json::Value = reqwest::Client::new()
            .get(format!(
                "{base}/api/v1/projections/registry/registry?limit=1000&status=active"
            ))
            .bearer_auth(&dashboard)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        codes.len() >= CONNECTIONS,
        "{} active cooperatives",
        codes.len()
    );
    println!(
        "{CONNECTIONS} connections, {} s warm-up then {} s measured per mix; load average {}",
        WARM_UP.as_secs(),
        MEASURE.as_secs(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!();
    println!("| mix | requests/s | p50 ms | p99 ms | requests | errors |");
    println!("|---|---:|---:|---:|---:|---:|");

    let reads = [
        "/api/v1/projections/registry/registry?limit=20",
        "/api/v1/projections/plan_progress/plan_progress?limit=20",
        "/api/v1/projections/funding_balances/funding_balances?limit=20",
        "/api/v1/projections/dissolution_progress/dissolution_progress?limit=20",
    ];
    let measured = load(&base, &dashboard, |connection| {
        Box::new(move |i| {
            let path = reads[(connection + i) % reads.len()];
            (reqwest::Method::GET, path.to_string(), None)
        })
    })
    .await;
    measured.print("projection reads (4 tables, 20 rows a page)");
    for path in reads {
        let measured = load(&base, &dashboard, move |_| {
            Box::new(move |_| (reqwest::Method::GET, path.to_string(), None))
        })
        .await;
        let table = path.split('?').next().unwrap_or(path);
        measured.print(&format!("only {table}"));
    }

    let one = codes.clone();
    let measured = load(&base, &dashboard, move |connection| {
        let one = one.clone();
        Box::new(move |i| {
            let code = &one[(connection * 31 + i) % one.len()];
            (
                reqwest::Method::GET,
                format!("/api/v1/projections/registry/registry?code={code}"),
                None,
            )
        })
    })
    .await;
    measured.print("one cooperative by code (filter)");

    let measured = load(&base, &dashboard, |_| {
        Box::new(|_| {
            (
                reqwest::Method::GET,
                "/api/v1/projections/registry/registry?as_of_date=2017-12-31&limit=20".to_string(),
                None,
            )
        })
    })
    .await;
    measured.print("registry as of 31/12/2017 (kept after the first)");

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

    // The first mix runs right after the scenario is written, while PostgreSQL may still be
    // vacuuming and flushing it: the same mix again, last.
    let measured = load(&base, &dashboard, |connection| {
        Box::new(move |i| {
            let path = reads[(connection + i) % reads.len()];
            (reqwest::Method::GET, path.to_string(), None)
        })
    })
    .await;
    measured.print("projection reads again, last (4 tables, 20 rows a page)");

    running.stop().await.unwrap();
    db.drop().await;
}
