//! `serve --policy`: the service pushes each signed checkpoint to real `htx-ledger witness
//! serve` processes on loopback and publishes only what the policy's quorum cosigned: two of
//! three publish, one stopped witness changes nothing, two stopped hold the published
//! checkpoint back and raise the alarm; a witness that missed checkpoints is resynced from
//! the size its 409 gives, and, restarted, the service publishes what was witnessed before;
//! a witness's 422 raises the alarm.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use domain::ledger::Role;
use programme::Programme;
use reqwest::StatusCode;
use serde_json::Value;
use store::SystemClock;
use store::checkpoint;
use tlog::policy::Policy;
use tlog::proof_file::ProofFile;
use tlog::witness::{AddCheckpoint, origin_hash};

use crate::support::backends::TestLedger;
use crate::support::keys::{ORIGIN, signing_key, write_key};
use crate::support::server::{Prepared, TestServer, add_person, problem};
use crate::support::witness::{WitnessProcess, add_checkpoint, generate_witness_key, leaves};

/// Witness processes, each with its policy name, key and state file.
struct Witnesses {
    dir: tempfile::TempDir,
    names: Vec<String>,
    vkeys: Vec<String>,
    urls: Vec<String>,
    processes: Vec<Option<WitnessProcess>>,
}

impl Witnesses {
    /// `count` witnesses of the tests' log (key seed 7), named `{prefix}-W1`….
    fn start(prefix: &str, count: usize) -> Witnesses {
        let dir = tempfile::tempdir().unwrap();
        let log_vkey = write_key(&dir.path().join("log"), 7);
        let mut witnesses = Witnesses {
            dir,
            names: Vec::new(),
            vkeys: Vec::new(),
            urls: Vec::new(),
            processes: Vec::new(),
        };
        for i in 1..=count {
            let name = format!("{prefix}-W{i}");
            let (key, vkey) = generate_witness_key(
                &witnesses.dir.path().join(&name),
                &format!("witness.test/{prefix}-w{i}"),
            );
            let state: PathBuf = witnesses.dir.path().join(format!("{name}.db"));
            let process =
                WitnessProcess::start(&key, &log_vkey, &format!("sqlite://{}", state.display()));
            witnesses.urls.push(process.url.clone());
            witnesses.processes.push(Some(process));
            witnesses.names.push(name);
            witnesses.vkeys.push(vkey);
        }
        witnesses
    }

    /// The policy: the log, every witness with its URL, `threshold` of them the quorum.
    fn policy(&self, threshold: usize) -> Policy {
        let mut text = format!("log {}\n", signing_key(7).verifier_key());
        for ((name, vkey), url) in self.names.iter().zip(&self.vkeys).zip(&self.urls) {
            text.push_str(&format!("witness {name} {vkey} {url}\n"));
        }
        text.push_str(&format!(
            "group q {threshold} {}\nquorum q\n",
            self.names.join(" ")
        ));
        Policy::parse(&text).expect("the test policy reads")
    }

    /// Stops witness `i` (from 0).
    fn kill(&mut self, i: usize) {
        if let Some(process) = self.processes[i].take() {
            process.kill();
        }
    }
}

/// The service's options with `policy`, and an alarm after one second without a cosignature.
fn options(policy: Policy) -> api::http::ServeOptions {
    let mut options = api::http::ServeOptions::local(Duration::from_millis(100));
    options.policy = Some(policy);
    options.witnessing = witnessing::Options {
        timeout: Duration::from_secs(5),
        unreachable_alarm: Duration::from_secs(1),
        poll: Duration::from_millis(100),
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        alarm_retry: Duration::from_secs(60),
    };
    options
}

/// Waits for `check` to give a value; fails after a minute (the machine may be slow, but
/// nothing here takes that long when it works).
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..1200 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within a minute");
}

async fn witnesses_view(server: &TestServer) -> Value {
    let response = server.get(Role::Auditor, "/api/v1/ledger/witnesses").await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn text(server: &TestServer, role: Option<Role>, path: &str) -> (StatusCode, String) {
    let response = server
        .request(reqwest::Method::GET, role, path)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Waits until the published checkpoint has `size` entries; returns the witnesses' view.
async fn published(server: &TestServer, size: u64) -> Value {
    eventually(&format!("publishing the checkpoint of {size}"), || async {
        let view = witnesses_view(server).await;
        (view["witnessed"]["size"] == size).then_some(view)
    })
    .await
}

/// The policy witnesses (by policy name) whose cosignature of `note` verifies.
fn cosigners(policy: &Policy, note: &str) -> Vec<String> {
    let witnessed = policy.check(note).expect("the quorum holds for the note");
    let mut names: Vec<String> = witnessed.cosigned.into_iter().map(|c| c.witness).collect();
    names.sort();
    names
}

async fn grow(server: &TestServer, user: &str) {
    let programme = Programme::new(server.test.ledger.clone());
    add_person(&programme, user, Role::Clerk, &format!("htx_test-{user}")).await;
}

async fn head(server: &TestServer) -> u64 {
    store::read_head(server.test.ledger.database())
        .await
        .unwrap()
        .size
}

async fn readiness(server: &TestServer) -> (StatusCode, Value) {
    let response = server
        .request(reqwest::Method::GET, None, "/readyz")
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn post_to_witness(url: &str, body: String) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .await
        .expect("the witness answers")
        .status()
}

#[tokio::test]
async fn two_of_three_publish_one_stopped_still_does_and_two_stopped_hold_back_and_alarm() {
    let mut w = Witnesses::start("quorum", 3);
    let policy = w.policy(2);
    let server = Prepared::new(TestLedger::postgres().await)
        .await
        .serve(options(policy.clone()))
        .await;

    // Nothing signed: nothing published, as without a policy.
    problem(
        server.get(Role::Auditor, "/api/v1/ledger/checkpoint").await,
        404,
    )
    .await;
    assert_eq!(text(&server, None, "/tlog/checkpoint").await.0, 404);

    server.sign_checkpoint().await;
    let first = head(&server).await;
    let view = eventually("all three witnesses cosigning", || async {
        let view = witnesses_view(&server).await;
        let all = view["witnesses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["cosigned_size"] == first);
        // The published note gains each cosignature just after the witness's status does.
        let published = view["witnessed"]["cosigners"]
            .as_array()
            .map_or(0, Vec::len);
        (all && view["witnessed"]["size"] == first && published == 3).then_some(view)
    })
    .await;
    assert_eq!(view["latest_signed_size"], first);
    assert_eq!(view["witnessed"]["cosigners"].as_array().unwrap().len(), 3);
    let (status, note) = text(&server, Some(Role::Auditor), "/api/v1/ledger/checkpoint").await;
    assert_eq!(status, 200);
    assert_eq!(note, view["witnessed"]["note"]);
    assert_eq!(cosigners(&policy, &note), w.names);
    assert_eq!(
        text(&server, None, "/tlog/checkpoint").await,
        (StatusCode::OK, note.clone())
    );
    let (status, proof) = text(&server, Some(Role::Inspector), "/api/v1/ledger/proof/0").await;
    assert_eq!(status, 200);
    let proof = ProofFile::parse(&proof).unwrap();
    assert_eq!(
        proof.checkpoint_note, note,
        "the proof ends at the witnessed note"
    );
    assert_eq!(readiness(&server).await.0, 200);

    // One witness stopped: the other two still make the quorum.
    w.kill(2);
    grow(&server, "later.one").await;
    server.sign_checkpoint().await;
    let second = head(&server).await;
    assert!(second > first);
    let view = published(&server, second).await;
    let note = view["witnessed"]["note"].as_str().unwrap().to_string();
    assert_eq!(cosigners(&policy, &note), ["quorum-W1", "quorum-W2"]);

    // Two stopped: the new checkpoint is signed but not published; the alarm is raised.
    w.kill(1);
    grow(&server, "later.two").await;
    server.sign_checkpoint().await;
    let third = head(&server).await;
    let alarms = eventually("the alarm of both stopped witnesses", || async {
        let (status, body) = readiness(&server).await;
        let alarms: Vec<String> = body["witness_alarms"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|alarm| format!("{} {}", alarm["witness"], alarm["kind"]))
                    .collect()
            })
            .unwrap_or_default();
        (status == 503 && alarms.len() == 2).then_some(alarms)
    })
    .await;
    assert_eq!(
        alarms,
        [
            "\"quorum-W2\" \"unreachable\"",
            "\"quorum-W3\" \"unreachable\""
        ]
    );
    let view = eventually("W1 cosigning the third checkpoint", || async {
        let view = witnesses_view(&server).await;
        (view["witnesses"][0]["cosigned_size"] == third).then_some(view)
    })
    .await;
    assert_eq!(view["latest_signed_size"], third);
    assert_eq!(
        view["witnessed"]["size"], second,
        "the last witnessed one is kept"
    );
    assert!(view["witnesses"][0]["alarm"].is_null());
    let (_, served) = text(&server, Some(Role::Auditor), "/api/v1/ledger/checkpoint").await;
    assert_eq!(
        served, note,
        "until a quorum holds, the last witnessed one is served"
    );
    let refused = problem(
        server
            .get(
                Role::Inspector,
                &format!("/api/v1/ledger/proof/0?size={third}"),
            )
            .await,
        409,
    )
    .await;
    assert!(
        refused["type"]
            .as_str()
            .unwrap()
            .ends_with("checkpoint-not-witnessed"),
        "{refused}"
    );
    let (_, proof) = text(&server, Some(Role::Inspector), "/api/v1/ledger/proof/0").await;
    assert_eq!(ProofFile::parse(&proof).unwrap().checkpoint_note, note);
    let (_, metrics) = text(&server, None, "/metrics").await;
    assert!(
        metrics.contains("htx_witness_alarm{witness=\"quorum-W2\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("htx_witness_alarm{witness=\"quorum-W1\"} 0"));
    assert!(metrics.contains(&format!(
        "htx_witness_cosigned_size{{witness=\"quorum-W1\"}} {third}"
    )));
    server.stop().await;
}

#[tokio::test]
async fn a_witness_that_missed_checkpoints_is_resynced_by_its_409_and_a_restart_publishes_at_once()
{
    let mut w = Witnesses::start("resync", 3);
    let prepared = Prepared::new(TestLedger::sqlite().await).await;
    let ledger = prepared.test.ledger.clone();
    let first = checkpoint::create(ledger.database(), &prepared.ring, &SystemClock)
        .await
        .unwrap()
        .checkpoint;
    // W3 alone cosigned the first checkpoint, and missed what came after.
    let body = AddCheckpoint {
        old_size: 0,
        proof: Vec::new(),
        note: first.note.clone(),
    }
    .to_body();
    assert_eq!(post_to_witness(&w.urls[2], body).await, 200);
    add_person(
        &Programme::new(ledger.clone()),
        "later.one",
        Role::Clerk,
        "htx_test-later",
    )
    .await;
    let second = checkpoint::create(ledger.database(), &prepared.ring, &SystemClock)
        .await
        .unwrap()
        .checkpoint;
    assert!(second.size > first.size);

    let server = prepared.serve(options(w.policy(2))).await;
    let view = eventually("W3 cosigning the latest checkpoint", || async {
        let view = witnesses_view(&server).await;
        (view["witnesses"][2]["cosigned_size"] == second.size).then_some(view)
    })
    .await;
    assert!(view["witnesses"][2]["alarm"].is_null());
    // What W3 holds now: the latest checkpoint, reached by a proof from the first.
    let held = reqwest::get(format!("{}/{}/checkpoint", w.urls[2], origin_hash(ORIGIN)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        held.starts_with(&format!("{ORIGIN}\n{}\n", second.size)),
        "{held}"
    );
    // The quorum (two) publishes it; the third cosignature is added as it arrives.
    published(&server, second.size).await;
    eventually("all three cosignatures in the published note", || async {
        let view = witnesses_view(&server).await;
        let note = view["witnessed"]["note"].as_str()?.to_string();
        (view["witnessed"]["size"] == second.size && cosigners(&w.policy(2), &note).len() == 3)
            .then_some(())
    })
    .await;

    // Restarted with every witness gone, the service publishes what was witnessed before.
    let policy = w.policy(2);
    for i in 0..3 {
        w.kill(i);
    }
    let ledger = server.test.ledger.clone();
    let ring = std::sync::Arc::new(store::keys::KeyRing::load(server._keys.path()).unwrap());
    // Stopped, but its database and keys kept: the same files serve again.
    let mut server = server;
    if let Some(running) = server.running.take() {
        running.stop().await.unwrap();
    }
    let restarted = api::http::start(ledger, Some(ring), &options(policy), false)
        .await
        .unwrap();
    let witnessing = restarted.state.witnessing.clone().unwrap();
    let published = witnessing.published().expect("published from the database");
    assert_eq!(published.checkpoint.size, second.size);
    assert_eq!(published.witnessed.cosigned.len(), 3);
    for status in witnessing.status() {
        assert_eq!(status.cosigned_size, Some(second.size), "{}", status.name);
    }
    restarted.stop().await.unwrap();
    drop(server);
}

#[tokio::test]
async fn a_witness_refusing_the_checkpoint_as_inconsistent_raises_the_alarm() {
    let w = Witnesses::start("fork", 3);
    // W3 cosigned a history of three entries that the log's key signed and the log does not
    // hold (a rewrite, or a split view shown to W3 alone).
    let fork = add_checkpoint(&signing_key(7), 0, &leaves(3, Some(1)));
    assert_eq!(post_to_witness(&w.urls[2], fork).await, 200);
    let server = Prepared::new(TestLedger::sqlite().await)
        .await
        .serve(options(w.policy(2)))
        .await;
    server.sign_checkpoint().await;
    let size = head(&server).await;
    assert!(size > 3);
    let alarm = eventually("W3's alarm", || async {
        let (status, body) = readiness(&server).await;
        let alarm = body["witness_alarms"].get(0).cloned();
        (status == 503).then_some(alarm).flatten()
    })
    .await;
    assert_eq!(alarm["witness"], "fork-W3");
    assert_eq!(alarm["kind"], "inconsistent");
    assert!(
        alarm["message"].as_str().unwrap().contains("422"),
        "{alarm}"
    );
    // The other two still cosign: the checkpoint is published, but the service is not ready.
    let view = published(&server, size).await;
    assert_eq!(view["witnesses"][2]["alarm"]["kind"], "inconsistent");
    assert!(view["witnesses"][2]["cosigned_size"].is_null());
    let (_, metrics) = text(&server, None, "/metrics").await;
    assert!(
        metrics.contains("htx_witness_alarm{witness=\"fork-W3\"} 1"),
        "{metrics}"
    );
    server.stop().await;
}
