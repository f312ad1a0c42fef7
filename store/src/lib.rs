//! The ledger's event store: one hash-chained global log, on PostgreSQL or an embedded SQLite
//! file, serving cqrs-es aggregates.
//!
//! - [`Database`] opens either backend and applies the migrations;
//! - [`Ledger`] owns the database and the appender task, which writes every entry;
//! - [`LedgerStore`] is cqrs-es's `EventStore` for one aggregate type;
//! - [`verify`], [`export`] read the log back and check it.

mod appender;
pub mod bundle;
pub mod checkpoint;
mod clock;
mod database;
mod directory;
mod error;
mod event_store;
pub mod export;
pub mod keys;
mod lookups;
mod recent;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tiles;
pub mod tree;
pub mod verify;
pub mod witnessed;

use std::sync::Arc;

pub use appender::{
    AppendBatch, AppendRequest, Appended, Appender, NewEvent, Remember, Respond, TreeUpkeep,
    Written,
};
pub use clock::{Clock, SteppingClock, SystemClock};
pub use database::{
    APP_ROLE, Backend, DEFAULT_DATABASE_URL, Database, Pool, SQLITE_COPY_PAGE_SIZE,
};
pub use directory::Directory;
pub use error::StoreError;
pub use event_store::{
    LEAF_HASH_KEY, LedgerContext, LedgerStore, POSITION_KEY, RECORDED_AT_KEY, to_aggregate_error,
};
pub use lookups::{LedgerLookups, Pending, ProgrammeStores};
pub use recent::RecentEntries;
pub use sql::bulk::BulkCopy;
pub use sql::checkpoints::StoredCheckpoint;
pub use sql::log::{
    AggregateFilter, LogFilter, collect_entries, read_entries, read_head, read_log, stream_log,
};
pub use sql::projection::{
    Cell, ColumnKind, ProjectionSnapshot, TableShape, projection_checkpoint, read_rows,
};
pub use sql::rows::{Head, LogRow, NewRow, NodeRow};
pub use sql::service;
pub use sql::write::WriteTx;

/// The ledger: its database and the task that appends to it.
#[derive(Clone)]
pub struct Ledger {
    database: Database,
    appender: Appender,
    directory: Arc<Directory>,
    loads: Arc<std::sync::atomic::AtomicU64>,
    caches: Arc<event_store::Caches>,
}

impl Ledger {
    /// Opens (and migrates) the database at `url` and starts the appender.
    ///
    /// # Errors
    /// As for [`Database::open`].
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Ledger, StoreError> {
        Ok(Ledger::new(Database::open(url).await?, clock).await)
    }

    /// Starts the appender on an open database, once it has read which aggregates exist.
    pub async fn new(database: Database, clock: Arc<dyn Clock>) -> Ledger {
        Ledger::with_tree(database, clock, TreeUpkeep::Maintain).await
    }

    /// As [`Ledger::open`], but appends keep no Merkle tree: only to measure what the tree
    /// costs. The next ordinary open rebuilds the tree.
    ///
    /// # Errors
    /// As for [`Database::open`].
    #[cfg(feature = "testing")]
    pub async fn open_without_tree(url: &str, clock: Arc<dyn Clock>) -> Result<Ledger, StoreError> {
        let database = Database::open(url).await?;
        Ok(Ledger::with_tree(database, clock, TreeUpkeep::SkipForMeasurement).await)
    }

    async fn with_tree(database: Database, clock: Arc<dyn Clock>, tree: TreeUpkeep) -> Ledger {
        let directory = Arc::new(Directory::default());
        let appender = Appender::start(database.clone(), clock, directory.clone(), tree).await;
        Ledger {
            database,
            appender,
            directory,
            loads: Arc::default(),
            caches: Arc::default(),
        }
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    pub fn appender(&self) -> &Appender {
        &self.appender
    }

    /// Which aggregates exist, as this process knows it.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// How many times an aggregate was loaded through this ledger (any [`LedgerStore`] of it):
    /// to decide a command, or read by a rule about another aggregate; from the cache or the
    /// log.
    pub fn aggregate_loads(&self) -> u64 {
        self.loads.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn count_load(&self) {
        self.loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Imports an exported log into this ledger's empty database ([`export::import_jsonl`]).
    ///
    /// The import writes past the appender, so the directory of aggregates, read when the
    /// ledger opened, is forgotten: loads read the log from then on.
    ///
    /// # Errors
    /// See [`export::ImportError`].
    pub async fn import_jsonl<R: std::io::BufRead>(
        &self,
        open: impl Fn() -> std::io::Result<R>,
        progress: impl FnMut(u64),
    ) -> Result<domain::ledger::VerifiedChain, export::ImportError> {
        let imported = export::import_jsonl(&self.database, open, progress).await;
        self.directory.forget();
        imported
    }

    /// An event store for aggregates of type `A`, with a cache of its own.
    pub fn store<A: cqrs_es::Aggregate + Clone>(&self) -> LedgerStore<A> {
        LedgerStore::new(self.clone())
    }

    /// An event store for aggregates of type `A` sharing this ledger's one cache of that type:
    /// the command side and the rules that read other aggregates (`LedgerLookups`) see one
    /// another's latest states.
    pub fn shared_store<A: cqrs_es::Aggregate + Clone + 'static>(&self) -> LedgerStore<A> {
        LedgerStore::with_cache(self.clone(), self.caches.of::<A>())
    }
}
