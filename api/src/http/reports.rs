//! `GET /api/v1/reports/{settlement,periodic,plan}`: a report computed at the latest signed
//! checkpoint (with `serve --policy`, the latest witnessed one, naming its cosigners), as a
//! file (docs/reports.md). The state at a checkpoint is kept by the service
//! ([`super::reads::LiveProjections::historical_set`]), so a second download replays nothing.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::on;
use serde_json::json;

use super::AppState;
use super::operation::{Doc, Operation, ReportKind, problem_response, query, required_query};
use super::problem::Problem;
use reports::{self, AnchorChoice, Format, Period, ReportError, Request, parse_year};

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn required<'a>(
    pairs: &'a [(String, String)],
    name: &str,
    forms: &str,
) -> Result<&'a str, Problem> {
    param(pairs, name).ok_or_else(|| Problem::malformed(format!("give {name}={forms}")))
}

/// The request the query names; nothing is read before it is valid.
fn request(kind: ReportKind, pairs: &[(String, String)]) -> Result<(Request, Format), Problem> {
    let bad = |e: ReportError| Problem::malformed(e.to_string());
    let format = Format::parse(required(pairs, "format", "xlsx|csv|json")?).map_err(bad)?;
    let request = match kind {
        ReportKind::Settlement => Request::Settlement {
            year: parse_year(required(pairs, "year", "YYYY")?).map_err(bad)?,
            unit: param(pairs, "unit").map(str::to_string),
        },
        ReportKind::Periodic => Request::Periodic {
            period: Period::parse(required(pairs, "period", "2018-H1|2018-H2|2018")?)
                .map_err(bad)?,
        },
        ReportKind::Plan => Request::Plan,
    };
    Ok((request, format))
}

pub async fn download(
    state: &AppState,
    kind: ReportKind,
    pairs: &[(String, String)],
) -> Result<Response, Problem> {
    let (request, format) = request(kind, pairs)?;
    // With a policy, the report is computed at the checkpoint the service publishes: the
    // latest its quorum of witnesses cosigned, and it names them.
    let (anchor, cosigners) = match &state.witnessing {
        Some(witnessing) => {
            let published = witnessing.published().ok_or_else(|| {
                Problem::not_found(ReportError::NoWitnessedCheckpoint.to_string())
            })?;
            let anchor = reports::Anchor {
                size: published.checkpoint.size,
                root: published.checkpoint.root,
            };
            (anchor, reports::cosigners(&published.witnessed))
        }
        None => {
            let anchor = reports::resolve(state.db(), &AnchorChoice::Latest)
                .await
                .map_err(|e| match e {
                    ReportError::NoCheckpoint => Problem::not_found(e.to_string()),
                    other => Problem::internal(format!("computing the report: {other}")),
                })?;
            (anchor, Vec::new())
        }
    };
    // The state at a checkpoint never changes: kept by the service between downloads.
    let set = match reports::filter(&request, anchor) {
        Some(filter) => state.live.historical_set(filter).await?,
        None => std::sync::Arc::new(projections::ProjectionSet::new()),
    };
    let mut built = reports::build::build(&request, anchor, &set);
    built.checkpoint.cosigned_by = cosigners;
    let bytes =
        reports::write::write(&built, format).map_err(|e| Problem::internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"{}\"", request.file_name(format));
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-checkpoint-size"),
                built.checkpoint.tree_size.to_string(),
            ),
            (
                header::HeaderName::from_static("x-checkpoint-root"),
                built.checkpoint.root.clone(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// What the OpenAPI document says of a report route: its query and the file it returns.
fn doc(kind: ReportKind) -> Doc {
    let mut doc = Doc::new(
        match kind {
            ReportKind::Settlement => "Settlement report (quyết toán)",
            ReportKind::Periodic => "Six-monthly or annual report on registration and operation",
            ReportKind::Plan => "Progress against the plan's targets",
        },
        "reports",
    )
    .parameter(required_query(
        "format",
        json!({"type": "string", "enum": ["xlsx", "csv", "json"]}),
        "The file format.",
    ));
    match kind {
        ReportKind::Settlement => {
            doc = doc
                .parameter(required_query(
                    "year",
                    json!({"type": "integer"}),
                    "The fiscal year.",
                ))
                .parameter(query(
                    "unit",
                    json!({"type": "string"}),
                    "Only this budget unit.",
                ));
        }
        ReportKind::Periodic => {
            doc = doc.parameter(required_query(
                "period",
                json!({"type": "string", "pattern": "^[0-9]{4}(-H[12])?$"}),
                "2018-H1, 2018-H2 or 2018.",
            ));
        }
        ReportKind::Plan => {}
    }
    let file = json!({"type": "string", "format": "binary"});
    doc.response(
        "200",
        json!({
            "description": "The report file, computed at the latest signed checkpoint (headers x-checkpoint-size, x-checkpoint-root)",
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": file},
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}}
            }
        }),
    )
    .response(
        "400",
        problem_response("A parameter is missing or malformed; nothing computed"),
    )
    .response("404", problem_response("No checkpoint signed yet"))
}

type Pairs = Query<Vec<(String, String)>>;

pub const SETTLEMENT: Operation = Operation {
    handler: |filter| {
        on(
            filter,
            |State(state): State<Arc<AppState>>, Query(pairs): Pairs| async move {
                download(&state, ReportKind::Settlement, &pairs).await
            },
        )
    },
    doc: || doc(ReportKind::Settlement),
};

pub const PERIODIC: Operation = Operation {
    handler: |filter| {
        on(
            filter,
            |State(state): State<Arc<AppState>>, Query(pairs): Pairs| async move {
                download(&state, ReportKind::Periodic, &pairs).await
            },
        )
    },
    doc: || doc(ReportKind::Periodic),
};

pub const PLAN: Operation = Operation {
    handler: |filter| {
        on(
            filter,
            |State(state): State<Arc<AppState>>, Query(pairs): Pairs| async move {
                download(&state, ReportKind::Plan, &pairs).await
            },
        )
    },
    doc: || doc(ReportKind::Plan),
};
