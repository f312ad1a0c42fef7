//! Export and import of the log as JSON lines: one entry's canonical bytes per line, exactly
//! as hashed. Canonical JSON escapes every newline inside strings, so a line is an entry.

use std::io::{BufRead, Write};

use domain::ledger::{ChainVerifier, EntryHeader, LeafHash, StoredRow, VerifiedChain, VerifyError};
use futures::TryStreamExt;

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::log::stream_log;
use crate::sql::rows::{Head, NewRow};
use crate::sql::write::WriteTx;

/// Writes every entry, in position order, to `out`. Returns the number of entries written.
///
/// # Errors
/// When the database cannot be read or `out` cannot be written.
pub async fn export_jsonl(
    db: &Database,
    out: &mut impl Write,
    mut progress: impl FnMut(u64),
) -> Result<u64, StoreError> {
    let mut rows = stream_log(db, 0);
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await? {
        out.write_all(&row.bytes)?;
        out.write_all(b"\n")?;
        count += 1;
        if count.is_multiple_of(4096) {
            progress(count);
        }
    }
    out.flush()?;
    progress(count);
    Ok(count)
}

/// Why an import was refused. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file does not verify: line {line}: {error}", line = .error.position + 1)]
    Invalid { error: VerifyError },
    #[error("the target ledger already holds {0} entries; import only into an empty ledger")]
    NotEmpty(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Verifies a JSON-lines export completely, without writing anything.
///
/// # Errors
/// [`ImportError::Invalid`] with the first bad line; I/O errors as [`ImportError::Store`].
pub fn verify_jsonl(
    input: impl BufRead,
    mut progress: impl FnMut(u64),
) -> Result<VerifiedChain, ImportError> {
    let mut verifier = ChainVerifier::new();
    for (index, line) in input.split(b'\n').enumerate() {
        let line = line.map_err(StoreError::from)?;
        let row = StoredRow {
            position: index as u64,
            bytes: &line,
            stored_leaf_hash: None,
            columns: None,
        };
        verifier
            .push(row)
            .map_err(|error| ImportError::Invalid { error })?;
        if (index + 1).is_multiple_of(4096) {
            progress(index as u64 + 1);
        }
    }
    verifier
        .finish(None)
        .map_err(|error| ImportError::Invalid { error })
}

/// Rebuilds a log from a JSON-lines export into an empty ledger, in one transaction.
///
/// `open` is called twice: once to verify the whole file, once to write it. A file whose
/// chain, positions or sequences do not verify is refused before anything is written.
///
/// This writes behind the back of any [`Ledger`](crate::Ledger) open on the same database in
/// this process; import through [`Ledger::import_jsonl`](crate::Ledger::import_jsonl) there.
///
/// # Errors
/// See [`ImportError`].
pub async fn import_jsonl<R: BufRead>(
    db: &Database,
    open: impl Fn() -> std::io::Result<R>,
    mut progress: impl FnMut(u64),
) -> Result<VerifiedChain, ImportError> {
    let verified = verify_jsonl(open().map_err(StoreError::from)?, &mut progress)?;
    let mut tx = WriteTx::begin(db).await?;
    let head = tx.lock_head().await?;
    if head.size != 0 {
        return Err(ImportError::NotEmpty(head.size));
    }
    let mut chunk = Vec::with_capacity(1_000);
    let mut written = 0u64;
    for line in open().map_err(StoreError::from)?.split(b'\n') {
        let bytes = line.map_err(StoreError::from)?;
        // Verified above: only the columns kept beside the bytes are needed here.
        let entry = EntryHeader::parse_canonical(&bytes).map_err(StoreError::from)?;
        chunk.push(NewRow {
            position: entry.position,
            aggregate_type: entry.aggregate_type,
            aggregate_id: entry.aggregate_id,
            sequence: entry.sequence,
            leaf_hash: LeafHash::of_entry(&bytes),
            bytes,
        });
        if chunk.len() == chunk.capacity() {
            tx.insert(&chunk).await?;
            written += chunk.len() as u64;
            chunk.clear();
            progress(written);
        }
    }
    tx.insert(&chunk).await?;
    written += chunk.len() as u64;
    // The tree over the imported entries, in the same transaction.
    crate::tree::frontier_or_rebuild(&mut tx, written, |_, _| {}).await?;
    if written != verified.size {
        return Err(ImportError::Store(StoreError::Refused(format!(
            "the file changed while importing: {} entries verified, {written} read",
            verified.size
        ))));
    }
    tx.set_head(Head {
        size: verified.size,
        hash: verified.head,
    })
    .await?;
    tx.commit().await?;
    progress(written);
    Ok(verified)
}
