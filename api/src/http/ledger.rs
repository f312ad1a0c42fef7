//! The ledger's own routes: the latest signed checkpoint, entries as exported, inclusion and
//! consistency proofs, signing a checkpoint, and a full verification.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use store::checkpoint::{self, CheckpointError};
use store::verify::{DuplicateCode, Finding, verify_ledger};
use store::{StoredCheckpoint, SystemClock, tree};
use tlog::proof_file::ProofFile;

use super::problem::Problem;
use super::{AppState, with_content_type};

/// The most entries one `entries` request returns.
pub const MAX_ENTRIES: u64 = 10_000;

const PLAIN: &str = "text/plain; charset=utf-8";

/// The checkpoint the service publishes: the latest signed one; with a policy, the latest
/// one its quorum cosigned, its note carrying the cosignatures.
///
/// # Errors
/// 404 when there is none yet.
pub async fn served_checkpoint(state: &AppState) -> Result<StoredCheckpoint, Problem> {
    match &state.witnessing {
        Some(witnessing) => witnessing
            .published()
            .map(|published| published.checkpoint)
            .ok_or_else(|| {
                Problem::not_found(
                    "no checkpoint has been cosigned by the policy's quorum of witnesses yet / chưa có điểm kiểm tra nào được đủ số nhân chứng ký xác nhận",
                )
            }),
        None => checkpoint::latest(state.db()).await?.ok_or_else(|| {
            Problem::not_found(
                "no checkpoint has been signed yet / chưa có điểm kiểm tra nào được ký",
            )
        }),
    }
}

/// The checkpoint of `size` entries as the service publishes it: with a policy, only when
/// its quorum cosigned it (with the cosignatures).
async fn served_at_size(state: &AppState, size: u64) -> Result<StoredCheckpoint, Problem> {
    let not_signed = || Problem::not_found(format!("no checkpoint was signed at tree size {size}"));
    let Some(witnessing) = &state.witnessing else {
        return checkpoint::at_size(state.db(), size)
            .await?
            .ok_or_else(not_signed);
    };
    match store::witnessed::at_size(state.db(), witnessing.policy(), size).await? {
        None => Err(not_signed()),
        Some(Ok(witnessed)) => Ok(witnessed.checkpoint),
        Some(Err(refusal)) => Err(Problem::new(
            StatusCode::CONFLICT,
            "checkpoint-not-witnessed",
            "Điểm kiểm tra chưa được nhân chứng xác nhận / Checkpoint not witnessed",
            format!(
                "điểm kiểm tra {size} chưa được đủ số nhân chứng ký xác nhận nên không được công bố / the checkpoint of tree size {size} is not published: {refusal}; ask without `size` for the latest witnessed one"
            ),
        )),
    }
}

/// `GET /api/v1/ledger/checkpoint`: the latest published note.
pub async fn latest_checkpoint(state: &AppState) -> Result<Response, Problem> {
    let latest = served_checkpoint(state).await?;
    Ok(with_content_type(StatusCode::OK, latest.note, PLAIN))
}

/// `POST /api/v1/ledger/checkpoint`: signs a checkpoint of the whole log now.
pub async fn sign_checkpoint(state: &AppState) -> Result<Response, Problem> {
    let keys = state.keys.as_ref().ok_or_else(|| {
        Problem::unavailable(
            "the service has no signing key: start it with --key-dir (htx-ledger key generate)",
        )
    })?;
    match checkpoint::create(state.db(), keys, &SystemClock).await {
        Ok(signed) => {
            metrics::gauge!("htx_checkpoint_size").set(signed.checkpoint.size as f64);
            let status = if signed.new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(with_content_type(status, signed.checkpoint.note, PLAIN))
        }
        Err(CheckpointError::Store(error)) => Err(error.into()),
        Err(error @ (CheckpointError::NoSigningKey | CheckpointError::Signing(_))) => {
            Err(Problem::unavailable(error.to_string()))
        }
        Err(refusal) => {
            tracing::error!(%refusal, "checkpoint refused: the log or its tree was altered");
            Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "log-altered",
                "Sổ cái đã bị thay đổi / The log was altered",
                format!("refused, nothing signed: {refusal}"),
            ))
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The first position (default 0).
    pub from: Option<u64>,
    /// How many entries (default 1000, at most 10000).
    pub limit: Option<u64>,
}

/// `GET /api/v1/ledger/entries`: entries as JSON lines, byte for byte as stored (and as
/// `htx-ledger export` writes them): each line is an entry's canonical bytes.
pub async fn entries(state: &AppState, query: EntriesQuery) -> Result<Response, Problem> {
    let from = query.from.unwrap_or(0);
    let limit = query.limit.unwrap_or(1_000);
    if limit == 0 || limit > MAX_ENTRIES {
        return Err(Problem::malformed(format!(
            "`limit` is between 1 and {MAX_ENTRIES}"
        )));
    }
    let head = store::read_head(state.db()).await?.size;
    if from > head {
        return Err(Problem::not_found(format!(
            "the log has {head} entries; `from` {from} is beyond it"
        )));
    }
    let mut rows = store::stream_log(state.db(), from);
    let mut body = Vec::new();
    let mut count = 0;
    while count < limit {
        let Some(row) = rows.try_next().await? else {
            break;
        };
        body.extend_from_slice(&row.bytes);
        body.push(b'\n');
        count += 1;
    }
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jsonl"),
    );
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    /// The tree size of a stored checkpoint; the latest by default.
    pub size: Option<u64>,
}

/// `GET /api/v1/ledger/proof/{position}`: a C2SP tlog-proof that the entry is in a signed
/// checkpoint. Check it offline with `htx-ledger verify-proof` and the entry's bytes (from
/// `entries?from={position}&limit=1`, without the line's newline).
pub async fn proof(
    state: &AppState,
    position: u64,
    query: ProofQuery,
) -> Result<Response, Problem> {
    let db = state.db();
    let signed = match query.size {
        Some(size) => served_at_size(state, size).await?,
        None => served_checkpoint(state).await?,
    };
    if position >= signed.size {
        return Err(Problem::not_found(format!(
            "entry {position} is not in the checkpoint of {} entries; a newer checkpoint must be signed first",
            signed.size
        )));
    }
    let hashes = tree::inclusion_proof(db, position, signed.size).await?;
    let file = ProofFile {
        index: position,
        extra: None,
        proof: hashes,
        checkpoint_note: signed.note,
    };
    let mut response = with_content_type(StatusCode::OK, file.to_text(), PLAIN);
    let disposition = format!("attachment; filename=\"entry-{position}.tlog-proof\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The smaller tree size.
    pub from: u64,
    /// The larger tree size.
    pub to: u64,
}

/// An RFC 9162 consistency proof between two tree sizes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// The proof's hashes, base64, in RFC 9162 order.
    pub hashes: Vec<String>,
}

/// `GET /api/v1/ledger/consistency?from=A&to=B`.
pub async fn consistency(state: &AppState, query: ConsistencyQuery) -> Result<Response, Problem> {
    if query.from > query.to {
        return Err(Problem::malformed("`from` is at most `to`"));
    }
    let hashes = tree::consistency_proof(state.db(), query.from, query.to).await?;
    let proof = ConsistencyProof {
        from: query.from,
        to: query.to,
        hashes: hashes.iter().map(|h| h.to_base64()).collect(),
    };
    Ok(axum::Json(proof).into_response())
}

/// The result of a full verification.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verification {
    /// Whether the log, its tree and its checkpoints are intact.
    pub intact: bool,
    /// When it ran (UTC).
    pub checked_at: chrono::DateTime<chrono::Utc>,
    /// Entries checked.
    pub size: u64,
    /// The last entry's leaf hash (hex), when intact.
    pub head: Option<String>,
    pub checkpoints_checked: usize,
    /// Whether checkpoint signatures were checked (the service has the verifier keys).
    pub signatures_checked: bool,
    /// The latest checkpoint's size and root (base64).
    pub latest_checkpoint_size: Option<u64>,
    pub latest_checkpoint_root: Option<String>,
    /// What was found wrong: its kind (for scripts) and a sentence.
    pub finding_kind: Option<String>,
    pub finding: Option<String>,
    /// Data warnings beside an intact chain (they do not make it altered): every cooperative
    /// code registered by more than one entry (rule REG-01). Empty when none, or when the
    /// chain is not intact.
    #[serde(default)]
    pub warnings: Vec<VerificationWarning>,
}

/// A data warning of a verification: what the entries say, not a broken chain.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerificationWarning {
    /// `duplicate-registration`.
    pub kind: String,
    /// The rule: `REG-01`.
    pub rule: String,
    /// The cooperative code registered more than once.
    pub code: String,
    /// The positions of every entry that registered it, in order.
    pub positions: Vec<u64>,
    /// The aggregate of each of those entries, in the same order.
    pub aggregate_ids: Vec<String>,
    /// The warning, Vietnamese / English, with the rule's name and legal basis.
    pub message: String,
}

impl VerificationWarning {
    fn duplicate(found: &DuplicateCode) -> VerificationWarning {
        VerificationWarning {
            kind: "duplicate-registration".into(),
            rule: DuplicateCode::RULE.as_str().into(),
            code: found.code.clone(),
            positions: found.positions(),
            aggregate_ids: found.registrations.iter().map(|(_, a)| a.clone()).collect(),
            message: found.warning(),
        }
    }
}

/// `GET /api/v1/ledger/verify`: re-reads and re-hashes the whole log, recomputes every
/// checkpoint's root and checks its signature. 200 either way; `intact` says.
pub async fn verify(state: &Arc<AppState>) -> Result<Response, Problem> {
    let db = state.db();
    let size = store::read_head(db).await?.size;
    let keys = state.keys.as_ref().map(|k| k.verifiers());
    let result = verify_ledger(db, keys, None, |_| {}).await?;
    let checked_at = chrono::Utc::now();
    let verification = match result {
        Ok(report) => Verification {
            intact: true,
            checked_at,
            size: report.chain.size,
            head: Some(report.chain.head.to_string()),
            checkpoints_checked: report.checkpoints_checked,
            signatures_checked: report.signatures_checked,
            latest_checkpoint_size: report.latest_checkpoint.map(|(s, _)| s),
            latest_checkpoint_root: report.latest_checkpoint.map(|(_, r)| r.to_base64()),
            finding_kind: None,
            finding: None,
            warnings: report
                .duplicate_codes
                .iter()
                .map(VerificationWarning::duplicate)
                .collect(),
        },
        Err(found) => Verification {
            intact: false,
            checked_at,
            size,
            head: None,
            checkpoints_checked: 0,
            signatures_checked: keys.is_some(),
            latest_checkpoint_size: None,
            latest_checkpoint_root: None,
            finding_kind: Some(found.kind().to_string()),
            finding: Some(describe(&found)),
            warnings: Vec::new(),
        },
    };
    metrics::gauge!("htx_last_verification_intact").set(if verification.intact {
        1.0
    } else {
        0.0
    });
    *state
        .last_verification
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(verification.clone());
    Ok(axum::Json(verification).into_response())
}

fn describe(found: &Finding) -> String {
    match found {
        Finding::Chain(error) => {
            format!("altered at position {}: {}", error.position, error.problem)
        }
        other => other.to_string(),
    }
}

/// `GET /api/v1/ledger/verification`: the result of the last `verify` this service ran.
pub fn last_verification(state: &AppState) -> Result<Response, Problem> {
    let last = state
        .last_verification
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let verification = last.ok_or_else(|| {
        Problem::not_found(
            "no verification has run since the service started / chưa có lần kiểm tra nào",
        )
    })?;
    Ok(axum::Json(verification).into_response())
}

/// One entry of an aggregate's history, as the dashboard shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub position: u64,
    pub sequence: u64,
    pub event_type: String,
    /// The legal date (Asia/Ho_Chi_Minh).
    pub effective_date: String,
    /// Ledger time (UTC).
    pub recorded_at: String,
    /// Who recorded it: `{user_id, role, agency}`.
    #[schema(value_type = Object)]
    pub actor: serde_json::Value,
    pub legal_basis: Vec<String>,
    pub documents: Vec<String>,
    /// The event's fields.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// A cooperative's whole history, from the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct History {
    pub code: String,
    pub entries: Vec<HistoryEntry>,
}

fn history_entry(bytes: &[u8]) -> Result<HistoryEntry, Problem> {
    let entry: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Problem::from(store::StoreError::Corrupt(format!("an entry: {e}"))))?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let event_type = text(&entry["event_type"]);
    let metadata = &entry["metadata"];
    // The payload is the event tagged by its type: `{"Registered": {…}}`.
    let payload = match entry["payload"].get(&event_type) {
        Some(fields) => fields.clone(),
        None => entry["payload"].clone(),
    };
    Ok(HistoryEntry {
        position: entry["position"].as_u64().unwrap_or_default(),
        sequence: entry["sequence"].as_u64().unwrap_or_default(),
        effective_date: text(&metadata["effective_date"]),
        recorded_at: text(&entry["recorded_at"]),
        actor: metadata["actor"].clone(),
        legal_basis: strings(&metadata["legal_basis"]),
        documents: strings(&metadata["documents"]),
        payload,
        event_type,
    })
}

/// `GET /api/v1/cooperatives/{code}/history`: every entry of the cooperative, in sequence
/// order, read from the log (not from a projection).
pub async fn cooperative_history(state: &AppState, code: String) -> Result<Response, Problem> {
    let rows = store::collect_entries(
        state.db(),
        store::LogFilter::of_aggregate("cooperative", &code, 0),
    )
    .await?;
    if rows.is_empty() {
        return Err(Problem::not_found(format!(
            "no cooperative {code} in the log / không có HTX {code}"
        )));
    }
    let entries = rows
        .iter()
        .map(|(_, bytes)| history_entry(bytes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(History { code, entries }).into_response())
}

/// The routes of the ledger: each handler with what the OpenAPI document says of it.
mod operations {
    use std::sync::Arc;

    use axum::extract::{Path, Query, State};
    use axum::routing::on;
    use serde_json::json;

    use super::super::AppState;
    use super::super::operation::{
        Doc, Operation, json_response, path_param, problem_response, query, schema_ref,
        text_response,
    };

    /// What the routes serving the latest checkpoint answer.
    pub fn checkpoint_doc(summary: &str, tag: &str) -> Doc {
        Doc::new(summary, tag)
            .response(
                "200",
                text_response(
                    "The latest signed checkpoint (C2SP signed note)",
                    "text/plain",
                ),
            )
            .response("404", problem_response("No checkpoint signed yet"))
    }

    pub const LATEST_CHECKPOINT: Operation = Operation {
        handler: |filter| {
            on(filter, |State(state): State<Arc<AppState>>| async move {
                super::latest_checkpoint(&state).await
            })
        },
        doc: || checkpoint_doc("Latest checkpoint", "ledger"),
    };

    pub const SIGN_CHECKPOINT: Operation = Operation {
        handler: |filter| {
            on(filter, |State(state): State<Arc<AppState>>| async move {
                super::sign_checkpoint(&state).await
            })
        },
        doc: || {
            Doc::new("Sign a checkpoint", "ledger")
                .response(
                    "201",
                    text_response("Signed a new checkpoint", "text/plain"),
                )
                .response(
                    "200",
                    text_response("The log has not grown: the latest checkpoint", "text/plain"),
                )
                .response("503", problem_response("The service has no signing key"))
        },
    };

    pub const ENTRIES: Operation = Operation {
        handler: |filter| {
            on(
                filter,
                |State(state): State<Arc<AppState>>, Query(query): Query<super::EntriesQuery>| async move {
                    super::entries(&state, query).await
                },
            )
        },
        doc: || {
            Doc::new("Entries", "ledger")
                .parameter(query(
                    "from",
                    json!({"type": "integer", "minimum": 0}),
                    "The first position (default 0).",
                ))
                .parameter(query(
                    "limit",
                    json!({"type": "integer", "minimum": 1, "maximum": super::MAX_ENTRIES}),
                    "How many (default 1000).",
                ))
                .response(
                    "200",
                    text_response(
                        "Entries as JSON lines, byte for byte as stored",
                        "application/jsonl",
                    ),
                )
        },
    };

    pub const PROOF: Operation = Operation {
        handler: |filter| {
            on(
                filter,
                |State(state): State<Arc<AppState>>,
                 Path(position): Path<u64>,
                 Query(query): Query<super::ProofQuery>| async move {
                    super::proof(&state, position, query).await
                },
            )
        },
        doc: || {
            Doc::new("Inclusion proof", "ledger")
                .parameter(path_param(
                    "position",
                    json!({"type": "integer", "minimum": 0}),
                    "The entry's position.",
                ))
                .parameter(query(
                    "size",
                    json!({"type": "integer", "minimum": 1}),
                    "A stored checkpoint's tree size (default: the latest).",
                ))
                .response(
                    "200",
                    text_response(
                        "A C2SP tlog-proof; verify with `htx-ledger verify-proof`",
                        "text/plain",
                    ),
                )
        },
    };

    pub const CONSISTENCY: Operation = Operation {
        handler: |filter| {
            on(
                filter,
                |State(state): State<Arc<AppState>>,
                 Query(query): Query<super::ConsistencyQuery>| async move {
                    super::consistency(&state, query).await
                },
            )
        },
        doc: || {
            Doc::new("Consistency proof", "ledger")
                .parameter(json!({"name": "from", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}}))
                .parameter(json!({"name": "to", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}}))
                .response(
                    "200",
                    json_response("RFC 9162 consistency proof", schema_ref("ConsistencyProof")),
                )
        },
    };

    pub const VERIFY: Operation = Operation {
        handler: |filter| {
            on(filter, |State(state): State<Arc<AppState>>| async move {
                super::verify(&state).await
            })
        },
        doc: || {
            Doc::new("Verify the log", "ledger").response(
                "200",
                json_response(
                    "The verification's result (intact or not)",
                    schema_ref("Verification"),
                ),
            )
        },
    };

    pub const LAST_VERIFICATION: Operation = Operation {
        handler: |filter| {
            on(filter, |State(state): State<Arc<AppState>>| async move {
                super::last_verification(&state)
            })
        },
        doc: || {
            Doc::new("Last verification", "ledger")
                .response(
                    "200",
                    json_response(
                        "The last verification the service ran (GET /api/v1/ledger/verify)",
                        schema_ref("Verification"),
                    ),
                )
                .response("404", problem_response("None has run yet"))
        },
    };

    pub const COOPERATIVE_HISTORY: Operation = Operation {
        handler: |filter| {
            on(
                filter,
                |State(state): State<Arc<AppState>>, Path(code): Path<String>| async move {
                    super::cooperative_history(&state, code).await
                },
            )
        },
        doc: || {
            let entry = json!({"type": "object", "properties": {
                "position": {"type": "integer"}, "sequence": {"type": "integer"},
                "event_type": {"type": "string"}, "effective_date": {"type": "string", "format": "date"},
                "recorded_at": {"type": "string"}, "actor": {"type": "object"},
                "legal_basis": {"type": "array", "items": {"type": "string"}},
                "documents": {"type": "array", "items": {"type": "string"}},
                "payload": {"type": "object"}}});
            let history = json!({"type": "object", "properties": {
                "code": {"type": "string"}, "entries": {"type": "array", "items": entry}}});
            Doc::new("A cooperative's history", "registry")
                .parameter(path_param(
                    "id",
                    json!({"type": "string"}),
                    "The cooperative's code (mã HTX).",
                ))
                .response(
                    "200",
                    json_response("Every entry of the cooperative, in sequence order", history),
                )
                .response("404", problem_response("No such cooperative"))
        },
    };
}

pub use operations::{
    CONSISTENCY, COOPERATIVE_HISTORY, ENTRIES, LAST_VERIFICATION, LATEST_CHECKPOINT, PROOF,
    SIGN_CHECKPOINT, VERIFY, checkpoint_doc,
};
