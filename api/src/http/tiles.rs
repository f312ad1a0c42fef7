//! The log served as C2SP tlog-tiles under `/tlog/`: `checkpoint`, `tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`, the same bytes `htx-ledger export --tiles` writes
//! (`store::tiles`). Tiles are immutable, so they are cached for a year; the checkpoint for a
//! few seconds. Every answer allows any origin (CORS), so that a browser can verify.
//! Level tiles and the checkpoint hold only hashes and are public; entry bundles hold the
//! entries, which name people, and need a role that may read entries.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use serde_json::json;
use tlog::tiles::{Tile, TileKind};

use super::AppState;
use super::operation::{Doc, Operation, path_param, problem_response, text_response};
use super::problem::Problem;

/// How long a client may keep a tile: it never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// How long a client may keep the checkpoint before asking again.
const FRESH: &str = "public, max-age=5";

fn answer(body: Vec<u8>, content_type: &'static str, cache: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn checkpoint_note(state: &AppState) -> Result<Response, Problem> {
    let latest = super::ledger::served_checkpoint(state).await?;
    Ok(answer(
        latest.note.into_bytes(),
        "text/plain; charset=utf-8",
        FRESH,
    ))
}

/// The tile a path names, if it names one of `kind`'s.
fn tile_of(path: &str, entries: bool) -> Result<Tile, Problem> {
    let tile = Tile::parse(path).map_err(|e| {
        Problem::not_found(format!(
            "{path} không phải là một ô (tile) của nhật ký / is not a log tile: {e}"
        ))
    })?;
    if matches!(tile.kind, TileKind::Entries) != entries {
        return Err(Problem::not_found(format!("{path} is not served here")));
    }
    Ok(tile)
}

async fn tile(state: &AppState, path: &str, entries: bool) -> Result<Response, Problem> {
    let tile = tile_of(path, entries)?;
    match store::tiles::tile_bytes(state.db(), tile).await {
        Ok(bytes) => Ok(answer(bytes, "application/octet-stream", IMMUTABLE)),
        Err(store::StoreError::NotInLog(detail)) => Err(Problem::not_found(format!(
            "nhật ký chưa có đủ mục cho ô này / the log does not hold this tile yet: {detail}"
        ))),
        Err(other) => Err(other.into()),
    }
}

fn tile_doc(summary: &'static str, what: &'static str) -> Doc {
    Doc::new(summary, "tiles")
        .parameter(path_param(
            "path",
            json!({"type": "string"}),
            "The rest of the C2SP tlog-tiles path: `<N>` in groups of three digits with `x` prefixes, then `.p/<W>` for a partial tile",
        ))
        .response("200", text_response(what, "application/octet-stream"))
        .response(
            "404",
            problem_response("Not a tile path, or the log does not hold the tile yet"),
        )
}

/// `GET /tlog/checkpoint`: the latest signed checkpoint, for tile clients.
pub const CHECKPOINT: Operation = Operation {
    handler: |filter| {
        on(filter, |State(state): State<Arc<AppState>>| async move {
            checkpoint_note(&state).await
        })
    },
    doc: || super::ledger::checkpoint_doc("The tile log's checkpoint", "tiles"),
};

/// `GET /tlog/tile/{level}/{*path}`: a tile of hashes.
pub const LEVEL_TILE: Operation = Operation {
    handler: |filter| {
        on(
            filter,
            |State(state): State<Arc<AppState>>, Path((level, rest)): Path<(String, String)>| async move {
                tile(&state, &format!("tile/{level}/{rest}"), false).await
            },
        )
    },
    doc: || {
        tile_doc(
            "A tile of hashes (C2SP tlog-tiles)",
            "The tile's hashes, 32 bytes each",
        )
        .parameter(path_param(
            "level",
            json!({"type": "integer", "minimum": 0, "maximum": 63}),
            "The tile's level: 0 holds leaf hashes",
        ))
    },
};

/// `GET /tlog/tile/entries/{*path}`: an entry bundle.
/// The route of the entry bundles: the one tile route that needs a role (unless
/// `serve --public-entries`).
pub const ENTRY_BUNDLE_PATH: &str = "/tlog/tile/entries/{*path}";

pub const ENTRY_BUNDLE: Operation = Operation {
    handler: |filter| {
        on(
            filter,
            |State(state): State<Arc<AppState>>, Path(rest): Path<String>| async move {
                tile(&state, &format!("tile/entries/{rest}"), true).await
            },
        )
    },
    doc: || {
        tile_doc(
            "An entry bundle (C2SP tlog-tiles)",
            "The entries, each behind its big-endian 16-bit length",
        )
    },
};
