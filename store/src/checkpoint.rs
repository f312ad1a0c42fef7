//! Signing checkpoints: C2SP tlog-checkpoints of the log's Merkle tree, each checked to extend
//! the one before it.
//!
//! The log never signs two checkpoints that are inconsistent with each other. Before signing a
//! tree of `n` entries, [`create`] opens the latest stored checkpoint (`m` entries, root `r`)
//! with the log's own keys, restores the tree's right edge at `m` from storage and checks it
//! against `r`, then re-hashes the stored bytes of entries `m..n` and grows that edge to the new
//! root. The new root is therefore a function of a root already signed and of the entries as
//! they are stored: nothing edited below `m` can reach it, and an edited entry above `m` is
//! caught when its bytes no longer match the leaf hash stored beside them. The root is also
//! compared with the one the stored tree gives, which proofs are read from.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use domain::ledger::LeafHash;
use futures::TryStreamExt;
use tlog::Hash;
use tlog::merkle::Frontier;
use tlog::note::{Checkpoint, NoteError, SigningKey, open_checkpoint};

use crate::clock::Clock;
use crate::database::Database;
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::sql::checkpoints::{self, StoredCheckpoint};
pub use crate::sql::checkpoints::{all, at_size, latest};
use crate::sql::log::{read_head, stream_log};
use crate::sql::statement::to_u64;
use crate::sql::tree::read_subtrees;
use crate::sql::write::WriteTx;
use crate::tree;

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("no signing key: generate one with `htx-ledger key generate` and pass --key-dir")]
    NoSigningKey,
    #[error(
        "the latest stored checkpoint (tree size {size}) does not verify with the log's keys: {reason}; the checkpoint table may have been edited: run `htx-ledger verify`"
    )]
    LatestDoesNotVerify { size: u64, reason: String },
    #[error(
        "the log has {log} entries but a checkpoint of {checkpoint} was signed: entries were removed; run `htx-ledger verify`"
    )]
    LogShorter { checkpoint: u64, log: u64 },
    #[error(
        "the stored tree at {size} entries does not match the signed checkpoint of that size; refusing to sign a checkpoint that would contradict it: run `htx-ledger verify`"
    )]
    Inconsistent { size: u64 },
    #[error(
        "entry {position} no longer hashes to its stored leaf hash; refusing to sign: run `htx-ledger verify`"
    )]
    EntryAltered { position: u64 },
    #[error(
        "the stored Merkle tree at {size} entries disagrees with the entries; refusing to sign: run `htx-ledger verify`"
    )]
    StoredTreeDiffers { size: u64 },
    #[error("signing failed: {0}")]
    Signing(#[from] NoteError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of [`create`]: the latest checkpoint, and whether it was signed just now.
#[derive(Debug, Clone)]
pub struct Signed {
    pub checkpoint: StoredCheckpoint,
    pub new: bool,
}

/// Signs and stores a checkpoint of the whole log, after checking that it extends the latest
/// one. When the log has not grown since the latest, that one is returned unchanged.
///
/// # Errors
/// [`CheckpointError`]: no key, or a log, tree or checkpoint table that does not agree with
/// what was signed before (nothing is signed then).
pub async fn create(
    db: &Database,
    keys: &KeyRing,
    clock: &dyn Clock,
) -> Result<Signed, CheckpointError> {
    let origin = keys.origin().ok_or(CheckpointError::NoSigningKey)?;
    let head = read_head(db).await?;
    let latest = checkpoints::latest(db).await?;
    let (mut frontier, previous) =
        match &latest {
            None => (Frontier::new(), None),
            Some(latest) => {
                let opened = open_checkpoint(&latest.note, keys.verifiers(), Some(origin))
                    .map_err(|e| CheckpointError::LatestDoesNotVerify {
                        size: latest.size,
                        reason: e.to_string(),
                    })?;
                if opened.checkpoint.size != latest.size || opened.checkpoint.root != latest.root {
                    return Err(CheckpointError::LatestDoesNotVerify {
                        size: latest.size,
                        reason: "its columns differ from its signed note".into(),
                    });
                }
                if latest.size > head.size {
                    return Err(CheckpointError::LogShorter {
                        checkpoint: latest.size,
                        log: head.size,
                    });
                }
                let frontier = stored_frontier(db, latest.size).await?;
                if frontier.root() != latest.root {
                    return Err(CheckpointError::Inconsistent { size: latest.size });
                }
                (frontier, Some(latest.clone()))
            }
        };
    if let Some(previous) = &previous
        && previous.size == head.size
    {
        return Ok(Signed {
            checkpoint: previous.clone(),
            new: false,
        });
    }
    let mut entries = stream_log(db, frontier.size());
    while frontier.size() < head.size {
        let Some(row) = entries.try_next().await? else {
            return Err(CheckpointError::LogShorter {
                checkpoint: head.size,
                log: frontier.size(),
            });
        };
        let position = frontier.size();
        let computed = LeafHash::of_entry(&row.bytes);
        let stored_matches = LeafHash::from_slice(&row.leaf_hash).is_ok_and(|s| s.ct_eq(&computed));
        if to_u64(row.position, "position").ok() != Some(position) || !stored_matches {
            return Err(CheckpointError::EntryAltered { position });
        }
        frontier.push(tree::leaf(&computed), |_, _| {});
    }
    drop(entries);
    let root = frontier.root();
    if tree::root(db, head.size).await? != root {
        return Err(CheckpointError::StoredTreeDiffers { size: head.size });
    }
    let signers: Vec<&SigningKey> = keys.signers().iter().collect();
    let note = Checkpoint {
        origin: origin.to_owned(),
        size: head.size,
        root,
        extensions: Vec::new(),
    }
    .sign(&signers)?;
    let checkpoint = StoredCheckpoint {
        size: head.size,
        root,
        note,
        signed_at: clock.now(),
    };
    let mut tx = WriteTx::begin(db).await?;
    let stored = tx.insert_checkpoint_if_newest(&checkpoint).await?;
    tx.commit().await?;
    if !stored {
        // Another signer got there first with a tree at least as large; that one stands.
        let latest = checkpoints::latest(db)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a checkpoint vanished while signing".into()))?;
        return Ok(Signed {
            checkpoint: latest,
            new: false,
        });
    }
    tracing::info!(size = checkpoint.size, root = %checkpoint.root.to_base64(), "checkpoint signed");
    announce(checkpoint.size);
    Ok(Signed {
        checkpoint,
        new: true,
    })
}

fn announcer() -> &'static tokio::sync::watch::Sender<u64> {
    static SIGNED: OnceLock<tokio::sync::watch::Sender<u64>> = OnceLock::new();
    SIGNED.get_or_init(|| tokio::sync::watch::Sender::new(0))
}

fn announce(size: u64) {
    announcer().send_replace(size);
}

/// Told the size of every checkpoint [`create`] stores in this process (the checkpointer's,
/// `POST /api/v1/ledger/checkpoint`'s, the CLI's), whatever the database: a wake-up for
/// whoever acts on new checkpoints (the witnessing), which then reads its own database.
/// Checkpoints signed by another process are not told; poll for those.
pub fn signed_in_process() -> tokio::sync::watch::Receiver<u64> {
    announcer().subscribe()
}

async fn stored_frontier(db: &Database, size: u64) -> Result<Frontier, CheckpointError> {
    let wanted = Frontier::subtrees_for(size);
    let found = read_subtrees(db, &wanted).await?;
    let hashes: Option<Vec<Hash>> = wanted.iter().map(|s| found.get(s).copied()).collect();
    let hashes = hashes.ok_or(CheckpointError::Inconsistent { size })?;
    Frontier::restore(size, hashes).map_err(|_| CheckpointError::Inconsistent { size })
}

/// When the server signs checkpoints on its own.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Sign when the log has grown and this long has passed since the last checkpoint.
    pub interval: Duration,
    /// Sign as soon as this many entries were appended since the last checkpoint.
    pub entries: u64,
}

/// Runs [`create`] on `schedule` until the task is aborted. Failures are logged and retried at
/// the next tick; they never stop the task.
pub fn spawn_checkpointer(
    db: Database,
    keys: Arc<KeyRing>,
    clock: Arc<dyn Clock>,
    schedule: Schedule,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let tick = schedule.interval.min(Duration::from_secs(1));
        let mut last_signed = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(tick).await;
            let due = match (read_head(&db).await, checkpoints::latest(&db).await) {
                (Ok(head), Ok(latest)) => {
                    let signed = latest.map_or(0, |c| c.size);
                    let grown = head.size.saturating_sub(signed);
                    grown >= schedule.entries.max(1)
                        || (grown > 0 && last_signed.elapsed() >= schedule.interval)
                }
                (Err(error), _) | (_, Err(error)) => {
                    tracing::warn!(%error, "checkpointer cannot read the log");
                    false
                }
            };
            if !due {
                continue;
            }
            match create(&db, &keys, clock.as_ref()).await {
                Ok(_) => last_signed = tokio::time::Instant::now(),
                Err(error) => tracing::error!(%error, "checkpoint not signed"),
            }
        }
    })
}
