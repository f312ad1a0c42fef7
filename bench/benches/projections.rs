//! The projections' benchmark: a full rebuild of 1,000,000 entries on PostgreSQL, in entries
//! per second, and the projector's lag behind the log while appends run at full speed.
//! Run with `cargo bench -p bench --bench projections`; `DATABASE_URL` and `BENCH_SCALE` as for
//! the ledger bench. It creates and drops its own database.
//!
//! The log is filled through the appender with the registry's own events (a registration, then
//! membership records and annual information), 10 per cooperative, so that decoding and folding
//! are what the product does; the command path's rules are measured elsewhere.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::code::CooperativeCode;
use domain::cooperative::{
    Address, AnnualInformation, CooperativeEvent, CooperativeKind, MemberCounts, Origin,
    RegistrationContent, Representative,
};
use domain::ledger::{Actor, EventMetadata, Role};
use domain::money::Dong;
use projections::Filter;
use projections::projector;
use store::{AppendRequest, Ledger, NewEvent, SystemClock};

use common::ScratchDb;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const UNITS: [&str; 14] = [
    "193", "194", "195", "196", "198", "199", "200", "201", "202", "203", "204", "205", "206",
    "207",
];

fn code(n: u64) -> CooperativeCode {
    (0..10)
        .find_map(|k| CooperativeCode::complete(&format!("57{:07}", (n * 10 + k) % 10_000_000)))
        .expect("a check digit")
}

fn event(e: &CooperativeEvent) -> NewEvent {
    use cqrs_es::DomainEvent;
    NewEvent {
        event_type: e.event_type(),
        event_version: e.event_version(),
        payload: serde_json::to_value(e).expect("an event serialises"),
    }
}

/// One cooperative's ten events: registered, then membership and annual information.
fn history(n: u64) -> Vec<NewEvent> {
    let on = NaiveDate::from_ymd_opt(2017, 1, 2).unwrap() + chrono::Days::new(n % 1_000);
    let members = |k: u64| MemberCounts {
        official: 7 + (k % 20) as u32,
        associate: (k % 3) as u32,
        member_cooperatives: 0,
    };
    let mut events = vec![event(&CooperativeEvent::CooperativeRegistered {
        code: code(n),
        kind: CooperativeKind::Cooperative,
        content: RegistrationContent {
            name: format!("HTX Nông nghiệp dịch vụ số {n}"),
            address: Address::new("Thôn Đông, xã Bình Khê", UNITS[(n % 14) as usize]),
            representative: Representative::new("Nguyễn Văn An", "Giám đốc"),
            charter_capital: Dong::new(500_000_000).unwrap(),
            sector: None,
        },
        members: members(n),
        certificate_no: format!("GCN-{n}"),
        legacy_reg_no: None,
        origin: Origin::New,
        governing_law: "Luật HTX 2012".into(),
        effective_date: on,
    })];
    for k in 1..10u64 {
        let date = on + chrono::Days::new(30 * k);
        events.push(event(&if k % 3 == 0 {
            CooperativeEvent::AnnualInformationSubmitted {
                year: 2017 + (k / 3) as i32,
                information: AnnualInformation {
                    members: members(n + k),
                    workers: 12,
                    revenue: Dong::new(1_200_000_000).unwrap(),
                    profit: 80_000_000,
                    average_income: Dong::new(4_500_000).unwrap(),
                },
                effective_date: date,
            }
        } else {
            CooperativeEvent::MembershipRecorded {
                members: members(n + k),
                effective_date: date,
            }
        }));
    }
    events
}

fn request(n: u64) -> AppendRequest {
    let actor = Actor::new("can.bo.dang.ky", Role::Clerk, Some("PTCKH-205"));
    let metadata = EventMetadata::new(actor, NaiveDate::from_ymd_opt(2017, 1, 2).unwrap())
        .with_legal_basis("31/KH-UBND");
    AppendRequest {
        aggregate_type: "cooperative".into(),
        aggregate_id: code(n).as_str().to_string(),
        expected_sequence: 0,
        events: history(n),
        metadata: serde_json::to_value(metadata).unwrap(),
        remember: None,
    }
}

/// Appends the histories of cooperatives `from..to` from `writers` concurrent tasks.
async fn append(ledger: &Ledger, from: u64, to: u64, writers: u64) {
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let appender = ledger.appender().clone();
            tokio::spawn(async move {
                let mut n = from + w;
                while n < to {
                    appender.append(request(n)).await.expect("append");
                    n += writers;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let scale = common::scale();
    let entries = ((1_000_000.0 * scale) as u64).max(1_000);
    let cooperatives = entries / 10;
    let mut db = ScratchDb::create("htx_bench_proj").await;
    let sync = db.synchronous_commit().await;
    let ledger = Ledger::open(&db.url, Arc::new(SystemClock)).await.unwrap();
    let started = Instant::now();
    append(&ledger, 0, cooperatives, 8).await;
    let fill = started.elapsed();
    let database = ledger.database();
    db.checkpoint().await;

    let load_before = load_average();
    // Replays and rebuilds run RUNS times each, every figure printed: the machine is shared.
    let mut replays = Vec::new();
    let mut set = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        set = Some(
            projector::replay(database, Filter::All, |_| {})
                .await
                .unwrap(),
        );
        replays.push(started.elapsed());
    }
    let set = set.expect("a replay");
    let started = Instant::now();
    let mut cells = 0usize;
    for table in set.tables() {
        cells += table.all_cells().unwrap().len();
    }
    let converted = started.elapsed();
    db.checkpoint().await;
    let started = Instant::now();
    projector::write_set(database, &set, "bench", entries)
        .await
        .unwrap();
    let written = started.elapsed();
    drop(set);
    let mut rebuilds = Vec::new();
    let mut rows = 0;
    for _ in 0..RUNS {
        // Each write of the tables is some 300 MB of pages and log: flushed before the next.
        db.checkpoint().await;
        let started = Instant::now();
        let rebuilt_set = projector::rebuild(database, |_| {}).await.unwrap();
        rebuilds.push(started.elapsed());
        rows = rebuilt_set.tables().iter().map(|t| t.row_count()).sum();
    }
    let load_after = load_average();
    // What the service does at start: every stored row read, the shared cooperative state
    // refolded from the log's cooperative entries (it is not stored).
    let mut loads = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let loaded = projector::Projector::load(database).await.unwrap();
        loads.push(started.elapsed());
        assert_eq!(loaded.position(), entries);
    }

    // Lag: a follower on the live tables while 8 writers append more at full speed, woken by
    // the appender (in-process), then one that only polls (as for a writer in another process).
    let more = cooperatives / 10;
    let woken = follow_while_appending(
        &ledger,
        ledger.appender().head(),
        Duration::from_millis(200),
        cooperatives,
        more,
    )
    .await;
    let (_keep_open, never) = tokio::sync::watch::channel(0u64);
    let polled = follow_while_appending(
        &ledger,
        never,
        Duration::from_millis(100),
        cooperatives + more,
        more,
    )
    .await;

    ledger.database().close().await;
    db.drop().await;
    println!(
        "\nPostgreSQL synchronous_commit = {sync}; scale {scale}; {} cores; load average \
         before the replays {load_before}, after the rebuilds {load_after}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("\n| measure | value |");
    println!("|---|---:|");
    println!(
        "| filling the log: {entries} entries ({cooperatives} cooperatives × 10 events), 8 writers, entries/s | {:.0} |",
        entries as f64 / fill.as_secs_f64()
    );
    let rates = |times: &[Duration]| {
        times
            .iter()
            .map(|d| format!("{:.0}", entries as f64 / d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    println!(
        "| replay into memory (read, decode, fold), entries/s, {RUNS} runs | {} |",
        rates(&replays)
    );
    println!(
        "| full rebuild of the live tables ({rows} rows written in one transaction), entries/s, {RUNS} runs | {} |",
        rates(&rebuilds)
    );
    println!(
        "| of which: rows to cells ({cells} rows), ms / writing them, ms | {:.0} / {:.0} |",
        converted.as_secs_f64() * 1e3,
        written.as_secs_f64() * 1e3
    );
    println!(
        "| loading the live projections (rows read, shared state refolded), ms, {RUNS} runs | {} |",
        loads
            .iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(" / ")
    );
    for (how, lag) in [
        ("woken by the appender (poll 200 ms)", woken),
        ("polling every 100 ms", polled),
    ] {
        println!(
            "| projector {how}: appends meanwhile, entries/s (8 writers) | {:.0} |",
            lag.append_rate
        );
        println!(
            "| projector {how}: lag while appending, entries, p50 / p99 / max ({} samples) | {} / {} / {} |",
            lag.samples, lag.p50, lag.p99, lag.max
        );
        println!(
            "| projector {how}: time to catch up once appends stop, ms | {:.0} |",
            lag.drain.as_secs_f64() * 1e3
        );
    }
}

/// Replays and rebuilds measured, each.
const RUNS: usize = 3;

/// The 1, 5 and 15 minute load averages, as `uptime` prints them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

struct Lag {
    append_rate: f64,
    samples: usize,
    p50: u64,
    p99: u64,
    max: u64,
    drain: Duration,
}

/// Appends the histories of `more` cooperatives from `first` on while a projector follows,
/// sampling every 20 ms how far behind the head the tables readers read (in memory) are. The
/// drain is the time until the tables in the database hold the head too.
async fn follow_while_appending(
    ledger: &Ledger,
    head: tokio::sync::watch::Receiver<u64>,
    poll: Duration,
    first: u64,
    more: u64,
) -> Lag {
    let database = ledger.database();
    // The service's follower (the same one `htx-ledger serve` runs).
    let live = api::http::reads::LiveProjections::start(database, ledger.appender(), |_| {})
        .await
        .unwrap();
    let follower = live.clone().follow(head, poll);
    let writing = {
        let ledger = ledger.clone();
        tokio::spawn(async move { append(&ledger, first, first + more, 8).await })
    };
    let mut lags = Vec::new();
    let sampling = Instant::now();
    while !writing.is_finished() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let head = store::read_head(database).await.unwrap().size;
        lags.push(head.saturating_sub(live.position()));
    }
    let append_rate = (more * 10) as f64 / sampling.elapsed().as_secs_f64();
    writing.await.unwrap();
    let drained = Instant::now();
    let head = store::read_head(database).await.unwrap().size;
    while store::projection_checkpoint(database, projector::LIVE)
        .await
        .unwrap()
        < head
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drain = drained.elapsed();
    follower.abort();
    lags.sort_unstable();
    let at = |q: f64| lags[((lags.len() as f64 * q) as usize).min(lags.len() - 1)];
    Lag {
        append_rate,
        samples: lags.len(),
        p50: at(0.5),
        p99: at(0.99),
        max: at(1.0),
        drain,
    }
}
