//! The HTTP service over real TCP against PostgreSQL: every route × every role, every error
//! class as problem+json, idempotent payments, 50 concurrent writers, and a proof fetched
//! over HTTP that `htx-ledger verify-proof` accepts.

use std::sync::Arc;

use api::http::routes::{self, Endpoint};
use domain::cooperative::{CooperativeAction, MemberCounts};
use domain::funding::{BudgetLineAction, BudgetLineId, SupportCategory};
use domain::ledger::{Entry, Role};
use programme::Programme;
use reqwest::Method;
use serde_json::{Value, json};
use store::verify::verify_log;

use crate::support::cli::htx_ledger;
use crate::support::programme::*;
use crate::support::server::{TestServer, body_of, problem, user_of};

fn registration(n: u32, unit: &str, members: u32) -> CooperativeAction {
    crate::support::programme::registration(&code(n), unit, members, &format!("HTX Thử {n}"))
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "khong-co")
        .replace("{position}", "999999")
        .replace("{file}", "app.js")
        .replace("{level}", "0")
        .replace("{*path}", "000.p/1")
}

async fn head(server: &TestServer) -> u64 {
    head_size(&server.test.ledger).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_admits_exactly_its_roles() {
    let server = TestServer::postgres().await;
    let before = head(&server).await;
    let mut checked = 0;
    for route in routes::all() {
        let path = concrete(&route.path);
        let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        // No token.
        let anonymous = server
            .request(method.clone(), None, &path)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        if route.roles.is_empty() {
            assert!(
                anonymous.status().is_success(),
                "{} {path} is public: {}",
                route.method,
                anonymous.status()
            );
            continue;
        }
        problem(anonymous, 401).await;
        for role in Role::ALL {
            let response = server
                .request(method.clone(), Some(role), &path)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let admitted = route.roles.contains(&role);
            if admitted {
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "{} {path} as {}: {status}",
                    route.method,
                    role.as_str()
                );
                if let Endpoint::Command(_) = route.endpoint {
                    // An empty body lacks the legal date: refused, nothing written.
                    problem(response, 422).await;
                }
            } else {
                problem(response, 403).await;
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} route × role pairs");
    // Only the admin's checkpoint was a write, and it is not an entry.
    assert_eq!(head(&server).await, before, "the matrix wrote entries");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_class_is_a_problem_and_a_refusal_writes_nothing() {
    let server = TestServer::postgres().await;
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let path = format!("/api/v1/cooperatives/{}/register", code(1).as_str());

    // 400: not JSON.
    let response = server
        .request(Method::POST, Some(Role::Clerk), &path)
        .header("content-type", "application/json")
        .body("{\"effective_date\": ")
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
    // 400: a bad query parameter.
    let response = server
        .get(
            Role::Auditor,
            "/api/v1/projections/registry/registry?limit=abc",
        )
        .await;
    problem(response, 400).await;
    // 422: a domain refusal names its rule and legal basis; nothing is written.
    let before = head(&server).await;
    let too_few = body_of(&registration(1, "205", 3), "2018-01-05");
    let refused = problem(server.post(Role::Clerk, &path, too_few).await, 422).await;
    assert_eq!(refused["rule"], "REG-02", "{refused}");
    assert!(
        refused["legal_basis"]
            .as_str()
            .unwrap()
            .contains("Luật HTX"),
        "{refused}"
    );
    assert_eq!(head(&server).await, before, "a refused command wrote");
    // 422: a field of the wrong type.
    let mut wrong = body_of(&registration(1, "205", 7), "2018-01-05");
    wrong["members"] = json!("seven");
    problem(server.post(Role::Clerk, &path, wrong).await, 422).await;
    // 401: no token, an unknown token, a revoked token.
    let none = server
        .request(Method::GET, None, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert!(none.headers().contains_key("www-authenticate"));
    problem(none, 401).await;
    let unknown = server
        .request(Method::GET, None, "/api/v1/me")
        .bearer_auth("htx_not-a-token")
        .send()
        .await
        .unwrap();
    problem(unknown, 401).await;
    let revoke = json!({"effective_date": "2018-01-05", "token_hash": null, "reason": "nghỉ việc"});
    let revoked_user = user_of(Role::Dashboard);
    let response = server
        .post(
            Role::Admin,
            &format!("/api/v1/people/{revoked_user}/revoke-token"),
            revoke,
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    problem(server.get(Role::Dashboard, "/api/v1/me").await, 401).await;
    // 403.
    let response = server.post(Role::Auditor, &path, json!({})).await;
    problem(response, 403).await;
    // 404: no such route; no such entry.
    problem(server.get(Role::Auditor, "/api/v1/nothing-here").await, 404).await;
    problem(
        server
            .get(Role::Auditor, "/api/v1/ledger/proof/999999")
            .await,
        404,
    )
    .await;
    // 405.
    let response = server
        .request(Method::DELETE, Some(Role::Auditor), "/api/v1/me")
        .send()
        .await
        .unwrap();
    problem(response, 405).await;
    // 413: a body over the limit.
    let mut huge = body_of(&registration(1, "205", 7), "2018-01-05");
    huge["padding"] = json!("x".repeat(api::http::MAX_BODY_BYTES + 1));
    problem(server.post(Role::Clerk, &path, huge).await, 413).await;
    assert_eq!(
        head(&server).await,
        before + 1,
        "only the revocation was written"
    );

    server.stop().await;
}

/// 409: forty clients record the same cooperative's membership at once. Each command that
/// loses the race is retried by the server on the new state; one that keeps losing after
/// the server's retries gets a 409 problem, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_that_outlasts_the_retries_is_a_409_and_writes_nothing() {
    let server = Arc::new(TestServer::postgres().await);
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    register(
        &programme,
        &code(9),
        day(2017, 9, 1),
        "205",
        7,
        "HTX Tranh Chấp",
    )
    .await;
    let before = head(&server).await;
    let start = Arc::new(tokio::sync::Barrier::new(40));
    let mut clients = Vec::new();
    for client in 0..40u32 {
        let (server, start) = (server.clone(), start.clone());
        clients.push(tokio::spawn(async move {
            let members = CooperativeAction::RecordMembership {
                members: MemberCounts {
                    official: 8 + client,
                    associate: 0,
                    member_cooperatives: 0,
                },
            };
            let path = format!(
                "/api/v1/cooperatives/{}/record-membership",
                code(9).as_str()
            );
            let request = server
                .request(Method::POST, Some(Role::Clerk), &path)
                .json(&body_of(&members, "2018-06-30"));
            start.wait().await;
            request.send().await.unwrap()
        }));
    }
    let (mut accepted, mut conflicts) = (0, 0);
    for client in clients {
        let response = client.await.unwrap();
        match response.status().as_u16() {
            200 => accepted += 1,
            409 => {
                let conflict = problem(response, 409).await;
                assert!(
                    conflict["detail"].as_str().unwrap().contains("retries"),
                    "{conflict}"
                );
                conflicts += 1;
            }
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
    }
    eprintln!("{accepted} accepted, {conflicts} conflicts after the retries");
    assert!(
        conflicts > 0,
        "no command outlasted the retries ({accepted} accepted)"
    );
    assert_eq!(head(&server).await, before + accepted, "a 409 wrote");
    Arc::into_inner(server)
        .expect("the clients are done")
        .stop()
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actor_recorded_is_the_person_signed_in() {
    let server = TestServer::postgres().await;
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let path = format!("/api/v1/cooperatives/{}/register", code(3).as_str());
    let mut body = body_of(&registration(3, "205", 7), "2018-01-05");
    body["actor"] = json!({"user_id": "someone.else", "role": "admin"});
    let refused = problem(server.post(Role::Clerk, &path, body).await, 422).await;
    assert!(refused["detail"].as_str().unwrap().contains("actor"));

    let body = body_of(&registration(3, "205", 7), "2018-01-05");
    let response = server.post(Role::Clerk, &path, body).await;
    assert_eq!(response.status(), 200);
    let accepted: Value = response.json().await.unwrap();
    let position = accepted["entries"][0]["position"]
        .as_u64()
        .expect("one entry written");
    let lines = server
        .get(
            Role::Auditor,
            &format!("/api/v1/ledger/entries?from={position}&limit=1"),
        )
        .await
        .text()
        .await
        .unwrap();
    let entry = Entry::parse_canonical(lines.trim_end().as_bytes()).expect("an entry");
    assert_eq!(entry.metadata["actor"]["user_id"], user_of(Role::Clerk));
    assert_eq!(entry.metadata["actor"]["role"], "clerk");
    assert_eq!(entry.metadata["effective_date"], "2018-01-05");
    server.stop().await;
}

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_payment_with_the_same_key_writes_one_entry() {
    let server = TestServer::postgres().await;
    let p = Programme::new(server.test.ledger.clone());
    seed_units(&p).await;
    let rule_set = publish_rule_set(&p, 100_000_000).await;
    register(&p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    open_line(
        &p,
        &line(),
        100_000_000,
        &[("205", 50_000_000)],
        day(2018, 1, 10),
    )
    .await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let case = approved_case(&p, &line(), "HS-1", &code(1), 10_000_000, dates, &rule_set).await;
    commit(&p, &line(), &case, "205", day(2018, 3, 1)).await;

    let pay = BudgetLineAction::MakePayment {
        purpose: case.clone(),
        amount: d(1_000_000),
        voucher: "GRDT-01".into(),
    };
    // Ids holding '/' travel percent-encoded in one path segment.
    let path = format!(
        "/api/v1/budget-lines/{}/make-payment",
        line().to_id().replace('/', "%2F")
    );
    let body = body_of(&pay, "2018-04-02");
    let send = |body: Value| {
        server
            .request(Method::POST, Some(Role::Officer), &path)
            .header("Idempotency-Key", "thanh-toan-GRDT-01")
            .json(&body)
            .send()
    };
    let before = head(&server).await;
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    assert_eq!(head(&server).await, before + 1);
    // The client timed out and sends it again: the same answer, nothing new written.
    for _ in 0..3 {
        let again = send(body.clone()).await.unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again, first);
    }
    assert_eq!(head(&server).await, before + 1);
    // The same key for a different request is refused.
    let mut other = body.clone();
    other["voucher"] = json!("GRDT-02");
    problem(send(other).await.unwrap(), 422).await;
    assert_eq!(head(&server).await, before + 1);
    // Without a key, the same payment is a second payment.
    let response = server.post(Role::Officer, &path, body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(head(&server).await, before + 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_clients_write_without_a_5xx_and_the_log_verifies() {
    let server = Arc::new(TestServer::postgres().await);
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let mut clients = Vec::new();
    for client in 0..50u32 {
        let server = server.clone();
        clients.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            // Each client registers its own cooperative, then records memberships on it
            // and on a cooperative shared by five clients (conflicts, retried).
            let own = 100 + client;
            let path = format!("/api/v1/cooperatives/{}/register", code(own).as_str());
            let response = server
                .post(
                    Role::Clerk,
                    &path,
                    body_of(&registration(own, "205", 7), "2018-01-05"),
                )
                .await;
            statuses.push(response.status().as_u16());
            let shared = 100 + client % 10;
            for round in 0..3u32 {
                let members = CooperativeAction::RecordMembership {
                    members: MemberCounts {
                        official: 7 + round + client,
                        associate: 0,
                        member_cooperatives: 0,
                    },
                };
                for target in [own, shared] {
                    let path = format!(
                        "/api/v1/cooperatives/{}/record-membership",
                        code(target).as_str()
                    );
                    let response = server
                        .post(Role::Clerk, &path, body_of(&members, "2018-06-30"))
                        .await;
                    statuses.push(response.status().as_u16());
                }
            }
            statuses
        }));
    }
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await.unwrap());
    }
    assert_eq!(all.len(), 50 * 7);
    assert!(all.iter().all(|s| *s < 500), "a 5xx: {all:?}");
    let accepted = all.iter().filter(|s| **s == 200).count();
    assert!(accepted >= 50 * 4, "{accepted} accepted of {}", all.len());
    let chain = verify_log(server.test.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("the log verifies");
    assert_eq!(chain.size, head(&server).await);
    let verified: Value = server
        .get(Role::Auditor, "/api/v1/ledger/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    Arc::into_inner(server)
        .expect("the clients are done")
        .stop()
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_fetched_over_http_verifies_with_the_cli() {
    let server = TestServer::postgres().await;
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let path = format!("/api/v1/cooperatives/{}/register", code(5).as_str());
    let accepted: Value = server
        .post(
            Role::Clerk,
            &path,
            body_of(&registration(5, "205", 7), "2018-01-05"),
        )
        .await
        .json()
        .await
        .unwrap();
    let position = accepted["entries"][0]["position"].as_u64().unwrap();
    // Only the admin signs.
    problem(
        server
            .post(Role::Auditor, "/api/v1/ledger/checkpoint", json!({}))
            .await,
        403,
    )
    .await;
    let signed = server
        .post(Role::Admin, "/api/v1/ledger/checkpoint", json!({}))
        .await;
    assert_eq!(signed.status(), 201);
    let note = server
        .get(Role::Inspector, "/api/v1/ledger/checkpoint")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(note, signed.text().await.unwrap());

    let proof = server
        .get(Role::Inspector, &format!("/api/v1/ledger/proof/{position}"))
        .await;
    assert_eq!(proof.status(), 200);
    let proof = proof.text().await.unwrap();
    let entry = server
        .get(
            Role::Inspector,
            &format!("/api/v1/ledger/entries?from={position}&limit=1"),
        )
        .await
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let proof_file = dir.path().join("entry.tlog-proof");
    let entry_file = dir.path().join("entry.json");
    std::fs::write(&proof_file, &proof).unwrap();
    std::fs::write(&entry_file, entry.trim_end_matches('\n')).unwrap();
    let args = [
        "verify-proof",
        proof_file.to_str().unwrap(),
        "--vkey",
        server.vkey.to_str().unwrap(),
        "--entry",
        entry_file.to_str().unwrap(),
    ];
    let (code, output) = htx_ledger("sqlite://unused", None, &args);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains(&format!("VALID: entry {position}")),
        "{output}"
    );
    // The same proof with another entry's bytes does not verify.
    let other = server
        .get(Role::Inspector, "/api/v1/ledger/entries?from=0&limit=1")
        .await
        .text()
        .await
        .unwrap();
    std::fs::write(&entry_file, other.trim_end_matches('\n')).unwrap();
    let (code, output) = htx_ledger("sqlite://unused", None, &args);
    assert_eq!(code, 1, "{output}");
    // A consistency proof between two sizes.
    let size = head(&server).await;
    let consistency: Value = server
        .get(
            Role::Auditor,
            &format!("/api/v1/ledger/consistency?from=1&to={size}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!consistency["hashes"].as_array().unwrap().is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projections_are_read_live_filtered_paged_and_as_of_a_date() {
    let server = TestServer::postgres().await;
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    for (n, date) in [(11, "2017-10-02"), (12, "2018-03-05"), (13, "2018-03-06")] {
        let path = format!("/api/v1/cooperatives/{}/register", code(n).as_str());
        let response = server
            .post(
                Role::Clerk,
                &path,
                body_of(&registration(n, "205", 7), date),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let size = head(&server).await;
    // The projector follows: wait until it holds every entry.
    let mut page: Value = Value::Null;
    for _ in 0..100 {
        page = server
            .get(
                Role::Dashboard,
                "/api/v1/projections/registry/registry?limit=2",
            )
            .await
            .json()
            .await
            .unwrap();
        if page["position"] == size {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(page["position"], size);
    assert_eq!(page["total"], 3);
    assert_eq!(page["rows"].as_array().unwrap().len(), 2);
    let second: Value = server
        .get(
            Role::Dashboard,
            "/api/v1/projections/registry/registry?limit=2&offset=2",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["rows"].as_array().unwrap().len(), 1);
    let one: Value = server
        .get(
            Role::Dashboard,
            &format!(
                "/api/v1/projections/registry/registry?code={}",
                code(12).as_str()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["total"], 1, "{one}");
    let in_2017: Value = server
        .get(
            Role::Dashboard,
            "/api/v1/projections/registry/registry?as_of_date=2017-12-31",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(in_2017["total"], 1, "{in_2017}");
    assert_eq!(in_2017["state"], "as_of_date=2017-12-31");
    // Clerks read the registry side (the dissolution pipeline too) but not the money.
    for table in [
        "registry/registry",
        "dissolution_progress/dissolution_progress",
        "plan_progress/plan_progress",
    ] {
        let path = format!("/api/v1/projections/{table}");
        assert_eq!(server.get(Role::Clerk, &path).await.status(), 200, "{path}");
    }
    problem(
        server
            .get(
                Role::Clerk,
                "/api/v1/projections/funding_balances/funding_balances",
            )
            .await,
        403,
    )
    .await;
    // Ready, with the projector caught up; metrics count the requests.
    let ready = server
        .request(Method::GET, None, "/readyz")
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = server
        .request(Method::GET, None, "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("htx_http_requests_total"), "{metrics}");
    assert!(metrics.contains("htx_projector_lag_entries"), "{metrics}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_exactly_the_routes_the_router_serves() {
    let server = TestServer::postgres().await;
    // A signed checkpoint, for the public tile routes to serve.
    server.sign_checkpoint().await;
    let document: Value = server
        .request(Method::GET, None, "/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut described = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            described.insert((method.to_uppercase(), path.clone()));
            // The router serves it: an anonymous request is answered by the route (401 for
            // a guarded one, 2xx for a public one), never "no such route" or "wrong method".
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = server
                .request(method.clone(), None, &concrete(path))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let guarded = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            if guarded {
                assert_eq!(status, 401, "{method} {path}");
                let roles: Vec<String> = operation["x-roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect();
                let route = routes::all()
                    .into_iter()
                    .find(|r| r.path == *path && r.method.as_str() == method.as_str())
                    .unwrap();
                let expected: Vec<String> =
                    route.roles.iter().map(|r| r.as_str().to_string()).collect();
                assert_eq!(roles, expected, "{method} {path}");
            } else {
                assert!(status < 400, "{method} {path}: {status}");
            }
        }
    }
    let routed: std::collections::BTreeSet<(String, String)> = routes::all()
        .into_iter()
        .map(|r| (r.method.as_str().to_string(), r.path))
        .collect();
    assert_eq!(described, routed);
    // And a path the document does not name is not served.
    problem(
        server
            .request(Method::GET, None, "/api/v1/not-described")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    server.stop().await;
}

/// Stopping the service lets the commands in flight finish: each one sent before the stop
/// either completes (and its entries are in the log) or was never taken (and wrote nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_finishes_the_commands_in_flight() {
    let server = TestServer::postgres().await;
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let before = head(&server).await;
    let mut sent = Vec::new();
    for n in 0..30u32 {
        let path = format!("/api/v1/cooperatives/{}/register", code(300 + n).as_str());
        let request = server
            .request(Method::POST, Some(Role::Clerk), &path)
            .json(&body_of(&registration(300 + n, "205", 7), "2018-01-05"));
        sent.push(tokio::spawn(async move {
            let response = request.send().await;
            (response, std::time::Instant::now())
        }));
    }
    // Stop while the commands are being decided and appended.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let ledger = server.test.ledger.clone();
    let TestServer { running, test, .. } = server;
    let stopping = std::time::Instant::now();
    running
        .expect("running")
        .stop()
        .await
        .expect("a clean stop");
    let (mut completed, mut after_the_stop) = (0, 0);
    for request in sent {
        let (response, answered) = request.await.unwrap();
        // An error: not taken before the stop, so nothing may be written for it (counted
        // below).
        if let Ok(response) = response {
            if answered > stopping {
                after_the_stop += 1;
            }
            assert_eq!(response.status(), 200, "a command in flight did not finish");
            let _ = response.bytes().await;
            completed += 1;
        }
    }
    eprintln!("{completed} of 30 commands completed, {after_the_stop} after the stop began");
    assert!(
        after_the_stop > 0,
        "no command was in flight when the stop began"
    );
    assert_eq!(head_size(&ledger).await, before + completed);
    drop(test);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooperatives_history_and_the_last_verification_are_read_over_http() {
    let server = TestServer::postgres().await;
    let programme = Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let code = code(7);
    let register = format!("/api/v1/cooperatives/{}/register", code.as_str());
    let registered: Value = server
        .post(
            Role::Clerk,
            &register,
            body_of(&registration(7, "205", 7), "2018-01-05"),
        )
        .await
        .json()
        .await
        .unwrap();
    let members = format!("/api/v1/cooperatives/{}/record-membership", code.as_str());
    let body = json!({"effective_date": "2018-12-31",
        "members": {"official": 9, "associate": 0, "member_cooperatives": 0}});
    assert_eq!(server.post(Role::Clerk, &members, body).await.status(), 200);

    // Every entry of the cooperative, in order, as the log holds it.
    let path = format!("/api/v1/cooperatives/{}/history", code.as_str());
    let history: Value = server.get(Role::Clerk, &path).await.json().await.unwrap();
    assert_eq!(history["code"], code.as_str());
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{history}");
    assert_eq!(entries[0]["position"], registered["entries"][0]["position"]);
    assert_eq!(entries[0]["event_type"], "CooperativeRegistered");
    assert_eq!(entries[0]["effective_date"], "2018-01-05");
    assert_eq!(entries[0]["actor"]["user_id"], user_of(Role::Clerk));
    assert_eq!(entries[0]["payload"]["code"], code.as_str());
    assert_eq!(entries[1]["sequence"], 2);
    assert_eq!(entries[1]["payload"]["members"]["official"], 9);
    problem(
        server
            .get(Role::Clerk, "/api/v1/cooperatives/5799999999/history")
            .await,
        404,
    )
    .await;
    problem(server.get(Role::Admin, &path).await, 403).await;

    // The last verification: none yet, then the auditor's, for everyone to read.
    problem(
        server
            .get(Role::Dashboard, "/api/v1/ledger/verification")
            .await,
        404,
    )
    .await;
    let ran: Value = server
        .get(Role::Auditor, "/api/v1/ledger/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ran["intact"], true);
    let last: Value = server
        .get(Role::Clerk, "/api/v1/ledger/verification")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last, ran);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboards_files_are_served_with_their_type_etag_and_policy() {
    let server = TestServer::postgres().await;
    let page = server.request(Method::GET, None, "/").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let policy = header(&page, "content-security-policy");
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(
        !policy.contains("http"),
        "only the service itself: {policy}"
    );
    let etag = header(&page, "etag");
    assert!(
        etag.starts_with('"') && etag.len() == 34,
        "a strong ETag: {etag}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    // Every file the page names is served, and nothing from elsewhere is named.
    assert!(!html.contains("http://") && !html.contains("https://"));
    for file in api::http::dashboard::files() {
        let asset = server
            .request(Method::GET, None, &format!("/assets/{file}"))
            .send()
            .await
            .unwrap();
        assert_eq!(asset.status(), 200, "{file}");
        let kind = header(&asset, "content-type");
        let expected = match file.rsplit('.').next() {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            Some("svg") => "image/svg+xml",
            _ => "",
        };
        assert!(kind.starts_with(expected), "{file}: {kind}");
        let body = asset.text().await.unwrap();
        assert!(!body.contains("https://"), "{file} reaches out");
    }
    // The browser's copy is still good: 304, no body.
    let again = server
        .request(Method::GET, None, "/")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    problem(
        server
            .request(Method::GET, None, "/assets/nope.js")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    server.stop().await;
}

/// Runs `htx-ledger serve --demo` in `dir` until it prints its address; returns the process,
/// the address and the dashboard's token.
fn serve_demo(dir: &std::path::Path) -> (std::process::Child, String, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
        .args([
            "serve",
            "--demo",
            "--demo-scale",
            "0.05",
            "--bind",
            "127.0.0.1:0",
        ])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("HTX_LEDGER_KEY_DIR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run htx-ledger serve");
    let stdout = child.stdout.take().unwrap();
    let mut address = None;
    let mut token = None;
    let mut seen = String::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if let Some(rest) = line.strip_prefix("htx-ledger serving on ") {
            address = Some(rest.trim_end_matches('/').to_string());
        }
        if line.trim_start().starts_with("dashboard ") {
            token = line.split_whitespace().last().map(str::to_string);
            break;
        }
    }
    let (Some(address), Some(token)) = (address, token) else {
        let _ = child.kill();
        panic!("serve --demo did not start:\n{seen}");
    };
    (child, address, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_starts_on_a_fresh_folder_and_again_on_the_same_ledger() {
    let dir = tempfile::tempdir().unwrap();
    for run in 0..2 {
        let (mut child, address, token) = serve_demo(dir.path());
        let me = reqwest::Client::new()
            .get(format!("{address}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = me.status();
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(status, 200, "run {run}: the printed token does not sign in");
    }
    assert!(dir.path().join("htx-ledger.sqlite3").exists());
    assert!(dir.path().join("htx-ledger-keys").is_dir());
}
