//! Nobody has to trust the operator (issue 15): every part a real process on loopback, as
//! the institutions run them. A log service with a policy of two of three witnesses
//! (Sở Tài chính, Kho bạc, Kiểm toán), three `witness serve` processes each with its own state
//! file, an auditor's `mirror`, and a plain static file server for `export --tiles`.
//!
//! One story, in order: a checkpoint witnessed by the quorum; still with one witness stopped;
//! with two stopped nothing new is published and the alarm is raised; a witness restarted from
//! its file does not go backwards; a witness that missed checkpoints is brought up to date
//! through its 409; the mirror follows the service and the static copy and gives the log's
//! digests; then the owner rewrites history and signs it with the log's key: the witnesses
//! refuse it and keep evidence, the verifiers reject it, the mirror stops with evidence; and a
//! split view (two checkpoints of one size) is caught by a witness and never gets a quorum.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tlog::note::SigningKey;
use tlog::policy::{Policy, PolicyRefusal};

use crate::support::cli::htx_ledger;
use crate::support::log_service::LogService;
use crate::support::owner::rewrite_history;
use crate::support::pg::TestDb;
use crate::support::static_files::StaticServer;
use crate::support::witness::{WitnessProcess, generate_witness_key};

const ORIGIN: &str = "trust.htx-ledger.test/log";
const NAMES: [&str; 3] = ["STC", "KBNN", "KTNN"];

/// Waits for `done` to hold, for at most a minute (a deadline against a hung test, not a
/// measurement: the steps take well under a second each when the machine is quiet).
async fn eventually<T>(what: &str, mut done: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = done().await {
            return value;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Witness {
    key: PathBuf,
    state: String,
    bind: String,
    process: Option<WitnessProcess>,
}

impl Witness {
    fn start(&mut self, log_vkey: &Path) {
        let process = WitnessProcess::start_at(&self.bind, &self.key, log_vkey, &self.state);
        self.bind = process.url.trim_start_matches("http://").to_string();
        self.process = Some(process);
    }

    fn stop(&mut self) {
        if let Some(process) = self.process.take() {
            process.kill();
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.bind)
    }
}

struct Log {
    db: TestDb,
    keys: PathBuf,
    policy_file: PathBuf,
    admin: String,
    mirror_token: String,
    dir: PathBuf,
    service: Option<LogService>,
    client: reqwest::Client,
    added: u64,
}

impl Log {
    fn start(&mut self) {
        let log_file = self.dir.join(format!("service-{}.log", self.added));
        let policy = self.policy_file.to_str().unwrap().to_string();
        self.service = Some(LogService::start(
            &self.db.url,
            &self.keys,
            &[
                "--policy",
                &policy,
                "--witness-alarm-after",
                "2",
                "--checkpoint-every",
                "3600",
            ],
            &log_file,
        ));
    }

    fn service(&self) -> &LogService {
        self.service.as_ref().expect("the log service runs")
    }

    fn stop(&mut self) {
        if let Some(service) = self.service.take() {
            service.kill();
        }
    }

    /// One more entry: a person added by the administrator.
    async fn append(&mut self) {
        self.added += 1;
        let user = format!("staff.{}", self.added);
        let response = self
            .client
            .post(format!("{}/api/v1/people/{user}/add", self.service().url))
            .bearer_auth(&self.admin)
            .json(&json!({"effective_date": "2020-12-31", "full_name": format!("Cán bộ {}", self.added), "role": "clerk"}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }

    /// Signs a checkpoint of the whole log now; its size.
    async fn sign(&self) -> u64 {
        let response = self
            .client
            .post(format!("{}/api/v1/ledger/checkpoint", self.service().url))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let note = response.text().await.unwrap();
        note.lines().nth(1).unwrap().parse().unwrap()
    }

    /// The checkpoint the service publishes: (size, note).
    async fn published(&self) -> Option<(u64, String)> {
        let response = self
            .client
            .get(format!("{}/api/v1/ledger/checkpoint", self.service().url))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        if response.status() == 404 {
            return None;
        }
        assert!(response.status().is_success(), "{response:?}");
        let note = response.text().await.unwrap();
        Some((note.lines().nth(1).unwrap().parse().unwrap(), note))
    }

    async fn wait_published(&self, size: u64) -> String {
        eventually(&format!("the checkpoint of {size} published"), async || {
            self.published()
                .await
                .filter(|(s, _)| *s == size)
                .map(|(_, n)| n)
        })
        .await
    }

    async fn readyz(&self) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}/readyz", self.service().url))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.service().url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    fn cli(&self, args: &[&str]) -> (i32, String) {
        htx_ledger(&self.db.url, Some(&self.keys), args)
    }
}

/// The policy names of the witnesses that cosigned `note`.
fn cosigners(policy: &Policy, note: &str) -> Vec<String> {
    match policy.check(note) {
        Ok(witnessed) => witnessed.cosigned,
        Err(PolicyRefusal::NoQuorum { cosigned, .. }) => cosigned,
        Err(other) => panic!("{other}"),
    }
    .into_iter()
    .map(|c| c.witness)
    .collect::<std::collections::BTreeSet<_>>()
    .into_iter()
    .collect()
}

fn digests(url: &str) -> String {
    let (code, output) = htx_ledger(url, None, &["replay"]);
    assert_eq!(code, 0, "{output}");
    let lines = crate::golden::digest_lines(&output);
    assert!(!lines.is_empty(), "{output}");
    lines
}

fn mirror(
    db: &str,
    from: &str,
    policy: &Path,
    token: Option<&str>,
    evidence: &Path,
) -> (i32, String) {
    let mut args = vec![
        "mirror",
        "--from",
        from,
        "--policy",
        policy.to_str().unwrap(),
        "--evidence",
        evidence.to_str().unwrap(),
    ];
    if let Some(token) = token {
        args.extend(["--token", token]);
    }
    htx_ledger(db, None, &args)
}

async fn add_checkpoint(client: &reqwest::Client, witness: &str, body: String) -> (u16, String) {
    let response = client
        .post(format!("{witness}/add-checkpoint"))
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn log_signing_key(private_key: &Path) -> SigningKey {
    let text = std::fs::read_to_string(private_key).unwrap();
    SigningKey::parse_private_key(text.trim_end()).unwrap()
}

/// The leaves of the log's first `size` entries, as its tree hashes them.
async fn leaves_of(url: &str, size: u64) -> Vec<tlog::Hash> {
    use futures::TryStreamExt;
    let db = store::Database::connect(url).await.unwrap();
    let rows: Vec<store::LogRow> = store::stream_log(&db, 0).try_collect().await.unwrap();
    db.close().await;
    rows.iter()
        .take(size as usize)
        .map(|row| {
            store::tree::leaf(&domain::ledger::LeafHash::from_slice(&row.leaf_hash).unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn witnesses_and_a_mirror_catch_what_the_operator_cannot_hide() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_path_buf();
    let keys = dir.join("keys");
    let (log_private_key, log_vkey) = crate::support::keys::generate_log_key(&keys, ORIGIN);

    // Three institutions, each with its own key and state file.
    let mut witnesses: Vec<Witness> = NAMES
        .iter()
        .map(|name| {
            let wdir = dir.join(name);
            std::fs::create_dir_all(&wdir).unwrap();
            let (key, _) =
                generate_witness_key(&wdir, &format!("{}.witness.test", name.to_lowercase()));
            Witness {
                key,
                state: format!("sqlite://{}", wdir.join("state.db").display()),
                bind: "127.0.0.1:0".into(),
                process: None,
            }
        })
        .collect();
    for w in &mut witnesses {
        w.start(&log_vkey);
    }
    let mut policy_text = format!(
        "log {}\n",
        std::fs::read_to_string(&log_vkey).unwrap().trim_end()
    );
    for (w, name) in witnesses.iter().zip(NAMES) {
        let vkey = std::fs::read_dir(w.key.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "witness-vkey"))
            .unwrap();
        let vkey = std::fs::read_to_string(vkey).unwrap();
        policy_text.push_str(&format!("witness {name} {} {}\n", vkey.trim_end(), w.url()));
    }
    policy_text.push_str("group hai-trong-ba 2 STC KBNN KTNN\nquorum hai-trong-ba\n");
    let policy_file = dir.join("policy.txt");
    std::fs::write(&policy_file, &policy_text).unwrap();
    let policy = Policy::parse(&policy_text).unwrap();

    // The log, on PostgreSQL, with an administrator and the auditor's mirror account.
    let db = TestDb::create().await;
    let token_of = |user: &str, role: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
            .args(["user", "add", user, "--role", role])
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout.lines().last().unwrap().trim().to_string()
    };
    let admin = token_of("trust.admin", "admin");
    let mirror_token = token_of("kiem.toan", "mirror");
    let mut log = Log {
        db,
        keys: keys.clone(),
        policy_file: policy_file.clone(),
        admin,
        mirror_token,
        dir: dir.clone(),
        service: None,
        client: reqwest::Client::new(),
        added: 0,
    };
    log.start();

    // 1. A checkpoint the quorum cosigned is published.
    log.append().await;
    let first = log.sign().await;
    let note = log.wait_published(first).await;
    assert!(cosigners(&policy, &note).len() >= 2, "{note}");
    assert!(policy.check(&note).is_ok());

    // 2. One witness stopped: two of three still make the quorum.
    witnesses[2].stop();
    log.append().await;
    let second = log.sign().await;
    let note = log.wait_published(second).await;
    assert_eq!(cosigners(&policy, &note), ["KBNN", "STC"], "{note}");

    // 3. Two stopped: the new checkpoint is signed, never published, and the alarm is up.
    witnesses[1].stop();
    log.append().await;
    let third = log.sign().await;
    let (_, ready) = eventually("the alarm on /readyz", async || {
        let (status, body) = log.readyz().await;
        (status == 503 && body.to_string().contains("KBNN")).then_some((status, body))
    })
    .await;
    assert!(ready.to_string().contains("unreachable"), "{ready}");
    assert_eq!(
        log.published().await.unwrap().0,
        second,
        "nothing new published"
    );
    let metrics = log.metrics().await;
    assert!(
        metrics.contains("htx_witness_alarm{witness=\"KBNN\"} 1"),
        "{metrics}"
    );
    assert!(log.service().log().contains("KBNN"), "the alarm is logged");

    // 4. KBNN restarted from its state file: it holds what it cosigned and refuses to go back.
    witnesses[1].start(&log_vkey);
    let signing = log_signing_key(&log_private_key);
    let leaves = leaves_of(&log.db.url, first).await;
    let back = crate::support::witness::add_checkpoint(&signing, 0, &leaves);
    let (status, body) = add_checkpoint(&log.client, &witnesses[1].url(), back).await;
    assert_eq!(status, 409, "{body}");
    let held: u64 = body.trim().parse().unwrap();
    assert!(
        held >= second,
        "KBNN holds {held}, it had cosigned {second}"
    );

    // ... and the quorum is back: the waiting checkpoint is published.
    let note = log.wait_published(third).await;
    assert_eq!(cosigners(&policy, &note), ["KBNN", "STC"], "{note}");

    // 5. KTNN missed two checkpoints. The service restarts (it no longer knows what each
    // witness holds), sends old size 0, learns KTNN's size from its 409 and resends from it.
    witnesses[2].start(&log_vkey);
    log.stop();
    log.start();
    let note = eventually("KTNN's cosignature of the latest checkpoint", async || {
        let (size, note) = log.published().await?;
        (size == third && cosigners(&policy, &note).contains(&"KTNN".to_string())).then_some(note)
    })
    .await;
    assert_eq!(cosigners(&policy, &note).len(), 3, "{note}");
    assert!(
        log.service().log().contains(&format!("\"held\":{first}")),
        "{}",
        log.service().log()
    );
    eventually("ready without alarms", async || {
        (log.readyz().await.0 == 200).then_some(())
    })
    .await;

    // 6. The auditor's mirror follows the service's tiles, and a static copy of them.
    let mirror_db = format!("sqlite://{}", dir.join("mirror.db").display());
    let evidence = dir.join("evidence");
    let (code, output) = mirror(
        &mirror_db,
        &format!("{}/tlog/", log.service().url),
        &policy_file,
        Some(&log.mirror_token),
        &evidence,
    );
    assert_eq!(code, 0, "{output}");
    let tiles = dir.join("tiles");
    let (code, output) = log.cli(&[
        "export",
        "--tiles",
        tiles.to_str().unwrap(),
        "--policy",
        policy_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{output}");
    let static_copy = StaticServer::start(&tiles);
    let copy_db = format!("sqlite://{}", dir.join("copy.db").display());
    let (code, output) = mirror(&copy_db, &static_copy.url(), &policy_file, None, &evidence);
    assert_eq!(code, 0, "{output}");
    let log_digests = digests(&log.db.url);
    assert_eq!(digests(&mirror_db), log_digests);
    assert_eq!(digests(&copy_db), log_digests);
    let (code, output) = htx_ledger(
        &mirror_db,
        None,
        &["verify", "--policy", policy_file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains(&format!("witnessed: the checkpoint of {third} entries")),
        "{output}"
    );
    drop(static_copy);

    // 7. The owner rewrites history: one person's name edited in the database, the chain,
    // tree and head recomputed, one entry more, and the new tree signed with the log's key.
    log.stop();
    let honest = leaves_of(&log.db.url, third).await;
    rewrite_history(&log.db, |entries| {
        let added = |e: &Value| e["payload"]["PersonAdded"].is_object();
        let first = entries.iter().position(added).expect("a person added");
        entries[first]["payload"]["PersonAdded"]["full_name"] = Value::from("Người khác");
        let mut forged = entries.iter().rev().find(|e| added(e)).unwrap().clone();
        forged["aggregate_id"] = Value::from("staff.forged");
        forged["sequence"] = Value::from(1);
        forged["payload"]["PersonAdded"]["user"] = Value::from("staff.forged");
        entries.push(forged);
    })
    .await;
    let rewritten = third + 1;
    {
        let db = store::Database::connect(&log.db.url).await.unwrap();
        let root = store::tree::root(&db, rewritten).await.unwrap();
        let note = tlog::note::Checkpoint {
            origin: ORIGIN.into(),
            size: rewritten,
            root,
            extensions: Vec::new(),
        }
        .sign(&[&signing])
        .unwrap();
        let mut owner = log.db.owner().await;
        sqlx::query("INSERT INTO ledger_checkpoints (tree_size, root, note, signed_at) VALUES ($1, $2, $3, now())")
            .bind(rewritten as i64)
            .bind(root.as_bytes().to_vec())
            .bind(note)
            .execute(&mut owner)
            .await
            .unwrap();
        db.close().await;
    }
    log.start();
    // The witnesses refuse it (422) and keep it as evidence; the service raises the alarm
    // and keeps publishing the last witnessed checkpoint.
    let alarmed = eventually("every witness's inconsistency alarm", async || {
        let (status, body) = log.readyz().await;
        let inconsistent: Vec<String> = body["witness_alarms"]
            .as_array()?
            .iter()
            .filter(|a| a["kind"] == "inconsistent")
            .map(|a| a["witness"].as_str().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        (status == 503 && inconsistent.len() == 3).then_some(inconsistent)
    })
    .await;
    assert_eq!(alarmed, ["KBNN", "KTNN", "STC"]);
    assert_eq!(log.published().await.unwrap().0, third);
    for w in &witnesses {
        let (code, output) = htx_ledger(
            "sqlite::memory:",
            None,
            &["witness", "evidence", "--state", &w.state],
        );
        assert_eq!(code, 1, "{output}");
        assert!(output.contains(&format!("\\n{rewritten}\\n")), "{output}");
    }
    // An inspector's proof to the rewritten checkpoint, and an auditor's bundle of it.
    let policy_arg = policy_file.to_str().unwrap();
    let proof_file = dir.join("entry-1.tlog-proof");
    let entry_file = dir.join("entry-1.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
        .args([
            "proof",
            "--position",
            "1",
            "--size",
            &rewritten.to_string(),
            "--entry-out",
            entry_file.to_str().unwrap(),
        ])
        .env("DATABASE_URL", &log.db.url)
        .output()
        .unwrap();
    assert!(output.status.success());
    std::fs::write(&proof_file, &output.stdout).unwrap();
    let (code, output) = htx_ledger(
        "sqlite::memory:",
        None,
        &[
            "verify-proof",
            proof_file.to_str().unwrap(),
            "--policy",
            policy_arg,
            "--entry",
            entry_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("INVALID: the policy's quorum does not hold: 0 of its 3"),
        "{output}"
    );
    let bundle = dir.join("bundle");
    let (code, output) = log.cli(&["export", "--bundle", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{output}");
    let (code, output) = htx_ledger(
        "sqlite::memory:",
        None,
        &[
            "verify-bundle",
            bundle.to_str().unwrap(),
            "--policy",
            policy_arg,
        ],
    );
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("ALTERED") || output.contains("INVALID"),
        "{output}"
    );
    // The owner serves the rewritten log as a static copy: the mirror stops with evidence,
    // and keeps what it held.
    let forged = dir.join("forged-tiles");
    let (code, output) = log.cli(&["export", "--tiles", forged.to_str().unwrap()]);
    assert_eq!(code, 0, "{output}");
    let forged_copy = StaticServer::start(&forged);
    let (code, output) = mirror(
        &mirror_db,
        &forged_copy.url(),
        &policy_file,
        None,
        &evidence,
    );
    assert_eq!(code, 1, "{output}");
    let kept: Vec<PathBuf> = std::fs::read_dir(&evidence)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let all: String = kept
        .iter()
        .flat_map(|fork| std::fs::read_dir(fork).unwrap())
        .filter_map(|file| std::fs::read_to_string(file.unwrap().path()).ok())
        .collect();
    assert!(
        all.contains(&format!("\n{third}\n")) && all.contains(&format!("\n{rewritten}\n")),
        "{kept:?}"
    );
    assert_eq!(
        digests(&mirror_db),
        log_digests,
        "the mirror keeps what it held"
    );

    // 8. A split view: two checkpoints of one size with different roots, each signed with the
    // log's key, sent to different witnesses.
    log.stop();
    let mut view_a = honest.clone();
    view_a.push(tlog::merkle::leaf_hash(b"for the auditors"));
    let mut view_b = honest.clone();
    view_b.push(tlog::merkle::leaf_hash(b"for the inspectors"));
    use crate::support::witness::add_checkpoint as body_of;
    let (status, a_line) = add_checkpoint(
        &log.client,
        &witnesses[0].url(),
        body_of(&signing, third, &view_a),
    )
    .await;
    assert_eq!(status, 200, "{a_line}");
    let (status, b_line) = add_checkpoint(
        &log.client,
        &witnesses[1].url(),
        body_of(&signing, third, &view_b),
    )
    .await;
    assert_eq!(status, 200, "{b_line}");
    // STC, holding view A, is shown view B: it refuses and keeps it.
    let (status, body) = add_checkpoint(
        &log.client,
        &witnesses[0].url(),
        body_of(&signing, third + 1, &view_b),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (code, output) = htx_ledger(
        "sqlite::memory:",
        None,
        &["witness", "evidence", "--state", &witnesses[0].state],
    );
    assert_eq!(code, 1, "{output}");
    let view_b_root = crate::support::witness::tree(&view_b).0.to_base64();
    assert!(
        output.contains(&view_b_root),
        "view B kept as evidence: {output}"
    );
    // Neither view holds the quorum: one cosignature each.
    for (view, line) in [(&view_a, &a_line), (&view_b, &b_line)] {
        let note = crate::support::witness::checkpoint(&signing, view) + line.trim_end() + "\n";
        match policy.check(&note) {
            Err(PolicyRefusal::NoQuorum { cosigned, .. }) => assert_eq!(cosigned.len(), 1),
            other => panic!("a split view got a quorum: {other:?}"),
        }
    }
    for w in &mut witnesses {
        w.stop();
    }
}
