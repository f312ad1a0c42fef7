//! The evidence of a fork: the two signed notes as they were received, and a short
//! description, in a folder of their own (`fork-<UTC time>-<size>/` under the evidence
//! folder). Two checkpoints signed by the same log key that cannot both be true are proof
//! of misbehaviour the log's operator cannot deny; anyone can check the notes with the log's
//! verifier key.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde_json::json;
use tlog::Hash;

/// What a fork's evidence holds, before it is written.
pub struct ForkEvidence<'a> {
    pub source: &'a str,
    pub held_size: u64,
    pub held_root: Hash,
    pub held_note: Option<&'a str>,
    pub fetched_size: u64,
    pub fetched_root: Hash,
    pub fetched_note: &'a str,
    pub reason: &'a str,
}

/// Writes the evidence into a new folder under `dir`; returns that folder. Files:
/// `held.checkpoint` (the note the mirror had stored, when it has one), `fetched.checkpoint`
/// (the log's note just received, cosignatures included) and `fork.json`.
///
/// # Errors
/// When the folder or a file cannot be written.
pub fn write(dir: &Path, evidence: &ForkEvidence<'_>) -> std::io::Result<PathBuf> {
    let now = Utc::now();
    let base = format!(
        "fork-{}-{}",
        now.format("%Y%m%dT%H%M%S%.6fZ"),
        evidence.fetched_size
    );
    let folder = dir.join(base);
    std::fs::create_dir_all(&folder)?;
    if let Some(held) = evidence.held_note {
        std::fs::write(folder.join("held.checkpoint"), held)?;
    }
    std::fs::write(folder.join("fetched.checkpoint"), evidence.fetched_note)?;
    let description = json!({
        "kind": "fork",
        "detected_at": now.to_rfc3339(),
        "source": evidence.source,
        "reason": evidence.reason,
        "held": {
            "size": evidence.held_size,
            "root": evidence.held_root.to_base64(),
            "note": evidence.held_note.map(|_| "held.checkpoint"),
        },
        "fetched": {
            "size": evidence.fetched_size,
            "root": evidence.fetched_root.to_base64(),
            "note": "fetched.checkpoint",
        },
        "explanation": "Both checkpoints verify with the log's key, but the fetched tree is not an extension of the held one (RFC 9162 consistency). Hai điểm kiểm tra đều được ký bằng khóa của nhật ký nhưng cây tải về không nối tiếp cây đang giữ.",
    });
    let text = serde_json::to_string_pretty(&description).map_err(std::io::Error::other)?;
    std::fs::write(folder.join("fork.json"), text + "\n")?;
    Ok(folder)
}
