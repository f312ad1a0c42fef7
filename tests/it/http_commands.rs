//! What a command over HTTP may say and what it is refused for (the bug of issue 13): one
//! identity per command in every collection, an id checked before anything is read, unknown
//! fields refused, a refusal not remembered under its idempotency key, document numbers as a
//! person types them, input errors in Vietnamese and English, and the legal basis in force on
//! the act's date.

use domain::ledger::{Entry, Role};
use programme::Programme;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::support::programme::*;
use crate::support::server::{TestServer, problem};

/// A path segment: an id holding `/` (budget lines, cases, documents) is URL-encoded.
fn segment(id: &str) -> String {
    id.replace('%', "%25")
        .replace('/', "%2F")
        .replace(' ', "%20")
}

fn path(collection: &str, id: &str, action: &str) -> String {
    format!("/api/v1/{collection}/{}/{action}", segment(id))
}

/// A registration body (its code left to the path unless `code` is given).
fn registration_body(code: Option<&str>, unit: &str, members: u32, date: &str) -> Value {
    let mut body = json!({
        "effective_date": date,
        "kind": "htx",
        "content": {
            "name": "HTX Thử A",
            "address": {"text": "Thôn Đông", "unit": unit},
            "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc"},
            "charter_capital": 500_000_000,
            "sector": "agriculture"
        },
        "members": {"official": members, "associate": 0, "member_cooperatives": 0},
        "certificate_no": "GCN-01",
        "legacy_reg_no": null,
        "origin": "New"
    });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    body
}

async fn post(server: &TestServer, role: Role, path: &str, body: &Value) -> Response {
    server.post(role, path, body.clone()).await
}

async fn entries(server: &TestServer) -> Vec<Entry> {
    let db = server.test.ledger.database();
    let size = head_size(&server.test.ledger).await;
    let mut out = Vec::new();
    let mut rows = store::stream_log(db, 0);
    use futures::StreamExt;
    while let Some(row) = rows.next().await {
        out.push(Entry::parse_canonical(&row.expect("a row").bytes).expect("an entry"));
    }
    assert_eq!(out.len() as u64, size);
    out
}

/// One collection's command whose body repeats the aggregate id.
struct Case {
    collection: &'static str,
    action: &'static str,
    role: Role,
    /// The body, naming `named` where it repeats the id.
    body: fn(&str) -> Value,
    /// An id that is valid but not the one the body names.
    other: String,
    named: String,
    /// An id that is not an id of this kind at all.
    invalid: String,
    /// The rule a malformed id breaks.
    invalid_rule: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            collection: "cooperatives",
            action: "register",
            role: Role::Clerk,
            body: |named| registration_body(Some(named), "205", 7, "2017-09-01"),
            other: code(2).as_str().into(),
            named: code(1).as_str().into(),
            invalid: "5700888021".into(),
            invalid_rule: "REG-01",
        },
        Case {
            collection: "budget-lines",
            action: "assign-estimate",
            role: Role::Officer,
            body: |named| {
                json!({"effective_date": "2018-01-05", "line": named, "amount": 100_000_000,
                       "decision": "899/2017/QĐ-UBND"})
            },
            other: "2018/SO-KHDT/NS-TINH/establishment".into(),
            named: "2018/SO-KHDT/NS-TINH/training".into(),
            invalid: "2018/so-khdt/NS-TINH/cooking".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "support-cases",
            action: "receive-application",
            role: Role::Officer,
            body: |named| {
                json!({"effective_date": "2018-02-01", "case": named,
                       "line": "2018/SO-KHDT/NS-TINH/establishment", "beneficiary": code(5).as_str(),
                       "requested": 30_000_000, "eligible_cost": 30_000_000,
                       "description": "Hỗ trợ thành lập"})
            },
            other: "2018/SO-KHDT/HS-0002".into(),
            named: "2018/SO-KHDT/HS-0001".into(),
            invalid: "2018/SO-KHDT".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "training-classes",
            action: "plan",
            role: Role::Officer,
            body: |named| {
                json!({"effective_date": "2018-03-01", "class": named,
                       "line": "2018/SO-NNPTNT/NTM-1600/training", "region": "mien-dong",
                       "district": "198", "planned_learners": 40, "planned_cost": 50_000_000,
                       "starts_on": "2018-04-02"})
            },
            other: "2018/SO-NNPTNT/L02".into(),
            named: "2018/SO-NNPTNT/L01".into(),
            invalid: "2018/SO NNPTNT/L01".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "settlements",
            action: "submit",
            role: Role::Officer,
            body: |named| {
                json!({"effective_date": "2019-01-20", "settlement": named,
                       "lines": ["2018/SO-KHDT/NS-TINH/establishment"]})
            },
            other: "2018/SO-KHDT".into(),
            named: "2018/SO-NNPTNT".into(),
            invalid: "18/SO-KHDT".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "administrative-units",
            action: "establish",
            role: Role::Officer,
            body: |named| {
                json!({"effective_date": "2017-01-01", "code": named, "name": "Hải Hà",
                       "unit_type": "huyen", "parent": "22", "valid_from": null})
            },
            other: "201".into(),
            named: "202".into(),
            invalid: "2011".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "legal-documents",
            action: "register",
            role: Role::Officer,
            body: |named| {
                json!({"effective_date": "2017-08-31", "number": named,
                       "title": "Kế hoạch phát triển HTX", "issued_on": "2017-08-31",
                       "effective_from": "2017-08-31", "effective_to": null, "note": null})
            },
            other: "31/KH-UBND".into(),
            named: "32/KH-UBND".into(),
            // Not canonical: the path must be the id, `31/KH-UBND`.
            invalid: "31/kh-ubnd".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "support-rule-sets",
            action: "publish-version",
            role: Role::Officer,
            body: |named| {
                let (category, basis) = named.split_once(':').unwrap_or((named, "340/2016/TT-BTC"));
                json!({"effective_date": "2017-03-01", "category": category, "basis": basis,
                       "valid_from": "2017-03-01", "valid_to": null,
                       "caps": [{"Amount": 30_000_000}]})
            },
            other: "establishment:340/2016/TT-BTC".into(),
            named: "training:340/2016/TT-BTC".into(),
            invalid: "establishment".into(),
            invalid_rule: "DATA-01",
        },
        Case {
            collection: "people",
            action: "add",
            role: Role::Admin,
            body: |named| {
                json!({"effective_date": "2017-09-01", "user": named,
                       "full_name": "Trần Thị Bình", "role": "clerk", "agency": null})
            },
            other: "tran.thi.binh".into(),
            named: "le.van.cuong".into(),
            invalid: "Trần Bình".into(),
            invalid_rule: "DATA-01",
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_naming_another_aggregate_is_refused_in_every_collection_writing_nothing() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let before = head_size(&server.test.ledger).await;
    for case in cases() {
        let response = post(
            &server,
            case.role,
            &path(case.collection, &case.other, case.action),
            &(case.body)(&case.named),
        )
        .await;
        let body = problem(response, 422).await;
        let detail = body["detail"].as_str().unwrap_or_default();
        assert_eq!(body["rule"], "DATA-01", "{}: {body}", case.collection);
        assert!(
            detail.contains(&case.other) && detail.contains(&case.named),
            "{}: names both ids: {detail}",
            case.collection
        );
        assert!(body["legal_basis"].is_string(), "{body}");
        assert_eq!(
            head_size(&server.test.ledger).await,
            before,
            "{}: nothing written",
            case.collection
        );
    }
    // The body may repeat its own id, or leave it to the path.
    let case = &cases()[0];
    let accepted = post(
        &server,
        Role::Clerk,
        &path(case.collection, &case.named, case.action),
        &(case.body)(&case.named),
    )
    .await;
    assert_eq!(accepted.status(), 200, "{:?}", accepted.text().await);
    let without = registration_body(None, "205", 7, "2017-09-01");
    let accepted = post(
        &server,
        Role::Clerk,
        &path("cooperatives", &case.other, "register"),
        &without,
    )
    .await;
    assert_eq!(accepted.status(), 200, "{:?}", accepted.text().await);
    let written = entries(&server).await;
    let registered: Vec<(String, String)> = written
        .iter()
        .filter(|e| e.event_type == "CooperativeRegistered")
        .map(|e| {
            let code = e.payload["CooperativeRegistered"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (e.aggregate_id.clone(), code)
        })
        .collect();
    assert_eq!(
        registered,
        [
            (case.named.clone(), case.named.clone()),
            (case.other.clone(), case.other.clone())
        ],
        "each code registered under its own aggregate"
    );
    // The reproduction of the report: code 1 is registered; the same body sent to another
    // cooperative's path is refused, and nothing is written.
    let size = head_size(&server.test.ledger).await;
    let again = post(
        &server,
        Role::Clerk,
        &path("cooperatives", code(3).as_str(), "register"),
        &registration_body(Some(&case.named), "205", 9, "2017-10-01"),
    )
    .await;
    assert_eq!(problem(again, 422).await["rule"], "DATA-01");
    assert_eq!(head_size(&server.test.ledger).await, size);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_path_id_is_refused_before_anything_is_read() {
    let server = TestServer::postgres().await;
    let before = head_size(&server.test.ledger).await;
    let mut cases: Vec<(&str, String, &str, Role, Value, &str)> = cases()
        .into_iter()
        .map(|c| {
            let body = (c.body)(&c.invalid);
            (
                c.collection,
                c.invalid,
                c.action,
                c.role,
                body,
                c.invalid_rule,
            )
        })
        .collect();
    // An action that names no id in its body, and the one collection with no such action.
    cases.push((
        "cooperatives",
        "5700888021".into(),
        "resume",
        Role::Clerk,
        json!({"effective_date": "2018-01-02"}),
        "REG-01",
    ));
    cases.push((
        "region-mappings",
        "Miền Đông".into(),
        "define-version",
        Role::Officer,
        json!({"effective_date": "2017-01-01", "valid_from": "2017-01-01",
               "assignments": {}, "basis": "31/KH-UBND"}),
        "DATA-01",
    ));
    for (collection, id, action, role, body, rule) in cases {
        let loads = server.test.ledger.aggregate_loads();
        let response = post(&server, role, &path(collection, &id, action), &body).await;
        let problem = problem(response, 422).await;
        assert_eq!(problem["rule"], rule, "{collection} {id}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(&id), "{collection}: names the id: {detail}");
        assert!(detail.contains(" / "), "bilingual: {detail}");
        assert_eq!(
            server.test.ledger.aggregate_loads(),
            loads,
            "{collection} {id}: refused before any aggregate was read"
        );
    }
    assert_eq!(head_size(&server.test.ledger).await, before);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_field_is_refused_naming_it_and_nothing_is_written() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let before = head_size(&server.test.ledger).await;
    let mut misspelt = registration_body(None, "205", 7, "2017-09-01");
    let content = misspelt["content"].as_object_mut().unwrap();
    let sector = content.remove("sector").unwrap();
    content.insert("sectr".into(), sector);
    let response = post(
        &server,
        Role::Clerk,
        &path("cooperatives", code(1).as_str(), "register"),
        &misspelt,
    )
    .await;
    let body = problem(response, 422).await;
    assert_eq!(body["field"], "content.sectr", "{body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("không có trong lệnh") && detail.contains("no such field"),
        "{detail}"
    );
    let mut extra = registration_body(None, "205", 7, "2017-09-01");
    extra["membrs"] = json!(7);
    let response = post(
        &server,
        Role::Clerk,
        &path("cooperatives", code(1).as_str(), "register"),
        &extra,
    )
    .await;
    assert_eq!(problem(response, 422).await["field"], "membrs");
    assert_eq!(
        head_size(&server.test.ledger).await,
        before,
        "nothing written"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_not_remembered_under_its_key_and_a_success_still_replays() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    // Unit 209 does not exist yet: the registration is refused (GEO-01), nothing written.
    let register = path("cooperatives", code(1).as_str(), "register");
    let body = registration_body(None, "209", 7, "2018-03-01");
    let send = |key: &'static str, body: Value| {
        server
            .request(Method::POST, Some(Role::Clerk), &register)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let refused = send("GCN-2018-0042", body.clone()).await.unwrap();
    assert!(refused.headers().get("idempotent-replayed").is_none());
    assert_eq!(problem(refused, 422).await["rule"], "GEO-01");
    let before = head_size(&server.test.ledger).await;
    // The clerk's office corrects what was wrong: the unit is established…
    let unit = json!({"effective_date": "2018-01-01", "name": "Thị trấn thử", "unit_type": "huyen",
                      "parent": "22", "valid_from": "2018-01-01"});
    let established = post(
        &server,
        Role::Officer,
        &path("administrative-units", "209", "establish"),
        &unit,
    )
    .await;
    assert_eq!(established.status(), 200, "{:?}", established.text().await);
    // …and the same request under the same key is decided afresh, and accepted.
    let accepted = send("GCN-2018-0042", body.clone()).await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert!(
        accepted.headers().get("idempotent-replayed").is_none(),
        "decided, not replayed"
    );
    let first: Value = accepted.json().await.unwrap();
    assert_eq!(
        head_size(&server.test.ledger).await,
        before + 2,
        "the unit and the registration"
    );
    // A retry of the success replays it and writes nothing.
    let replayed = send("GCN-2018-0042", body.clone()).await.unwrap();
    assert_eq!(replayed.status(), 200);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(replayed.json::<Value>().await.unwrap(), first);
    assert_eq!(head_size(&server.test.ledger).await, before + 2);
    // The key of a success cannot be reused for another request.
    let other = registration_body(None, "209", 8, "2018-03-01");
    let reused = send("GCN-2018-0042", other).await.unwrap();
    let reused = problem(reused, 422).await;
    assert!(
        reused["detail"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{reused}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_number_typed_by_a_person_is_accepted_and_canonicalised() {
    let server = TestServer::postgres().await;
    let before = head_size(&server.test.ledger).await;
    for (n, typed) in ["123/QĐ-UBND", "124/qd-ubnd", " Số: 125/QD-UBND "]
        .iter()
        .enumerate()
    {
        let line = format!(
            "2018/SO-KHDT/NS-TINH/{}",
            ["training", "establishment", "credit"][n]
        );
        let body =
            json!({"effective_date": "2018-01-05", "amount": 100_000_000, "decision": typed});
        let response = post(
            &server,
            Role::Officer,
            &path("budget-lines", &line, "assign-estimate"),
            &body,
        )
        .await;
        assert_eq!(
            response.status(),
            200,
            "{typed}: {:?}",
            response.text().await
        );
    }
    let decisions: Vec<Value> = entries(&server)
        .await
        .into_iter()
        .skip(before as usize)
        .map(|e| e.payload["EstimateAssigned"]["decision"].clone())
        .collect();
    assert_eq!(
        decisions,
        [
            json!({"raw": "123/QĐ-UBND", "canonical": "123/QĐ-UBND"}),
            json!({"raw": "124/qd-ubnd", "canonical": "124/QĐ-UBND"}),
            json!({"raw": "Số: 125/QD-UBND", "canonical": "125/QĐ-UBND"}),
        ]
    );
    // The stored form is still read, and an unreadable number is refused naming the field.
    let stored = json!({"effective_date": "2018-01-05", "amount": 1,
                        "decision": {"raw": "126/qd-ubnd", "canonical": "126/QĐ-UBND"}});
    let response = post(
        &server,
        Role::Officer,
        &path(
            "budget-lines",
            "2018/SO-KHDT/NS-TINH/processing",
            "assign-estimate",
        ),
        &stored,
    )
    .await;
    assert_eq!(response.status(), 200);
    let bad = json!({"effective_date": "2018-01-05", "amount": 1, "decision": "QĐ-UBND"});
    let response = post(
        &server,
        Role::Officer,
        &path("budget-lines", "2018/SO-KHDT/NS-TINH/credit", "allocate"),
        &bad,
    )
    .await;
    let body = problem(response, 422).await;
    assert!(body["detail"].as_str().unwrap().contains(" / "), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_class_of_input_error_is_answered_in_both_languages_naming_the_field() {
    let server = TestServer::postgres().await;
    let before = head_size(&server.test.ledger).await;
    let register = path("cooperatives", code(1).as_str(), "register");
    let with = |edit: fn(&mut Value)| {
        let mut body = registration_body(None, "205", 7, "2017-09-01");
        edit(&mut body);
        body
    };
    // (body, status, field, Vietnamese words, English words)
    type Class<'a> = (Vec<u8>, u16, Option<&'a str>, &'a str, &'a str);
    let cases: Vec<Class> = vec![
        (
            b"{\"effective_date\": ".to_vec(),
            400,
            None,
            "dòng 1",
            "line 1",
        ),
        (
            b"[1, 2]".to_vec(),
            400,
            None,
            "đối tượng JSON",
            "JSON object",
        ),
        (
            serde_json::to_vec(&with(|b| {
                b.as_object_mut().unwrap().remove("members");
            }))
            .unwrap(),
            422,
            Some("members"),
            "thiếu trường bắt buộc",
            "a required field is missing",
        ),
        (
            serde_json::to_vec(&with(|b| b["members"]["official"] = json!("bảy"))).unwrap(),
            422,
            Some("members.official"),
            "cần số nguyên không âm, nhận chuỗi \"bảy\"",
            "expected a whole number ≥ 0, got the string \"bảy\"",
        ),
        (
            serde_json::to_vec(&with(|b| b["members"]["official"] = json!(-7))).unwrap(),
            422,
            Some("members.official"),
            "sai giá trị",
            "wrong value",
        ),
        (
            serde_json::to_vec(&with(|b| b["kind"] = json!("hợp tác xã"))).unwrap(),
            422,
            Some("kind"),
            "không có trong danh sách",
            "is not one of",
        ),
        (
            serde_json::to_vec(&with(|b| b["effective_date"] = json!("01/09/2017"))).unwrap(),
            422,
            Some("effective_date"),
            "viết là \"2017-09-01\"",
            "write \"2017-09-01\"",
        ),
        (
            serde_json::to_vec(&with(|b| {
                b.as_object_mut().unwrap().remove("effective_date");
            }))
            .unwrap(),
            422,
            Some("effective_date"),
            "thiếu ngày hiệu lực",
            "YYYY-MM-DD",
        ),
        (
            serde_json::to_vec(&with(|b| b["content"]["charter_capital"] = json!(1.5))).unwrap(),
            422,
            Some("content.charter_capital"),
            "số thập phân 1.5",
            "the decimal number 1.5",
        ),
    ];
    for (body, status, field, vi, en) in cases {
        let response = server
            .request(Method::POST, Some(Role::Clerk), &register)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let problem = problem(response, status).await;
        let detail = problem["detail"].as_str().unwrap_or_default();
        let shown = String::from_utf8_lossy(&body);
        assert!(detail.contains(vi), "{shown}: {vi:?} missing from {detail}");
        assert!(detail.contains(en), "{shown}: {en:?} missing from {detail}");
        assert_eq!(problem["field"].as_str(), field, "{shown}: {problem}");
        assert!(
            !detail.contains("invalid type:") && !detail.contains("missing field"),
            "serde's own text: {detail}"
        );
    }
    assert_eq!(
        head_size(&server.test.ledger).await,
        before,
        "nothing written"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_cites_the_law_in_force_on_the_acts_date() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let registered = post(
        &server,
        Role::Clerk,
        &path("cooperatives", code(1).as_str(), "register"),
        &registration_body(None, "205", 7, "2017-09-01"),
    )
    .await;
    assert_eq!(registered.status(), 200, "{:?}", registered.text().await);
    let suspend = |from: &str, until: &str| json!({"effective_date": from, "until": until});
    let suspension = path("cooperatives", code(1).as_str(), "suspend");
    // Thirteen months from 02/10/2017: REG-08 under the 2012 Law and NĐ 193/2013.
    let in_2017 = post(
        &server,
        Role::Clerk,
        &suspension,
        &suspend("2017-10-02", "2018-11-02"),
    )
    .await;
    let in_2017 = problem(in_2017, 422).await;
    assert_eq!(in_2017["rule"], "REG-08");
    let basis = in_2017["legal_basis"].as_str().unwrap();
    assert!(
        basis.contains("Luật HTX 2012") && basis.contains("NĐ 193/2013/NĐ-CP"),
        "{basis}"
    );
    assert!(
        !basis.contains("2023") && !basis.contains("92/2024"),
        "{basis}"
    );
    assert!(
        in_2017["detail"]
            .as_str()
            .unwrap()
            .ends_with(&format!("(căn cứ / legal basis: {basis})"))
    );
    // The same in 2025: the 2023 Law and NĐ 92/2024.
    let in_2025 = post(
        &server,
        Role::Clerk,
        &suspension,
        &suspend("2025-03-03", "2026-04-03"),
    )
    .await;
    let in_2025 = problem(in_2025, 422).await;
    assert_eq!(in_2025["rule"], "REG-08");
    let basis = in_2025["legal_basis"].as_str().unwrap();
    assert!(
        basis.contains("Luật HTX 2023") && basis.contains("NĐ 92/2024/NĐ-CP"),
        "{basis}"
    );
    assert!(
        !basis.contains("2012") && !basis.contains("193/2013"),
        "{basis}"
    );
    server.stop().await;
}
