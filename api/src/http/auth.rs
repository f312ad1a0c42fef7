//! Who is asking: bearer tokens checked against the people recorded in the ledger.
//!
//! The ledger records people (`PersonAdded`) and the SHA-256 of their tokens (`TokenIssued`,
//! `TokenRevoked`). The directory here folds those entries into a map from token hash to
//! person, and keeps it current: at once after the service's own people commands, when a
//! token it does not know is presented (at most every [`UNKNOWN_TOKEN_REFRESH`]), and every
//! [`REFRESH_EVERY`] for tokens revoked by another process (`htx-ledger user revoke`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use domain::ledger::{Actor, Entry, Role};
use domain::people::{PersonEvent, token_hash};
use store::{Database, StoreError};

use super::AppState;
use super::problem::Problem;

/// How often the directory re-reads the people's entries on its own.
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// The least time between two re-reads caused by unknown tokens.
const UNKNOWN_TOKEN_REFRESH: Duration = Duration::from_millis(250);

/// The authenticated person, as handlers see it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub full_name: String,
}

#[derive(Debug, Clone)]
struct PersonEntry {
    full_name: String,
    role: Role,
    agency: Option<String>,
}

#[derive(Debug, Default)]
struct Known {
    /// The next position to read.
    next: u64,
    people: HashMap<String, PersonEntry>,
    /// Token hash → (user, active).
    tokens: HashMap<String, (String, bool)>,
}

/// The people and their tokens, as recorded in the ledger.
pub struct PeopleDirectory {
    db: Database,
    known: RwLock<Known>,
    last_unknown_refresh: std::sync::Mutex<Option<Instant>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl PeopleDirectory {
    /// Reads every person's entries.
    ///
    /// # Errors
    /// When the log cannot be read or a person entry is not one.
    pub async fn load(db: &Database) -> Result<Arc<PeopleDirectory>, StoreError> {
        let directory = Arc::new(PeopleDirectory {
            db: db.clone(),
            known: RwLock::new(Known::default()),
            last_unknown_refresh: std::sync::Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        });
        directory.refresh().await?;
        Ok(directory)
    }

    /// Reads the people's entries recorded since the last read.
    ///
    /// # Errors
    /// When the log cannot be read or a person entry is not one.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let from = self.read().next;
        let entries = store::collect_entries(
            &self.db,
            store::LogFilter::of_type("person").starting_at(from),
        )
        .await?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        for (position, bytes) in entries {
            let entry = Entry::parse_canonical(&bytes)
                .map_err(|e| StoreError::Corrupt(format!("entry {position}: {e}")))?;
            let event: PersonEvent = serde_json::from_value(entry.payload).map_err(|e| {
                StoreError::Corrupt(format!("entry {position}: not a person event: {e}"))
            })?;
            let user = entry.aggregate_id;
            match event {
                PersonEvent::PersonAdded {
                    full_name,
                    role,
                    agency,
                    ..
                } => {
                    known.people.insert(
                        user,
                        PersonEntry {
                            full_name,
                            role,
                            agency,
                        },
                    );
                }
                PersonEvent::TokenIssued { token_hash, .. } => {
                    known.tokens.insert(token_hash, (user, true));
                }
                PersonEvent::TokenRevoked { token_hash, .. } => {
                    if let Some(token) = known.tokens.get_mut(&token_hash) {
                        token.1 = false;
                    }
                }
            }
            known.next = position + 1;
        }
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    /// How many people are recorded.
    pub fn len(&self) -> usize {
        self.read().people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `user` was added.
    pub fn knows(&self, user: &str) -> bool {
        self.read().people.contains_key(user)
    }

    /// Person `user` as the ledger records them, if added (a command-line tool acting as
    /// them, as `record --as` does).
    pub fn person(&self, user: &str) -> Option<Authenticated> {
        let known = self.read();
        let person = known.people.get(user)?;
        Some(Authenticated {
            actor: Actor::new(user, person.role, person.agency.as_deref()),
            full_name: person.full_name.clone(),
        })
    }

    fn lookup(&self, hash: &str) -> Option<Result<Authenticated, &'static str>> {
        let known = self.read();
        let (user, active) = known.tokens.get(hash)?;
        if !active {
            return Some(Err("this token was revoked / token đã bị thu hồi"));
        }
        let person = known.people.get(user)?;
        Some(Ok(Authenticated {
            actor: Actor::new(user, person.role, person.agency.as_deref()),
            full_name: person.full_name.clone(),
        }))
    }

    /// The person a bearer token belongs to.
    ///
    /// # Errors
    /// A 401 problem for a token that is unknown or revoked, or a 503 when the log cannot be
    /// read.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, Problem> {
        let hash = token_hash(token);
        if let Some(found) = self.lookup(&hash) {
            return found.map_err(Problem::unauthenticated);
        }
        // Perhaps issued by another process since the last read.
        let may_refresh = {
            let mut last = self
                .last_unknown_refresh
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let due = last.is_none_or(|at| at.elapsed() >= UNKNOWN_TOKEN_REFRESH);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if may_refresh {
            self.refresh().await?;
            if let Some(found) = self.lookup(&hash) {
                return found.map_err(Problem::unauthenticated);
            }
        }
        Err(Problem::unauthenticated(
            "the bearer token is not one the ledger knows / token không hợp lệ",
        ))
    }

    /// Re-reads the people's entries every [`REFRESH_EVERY`], until aborted.
    pub fn keep_current(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(REFRESH_EVERY).await;
                if let Err(error) = self.refresh().await {
                    tracing::warn!(%error, "cannot re-read the people's entries");
                }
            }
        })
    }
}

/// The bearer token of a request, if it has one.
fn bearer(request: &Request) -> Result<&str, Problem> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Problem::unauthenticated("send an Authorization: Bearer <token> header"))?;
    let text = value
        .to_str()
        .map_err(|_| Problem::unauthenticated("the Authorization header is not text"))?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or_else(|| Problem::unauthenticated("use Authorization: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Problem::unauthenticated(
            "use Authorization: Bearer <token>",
        ));
    }
    Ok(token.trim())
}

/// The roles a route admits, checked before its handler runs; the person is put in the
/// request's extensions as [`Authenticated`].
pub async fn require_roles(
    State((state, roles)): State<(Arc<AppState>, &'static [Role])>,
    mut request: Request,
    next: Next,
) -> Result<Response, Problem> {
    let token = bearer(&request)?;
    let person = state.people.authenticate(token).await?;
    if !roles.contains(&person.actor.role) {
        let admitted: Vec<&str> = roles.iter().map(Role::as_str).collect();
        return Err(Problem::forbidden(format!(
            "vai trò {} không được dùng chức năng này / role {} may not use this route (admitted: {})",
            person.actor.role.as_str(),
            person.actor.role.as_str(),
            admitted.join(", ")
        )));
    }
    request.extensions_mut().insert(person);
    Ok(next.run(request).await)
}

/// `GET /api/v1/me`: the person signed in, with what the OpenAPI document says of it.
pub const ME: super::operation::Operation = super::operation::Operation {
    handler: |filter| {
        axum::routing::on(
            filter,
            |axum::Extension(person): axum::Extension<Authenticated>| async move {
                axum::Json(serde_json::json!({
                    "user": person.actor.user_id,
                    "full_name": person.full_name,
                    "role": person.actor.role.as_str(),
                    "agency": person.actor.agency,
                }))
            },
        )
    },
    doc: || {
        let me = serde_json::json!({"type": "object", "properties": {
            "user": {"type": "string"}, "full_name": {"type": "string"},
            "role": {"type": "string"}, "agency": {"type": ["string", "null"]}}});
        super::operation::Doc::new("Who am I", "people").response(
            "200",
            super::operation::json_response("The person signed in", me),
        )
    },
};
