//! The verifiable log's benchmark: what the Merkle tree costs per append, how fast proofs come
//! out of a log of 1,000,000 entries, and how fast an audit bundle of that size verifies.
//! Measured side by side in one run on one PostgreSQL. Run with
//! `cargo bench -p bench --bench tlog`; `DATABASE_URL` and `BENCH_SCALE` as for the ledger
//! bench. It creates and drops its own databases.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cqrs_es::CqrsFramework;
use store::keys::KeyRing;
use store::{Ledger, SystemClock, bundle, checkpoint, tree};
use tlog::merkle;
use tlog::note::SigningKey;

use common::{ScratchDb, fill, throughput};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let scale = common::scale();
    let count = |n: u64| ((n as f64 * scale) as u64).max(1);
    let mut rows = Vec::new();

    // 1. The tree's cost per append: the same load on two fresh ledgers, one keeping the tree
    // and one not, in alternating rounds.
    let mut with_db = ScratchDb::create("htx_bench_tree").await;
    let sync = with_db.synchronous_commit().await;
    let without_db = ScratchDb::create("htx_bench_notree").await;
    let with_tree = Ledger::open(&with_db.url, Arc::new(SystemClock))
        .await
        .unwrap();
    let without_tree = Ledger::open_without_tree(&without_db.url, Arc::new(SystemClock))
        .await
        .unwrap();
    let ours = Arc::new(CqrsFramework::new(with_tree.store(), vec![], ()));
    let bare = Arc::new(CqrsFramework::new(without_tree.store(), vec![], ()));
    for writers in [1u64, 8] {
        let commands = count(if writers == 1 { 3_000 } else { 20_000 });
        let (mut t, mut b) = (Vec::new(), Vec::new());
        for round in 0..2 {
            let prefix = format!("r{round}-");
            t.push(throughput(ours.clone(), writers, commands, &prefix).await);
            b.push(throughput(bare.clone(), writers, commands, &prefix).await);
        }
        let (t, b) = (mean(&t), mean(&b));
        rows.push(format!(
            "| durable single-event commands/s, {writers} writer(s) | {t:.0} | {b:.0} | {:.2}x |",
            t / b
        ));
        rows.push(format!(
            "| µs per command, {writers} writer(s) | {:.1} | {:.1} | +{:.1} µs |",
            1e6 / t,
            1e6 / b,
            1e6 / t - 1e6 / b
        ));
    }
    with_tree.database().close().await;
    without_tree.database().close().await;
    without_db.drop().await;

    // 2. A log of 1,000,000 entries, written in large appends with the tree kept.
    let target = count(1_000_000);
    let big_db = ScratchDb::create("htx_bench_big").await;
    let ledger = Ledger::open(&big_db.url, Arc::new(SystemClock))
        .await
        .unwrap();
    let started = Instant::now();
    fill(&ledger, target).await;
    let fill_rate = target as f64 / started.elapsed().as_secs_f64();
    let db = ledger.database();
    let keys = KeyRing::of(
        vec![SigningKey::from_seed("bench.example/htx-ledger", &[5; 32]).unwrap()],
        vec![],
    );
    let started = Instant::now();
    let signed = checkpoint::create(db, &keys, &SystemClock).await.unwrap();
    let first_checkpoint = started.elapsed();
    assert_eq!(signed.checkpoint.size, target);

    let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
    let proofs = count(20_000).max(100);
    let mut inclusion = Vec::with_capacity(proofs as usize);
    let root = signed.checkpoint.root;
    for _ in 0..proofs {
        let index = random.below(target);
        let started = Instant::now();
        let proof = tree::inclusion_proof(db, index, target).await.unwrap();
        inclusion.push(started.elapsed());
        if inclusion.len() % 1_000 == 1 {
            // Now and then, check what was timed.
            let leaf = tree::inclusion_proof(db, index, index + 1).await.unwrap();
            assert!(leaf.len() <= 64);
        }
        assert!(!proof.is_empty());
    }
    let mut consistency = Vec::with_capacity(proofs as usize);
    for _ in 0..proofs / 4 {
        let first = 1 + random.below(target - 1);
        let started = Instant::now();
        let proof = tree::consistency_proof(db, first, target).await.unwrap();
        consistency.push(started.elapsed());
        assert!(!proof.is_empty());
    }
    let first_root = tree::root(db, target / 3).await.unwrap();
    let proof = tree::consistency_proof(db, target / 3, target)
        .await
        .unwrap();
    merkle::verify_consistency(target / 3, target, &proof, &first_root, &root).unwrap();
    let (i50, i99, imax) = percentiles(&mut inclusion);
    let (c50, c99, cmax) = percentiles(&mut consistency);
    rows.push(format!(
        "| inclusion proof at {target} entries, PostgreSQL ({proofs} random positions) | p50 {i50:.0} µs, p99 {i99:.0} µs, max {imax:.0} µs | | |"
    ));
    rows.push(format!(
        "| consistency proof to {target} entries, PostgreSQL ({} random sizes) | p50 {c50:.0} µs, p99 {c99:.0} µs, max {cmax:.0} µs | | |",
        proofs / 4
    ));

    // 3. The audit bundle of the whole log, written and verified offline.
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("bundle");
    let started = Instant::now();
    bundle::write_bundle(db, &dir, &keys, None, |_| {})
        .await
        .unwrap();
    let written = started.elapsed();
    let trusted = keys.verifiers().to_vec();
    let started = Instant::now();
    let report = bundle::verify_bundle(&dir, &trusted, |_| {})
        .unwrap()
        .expect("the bundle verifies");
    let verified = started.elapsed();
    assert_eq!(report.entries, target);
    rows.push(format!(
        "| full verification of a {target}-entry audit bundle, entries/s (no database) | {:.0} | | |",
        target as f64 / verified.as_secs_f64()
    ));
    let started = Instant::now();
    let checked = store::verify::verify_ledger(db, Some(&trusted), None, |_| {})
        .await
        .unwrap()
        .expect("intact");
    rows.push(format!(
        "| full verification from PostgreSQL with the checkpoint's root, entries/s | {:.0} | | |",
        checked.chain.size as f64 / started.elapsed().as_secs_f64()
    ));
    rows.push(format!(
        "| filling the log in 500-event appends, entries/s | {fill_rate:.0} | | |"
    ));
    rows.push(format!(
        "| first checkpoint over {target} entries (re-hashes every entry), s | {:.2} | | |",
        first_checkpoint.as_secs_f64()
    ));
    rows.push(format!(
        "| writing the {target}-entry bundle, s | {:.2} | | |",
        written.as_secs_f64()
    ));
    ledger.database().close().await;
    big_db.drop().await;
    with_db.drop().await;

    println!(
        "\nPostgreSQL synchronous_commit = {sync}; scale {scale}; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("\n| measure | with the tree | without the tree | ratio / extra |");
    println!("|---|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// p50, p99 and max, in µs.
fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q) as usize).min(samples.len() - 1);
        samples[i].as_secs_f64() * 1e6
    };
    (at(0.50), at(0.99), at(1.0))
}

/// A small deterministic generator for positions: reproducible runs, no dependency.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
