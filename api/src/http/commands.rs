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
use cqrs_es::AggregateError;
use domain::command::Command;
use domain::ledger::EventMetadata;
use domain::rules::{Refused, RuleError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use store::{Remember, Written};

use super::auth::Authenticated;
use super::input::{self, InputError};
use super::operation::CommandSpec;
use super::problem::Problem;
use super::{AppState, MAX_BODY_BYTES, RequestId, with_content_type};
use programme::AggregateKind;
use programme::{Commands, Declared, OnAggregate};

/// The header naming a command's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a response that repeats the first response to its idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

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

/// The envelope's fields; everything else in the body is the action's.
struct Envelope {
    effective_date: NaiveDate,
    legal_basis: Vec<String>,
    documents: Vec<String>,
    action: Map<String, Value>,
}

fn strings(value: Option<Value>, field: &str) -> Result<Vec<String>, Problem> {
    let wrong = || {
        InputError::at_field(
            field,
            "cần một danh sách chuỗi khác rỗng, ví dụ [\"31/KH-UBND\"]",
            "expected a list of non-empty strings, e.g. [\"31/KH-UBND\"]",
        )
        .into_problem()
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) if !text.trim().is_empty() => Ok(text),
                _ => Err(wrong()),
            })
            .collect(),
        Some(_) => Err(wrong()),
    }
}

/// The legal date of the act: `YYYY-MM-DD`; a `dd/mm/yyyy` date is answered with its ISO form.
fn effective_date(value: Option<Value>) -> Result<NaiveDate, Problem> {
    const FIELD: &str = "effective_date";
    let refuse = |vi: String, en: String| InputError::at_field(FIELD, &vi, &en).into_problem();
    match value {
        Some(Value::String(text)) => NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
            let hint = input::iso_hint(&text).map_or((String::new(), String::new()), |h| {
                (format!(", viết là {h:?}"), format!(", write {h:?}"))
            });
            refuse(
                format!("ngày hiệu lực cần dạng YYYY-MM-DD, nhận {text:?}{}", hint.0),
                format!("the legal date must be YYYY-MM-DD, got {text:?}{}", hint.1),
            )
        }),
        None | Some(Value::Null) => Err(refuse(
            "thiếu ngày hiệu lực của văn bản, dạng YYYY-MM-DD".into(),
            "the legal date of the act is missing, YYYY-MM-DD".into(),
        )),
        Some(other) => Err(refuse(
            format!("ngày hiệu lực cần dạng YYYY-MM-DD, nhận {other}"),
            format!("the legal date must be a string YYYY-MM-DD, got {other}"),
        )),
    }
}

fn envelope(body: &[u8]) -> Result<Envelope, Problem> {
    let mut fields = input::object(body)?;
    let effective_date = effective_date(fields.remove("effective_date"))?;
    if fields.contains_key("actor") {
        return Err(InputError::at_field(
            "actor",
            "không nhận trường này: người thực hiện là người sở hữu mã truy cập",
            "not accepted: the actor is the person the bearer token belongs to",
        )
        .into_problem());
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

/// The action in serde's externally tagged form (`"Resume"` for an action without fields,
/// `{"Register": {...}}` otherwise), every field checked by name.
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
    input::typed(tagged, variant).map_err(InputError::into_problem)
}

/// What the domain's refusal says, as a problem naming the rule and the legal basis in force
/// on the command's date.
pub(super) fn refused<E: RuleError>(refusal: &Refused<E>) -> Problem {
    Problem::refused(refusal.to_string(), refusal.rule(), refusal.legal_basis())
}

/// A command read from a request and addressed: its aggregate id checked, and every field
/// naming the aggregate naming that one.
pub(super) struct Prepared<C> {
    effective_date: NaiveDate,
    pub(super) command: C,
    envelope_basis: Vec<String>,
    documents: Vec<String>,
}

impl<C> Prepared<C> {
    /// The entries' metadata: the person, the legal date, the request, the envelope's legal
    /// basis and documents, and the idempotency key the entries carry, if any.
    pub(super) fn metadata(
        &self,
        person: &Authenticated,
        request_id: &RequestId,
        ledger_key: Option<&str>,
    ) -> EventMetadata {
        let mut metadata = EventMetadata::new(person.actor.clone(), self.effective_date)
            .with_request_id(&request_id.0);
        for basis in &self.envelope_basis {
            metadata = metadata.with_legal_basis(basis);
        }
        for document in &self.documents {
            metadata = metadata.with_document(document);
        }
        if let Some(key) = ledger_key {
            metadata = metadata.with_idempotency_key(key);
        }
        metadata
    }
}

/// Reads the body into `A`'s action `spec.action` for aggregate `id`. The fields that repeat
/// the id are filled from the path when the body leaves them out; the address is checked
/// before anything is read from the ledger.
pub(super) fn prepare<A: Declared>(
    spec: &CommandSpec,
    person: &Authenticated,
    id: &str,
    body: &[u8],
) -> Result<Prepared<A::Command>, Problem> {
    let mut envelope = envelope(body)?;
    // The address first: a malformed id is the path's problem, whatever the body says.
    A::check_id_on(id, envelope.effective_date).map_err(|refusal| refused(A::refusal(&refusal)))?;
    for (field, value) in A::id_fields(spec.action, id) {
        envelope.action.entry(field).or_insert(value);
    }
    let action: A::Action = parse_action(spec.action, envelope.action)?;
    let command = A::command(Command::new(
        envelope.effective_date,
        person.actor.clone(),
        action,
    ));
    A::check_address(id, &command).map_err(|refusal| refused(A::refusal(&refusal)))?;
    Ok(Prepared {
        effective_date: envelope.effective_date,
        command,
        envelope_basis: envelope.legal_basis,
        documents: envelope.documents,
    })
}

/// An idempotency key as sent: 1 to 200 visible ASCII characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
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
    let request = Request {
        spec,
        state: &state,
        person: &person,
        request_id: &request_id,
        id: &id,
        headers: &headers,
    };
    match dispatch(request, body).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

/// One command request, as routed.
#[derive(Clone, Copy)]
struct Request<'a> {
    spec: &'static CommandSpec,
    state: &'a AppState,
    person: &'a Authenticated,
    request_id: &'a RequestId,
    id: &'a str,
    headers: &'a HeaderMap,
}

/// The body as read, or the problem of one too large (over `limit`) or unreadable.
pub(super) fn read_body(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, Problem> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(limit)
        } else {
            Problem::malformed(rejection.body_text())
        }
    })
}

async fn dispatch(
    request: Request<'_>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = read_body(body, MAX_BODY_BYTES)?;
    let state = request.state;
    let kind = request.spec.aggregate;
    let done = state
        .programme
        .dispatch(
            kind,
            CommandRequest {
                request,
                body: &body,
            },
        )
        .await;
    if kind == AggregateKind::Person && done.as_ref().is_ok_and(|r| r.status().is_success()) {
        state.people.refresh().await?;
    }
    done
}

/// The command of a request, run on the commands of its route's aggregate type.
struct CommandRequest<'a> {
    request: Request<'a>,
    body: &'a [u8],
}

impl OnAggregate for CommandRequest<'_> {
    type Output = Result<Response, Problem>;

    async fn on<A>(self, _kind: AggregateKind, commands: &Commands<A>) -> Self::Output
    where
        A: Declared,
        A::Command: Clone + Send + Sync,
    {
        command(commands, self.request, self.body).await
    }
}

/// Reads, addresses and runs one command of aggregate type `A`, idempotently when the request
/// carries a key. Nothing is read from the ledger before the body has been read and the
/// address checked.
async fn command<A>(
    commands: &Commands<A>,
    request: Request<'_>,
    body: &[u8],
) -> Result<Response, Problem>
where
    A: Declared,
    A::Command: Clone + Send + Sync,
{
    let Request {
        spec,
        state,
        person,
        id,
        ..
    } = request;
    let key = idempotency_key(request.headers)?;
    let prepared = prepare::<A>(spec, person, id, body)?;
    let Some(key) = key else {
        return execute_and_answer(commands, request, prepared, None).await;
    };
    let user = person.actor.user_id.clone();
    let mut hasher = Sha256::new();
    hasher.update(spec.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(id.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    let request_sha256 = hex::encode(hasher.finalize());
    let _in_flight = state
        .in_flight
        .claim(&user, &key)
        .ok_or_else(|| Problem::conflict("a request with this Idempotency-Key is still running"))?;
    if let Some(first) = replayed(state, &user, &key, &request_sha256).await? {
        return Ok(first);
    }
    // The response is remembered with the entries, in the same write: a retry finds either
    // both or neither.
    let idempotent = Idempotent {
        ledger_key: format!("api:{user}:{key}"),
        remember: Remember {
            user_id: user,
            key,
            request_sha256,
            respond: {
                let id = id.to_string();
                std::sync::Arc::new(move |written: &[Written]| {
                    (StatusCode::OK.as_u16(), accepted_text(spec, &id, written))
                })
            },
        },
    };
    execute_and_answer(commands, request, prepared, Some(idempotent)).await
}

/// The first response to `key` of `user`, when one was remembered for the same request
/// (`request_sha256`); a refusal for a key used for a different request.
pub(super) async fn replayed(
    state: &AppState,
    user: &str,
    key: &str,
    request_sha256: &str,
) -> Result<Option<Response>, Problem> {
    let db = state.programme.ledger.database();
    // Only successes are remembered; a refusal (remembered by versions before it was decided
    // afresh) wrote nothing, so the retry is decided again.
    let first = store::service::remembered_response(db, user, key)
        .await?
        .filter(|first| first.status < 400);
    let Some(first) = first else {
        return Ok(None);
    };
    if first.request_sha256 != request_sha256 {
        return Err(Problem::invalid_command(
            "Idempotency-Key này đã dùng cho một lệnh khác; hãy dùng khoá mới / this Idempotency-Key was used for a different request; use a new key",
        ));
    }
    let status = StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK);
    let mut response = with_content_type(status, first.response, "application/json");
    response
        .headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    Ok(Some(response))
}

/// The problem of a command the store could not write (a conflict that outlasted the
/// retries, an unavailable database, an entry too large): nothing was written.
pub(super) fn not_written<E: std::error::Error>(id: &str, error: AggregateError<E>) -> Problem {
    match error {
        AggregateError::AggregateConflict => Problem::conflict(format!(
            "{id} thay đổi liên tục trong khi lệnh được xét ({} lần thử lại); hãy gửi lại / {id} kept changing while the command was decided ({} retries); send it again",
            programme::CONFLICT_RETRIES,
            programme::CONFLICT_RETRIES
        )),
        AggregateError::DatabaseConnectionError(error) => {
            tracing::error!(%error, "database unavailable");
            Problem::unavailable(
                "cơ sở dữ liệu của sổ cái không sẵn sàng / the ledger's database is not available",
            )
        }
        AggregateError::UnexpectedError(error)
            if matches!(
                error.downcast_ref::<store::StoreError>(),
                Some(store::StoreError::EntryTooLarge { .. })
            ) =>
        {
            Problem::entry_too_large(error.to_string())
        }
        error => {
            tracing::error!(%error, "command failed");
            Problem::internal("không ghi được lệnh / the command could not be recorded")
        }
    }
}

/// What makes a command idempotent: the key its entries carry in their metadata
/// (`api:{user}:{key}`), and the response to remember with them.
struct Idempotent {
    ledger_key: String,
    remember: Remember,
}

/// The body of the answer to a command that wrote `written`.
fn accepted_text(spec: &CommandSpec, id: &str, written: &[Written]) -> String {
    serde_json::to_string(&accepted(spec, id, written)).unwrap_or_default()
}

/// What a command that wrote `written` answers.
pub(super) fn accepted(spec: &CommandSpec, id: &str, written: &[Written]) -> CommandAccepted {
    CommandAccepted {
        aggregate_type: spec.aggregate.aggregate_type().to_string(),
        aggregate_id: id.to_string(),
        entries: written
            .iter()
            .map(|w| WrittenEntry {
                position: w.at.position,
                sequence: w.at.sequence,
                event_type: w.event_type.clone(),
            })
            .collect(),
    }
}

async fn execute_and_answer<A>(
    commands: &Commands<A>,
    request: Request<'_>,
    prepared: Prepared<A::Command>,
    idempotent: Option<Idempotent>,
) -> Result<Response, Problem>
where
    A: Declared,
    A::Command: Clone + Send + Sync,
{
    let Request {
        spec,
        person,
        request_id,
        id,
        ..
    } = request;
    let mut remember = None;
    let mut ledger_key = None;
    if let Some(idempotent) = idempotent {
        ledger_key = Some(idempotent.ledger_key);
        remember = Some(idempotent.remember);
    }
    let metadata = prepared.metadata(person, request_id, ledger_key.as_deref());
    let started = std::time::Instant::now();
    let executed = commands
        .execute_remembered(id, prepared.command, &metadata, remember)
        .await;
    let written = match executed {
        Ok(written) => written,
        Err(AggregateError::UserError(refusal)) => return Err(refused(A::refusal(&refusal))),
        Err(error) => return Err(not_written(id, error)),
    };
    metrics::histogram!("htx_command_duration_seconds", "aggregate" => spec.aggregate.aggregate_type())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("htx_appended_entries_total").increment(written.len() as u64);
    let text = accepted_text(spec, id, &written);
    Ok(with_content_type(StatusCode::OK, text, "application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::routes::COMMANDS;
    use domain::cooperative::CooperativeAction;

    fn routed(kind: AggregateKind) -> Vec<String> {
        COMMANDS
            .iter()
            .filter(|c| c.aggregate == kind)
            .map(|c| c.action.to_string())
            .collect()
    }

    #[test]
    fn every_action_of_the_domain_has_exactly_one_route() {
        // Every aggregate of the domain's catalogue, with serde's own list of its actions.
        let cases: Vec<(AggregateKind, Vec<String>)> = domain::catalogue::commands()
            .into_iter()
            .map(|aggregate| {
                let kind = *AggregateKind::ALL
                    .iter()
                    .find(|k| k.aggregate_type() == aggregate.aggregate_type)
                    .unwrap_or_else(|| panic!("{} is not declared", aggregate.aggregate_type));
                let actions = aggregate.actions.iter().map(|a| a.to_string()).collect();
                (kind, actions)
            })
            .collect();
        assert_eq!(cases.len(), AggregateKind::ALL.len());
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
            missing
                .detail
                .contains("`until`: thiếu trường bắt buộc / a required field is missing"),
            "{}",
            missing.detail
        );
        assert_eq!(missing.field.as_deref(), Some("until"));
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
