//! The HTTP service under test: started on a fresh ledger on 127.0.0.1 (a free port), with a
//! signing key and one person per role, and a client that signs in as any of them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use api::http::{self, Running, ServeOptions};
use domain::command::Command;
use domain::ledger::{Actor, EventMetadata, Role};
use domain::people::{PersonAction, token_hash};
use programme::{Programme, execute};
use reqwest::{Method, RequestBuilder, Response};
use store::keys::KeyRing;

use super::backends::TestLedger;
use super::programme::day;

pub struct TestServer {
    pub base: String,
    pub tokens: HashMap<Role, String>,
    pub client: reqwest::Client,
    /// Keeps the key folder alive.
    pub _keys: tempfile::TempDir,
    pub vkey: std::path::PathBuf,
    pub running: Option<Running>,
    pub test: TestLedger,
}

/// The user name of the test person in `role`.
pub fn user_of(role: Role) -> String {
    format!("test.{}", role.as_str())
}

/// Adds one person per role, each with a known token.
pub async fn add_people(programme: &Programme) -> HashMap<Role, String> {
    let mut tokens = HashMap::new();
    for role in Role::ALL {
        let token = format!("htx_test-token-of-{}", role.as_str());
        add_person(programme, &user_of(role), role, &token).await;
        tokens.insert(role, token);
    }
    tokens
}

/// Adds the person `user` in `role` with `token` (two entries).
pub async fn add_person(programme: &Programme, user: &str, role: Role, token: &str) {
    let admin = Actor::new("os:test", Role::Admin, None);
    let date = day(2017, 9, 1);
    let metadata = EventMetadata::new(admin.clone(), date);
    let add = PersonAction::Add {
        user: user.to_string(),
        full_name: format!("Người thử {}", role.as_str()),
        role,
        agency: None,
    };
    let issue = PersonAction::IssueToken {
        token_hash: token_hash(token),
    };
    for action in [add, issue] {
        execute(
            &programme.people,
            user,
            Command::new(date, admin.clone(), action),
            &metadata,
        )
        .await
        .expect("add a person and issue a token");
    }
}

/// A ledger ready to be served: its signing key (seed 7) and one person per role; what a test
/// does to the ledger before the service starts, it does here.
pub struct Prepared {
    pub keys: tempfile::TempDir,
    pub vkey: std::path::PathBuf,
    pub ring: Arc<KeyRing>,
    pub tokens: HashMap<Role, String>,
    pub test: TestLedger,
}

impl Prepared {
    pub async fn new(test: TestLedger) -> Prepared {
        let keys = tempfile::tempdir().expect("a key folder");
        let vkey = super::keys::write_key(keys.path(), 7);
        let ring = Arc::new(KeyRing::load(keys.path()).expect("the key folder loads"));
        let tokens = add_people(&Programme::new(test.ledger.clone())).await;
        Prepared {
            keys,
            vkey,
            ring,
            tokens,
            test,
        }
    }

    /// Starts the service in-process with `options`.
    pub async fn serve(self, options: ServeOptions) -> TestServer {
        let running = http::start(self.test.ledger.clone(), Some(self.ring), &options, false)
            .await
            .expect("the service starts");
        TestServer {
            base: format!("http://{}", running.addr),
            tokens: self.tokens,
            client: reqwest::Client::new(),
            _keys: self.keys,
            vkey: self.vkey,
            running: Some(running),
            test: self.test,
        }
    }
}

impl TestServer {
    pub async fn start(test: TestLedger) -> TestServer {
        Prepared::new(test)
            .await
            .serve(ServeOptions::local(Duration::from_millis(100)))
            .await
    }

    pub async fn postgres() -> TestServer {
        TestServer::start(TestLedger::postgres().await).await
    }

    pub fn request(&self, method: Method, role: Option<Role>, path: &str) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match role {
            Some(role) => builder.bearer_auth(&self.tokens[&role]),
            None => builder,
        }
    }

    pub async fn get(&self, role: Role, path: &str) -> Response {
        self.request(Method::GET, Some(role), path)
            .send()
            .await
            .expect("the service answers")
    }

    pub async fn post(&self, role: Role, path: &str, body: serde_json::Value) -> Response {
        self.request(Method::POST, Some(role), path)
            .json(&body)
            .send()
            .await
            .expect("the service answers")
    }

    /// Signs a checkpoint of the whole log now, as the admin would.
    pub async fn sign_checkpoint(&self) {
        let signed = self
            .request(Method::POST, Some(Role::Admin), "/api/v1/ledger/checkpoint")
            .send()
            .await
            .expect("the service answers");
        assert_eq!(signed.status(), 201, "a new checkpoint is signed");
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("the service stops cleanly");
        }
    }
}

/// Checks that `response` is an RFC 9457 problem with `status`, and returns its body.
pub async fn problem(response: Response, status: u16) -> serde_json::Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("a JSON problem");
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:htx-ledger:problem:"))
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// What a client sends for `action`: its fields, beside the legal date.
pub fn body_of<A: serde::Serialize>(action: &A, effective_date: &str) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut fields = match serde_json::to_value(action).expect("an action serialises") {
        Value::Object(tagged) => tagged
            .into_iter()
            .next()
            .map(|(_, fields)| fields)
            .unwrap_or(Value::Null),
        Value::String(_) => json!({}),
        other => panic!("not an action: {other}"),
    };
    if fields.is_null() {
        fields = json!({});
    }
    fields["effective_date"] = json!(effective_date);
    fields
}

/// The body of a registration of `code` (in district 205, 7 members, on 01/9/2017) as the
/// register route reads it.
pub fn registration_json(code: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "effective_date": "2017-09-01",
        "kind": "htx",
        "content": {
            "name": name,
            "address": {"text": "Thôn Đông", "unit": "205"},
            "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc"},
            "charter_capital": 500_000_000,
            "sector": "agriculture"
        },
        "members": {"official": 7, "associate": 0, "member_cooperatives": 0},
        "certificate_no": format!("GCN-{code}"),
        "legacy_reg_no": null,
        "origin": "New"
    })
}
