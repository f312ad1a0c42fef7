//! Operations: liveness, readiness, Prometheus metrics, request ids and structured request
//! logs, and the guarantee that every error leaves as `application/problem+json`.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;

use super::operation::{Doc, Operation, json_response, schema_ref, text_response};
use super::problem::{PROBLEM_JSON, Problem};
use super::{AppState, RequestId};

/// The request id header, set on every response.
pub const REQUEST_ID: &str = "x-request-id";

/// The process's Prometheus recorder, installed once.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ])
                .expect("the buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            handle
        })
        .clone()
}

/// Gives each request an id (a UUIDv7, or the caller's `x-request-id` when it is a short
/// visible ASCII string), logs it with method, route, status and latency, counts it, and
/// turns any error response that is not yet problem+json (a rejected path or query, an
/// unknown method) into one.
pub async fn around_every_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 100 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let path = request.uri().path().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let response = next.run(request).await;
    let response = problem_everywhere(response, &id).await;
    let status = response.status();
    let elapsed = started.elapsed();
    metrics::counter!(
        "htx_http_requests_total",
        "method" => method.to_string(),
        "route" => route.clone(),
        "status" => status.as_u16().to_string()
    )
    .increment(1);
    metrics::histogram!(
        "htx_http_request_duration_seconds",
        "method" => method.to_string(),
        "route" => route.clone()
    )
    .record(elapsed.as_secs_f64());
    tracing::info!(
        target: "htx_ledger::http",
        request_id = %id,
        %method,
        %route,
        %path,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    let mut response = response;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Marks an error response that is meant as it is, not as a problem report (`/readyz`'s
/// 503, whose body says what is not ready).
#[derive(Debug, Clone, Copy)]
pub struct NotAProblem;

async fn problem_everywhere(response: Response, request_id: &str) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<NotAProblem>().is_some()
    {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if is_problem {
        // Add the request id as the problem's instance.
        if let Ok(mut problem) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(object) = problem.as_object_mut()
        {
            object.insert(
                "instance".to_string(),
                serde_json::Value::String(format!("urn:uuid:{request_id}")),
            );
            let body = serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec());
            let mut response = Response::from_parts(parts, axum::body::Body::from(body));
            response.headers_mut().remove(header::CONTENT_LENGTH);
            return response;
        }
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    let detail = String::from_utf8_lossy(&bytes).trim().to_string();
    let mut problem = match status {
        StatusCode::NOT_FOUND => Problem::not_found("no such route / không có đường dẫn này"),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            "method-not-allowed",
            "Phương thức không được phép / Method not allowed",
            "this route does not take that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Problem::too_large(super::MAX_BODY_BYTES),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
            status,
            "unsupported-media-type",
            "Kiểu nội dung không hỗ trợ / Unsupported media type",
            detail,
        ),
        status if status.is_client_error() => Problem::malformed(if detail.is_empty() {
            status.to_string()
        } else {
            detail
        }),
        _ => Problem::internal("the service failed; the request id is in its log"),
    };
    problem.status = status.as_u16();
    problem.instance = Some(format!("urn:uuid:{request_id}").into_boxed_str());
    let mut response = problem.into_response();
    for (name, value) in &parts.headers {
        if name == header::ALLOW {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// What `/readyz` reports.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub database: bool,
    /// Entries in the log.
    pub log_size: Option<u64>,
    /// Entries the live projections hold.
    pub projected: u64,
    /// How far the projections are behind the log, in entries.
    pub projector_lag: Option<u64>,
    /// The most lag at which the service says it is ready.
    pub max_lag: u64,
    /// With a policy (`serve --policy`): the alarms the witnesses hold; any makes the
    /// service not ready.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witness_alarms: Vec<super::witnesses::WitnessAlarm>,
}

/// `GET /readyz`: the database answers, the projector is less than `max_lag` entries behind
/// the log, and no witness holds an alarm. 200 when ready, 503 otherwise, with the figures
/// either way (and each alarm: the witness and why).
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let head = store::read_head(state.db()).await.ok().map(|h| h.size);
    let projected = state.live.position();
    let lag = head.map(|h| h.saturating_sub(projected));
    if let Some(lag) = lag {
        metrics::gauge!("htx_projector_lag_entries").set(lag as f64);
    }
    let witness_alarms = super::witnesses::alarms(&state);
    let ready = lag.is_some_and(|l| l <= state.max_lag) && witness_alarms.is_empty();
    let body = Readiness {
        ready,
        database: head.is_some(),
        log_size: head,
        projected,
        projector_lag: lag,
        max_lag: state.max_lag,
        witness_alarms,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut response = (status, axum::Json(body)).into_response();
    if !ready {
        // A readiness failure is not a problem report; keep it plain JSON.
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response.extensions_mut().insert(NotAProblem);
    }
    response
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    if let Ok(head) = store::read_head(state.db()).await {
        metrics::gauge!("htx_log_size_entries").set(head.size as f64);
        metrics::gauge!("htx_projector_lag_entries")
            .set(head.size.saturating_sub(state.live.position()) as f64);
    }
    metrics::gauge!("htx_projector_position").set(state.live.position() as f64);
    if let Ok(Some(latest)) = store::checkpoint::latest(state.db()).await {
        metrics::gauge!("htx_checkpoint_size").set(latest.size as f64);
        metrics::gauge!("htx_checkpoint_signed_at_seconds")
            .set(latest.signed_at.timestamp() as f64);
    }
    let mut response = (StatusCode::OK, state.metrics.render()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Health, readiness and metrics, each with what the OpenAPI document says of it.
pub const HEALTHZ: Operation = Operation {
    handler: |filter| axum::routing::on(filter, healthz),
    doc: || {
        Doc::new("Liveness", "operations")
            .response("200", text_response("The process answers", "text/plain"))
    },
};

pub const READYZ: Operation = Operation {
    handler: |filter| axum::routing::on(filter, readyz),
    doc: || {
        Doc::new("Readiness", "operations")
            .response("200", json_response("Ready", schema_ref("Readiness")))
            .response(
                "503",
                json_response(
                    "Not ready: the database does not answer, the projector lags, or a witness holds an alarm",
                    schema_ref("Readiness"),
                ),
            )
    },
};

pub const METRICS: Operation = Operation {
    handler: |filter| axum::routing::on(filter, metrics),
    doc: || {
        Doc::new("Metrics", "operations")
            .response("200", text_response("Prometheus text format", "text/plain"))
    },
};
