//! `htx-ledger mirror`, run as a process: an auditor's copy of the log fetched from the
//! service's `/tlog/` (with a mirror token) and from `export --tiles` served by Python's
//! plain static file server; it resumes where it stopped, gives the log's replay digests,
//! reports and `verify`; refuses a checkpoint that is not the policy's log's or lacks the
//! quorum, storing nothing; and, on a fork (history rewritten and re-signed by the log's
//! owner), exits 1 with both signed notes as evidence and its own database unchanged.

use std::path::{Path, PathBuf};

use domain::ledger::{LeafHash, Role, to_canonical_vec};
use serde_json::Value;
use sqlx::{Connection, Executor, Row, SqliteConnection};
use store::{Database, Head, NewRow, StoredCheckpoint, WriteTx, checkpoint, tree};
use tlog::cosignature::CosignerKey;
use tlog::note::Checkpoint;

use crate::support::backends::{TestLedger, test_clock};
use crate::support::cli::htx_ledger;
use crate::support::keys::{ORIGIN, ring, signing_key, write_key};
use crate::support::pg::TestDb;
use crate::support::server::TestServer;
use crate::support::static_files::StaticServer;

async fn append(ledger: &TestLedger, from: u64, count: u64) {
    ledger.append_tallies("57006100", 5, from, count).await;
}

/// A policy file naming the log key of `seed` and `extra` lines (witnesses, quorum).
fn policy(dir: &Path, seed: u8, extra: &str) -> PathBuf {
    let path = dir.join(format!("policy-{seed}-{}.txt", extra.len()));
    let text = format!("log {}\n{extra}", signing_key(seed).verifier_key());
    std::fs::write(&path, text).unwrap();
    path
}

fn mirror(mirror_url: &str, from: &str, policy: &Path, more: &[&str]) -> (i32, String) {
    let mut args = vec![
        "mirror",
        "--from",
        from,
        "--policy",
        policy.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    htx_ledger(mirror_url, None, &args)
}

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

/// The digest lines `replay` prints, in order.
fn replay_digests(url: &str) -> Vec<String> {
    let (code, text) = htx_ledger(url, None, &["replay"]);
    assert_eq!(code, 0, "{text}");
    let digests: Vec<String> = text
        .lines()
        .filter(|l| l.contains("sha256"))
        .map(str::to_owned)
        .collect();
    assert!(!digests.is_empty(), "{text}");
    digests
}

async fn held(url: &str) -> (u64, Vec<StoredCheckpoint>) {
    let db = Database::connect(url).await.unwrap();
    let head = store::read_head(&db).await.unwrap();
    let all = checkpoint::all(&db).await.unwrap();
    db.close().await;
    (head.size, all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_of_the_service_needs_a_reading_role_verifies_stores_and_resumes() {
    let server = TestServer::start(TestLedger::sqlite().await).await;
    append(&server.test, 0, 300).await;
    server.sign_checkpoint().await;
    let work = tempfile::tempdir().unwrap();
    let copy = sqlite_url(work.path(), "mirror.sqlite3");
    let policy = policy(work.path(), 7, "quorum none\n");
    let from = format!("{}/tlog/", server.base);

    // Entry bundles need a person allowed to read them.
    let (code, text) = mirror(&copy, &from, &policy, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("HTTP 401") && text.contains("role mirror"),
        "{text}"
    );
    let dashboard = server.tokens[&Role::Dashboard].clone();
    let (code, text) = mirror(&copy, &from, &policy, &["--token", &dashboard]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("HTTP 403"), "{text}");
    assert_eq!(held(&copy).await.0, 0, "nothing stored");

    let token = server.tokens[&Role::Mirror].clone();
    let (code, text) = mirror(&copy, &from, &policy, &["--token", &token]);
    assert_eq!(code, 0, "{text}");
    let signed = checkpoint::latest(server.test.ledger.database())
        .await
        .unwrap()
        .unwrap();
    assert!(
        text.contains(&format!("mirrored entries 0..{}", signed.size)),
        "{text}"
    );
    let (size, stored) = held(&copy).await;
    assert_eq!(size, signed.size);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].note, signed.note, "the log's note, as signed");

    // Nothing new: nothing to do. Then more entries: it resumes from its own head.
    let (code, text) = mirror(&copy, &from, &policy, &["--token", &token]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("up to date"), "{text}");
    append(&server.test, 300, 333).await;
    server.sign_checkpoint().await;
    let resumed = checkpoint::latest(server.test.ledger.database())
        .await
        .unwrap()
        .unwrap();
    let (code, text) = mirror(&copy, &from, &policy, &["--token", &token]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "mirrored entries {}..{}",
            signed.size, resumed.size
        )),
        "{text}"
    );
    let (size, stored) = held(&copy).await;
    assert_eq!(size, resumed.size);
    assert_eq!(stored.len(), 2);

    // The copy verifies on its own, with the log's key: chain, roots, signatures.
    let (code, text) = htx_ledger(&copy, Some(server._keys.path()), &["verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("signatures verified"), "{text}");
    let (code, original) = htx_ledger(&server.test.url, Some(server._keys.path()), &["verify"]);
    assert_eq!(code, 0, "{original}");
    let head_line = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("intact"))
            .map(str::to_owned)
    };
    assert_eq!(head_line(&text), head_line(&original));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_of_exported_tiles_on_a_static_server_gives_the_logs_digests_and_reports() {
    let work = tempfile::tempdir().unwrap();
    let keys = work.path().join("keys");
    write_key(&keys, 3);
    let log = sqlite_url(work.path(), "log.sqlite3");
    let (code, text) = htx_ledger(&log, Some(&keys), &["demo", "--scale", "0.05"]);
    assert!(code == 0 || code == 1, "{text}");
    let (code, text) = htx_ledger(&log, Some(&keys), &["checkpoint"]);
    assert_eq!(code, 0, "{text}");
    let tiles = work.path().join("tiles");
    let (code, text) = htx_ledger(&log, None, &["export", "--tiles", tiles.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let server = StaticServer::start(&tiles);
    let copy = sqlite_url(work.path(), "mirror.sqlite3");
    let policy = policy(work.path(), 3, "quorum none\n");
    let (code, text) = mirror(&copy, &server.url(), &policy, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("mirrored entries 0.."), "{text}");

    assert_eq!(replay_digests(&copy), replay_digests(&log));
    let report = |url: &str, name: &str| {
        let out = work.path().join(name);
        let (code, text) = htx_ledger(
            url,
            None,
            &[
                "report",
                "plan",
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{text}");
        std::fs::read(out).unwrap()
    };
    assert_eq!(report(&copy, "copy.json"), report(&log, "log.json"));
    let (code, text) = htx_ledger(&copy, Some(&keys), &["verify"]);
    assert_eq!(code, 0, "{text}");

    // The same into PostgreSQL (the copy goes as binary COPY there).
    let pg = TestDb::create().await;
    let (code, text) = mirror(&pg.url, &server.url(), &policy, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(replay_digests(&pg.url), replay_digests(&log));
    assert_eq!(report(&pg.url, "pg.json"), report(&log, "log.json"));
    let (code, text) = htx_ledger(&pg.url, Some(&keys), &["verify"]);
    assert_eq!(code, 0, "{text}");
    let notes = |(size, all): (u64, Vec<StoredCheckpoint>)| {
        (
            size,
            all.into_iter()
                .map(|c| (c.size, c.root, c.note))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(notes(held(&pg.url).await), notes(held(&copy).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_of_another_key_or_without_the_quorum_is_refused_and_nothing_stored() {
    let ledger = TestLedger::sqlite().await;
    append(&ledger, 0, 20).await;
    let db = ledger.ledger.database();
    let signed = checkpoint::create(db, &ring(1), test_clock().as_ref())
        .await
        .unwrap()
        .checkpoint;
    let work = tempfile::tempdir().unwrap();
    let tiles = work.path().join("tiles");
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &["export", "--tiles", tiles.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    let server = StaticServer::start(&tiles);
    let copy = sqlite_url(work.path(), "mirror.sqlite3");

    let stranger = policy(work.path(), 2, "quorum none\n");
    let (code, text) = mirror(&copy, &server.url(), &stranger, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("not signed by a log of the policy"), "{text}");
    assert_eq!(held(&copy).await, (0, vec![]));

    let witness = CosignerKey::from_seed("kbnn.example/witness", &[9; 32]).unwrap();
    let witnessed = policy(
        work.path(),
        1,
        &format!("witness KBNN {}\nquorum KBNN\n", witness.witness_key()),
    );
    let (code, text) = mirror(&copy, &server.url(), &witnessed, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("lacks the policy's quorum"), "{text}");
    assert_eq!(held(&copy).await, (0, vec![]));

    // The witness cosigns; the checkpoint served now carries its line: copied, note and all.
    let body = signed.note.split("\n\n").next().unwrap().to_owned() + "\n";
    let cosigned = store::witnessed::with_cosignatures(
        &signed.note,
        [witness.cosign(&body, 1_700_000_000).as_str()],
    );
    std::fs::write(tiles.join("checkpoint"), &cosigned).unwrap();
    let (code, text) = mirror(&copy, &server.url(), &witnessed, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("cosigned by KBNN"), "{text}");
    let (size, stored) = held(&copy).await;
    assert_eq!(size, 20);
    assert_eq!(stored[0].note, cosigned);
}

/// Rewrites entry 3's amount in an SQLite log as its owner could (the append-only triggers
/// dropped), recomputing every later link, leaf hash, the tree and the head, and signs the
/// rewritten tree with the log's own key.
async fn rewrite_and_sign(ledger: &TestLedger) -> String {
    let file = ledger.url.strip_prefix("sqlite://").unwrap();
    let mut owner = SqliteConnection::connect(&format!("sqlite://{file}"))
        .await
        .unwrap();
    let rows = sqlx::query("SELECT entry FROM ledger_entries ORDER BY position")
        .fetch_all(&mut owner)
        .await
        .unwrap();
    let mut entries: Vec<Value> = rows
        .iter()
        .map(|row| serde_json::from_slice(&row.get::<Vec<u8>, _>(0)).unwrap())
        .collect();
    entries[3]["payload"]["Recorded"]["amount"] = Value::from(999_999_999);
    for sql in [
        "DROP TRIGGER ledger_entries_no_update",
        "DROP TRIGGER ledger_entries_no_delete",
        "DROP TRIGGER ledger_head_forward",
        "DROP TRIGGER ledger_tree_nodes_no_delete",
        "DELETE FROM ledger_entries",
        "DELETE FROM ledger_tree_nodes",
    ] {
        owner.execute(sql).await.unwrap();
    }
    // The rewritten chain, written through the store's own insert.
    let mut prev = LeafHash::GENESIS;
    let mut rows = Vec::new();
    for (position, entry) in entries.iter_mut().enumerate() {
        entry["prev_hash"] = Value::from(prev.to_hex());
        let bytes = to_canonical_vec(entry).unwrap();
        prev = LeafHash::of_entry(&bytes);
        rows.push(NewRow {
            position: position as u64,
            aggregate_type: entry["aggregate_type"].as_str().unwrap().into(),
            aggregate_id: entry["aggregate_id"].as_str().unwrap().into(),
            sequence: entry["sequence"].as_u64().unwrap(),
            bytes,
            leaf_hash: prev,
        });
    }
    let db = Database::connect(&ledger.url).await.unwrap();
    let mut tx = WriteTx::begin(&db).await.unwrap();
    tx.insert(&rows).await.unwrap();
    tx.set_head(Head {
        size: rows.len() as u64,
        hash: prev,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    owner.close().await.unwrap();
    // Opening rebuilds the tree over the rewritten leaves.
    let db = Database::open(&ledger.url).await.unwrap();
    let size = entries.len() as u64;
    let note = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree::root(&db, size).await.unwrap(),
        extensions: vec![],
    }
    .sign(&[&signing_key(1)])
    .unwrap();
    let mut tx = WriteTx::begin(&db).await.unwrap();
    let stored = StoredCheckpoint {
        size,
        root: tree::root(&db, size).await.unwrap(),
        note: note.clone(),
        signed_at: chrono::Utc::now(),
    };
    assert!(tx.insert_checkpoint_if_newest(&stored).await.unwrap());
    tx.commit().await.unwrap();
    db.close().await;
    note
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_history_signed_by_the_log_is_a_fork_kept_as_evidence_and_the_mirror_keeps_what_it_held()
 {
    let ledger = TestLedger::sqlite().await;
    append(&ledger, 0, 10).await;
    let first = checkpoint::create(ledger.ledger.database(), &ring(1), test_clock().as_ref())
        .await
        .unwrap()
        .checkpoint;
    let work = tempfile::tempdir().unwrap();
    let before = work.path().join("before");
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &["export", "--tiles", before.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    let copy = sqlite_url(work.path(), "mirror.sqlite3");
    let policy = policy(work.path(), 1, "quorum none\n");
    {
        let server = StaticServer::start(&before);
        let (code, text) = mirror(&copy, &server.url(), &policy, &[]);
        assert_eq!(code, 0, "{text}");
    }
    let held_before = held(&copy).await;
    assert_eq!(held_before.0, 10);

    // The log grows, then its owner rewrites entry 3 and signs the rewritten tree at 14.
    append(&ledger, 10, 4).await;
    let forged = rewrite_and_sign(&ledger).await;
    let after = work.path().join("after");
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &["export", "--tiles", after.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    let server = StaticServer::start(&after);
    let evidence = work.path().join("evidence");
    let refused = || {
        let (code, text) = mirror(
            &copy,
            &server.url(),
            &policy,
            &["--evidence", evidence.to_str().unwrap()],
        );
        assert_eq!(code, 1, "{text}");
        text
    };
    let text = refused();
    assert!(text.contains("FORK"), "{text}");
    assert_eq!(
        held(&copy).await,
        held_before,
        "the mirror's database is unchanged"
    );

    let folders: Vec<PathBuf> = std::fs::read_dir(&evidence)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = &folders[0];
    assert_eq!(
        std::fs::read_to_string(folder.join("held.checkpoint")).unwrap(),
        first.note
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("fetched.checkpoint")).unwrap(),
        forged
    );
    let description: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("fork.json")).unwrap()).unwrap();
    assert_eq!(description["held"]["size"], 10);
    assert_eq!(description["fetched"]["size"], 14);
    assert!(
        description["reason"]
            .as_str()
            .unwrap()
            .contains("consistency"),
        "{description}"
    );

    // The same rewrite signed at the held size: two roots for one size, also a fork.
    std::fs::write(
        after.join("checkpoint"),
        Checkpoint {
            origin: ORIGIN.into(),
            size: 10,
            root: tlog::merkle::empty_root(),
            extensions: vec![],
        }
        .sign(&[&signing_key(1)])
        .unwrap(),
    )
    .unwrap();
    let text = refused();
    assert!(text.contains("two roots at size 10"), "{text}");
    assert_eq!(held(&copy).await, held_before);
}

/// Entries up to `count` in appends of 500 events to aggregates of their own (one durable
/// commit each: a log past a step of the mirror's copy in a second or two).
async fn fill(ledger: &store::Ledger, count: u64) {
    use domain::ledger::{Actor, EventMetadata};
    let clerk = Actor::new("nguyễn.thị.hoà", Role::Clerk, Some("PTCKH-205"));
    let date = chrono::NaiveDate::from_ymd_opt(2018, 3, 1).unwrap();
    let metadata = serde_json::to_value(EventMetadata::new(clerk, date)).unwrap();
    let mut size = store::read_head(ledger.database()).await.unwrap().size;
    while size < count {
        let n = (count - size).min(500);
        let events = (0..n)
            .map(|i| store::NewEvent {
                event_type: "TallyRecorded".into(),
                event_version: "1".into(),
                payload: serde_json::json!({"Recorded": {"amount": i, "note": "Hỗ trợ đào tạo"}}),
            })
            .collect();
        ledger
            .appender()
            .append(store::AppendRequest {
                aggregate_type: "Tally".into(),
                aggregate_id: format!("57006100-{size}"),
                expected_sequence: 0,
                events,
                metadata: metadata.clone(),
                remember: None,
            })
            .await
            .unwrap();
        size += n;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_stopped_by_a_bad_bundle_keeps_its_verified_steps_and_the_next_round_goes_on() {
    use tlog::tiles::{TileKind, WIDTH, tile_at};
    let steps = mirror::catch_up::STEP;
    let work = tempfile::tempdir().unwrap();
    let keys = work.path().join("keys");
    write_key(&keys, 3);
    let log = sqlite_url(work.path(), "log.sqlite3");
    let size = steps + steps / 4;
    // Two copies of the log as tiles: at one step's size, and later at `size`.
    let export = |name: &str| {
        let (code, text) = htx_ledger(&log, Some(&keys), &["checkpoint"]);
        assert_eq!(code, 0, "{text}");
        let tiles = work.path().join(name);
        let (code, text) = htx_ledger(&log, None, &["export", "--tiles", tiles.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        tiles
    };
    let ledger = store::Ledger::open(&log, std::sync::Arc::new(store::SystemClock))
        .await
        .unwrap();
    fill(&ledger, steps).await;
    let at_one_step = export("tiles-at-one-step");
    fill(&ledger, size).await;
    ledger.database().close().await;
    let tiles = export("tiles");
    // A bundle past the first step, its first entry changed (its length kept).
    let bad = steps / WIDTH + 8;
    let bundle = tiles.join(tile_at(TileKind::Entries, bad, size).unwrap().path());
    let good = std::fs::read(&bundle).unwrap();
    let mut changed = good.clone();
    changed[2 + 40] ^= 0x01;
    std::fs::write(&bundle, &changed).unwrap();
    let server = StaticServer::start(&tiles);
    let policy = policy(work.path(), 3, "quorum none\n");
    let pg = TestDb::create().await;
    let sqlite = sqlite_url(work.path(), "mirror.sqlite3");
    for copy in [sqlite.as_str(), pg.url.as_str()] {
        let (code, text) = mirror(copy, &server.url(), &policy, &[]);
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains(&format!("entry {} does not hash", bad * WIDTH))
                && text.contains(&format!("the mirror keeps its first {steps} entries")),
            "{text}"
        );
        let (held_size, checkpoints) = held(copy).await;
        assert_eq!(
            held_size, steps,
            "the verified step is kept, nothing after it"
        );
        assert!(
            checkpoints.is_empty(),
            "no checkpoint over a part of the log"
        );
        let (code, text) = htx_ledger(copy, Some(&keys), &["verify"]);
        assert_eq!(code, 0, "what the mirror kept verifies: {text}");
    }
    // The log's checkpoint at the step's size: the mirror holds its entries already and
    // stores only the checkpoint.
    let earlier = StaticServer::start(&at_one_step);
    for copy in [sqlite.as_str(), pg.url.as_str()] {
        let (code, text) = mirror(copy, &earlier.url(), &policy, &[]);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains(&format!("mirrored entries {steps}..{steps} (0 entries")),
            "{text}"
        );
        let (held_size, checkpoints) = held(copy).await;
        assert_eq!(held_size, steps);
        assert_eq!(
            checkpoints.iter().map(|c| c.size).collect::<Vec<_>>(),
            [steps]
        );
        let (code, text) = mirror(copy, &earlier.url(), &policy, &[]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("up to date"), "{text}");
    }
    std::fs::write(&bundle, &good).unwrap();
    for copy in [sqlite.as_str(), pg.url.as_str()] {
        let (code, text) = mirror(copy, &server.url(), &policy, &[]);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains(&format!("mirrored entries {steps}..{size}")),
            "{text}"
        );
        assert_eq!(replay_digests(copy), replay_digests(&log));
        let (held_size, checkpoints) = held(copy).await;
        let (log_size, log_checkpoints) = held(&log).await;
        assert_eq!(held_size, log_size);
        assert_eq!(
            checkpoints
                .iter()
                .map(|c| (c.size, c.root))
                .collect::<Vec<_>>(),
            log_checkpoints
                .iter()
                .map(|c| (c.size, c.root))
                .collect::<Vec<_>>()
        );
        let (code, text) = htx_ledger(copy, Some(&keys), &["verify"]);
        assert_eq!(code, 0, "{text}");
    }
}
