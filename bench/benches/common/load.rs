//! Load from 32 connections on loopback: each one kept-alive HTTP/1.1 connection, one request
//! at a time, back to back, for a warm-up and then a measured window; requests per second and
//! latency percentiles.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderValue, Request, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

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
///
/// Each connection is one HTTP/1.1 connection of hyper's own (`client::conn::http1`), kept
/// alive, with no pool, redirects or URL parsing per request: the load generator shares the
/// service's two cores, so the less it spends on a request, the more of the machine measures
/// the service (reqwest spent about 30 % of the process's CPU at 8,000 commands/s). A
/// connection the service closes, or one that fails, counts an error and is opened again.
pub async fn load(base: &str, token: &str, mut make: impl FnMut(usize) -> Next) -> Measured {
    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let end = measure_from + MEASURE;
    let authority = base
        .strip_prefix("http://")
        .unwrap_or(base)
        .trim_end_matches('/')
        .to_string();
    let authorization = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    let host = HeaderValue::from_str(&authority).unwrap();
    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        let authority = authority.clone();
        let (authorization, host) = (authorization.clone(), host.clone());
        let mut next = make(connection);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut i = 0;
            let mut sender = None;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let (method, path, body) = next(i);
                i += 1;
                let mut request = Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::HOST, host.clone())
                    .header(header::AUTHORIZATION, authorization.clone());
                let body = match body {
                    Some(body) => {
                        request = request.header(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        );
                        Bytes::from(serde_json::to_vec(&body).unwrap())
                    }
                    None => Bytes::new(),
                };
                let request = request.body(Full::new(body)).unwrap();
                let ok = match send(&mut sender, &authority, request).await {
                    Ok(ok) => ok,
                    Err(_) => {
                        sender = None;
                        false
                    }
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

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Sends `request` on the connection, opening it first if there is none; answers whether
/// the status was a success, once the whole body is read.
async fn send(
    sender: &mut Option<Sender>,
    authority: &str,
    request: Request<Full<Bytes>>,
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let open = match sender {
        Some(open) => open,
        None => {
            let stream = tokio::net::TcpStream::connect(authority).await?;
            stream.set_nodelay(true)?;
            let (open, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            sender.insert(open)
        }
    };
    open.ready().await?;
    let response = open.send_request(request).await?;
    let ok = response.status().is_success();
    response.into_body().collect().await?;
    Ok(ok)
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
