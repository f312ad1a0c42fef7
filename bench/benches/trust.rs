//! What trust beyond the operator costs (issue 15): tile reads per second under 32
//! connections, against a log of `TILE_ENTRIES` entries (default 1,000,000 × `BENCH_SCALE`)
//! on PostgreSQL, the service in the same process as the load, as wrk on the same machine
//! would be.
//!
//! Run with `cargo bench -p bench --bench trust`; `DATABASE_URL` as for the other benches.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::http::{self, ServeOptions};
use common::load::{CONNECTIONS, MEASURE, WARM_UP, load};
use common::{ScratchDb, fill, person, scale};
use domain::ledger::Role;
use programme::Programme;
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
        .map(|index| format!("/tlog/tile/{}", Tile::full(kind, index).path()))
        .collect()
}

#[tokio::main]
async fn main() {
    let db = ScratchDb::create("bench_trust").await;
    let target = entries();
    let ledger = Ledger::open(&db.url, Arc::new(SystemClock)).await.unwrap();
    let filled = Instant::now();
    fill(&ledger, target).await;
    let programme = Programme::new(ledger.clone());
    let auditor = person(&programme, "bench.auditor", Role::Auditor).await;
    let dir = tempfile::tempdir().unwrap();
    store::keys::generate("bench.htx-ledger.test/log", dir.path()).unwrap();
    let ring = Arc::new(store::keys::KeyRing::load(dir.path()).unwrap());
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
    println!(
        "{CONNECTIONS} connections, {} s warm-up then {} s measured per mix; load average {}",
        WARM_UP.as_secs(),
        MEASURE.as_secs(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!();
    println!("| tile reads | requests/s | p50 ms | p99 ms | requests | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
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
    }
    running.stop().await.unwrap();
    db.drop().await;
}
