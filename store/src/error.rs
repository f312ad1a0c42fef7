//! The store's errors: driver errors mapped once into the ledger's vocabulary.

use domain::ledger::{EntryError, MetadataError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the mirror's copy connection on SQLite (`sql::bulk`), which is not sqlx's.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error(
        "aggregate {aggregate} changed since it was loaded (expected sequence {expected}, found {found})"
    )]
    Conflict {
        aggregate: String,
        expected: u64,
        found: u64,
    },
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// An entry must fit the uint16 length prefix of a C2SP tlog-tiles entry bundle.
    #[error(
        "mục ghi {event_type} của {aggregate} dài {bytes} byte, vượt giới hạn 65.535 byte của một mục trong ô (tile) nhật ký; không ghi gì / the {event_type} entry of {aggregate} is {bytes} bytes, above the 65,535 a log tile's entry may hold; nothing was written"
    )]
    EntryTooLarge {
        aggregate: String,
        event_type: String,
        bytes: usize,
    },
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("the appender has stopped")]
    AppenderStopped,
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("refused: {0}")]
    Refused(String),
    #[error("not in the log: {0}")]
    NotInLog(String),
}

impl StoreError {
    /// Whether a key refused the write (a position or a sequence taken by another append).
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
