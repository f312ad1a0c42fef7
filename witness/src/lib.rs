//! A C2SP tlog-witness, what Sở Tài chính, Kho bạc Nhà nước or Kiểm toán Nhà nước run so
//! that nobody has to trust the ledger's operator: it cosigns a log's checkpoint (C2SP
//! tlog-cosignature, Ed25519, key type 0x04) only if the checkpoint is signed by the log and
//! extends, by a consistency proof, the last checkpoint it cosigned for that log. It is
//! configured with the logs it witnesses (origin and verifier key), keeps its state in its own
//! database (an SQLite file by default, or PostgreSQL), persists before answering with one
//! compare-and-store, and keeps the evidence of every refused checkpoint that the log had
//! validly signed: a rewrite or a split view, proved by the log's own signature.
//!
//! - `POST <prefix>/add-checkpoint`: the spec's body and status codes (`tlog::witness` decides);
//! - `GET <prefix>/<hex SHA-256 of the origin>/checkpoint`: the latest cosigned checkpoint,
//!   with the log's signature and the witness's cosignature, for monitors.
//!
//! `htx-ledger witness serve` runs it; `htx-ledger key generate --witness` makes its key.

pub mod keys;
pub mod state;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tlog::cosignature::CosignerKey;
use tlog::note::{Checkpoint, VerifierKey};
use tlog::witness::{self, AddCheckpoint, Latest, Refusal};
use tokio::sync::Mutex;

pub use state::{Evidence, StateError, WitnessState};

/// The largest request body read: a checkpoint with its signatures and 63 proof lines is a
/// few kilobytes.
pub const MAX_BODY: usize = 64 * 1024;

/// A witness: its key, the logs it witnesses, its state.
pub struct Witness {
    key: CosignerKey,
    logs: HashMap<String, Vec<VerifierKey>>,
    state: WitnessState,
    /// One add-checkpoint at a time in this process; the database's compare-and-store
    /// guards against other processes on the same database.
    deciding: Mutex<()>,
    clock: fn() -> u64,
}

/// What the witness answered, for the log output and the HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200: the cosignature line, with its newline.
    Cosigned(String),
    /// Refused: the spec's status code, and the body (the held size for 409).
    Refused { status: u16, body: String },
}

/// Why the witness could not answer at all (500).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("a stored note does not read back: {0}")]
    Note(#[from] tlog::note::NoteError),
}

/// Seconds since the epoch, the cosignature's timestamp; never zero.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs().max(1))
}

impl Witness {
    /// A witness of `logs` (each key's name is the log's origin), signing with `key`.
    pub fn new(key: CosignerKey, logs: Vec<VerifierKey>, state: WitnessState) -> Witness {
        let mut by_origin: HashMap<String, Vec<VerifierKey>> = HashMap::new();
        for log in logs {
            by_origin
                .entry(log.name().to_owned())
                .or_default()
                .push(log);
        }
        Witness {
            key,
            logs: by_origin,
            state,
            deciding: Mutex::new(()),
            clock: now,
        }
    }

    /// The witness's state, for the evidence and for tests.
    pub fn state(&self) -> &WitnessState {
        &self.state
    }

    /// Answers one `add-checkpoint` body.
    ///
    /// # Errors
    /// [`WitnessError`] when the state cannot be read or written (nothing was cosigned).
    pub async fn add_checkpoint(&self, body: &[u8]) -> Result<Answer, WitnessError> {
        let refused = |refusal: &Refusal| Answer::Refused {
            status: refusal.status(),
            body: format!("{refusal}\n"),
        };
        let request = match AddCheckpoint::parse(body) {
            Ok(request) => request,
            Err(error) => return Ok(refused(&Refusal::BadRequest(error.to_string()))),
        };
        let origin = match witness::origin_of(&request.note) {
            Ok(origin) => origin,
            Err(refusal) => return Ok(refused(&refusal)),
        };
        let log_keys = self.logs.get(&origin).map_or(&[][..], Vec::as_slice);
        let _deciding = self.deciding.lock().await;
        let held = self.state.held(&origin).await?;
        let checkpoint = match witness::check(&request, log_keys, held.as_ref().map(|h| &h.latest))
        {
            Ok(checkpoint) => checkpoint,
            Err(Refusal::Conflict { latest, .. }) => {
                return Ok(Answer::Refused {
                    status: 409,
                    body: format!("{latest}\n"),
                });
            }
            Err(refusal) => {
                if refusal.is_evidence() {
                    tracing::warn!(%origin, %refusal, "a checkpoint signed by the log was refused: evidence kept");
                    self.state
                        .keep_evidence(&Evidence {
                            received_at: chrono::Utc::now().to_rfc3339(),
                            origin: origin.clone(),
                            reason: refusal.to_string(),
                            request: String::from_utf8_lossy(body).into_owned(),
                            held_note: held.as_ref().map(|h| h.note.clone()),
                        })
                        .await?;
                }
                return Ok(refused(&refusal));
            }
        };
        let text = checkpoint.to_note_text();
        let line = self.key.cosign(&text, (self.clock)());
        let note = witness::witnessed_note(&request.note, log_keys, &line)?;
        let new = Latest {
            size: checkpoint.size,
            root: checkpoint.root,
        };
        let stored = self
            .state
            .compare_and_store(
                &origin,
                held.as_ref().map(|h| &h.latest),
                &new,
                &note,
                &chrono::Utc::now().to_rfc3339(),
            )
            .await?;
        if !stored {
            // Another process on the same database moved it first.
            let now_held = self.state.held(&origin).await?.map_or(0, |h| h.latest.size);
            return Ok(Answer::Refused {
                status: 409,
                body: format!("{now_held}\n"),
            });
        }
        tracing::info!(%origin, size = checkpoint.size, "cosigned");
        Ok(Answer::Cosigned(format!("{line}\n")))
    }

    /// The latest cosigned note of the log whose origin hashes to `origin_hash`.
    ///
    /// # Errors
    /// When the state cannot be read.
    pub async fn latest_note(&self, origin_hash: &str) -> Result<Option<String>, WitnessError> {
        let Some(origin) = self
            .logs
            .keys()
            .find(|origin| witness::origin_hash(origin) == origin_hash)
        else {
            return Ok(None);
        };
        Ok(self.state.held(origin).await?.map(|h| h.note))
    }

    /// The cosigned checkpoint a monitor reads, parsed (for the CLI's status output).
    ///
    /// # Errors
    /// When the state cannot be read or a stored note does not read back.
    pub async fn latest_checkpoint(
        &self,
        origin: &str,
    ) -> Result<Option<Checkpoint>, WitnessError> {
        let Some(held) = self.state.held(origin).await? else {
            return Ok(None);
        };
        let (text, _) = tlog::note::split(&held.note)?;
        Ok(Checkpoint::parse(text).ok())
    }
}

/// The witness's HTTP routes, under `/`: mount them at the submission prefix.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(latest_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness)
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    match witness.add_checkpoint(&body).await {
        Ok(Answer::Cosigned(line)) => text(StatusCode::OK, "text/plain; charset=utf-8", line),
        Ok(Answer::Refused { status: 409, body }) => {
            text(StatusCode::CONFLICT, witness::SIZE_CONTENT_TYPE, body)
        }
        Ok(Answer::Refused { status, body }) => text(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            "text/plain; charset=utf-8",
            body,
        ),
        Err(error) => {
            tracing::error!(%error, "add-checkpoint failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                format!("{error}\n"),
            )
        }
    }
}

async fn latest_checkpoint(
    State(witness): State<Arc<Witness>>,
    Path(origin_hash): Path<String>,
) -> Response {
    match witness.latest_note(&origin_hash).await {
        Ok(Some(note)) => text(StatusCode::OK, "text/plain; charset=utf-8", note),
        Ok(None) => text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "this witness has cosigned no checkpoint of that log\n".into(),
        ),
        Err(error) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            format!("{error}\n"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::merkle::{self, Frontier};
    use tlog::note::SigningKey;

    const ORIGIN: &str = "example.org/htx-ledger-test";

    async fn witness(dir: &std::path::Path) -> Witness {
        let state = WitnessState::open(&dir.join("w.db").display().to_string())
            .await
            .unwrap();
        let key = CosignerKey::from_seed("witness.example/w1", &[7; 32]).unwrap();
        let log = SigningKey::from_seed(ORIGIN, &[1; 32]).unwrap();
        Witness::new(key, vec![log.verifier_key()], state)
    }

    fn signed(size: u64) -> String {
        let mut frontier = Frontier::new();
        for i in 0..size {
            frontier.push(merkle::leaf_hash(&i.to_be_bytes()), |_, _| {});
        }
        let log = SigningKey::from_seed(ORIGIN, &[1; 32]).unwrap();
        Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: frontier.root(),
            extensions: Vec::new(),
        }
        .sign(&[&log])
        .unwrap()
    }

    #[tokio::test]
    async fn it_cosigns_once_persisted_and_serves_the_note_to_monitors() {
        let dir = tempfile::tempdir().unwrap();
        let w = witness(dir.path()).await;
        let answer = w
            .add_checkpoint(format!("old 0\n\n{}", signed(3)).as_bytes())
            .await
            .unwrap();
        let Answer::Cosigned(line) = answer else {
            panic!("{answer:?}");
        };
        let held = w.state().held(ORIGIN).await.unwrap().unwrap();
        assert_eq!(held.latest.size, 3);
        assert!(held.note.ends_with(&line));
        let served = w.latest_note(&witness::origin_hash(ORIGIN)).await.unwrap();
        assert_eq!(served, Some(held.note));
        assert_eq!(w.latest_note("00").await.unwrap(), None);
        // Behind what it holds: 409 with the held size, nothing changed.
        let behind = w
            .add_checkpoint(format!("old 0\n\n{}", signed(2)).as_bytes())
            .await
            .unwrap();
        assert_eq!(
            behind,
            Answer::Refused {
                status: 409,
                body: "3\n".into()
            }
        );
        assert!(w.state().evidence().await.unwrap().is_empty());
    }
}
