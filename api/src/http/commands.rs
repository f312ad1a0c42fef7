//! The command routes: `POST /api/v1/{collection}/{id}/{action}` for every action of the
//! domain. The body is the action's fields beside `effective_date` (the legal date, in
//! Asia/Ho_Chi_Minh) and, optionally, `legal_basis` and `documents`; the actor is the
//! authenticated person, never a name from the body.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use cqrs_es::{Aggregate, AggregateError, CqrsFramework};
use domain::command::Command;
use domain::cooperative::CooperativeError;
use domain::funding::{BudgetLineError, SettlementError, SupportCaseError, TrainingClassError};
use domain::ledger::{Entry, EventMetadata};
use domain::people::PersonError;
use domain::reference::ReferenceError;
use domain::rules::RuleCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use store::LedgerStore;
use store::service::RememberedResponse;

use super::auth::Authenticated;
use super::problem::Problem;
use super::routes::{AggregateKind, CommandSpec};
use super::{AppState, MAX_BODY_BYTES, RequestId, with_content_type};
use crate::programme::execute;

/// The header naming a command's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a response that repeats the first response to its idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// How many of an aggregate's latest entries are searched for what a request wrote.
const LATEST_ENTRIES: u32 = 200;

/// What a command wrote.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CommandAccepted {
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// The entries written, in order (none when the command changed nothing).
    pub entries: Vec<WrittenEntry>,
}

/// One entry a command wrote.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WrittenEntry {
    /// Its position in the log: fetch its proof at `/api/v1/ledger/proof/{position}`.
    pub position: u64,
    pub sequence: u64,
    pub event_type: String,
}

/// What a domain error says about its rule.
trait NamesRule {
    fn named_rule(&self) -> Option<RuleCode>;
}

macro_rules! names_rule {
    ($($error:ty),*) => {$(
        impl NamesRule for $error {
            fn named_rule(&self) -> Option<RuleCode> {
                self.rule()
            }
        }
    )*};
}
names_rule!(
    CooperativeError,
    TrainingClassError,
    SettlementError,
    BudgetLineError,
    SupportCaseError
);

impl NamesRule for ReferenceError {
    fn named_rule(&self) -> Option<RuleCode> {
        Some(self.rule())
    }
}

impl NamesRule for PersonError {
    fn named_rule(&self) -> Option<RuleCode> {
        None
    }
}

/// The envelope's fields; everything else in the body is the action's.
struct Envelope {
    effective_date: NaiveDate,
    legal_basis: Vec<String>,
    documents: Vec<String>,
    action: Map<String, Value>,
}

fn strings(value: Option<Value>, field: &str) -> Result<Vec<String>, Problem> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) if !text.trim().is_empty() => Ok(text),
                _ => Err(Problem::invalid_command(format!(
                    "`{field}` is a list of non-empty strings"
                ))),
            })
            .collect(),
        Some(_) => Err(Problem::invalid_command(format!(
            "`{field}` is a list of strings"
        ))),
    }
}

fn envelope(body: &[u8]) -> Result<Envelope, Problem> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Problem::malformed(format!("the body is not JSON: {e}")))?;
    let Value::Object(mut fields) = value else {
        return Err(Problem::malformed("the body is a JSON object"));
    };
    let effective_date = match fields.remove("effective_date") {
        Some(Value::String(text)) => {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
                Problem::invalid_command(format!(
                    "`effective_date` {text:?} is not a date YYYY-MM-DD (ngày hiệu lực)"
                ))
            })?
        }
        Some(_) => {
            return Err(Problem::invalid_command(
                "`effective_date` is a date YYYY-MM-DD (ngày hiệu lực)",
            ));
        }
        None => {
            return Err(Problem::invalid_command(
                "`effective_date` is missing: the legal date of the act, YYYY-MM-DD (ngày hiệu lực)",
            ));
        }
    };
    if fields.contains_key("actor") {
        return Err(Problem::invalid_command(
            "`actor` is not accepted: the actor is the person the bearer token belongs to",
        ));
    }
    let legal_basis = strings(fields.remove("legal_basis"), "legal_basis")?;
    let documents = strings(fields.remove("documents"), "documents")?;
    Ok(Envelope {
        effective_date,
        legal_basis,
        documents,
        action: fields,
    })
}

/// The action in serde's externally tagged form: `"Resume"` for an action without fields,
/// `{"Register": {...}}` otherwise.
fn parse_action<Act: DeserializeOwned>(
    variant: &str,
    fields: Map<String, Value>,
) -> Result<Act, Problem> {
    let tagged = if fields.is_empty() {
        // A unit action; a struct action with missing fields then names them below.
        match serde_json::from_value::<Act>(Value::String(variant.to_string())) {
            Ok(action) => return Ok(action),
            Err(_) => Value::Object(Map::from_iter([(
                variant.to_string(),
                Value::Object(Map::new()),
            )])),
        }
    } else {
        Value::Object(Map::from_iter([(
            variant.to_string(),
            Value::Object(fields),
        )]))
    };
    serde_json::from_value(tagged).map_err(|e| {
        let detail = e.to_string();
        let detail = detail
            .strip_prefix("invalid type: unit variant, expected ")
            .map_or(detail.clone(), |_| {
                "this action takes no fields besides the envelope".to_string()
            });
        Problem::invalid_command(detail)
    })
}

async fn run<A, Act>(
    cqrs: &CqrsFramework<A, LedgerStore<A>>,
    id: &str,
    variant: &str,
    envelope: Envelope,
    metadata: &EventMetadata,
) -> Result<(), Problem>
where
    A: Aggregate<Command = Command<Act>> + Clone,
    A::Error: NamesRule,
    Act: DeserializeOwned + Clone + Send + Sync,
{
    let action: Act = parse_action(variant, envelope.action)?;
    let command = Command::new(envelope.effective_date, metadata.actor.clone(), action);
    match execute(cqrs, id, command, metadata).await {
        Ok(()) => Ok(()),
        Err(AggregateError::UserError(refusal)) => {
            Err(Problem::refused(refusal.to_string(), refusal.named_rule()))
        }
        Err(AggregateError::AggregateConflict) => Err(Problem::conflict(format!(
            "{id} kept changing while the command was decided ({} retries); send it again",
            crate::programme::CONFLICT_RETRIES
        ))),
        Err(AggregateError::DatabaseConnectionError(error)) => {
            tracing::error!(%error, "database unavailable");
            Err(Problem::unavailable(
                "the ledger's database is not available",
            ))
        }
        Err(error) => {
            tracing::error!(%error, "command failed");
            Err(Problem::internal("the command could not be recorded"))
        }
    }
}

async fn dispatch(
    state: &AppState,
    spec: &CommandSpec,
    id: &str,
    envelope: Envelope,
    metadata: &EventMetadata,
) -> Result<(), Problem> {
    let p = &state.programme;
    let v = spec.action;
    match spec.aggregate {
        AggregateKind::Cooperative => run(&p.cooperatives, id, v, envelope, metadata).await,
        AggregateKind::SupportCase => run(&p.support_cases, id, v, envelope, metadata).await,
        AggregateKind::TrainingClass => run(&p.training_classes, id, v, envelope, metadata).await,
        AggregateKind::BudgetLine => run(&p.budget_lines, id, v, envelope, metadata).await,
        AggregateKind::Settlement => run(&p.settlements, id, v, envelope, metadata).await,
        AggregateKind::AdministrativeUnit => run(&p.units, id, v, envelope, metadata).await,
        AggregateKind::RegionMapping => run(&p.regions, id, v, envelope, metadata).await,
        AggregateKind::LegalDocument => run(&p.legal_documents, id, v, envelope, metadata).await,
        AggregateKind::SupportRuleSet => run(&p.rule_sets, id, v, envelope, metadata).await,
        AggregateKind::Person => {
            let mut envelope = envelope;
            if v == "Add" {
                // The user name is the path's id; the body need not repeat it.
                envelope
                    .action
                    .entry("user")
                    .or_insert_with(|| Value::String(id.to_string()));
            }
            let done = run(&p.people, id, v, envelope, metadata).await;
            if done.is_ok() {
                state.people.refresh().await?;
            }
            done
        }
    }
}

/// The entries of `aggregate` that carry `wanted` in their metadata's `field`, oldest first.
/// What a command wrote is among the aggregate's newest entries: a few are read first, and
/// more (up to [`LATEST_ENTRIES`]) only when those do not reach past it.
async fn entries_marked(
    state: &AppState,
    spec: &CommandSpec,
    id: &str,
    field: &str,
    wanted: &str,
) -> Result<Vec<WrittenEntry>, Problem> {
    for limit in [16, LATEST_ENTRIES] {
        let latest = store::service::latest_aggregate_entries(
            state.programme.ledger.database(),
            spec.aggregate.aggregate_type(),
            id,
            limit,
        )
        .await?;
        let read_all = latest.len() < limit as usize;
        let mut written = Vec::new();
        let mut passed_them = false;
        for bytes in latest {
            let entry = Entry::parse_canonical(&bytes)
                .map_err(|e| Problem::internal(format!("an entry does not read back: {e}")))?;
            if entry.metadata.get(field).and_then(Value::as_str) == Some(wanted) {
                written.push(WrittenEntry {
                    position: entry.position,
                    sequence: entry.sequence,
                    event_type: entry.event_type,
                });
            } else if !written.is_empty() {
                // One command's entries are consecutive: older ones are not its.
                passed_them = true;
                break;
            }
        }
        if passed_them || read_all || limit == LATEST_ENTRIES {
            written.reverse();
            return Ok(written);
        }
    }
    Ok(Vec::new())
}

/// An idempotency key as sent: 1 to 200 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= 200 && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            Problem::malformed("Idempotency-Key is 1 to 200 visible ASCII characters")
        })?;
    Ok(Some(text.to_string()))
}

/// Handles one command request.
pub async fn handle(
    spec: &'static CommandSpec,
    state: Arc<AppState>,
    person: Authenticated,
    request_id: RequestId,
    id: String,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match handle_inner(spec, &state, &person, &request_id, &id, &headers, body).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn handle_inner(
    spec: &'static CommandSpec,
    state: &AppState,
    person: &Authenticated,
    request_id: &RequestId,
    id: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(MAX_BODY_BYTES)
        } else {
            Problem::malformed(rejection.body_text())
        }
    })?;
    let key = idempotency_key(headers)?;
    let Some(key) = key else {
        let envelope = envelope(&body)?;
        return execute_and_answer(spec, state, person, request_id, id, envelope, None).await;
    };
    let user = person.actor.user_id.clone();
    let mut hasher = Sha256::new();
    hasher.update(spec.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(id.as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let request_sha256 = hex::encode(hasher.finalize());
    let db = state.programme.ledger.database();

    let _in_flight = state
        .in_flight
        .claim(&user, &key)
        .ok_or_else(|| Problem::conflict("a request with this Idempotency-Key is still running"))?;
    if let Some(first) = store::service::remembered_response(db, &user, &key).await? {
        if first.request_sha256 != request_sha256 {
            return Err(Problem::invalid_command(
                "this Idempotency-Key was used for a different request; use a new key",
            ));
        }
        let content_type = if first.status >= 400 {
            super::problem::PROBLEM_JSON
        } else {
            "application/json"
        };
        let status = StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK);
        let mut response = with_content_type(status, first.response, content_type);
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        return Ok(response);
    }
    let ledger_key = format!("api:{user}:{key}");
    // Written, but the response was never remembered (the service stopped in between).
    let already = entries_marked(state, spec, id, "idempotency_key", &ledger_key).await?;
    let response = if already.is_empty() {
        let envelope = envelope(&body)?;
        match execute_and_answer(
            spec,
            state,
            person,
            request_id,
            id,
            envelope,
            Some(&ledger_key),
        )
        .await
        {
            Ok(response) => response,
            Err(problem) if problem.status == 422 => problem.into_response(),
            Err(problem) => return Err(problem),
        }
    } else {
        accepted(spec, id, already)
    };
    // Remember the answer (success or refusal; not a failure of the service).
    let status = response.status();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| Problem::internal(format!("response body: {e}")))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    store::service::remember_response(
        db,
        &user,
        &key,
        &RememberedResponse {
            request_sha256,
            status: status.as_u16(),
            response: text,
        },
    )
    .await?;
    Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
}

fn accepted(spec: &CommandSpec, id: &str, entries: Vec<WrittenEntry>) -> Response {
    let body = CommandAccepted {
        aggregate_type: spec.aggregate.aggregate_type().to_string(),
        aggregate_id: id.to_string(),
        entries,
    };
    let text = serde_json::to_string(&body).unwrap_or_default();
    with_content_type(StatusCode::OK, text, "application/json")
}

async fn execute_and_answer(
    spec: &'static CommandSpec,
    state: &AppState,
    person: &Authenticated,
    request_id: &RequestId,
    id: &str,
    envelope: Envelope,
    ledger_key: Option<&str>,
) -> Result<Response, Problem> {
    let mut metadata = EventMetadata::new(person.actor.clone(), envelope.effective_date)
        .with_request_id(&request_id.0);
    for basis in &envelope.legal_basis {
        metadata = metadata.with_legal_basis(basis);
    }
    for document in &envelope.documents {
        metadata = metadata.with_document(document);
    }
    if let Some(key) = ledger_key {
        metadata = metadata.with_idempotency_key(key);
    }
    let started = std::time::Instant::now();
    dispatch(state, spec, id, envelope, &metadata).await?;
    metrics::histogram!("htx_command_duration_seconds", "aggregate" => spec.aggregate.aggregate_type())
        .record(started.elapsed().as_secs_f64());
    let written = entries_marked(state, spec, id, "request_id", &request_id.0).await?;
    metrics::counter!("htx_appended_entries_total").increment(written.len() as u64);
    Ok(accepted(spec, id, written))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::routes::COMMANDS;
    use domain::cooperative::CooperativeAction;
    use domain::funding::{
        BudgetLineAction, SettlementAction, SupportCaseAction, TrainingClassAction,
    };
    use domain::people::PersonAction;
    use domain::reference::{
        AdministrativeUnitAction, LegalDocumentAction, RegionMappingAction, SupportRuleSetAction,
    };

    /// The variants serde knows for an action type, read from its refusal of an unknown one.
    fn variants<Act: DeserializeOwned>() -> Vec<String> {
        let error = serde_json::from_value::<Act>(serde_json::json!({"NoSuchAction": null}))
            .err()
            .expect("no action is called NoSuchAction")
            .to_string();
        let list = error
            .split_once("expected one of ")
            .map(|(_, list)| list)
            .or_else(|| error.split_once("expected ").map(|(_, list)| list))
            .expect("serde lists the variants");
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    fn routed(kind: AggregateKind) -> Vec<String> {
        COMMANDS
            .iter()
            .filter(|c| c.aggregate == kind)
            .map(|c| c.action.to_string())
            .collect()
    }

    #[test]
    fn every_action_of_the_domain_has_exactly_one_route() {
        let cases = [
            (AggregateKind::Cooperative, variants::<CooperativeAction>()),
            (AggregateKind::SupportCase, variants::<SupportCaseAction>()),
            (
                AggregateKind::TrainingClass,
                variants::<TrainingClassAction>(),
            ),
            (AggregateKind::BudgetLine, variants::<BudgetLineAction>()),
            (AggregateKind::Settlement, variants::<SettlementAction>()),
            (
                AggregateKind::AdministrativeUnit,
                variants::<AdministrativeUnitAction>(),
            ),
            (
                AggregateKind::RegionMapping,
                variants::<RegionMappingAction>(),
            ),
            (
                AggregateKind::LegalDocument,
                variants::<LegalDocumentAction>(),
            ),
            (
                AggregateKind::SupportRuleSet,
                variants::<SupportRuleSetAction>(),
            ),
            (AggregateKind::Person, variants::<PersonAction>()),
        ];
        for (kind, mut expected) in cases {
            let mut actual = routed(kind);
            expected.sort();
            actual.sort();
            assert_eq!(actual, expected, "{kind:?}");
        }
    }

    #[test]
    fn an_action_without_fields_is_read_from_the_envelope_alone() {
        let resume: CooperativeAction = parse_action("Resume", Map::new()).unwrap();
        assert_eq!(resume, CooperativeAction::Resume);
        let missing = parse_action::<CooperativeAction>("Suspend", Map::new()).unwrap_err();
        assert_eq!(missing.status, 422);
        assert!(
            missing.detail.contains("missing field"),
            "{}",
            missing.detail
        );
    }

    #[test]
    fn the_envelope_refuses_an_actor_and_requires_the_legal_date() {
        let no_date = envelope(br#"{"reason": "x"}"#).err().unwrap();
        assert_eq!(no_date.status, 422);
        let actor = envelope(br#"{"effective_date": "2018-01-02", "actor": "me"}"#)
            .err()
            .unwrap();
        assert!(actor.detail.contains("actor"));
        let not_json = envelope(b"{").err().unwrap();
        assert_eq!(not_json.status, 400);
    }
}
