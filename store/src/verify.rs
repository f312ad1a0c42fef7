//! Verifying the stored log: every entry re-read, re-hashed and re-linked, in position order.

use domain::ledger::{ChainVerifier, RowColumns, StoredRow, VerifiedChain, VerifyError};
use futures::TryStreamExt;

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::{self, LogRow};

/// Checks the whole log against its recorded head. `progress` is called with the number of
/// entries checked so far, every few thousand entries and at the end.
///
/// The outer `Result` says whether the log could be read; the inner one what was found.
///
/// # Errors
/// When the database cannot be read.
pub async fn verify_log(
    db: &Database,
    mut progress: impl FnMut(u64),
) -> Result<Result<VerifiedChain, VerifyError>, StoreError> {
    let head = sql::read_head(db).await?;
    let mut verifier = ChainVerifier::new();
    let mut rows = sql::stream_log(db, 0);
    while let Some(row) = rows.try_next().await? {
        if let Err(found) = check_row(&mut verifier, &row) {
            return Ok(Err(found));
        }
        if verifier.size() % 4096 == 0 {
            progress(verifier.size());
        }
    }
    progress(verifier.size());
    Ok(verifier.finish(Some((head.size, head.hash))))
}

/// The number of entries the recorded head claims, for sizing a progress bar.
///
/// # Errors
/// When the database cannot be read.
pub async fn recorded_size(db: &Database) -> Result<u64, StoreError> {
    Ok(sql::read_head(db).await?.size)
}

fn check_row(verifier: &mut ChainVerifier, row: &LogRow) -> Result<(), VerifyError> {
    let position = u64::try_from(row.position).unwrap_or(u64::MAX);
    let sequence = u64::try_from(row.sequence).unwrap_or(0);
    verifier.push(StoredRow {
        position,
        bytes: &row.bytes,
        stored_leaf_hash: Some(&row.leaf_hash),
        columns: Some(RowColumns {
            aggregate_type: &row.aggregate_type,
            aggregate_id: &row.aggregate_id,
            sequence,
        }),
    })?;
    Ok(())
}
