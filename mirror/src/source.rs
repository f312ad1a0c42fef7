//! Where the tiles come from: a C2SP tlog-tiles prefix over HTTP, the service's
//! `http://host/tlog/` or any static server of `export --tiles`. Entry bundles are asked for
//! with the bearer token (the service's need a role that reads entries; a static server
//! ignores it). A partial tile that is gone is fetched as the full tile, as the spec allows.

use std::time::Duration;

use reqwest::StatusCode;
use tlog::tiles::{Tile, TileKind, WIDTH};

use crate::error::MirrorError;

/// The tile log being mirrored.
#[derive(Clone)]
pub struct Source {
    client: reqwest::Client,
    prefix: String,
    token: Option<String>,
}

impl Source {
    /// The log at `url`, a tile prefix (a missing final `/` is added).
    ///
    /// # Errors
    /// [`MirrorError::BadUrl`] when the address is not `http://` or `https://`.
    pub fn new(url: &str, token: Option<String>) -> Result<Source, MirrorError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(MirrorError::BadUrl(url.to_owned()));
        }
        let mut prefix = url.to_owned();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("htx-ledger-mirror/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MirrorError::Unreachable {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Source {
            client,
            prefix,
            token: token.filter(|t| !t.is_empty()),
        })
    }

    /// The tile prefix, ending with `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `path`'s bytes; `Ok(None)` for a 404.
    async fn get(&self, path: &str, with_token: bool) -> Result<Option<Vec<u8>>, MirrorError> {
        let url = format!("{}{path}", self.prefix);
        let mut request = self.client.get(&url);
        if with_token && let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let unreachable = |e: reqwest::Error| MirrorError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        match status {
            StatusCode::OK => Ok(Some(response.bytes().await.map_err(unreachable)?.to_vec())),
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(MirrorError::Unauthorized {
                url,
                status: status.as_u16(),
            }),
            other => Err(MirrorError::Http {
                url,
                status: other.as_u16(),
            }),
        }
    }

    /// The latest checkpoint's signed note, as text.
    ///
    /// # Errors
    /// The HTTP failure, or [`MirrorError::BadCheckpoint`] for a body that is not UTF-8.
    pub async fn checkpoint(&self) -> Result<String, MirrorError> {
        let bytes = self
            .get("checkpoint", false)
            .await?
            .ok_or_else(|| MirrorError::Http {
                url: format!("{}checkpoint", self.prefix),
                status: 404,
            })?;
        String::from_utf8(bytes).map_err(|e| MirrorError::BadCheckpoint(e.to_string()))
    }

    /// A tile's bytes. A partial tile that is not served any more is read from the full tile
    /// of the same index, cut to the partial tile's width.
    ///
    /// # Errors
    /// The HTTP failure (a 404 when neither is served).
    pub async fn tile(&self, tile: Tile) -> Result<Vec<u8>, MirrorError> {
        let with_token = matches!(tile.kind, TileKind::Entries);
        if let Some(bytes) = self.get(&tile.path(), with_token).await? {
            return Ok(bytes);
        }
        let not_found = || MirrorError::Http {
            url: format!("{}{}", self.prefix, tile.path()),
            status: 404,
        };
        if tile.is_full() {
            return Err(not_found());
        }
        let full = Tile::full(tile.kind, tile.index);
        let bytes = self
            .get(&full.path(), with_token)
            .await?
            .ok_or_else(not_found)?;
        Ok(cut(tile, bytes))
    }
}

/// The first `tile.width` hashes (or entries) of the full tile's bytes.
fn cut(tile: Tile, bytes: Vec<u8>) -> Vec<u8> {
    let width = usize::from(tile.width);
    match tile.kind {
        TileKind::Level(_) => {
            let mut bytes = bytes;
            bytes.truncate(width * 32);
            bytes
        }
        TileKind::Entries => {
            let mut at = 0usize;
            for _ in 0..width.min(WIDTH as usize) {
                let Some(length) = bytes.get(at..at + 2) else {
                    break;
                };
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
            let mut bytes = bytes;
            bytes.truncate(at);
            bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::tiles::{decode_bundle, encode_bundle};

    #[test]
    fn a_full_tile_is_cut_to_a_partial_width() {
        let entries: Vec<Vec<u8>> = (0..256u32).map(|i| vec![b'e'; i as usize % 7]).collect();
        let full = encode_bundle(entries.iter().map(Vec::as_slice)).unwrap();
        let partial = Tile {
            kind: TileKind::Entries,
            index: 3,
            width: 10,
        };
        let cut = cut(partial, full);
        let decoded = decode_bundle(&cut).unwrap();
        assert_eq!(decoded.len(), 10);
        assert_eq!(decoded[9], entries[9].as_slice());
        let level = Tile {
            kind: TileKind::Level(0),
            index: 0,
            width: 3,
        };
        assert_eq!(super::cut(level, vec![1; 32 * 256]).len(), 96);
    }

    #[test]
    fn a_prefix_must_be_http() {
        assert!(matches!(
            Source::new("ftp://example.org/", None),
            Err(MirrorError::BadUrl(_))
        ));
        let source = Source::new("http://127.0.0.1:1/tlog", None).unwrap();
        assert_eq!(source.prefix(), "http://127.0.0.1:1/tlog/");
    }
}
