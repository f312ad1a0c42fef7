//! The dashboard's first load (issue 8): the demo scenario (scale `BENCH_SCALE`, default 1) on
//! PostgreSQL, the service, and headless Chromium with an empty cache and a signed-in token
//! loading `/`. Prints, for each of `LOADS` loads and their median, the time from navigation
//! start to the first complete page (the app's `htx-rendered` performance mark, set when
//! plan progress is drawn) and the bytes transferred (navigation + every resource, from the
//! Performance API). docs/performance.md keeps the figures.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian's chromium, chromium-driver).

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::http::{self, ServeOptions};
use common::{ScratchDb, person, scale};
use domain::ledger::Role;
use fantoccini::ClientBuilder;
use programme::Programme;
use serde_json::{Value, json};
use store::{Ledger, SystemClock};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LOADS: usize = 7;

/// One cold load: a new browser (empty cache), the token put in sessionStorage from a page
/// that loads no asset (`/healthz`), then `/`.
async fn load(driver: &str, base: &str, token: &str) -> (f64, u64, u64) {
    let capabilities = json!({"goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,900"],
    }});
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("a Chromium session");
    client.goto(&format!("{base}/healthz")).await.unwrap();
    client
        .execute(
            "sessionStorage.setItem('htx.token', arguments[0])",
            vec![json!(token)],
        )
        .await
        .unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    let started = Instant::now();
    let figures = loop {
        let answer = client
            .execute(
                "const mark = performance.getEntriesByName('htx-rendered')[0];
                 if (!mark || document.body.dataset.rendered !== '1') return null;
                 const entries = [...performance.getEntriesByType('navigation'),
                                  ...performance.getEntriesByType('resource')];
                 return [mark.startTime,
                         entries.reduce((s, e) => s + e.transferSize, 0),
                         entries.reduce((s, e) => s + e.decodedBodySize, 0)];",
                vec![],
            )
            .await
            .unwrap();
        if let Some(values) = answer.as_array() {
            break (
                values[0].as_f64().unwrap(),
                values[1].as_f64().unwrap() as u64,
                values[2].as_f64().unwrap() as u64,
            );
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no render");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    client.close().await.unwrap();
    figures
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let db = ScratchDb::create("bench_dashboard").await;
    let options = scenario::Options {
        seed: 1,
        scale: scale(),
        until: None,
    };
    let demo = scenario::open(&db.url).await.unwrap();
    scenario::run(&demo, &options, |_| {}).await.unwrap();
    demo.programme.ledger.database().close().await;
    let ledger = Ledger::open(&db.url, Arc::new(SystemClock)).await.unwrap();
    let token = person(
        &Programme::new(ledger.clone()),
        "bench.dashboard",
        Role::Dashboard,
    )
    .await;
    let head = store::read_head(ledger.database()).await.unwrap().size;
    println!("demo scenario at scale {}: {head} entries", options.scale);
    let serve = ServeOptions::local(Duration::from_millis(500));
    let running = http::start(ledger, None, &serve, false).await.unwrap();
    let base = format!("http://{}", running.addr);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut chromedriver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("/usr/bin/chromedriver (apt-get install chromium chromium-driver)");
    let driver = format!("http://127.0.0.1:{port}");
    while reqwest::get(format!("{driver}/status")).await.is_err() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (mut times, mut transferred, mut decoded) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..LOADS {
        let (ms, bytes, body) = load(&driver, &base, &token).await;
        println!(
            "load {n}: first complete render {ms:.0} ms, {bytes} bytes transferred ({body} bytes decoded)"
        );
        times.push(ms);
        transferred.push(bytes as f64);
        decoded.push(body as f64);
    }
    println!(
        "dashboard first load, median of {LOADS}: {:.0} ms to the first complete render, {:.0} bytes transferred ({:.0} decoded)",
        median(times),
        median(transferred),
        median(decoded)
    );
    let _ = chromedriver.kill();
    let _ = chromedriver.wait();
    running.stop().await.unwrap();
    db.drop().await;
}
