//! The verifiable log: the Merkle tree kept with the entries, signed checkpoints that must
//! extend each other, proofs, audit bundles, and what `verify` finds when someone with the
//! owner's rights rewrites history behind a checkpoint.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use futures::future::join_all;
use serde_json::Value;
use sqlx::Executor;
use store::checkpoint::{self, CheckpointError, Schedule};
use store::verify::{CheckpointProblem, Finding, verify_ledger};
use store::{Database, bundle, tree};
use tlog::Hash;
use tlog::merkle::{self, Frontier};
use tlog::proof_file::ProofFile;

use crate::support::backends::{TestLedger, test_clock};
use crate::support::cli::htx_ledger;
use crate::support::keys::{ORIGIN, ring, signing_key, write_key};
use crate::support::owner::rewrite_history;
use store::testing::{metadata, record};

async fn append(ledger: &TestLedger, from: u64, count: u64) {
    let cqrs = ledger.tallies();
    for i in from..from + count {
        let id = format!("57006000{:02}", i % 5);
        cqrs.execute_with_metadata(
            &id,
            record(250_000 * (i as i64 + 1), "Hỗ trợ khoa học công nghệ"),
            metadata(i),
        )
        .await
        .unwrap();
    }
}

/// The leaf hashes of the whole log, read back through an export.
async fn leaves(db: &Database) -> Vec<Hash> {
    let mut out = Vec::new();
    store::export::export_jsonl(db, &mut out, |_| {})
        .await
        .unwrap();
    out.split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(merkle::leaf_hash)
        .collect()
}

fn root_of(leaves: &[Hash]) -> Hash {
    let mut frontier = Frontier::new();
    for leaf in leaves {
        frontier.push(*leaf, |_, _| {});
    }
    frontier.root()
}

async fn check_stored_tree(ledger: &TestLedger) {
    let db = ledger.ledger.database();
    let leaves = leaves(db).await;
    let n = leaves.len() as u64;
    assert!(n > 30, "{n}");
    for size in 0..=n {
        let root = tree::root(db, size).await.unwrap();
        assert_eq!(root, root_of(&leaves[..size as usize]), "root at {size}");
        for index in [0, size / 3, size.saturating_sub(1)] {
            if index < size {
                let proof = tree::inclusion_proof(db, index, size).await.unwrap();
                merkle::verify_inclusion(&leaves[index as usize], index, size, &proof, &root)
                    .unwrap_or_else(|e| panic!("inclusion {index}/{size}: {e}"));
            }
        }
        for first in [1, size / 2, size.saturating_sub(1)] {
            if first >= 1 && first <= size {
                let proof = tree::consistency_proof(db, first, size).await.unwrap();
                let first_root = root_of(&leaves[..first as usize]);
                merkle::verify_consistency(first, size, &proof, &first_root, &root)
                    .unwrap_or_else(|e| panic!("consistency {first}->{size}: {e}"));
            }
        }
    }
    assert!(tree::root(db, n + 1).await.is_err(), "beyond the log");
    assert!(tree::inclusion_proof(db, n, n).await.is_err());
    // Every node of the proof exists, but the leaf it would be for does not.
    let beyond = tree::inclusion_proof(db, n, n + 1).await;
    assert!(
        matches!(beyond, Err(store::StoreError::NotInLog(_))),
        "{beyond:?}"
    );
    let beyond = tree::consistency_proof(db, n, n + 1).await;
    assert!(
        matches!(beyond, Err(store::StoreError::NotInLog(_))),
        "{beyond:?}"
    );
}

async fn concurrent_writers(ledger: &TestLedger) {
    let tasks = (0..16u64).map(|task| {
        let cqrs = ledger.tallies();
        async move {
            for i in 0..4u64 {
                let id = format!("57007000{:02}", (task + i) % 6);
                // Conflicts are expected on overlapping aggregates: retry until it lands.
                while cqrs
                    .execute_with_metadata(&id, record(1_000, "đồng thời"), metadata(task * 10 + i))
                    .await
                    .is_err()
                {}
            }
        }
    });
    join_all(tasks).await;
}

#[tokio::test]
async fn the_stored_tree_gives_every_root_and_proof_after_concurrent_writers_on_postgres() {
    let ledger = TestLedger::postgres().await;
    concurrent_writers(&ledger).await;
    check_stored_tree(&ledger).await;
}

#[tokio::test]
async fn the_stored_tree_gives_every_root_and_proof_after_concurrent_writers_on_sqlite() {
    let ledger = TestLedger::sqlite().await;
    concurrent_writers(&ledger).await;
    check_stored_tree(&ledger).await;
}

#[tokio::test]
async fn a_log_written_before_the_tree_existed_gets_its_tree_when_opened() {
    let ledger = TestLedger::postgres().await;
    append(&ledger, 0, 21).await;
    let want = tree::root(ledger.ledger.database(), 21).await.unwrap();
    let mut owner = ledger.pg.as_ref().unwrap().owner().await;
    owner
        .execute("DROP TRIGGER ledger_tree_nodes_append_only ON ledger_tree_nodes")
        .await
        .unwrap();
    owner
        .execute("DELETE FROM ledger_tree_nodes")
        .await
        .unwrap();
    assert!(tree::root(ledger.ledger.database(), 21).await.is_err());
    let reopened = Database::open(&ledger.url).await.unwrap();
    assert_eq!(tree::root(&reopened, 21).await.unwrap(), want);
}

#[tokio::test]
async fn checkpoints_extend_each_other_and_an_unchanged_log_is_not_signed_again() {
    let ledger = TestLedger::sqlite().await;
    let db = ledger.ledger.database();
    let keys = ring(1);
    let clock = test_clock();
    let empty = checkpoint::create(db, &keys, clock.as_ref()).await.unwrap();
    assert!(empty.new);
    assert_eq!(empty.checkpoint.size, 0);
    append(&ledger, 0, 7).await;
    let first = checkpoint::create(db, &keys, clock.as_ref()).await.unwrap();
    assert!(first.new);
    assert_eq!(first.checkpoint.size, 7);
    let again = checkpoint::create(db, &keys, clock.as_ref()).await.unwrap();
    assert!(!again.new, "nothing new to sign");
    assert_eq!(again.checkpoint.note, first.checkpoint.note);
    append(&ledger, 7, 6).await;
    let second = checkpoint::create(db, &keys, clock.as_ref()).await.unwrap();
    assert_eq!(second.checkpoint.size, 13);
    let opened = tlog::note::open_checkpoint(
        &second.checkpoint.note,
        &[signing_key(1).verifier_key()],
        Some(ORIGIN),
    )
    .unwrap();
    assert_eq!(opened.checkpoint.root, second.checkpoint.root);
    let proof = tree::consistency_proof(db, 7, 13).await.unwrap();
    merkle::verify_consistency(
        7,
        13,
        &proof,
        &first.checkpoint.root,
        &second.checkpoint.root,
    )
    .unwrap();
    assert_eq!(checkpoint::all(db).await.unwrap().len(), 3);
    // Without a signing key nothing is signed.
    let none = checkpoint::create(db, &store::keys::KeyRing::default(), clock.as_ref()).await;
    assert!(
        matches!(none, Err(CheckpointError::NoSigningKey)),
        "{none:?}"
    );
}

#[tokio::test]
async fn the_checkpointer_signs_after_so_many_entries() {
    let ledger = TestLedger::sqlite().await;
    let task = checkpoint::spawn_checkpointer(
        ledger.ledger.database().clone(),
        std::sync::Arc::new(ring(1)),
        test_clock(),
        Schedule {
            interval: Duration::from_secs(3600),
            entries: 5,
        },
    );
    append(&ledger, 0, 12).await;
    let mut signed = 0;
    for _ in 0..200 {
        signed = checkpoint::latest(ledger.ledger.database())
            .await
            .unwrap()
            .map_or(0, |c| c.size);
        if signed >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    assert!(
        signed >= 10,
        "the checkpointer signed only {signed} entries"
    );
}

/// A PostgreSQL ledger of 10 entries with a checkpoint signed at 8, and its key folder.
async fn signed_at_8() -> (TestLedger, tempfile::TempDir) {
    let ledger = TestLedger::postgres().await;
    append(&ledger, 0, 8).await;
    let keys = tempfile::tempdir().unwrap();
    write_key(keys.path(), 1);
    let (code, text) = htx_ledger(&ledger.url, Some(keys.path()), &["checkpoint"]);
    assert_eq!(code, 0, "{text}");
    append(&ledger, 8, 2).await;
    let (code, text) = htx_ledger(&ledger.url, Some(keys.path()), &["verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("signatures verified"), "{text}");
    (ledger, keys)
}

/// `verify` must find `kind`, through the library and the binary (exit 1).
async fn expect_found(ledger: &TestLedger, keys: &Path, kind: &str) {
    let verifiers = [signing_key(1).verifier_key()];
    let db = Database::connect(&ledger.url).await.unwrap();
    let found = verify_ledger(&db, Some(&verifiers), None, |_| {})
        .await
        .unwrap()
        .expect_err("tampering found");
    assert_eq!(found.kind(), kind, "{found}");
    let (code, text) = htx_ledger(&ledger.url, Some(keys), &["verify"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(kind), "{text}");
}

fn amount_of(entry: &mut Value) -> &mut Value {
    &mut entry["payload"]["Recorded"]["amount"]
}

#[tokio::test]
async fn a_payload_edited_with_every_later_hash_recomputed_is_caught_by_the_signed_checkpoint() {
    let (ledger, keys) = signed_at_8().await;
    rewrite_history(ledger.pg.as_ref().unwrap(), |entries| {
        let amount = amount_of(&mut entries[3]);
        assert!(amount.is_i64(), "{amount}");
        *amount = Value::from(99_000_000);
    })
    .await;
    // The chain alone now looks intact.
    let db = Database::connect(&ledger.url).await.unwrap();
    store::verify::verify_log(&db, |_| {})
        .await
        .unwrap()
        .expect("a consistent rewrite");
    expect_found(&ledger, keys.path(), "checkpoint-root").await;
}

#[tokio::test]
async fn an_entry_inserted_in_the_middle_is_caught_by_the_signed_checkpoint() {
    let (ledger, keys) = signed_at_8().await;
    rewrite_history(ledger.pg.as_ref().unwrap(), |entries| {
        let mut forged = entries[2].clone();
        forged["aggregate_id"] = Value::from("5700699999");
        forged["sequence"] = Value::from(1);
        entries.insert(4, forged);
    })
    .await;
    expect_found(&ledger, keys.path(), "checkpoint-root").await;
}

#[tokio::test]
async fn a_log_truncated_below_a_checkpoint_is_caught() {
    let (ledger, keys) = signed_at_8().await;
    rewrite_history(ledger.pg.as_ref().unwrap(), |entries| entries.truncate(5)).await;
    expect_found(&ledger, keys.path(), "truncated-below-checkpoint").await;
}

#[tokio::test]
async fn an_edited_checkpoint_table_is_caught() {
    let (ledger, keys) = signed_at_8().await;
    let mut owner = ledger.pg.as_ref().unwrap().owner().await;
    owner
        .execute("DROP TRIGGER ledger_checkpoints_append_only ON ledger_checkpoints")
        .await
        .unwrap();
    // The root is replaced by another, and the note re-signed with a key that is not the log's.
    let forged_root = Hash::from_bytes([7; 32]);
    let forged = tlog::note::Checkpoint {
        origin: ORIGIN.into(),
        size: 8,
        root: forged_root,
        extensions: vec![],
    }
    .sign(&[&signing_key(66)])
    .unwrap();
    sqlx::query("UPDATE ledger_checkpoints SET root = $1, note = $2 WHERE tree_size = 8")
        .bind(forged_root.as_bytes().to_vec())
        .bind(forged)
        .execute(&mut owner)
        .await
        .unwrap();
    expect_found(&ledger, keys.path(), "checkpoint-signature").await;
}

#[tokio::test]
async fn the_log_refuses_to_sign_a_checkpoint_that_contradicts_the_last() {
    let (ledger, keys_dir) = signed_at_8().await;
    let keys = ring(1);
    let clock = test_clock();
    // History below the checkpoint rewritten, tree and all: the next checkpoint would not
    // extend the signed one, so none is signed.
    rewrite_history(ledger.pg.as_ref().unwrap(), |entries| {
        *amount_of(&mut entries[1]) = Value::from(1);
    })
    .await;
    let db = Database::connect(&ledger.url).await.unwrap();
    let refused = checkpoint::create(&db, &keys, clock.as_ref()).await;
    assert!(
        matches!(refused, Err(CheckpointError::Inconsistent { size: 8 })),
        "{refused:?}"
    );
    let (code, text) = htx_ledger(&ledger.url, Some(keys_dir.path()), &["checkpoint"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("REFUSED, nothing signed"), "{text}");
    assert_eq!(checkpoint::all(&db).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_log_refuses_to_sign_over_an_entry_edited_after_the_last_checkpoint() {
    let (ledger, _keys_dir) = signed_at_8().await;
    let mut owner = ledger.pg.as_ref().unwrap().owner().await;
    owner
        .execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        .await
        .unwrap();
    owner
        .execute(
            "UPDATE ledger_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), \
             '\"amount\":2250000', '\"amount\":9250000'), 'UTF8') WHERE position = 8",
        )
        .await
        .unwrap();
    let db = Database::connect(&ledger.url).await.unwrap();
    let refused = checkpoint::create(&db, &ring(1), test_clock().as_ref()).await;
    assert!(
        matches!(refused, Err(CheckpointError::EntryAltered { position: 8 })),
        "{refused:?}"
    );
    assert_eq!(checkpoint::all(&db).await.unwrap().len(), 1);
}

/// The same commands and the same key on both backends.
async fn bundle_of(ledger: &TestLedger, dir: &Path) {
    let keys = ring(1);
    let clock = test_clock();
    append(ledger, 0, 9).await;
    checkpoint::create(ledger.ledger.database(), &keys, clock.as_ref())
        .await
        .unwrap();
    append(ledger, 9, 14).await;
    checkpoint::create(ledger.ledger.database(), &keys, clock.as_ref())
        .await
        .unwrap();
    append(ledger, 23, 3).await;
    bundle::write_bundle(ledger.ledger.database(), dir, &keys, None, |_| {})
        .await
        .unwrap();
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["", "checkpoints", "keys"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn bundles_from_sqlite_and_postgres_are_byte_identical_and_verify_offline() {
    let out = tempfile::tempdir().unwrap();
    let (from_sqlite, from_postgres) = (out.path().join("sqlite"), out.path().join("postgres"));
    bundle_of(&TestLedger::sqlite().await, &from_sqlite).await;
    bundle_of(&TestLedger::postgres().await, &from_postgres).await;
    let files = files_of(&from_sqlite);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "checkpoints/23.checkpoint",
            "checkpoints/9.checkpoint",
            "entries.jsonl",
            "keys/test.quangninh.gov.vn_htx-ledger-a5d1c8b8.vkey"
        ]
        .iter()
        .map(|n| n.replace("a5d1c8b8", &hex::encode(signing_key(1).key_id())))
        .collect::<Vec<_>>()
    );
    assert!(files == files_of(&from_postgres), "the bundles differ");

    let trusted = [signing_key(1).verifier_key()];
    for dir in [&from_sqlite, &from_postgres] {
        let report = bundle::verify_bundle(dir, &trusted, |_| {})
            .unwrap()
            .unwrap();
        assert_eq!(report.entries, 26);
        assert_eq!(
            report.checkpoints.iter().map(|c| c.0).collect::<Vec<_>>(),
            [9, 23]
        );
    }
    // Through the binary, with no database at all.
    let vkey = write_key(&out.path().join("k"), 1);
    let (code, text) = htx_ledger(
        "postgres://nowhere.invalid/none",
        None,
        &[
            "verify-bundle",
            from_sqlite.to_str().unwrap(),
            "--vkey",
            vkey.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact: 26 entries"), "{text}");
}

#[tokio::test]
async fn a_tampered_bundle_or_a_stranger_key_does_not_verify() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("bundle");
    bundle_of(&TestLedger::sqlite().await, &dir).await;
    let trusted = [signing_key(1).verifier_key()];
    let verify = |dir: &Path, keys: &[tlog::note::VerifierKey]| {
        bundle::verify_bundle(dir, keys, |_| {})
            .unwrap()
            .expect_err("refused")
    };

    // A key the auditor does not trust: every checkpoint is unverified.
    let found = verify(&dir, &[signing_key(2).verifier_key()]);
    assert_eq!(found.kind(), "checkpoint-signature", "{found}");

    // A checkpoint's size line altered.
    let copy = |name: &str| {
        let to = out.path().join(name);
        std::fs::create_dir_all(to.join("checkpoints")).unwrap();
        for (file, bytes) in files_of(&dir) {
            let path = to.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        to
    };
    let altered = copy("altered-checkpoint");
    let note = std::fs::read_to_string(altered.join("checkpoints/9.checkpoint")).unwrap();
    std::fs::write(
        altered.join("checkpoints/9.checkpoint"),
        note.replacen("\n9\n", "\n8\n", 1),
    )
    .unwrap();
    assert_eq!(verify(&altered, &trusted).kind(), "checkpoint-signature");

    // An amount changed in one entry, even with the rest of the file re-chained by hand, is a
    // hash or root mismatch; here the plain edit breaks the next link.
    let edited = copy("edited-entry");
    let entries = std::fs::read_to_string(edited.join("entries.jsonl")).unwrap();
    let target = "\"amount\":1000000";
    assert!(entries.contains(target));
    std::fs::write(
        edited.join("entries.jsonl"),
        entries.replacen(target, "\"amount\":9000000", 1),
    )
    .unwrap();
    assert_eq!(verify(&edited, &trusted).kind(), "broken link");

    // Entries cut back below a checkpoint.
    let cut = copy("cut");
    let lines: Vec<&str> = entries.lines().take(20).collect();
    std::fs::write(cut.join("entries.jsonl"), lines.join("\n") + "\n").unwrap();
    assert_eq!(verify(&cut, &trusted).kind(), "truncated-below-checkpoint");
}

#[tokio::test]
async fn an_inspector_checks_one_entry_offline_from_a_proof_file() {
    let ledger = TestLedger::sqlite().await;
    let work = tempfile::tempdir().unwrap();
    let keys = work.path().join("keys");
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &[
            "key",
            "generate",
            "--origin",
            ORIGIN,
            "--out",
            keys.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
    let vkey = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "vkey"))
        .unwrap();
    let private = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "key"))
        .unwrap();
    let secret = std::fs::read_to_string(&private).unwrap();
    // PRIVATE+KEY+<name>+<key id>+<base64>: the base64 may itself hold '+' (taking the text
    // after the last '+' once left a few characters that the output held by chance).
    let secret = secret.trim_end().splitn(5, '+').nth(4).unwrap().to_string();
    assert_eq!(
        secret.len(),
        44,
        "base64 of 0x01 and a 32-byte seed: {secret}"
    );
    assert!(!text.contains(&secret), "key generate printed the secret");

    append(&ledger, 0, 6).await;
    let (code, first_note) = htx_ledger(&ledger.url, Some(&keys), &["checkpoint"]);
    assert_eq!(code, 0, "{first_note}");
    assert!(
        !first_note.contains(&secret),
        "the secret was logged: {first_note}"
    );
    let first_note: String = first_note
        .lines()
        .filter(|l| !l.contains("INFO") && !l.contains("DEBUG") && !l.contains("TRACE"))
        .map(|l| format!("{l}\n"))
        .collect();
    let first_file = work.path().join("first.checkpoint");
    std::fs::write(&first_file, &first_note).unwrap();
    append(&ledger, 6, 5).await;
    let (code, text) = htx_ledger(&ledger.url, Some(&keys), &["checkpoint"]);
    assert_eq!(code, 0, "{text}");

    // The inspector's files: the proof, the entry, the verifier key.
    let entry_file = work.path().join("entry-4.json");
    let output = Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
        .args([
            "proof",
            "--position",
            "4",
            "--entry-out",
            entry_file.to_str().unwrap(),
        ])
        .env("DATABASE_URL", &ledger.url)
        .output()
        .unwrap();
    assert!(output.status.success());
    let proof_text = String::from_utf8(output.stdout).unwrap();
    assert!(
        proof_text.starts_with("c2sp.org/tlog-proof@v1\nindex 4\n"),
        "{proof_text}"
    );
    let proof_file = work.path().join("entry-4.tlog-proof");
    std::fs::write(&proof_file, &proof_text).unwrap();
    let check = |proof: &Path, entry: &Path| {
        htx_ledger(
            "postgres://nowhere.invalid/none",
            None,
            &[
                "verify-proof",
                proof.to_str().unwrap(),
                "--vkey",
                vkey.to_str().unwrap(),
                "--entry",
                entry.to_str().unwrap(),
            ],
        )
    };
    let (code, text) = check(&proof_file, &entry_file);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("VALID: entry 4 is in log") && text.contains("tree size 11"),
        "{text}"
    );

    // Another entry's bytes, or a flipped proof hash, are refused.
    let other_entry = work.path().join("entry-5.json");
    let (code, _) = htx_ledger(
        &ledger.url,
        None,
        &[
            "proof",
            "--position",
            "5",
            "--entry-out",
            other_entry.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    let (code, text) = check(&proof_file, &other_entry);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("INVALID"), "{text}");
    let mut parsed = ProofFile::parse(&proof_text).unwrap();
    parsed.proof[0].0[0] ^= 1;
    let flipped = work.path().join("flipped.tlog-proof");
    std::fs::write(&flipped, parsed.to_text()).unwrap();
    let (code, text) = check(&flipped, &entry_file);
    assert_eq!(code, 1, "{text}");

    // A proof against the older checkpoint, by size.
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &["proof", "--position", "2", "--size", "6"],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("\n6\n"), "{text}");
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &["proof", "--position", "2", "--size", "7"],
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("no checkpoint was signed at tree size 7"),
        "{text}"
    );

    // The consistency proof between the two checkpoints, one base64 hash per line.
    let (code, text) = htx_ledger(
        &ledger.url,
        None,
        &["consistency", "--from", "6", "--to", "11"],
    );
    assert_eq!(code, 0, "{text}");
    let proof: Vec<Hash> = text
        .lines()
        .filter(|l| !l.contains("INFO") && !l.contains("DEBUG") && !l.contains("TRACE"))
        .map(|l| Hash::parse_base64(l).unwrap())
        .collect();
    let root6 = tree::root(ledger.ledger.database(), 6).await.unwrap();
    let root11 = tree::root(ledger.ledger.database(), 11).await.unwrap();
    merkle::verify_consistency(6, 11, &proof, &root6, &root11).unwrap();

    // The auditor who trusts the first checkpoint checks only what came after.
    let (code, text) = htx_ledger(
        &ledger.url,
        Some(&keys),
        &["verify", "--since", first_file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("checked from the trusted checkpoint of 6 entries"),
        "{text}"
    );
    assert!(text.contains("intact: 11 entries"), "{text}");

    // A bundle through the binary verifies through the binary.
    let bundle_dir = work.path().join("bundle");
    let (code, text) = htx_ledger(
        &ledger.url,
        Some(&keys),
        &["export", "--bundle", bundle_dir.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains(&secret));
    assert!(bundle_dir.join("README.txt").exists());
    let (code, text) = htx_ledger(
        "postgres://nowhere.invalid/none",
        None,
        &[
            "verify-bundle",
            bundle_dir.to_str().unwrap(),
            "--vkey",
            vkey.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
}

#[tokio::test]
async fn verify_since_a_checkpoint_the_log_does_not_extend_is_refused() {
    let (ledger, keys) = signed_at_8().await;
    let db = ledger.ledger.database();
    let trusted = checkpoint::latest(db).await.unwrap().unwrap().note;
    // A checkpoint the log's key signed for another history of 8 entries.
    let other = tlog::note::Checkpoint {
        origin: ORIGIN.into(),
        size: 8,
        root: Hash::from_bytes([9; 32]),
        extensions: vec![],
    }
    .sign(&[&signing_key(1)])
    .unwrap();
    let verifiers = [signing_key(1).verifier_key()];
    let found = verify_ledger(db, Some(&verifiers), Some(&other), |_| {})
        .await
        .unwrap()
        .expect_err("another history");
    assert!(
        matches!(
            found,
            Finding::Checkpoint {
                problem: CheckpointProblem::NotExtended(_),
                ..
            }
        ),
        "{found}"
    );
    let report = verify_ledger(db, Some(&verifiers), Some(&trusted), |_| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!((report.started_at, report.chain.size), (8, 10));
    let file = keys.path().join("trusted.checkpoint");
    std::fs::write(&file, other).unwrap();
    let (code, text) = htx_ledger(
        &ledger.url,
        Some(keys.path()),
        &["verify", "--since", file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{text}");
}

#[tokio::test]
async fn a_rotated_key_keeps_old_checkpoints_verifiable() {
    let ledger = TestLedger::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let old_vkey = write_key(dir.path(), 1);
    append(&ledger, 0, 4).await;
    let (code, text) = htx_ledger(&ledger.url, Some(dir.path()), &["checkpoint"]);
    assert_eq!(code, 0, "{text}");
    // Rotation: the old private key leaves the folder, its .vkey stays, a new key signs.
    std::fs::remove_file(old_vkey.with_extension("key")).unwrap();
    write_key(dir.path(), 2);
    append(&ledger, 4, 3).await;
    let (code, text) = htx_ledger(&ledger.url, Some(dir.path()), &["checkpoint"]);
    assert_eq!(code, 0, "{text}");
    let latest = checkpoint::latest(ledger.ledger.database())
        .await
        .unwrap()
        .unwrap();
    assert!(latest.note.contains(&base64_key_id_prefix(&signing_key(2))));
    let (code, text) = htx_ledger(&ledger.url, Some(dir.path()), &["verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("2 roots recomputed") && text.contains("signatures verified"),
        "{text}"
    );
    // Without the old .vkey, the old checkpoint no longer verifies: it is reported, not skipped.
    std::fs::remove_file(&old_vkey).unwrap();
    let (code, text) = htx_ledger(&ledger.url, Some(dir.path()), &["verify"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("checkpoint of 4 entries (checkpoint-signature)"),
        "{text}"
    );
}

/// The first characters of a signature line's base64 for `key`: its key ID.
fn base64_key_id_prefix(key: &tlog::note::SigningKey) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(key.key_id());
    // 4 bytes encode to 5 significant characters plus padding; the first 5 are fixed.
    format!("{ORIGIN} {}", &encoded[..5])
}
