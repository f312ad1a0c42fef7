//! What one HTTP command costs in SQL statements, counted by `Database::statements`; and the
//! refusals that versions before issue 13 remembered under idempotency keys.

use std::borrow::Cow;
use std::path::Path;

use domain::ledger::Role;
use programme::Programme;
use reqwest::Method;
use sqlx::Connection;
use sqlx::migrate::Migrator;

use crate::support::backends::TestLedger;
use crate::support::programme::{code, head_size, registration, seed_units};
use crate::support::server::{TestServer, body_of, user_of};
use domain::cooperative::{CooperativeAction, MemberCounts};

/// A database as a version before issue 13 left it: migrated up to 0010, with a refusal
/// remembered under the clerk's key `key`.
async fn older_version_with_a_remembered_refusal(url: String, key: &'static str) {
    let mut owner = sqlx::PgConnection::connect(&url).await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut migrator = Migrator::new(dir).await.unwrap();
    let up_to_0010: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= 10)
        .cloned()
        .collect();
    migrator.migrations = Cow::Owned(up_to_0010);
    migrator.run(&mut owner).await.unwrap();
    sqlx::query(
        "INSERT INTO api_idempotency (user_id, idempotency_key, request_sha256, status, response) \
         VALUES ($1, $2, 'of the first try', 422, '{\"status\": 422}')",
    )
    .bind(user_of(Role::Clerk))
    .bind(key)
    .execute(&mut owner)
    .await
    .unwrap();
    owner.close().await.unwrap();
}

/// Before migration 0011, the remembered refusal kept the corrected retry's success from
/// being remembered (its insert did nothing on the key), so a third try, the client not
/// having seen the second answer, was written again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_remembered_by_an_older_version_does_not_let_a_retry_be_written_twice() {
    const KEY: &str = "dang-ky-5700888012";
    let test =
        TestLedger::postgres_filled(|url| older_version_with_a_remembered_refusal(url, KEY)).await;
    let server = TestServer::start(test).await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let path = format!("/api/v1/cooperatives/{}/register", code(12).as_str());
    let body = body_of(&registration(&code(12), "205", 7, "HTX Thử"), "2018-01-05");
    let send = || {
        server
            .request(Method::POST, Some(Role::Clerk), &path)
            .header("Idempotency-Key", KEY)
            .json(&body)
            .send()
    };
    let before = head_size(&server.test.ledger).await;
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: serde_json::Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(
        again.status(),
        200,
        "the retry is answered, not refused as a duplicate"
    );
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first);
    assert_eq!(head_size(&server.test.ledger).await, before + 1);
    server.stop().await;
}

/// One command over HTTP on PostgreSQL, its statements counted on the ledger's database (the
/// projector and the directory of people count theirs apart). With an `Idempotency-Key`: the
/// look-up of a remembered response, then the one statement that writes the entry, the tree
/// nodes it completes, the head and the response to remember. Without a key, that statement
/// alone; a replay, the look-up alone. The code before issue 14 sent 5, 2 and 1: it also
/// searched the aggregate's latest entries for the key, re-read the entries it had just
/// written, and remembered the response in a statement of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_http_command_sends_the_statements_it_needs() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let cooperative = code(12);
    let register = format!("/api/v1/cooperatives/{}/register", cooperative.as_str());
    let body = body_of(
        &registration(&cooperative, "205", 7, "HTX Thử"),
        "2018-01-05",
    );
    let response = server.post(Role::Clerk, &register, body).await;
    assert_eq!(response.status(), 200);
    let path = format!(
        "/api/v1/cooperatives/{}/record-membership",
        cooperative.as_str()
    );
    let db = server.test.ledger.database().clone();
    let send = |key: Option<&'static str>, official: u32| {
        let members = CooperativeAction::RecordMembership {
            members: MemberCounts {
                official,
                associate: 0,
                member_cooperatives: 0,
            },
        };
        let mut request = server
            .request(Method::POST, Some(Role::Clerk), &path)
            .json(&body_of(&members, "2018-06-30"));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let db = db.clone();
        async move {
            let before = db.statements();
            let response = request.send().await.unwrap();
            let sent = db.statements() - before;
            let replayed = response.headers().get("idempotent-replayed").is_some();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            (sent, replayed)
        }
    };
    // The registration left the cooperative in the aggregate cache: no command here loads it.
    assert_eq!(send(Some("warm-up"), 8).await, (2, false));
    assert_eq!(send(Some("k-1"), 9).await, (2, false), "with a key");
    assert_eq!(send(None, 10).await, (1, false), "without a key");
    assert_eq!(send(Some("k-1"), 9).await, (1, true), "a replay");
    server.stop().await;
}
