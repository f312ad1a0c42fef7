//! Load from 32 connections on loopback: each its own reqwest client, one request at a time,
//! back to back, for a warm-up and then a measured window; requests per second and latency
//! percentiles.

use std::time::{Duration, Instant};

pub const CONNECTIONS: usize = 32;
pub const WARM_UP: Duration = Duration::from_secs(2);
pub const MEASURE: Duration = Duration::from_secs(10);

pub struct Measured {
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub latencies: Vec<Duration>,
}

impl Measured {
    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies[index.min(self.latencies.len() - 1)].as_secs_f64() * 1000.0
    }

    pub fn print(&self, name: &str) {
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
pub type Next =
    Box<dyn FnMut(usize) -> (reqwest::Method, String, Option<serde_json::Value>) + Send>;

/// Runs `CONNECTIONS` connections, each sending requests from its own `next` back to back,
/// and measures the requests that start after the warm-up.
pub async fn load(base: &str, token: &str, mut make: impl FnMut(usize) -> Next) -> Measured {
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

/// Prints how the load runs, the machine's load average, and the head of a table whose first
/// column is `first`.
pub fn print_header(first: &str) {
    println!(
        "{CONNECTIONS} connections, {} s warm-up then {} s measured per mix; load average {}",
        WARM_UP.as_secs(),
        MEASURE.as_secs(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!();
    println!("| {first} | requests/s | p50 ms | p99 ms | requests | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
}

/// The first page (20 rows) of each of four projection tables.
pub const PROJECTION_READS: [&str; 4] = [
    "/api/v1/projections/registry/registry?limit=20",
    "/api/v1/projections/plan_progress/plan_progress?limit=20",
    "/api/v1/projections/funding_balances/funding_balances?limit=20",
    "/api/v1/projections/dissolution_progress/dissolution_progress?limit=20",
];

/// Each connection reads the pages of [`PROJECTION_READS`] in turn.
pub async fn projection_reads(base: &str, token: &str) -> Measured {
    load(base, token, |connection| {
        Box::new(move |i| {
            let path = PROJECTION_READS[(connection + i) % PROJECTION_READS.len()];
            (reqwest::Method::GET, path.to_string(), None)
        })
    })
    .await
}

/// Each connection reads the registry row of one of `codes` after another (a filter).
pub async fn cooperatives_by_code(base: &str, token: &str, codes: &[String]) -> Measured {
    let codes = codes.to_vec();
    load(base, token, move |connection| {
        let codes = codes.clone();
        Box::new(move |i| {
            let code = &codes[(connection * 31 + i) % codes.len()];
            (
                reqwest::Method::GET,
                format!("/api/v1/projections/registry/registry?code={code}"),
                None,
            )
        })
    })
    .await
}

/// The active cooperatives' codes, from the registry.
pub async fn active_codes(base: &str, token: &str) -> Vec<String> {
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{base}/api/v1/projections/registry/registry?limit=1000&status=active"
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
