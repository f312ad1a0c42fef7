//! The SQL of the signed checkpoints.

use chrono::{DateTime, Utc};
use tlog::Hash;

use super::{WriteTx, to_i64, to_u64};
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

/// Every stored checkpoint, smallest tree first.
pub async fn all(db: &Database) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM ledger_checkpoints ORDER BY tree_size");
    let rows: Vec<Row> = match db {
        Database::Postgres(pool) => sqlx::query_as(&sql).fetch_all(pool).await?,
        Database::Sqlite(pool) => sqlx::query_as(&sql).fetch_all(pool).await?,
    };
    rows.into_iter().map(from_row).collect()
}

/// The checkpoint of the largest tree, if any.
pub async fn latest(db: &Database) -> Result<Option<StoredCheckpoint>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1");
    let row: Option<Row> = match db {
        Database::Postgres(pool) => sqlx::query_as(&sql).fetch_optional(pool).await?,
        Database::Sqlite(pool) => sqlx::query_as(&sql).fetch_optional(pool).await?,
    };
    row.map(from_row).transpose()
}

/// The checkpoint of exactly `size` entries, if one was signed.
pub async fn at_size(db: &Database, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
    let size = to_i64(size)?;
    let row: Option<Row> = match db {
        Database::Postgres(pool) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM ledger_checkpoints WHERE tree_size = $1"
            ))
            .bind(size)
            .fetch_optional(pool)
            .await?
        }
        Database::Sqlite(pool) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM ledger_checkpoints WHERE tree_size = ?1"
            ))
            .bind(size)
            .fetch_optional(pool)
            .await?
        }
    };
    row.map(from_row).transpose()
}

impl WriteTx {
    /// Stores `checkpoint` unless one of the same or a larger tree is stored already.
    /// Returns whether it was stored.
    pub async fn insert_checkpoint_if_newest(
        &mut self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<bool, StoreError> {
        const SQL_PG: &str = "INSERT INTO ledger_checkpoints (tree_size, root, note, signed_at) \
            SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM ledger_checkpoints WHERE tree_size >= $1)";
        const SQL_LITE: &str = "INSERT INTO ledger_checkpoints (tree_size, root, note, signed_at) \
            SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM ledger_checkpoints WHERE tree_size >= ?1)";
        let size = to_i64(checkpoint.size)?;
        let root = checkpoint.root.as_bytes().to_vec();
        let done = match self {
            WriteTx::Postgres(tx) => sqlx::query(SQL_PG)
                .bind(size)
                .bind(root)
                .bind(&checkpoint.note)
                .bind(checkpoint.signed_at)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            WriteTx::Sqlite(tx) => sqlx::query(SQL_LITE)
                .bind(size)
                .bind(root)
                .bind(&checkpoint.note)
                .bind(checkpoint.signed_at)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        };
        Ok(done == 1)
    }
}
