//! Verifying the stored log: every entry re-read, re-hashed and re-linked, in position order,
//! and the Merkle root recomputed at every signed checkpoint.

use domain::ledger::{
    ChainVerifier, EntryError, LeafHash, Prepared, Problem, RowColumns, StoredRow, VerifiedChain,
    VerifyError,
};
use futures::TryStreamExt;
use tlog::Hash;
use tlog::merkle::{self, Frontier, Subtree};
use tlog::note::{Checkpoint, VerifierKey, open_checkpoint};

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::checkpoints::{self, StoredCheckpoint};
use crate::sql::{self, Head, LogRow};
use crate::tree;

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
    progress: impl FnMut(u64),
) -> Result<Result<VerifiedChain, VerifyError>, StoreError> {
    let head = sql::read_head(db).await?;
    let outcome = check_chain(
        db,
        head,
        ChainVerifier::new(),
        Frontier::new(),
        Vec::new(),
        progress,
    )
    .await?;
    Ok(outcome
        .map(|(chain, _)| chain)
        .map_err(|finding| match finding {
            Finding::Chain(error) => error,
            Finding::Checkpoint { .. } | Finding::NoCheckpoint => {
                unreachable!("no checkpoints were given")
            }
        }))
}

/// What [`verify_ledger`] found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    #[error("{0}")]
    Chain(VerifyError),
    #[error("checkpoint of tree size {size}: {problem}")]
    Checkpoint {
        size: u64,
        problem: CheckpointProblem,
    },
    #[error("there is no signed checkpoint: nothing ties the entries to what the log signed")]
    NoCheckpoint,
}

impl Finding {
    /// A short name of the kind of problem, for scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::Chain(error) => error.problem.kind(),
            Finding::Checkpoint { problem, .. } => match problem {
                CheckpointProblem::Signature(_) => "checkpoint-signature",
                CheckpointProblem::ColumnsDiffer => "checkpoint-columns",
                CheckpointProblem::BeyondLog { .. } => "truncated-below-checkpoint",
                CheckpointProblem::RootMismatch { .. } => "checkpoint-root",
                CheckpointProblem::NotExtended(_) => "not-consistent-with-trusted-checkpoint",
            },
            Finding::NoCheckpoint => "no-checkpoint",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointProblem {
    #[error("its signature does not verify with the given keys: {0}")]
    Signature(String),
    #[error("the size or root stored beside it differs from its signed note")]
    ColumnsDiffer,
    #[error("it was signed for more entries than the log now has ({log}): entries were removed")]
    BeyondLog { log: u64 },
    #[error(
        "it signed root {signed}, but the stored entries give {computed}: entries were altered"
    )]
    RootMismatch { signed: String, computed: String },
    #[error("the log does not extend the trusted checkpoint: {0}")]
    NotExtended(String),
}

/// What [`verify_ledger`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerReport {
    pub chain: VerifiedChain,
    /// Where checking started: 0, or the size of the trusted checkpoint given.
    pub started_at: u64,
    /// Checkpoints whose root was recomputed from the entries.
    pub checkpoints_checked: usize,
    /// Whether their signatures were checked (verifier keys were given).
    pub signatures_checked: bool,
    /// The latest stored checkpoint, size and root.
    pub latest_checkpoint: Option<(u64, Hash)>,
}

/// Checks the log and its checkpoints: every entry re-hashed and re-linked, the Merkle root
/// recomputed at every stored checkpoint size, and (when `keys` are given) every checkpoint's
/// signature.
///
/// With `since`, a signed checkpoint the auditor already trusts: the latest stored checkpoint
/// must be consistent with it (an RFC 9162 consistency proof from the stored tree), and only
/// the entries after it are read, starting from its root and from the hash of its last entry
/// (proved included in it).
///
/// # Errors
/// When the database cannot be read.
pub async fn verify_ledger(
    db: &Database,
    keys: Option<&[VerifierKey]>,
    since: Option<&str>,
    progress: impl FnMut(u64),
) -> Result<Result<LedgerReport, Finding>, StoreError> {
    let head = sql::read_head(db).await?;
    let stored = checkpoints::all(db).await?;
    for checkpoint in &stored {
        if let Err(problem) = check_note(checkpoint, keys) {
            return Ok(Err(Finding::Checkpoint {
                size: checkpoint.size,
                problem,
            }));
        }
    }
    let latest = stored.last().map(|c| (c.size, c.root));
    let (verifier, frontier) = match since {
        None => (ChainVerifier::new(), Frontier::new()),
        Some(note) => match resume_from(db, keys, note, latest).await? {
            Ok(start) => start,
            Err(finding) => return Ok(Err(finding)),
        },
    };
    let started_at = frontier.size();
    let roots: Vec<(u64, Hash)> = stored
        .iter()
        .filter(|c| c.size > started_at)
        .map(|c| (c.size, c.root))
        .collect();
    let checked = roots.len();
    let outcome = check_chain(db, head, verifier, frontier, roots, progress).await?;
    Ok(outcome.map(|(chain, _)| LedgerReport {
        chain,
        started_at,
        checkpoints_checked: checked,
        signatures_checked: keys.is_some(),
        latest_checkpoint: latest,
    }))
}

/// Checks a stored checkpoint's note against its columns, and its signature when keys are
/// given.
fn check_note(
    checkpoint: &StoredCheckpoint,
    keys: Option<&[VerifierKey]>,
) -> Result<(), CheckpointProblem> {
    let stated = match keys {
        Some(keys) => {
            open_checkpoint(&checkpoint.note, keys, None)
                .map_err(|e| CheckpointProblem::Signature(e.to_string()))?
                .checkpoint
        }
        None => {
            let (text, _) = tlog::note::split(&checkpoint.note)
                .map_err(|e| CheckpointProblem::Signature(e.to_string()))?;
            Checkpoint::parse(text).map_err(|e| CheckpointProblem::Signature(e.to_string()))?
        }
    };
    if stated.size != checkpoint.size || stated.root != checkpoint.root {
        return Err(CheckpointProblem::ColumnsDiffer);
    }
    Ok(())
}

/// The verifier and tree edge to continue from a trusted checkpoint, once the log is shown to
/// extend it.
async fn resume_from(
    db: &Database,
    keys: Option<&[VerifierKey]>,
    note: &str,
    latest: Option<(u64, Hash)>,
) -> Result<Result<(ChainVerifier, Frontier), Finding>, StoreError> {
    let not_extended = |size: u64, why: String| {
        Err(Finding::Checkpoint {
            size,
            problem: CheckpointProblem::NotExtended(why),
        })
    };
    let Some(keys) = keys else {
        return Ok(not_extended(
            0,
            "a trusted checkpoint can only be checked with the log's verifier key (--key-dir)"
                .into(),
        ));
    };
    let trusted = match open_checkpoint(note, keys, None) {
        Ok(opened) => opened.checkpoint,
        Err(e) => return Ok(not_extended(0, format!("it does not verify: {e}"))),
    };
    let (size, root) = (trusted.size, trusted.root);
    let Some((latest_size, latest_root)) = latest else {
        return Ok(not_extended(
            size,
            "the log has no checkpoint to compare".into(),
        ));
    };
    if latest_size < size {
        return Ok(not_extended(
            size,
            format!("the log's latest checkpoint is of {latest_size} entries, fewer"),
        ));
    }
    let proof = match tree::consistency_proof(db, size, latest_size).await {
        Ok(proof) => proof,
        Err(StoreError::NotInLog(why)) => return Ok(not_extended(size, why)),
        Err(e) => return Err(e),
    };
    if let Err(e) = merkle::verify_consistency(size, latest_size, &proof, &root, &latest_root) {
        return Ok(not_extended(
            size,
            format!("no consistency with the latest checkpoint ({latest_size}): {e}"),
        ));
    }
    // The tree's right edge at the trusted size, checked against its root.
    let wanted = Frontier::subtrees_for(size);
    let found = sql::tree::read_subtrees(db, &wanted).await?;
    let hashes: Option<Vec<Hash>> = wanted.iter().map(|s| found.get(s).copied()).collect();
    let frontier = match hashes.map(|h| Frontier::restore(size, h)) {
        Some(Ok(frontier)) if frontier.root() == root => frontier,
        _ => {
            return Ok(not_extended(
                size,
                "the stored tree does not give its root".into(),
            ));
        }
    };
    // The hash the next entry must link to: the last leaf, proved included in the root.
    let prev_hash = if size == 0 {
        LeafHash::GENESIS
    } else {
        let last = Subtree {
            level: 0,
            index: size - 1,
        };
        let leaf = sql::tree::read_subtrees(db, &[last])
            .await?
            .get(&last)
            .copied();
        let proof = tree::inclusion_proof(db, size - 1, size).await?;
        match leaf {
            Some(leaf)
                if merkle::verify_inclusion(&leaf, size - 1, size, &proof, &root).is_ok() =>
            {
                LeafHash::from_bytes(*leaf.as_bytes())
            }
            _ => {
                return Ok(not_extended(
                    size,
                    "its last entry is not the one stored".into(),
                ));
            }
        }
    };
    Ok(Ok((ChainVerifier::resume(size, prev_hash), frontier)))
}

/// Streams the log from the verifier's position to the head, checking each entry and the
/// root at each of `roots` (sizes ascending).
async fn check_chain(
    db: &Database,
    head: Head,
    mut verifier: ChainVerifier,
    mut frontier: Frontier,
    roots: Vec<(u64, Hash)>,
    mut progress: impl FnMut(u64),
) -> Result<Result<(VerifiedChain, Frontier), Finding>, StoreError> {
    let from = verifier.size();
    let (chunks, mut receiver) = tokio::sync::mpsc::channel::<Vec<LogRow>>(4);
    let (checked, mut checked_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let checker = tokio::task::spawn_blocking(move || {
        let mut roots = roots.into_iter().peekable();
        let mut check_roots = |frontier: &Frontier| -> Result<(), Finding> {
            while let Some(&(size, signed)) = roots.peek() {
                if size > frontier.size() {
                    break;
                }
                roots.next();
                let computed = frontier.root();
                if size == frontier.size() && computed != signed {
                    return Err(Finding::Checkpoint {
                        size,
                        problem: CheckpointProblem::RootMismatch {
                            signed: signed.to_base64(),
                            computed: computed.to_base64(),
                        },
                    });
                }
            }
            Ok(())
        };
        check_roots(&frontier)?;
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
                return Err(Finding::Chain(VerifyError {
                    position: verifier.size(),
                    problem: Problem::Malformed(EntryError::Malformed(
                        "a checking thread failed".into(),
                    )),
                }));
            }
            for (row, prepared) in chunk.iter().zip(prepared) {
                let leaf = verifier
                    .push_prepared(stored(row), prepared)
                    .map_err(Finding::Chain)?;
                frontier.push(tree::leaf(&leaf), |_, _| {});
                check_roots(&frontier)?;
            }
            let _ = checked.send(verifier.size());
        }
        let log_size = verifier.size();
        let chain = verifier
            .finish(Some((head.size, head.hash)))
            .map_err(Finding::Chain)?;
        // A checkpoint beyond the end: the log was cut back below what was signed.
        if let Some((size, _)) = roots.next() {
            return Err(Finding::Checkpoint {
                size,
                problem: CheckpointProblem::BeyondLog { log: log_size },
            });
        }
        Ok((chain, frontier))
    });
    let mut rows = sql::stream_log(db, from);
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
