//! `POST /api/v1/batch`: commands in order with an answer each, in one commit; a refusal of
//! any writes nothing and names the command; a retried batch writes once; each command's own
//! roles are checked.

use domain::ledger::Role;
use programme::Programme;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::programme::*;
use crate::support::server::{TestServer, problem, registration_json};

fn membership(date: &str, official: u32) -> Value {
    json!({
        "effective_date": date,
        "members": {"official": official, "associate": 0, "member_cooperatives": 0}
    })
}

fn command(collection: &str, id: &str, action: &str, body: Value) -> Value {
    json!({"collection": collection, "id": id, "action": action, "body": body})
}

fn registration(code: &str) -> Value {
    registration_json(code, "HTX Thử Lô")
}

async fn send(
    server: &TestServer,
    role: Role,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = server
        .request(Method::POST, Some(role), "/api/v1/batch")
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("the service answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answers_each_command_in_order_and_a_retry_writes_once() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let coop = code(1);
    let before = head_size(&server.test.ledger).await;
    let batch = json!({"commands": [
        command("cooperatives", coop.as_str(), "register", registration(coop.as_str())),
        command("cooperatives", coop.as_str(), "record-membership", membership("2017-10-01", 9)),
        command("cooperatives", coop.as_str(), "record-membership", membership("2017-11-01", 11)),
    ]});
    let first = send(&server, Role::Clerk, Some("lo-1"), &batch).await;
    assert_eq!(first.status(), 200);
    let answer: Value = first.json().await.unwrap();
    let commands = answer["commands"].as_array().expect("one answer a command");
    assert_eq!(commands.len(), 3);
    let seen: Vec<(u64, u64, &str)> = commands
        .iter()
        .map(|c| {
            assert_eq!(c["aggregate_id"], coop.as_str());
            let entry = &c["entries"][0];
            (
                entry["position"].as_u64().unwrap(),
                entry["sequence"].as_u64().unwrap(),
                entry["event_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (before, 1, "CooperativeRegistered"),
            (before + 1, 2, "MembershipRecorded"),
            (before + 2, 3, "MembershipRecorded"),
        ]
    );
    assert_eq!(head_size(&server.test.ledger).await, before + 3);

    // The same batch with the same key: the first answer, nothing new written.
    let again = send(&server, Role::Clerk, Some("lo-1"), &batch).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let repeated: Value = again.json().await.unwrap();
    assert_eq!(repeated, answer);
    assert_eq!(head_size(&server.test.ledger).await, before + 3);

    // Another batch under the same key is refused, writing nothing.
    let other = json!({"commands": [
        command("cooperatives", coop.as_str(), "record-membership", membership("2017-12-01", 12)),
    ]});
    problem(send(&server, Role::Clerk, Some("lo-1"), &other).await, 422).await;
    assert_eq!(head_size(&server.test.ledger).await, before + 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_command_refuses_the_batch_naming_it_and_writes_nothing() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let coop = code(1);
    let before = head_size(&server.test.ledger).await;

    // The second command records members before the cooperative exists: REG rules refuse it.
    let early = json!({"commands": [
        command("cooperatives", code(2).as_str(), "register", registration(code(2).as_str())),
        command("cooperatives", coop.as_str(), "record-membership", membership("2017-10-01", 9)),
    ]});
    let refused = problem(send(&server, Role::Clerk, Some("lo-2"), &early).await, 422).await;
    assert_eq!(refused["command_index"], 1, "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("command 1 of the batch"), "{detail}");
    assert!(
        detail.contains(&format!("cooperatives/{}/record-membership", coop.as_str())),
        "{detail}"
    );
    assert_eq!(
        head_size(&server.test.ledger).await,
        before,
        "nothing of the batch written"
    );

    // A command whose route does not admit the role: 403, naming it; nothing written.
    let mixed = json!({"commands": [
        command("cooperatives", coop.as_str(), "register", registration(coop.as_str())),
        command("legal-documents", "31/KH-UBND", "register", json!({"effective_date": "2017-03-06"})),
    ]});
    let forbidden = problem(send(&server, Role::Clerk, None, &mixed).await, 403).await;
    assert_eq!(forbidden["command_index"], 1);
    // An unknown command, an empty batch, a body that is not an object.
    let unknown = json!({"commands": [command("cooperatives", coop.as_str(), "fly", json!({}))]});
    let missing = problem(send(&server, Role::Clerk, None, &unknown).await, 404).await;
    assert_eq!(missing["command_index"], 0);
    problem(
        send(&server, Role::Clerk, None, &json!({"commands": []})).await,
        422,
    )
    .await;
    let not_object =
        json!({"commands": [command("cooperatives", coop.as_str(), "resume", json!([1]))]});
    problem(send(&server, Role::Clerk, None, &not_object).await, 400).await;
    problem(
        send(&server, Role::Clerk, None, &json!({"orders": []})).await,
        400,
    )
    .await;
    // A refused batch under a key is decided afresh on retry: a refusal is not remembered.
    assert_eq!(head_size(&server.test.ledger).await, before);
    let fixed = json!({"commands": [
        command("cooperatives", coop.as_str(), "register", registration(coop.as_str())),
        command("cooperatives", coop.as_str(), "record-membership", membership("2017-10-01", 9)),
    ]});
    let landed = send(&server, Role::Clerk, Some("lo-3"), &fixed).await;
    assert_eq!(landed.status(), 200);
    assert_eq!(head_size(&server.test.ledger).await, before + 2);
    server.stop().await;
}
