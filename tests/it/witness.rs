//! `htx-ledger witness serve` as real processes on loopback: the spec's status codes for bad
//! input with nothing changed, persistence before answering, a restart from its file that
//! refuses to go backwards, and a rewrite by the log's owner refused with evidence kept.

use reqwest::StatusCode;
use tlog::cosignature::WitnessKey;
use tlog::note::{self, SigningKey};
use tlog::witness::origin_hash;

use crate::support::keys::{ORIGIN, signing_key, write_key};
use crate::support::pg::TestDb;
use crate::support::witness::{
    WitnessProcess, add_checkpoint, checkpoint, generate_witness_key, leaves,
};

async fn post(url: &str, body: impl Into<reqwest::Body>) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .await
        .expect("the witness answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

async fn held(url: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{url}/{}/checkpoint", origin_hash(ORIGIN)))
        .await
        .expect("the witness answers");
    (response.status(), response.text().await.unwrap())
}

/// Checks that `line` is the witness's valid cosignature of the checkpoint in `note_text`.
fn assert_cosigned(witness: &WitnessKey, note_text: &str, line: &str) {
    let (text, _) = note::split(note_text).unwrap();
    let with_line = format!("{note_text}{line}");
    let (_, signatures) = note::split(&with_line).unwrap();
    let (good, bad) =
        tlog::cosignature::verify_all(text, &signatures, std::slice::from_ref(witness));
    assert_eq!(good.len(), 1, "{line:?} is a cosignature of {text:?}");
    assert!(bad.is_empty());
    assert!(good[0].timestamp > 1_700_000_000, "a real time");
}

#[tokio::test]
async fn bad_input_gets_the_specs_status_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log_vkey = write_key(&dir.path().join("log"), 1);
    let (key, _) = generate_witness_key(&dir.path().join("w"), "witness.test/w1");
    let state = format!("sqlite://{}", dir.path().join("w1.db").display());
    let w = WitnessProcess::start(&key, &log_vkey, &state);
    let log = signing_key(1);
    let four = leaves(4, None);
    let note_text = checkpoint(&log, &four);

    let hash = four[0].to_base64();
    let sixty_four: String = std::iter::repeat_n(format!("{hash}\n"), 64).collect();
    let other_log = SigningKey::from_seed("other.example/log", &[3; 32]).unwrap();
    let not_the_log = SigningKey::from_seed(ORIGIN, &[2; 32]).unwrap();
    let cases: Vec<(String, Vec<u8>, StatusCode)> = vec![
        ("empty".into(), Vec::new(), StatusCode::BAD_REQUEST),
        (
            "not UTF-8".into(),
            vec![0xff, 0xfe, b'\n'],
            StatusCode::BAD_REQUEST,
        ),
        (
            "no old line".into(),
            note_text.clone().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "leading zero".into(),
            format!("old 00\n\n{note_text}").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no empty line".into(),
            format!("old 0\n{note_text}").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad proof line".into(),
            format!("old 0\n!!!!\n\n{note_text}").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "64 proof lines".into(),
            format!("old 0\n{sixty_four}\n{note_text}").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "not a note".into(),
            b"old 0\n\nhello\n".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "old above size".into(),
            format!("old 5\n\n{note_text}").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown origin".into(),
            add_checkpoint(&other_log, 0, &four).into_bytes(),
            StatusCode::NOT_FOUND,
        ),
        (
            "another key".into(),
            add_checkpoint(&not_the_log, 0, &four).into_bytes(),
            StatusCode::FORBIDDEN,
        ),
        (
            "altered after signing".into(),
            format!("old 0\n\n{}", note_text.replacen("\n4\n", "\n3\n", 1)).into_bytes(),
            StatusCode::FORBIDDEN,
        ),
        (
            "oversized body".into(),
            vec![b'x'; 65 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (name, body, expected) in cases {
        let (status, _, text) = post(&w.url, body).await;
        assert_eq!(status, expected, "{name}: {text}");
        assert_eq!(
            held(&w.url).await.0,
            StatusCode::NOT_FOUND,
            "{name} changed nothing"
        );
    }
    w.kill();
    let (code, output) = crate::support::cli::htx_ledger(
        "sqlite::memory:",
        None,
        &["witness", "evidence", "--state", &state],
    );
    assert_eq!(
        code, 0,
        "no evidence: none of these was the log's valid checkpoint: {output}"
    );
}

/// The witness's life on one backend: first contact, growth, 409 with its size, a restart
/// from its state refusing to go backwards, a rewrite and a split view refused with evidence.
async fn witness_a_log(state: &str) {
    let dir = tempfile::tempdir().unwrap();
    let log_vkey = write_key(&dir.path().join("log"), 1);
    let (key, vkey_text) = generate_witness_key(&dir.path().join("w"), "witness.test/w1");
    let witness_key = WitnessKey::parse(&vkey_text).unwrap();
    let log = signing_key(1);
    let w = WitnessProcess::start(&key, &log_vkey, state);

    let (status, content_type, line) =
        post(&w.url, add_checkpoint(&log, 0, &leaves(4, None))).await;
    assert_eq!(status, StatusCode::OK, "{line}");
    assert!(content_type.starts_with("text/plain"));
    assert!(line.starts_with("\u{2014} witness.test/w1 ") && line.ends_with('\n'));
    assert_cosigned(&witness_key, &checkpoint(&log, &leaves(4, None)), &line);
    let ten = leaves(10, None);
    let (status, _, line) = post(&w.url, add_checkpoint(&log, 4, &ten)).await;
    assert_eq!(status, StatusCode::OK, "{line}");
    assert_cosigned(&witness_key, &checkpoint(&log, &ten), &line);
    // The monitors' view: the log's signature and the cosignature just returned.
    let (status, note_text) = held(&w.url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(note_text.ends_with(&line));
    assert!(note::open_checkpoint(&note_text, &[log.verifier_key()], Some(ORIGIN)).is_ok());

    // 409: the client's old size is not the witness's, answered with the witness's size.
    let (status, content_type, body) =
        post(&w.url, add_checkpoint(&log, 4, &leaves(12, None))).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (StatusCode::CONFLICT, "text/x.tlog.size", "10\n")
    );

    // Killed and started again from its state: it holds 10 and does not go back.
    w.kill();
    let w = WitnessProcess::start(&key, &log_vkey, state);
    assert_eq!(
        held(&w.url).await.1,
        note_text,
        "persisted before it answered"
    );
    let (status, _, body) = post(&w.url, add_checkpoint(&log, 0, &leaves(6, None))).await;
    assert_eq!((status, body.as_str()), (StatusCode::CONFLICT, "10\n"));

    // The owner rewrites entry 2 and signs with the log's key: the proof from 10 cannot
    // verify; and a second tree of size 10 (a split view) is refused too. Both are kept.
    let rewritten = leaves(12, Some(2));
    let (status, _, body) = post(&w.url, add_checkpoint(&log, 10, &rewritten)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, body) = post(&w.url, add_checkpoint(&log, 10, &leaves(10, Some(2)))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        held(&w.url).await.1,
        note_text,
        "what it holds is unchanged"
    );
    // The honest log goes on.
    let (status, _, body) = post(&w.url, add_checkpoint(&log, 10, &leaves(12, None))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    w.kill();

    let (code, output) = crate::support::cli::htx_ledger(
        "sqlite::memory:",
        None,
        &["witness", "evidence", "--state", state],
    );
    assert_eq!(code, 1, "evidence found: {output}");
    let kept: Vec<serde_json::Value> = output
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("request").is_some())
        .collect();
    assert_eq!(kept.len(), 2, "{output}");
    let rewrite_note = checkpoint(&log, &rewritten);
    assert!(
        kept[0]["request"]
            .as_str()
            .unwrap()
            .ends_with(&rewrite_note)
    );
    assert_eq!(kept[0]["held_note"].as_str(), Some(note_text.as_str()));
    assert!(kept[1]["reason"].as_str().unwrap().contains("inconsistent"));
}

#[tokio::test]
async fn a_witness_on_its_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    witness_a_log(&format!(
        "sqlite://{}",
        dir.path().join("state.db").display()
    ))
    .await;
}

#[tokio::test]
async fn a_witness_on_postgresql() {
    let db = TestDb::create().await;
    witness_a_log(&db.url).await;
}

/// `verify-proof --policy`: the inspector's offline check needs the log's signature and the
/// policy's quorum of cosignatures; a checkpoint the owner signed over a rewritten history,
/// which no witness cosigns, is refused though its inclusion proof and signature are good.
#[tokio::test]
async fn verify_proof_holds_the_checkpoint_to_the_policy() {
    use tlog::cosignature::CosignerKey;
    use tlog::proof_file::ProofFile;

    let dir = tempfile::tempdir().unwrap();
    let log = signing_key(1);
    let witnesses: Vec<CosignerKey> = (1..=3)
        .map(|n| CosignerKey::from_seed(&format!("witness.test/w{n}"), &[20 + n; 32]).unwrap())
        .collect();
    let policy = dir.path().join("policy.txt");
    std::fs::write(
        &policy,
        format!(
            "log {}\nwitness STC {}\nwitness KBNN {}\nwitness KTNN {}\ngroup any-two 2 STC KBNN KTNN\nquorum any-two\n",
            log.verifier_key(),
            witnesses[0].witness_key(),
            witnesses[1].witness_key(),
            witnesses[2].witness_key()
        ),
    )
    .unwrap();
    let entry = dir.path().join("entry");
    std::fs::write(&entry, "entry 3").unwrap();
    let verify = |history: &[tlog::Hash], cosigners: &[usize]| {
        let mut note_text = checkpoint(&log, history);
        let (text, _) = note::split(&note_text).unwrap();
        let text = text.to_string();
        for &w in cosigners {
            note_text.push_str(&witnesses[w].cosign(&text, 1_764_720_000 + w as u64));
            note_text.push('\n');
        }
        let plan = tlog::merkle::inclusion_plan(3, history.len() as u64).unwrap();
        let proof = plan.resolve(&tlog::merkle::subtrees_of(history)).unwrap();
        let file = dir.path().join("entry-3.tlog-proof");
        let proof_file = ProofFile {
            index: 3,
            extra: None,
            proof,
            checkpoint_note: note_text,
        };
        std::fs::write(&file, proof_file.to_text()).unwrap();
        crate::support::cli::htx_ledger(
            "sqlite::memory:",
            None,
            &[
                "verify-proof",
                file.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
                "--entry",
                entry.to_str().unwrap(),
            ],
        )
    };
    let honest = leaves(8, None);
    let (code, output) = verify(&honest, &[0, 2]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("cosigned by STC at 2025-12-03 00:00:00 UTC"),
        "{output}"
    );
    assert!(
        output.contains("cosigned by KTNN at 2025-12-03 00:00:02 UTC"),
        "{output}"
    );
    assert!(output.contains("VALID: entry 3"), "{output}");

    let (code, output) = verify(&honest, &[1]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("cosigned by KBNN"), "{output}");
    assert!(
        output.contains("INVALID: the policy's quorum does not hold: 1 of its 3"),
        "{output}"
    );

    // The owner rewrote entry 5 and signed the new tree with the log's key: entry 3's
    // inclusion and the signature check out, and no witness cosigned it.
    let (code, output) = verify(&leaves(8, Some(5)), &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("0 of its 3 witnesses"), "{output}");
    assert!(!output.contains("VALID: entry"), "{output}");
}

/// `verify-bundle --policy`: the bundle's chain and signatures as before, and its latest
/// checkpoint held to the policy's quorum; a witnessed checkpoint carries the cosignature
/// lines, which the chain's check ignores.
#[tokio::test]
async fn verify_bundle_holds_its_latest_checkpoint_to_the_policy() {
    use store::testing::{metadata, record};
    use tlog::cosignature::CosignerKey;

    let test = crate::support::backends::TestLedger::sqlite().await;
    let cqrs = test.tallies();
    for i in 0..12u64 {
        cqrs.execute_with_metadata(
            "5700600001",
            record(1_000 * (i as i64 + 1), "ghi"),
            metadata(i),
        )
        .await
        .unwrap();
    }
    let keys = crate::support::keys::ring(1);
    let signed = store::checkpoint::create(
        test.ledger.database(),
        &keys,
        crate::support::backends::test_clock().as_ref(),
    )
    .await
    .unwrap()
    .checkpoint;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    store::bundle::write_bundle(test.ledger.database(), &bundle, &keys, None, |_| {})
        .await
        .unwrap();
    let witnesses: Vec<CosignerKey> = (1..=3)
        .map(|n| CosignerKey::from_seed(&format!("witness.test/w{n}"), &[40 + n; 32]).unwrap())
        .collect();
    let policy = dir.path().join("policy.txt");
    std::fs::write(
        &policy,
        format!(
            "log {}\nwitness STC {}\nwitness KBNN {}\nwitness KTNN {}\ngroup two 2 STC KBNN KTNN\nquorum two\n",
            signing_key(1).verifier_key(),
            witnesses[0].witness_key(),
            witnesses[1].witness_key(),
            witnesses[2].witness_key()
        ),
    )
    .unwrap();
    let verify = || {
        crate::support::cli::htx_ledger(
            "sqlite::memory:",
            None,
            &[
                "verify-bundle",
                bundle.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
            ],
        )
    };
    let (code, output) = verify();
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("intact: 12 entries"), "{output}");
    assert!(output.contains("0 of its 3 witnesses"), "{output}");

    // The checkpoint as the witnesses cosigned it.
    let file = bundle
        .join("checkpoints")
        .join(format!("{}.checkpoint", signed.size));
    let mut note_text = std::fs::read_to_string(&file).unwrap();
    let text = note::split(&note_text).unwrap().0.to_string();
    for w in [&witnesses[1], &witnesses[2]] {
        note_text.push_str(&w.cosign(&text, 1_764_720_000));
        note_text.push('\n');
    }
    std::fs::write(&file, note_text).unwrap();
    let (code, output) = verify();
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("cosigned by KBNN at 2025-12-03 00:00:00 UTC"),
        "{output}"
    );
    assert!(
        output.contains("witnessed: the latest checkpoint holds the policy's quorum"),
        "{output}"
    );
}
