//! Keeping the projections: the live tables in the database, advanced with their checkpoint
//! in one transaction; full rebuilds; and historical states built in memory.
//!
//! The projector never uses cqrs-es's after-commit query dispatch (which runs once per command
//! in the writer's process and is lost if that process stops): it reads the log by position
//! from its own checkpoint, so it misses nothing and counts nothing twice.

use std::sync::Arc;

use futures::TryStreamExt;
use futures::stream::BoxStream;
use store::{
    Database, LogFilter, ProjectionSnapshot, RecentEntries, StoreError, TableShape, WriteTx,
    read_entries, read_head,
};
use tokio::sync::mpsc;

use crate::event::{DecodeError, ProjectedEvent, decode};
use crate::table::{Changes, RowError};
use crate::{Digest, Filter, ProjectionSet, Shared};

/// The checkpoint id of the live projections.
pub const LIVE: &str = "live";
/// Entries folded between two commits of the live tables.
const FLUSH_EVERY: usize = 5_000;
/// Rows handed to a decoding thread at a time.
const CHUNK: usize = 2_048;
/// Threads decoding entries during a replay (decoding costs about as much as the fold).
const DECODERS: usize = 2;
/// Chunks folded between two settlements of deferred work during a replay: often enough that
/// it overlaps the decoding instead of waiting for the end, rarely enough that a subject met
/// in many chunks is not recomputed after each.
const SETTLE_EVERY: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ProjectorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the log: {0}")]
    Decode(#[from] DecodeError),
    #[error("projection rows: {0}")]
    Row(#[from] RowError),
    #[error("stopped at {0:?} (simulated crash)")]
    Crashed(CrashPoint),
    #[error("a thread folding or ordering the projections failed")]
    Folder,
    #[error("an earlier write of the live tables did not finish: load them again first")]
    Interrupted,
}

/// Where a simulated crash stops a flush (tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// After folding, before any row is written.
    BeforeRows,
    /// After the rows are written, before the checkpoint.
    BetweenRowsAndCheckpoint,
    /// After the checkpoint is written, before the commit.
    BeforeCommit,
}

/// The live projections in memory, and where their tables in the database stand.
pub struct Projector {
    db: Database,
    set: ProjectionSet,
    /// Entries folded into `set`.
    position: u64,
    /// Entries the tables in the database hold, with their checkpoint (at most `position`).
    committed: u64,
    /// A write of the tables began and did not finish (it failed, or its task was stopped):
    /// the changes it took are no longer tracked, so nothing more may be written before the
    /// projector is loaded again.
    interrupted: bool,
    /// The entries this process's appender committed last, folded without reading them back.
    recent: Option<RecentEntries>,
}

impl Projector {
    /// Loads the live projections: every row and the checkpoint, read as of one moment, and the
    /// shared state refolded from the log's cooperative entries below the checkpoint.
    ///
    /// # Errors
    /// When the tables cannot be read.
    pub async fn load(db: &Database) -> Result<Projector, ProjectorError> {
        let mut set = ProjectionSet::new();
        // The checkpoint and the rows of one moment, whatever commits meanwhile.
        let shapes: Vec<&TableShape> = set.tables().iter().map(|t| t.shape()).collect();
        let mut snapshot = ProjectionSnapshot::begin(db, &shapes).await?;
        let position = snapshot.checkpoint(LIVE).await?;
        // The shared domain state is not stored: each cooperative's events below the
        // checkpoint (the log's entries never change), folded again while the tables are read.
        let refold = {
            let db = db.clone();
            tokio::spawn(async move {
                let cooperatives =
                    read_entries(&db, LogFilter::of_type("cooperative").below(position));
                fold_rows(cooperatives, Shared::default(), Shared::apply, |_| {}).await
            })
        };
        for table in set.tables_mut() {
            let rows = snapshot.rows(table.shape()).await?;
            table.load(rows)?;
        }
        snapshot.finish().await?;
        set.shared = refold.await.map_err(|_| ProjectorError::Folder)??;
        Ok(Projector {
            db: db.clone(),
            set,
            position,
            committed: position,
            interrupted: false,
            recent: None,
        })
    }

    /// Takes the entries this process appends from `recent` when they are there
    /// ([`Projector::fold_new`]), rather than reading them back from the log.
    #[must_use]
    pub fn with_recent(mut self, recent: RecentEntries) -> Self {
        self.recent = Some(recent);
        self
    }

    /// How many entries the live projections hold.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// How many entries the live tables in the database hold (their checkpoint): behind
    /// [`Projector::position`] while entries folded by [`Projector::fold_new`] wait for
    /// [`Projector::commit`].
    pub fn committed(&self) -> u64 {
        self.committed
    }

    pub fn set(&self) -> &ProjectionSet {
        &self.set
    }

    /// Folds every entry up to the head, committing rows and checkpoint together every few
    /// thousand entries. Returns the number of entries folded.
    ///
    /// # Errors
    /// When the log or the tables cannot be read or written; what was committed stays.
    pub async fn catch_up(&mut self, progress: impl FnMut(u64)) -> Result<u64, ProjectorError> {
        self.catch_up_with(u64::MAX, None, progress).await
    }

    /// As [`Projector::catch_up`], folding at most `limit` entries, and stopping at `crash`
    /// during the first flush, as a crash would: the transaction is dropped, uncommitted.
    ///
    /// # Errors
    /// [`ProjectorError::Crashed`] at the crash point; otherwise as `catch_up`.
    pub async fn catch_up_with(
        &mut self,
        limit: u64,
        crash: Option<CrashPoint>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, ProjectorError> {
        let start = self.position;
        self.fold(limit, Some(crash), &mut progress).await?;
        if self.position > self.committed || crash.is_some() {
            self.flush(crash).await?;
        }
        progress(self.position);
        Ok(self.position - start)
    }

    /// Folds at most `limit` new entries into the tables in memory, which readers then see,
    /// without writing them: [`Projector::commit`] writes what they changed. Returns the number
    /// of entries folded.
    ///
    /// # Errors
    /// When the log cannot be read or an entry decoded; the tables in memory may then hold
    /// part of the entries, so the caller reloads them ([`Projector::load`]).
    pub async fn fold_new(&mut self, limit: u64) -> Result<u64, ProjectorError> {
        let start = self.position;
        let appended_here = self
            .recent
            .as_ref()
            .and_then(|recent| recent.from(self.position, limit));
        match appended_here {
            Some(entries) => {
                for (position, bytes) in entries {
                    let event = decode(&bytes, position)?;
                    self.set.apply(&event);
                    self.position = position + 1;
                }
            }
            None => self.fold(limit, None, &mut |_| {}).await?,
        }
        self.set.settle();
        Ok(self.position - start)
    }

    /// Writes the rows changed since the last commit, with the checkpoint, in one transaction;
    /// nothing when nothing was folded since.
    ///
    /// # Errors
    /// When the tables cannot be written (what the database held stays).
    pub async fn commit(&mut self) -> Result<(), ProjectorError> {
        if self.position > self.committed {
            self.flush(None).await?;
        }
        Ok(())
    }

    /// Folds at most `limit` entries up to the head; with `flushing` (a crash point or none),
    /// commits every [`FLUSH_EVERY`] entries.
    async fn fold(
        &mut self,
        limit: u64,
        flushing: Option<Option<CrashPoint>>,
        progress: &mut impl FnMut(u64),
    ) -> Result<(), ProjectorError> {
        let head = read_head(&self.db).await?.size;
        let until = head.min(self.position.saturating_add(limit));
        if self.position >= until {
            return Ok(());
        }
        let db = self.db.clone();
        let mut rows = read_entries(&db, LogFilter::from(self.position));
        let mut pending = 0usize;
        while self.position < until {
            let Some((_, bytes)) = rows.try_next().await? else {
                break;
            };
            let event = decode(&bytes, self.position)?;
            self.set.apply(&event);
            self.position += 1;
            pending += 1;
            if let Some(crash) = flushing
                && pending == FLUSH_EVERY
            {
                self.flush(crash).await?;
                pending = 0;
                progress(self.position);
            }
        }
        Ok(())
    }

    /// Writes the changed rows and the checkpoint in one transaction.
    async fn flush(&mut self, crash: Option<CrashPoint>) -> Result<(), ProjectorError> {
        if self.interrupted {
            return Err(ProjectorError::Interrupted);
        }
        self.interrupted = true;
        self.set.settle();
        let mut changes: Vec<(&'static store::TableShape, Changes)> = Vec::new();
        for table in self.set.tables_mut() {
            changes.push((table.shape(), table.take_changes()?));
        }
        if crash == Some(CrashPoint::BeforeRows) {
            return Err(ProjectorError::Crashed(CrashPoint::BeforeRows));
        }
        let mut tx = WriteTx::begin(&self.db).await?;
        for (shape, change) in &changes {
            tx.delete_rows(shape, &change.deletes).await?;
            tx.upsert_rows(shape, &change.upserts).await?;
        }
        if crash == Some(CrashPoint::BetweenRowsAndCheckpoint) {
            return Err(ProjectorError::Crashed(
                CrashPoint::BetweenRowsAndCheckpoint,
            ));
        }
        tx.set_projection_checkpoint(LIVE, self.position).await?;
        if crash == Some(CrashPoint::BeforeCommit) {
            return Err(ProjectorError::Crashed(CrashPoint::BeforeCommit));
        }
        tx.commit().await?;
        self.committed = self.position;
        self.interrupted = false;
        Ok(())
    }
}

/// Folds the log into a fresh [`ProjectionSet`], keeping the events `filter` admits.
///
/// # Errors
/// When the log cannot be read or an entry cannot be decoded.
pub async fn replay(
    db: &Database,
    filter: Filter,
    progress: impl FnMut(u64),
) -> Result<ProjectionSet, ProjectorError> {
    let head = read_head(db).await?.size;
    let mut set = ProjectionSet::new();
    // Written whole or not at all: no need to track what changed.
    for table in set.tables_mut() {
        table.untrack();
    }
    let mut folded = 0usize;
    let fold = move |set: &mut ProjectionSet, event: &ProjectedEvent| {
        if filter.admits(event) {
            set.apply(event);
        }
        folded += 1;
        if folded.is_multiple_of(SETTLE_EVERY * CHUNK) {
            set.settle_during_replay();
        }
    };
    // Entries appended meanwhile are left for the next catch-up.
    let rows = read_entries(db, LogFilter::from(0))
        .try_take_while(move |(position, _)| std::future::ready(Ok(*position < head)));
    let mut set = fold_rows(Box::pin(rows), set, fold, progress).await?;
    set.settle();
    Ok(set)
}

/// Reads `rows`, decodes them and folds them in position order into `state` with `fold`.
/// Reading, decoding and folding overlap: rows are read here in chunks, dealt in turn to
/// [`DECODERS`] decoding threads, and folded on a thread of their own, taking the decoded
/// chunks back in the same turn, so in order. `progress` gets the number of entries folded.
async fn fold_rows<T: Send + 'static>(
    mut rows: BoxStream<'_, Result<(u64, Vec<u8>), StoreError>>,
    state: T,
    mut fold: impl FnMut(&mut T, &ProjectedEvent) + Send + 'static,
    mut progress: impl FnMut(u64),
) -> Result<T, ProjectorError> {
    let mut to_decoders = Vec::new();
    let mut from_decoders = Vec::new();
    for _ in 0..DECODERS {
        let (chunks, mut raw) = mpsc::channel::<Vec<(u64, Vec<u8>)>>(4);
        let (decoded, events) = std::sync::mpsc::sync_channel(16);
        tokio::task::spawn_blocking(move || {
            while let Some(chunk) = raw.blocking_recv() {
                let events: Result<Vec<ProjectedEvent>, DecodeError> = chunk
                    .iter()
                    .map(|(position, bytes)| decode(bytes, *position))
                    .collect();
                drop(chunk);
                let failed = events.is_err();
                if decoded.send(events).is_err() || failed {
                    break;
                }
            }
        });
        to_decoders.push(chunks);
        from_decoders.push(events);
    }
    let (folded, mut folded_rx) = mpsc::unbounded_channel::<u64>();
    let folder = tokio::task::spawn_blocking(move || -> Result<T, ProjectorError> {
        let mut state = state;
        let mut done = 0u64;
        // Chunk k is decoded by decoder k mod DECODERS; a decoder that is done means all are.
        for turn in 0.. {
            let Ok(chunk) = from_decoders[turn % DECODERS].recv() else {
                break;
            };
            let chunk = chunk?;
            done += chunk.len() as u64;
            for event in &chunk {
                fold(&mut state, event);
            }
            let _ = folded.send(done);
        }
        Ok(state)
    });
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut turn = 0usize;
    while let Some(row) = rows.try_next().await? {
        chunk.push(row);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if to_decoders[turn % DECODERS].send(full).await.is_err() {
                break;
            }
            turn += 1;
            while let Ok(done) = folded_rx.try_recv() {
                progress(done);
            }
        }
    }
    drop(rows);
    if !chunk.is_empty() {
        let _ = to_decoders[turn % DECODERS].send(chunk).await;
    }
    drop(to_decoders);
    let state = folder.await.map_err(|_| ProjectorError::Folder)??;
    while let Ok(done) = folded_rx.try_recv() {
        progress(done);
    }
    Ok(state)
}

/// Rebuilds the live projections from position 0: every table emptied and refilled, and the
/// checkpoint set to the head, in one transaction. Returns the rebuilt set (for its digests).
///
/// # Errors
/// When the log cannot be read or the tables cannot be written (nothing changes then).
pub async fn rebuild(
    db: &Database,
    progress: impl FnMut(u64),
) -> Result<ProjectionSet, ProjectorError> {
    let head = read_head(db).await?.size;
    // The replay reads its own head, which entries appended since may have moved: the filter
    // (and the empty set for an empty log) keep exactly the `head` entries the checkpoint says.
    let set = replay(db, Filter::AsOfPosition(head.saturating_sub(1)), progress).await?;
    let set = Arc::new(if head == 0 { ProjectionSet::new() } else { set });
    // Rows are written in key order: each table's order is sorted on a thread of its own
    // while the tables before it are written (the database, not this side, sets the pace).
    let sorting = {
        let set = set.clone();
        tokio::task::spawn_blocking(move || {
            for table in set.tables() {
                table.prepare_order();
            }
        })
    };
    let written = write_set(db, &set, LIVE, head).await;
    sorting.await.map_err(|_| ProjectorError::Folder)?;
    written?;
    Arc::try_unwrap(set).map_err(|_| ProjectorError::Folder)
}

/// Writes a projection set's tables into `target` (a separate database, e.g. an SQLite file
/// for a historical state), replacing what they held, with `checkpoint_id` at `position`.
///
/// # Errors
/// When the tables cannot be written (nothing changes then).
pub async fn write_set(
    target: &Database,
    set: &ProjectionSet,
    checkpoint_id: &str,
    position: u64,
) -> Result<(), ProjectorError> {
    let mut tx = WriteTx::begin(target).await?;
    for table in set.tables() {
        // Rows become cells as COPY takes them; the first that does not stops the write.
        let mut failed = None;
        let rows = table.cells().map_while(|row| match row {
            Ok(cells) => Some(cells),
            Err(e) => {
                failed = Some(e);
                None
            }
        });
        tx.replace_rows(table.shape(), rows).await?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    tx.set_projection_checkpoint(checkpoint_id, position)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The digests of the live projections as stored.
///
/// # Errors
/// When the tables cannot be read.
pub async fn stored_digests(db: &Database) -> Result<(u64, Vec<Digest>), ProjectorError> {
    let projector = Projector::load(db).await?;
    Ok((projector.position, projector.set.digests()?))
}
