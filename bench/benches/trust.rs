//! What trust beyond the operator costs (issue 15), on PostgreSQL, with three witnesses in
//! this process (each on its own loopback port, with its own SQLite state file):
//!
//! 1. appends per second with witnessing off and on, in the order off, on, on, off (32 writers of a small
//!    aggregate; the service signs a checkpoint every second, and with a policy pushes each
//!    to the witnesses);
//! 2. the time from a checkpoint's signing to the quorum's cosignatures being stored and the
//!    checkpoint published, p50 and p99 over `LATENCY_ROUNDS` checkpoints;
//! 3. tile reads per second under 32 connections, against a log of `TILE_ENTRIES` entries
//!    (default 1,000,000 × `BENCH_SCALE`).
//!
//! The service runs in the same process as the load, as wrk on the same machine would be.
//! Run with `cargo bench -p bench --bench trust`; `DATABASE_URL` as for the other benches.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::http::{self, ServeOptions};
use common::load::{load, print_header};
use common::{ScratchDb, fill, person, scale, throughput};
use domain::ledger::Role;
use programme::Programme;
use store::testing::Tally;
use store::{Ledger, SystemClock};
use tlog::tiles::{Tile, TileKind};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn entries() -> u64 {
    std::env::var("TILE_ENTRIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or((1_000_000.0 * scale()) as u64)
}

/// A position-spread walk over the full tiles of `kind` below `size`: connection `c`'s
/// request `i` reads a different tile than its neighbours, so reads are not one row cached.
fn tile_paths(kind: TileKind, size: u64) -> Vec<String> {
    let per_tile = match kind {
        TileKind::Level(level) => 256u64.pow(u32::from(level) + 1),
        TileKind::Entries => 256,
    };
    (0..size / per_tile)
        .map(|index| format!("/tlog/{}", Tile::full(kind, index).path()))
        .collect()
}

/// Three witnesses in this process, each on its own loopback port with its own SQLite state,
/// witnessing the log of `log_key`; and the policy: two of the three.
async fn local_witnesses(
    dir: &std::path::Path,
    log_key: &tlog::note::VerifierKey,
) -> tlog::policy::Policy {
    let mut policy = format!("log {log_key}\n");
    for (n, name) in ["STC", "KBNN", "KTNN"].iter().enumerate() {
        let key = tlog::cosignature::CosignerKey::from_seed(
            &format!("{}.bench.test/witness", name.to_lowercase()),
            &[n as u8 + 1; 32],
        )
        .unwrap();
        let state = dir.join(format!("{name}.db"));
        let state = witness::state::WitnessState::open(&format!("sqlite://{}", state.display()))
            .await
            .unwrap();
        let server = Arc::new(witness::Witness::new(
            key.clone(),
            vec![log_key.clone()],
            state,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, witness::router(server))
                .await
                .unwrap();
        });
        // NO_WITNESS_URLS: the same policy with no URLs, so that nothing is pushed (to
        // tell the pushes' cost from the rest of the witnessing's).
        let url = if std::env::var("NO_WITNESS_URLS").is_ok() {
            String::new()
        } else {
            format!(" http://{addr}")
        };
        policy.push_str(&format!("witness {name} {}{url}\n", key.witness_key()));
    }
    policy.push_str("group two 2 STC KBNN KTNN\nquorum two\n");
    tlog::policy::Policy::parse(&policy).unwrap()
}

fn options(policy: Option<&tlog::policy::Policy>) -> ServeOptions {
    let mut serve = ServeOptions::local(Duration::from_millis(500));
    serve.checkpoint_every = Duration::from_secs(1);
    serve.policy = policy.cloned();
    serve
}

/// Appends per second, witnessing off and on in turn, each on the same log.
async fn appends_with_and_without_witnessing(
    url: &str,
    ring: &Arc<store::keys::KeyRing>,
    policy: &tlog::policy::Policy,
) {
    let commands = ((40_000.0 * scale()) as u64).max(1_000);
    println!();
    println!("| appends, 32 writers, {commands} commands a run | witnessing | appends/s |");
    println!("|---|---|---:|");
    // A first run on the empty log is always the fastest (empty indexes, nothing to
    // vacuum): run it and leave it out of the comparison.
    {
        let ledger = Ledger::open(url, Arc::new(SystemClock)).await.unwrap();
        let cqrs = Arc::new(cqrs_es::CqrsFramework::new(
            ledger.store::<Tally>(),
            vec![],
            (),
        ));
        let rate = throughput(cqrs, 32, commands, "warm-").await;
        println!("| warm-up on the empty log, left out | off | {rate:.0} |");
        ledger.database().close().await;
    }
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let runs: usize = std::env::var("APPEND_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    for run in 0..runs {
        // off, on, on, off, …: a drift over the runs (the log grows, the machine's load
        // changes) weighs on both modes alike.
        let on = matches!(run % 4, 1 | 2);
        let ledger = Ledger::open(url, Arc::new(SystemClock)).await.unwrap();
        let running = http::start(
            ledger.clone(),
            Some(ring.clone()),
            &options(on.then_some(policy)),
            false,
        )
        .await
        .unwrap();
        let cqrs = Arc::new(cqrs_es::CqrsFramework::new(
            ledger.store::<Tally>(),
            vec![],
            (),
        ));
        let rate = throughput(cqrs, 32, commands, &format!("r{run}-")).await;
        rates[usize::from(on)].push(rate);
        println!(
            "| run {} | {} | {rate:.0} |",
            run + 1,
            if on { "on" } else { "off" }
        );
        running.stop().await.unwrap();
        ledger.database().close().await;
    }
    let mean = |rates: &[f64]| rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    let median = |rates: &[f64]| {
        let mut sorted = rates.to_vec();
        sorted.sort_by(f64::total_cmp);
        match sorted.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        }
    };
    println!(
        "| mean | on / off | {:.3} |",
        mean(&rates[1]) / mean(&rates[0])
    );
    // One run in a few is far off the others, either way (a checkpoint of PostgreSQL's, the
    // other processes of the machine): the medians are the steadier comparison.
    println!(
        "| median | on / off | {:.3} |",
        median(&rates[1]) / median(&rates[0])
    );
}

/// Ten entries of a new aggregate of its own.
async fn append_ten(ledger: &Ledger, round: usize) {
    let meta = serde_json::to_value(
        domain::ledger::EventMetadata::from_map(&store::testing::metadata(0)).unwrap(),
    )
    .unwrap();
    let events = (0..10)
        .map(|i| store::NewEvent {
            event_type: "TallyRecorded".into(),
            event_version: "1".into(),
            payload: serde_json::json!({"Recorded": {"amount": i, "note": "Hỗ trợ"}}),
        })
        .collect();
    let request = store::AppendRequest {
        aggregate_type: "Tally".into(),
        aggregate_id: format!("quorum-{round}"),
        expected_sequence: 0,
        events,
        metadata: meta,
        remember: None,
    };
    ledger.appender().append(request).await.unwrap();
}

/// From signing a checkpoint to its publication with the quorum's cosignatures.
async fn checkpoint_to_quorum(
    url: &str,
    ring: &Arc<store::keys::KeyRing>,
    policy: &tlog::policy::Policy,
) {
    let rounds: usize = std::env::var("LATENCY_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let ledger = Ledger::open(url, Arc::new(SystemClock)).await.unwrap();
    let mut serve = options(Some(policy));
    serve.checkpoint_every = Duration::from_secs(3_600);
    if let Some(poll) = std::env::var("WITNESS_POLL_MS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        serve.witnessing.poll = Duration::from_millis(poll);
    }
    let running = http::start(ledger.clone(), Some(ring.clone()), &serve, false)
        .await
        .unwrap();
    let witnessing = running.state.witnessing.clone().expect("a policy");
    let mut published = witnessing.subscribe();
    let mut latencies = Vec::with_capacity(rounds);
    let mut signing = Vec::with_capacity(rounds);
    for round in 0..rounds {
        append_ten(&ledger, round).await;
        let started = Instant::now();
        let checkpoint = store::checkpoint::create(ledger.database(), ring, &SystemClock)
            .await
            .unwrap()
            .checkpoint;
        // Signed and stored: the pushes may start from here (the witnessing is woken when
        // the checkpoint is stored, just before `create` returns).
        let signed = Instant::now();
        signing.push(signed - started);
        published
            .wait_for(|p| {
                p.as_ref()
                    .is_some_and(|p| p.checkpoint.size >= checkpoint.size)
            })
            .await
            .unwrap();
        latencies.push(signed.elapsed());
    }
    let at = |durations: &mut Vec<Duration>, p: f64| {
        durations.sort();
        let i = ((durations.len() as f64 * p).ceil() as usize).saturating_sub(1);
        durations[i.min(durations.len() - 1)].as_secs_f64() * 1000.0
    };
    println!();
    println!(
        "signing a checkpoint of ten new entries (checkpoint::create), {rounds} checkpoints: p50 {:.2} ms, p99 {:.2} ms",
        at(&mut signing, 0.50),
        at(&mut signing, 0.99),
    );
    println!(
        "checkpoint signed → quorum (2 of 3 local witnesses) stored and published, {rounds} checkpoints: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(&mut latencies, 0.50),
        at(&mut latencies, 0.99),
        at(&mut latencies, 1.0)
    );
    running.stop().await.unwrap();
    ledger.database().close().await;
}

#[tokio::main]
async fn main() {
    let witnesses = tempfile::tempdir().unwrap();
    let log_keys = tempfile::tempdir().unwrap();
    store::keys::generate("bench.htx-ledger.test/log", log_keys.path()).unwrap();
    let ring = Arc::new(store::keys::KeyRing::load(log_keys.path()).unwrap());
    let policy = local_witnesses(witnesses.path(), &ring.verifiers()[0]).await;
    println!(
        "load average {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let appends = ScratchDb::create("bench_witnessing").await;
    let only_latency = std::env::var("ONLY_LATENCY").is_ok();
    if !only_latency {
        appends_with_and_without_witnessing(&appends.url, &ring, &policy).await;
    }
    checkpoint_to_quorum(&appends.url, &ring, &policy).await;
    appends.drop().await;
    if only_latency {
        return;
    }

    let db = ScratchDb::create("bench_trust").await;
    let target = entries();
    let ledger = Ledger::open(&db.url, Arc::new(SystemClock)).await.unwrap();
    let filled = Instant::now();
    fill(&ledger, target).await;
    let programme = Programme::new(ledger.clone());
    let auditor = person(&programme, "bench.auditor", Role::Auditor).await;
    let signed = store::checkpoint::create(ledger.database(), &ring, &SystemClock)
        .await
        .unwrap()
        .checkpoint;
    println!(
        "log of {} entries on PostgreSQL, filled and signed in {:.1} s",
        signed.size,
        filled.elapsed().as_secs_f64()
    );
    let serve = ServeOptions::local(Duration::from_millis(500));
    let running = http::start(ledger, Some(ring), &serve, false)
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    print_header("tile reads");
    let level0 = Arc::new(tile_paths(TileKind::Level(0), signed.size));
    let level1 = Arc::new(tile_paths(TileKind::Level(1), signed.size));
    let bundles = Arc::new(tile_paths(TileKind::Entries, signed.size));
    let mixed: Arc<Vec<String>> = Arc::new(
        level0
            .iter()
            .zip(bundles.iter())
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .chain(level1.iter().cloned())
            .collect(),
    );
    for (name, paths) in [
        ("level-0 tiles (256 hashes, 8 KiB)", level0),
        ("level-1 tiles", level1),
        ("entry bundles (256 entries, auditor)", bundles),
        ("mixed: level 0, entry bundles, level 1", mixed),
    ] {
        let measured = load(&base, &auditor, move |connection| {
            let paths = paths.clone();
            Box::new(move |i| {
                let path = &paths[(connection * 7_919 + i * 31) % paths.len()];
                (reqwest::Method::GET, path.clone(), None)
            })
        })
        .await;
        measured.print(name);
        assert_eq!(measured.errors, 0, "{name}: every read must succeed");
    }
    running.stop().await.unwrap();
    db.drop().await;
}
