//! One witness: the latest signed checkpoint sent with a consistency proof from the size the
//! witness holds, its answer read as tlog-witness says, the cosignature verified and stored.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use store::witnessed::StoredCosignature;
use store::{StoreError, StoredCheckpoint};
use tlog::cosignature::{self, WitnessKey};
use tlog::note;
use tlog::witness::{AddCheckpoint, SIZE_CONTENT_TYPE};

use crate::{Alarm, AlarmKind, Witnessing};

/// Why one `add-checkpoint` request did not bring a cosignature back. Each sentence is
/// Vietnamese / English.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(
        "nhân chứng từ chối điểm kiểm tra {size} vì không nhất quán với điểm nó đã ký / the witness refuses the checkpoint of size {size} as inconsistent with the one it cosigned (422): {detail}"
    )]
    Inconsistent { size: u64, detail: String },
    #[error(
        "nhân chứng không nhận nhật ký này ({status}) / the witness does not accept this log's checkpoints ({status}: {detail}); check the policy's URL and key, and the witness's --log"
    )]
    Refused { status: u16, detail: String },
    #[error(
        "câu trả lời không có chữ ký hợp lệ của khóa {key} / the witness's answer holds no valid cosignature by {key}; check the witness key in the policy"
    )]
    NoCosignature { key: String },
    #[error(
        "nhân chứng giữ kích thước {held}, lớn hơn điểm kiểm tra mới nhất của sổ ({latest}) / the witness holds size {held}, beyond the log's latest signed checkpoint ({latest})"
    )]
    WitnessAhead { held: u64, latest: u64 },
    #[error(
        "câu trả lời 409 không ghi kích thước / the witness answered 409 without its size as text/x.tlog.size: {0:?}"
    )]
    BadConflict(String),
    #[error("nhân chứng trả lời {status} / the witness answered {status}: {detail}")]
    Unexpected { status: u16, detail: String },
    #[error("không liên lạc được nhân chứng / the witness cannot be reached: {0}")]
    Unreachable(String),
    #[error(
        "địa chỉ nhân chứng {0:?} không phải http:// / the witness URL {0:?} is not http://: this build has no TLS client; reach an https witness through a local TLS-terminating proxy"
    )]
    UnsupportedUrl(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PushError {
    /// The alarm this failure raises at once, if any; the others raise one only when they
    /// last longer than `unreachable_alarm`.
    pub fn alarm(&self) -> Option<AlarmKind> {
        match self {
            PushError::Inconsistent { .. } => Some(AlarmKind::Inconsistent),
            PushError::Refused { .. }
            | PushError::NoCosignature { .. }
            | PushError::UnsupportedUrl(_) => Some(AlarmKind::Misconfigured),
            _ => None,
        }
    }
}

/// What one request achieved.
#[derive(Debug)]
enum Pushed {
    /// The witness cosigned the checkpoint of this size (the time it states).
    Cosigned { size: u64, at: u64 },
    /// The witness holds another size (409): send again from it.
    Holds(u64),
}

/// The witness's side of the latest signed checkpoint: nothing to send, or a request.
fn due(witnessing: &Witnessing, index: usize) -> Option<StoredCheckpoint> {
    let latest = witnessing.latest_signed()?;
    let cosigned = witnessing.status()[index].cosigned_size;
    cosigned.is_none_or(|c| c < latest.size).then_some(latest)
}

/// Pushes every new checkpoint to the witness at `url`, until aborted.
pub(crate) async fn run(witnessing: Arc<Witnessing>, index: usize, url: String) {
    let options = witnessing.options.clone();
    let key = witnessing.policy.witnesses()[index].key.clone();
    let name = witnessing.policy.witnesses()[index].name.clone();
    let client = match reqwest::Client::builder().timeout(options.timeout).build() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(witness = %name, %error, "no HTTP client for the witness");
            return;
        }
    };
    if !url.starts_with("http://") {
        let error = PushError::UnsupportedUrl(url);
        raise(
            &witnessing,
            index,
            &name,
            AlarmKind::Misconfigured,
            &error.to_string(),
        );
        witnessing.update(index, |w| w.last_error = Some(error.to_string()));
        return;
    }
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let mut signed = witnessing.signed.subscribe();
    let mut held: Option<u64> = None;
    let mut backoff = options.min_backoff;
    let mut failing_since: Option<tokio::time::Instant> = None;
    let mut conflicts = 0u32;
    loop {
        let Some(checkpoint) = due(&witnessing, index) else {
            let _ = signed.changed().await;
            continue;
        };
        let sent_size = checkpoint.size;
        match push(&witnessing, &client, &endpoint, &key, &checkpoint, held).await {
            Ok(Pushed::Cosigned { size, at }) => {
                held = Some(size);
                backoff = options.min_backoff;
                failing_since = None;
                conflicts = 0;
                witnessing.cosigned.notify_one();
                succeeded(&witnessing, index, &name, size, at);
            }
            Ok(Pushed::Holds(size)) => {
                tracing::info!(witness = %name, held = size, sent_from = ?held, "the witness holds another size: resending from it");
                held = Some(size);
                witnessing.update(index, |w| w.held_size = Some(size));
                conflicts += 1;
                if conflicts > 3 {
                    // The witness keeps moving (another log instance pushes too): wait a little.
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(options.max_backoff);
                }
            }
            Err(error) => {
                conflicts = 0;
                let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                let wait = match error.alarm() {
                    Some(kind) => {
                        raise(&witnessing, index, &name, kind, &error.to_string());
                        options.alarm_retry
                    }
                    None => {
                        if since.elapsed() >= options.unreachable_alarm {
                            let message = format!(
                                "không có chữ ký xác nhận trong {} giây / no cosignature for {} s: {error}",
                                since.elapsed().as_secs(),
                                since.elapsed().as_secs()
                            );
                            raise(&witnessing, index, &name, AlarmKind::Unreachable, &message);
                        } else {
                            tracing::warn!(witness = %name, %error, "checkpoint not cosigned; retrying");
                        }
                        let wait = backoff;
                        backoff = (backoff * 2).min(options.max_backoff);
                        wait
                    }
                };
                let text = error.to_string();
                witnessing.update(index, |w| w.last_error = Some(text));
                wait_or_newer(&mut signed, sent_size, wait).await;
            }
        }
    }
}

/// Waits `wait`, or less when a checkpoint above `size` is signed.
async fn wait_or_newer(
    signed: &mut tokio::sync::watch::Receiver<Option<StoredCheckpoint>>,
    size: u64,
    wait: Duration,
) {
    let newer = signed.wait_for(|latest| latest.as_ref().is_some_and(|l| l.size > size));
    let _ = tokio::time::timeout(wait, newer).await;
}

fn succeeded(witnessing: &Witnessing, index: usize, name: &str, size: u64, at: u64) {
    let mut recovered = None;
    witnessing.update(index, |w| {
        w.held_size = Some(size);
        if w.cosigned_size.is_none_or(|c| c < size) {
            w.cosigned_size = Some(size);
            w.cosigned_at = crate::timestamp(at);
        }
        w.last_error = None;
        recovered = w.alarm.take();
    });
    metrics::gauge!("htx_witness_cosigned_size", "witness" => name.to_owned()).set(size as f64);
    if let Some(alarm) = recovered {
        metrics::gauge!("htx_witness_alarm", "witness" => name.to_owned()).set(0.0);
        tracing::info!(witness = %name, size, was = alarm.kind.as_str(), "the witness cosigns again: alarm cleared");
    }
}

fn raise(witnessing: &Witnessing, index: usize, name: &str, kind: AlarmKind, message: &str) {
    let mut raised = false;
    witnessing.update(index, |w| {
        // An unreachable witness does not hide a refusal already raised.
        let keep = w
            .alarm
            .as_ref()
            .is_some_and(|a| a.kind == kind || kind == AlarmKind::Unreachable);
        if !keep {
            w.alarm = Some(Alarm {
                kind,
                since: Utc::now(),
                message: message.to_owned(),
            });
            raised = true;
        }
    });
    if raised {
        metrics::gauge!("htx_witness_alarm", "witness" => name.to_owned()).set(1.0);
        tracing::error!(witness = %name, alarm = kind.as_str(), reason = %message, "witness alarm");
    }
}

/// One `add-checkpoint` request for `checkpoint`, from the size the witness is believed to
/// hold (0 when unknown: its 409 tells).
async fn push(
    witnessing: &Witnessing,
    client: &reqwest::Client,
    endpoint: &str,
    key: &WitnessKey,
    checkpoint: &StoredCheckpoint,
    held: Option<u64>,
) -> Result<Pushed, PushError> {
    let old = held.unwrap_or(0);
    if old > checkpoint.size {
        return Err(PushError::WitnessAhead {
            held: old,
            latest: checkpoint.size,
        });
    }
    let proof = if old == 0 {
        Vec::new()
    } else {
        store::tree::consistency_proof(&witnessing.db, old, checkpoint.size).await?
    };
    let body = AddCheckpoint {
        old_size: old,
        proof,
        note: checkpoint.note.clone(),
    }
    .to_body();
    let response = client
        .post(endpoint)
        .body(body)
        .send()
        .await
        .map_err(|e| PushError::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response
        .text()
        .await
        .map_err(|e| PushError::Unreachable(e.to_string()))?;
    let detail = || text.trim().chars().take(500).collect::<String>();
    match status {
        200 => {
            let (line, at) = cosignature_in(&checkpoint.note, &text, key).ok_or_else(|| {
                PushError::NoCosignature {
                    key: key.name().to_owned(),
                }
            })?;
            store::witnessed::insert(
                &witnessing.db,
                &StoredCosignature {
                    size: checkpoint.size,
                    witness: key.name().to_owned(),
                    line,
                    cosigned_at: at,
                    received_at: Utc::now(),
                },
            )
            .await?;
            Ok(Pushed::Cosigned {
                size: checkpoint.size,
                at,
            })
        }
        409 => {
            let size = content_type
                .starts_with(SIZE_CONTENT_TYPE)
                .then(|| parse_size(&text))
                .flatten()
                .ok_or_else(|| PushError::BadConflict(detail()))?;
            if size > checkpoint.size {
                return Err(PushError::WitnessAhead {
                    held: size,
                    latest: checkpoint.size,
                });
            }
            Ok(Pushed::Holds(size))
        }
        422 => Err(PushError::Inconsistent {
            size: checkpoint.size,
            detail: detail(),
        }),
        403 | 404 => Err(PushError::Refused {
            status,
            detail: detail(),
        }),
        _ => Err(PushError::Unexpected {
            status,
            detail: detail(),
        }),
    }
}

/// The size in a 409 body: a decimal and a newline.
fn parse_size(body: &str) -> Option<u64> {
    let digits = body.strip_suffix('\n').unwrap_or(body);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The line of `answer` that is `key`'s valid cosignature of `note`'s checkpoint, with the
/// time it states. Lines of other keys are ignored, as the spec says.
fn cosignature_in(note_text: &str, answer: &str, key: &WitnessKey) -> Option<(String, u64)> {
    let (text, _) = note::split(note_text).ok()?;
    let mut base = note_text.to_owned();
    if !base.ends_with('\n') {
        base.push('\n');
    }
    answer
        .lines()
        .filter(|line| line.starts_with('\u{2014}'))
        .find_map(|line| {
            let with_line = format!("{base}{line}\n");
            let (_, signatures) = note::split(&with_line).ok()?;
            let last = signatures.last()?;
            let (good, _) = cosignature::verify_all(
                text,
                std::slice::from_ref(last),
                std::slice::from_ref(key),
            );
            good.first().map(|c| (line.to_owned(), c.timestamp))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::cosignature::CosignerKey;
    use tlog::note::{Checkpoint, SigningKey};

    fn note() -> String {
        let log = SigningKey::from_seed("log.example/l", &[1; 32]).unwrap();
        Checkpoint {
            origin: "log.example/l".into(),
            size: 3,
            root: tlog::merkle::leaf_hash(b"x"),
            extensions: Vec::new(),
        }
        .sign(&[&log])
        .unwrap()
    }

    #[test]
    fn the_witness_line_is_found_among_others_and_a_forged_one_is_not() {
        let note_text = note();
        let (text, _) = note::split(&note_text).unwrap();
        let w1 = CosignerKey::from_seed("w.example/1", &[2; 32]).unwrap();
        let w2 = CosignerKey::from_seed("w.example/2", &[3; 32]).unwrap();
        let line1 = w1.cosign(text, 1_700_000_000);
        let line2 = w2.cosign(text, 1_700_000_001);
        let answer = format!("{line2}\n{line1}\n");
        assert_eq!(
            cosignature_in(&note_text, &answer, &w1.witness_key()),
            Some((line1.clone(), 1_700_000_000))
        );
        assert_eq!(
            cosignature_in(&note_text, &format!("{line2}\n"), &w1.witness_key()),
            None,
            "another witness's line is not w1's cosignature"
        );
        // w1's line over another checkpoint does not verify over this one.
        let other = w1.cosign("log.example/l\n4\nAAAA\n", 1_700_000_000);
        assert_eq!(
            cosignature_in(&note_text, &format!("{other}\n"), &w1.witness_key()),
            None
        );
        assert_eq!(
            cosignature_in(&note_text, "not a signature\n", &w1.witness_key()),
            None
        );
    }

    #[test]
    fn a_conflicts_size_is_a_decimal_and_a_newline() {
        assert_eq!(parse_size("17\n"), Some(17));
        assert_eq!(parse_size("0\n"), Some(0));
        assert_eq!(parse_size("17"), Some(17));
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("-1\n"), None);
        assert_eq!(parse_size("17\n\n"), None);
        assert_eq!(parse_size("size 17\n"), None);
    }

    #[test]
    fn refusals_raise_their_alarm_at_once_and_failures_do_not() {
        let inconsistent = PushError::Inconsistent {
            size: 3,
            detail: String::new(),
        };
        assert_eq!(inconsistent.alarm(), Some(AlarmKind::Inconsistent));
        for status in [403, 404] {
            let refused = PushError::Refused {
                status,
                detail: String::new(),
            };
            assert_eq!(refused.alarm(), Some(AlarmKind::Misconfigured));
        }
        assert_eq!(
            PushError::NoCosignature { key: "k".into() }.alarm(),
            Some(AlarmKind::Misconfigured)
        );
        assert_eq!(
            PushError::UnsupportedUrl("https://w.example".into()).alarm(),
            Some(AlarmKind::Misconfigured)
        );
        assert_eq!(PushError::Unreachable("refused".into()).alarm(), None);
        let unexpected = PushError::Unexpected {
            status: 500,
            detail: String::new(),
        };
        assert_eq!(unexpected.alarm(), None);
    }
}
