//! The SQL of the witnesses' cosignatures of the signed checkpoints.

use chrono::{DateTime, Utc};

use super::statement::{Statement, to_u64};
use crate::database::Database;
use crate::error::StoreError;

/// One witness's cosignature of the checkpoint of `size` entries: its signature line as
/// received (without the final newline), verified before it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCosignature {
    pub size: u64,
    /// The witness's key name.
    pub witness: String,
    pub line: String,
    /// The time the cosignature states, in seconds since the Unix epoch.
    pub cosigned_at: u64,
    pub received_at: DateTime<Utc>,
}

type Row = (i64, String, String, i64, DateTime<Utc>);

fn from_row(
    (size, witness, line, cosigned_at, received_at): Row,
) -> Result<StoredCosignature, StoreError> {
    Ok(StoredCosignature {
        size: to_u64(size, "cosigned checkpoint size")?,
        witness,
        line,
        cosigned_at: to_u64(cosigned_at, "cosignature time")?,
        received_at,
    })
}

const COLUMNS: &str = "tree_size, witness, line, cosigned_at, received_at";

/// The cosignatures of the checkpoint of `size` entries, by witness name.
pub async fn of_size(db: &Database, size: u64) -> Result<Vec<StoredCosignature>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM ledger_cosignatures WHERE tree_size = $1 ORDER BY witness");
    let rows: Vec<Row> = Statement::new(sql).bind_u64(size).fetch_all(db).await?;
    rows.into_iter().map(from_row).collect()
}

/// The cosignature of the largest checkpoint the witness of key name `witness` cosigned.
pub async fn latest_of(
    db: &Database,
    witness: &str,
) -> Result<Option<StoredCosignature>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM ledger_cosignatures WHERE witness = $1 \
         ORDER BY tree_size DESC LIMIT 1"
    );
    let row: Option<Row> = Statement::new(sql).bind(witness).fetch_optional(db).await?;
    row.map(from_row).transpose()
}

/// The sizes of the checkpoints that hold at least one cosignature, largest first.
pub async fn cosigned_sizes(db: &Database) -> Result<Vec<u64>, StoreError> {
    let rows: Vec<(i64,)> = Statement::new(
        "SELECT DISTINCT tree_size FROM ledger_cosignatures ORDER BY tree_size DESC",
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(size,)| to_u64(size, "cosigned checkpoint size"))
        .collect()
}

/// Stores `cosignature` unless the same witness's cosignature of that size is stored
/// already. Returns whether it was stored.
pub async fn insert(db: &Database, cosignature: &StoredCosignature) -> Result<bool, StoreError> {
    let done = Statement::new(
        "INSERT INTO ledger_cosignatures (tree_size, witness, line, cosigned_at, received_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size, witness) DO NOTHING",
    )
    .bind_u64(cosignature.size)
    .bind(cosignature.witness.as_str())
    .bind(cosignature.line.as_str())
    .bind_u64(cosignature.cosigned_at)
    .bind(cosignature.received_at)
    .execute(db)
    .await?;
    Ok(done == 1)
}
