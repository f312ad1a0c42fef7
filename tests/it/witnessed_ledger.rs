//! The verifiers and writers that read a ledger under a tlog-policy: `verify --policy`,
//! `proof --policy`, `export --bundle --policy` with `verify-bundle --policy`, and
//! `report --policy`. The cosignatures are made here with witnesses' keys and stored as the
//! log's pusher stores them (`store::witnessed::insert`, after verifying them); the witnesses
//! as processes, and the pusher, are shown in tests/it/witnessing.rs and tests/it/trust.rs.

use std::path::Path;

use store::witnessed::{self, StoredCosignature};
use tlog::cosignature::CosignerKey;

use crate::support::cli::htx_ledger;
use crate::support::keys::{signing_key, write_key};

/// 2025-12-03 00:00:00 UTC.
const COSIGNED_AT: u64 = 1_764_720_000;

struct Fixture {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    url: String,
    keys: std::path::PathBuf,
    policy: std::path::PathBuf,
    witnesses: Vec<CosignerKey>,
}

fn run(fixture: &Fixture, keys: bool, args: &[&str]) -> (i32, String) {
    htx_ledger(&fixture.url, keys.then_some(fixture.keys.as_path()), args)
}

/// Standard output alone (the log lines go to standard error).
fn stdout_of(fixture: &Fixture, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
        .args(args)
        .env("DATABASE_URL", &fixture.url)
        .env_remove("HTX_LEDGER_KEY_DIR")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo ledger at a small scale with one signed checkpoint, and a policy of two of three
/// witnesses over the log's key.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let url = format!("sqlite://{}", root.join("ledger.sqlite3").display());
    let keys = root.join("keys");
    write_key(&keys, 7);
    let witnesses: Vec<CosignerKey> = (1..=3)
        .map(|n| CosignerKey::from_seed(&format!("witness.test/w{n}"), &[60 + n; 32]).unwrap())
        .collect();
    let policy = root.join("policy.txt");
    std::fs::write(
        &policy,
        format!(
            "log {}\nwitness STC {}\nwitness KBNN {}\nwitness KTNN {}\ngroup hai-trong-ba 2 STC KBNN KTNN\nquorum hai-trong-ba\n",
            signing_key(7).verifier_key(),
            witnesses[0].witness_key(),
            witnesses[1].witness_key(),
            witnesses[2].witness_key()
        ),
    )
    .unwrap();
    let fixture = Fixture {
        _dir: dir,
        dir: root,
        url,
        keys,
        policy,
        witnesses,
    };
    let (code, output) = run(&fixture, false, &["demo", "--seed", "3", "--scale", "0.05"]);
    assert_eq!(code, 0, "{output}");
    let (code, output) = run(&fixture, true, &["checkpoint"]);
    assert_eq!(code, 0, "{output}");
    fixture
}

/// One more entry (a person added) and a checkpoint over it, which no witness cosigned.
fn sign_a_later_checkpoint(fixture: &Fixture) {
    let (code, output) = run(
        fixture,
        false,
        &["user", "add", "late.clerk", "--role", "clerk"],
    );
    assert_eq!(code, 0, "{output}");
    let (code, output) = run(fixture, true, &["checkpoint"]);
    assert_eq!(code, 0, "{output}");
}

/// Cosigns the latest checkpoint with the witnesses `which` (indices) and stores the lines.
async fn cosign_latest(fixture: &Fixture, which: &[usize], offset: u64) -> u64 {
    let db = store::Database::open(&fixture.url).await.unwrap();
    let latest = store::checkpoint::latest(&db).await.unwrap().unwrap();
    let text = tlog::note::split(&latest.note).unwrap().0.to_string();
    for (i, &w) in which.iter().enumerate() {
        let witness = &fixture.witnesses[w];
        let at = COSIGNED_AT + offset + i as u64;
        let stored = witnessed::insert(
            &db,
            &StoredCosignature {
                size: latest.size,
                witness: witness.name().to_string(),
                line: witness.cosign(&text, at),
                cosigned_at: at,
                received_at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap();
        assert!(stored);
    }
    db.close().await;
    latest.size
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_under_a_policy_names_the_witnesses_and_refuses_a_ledger_nothing_witnessed() {
    let fixture = fixture();
    let policy = path(&fixture.policy).to_string();
    let (code, output) = run(&fixture, false, &["verify", "--policy", &policy]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("signatures verified"), "{output}");
    assert!(
        output.contains("INVALID: no checkpoint of this ledger holds the policy's quorum"),
        "{output}"
    );

    let size = cosign_latest(&fixture, &[1], 0).await;
    let (code, output) = run(&fixture, false, &["verify", "--policy", &policy]);
    assert_eq!(code, 1, "one of three is not a quorum: {output}");
    assert!(output.contains("cosigned by KBNN"), "{output}");

    cosign_latest(&fixture, &[2], 5).await;
    let (code, output) = run(&fixture, false, &["verify", "--policy", &policy]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains(&format!("witnessed: the checkpoint of {size} entries")),
        "{output}"
    );
    assert!(
        output.contains("cosigned by KBNN at 2025-12-03 00:00:00 UTC"),
        "{output}"
    );
    assert!(
        output.contains("cosigned by KTNN at 2025-12-03 00:00:05 UTC"),
        "{output}"
    );

    // A later checkpoint, signed and not yet witnessed: the ledger is still witnessed up to
    // the earlier one, and says so.
    sign_a_later_checkpoint(&fixture);
    let (code, output) = run(&fixture, false, &["verify", "--policy", &policy]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("not yet witnessed: the signed checkpoint of"),
        "{output}"
    );

    // A policy of other witnesses: nothing here is cosigned by them.
    let others = fixture.dir.join("others.txt");
    let stranger = CosignerKey::from_seed("witness.test/stranger", &[99; 32]).unwrap();
    std::fs::write(
        &others,
        format!(
            "log {}\nwitness X {}\nquorum X\n",
            signing_key(7).verifier_key(),
            stranger.witness_key()
        ),
    )
    .unwrap();
    let (code, output) = run(&fixture, false, &["verify", "--policy", path(&others)]);
    assert_eq!(code, 1, "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proof_under_a_policy_ends_at_the_witnessed_checkpoint_and_carries_it() {
    let fixture = fixture();
    let policy = path(&fixture.policy).to_string();
    let (code, output) = run(
        &fixture,
        false,
        &["proof", "--position", "3", "--policy", &policy],
    );
    assert_eq!(code, 1, "nothing witnessed yet: {output}");
    assert!(
        output.contains("REFUSED: no checkpoint holds the policy's quorum"),
        "{output}"
    );

    let size = cosign_latest(&fixture, &[0, 2], 0).await;
    // A later checkpoint that no witness cosigned: the proof still ends at the witnessed one.
    sign_a_later_checkpoint(&fixture);

    let entry = fixture.dir.join("entry-3.json");
    let (code, proof) = run(
        &fixture,
        false,
        &[
            "proof",
            "--position",
            "3",
            "--policy",
            &policy,
            "--entry-out",
            path(&entry),
        ],
    );
    assert_eq!(code, 0, "{proof}");
    let file = fixture.dir.join("entry-3.tlog-proof");
    let verify_proof = |policy: &str| {
        let args = [
            "verify-proof",
            path(&file),
            "--policy",
            policy,
            "--entry",
            path(&entry),
        ];
        run(&fixture, false, &args)
    };
    let proof_text = stdout_of(&fixture, &["proof", "--position", "3", "--policy", &policy]);
    std::fs::write(&file, &proof_text).unwrap();
    let parsed = tlog::proof_file::ProofFile::parse(&proof_text).unwrap();
    assert!(
        parsed.checkpoint_note.contains(&format!("\n{size}\n")),
        "{proof_text}"
    );
    assert_eq!(parsed.checkpoint_note.matches("— witness.test/").count(), 2);
    let named = String::from_utf8(parsed.extra.clone().unwrap()).unwrap();
    assert!(named.ends_with(&std::fs::read_to_string(&fixture.policy).unwrap()));

    let (code, output) = verify_proof(&policy);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("cosigned by STC at 2025-12-03 00:00:00 UTC"),
        "{output}"
    );
    assert!(
        output.contains("cosigned by KTNN at 2025-12-03 00:00:01 UTC"),
        "{output}"
    );
    assert!(output.contains("VALID: entry 3"), "{output}");
    assert!(!output.contains("differs"), "{output}");

    // Checked against another policy, the proof says that it names a different one.
    let strict = fixture.dir.join("strict.txt");
    let original = std::fs::read_to_string(&fixture.policy).unwrap();
    std::fs::write(
        &strict,
        original.replace("group hai-trong-ba 2", "group hai-trong-ba all"),
    )
    .unwrap();
    let (code, output) = verify_proof(path(&strict));
    assert_eq!(code, 1, "two of three is not all: {output}");
    assert!(
        output.contains("the proof names a policy that differs"),
        "{output}"
    );
    assert!(
        output.contains("INVALID: the policy's quorum does not hold"),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_carries_the_cosignatures_and_the_policy_and_a_report_names_its_witnesses() {
    let fixture = fixture();
    let policy = path(&fixture.policy).to_string();
    let size = cosign_latest(&fixture, &[0, 1], 0).await;
    let bundle = fixture.dir.join("bundle");
    let (code, output) = run(
        &fixture,
        true,
        &["export", "--bundle", path(&bundle), "--policy", &policy],
    );
    assert_eq!(code, 0, "{output}");
    assert_eq!(
        std::fs::read_to_string(bundle.join("policy.txt")).unwrap(),
        std::fs::read_to_string(&fixture.policy).unwrap()
    );
    let note =
        std::fs::read_to_string(bundle.join(format!("checkpoints/{size}.checkpoint"))).unwrap();
    assert_eq!(note.matches("— witness.test/").count(), 2, "{note}");
    let (code, output) = run(
        &fixture,
        false,
        &["verify-bundle", path(&bundle), "--policy", &policy],
    );
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("cosigned by STC"), "{output}");
    assert!(output.contains("cosigned by KBNN"), "{output}");
    assert!(!output.contains("differs"), "{output}");

    let report = fixture.dir.join("plan.json");
    let (code, output) = run(
        &fixture,
        false,
        &[
            "report",
            "plan",
            "--format",
            "json",
            "--out",
            path(&report),
            "--policy",
            &policy,
        ],
    );
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("witnessed: cosigned by STC at 2025-12-03T00:00:00Z"),
        "{output}"
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["checkpoint"]["tree_size"], size);
    assert_eq!(
        json["checkpoint"]["cosigned_by"],
        serde_json::json!([
            {"witness": "STC", "cosigned_at": "2025-12-03T00:00:00Z"},
            {"witness": "KBNN", "cosigned_at": "2025-12-03T00:00:01Z"}
        ])
    );
    // Without the policy the report is the one it always was: no cosigners in it.
    let plain = fixture.dir.join("plain.json");
    let (code, output) = run(
        &fixture,
        false,
        &["report", "plan", "--format", "json", "--out", path(&plain)],
    );
    assert_eq!(code, 0, "{output}");
    let plain: serde_json::Value = serde_json::from_slice(&std::fs::read(&plain).unwrap()).unwrap();
    assert!(plain["checkpoint"].get("cosigned_by").is_none());

    // A report at a checkpoint no quorum cosigned is refused under the policy, nothing written.
    sign_a_later_checkpoint(&fixture);
    let latest = store::checkpoint::latest(&store::Database::open(&fixture.url).await.unwrap())
        .await
        .unwrap()
        .unwrap()
        .size;
    let refused = fixture.dir.join("refused.csv");
    let (code, output) = run(
        &fixture,
        false,
        &[
            "report",
            "plan",
            "--format",
            "csv",
            "--out",
            path(&refused),
            "--policy",
            &policy,
            "--checkpoint-size",
            &latest.to_string(),
        ],
    );
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains(&format!(
            "the checkpoint of tree size {latest} is not witnessed"
        )),
        "{output}"
    );
    assert!(!refused.exists());
}
