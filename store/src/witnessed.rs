//! Witnessed checkpoints: the log's signed checkpoints with the cosignatures its witnesses
//! sent back, and which of them a policy's quorum holds for.
//!
//! A checkpoint is stored once, as the log signed it (`ledger_checkpoints`); cosignatures
//! arrive later, one per witness, and are stored beside it (`ledger_cosignatures`, verified
//! before). The checkpoint as published is the signed note followed by those lines
//! ([`with_cosignatures`]). A mirror stores the notes it received, cosignatures included, in
//! `ledger_checkpoints`: the same functions read both.

use tlog::policy::{Policy, PolicyRefusal, Witnessed};

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::checkpoints::{self, StoredCheckpoint};
use crate::sql::cosignatures;
pub use crate::sql::cosignatures::{StoredCosignature, cosigned_sizes, insert, latest_of, of_size};

/// `note` followed by each of `lines` (signature lines, without their newline) that it does
/// not hold already.
pub fn with_cosignatures<'a>(note: &str, lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut cosigned = note.to_owned();
    if !cosigned.ends_with('\n') {
        cosigned.push('\n');
    }
    for line in lines {
        let present = note.split('\n').any(|held| held == line);
        if !present {
            cosigned.push_str(line);
            cosigned.push('\n');
        }
    }
    cosigned
}

/// `checkpoint` with its note followed by the cosignatures stored for its size.
///
/// # Errors
/// When the database cannot be read.
pub async fn cosigned(
    db: &Database,
    mut checkpoint: StoredCheckpoint,
) -> Result<StoredCheckpoint, StoreError> {
    let lines = cosignatures::of_size(db, checkpoint.size).await?;
    checkpoint.note = with_cosignatures(&checkpoint.note, lines.iter().map(|c| c.line.as_str()));
    Ok(checkpoint)
}

/// A stored checkpoint that a policy's quorum holds for: its note carries the cosignatures.
#[derive(Debug, Clone)]
pub struct WitnessedCheckpoint {
    pub checkpoint: StoredCheckpoint,
    pub witnessed: Witnessed,
}

/// The checkpoint of `size` entries, cosigned, checked against `policy`: `Ok(None)` when no
/// checkpoint of that size is stored, `Ok(Some(Err(refusal)))` when the policy refuses it.
///
/// # Errors
/// When the database cannot be read.
pub async fn at_size(
    db: &Database,
    policy: &Policy,
    size: u64,
) -> Result<Option<Result<WitnessedCheckpoint, PolicyRefusal>>, StoreError> {
    let Some(checkpoint) = checkpoints::at_size(db, size).await? else {
        return Ok(None);
    };
    let checkpoint = cosigned(db, checkpoint).await?;
    Ok(Some(policy.check(&checkpoint.note).map(|witnessed| {
        WitnessedCheckpoint {
            checkpoint,
            witnessed,
        }
    })))
}

/// The largest stored checkpoint that `policy` accepts: signed by one of its logs and
/// cosigned by its quorum. With `quorum none`, the latest checkpoint the log signed.
///
/// # Errors
/// When the database cannot be read.
pub async fn latest(
    db: &Database,
    policy: &Policy,
) -> Result<Option<WitnessedCheckpoint>, StoreError> {
    let mut candidates = Vec::new();
    if let Some(latest) = checkpoints::latest(db).await? {
        candidates.push(latest.size);
    }
    for size in cosignatures::cosigned_sizes(db).await? {
        if !candidates.contains(&size) {
            candidates.push(size);
        }
    }
    candidates.sort_unstable_by(|a, b| b.cmp(a));
    for size in candidates {
        if let Some(Ok(witnessed)) = at_size(db, policy, size).await? {
            return Ok(Some(witnessed));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::with_cosignatures;

    #[test]
    fn a_cosignature_is_appended_once_and_the_note_keeps_its_lines() {
        let note = "example.com/log\n2\nAAAA\n\n— example.com/log abcd\n";
        let once = with_cosignatures(note, ["— w1 efgh", "— w2 ijkl"]);
        assert_eq!(once, format!("{note}— w1 efgh\n— w2 ijkl\n"));
        assert_eq!(with_cosignatures(&once, ["— w1 efgh"]), once);
        assert_eq!(
            with_cosignatures(note.trim_end_matches('\n'), ["— w1 efgh"]),
            format!("{note}— w1 efgh\n")
        );
    }
}
