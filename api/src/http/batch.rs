//! `POST /api/v1/batch`: a list of commands, in order, each checked by its rules against the
//! state the ones before it left, recorded in one commit with an answer for each: every
//! command or none. A command is named as its own route would name it (collection, id,
//! action) with the body that route reads; the person must hold a role that route admits.
//! A refusal of any command refuses the batch, naming the command (`command_index`) and why.
//! With an `Idempotency-Key`, a retry of the same batch answers the first response and
//! writes nothing new.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cqrs_es::AggregateError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{Remember, StoreError, Written};

use super::auth::Authenticated;
use super::commands::{
    CommandAccepted, accepted, idempotency_key, not_written, prepare, read_body, refused, replayed,
};
use super::operation::{CommandSpec, Doc, Operation, json_response, problem_response, schema_ref};
use super::problem::Problem;
use super::routes::{COMMANDS, kebab};
use super::{AppState, RequestId, with_content_type};
use programme::{AggregateKind, Batch, Commands, Declared, OnAggregate};

/// The most commands one batch holds.
pub const MAX_BATCH_COMMANDS: usize = 1_000;
/// The largest batch body read.
pub const MAX_BATCH_BODY_BYTES: usize = 8 * 1024 * 1024;

/// What a batch asks.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The commands, in order (1 to 1,000).
    pub commands: Vec<BatchCommand>,
}

/// One command of a batch: what its own route (`POST /api/v1/{collection}/{id}/{action}`)
/// would be sent.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchCommand {
    /// The route's collection, e.g. `cooperatives`.
    pub collection: String,
    /// The aggregate's id, as in the route's path (not URL-encoded).
    pub id: String,
    /// The route's action, e.g. `record-membership`.
    pub action: String,
    /// The body the route reads: `effective_date`, the action's fields, optionally
    /// `legal_basis` and `documents`.
    #[schema(value_type = Object)]
    pub body: Value,
}

/// What a batch wrote: one answer a command, in order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchAccepted {
    pub commands: Vec<CommandAccepted>,
}

pub const BATCH: Operation = Operation {
    handler: |filter| {
        axum::routing::on(filter, handle).layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES))
    },
    doc: || {
        Doc::new(
            "Several commands in one commit, every one or none",
            "batches",
        )
        .parameter(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "A retry with the same key returns the first response and writes nothing new."
        }))
        .body(schema_ref("BatchRequest"))
        .response(
            "200",
            json_response("Recorded: each command's entries, in order", schema_ref("BatchAccepted")),
        )
        .response("403", problem_response("A command's route does not admit the person's role (command_index names it); nothing written"))
        .response("409", problem_response("An aggregate kept changing; nothing written"))
        .response("413", problem_response("The body is too large"))
        .response("422", problem_response("A command refused by a rule (named, with its legal basis, and command_index), or not a valid command; nothing of the batch written"))
    },
};

/// A command of the batch, resolved to its route.
pub struct Resolved {
    spec: &'static CommandSpec,
    id: String,
    body: Vec<u8>,
}

async fn handle(
    State(state): State<Arc<AppState>>,
    Extension(person): Extension<Authenticated>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match run(&state, &person, &request_id, &headers, body).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

pub(crate) fn read(body: &[u8]) -> Result<Vec<BatchCommand>, Problem> {
    let request: BatchRequest = serde_json::from_slice(body).map_err(|e| {
        Problem::malformed(format!(
            "lô lệnh cần dạng {{\"commands\": [{{\"collection\", \"id\", \"action\", \"body\"}}, …]}} / a batch is {{\"commands\": [{{\"collection\", \"id\", \"action\", \"body\"}}, …]}}: {e}"
        ))
    })?;
    if request.commands.is_empty() || request.commands.len() > MAX_BATCH_COMMANDS {
        return Err(Problem::invalid_command(format!(
            "một lô có từ 1 đến {MAX_BATCH_COMMANDS} lệnh, nhận {} / a batch holds 1 to {MAX_BATCH_COMMANDS} commands, got {}",
            request.commands.len(),
            request.commands.len()
        )));
    }
    Ok(request.commands)
}

/// Finds each command's route and checks that it admits the person's role.
///
/// # Errors
/// The first command with no such route, a route that does not admit the person's role, or
/// a body that is not an object: the problem, naming its command (`Problem::command`).
pub fn resolve(
    commands: Vec<BatchCommand>,
    person: &Authenticated,
) -> Result<Vec<Resolved>, Problem> {
    commands
        .into_iter()
        .enumerate()
        .map(|(index, command)| {
            let spec = COMMANDS
                .iter()
                .find(|s| {
                    s.aggregate.collection() == command.collection
                        && kebab(s.action) == command.action
                })
                .ok_or_else(|| {
                    Problem::not_found(format!(
                        "không có lệnh {}/{{id}}/{} / no such command",
                        command.collection, command.action
                    ))
                })
                .map_err(|problem| problem.of_command(index))?;
            if !spec.roles.contains(&person.actor.role) {
                return Err(Problem::forbidden(format!(
                    "vai trò {} không được ghi lệnh này / the role {} may not send this command",
                    person.actor.role.as_str(),
                    person.actor.role.as_str()
                ))
                .of_command(index));
            }
            if !command.body.is_object() {
                return Err(Problem::malformed(
                    "`body` cần là một đối tượng JSON / `body` must be a JSON object",
                )
                .of_command(index));
            }
            let body = serde_json::to_vec(&command.body).unwrap_or_default();
            Ok(Resolved {
                spec,
                id: command.id,
                body,
            })
        })
        .collect()
}

async fn run(
    state: &AppState,
    person: &Authenticated,
    request_id: &RequestId,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = read_body(body, MAX_BATCH_BODY_BYTES)?;
    let key = idempotency_key(headers)?;
    let listed = read(&body)?;
    let named: Vec<String> = listed
        .iter()
        .map(|c| format!("{}/{}/{}", c.collection, c.id, c.action))
        .collect();
    let in_batch = |problem: Problem| {
        let what = problem
            .command()
            .and_then(|i| named.get(i))
            .cloned()
            .unwrap_or_default();
        problem.in_batch(&what)
    };
    let commands = resolve(listed, person).map_err(in_batch)?;
    let user = person.actor.user_id.clone();
    let _in_flight = match &key {
        Some(key) => Some(state.in_flight.claim(&user, key).ok_or_else(|| {
            Problem::conflict("a request with this Idempotency-Key is still running")
        })?),
        None => None,
    };
    let request_sha256 = {
        let mut hasher = Sha256::new();
        hasher.update(b"/api/v1/batch\n");
        hasher.update(&body);
        hex::encode(hasher.finalize())
    };
    if let Some(key) = &key
        && let Some(first) = replayed(state, &user, key, &request_sha256).await?
    {
        return Ok(first);
    }
    let answers: Arc<Vec<(&'static CommandSpec, String)>> =
        Arc::new(commands.iter().map(|c| (c.spec, c.id.clone())).collect());
    let mut attempt = 0;
    loop {
        let ledger_key = |index: usize| key.as_ref().map(|k| format!("api:{user}:{k}#{index}"));
        let batch = decide_all(
            &state.programme,
            person,
            request_id,
            &commands,
            ledger_key,
            |_| {},
        )
        .await
        .map_err(in_batch)?;
        let decided = batch.decided().to_vec();
        let remember = key.as_ref().map(|key| {
            let (answers, decided) = (answers.clone(), decided.clone());
            Remember {
                user_id: user.clone(),
                key: key.clone(),
                request_sha256: request_sha256.clone(),
                respond: Arc::new(move |written: &[Written]| {
                    let body = answer(&answers, programme::split(written, &decided));
                    (
                        StatusCode::OK.as_u16(),
                        serde_json::to_string(&body).unwrap_or_default(),
                    )
                }),
            }
        });
        match batch.commit(remember).await {
            Ok(written) => {
                let body = answer(&answers, written.iter().map(Vec::as_slice).collect());
                metrics::counter!("htx_appended_entries_total")
                    .increment(written.iter().map(Vec::len).sum::<usize>() as u64);
                if commands
                    .iter()
                    .any(|c| c.spec.aggregate == AggregateKind::Person)
                {
                    state.people.refresh().await?;
                }
                let text = serde_json::to_string(&body).unwrap_or_default();
                return Ok(with_content_type(StatusCode::OK, text, "application/json"));
            }
            Err(StoreError::Conflict { .. }) if attempt < programme::CONFLICT_RETRIES => {
                attempt += 1;
            }
            Err(StoreError::Conflict { aggregate, .. }) => {
                return Err(not_written::<StoreError>(
                    &aggregate,
                    AggregateError::AggregateConflict,
                ));
            }
            Err(error) => {
                return Err(not_written(
                    "batch",
                    store::to_aggregate_error::<StoreError>(error),
                ));
            }
        }
    }
}

fn answer(commands: &[(&'static CommandSpec, String)], written: Vec<&[Written]>) -> BatchAccepted {
    BatchAccepted {
        commands: commands
            .iter()
            .zip(written)
            .map(|((spec, id), written)| accepted(spec, id, written))
            .collect(),
    }
}

/// Decides every command of `commands` into a new batch, in order, each entry's metadata
/// carrying `ledger_key(index)` as its idempotency key; `decided(index)` after each.
///
/// # Errors
/// The first command refused, or not valid: the problem, naming its command
/// (`Problem::command`). The batch is dropped, nothing written.
pub async fn decide_all(
    programme: &programme::Programme,
    person: &Authenticated,
    request_id: &RequestId,
    commands: &[Resolved],
    ledger_key: impl Fn(usize) -> Option<String>,
    mut decided: impl FnMut(usize),
) -> Result<Batch, Problem> {
    let mut batch = programme.batch();
    for (index, command) in commands.iter().enumerate() {
        let key = ledger_key(index);
        let decide = DecideInto {
            batch: &mut batch,
            command,
            person,
            request_id,
            ledger_key: key.as_deref(),
        };
        programme
            .dispatch(command.spec.aggregate, decide)
            .await
            .map_err(|problem| problem.of_command(index))?;
        decided(index);
    }
    Ok(batch)
}

/// One command of the batch decided into it, on the commands of its route's aggregate type.
struct DecideInto<'a> {
    batch: &'a mut Batch,
    command: &'a Resolved,
    person: &'a Authenticated,
    request_id: &'a RequestId,
    ledger_key: Option<&'a str>,
}

impl OnAggregate for DecideInto<'_> {
    type Output = Result<(), Problem>;

    async fn on<A>(self, _kind: AggregateKind, commands: &Commands<A>) -> Self::Output
    where
        A: Declared,
        A::Command: Clone + Send + Sync,
    {
        let Resolved { spec, id, body } = self.command;
        let prepared = prepare::<A>(spec, self.person, id, body)?;
        let metadata = prepared.metadata(self.person, self.request_id, self.ledger_key);
        match self
            .batch
            .decide(commands, id, prepared.command, &metadata, None)
            .await
        {
            Ok(_) => Ok(()),
            Err(AggregateError::UserError(refusal)) => Err(refused(A::refusal(&refusal))),
            Err(error) => Err(not_written(id, error)),
        }
    }
}
