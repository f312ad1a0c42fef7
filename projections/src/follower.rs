//! Following the log's head: the live [`Projector`] kept current by one task, woken when the
//! appender moves the head and polling for writers in other processes, while readers share it.
//!
//! Readers read the tables in memory, which take each new entry as soon as it is appended. The
//! tables in the database (with their checkpoint, where a restart resumes) are written apart,
//! at most every [`COMMIT_EVERY`] while entries keep coming: a table row that many entries
//! change (a cooperative's registry row, whose `positions` grow with it) is then written once
//! for all of them rather than once per commit of the appender.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use store::{Database, RecentEntries};
use tokio::sync::{Mutex, MutexGuard, TryLockError, watch};

use crate::projector::{Projector, ProjectorError};

/// Entries folded between two commits of the live tables while following, so that readers
/// wait at most one short batch for the projector.
pub const FOLD_BATCH: u64 = 5_000;

/// The longest the tables in the database trail the tables in memory while entries keep
/// coming (and [`FOLD_BATCH`] entries at most); once no entry came for that long, they hold
/// every entry folded.
pub const COMMIT_EVERY: Duration = Duration::from_millis(250);

/// The live projector shared by the task that follows the log and the readers of its tables.
pub struct Follower {
    db: Database,
    projector: Mutex<Projector>,
    /// How many entries the projector holds, readable without its lock.
    position: AtomicU64,
    /// How many entries its tables in the database hold.
    committed: AtomicU64,
    /// What the appender of this process committed last.
    recent: Option<RecentEntries>,
}

impl Follower {
    /// Loads the live projections and folds what the log holds beyond their checkpoint.
    ///
    /// # Errors
    /// When the tables or the log cannot be read, or the tables written.
    pub async fn start(
        db: &Database,
        recent: Option<RecentEntries>,
        progress: impl FnMut(u64),
    ) -> Result<Follower, ProjectorError> {
        let mut projector = Projector::load(db).await?;
        if let Some(recent) = &recent {
            projector = projector.with_recent(recent.clone());
        }
        projector.catch_up(progress).await?;
        Ok(Follower {
            db: db.clone(),
            position: AtomicU64::new(projector.position()),
            committed: AtomicU64::new(projector.committed()),
            recent,
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

    /// Folds new entries into the tables in memory, [`FOLD_BATCH`] at a time, releasing the
    /// projector between batches, and commits them to the database when `commit` says so or
    /// when [`FOLD_BATCH`] entries wait; returns how many were folded.
    ///
    /// # Errors
    /// As [`Projector::fold_new`] and [`Projector::commit`]; what was committed stays.
    async fn fold_new(&self, commit: bool) -> Result<u64, ProjectorError> {
        let mut total = 0;
        loop {
            let mut projector = self.projector.lock().await;
            let folded = projector.fold_new(FOLD_BATCH).await?;
            self.position.store(projector.position(), Ordering::Release);
            if commit || projector.position() - projector.committed() >= FOLD_BATCH {
                projector.commit().await?;
            }
            self.committed
                .store(projector.committed(), Ordering::Release);
            drop(projector);
            total += folded;
            if folded < FOLD_BATCH {
                return Ok(total);
            }
        }
    }

    /// Folds every new entry and commits the tables to the database; returns how many were
    /// folded.
    ///
    /// # Errors
    /// As [`Projector::catch_up_with`]; what was committed stays.
    pub async fn catch_up(&self) -> Result<u64, ProjectorError> {
        self.fold_new(true).await
    }

    /// Commits what the tables in memory hold beyond the database's (when the service stops).
    ///
    /// # Errors
    /// As [`Projector::commit`].
    pub async fn commit(&self) -> Result<(), ProjectorError> {
        let mut projector = self.projector.lock().await;
        projector.commit().await?;
        self.committed
            .store(projector.committed(), Ordering::Release);
        Ok(())
    }

    /// Replaces the projector with the live projections as last committed.
    async fn reload(&self) -> Result<(), ProjectorError> {
        let mut fresh = Projector::load(&self.db).await?;
        if let Some(recent) = &self.recent {
            fresh = fresh.with_recent(recent.clone());
        }
        let mut projector = self.projector.lock().await;
        self.position.store(fresh.position(), Ordering::Release);
        self.committed.store(fresh.committed(), Ordering::Release);
        *projector = fresh;
        Ok(())
    }

    /// Follows the log: folds new entries whenever the appender's `head` (the log's size)
    /// passes the projector, and at least every `poll` for writers in other processes;
    /// `caught_up` gets the position after each fold. Entries folded and not yet in the
    /// tables in the database are committed as soon as [`COMMIT_EVERY`] has passed since
    /// their last commit (at once after a quiet spell). A failure is logged, the projections
    /// reloaded from their last commit after `poll`, and the fold retried. Runs until aborted.
    pub fn follow(
        self: Arc<Self>,
        mut head: watch::Receiver<u64>,
        poll: Duration,
        mut caught_up: impl FnMut(u64) + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut committed_at = Instant::now();
            let mut commit = true;
            loop {
                if let Err(error) = self.fold_new(commit).await {
                    tracing::error!(%error, "projector failed; reloading from its checkpoint");
                    tokio::time::sleep(poll).await;
                    if let Err(error) = self.reload().await {
                        tracing::error!(%error, "projector cannot reload");
                    }
                    continue;
                }
                if commit {
                    committed_at = Instant::now();
                }
                let position = self.position();
                caught_up(position);
                let uncommitted = self.committed.load(Ordering::Acquire) < position;
                let due = committed_at + COMMIT_EVERY;
                let wait = if uncommitted {
                    due.saturating_duration_since(Instant::now()).min(poll)
                } else {
                    poll
                };
                let woken = tokio::time::timeout(wait, head.wait_for(|size| *size > position));
                // The appender is gone: poll only.
                if matches!(woken.await, Ok(Err(_))) {
                    tokio::time::sleep(poll).await;
                }
                commit = uncommitted && Instant::now() >= due;
            }
        })
    }
}
