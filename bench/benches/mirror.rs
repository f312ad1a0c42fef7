//! The mirror's catch-up: a log of 1,000,000 entries (`BENCH_SCALE` multiplies it) on the
//! PostgreSQL of `DATABASE_URL`, signed and exported with `export --tiles`' code, served by a
//! plain static file handler on 127.0.0.1, and mirrored (`mirror::mirror_once`: fetch, verify
//! every entry, the chain and the signed root, store) into an empty SQLite file and an empty
//! PostgreSQL database, in turn. Prints entries/s verified and stored. Run with
//! `cargo bench -p bench --bench mirror`; `BENCH_SCALE=0.05` for a 50,000-entry run,
//! `MIRROR_INTO=sqlite` (or `postgres`) for one backend only, `MIRROR_RUNS=N` for N
//! catch-ups a backend (3; each into an empty database, the median printed too),
//! `SQLITE_PAGES=4096` for an SQLite file with SQLite's default pages rather than the
//! mirror's 64 KiB.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use store::keys::KeyRing;
use store::{Database, Ledger, SystemClock, checkpoint};
use tlog::note::SigningKey;
use tlog::policy::Policy;

use common::{ScratchDb, fill};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A static file server: the folder's files, nothing else (no project code in the answer).
async fn serve_files(dir: PathBuf) -> std::net::SocketAddr {
    async fn file(
        State(dir): State<Arc<PathBuf>>,
        Path(path): Path<String>,
    ) -> Result<Vec<u8>, StatusCode> {
        if path.split('/').any(|part| part == "..") {
            return Err(StatusCode::NOT_FOUND);
        }
        tokio::fs::read(dir.join(path))
            .await
            .map_err(|_| StatusCode::NOT_FOUND)
    }
    let app = axum::Router::new()
        .route("/{*path}", get(file))
        .with_state(Arc::new(dir));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Each answer is written as headers, then body: without TCP_NODELAY the body waits for
    // the client's delayed acknowledgement of the headers (40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::main]
async fn main() {
    let target = ((1_000_000.0 * common::scale()) as u64).max(1);
    let mut log_db = ScratchDb::create("htx_bench_mirror_log").await;
    let ledger = Ledger::open(&log_db.url, Arc::new(SystemClock))
        .await
        .unwrap();
    let started = Instant::now();
    fill(&ledger, target).await;
    let fill_rate = target as f64 / started.elapsed().as_secs_f64();
    let key = SigningKey::from_seed("bench.example/htx-ledger", &[5; 32]).unwrap();
    let vkey = key.verifier_key();
    let keys = KeyRing::of(vec![key], vec![]);
    checkpoint::create(ledger.database(), &keys, &SystemClock)
        .await
        .unwrap();
    let tiles = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let written = store::tiles::export_tiles(ledger.database(), tiles.path(), None, |_, _| {})
        .await
        .unwrap();
    let export_secs = started.elapsed().as_secs_f64();
    ledger.database().close().await;
    // PostgreSQL's work after the fill (autovacuum of a million new rows, the checkpoint of
    // their WAL) done now rather than during the timed copies.
    log_db.settle().await;
    let addr = serve_files(tiles.path().to_path_buf()).await;
    let source = mirror::Source::new(&format!("http://{addr}/"), None).unwrap();
    let policy = Policy::parse(&format!("log {vkey}\nquorum none\n")).unwrap();

    let mut rows = vec![
        format!(
            "| filling the log: {target} entries in 500-event appends, entries/s | {fill_rate:.0} |"
        ),
        format!(
            "| export --tiles: {} tiles, seconds | {export_secs:.1} |",
            written.tiles
        ),
    ];
    let scratch = tempfile::tempdir().unwrap();
    // MIRROR_INTO=sqlite or postgres: only that one (for a profile of one backend's copy).
    let only = std::env::var("MIRROR_INTO").ok();
    // MIRROR_RUNS: catch-ups a backend, each into an empty database of its own; the median
    // is what the runs are compared by (one run varies by ±10 % on a shared machine).
    let runs = std::env::var("MIRROR_RUNS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(3)
        .max(1);
    for backend in ["SQLite", "PostgreSQL"] {
        if only
            .as_deref()
            .is_some_and(|only| !backend.to_lowercase().starts_with(&only.to_lowercase()))
        {
            continue;
        }
        let mut rates = Vec::with_capacity(runs);
        for run in 0..runs {
            let (url, pg) = if backend == "SQLite" {
                let file = scratch.path().join(format!("mirror-{run}.sqlite3"));
                (format!("sqlite://{}", file.display()), None)
            } else {
                let pg = ScratchDb::create("htx_bench_mirror_copy").await;
                (pg.url.clone(), Some(pg))
            };
            // As `htx-ledger mirror` makes its file (64 KiB pages); SQLITE_PAGES=4096 for
            // SQLite's default.
            if std::env::var("SQLITE_PAGES").as_deref() != Ok("4096") {
                Database::create_for_copies(&url).await.unwrap();
            }
            let db = Database::open(&url).await.unwrap();
            let started = Instant::now();
            let round = mirror::mirror_once(&db, &source, &policy, scratch.path(), |_| {})
                .await
                .unwrap();
            let secs = started.elapsed().as_secs_f64();
            assert!(
                matches!(round, mirror::Round::Grown { to, .. } if to == target),
                "{round:?}"
            );
            rates.push(target as f64 / secs);
            db.close().await;
            match pg {
                Some(pg) => pg.drop().await,
                None => {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(
                            scratch.path().join(format!("mirror-{run}.sqlite3{suffix}")),
                        );
                    }
                }
            }
        }
        let each: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        rows.push(format!(
            "| mirror catch-up into {backend}: {target} entries fetched, verified and stored, entries/s, run by run | {} |",
            each.join(" · ")
        ));
        rates.sort_by(f64::total_cmp);
        let median = if runs % 2 == 1 {
            rates[runs / 2]
        } else {
            (rates[runs / 2 - 1] + rates[runs / 2]) / 2.0
        };
        rows.push(format!(
            "| **mirror catch-up into {backend}, median of {runs}, entries/s** | **{median:.0}** |"
        ));
    }
    log_db.drop().await;
    println!("| measure | value |\n|---|---|");
    for row in rows {
        println!("{row}");
    }
}
