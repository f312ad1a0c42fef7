//! `GET /api/v1/reports/{settlement,periodic,plan}`: a report computed at the latest signed
//! checkpoint, as a file (docs/reports.md). The state at a checkpoint is kept by the service
//! ([`super::reads::LiveProjections::historical_set`]), so a second download replays nothing.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::problem::Problem;
use super::routes::ReportKind;
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
    let anchor = reports::resolve(state.db(), &AnchorChoice::Latest)
        .await
        .map_err(|e| match e {
            ReportError::NoCheckpoint => Problem::not_found(e.to_string()),
            other => Problem::internal(format!("computing the report: {other}")),
        })?;
    // The state at a checkpoint never changes: kept by the service between downloads.
    let set = match reports::filter(&request, anchor) {
        Some(filter) => state.live.historical_set(filter).await?,
        None => std::sync::Arc::new(projections::ProjectionSet::new()),
    };
    let built = reports::build::build(&request, anchor, &set);
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
