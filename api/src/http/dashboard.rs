//! The dashboard (issue 8): a static single-page app for a person in a browser, embedded in
//! the binary and served at `/` and `/assets/{file}`. It reads only the JSON API, with the
//! bearer token the person signs in with (docs/dashboard.md). Every file is public: the data
//! is not; nothing is fetched from elsewhere (the Content-Security-Policy allows only the
//! service itself).

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::operation::{Doc, Operation, path_param, problem_response, text_response};
use super::problem::Problem;

/// Only the service itself: no CDN, no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!("dashboard/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the dashboard.
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("i18n.js", JS),
    asset!("format.js", JS),
    asset!("charts.js", JS),
    asset!("views.js", JS),
    asset!("favicon.svg", "image/svg+xml"),
];

/// The names of the files served under `/assets/`.
pub fn files() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|a| a.name).filter(|n| *n != "index.html")
}

/// Each file's strong ETag: the first 128 bits of its SHA-256, computed once.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{}\"", hex::encode(&Sha256::digest(a.bytes)[..16])))
            .collect()
    })
}

/// Serves `name` with its type, a strong ETag (304 when the browser has it: files change
/// only with the binary, so the browser revalidates rather than guessing an age), and the
/// security headers.
///
/// # Errors
/// 404 for a file the dashboard does not have.
pub fn asset(name: &str, request: &HeaderMap) -> Result<Response, Problem> {
    let (index, asset) = ASSETS
        .iter()
        .enumerate()
        .find(|(_, a)| a.name == name)
        .ok_or_else(|| Problem::not_found(format!("the dashboard has no file {name}")))?;
    let etag = &etags()[index];
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, asset.bytes).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// The dashboard's page and its files, each with what the OpenAPI document says of it.
pub const PAGE: Operation = Operation {
    handler: |filter| {
        axum::routing::on(filter, |headers: HeaderMap| async move {
            asset("index.html", &headers)
        })
    },
    doc: || {
        Doc::new("Dashboard", "dashboard").response(
            "200",
            text_response("The dashboard (docs/dashboard.md)", "text/html"),
        )
    },
};

pub const ASSET: Operation = Operation {
    handler: |filter| {
        axum::routing::on(
            filter,
            |axum::extract::Path(file): axum::extract::Path<String>, headers: HeaderMap| async move {
                asset(&file, &headers)
            },
        )
    },
    doc: || {
        Doc::new("Dashboard file", "dashboard")
            .parameter(path_param(
                "file",
                serde_json::json!({"type": "string", "enum": files().collect::<Vec<_>>()}),
                "One of the dashboard's files.",
            ))
            .response(
                "200",
                text_response("The file (script, style or image)", "text/javascript"),
            )
            .response("404", problem_response("No such file"))
    },
};
