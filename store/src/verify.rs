//! Verifying the stored log: every entry re-read, re-hashed and re-linked, in position order.

use domain::ledger::{
    ChainVerifier, EntryError, Prepared, Problem, RowColumns, StoredRow, VerifiedChain, VerifyError,
};
use futures::TryStreamExt;

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::{self, LogRow};

/// Rows handed from the reader to the checker at a time.
const CHUNK: usize = 2_048;

/// Checks the whole log against its recorded head. `progress` is called with the number of
/// entries checked so far, every few thousand entries and at the end.
///
/// Reading and checking overlap: rows are read on the async runtime and checked on a thread
/// of their own, a chunk at a time.
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
    let (chunks, mut receiver) = tokio::sync::mpsc::channel::<Vec<LogRow>>(4);
    let (checked, mut checked_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let checker = tokio::task::spawn_blocking(move || {
        let mut verifier = ChainVerifier::new();
        while let Some(chunk) = receiver.blocking_recv() {
            // Hashing and parsing are independent per row: half the chunk on a second thread.
            let (first, second) = chunk.split_at(chunk.len() / 2);
            let prepared: Vec<Prepared> = std::thread::scope(|scope| {
                let other = scope.spawn(|| {
                    second
                        .iter()
                        .map(|r| Prepared::of(&stored(r)))
                        .collect::<Vec<_>>()
                });
                let mut prepared: Vec<Prepared> =
                    first.iter().map(|r| Prepared::of(&stored(r))).collect();
                prepared.extend(other.join().unwrap_or_default());
                prepared
            });
            if prepared.len() != chunk.len() {
                return Err(VerifyError {
                    position: verifier.size(),
                    problem: Problem::Malformed(EntryError::Malformed(
                        "a checking thread failed".into(),
                    )),
                });
            }
            for (row, prepared) in chunk.iter().zip(prepared) {
                verifier.push_prepared(stored(row), prepared)?;
            }
            let _ = checked.send(verifier.size());
        }
        verifier.finish(Some((head.size, head.hash)))
    });
    let mut rows = sql::stream_log(db, 0);
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(row) = rows.try_next().await? {
        chunk.push(row);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if chunks.send(full).await.is_err() {
                break; // the checker stopped at a problem
            }
            while let Ok(done) = checked_rx.try_recv() {
                progress(done);
            }
        }
    }
    drop(rows);
    if !chunk.is_empty() {
        let _ = chunks.send(chunk).await;
    }
    drop(chunks);
    let result = checker
        .await
        .map_err(|e| StoreError::Corrupt(format!("the checker failed: {e}")))?;
    while let Ok(done) = checked_rx.try_recv() {
        progress(done);
    }
    Ok(result)
}

/// The number of entries the recorded head claims, for sizing a progress bar.
///
/// # Errors
/// When the database cannot be read.
pub async fn recorded_size(db: &Database) -> Result<u64, StoreError> {
    Ok(sql::read_head(db).await?.size)
}

fn stored(row: &LogRow) -> StoredRow<'_> {
    StoredRow {
        position: u64::try_from(row.position).unwrap_or(u64::MAX),
        bytes: &row.bytes,
        stored_leaf_hash: Some(&row.leaf_hash),
        columns: Some(RowColumns {
            aggregate_type: &row.aggregate_type,
            aggregate_id: &row.aggregate_id,
            sequence: u64::try_from(row.sequence).unwrap_or(0),
        }),
    }
}
