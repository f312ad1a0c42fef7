//! What the HTTP service reads and keeps beside the log: one aggregate type's entries (the
//! people and their tokens), an aggregate's latest entries (what a command just wrote) or all
//! of them (a cooperative's history), and
//! the responses remembered under idempotency keys.

use crate::database::Database;
use crate::error::StoreError;

use super::{to_i64, to_u64};

/// The entries of every aggregate of `aggregate_type` from position `from` on, in position
/// order: `(position, entry bytes)`.
///
/// # Errors
/// When the database cannot be read.
pub async fn entries_of_type(
    db: &Database,
    aggregate_type: &str,
    from: u64,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    const SQL_PG: &str = "SELECT position, entry FROM ledger_entries \
                          WHERE aggregate_type = $1 AND position >= $2 ORDER BY position";
    const SQL_LITE: &str = "SELECT position, entry FROM ledger_entries \
                            WHERE aggregate_type = ?1 AND position >= ?2 ORDER BY position";
    let from = to_i64(from)?;
    let rows: Vec<(i64, Vec<u8>)> = match db {
        Database::Postgres(pool) => {
            sqlx::query_as(SQL_PG)
                .bind(aggregate_type)
                .bind(from)
                .fetch_all(pool)
                .await?
        }
        Database::Sqlite(pool) => {
            sqlx::query_as(SQL_LITE)
                .bind(aggregate_type)
                .bind(from)
                .fetch_all(pool)
                .await?
        }
    };
    rows.into_iter()
        .map(|(position, bytes)| Ok((to_u64(position, "position")?, bytes)))
        .collect()
}

/// The last `limit` entries of one aggregate, newest first: entry bytes.
///
/// # Errors
/// When the database cannot be read.
pub async fn latest_aggregate_entries(
    db: &Database,
    aggregate_type: &str,
    aggregate_id: &str,
    limit: u32,
) -> Result<Vec<Vec<u8>>, StoreError> {
    const SQL_PG: &str = "SELECT entry FROM ledger_entries \
                          WHERE aggregate_type = $1 AND aggregate_id = $2 \
                          ORDER BY sequence DESC LIMIT $3";
    const SQL_LITE: &str = "SELECT entry FROM ledger_entries \
                            WHERE aggregate_type = ?1 AND aggregate_id = ?2 \
                            ORDER BY sequence DESC LIMIT ?3";
    let rows: Vec<(Vec<u8>,)> = match db {
        Database::Postgres(pool) => {
            sqlx::query_as(SQL_PG)
                .bind(aggregate_type)
                .bind(aggregate_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        }
        Database::Sqlite(pool) => {
            sqlx::query_as(SQL_LITE)
                .bind(aggregate_type)
                .bind(aggregate_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        }
    };
    Ok(rows.into_iter().map(|(bytes,)| bytes).collect())
}

/// Every entry of one aggregate, in sequence order: entry bytes (a cooperative's history).
///
/// # Errors
/// When the database cannot be read.
pub async fn aggregate_history(
    db: &Database,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let rows = super::aggregate_entries(db, aggregate_type, aggregate_id, 0).await?;
    Ok(rows.into_iter().map(|(_, bytes)| bytes).collect())
}

/// A response remembered under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedResponse {
    /// Lowercase hex SHA-256 of what was asked (route and body), to refuse a key reused for
    /// a different request.
    pub request_sha256: String,
    pub status: u16,
    pub response: String,
}

/// The response remembered for `(user_id, key)`, if any.
///
/// # Errors
/// When the database cannot be read.
pub async fn remembered_response(
    db: &Database,
    user_id: &str,
    key: &str,
) -> Result<Option<RememberedResponse>, StoreError> {
    const SQL_PG: &str = "SELECT request_sha256, status, response FROM api_idempotency \
                          WHERE user_id = $1 AND idempotency_key = $2";
    const SQL_LITE: &str = "SELECT request_sha256, status, response FROM api_idempotency \
                            WHERE user_id = ?1 AND idempotency_key = ?2";
    let row: Option<(String, i32, String)> = match db {
        Database::Postgres(pool) => {
            sqlx::query_as(SQL_PG)
                .bind(user_id)
                .bind(key)
                .fetch_optional(pool)
                .await?
        }
        Database::Sqlite(pool) => {
            sqlx::query_as(SQL_LITE)
                .bind(user_id)
                .bind(key)
                .fetch_optional(pool)
                .await?
        }
    };
    row.map(|(request_sha256, status, response)| {
        Ok(RememberedResponse {
            request_sha256,
            status: u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("HTTP status {status}")))?,
            response,
        })
    })
    .transpose()
}

/// Remembers the first response to `(user_id, key)`; a second one for the same key is
/// ignored (the first stands).
///
/// # Errors
/// When the database cannot be written.
pub async fn remember_response(
    db: &Database,
    user_id: &str,
    key: &str,
    remembered: &RememberedResponse,
) -> Result<(), StoreError> {
    const SQL_PG: &str = "INSERT INTO api_idempotency \
                          (user_id, idempotency_key, request_sha256, status, response) \
                          VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    const SQL_LITE: &str = "INSERT INTO api_idempotency \
                            (user_id, idempotency_key, request_sha256, status, response) \
                            VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";
    let status = i32::from(remembered.status);
    match db {
        Database::Postgres(pool) => {
            sqlx::query(SQL_PG)
                .bind(user_id)
                .bind(key)
                .bind(&remembered.request_sha256)
                .bind(status)
                .bind(&remembered.response)
                .execute(pool)
                .await?;
        }
        Database::Sqlite(pool) => {
            sqlx::query(SQL_LITE)
                .bind(user_id)
                .bind(key)
                .bind(&remembered.request_sha256)
                .bind(status)
                .bind(&remembered.response)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// Whether the database answers (a readiness probe).
///
/// # Errors
/// When it does not.
pub async fn ping(db: &Database) -> Result<(), StoreError> {
    match db {
        Database::Postgres(pool) => {
            sqlx::query("SELECT 1").execute(pool).await?;
        }
        Database::Sqlite(pool) => {
            sqlx::query("SELECT 1").execute(pool).await?;
        }
    }
    Ok(())
}
