//! Following the log's head: the live [`Projector`] kept current by one task, woken when the
//! appender moves the head and polling for writers in other processes, while readers share it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use store::Database;
use tokio::sync::{Mutex, MutexGuard, TryLockError, watch};

use crate::projector::{Projector, ProjectorError};

/// Entries folded between two commits of the live tables while following, so that readers
/// wait at most one short batch for the projector.
pub const FOLD_BATCH: u64 = 5_000;

/// The live projector shared by the task that follows the log and the readers of its tables.
pub struct Follower {
    db: Database,
    projector: Mutex<Projector>,
    /// How many entries the projector holds, readable without its lock.
    position: AtomicU64,
}

impl Follower {
    /// Loads the live projections and folds what the log holds beyond their checkpoint.
    ///
    /// # Errors
    /// When the tables or the log cannot be read, or the tables written.
    pub async fn start(
        db: &Database,
        progress: impl FnMut(u64),
    ) -> Result<Follower, ProjectorError> {
        let mut projector = Projector::load(db).await?;
        projector.catch_up(progress).await?;
        Ok(Follower {
            db: db.clone(),
            position: AtomicU64::new(projector.position()),
            projector: Mutex::new(projector),
        })
    }

    /// How many entries the live projections hold.
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Acquire)
    }

    /// The projector, once no fold holds it.
    pub async fn lock(&self) -> MutexGuard<'_, Projector> {
        self.projector.lock().await
    }

    /// The projector, unless a fold holds it now.
    ///
    /// # Errors
    /// While the projector is folding.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, Projector>, TryLockError> {
        self.projector.try_lock()
    }

    /// Folds new entries, [`FOLD_BATCH`] at a time, releasing the projector between batches;
    /// returns how many.
    ///
    /// # Errors
    /// As [`Projector::catch_up_with`]; what was committed stays.
    pub async fn catch_up(&self) -> Result<u64, ProjectorError> {
        let mut total = 0;
        loop {
            let mut projector = self.projector.lock().await;
            let folded = projector.catch_up_with(FOLD_BATCH, None, |_| {}).await?;
            self.position.store(projector.position(), Ordering::Release);
            drop(projector);
            total += folded;
            if folded < FOLD_BATCH {
                return Ok(total);
            }
        }
    }

    /// Replaces the projector with the live projections as last committed.
    async fn reload(&self) -> Result<(), ProjectorError> {
        let fresh = Projector::load(&self.db).await?;
        let mut projector = self.projector.lock().await;
        self.position.store(fresh.position(), Ordering::Release);
        *projector = fresh;
        Ok(())
    }

    /// Follows the log: catches up whenever the appender's `head` (the log's size) passes the
    /// projector, and at least every `poll` for writers in other processes; `caught_up` gets
    /// the position after each catch-up. A failure is logged, the projections reloaded from
    /// their last commit after `poll`, and the catch-up retried. Runs until aborted.
    pub fn follow(
        self: Arc<Self>,
        mut head: watch::Receiver<u64>,
        poll: Duration,
        mut caught_up: impl FnMut(u64) + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.catch_up().await {
                    tracing::error!(%error, "projector failed; reloading from its checkpoint");
                    tokio::time::sleep(poll).await;
                    if let Err(error) = self.reload().await {
                        tracing::error!(%error, "projector cannot reload");
                    }
                    continue;
                }
                let position = self.position();
                caught_up(position);
                let woken = tokio::time::timeout(poll, head.wait_for(|size| *size > position));
                // The appender is gone: poll only.
                if matches!(woken.await, Ok(Err(_))) {
                    tokio::time::sleep(poll).await;
                }
            }
        })
    }
}
