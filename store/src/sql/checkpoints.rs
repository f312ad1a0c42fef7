//! The SQL of the signed checkpoints.

use chrono::{DateTime, Utc};
use tlog::Hash;

use super::statement::{Statement, to_u64};
use super::write::WriteTx;
use crate::database::Database;
use crate::error::StoreError;

/// A stored checkpoint: the signed note, and the size and root it was signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Hash,
    pub note: String,
    pub signed_at: DateTime<Utc>,
}

type Row = (i64, Vec<u8>, String, DateTime<Utc>);

fn from_row((size, root, note, signed_at): Row) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: to_u64(size, "checkpoint size")?,
        root: Hash::from_slice(&root)
            .map_err(|e| StoreError::Corrupt(format!("checkpoint {size} root: {e}")))?,
        note,
        signed_at,
    })
}

const COLUMNS: &str = "tree_size, root, note, signed_at";

/// The checkpoints of the same or a larger tree than `$1` entries: the ones in the way of a
/// new checkpoint of that size.
macro_rules! checkpoints_in_the_way {
    () => {
        "SELECT 1 FROM ledger_checkpoints WHERE tree_size >= $1"
    };
}

/// Stores a checkpoint (`$1` size, `$2` root, `$3` note, `$4` time) unless one of the same or
/// a larger tree is stored already: one row written, or none.
pub(crate) const INSERT_CHECKPOINT_IF_NEWEST: &str = concat!(
    "INSERT INTO ledger_checkpoints (tree_size, root, note, signed_at) \
     SELECT $1, $2, $3, $4 WHERE NOT EXISTS (",
    checkpoints_in_the_way!(),
    ")"
);

/// Whether a checkpoint of the same or a larger tree than `$1` is stored: what keeps
/// [`INSERT_CHECKPOINT_IF_NEWEST`] from writing, asked ahead of it.
pub(crate) const CHECKPOINT_IN_THE_WAY: &str =
    concat!("SELECT EXISTS (", checkpoints_in_the_way!(), ")");

/// Every stored checkpoint, smallest tree first.
pub async fn all(db: &Database) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM ledger_checkpoints ORDER BY tree_size");
    let rows: Vec<Row> = Statement::new(sql).fetch_all(db).await?;
    rows.into_iter().map(from_row).collect()
}

/// The checkpoint of the largest tree, if any.
pub async fn latest(db: &Database) -> Result<Option<StoredCheckpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1");
    let row: Option<Row> = Statement::new(sql).fetch_optional(db).await?;
    row.map(from_row).transpose()
}

/// The checkpoint of exactly `size` entries, if one was signed.
pub async fn at_size(db: &Database, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM ledger_checkpoints WHERE tree_size = $1");
    let row: Option<Row> = Statement::new(sql)
        .bind_u64(size)
        .fetch_optional(db)
        .await?;
    row.map(from_row).transpose()
}

impl WriteTx {
    /// Stores `checkpoint` unless one of the same or a larger tree is stored already.
    /// Returns whether it was stored.
    pub async fn insert_checkpoint_if_newest(
        &mut self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<bool, StoreError> {
        let done = Statement::new(INSERT_CHECKPOINT_IF_NEWEST)
            .bind_u64(checkpoint.size)
            .bind(&checkpoint.root.as_bytes()[..])
            .bind(checkpoint.note.as_str())
            .bind(checkpoint.signed_at)
            .execute(self)
            .await?;
        Ok(done == 1)
    }
}
