//! What the HTTP service keeps beside the log: the responses remembered under idempotency
//! keys (written with the entries they answer, by the appender), and the readiness probe.

use super::statement::{Statement, Target};
use crate::database::Database;
use crate::error::StoreError;

/// A response remembered under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedResponse {
    /// Lowercase hex SHA-256 of what was asked (route and body), to refuse a key reused for
    /// a different request.
    pub request_sha256: String,
    pub status: u16,
    pub response: String,
}

/// One row of `api_idempotency`: whose key, the key, and the response remembered under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub user_id: String,
    pub key: String,
    pub remembered: RememberedResponse,
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
    let row: Option<(String, i32, String)> = Statement::new(
        "SELECT request_sha256, status, response FROM api_idempotency \
         WHERE user_id = $1 AND idempotency_key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(db)
    .await?;
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

/// Inserts `records` in one statement; a key already remembered keeps its first response.
/// (The appender's PostgreSQL fast path inserts them in its own statement instead.)
pub(crate) async fn insert_records<'c>(
    on: impl Into<Target<'c>>,
    records: &[IdempotencyRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut insert = Statement::new(
        "INSERT INTO api_idempotency \
         (user_id, idempotency_key, request_sha256, status, response) VALUES ",
    );
    for (i, record) in records.iter().enumerate() {
        insert.push(if i == 0 { "(" } else { ", (" });
        insert.push_bind(record.user_id.as_str()).push(", ");
        insert.push_bind(record.key.as_str()).push(", ");
        insert
            .push_bind(record.remembered.request_sha256.as_str())
            .push(", ");
        insert
            .push_bind(i32::from(record.remembered.status))
            .push(", ");
        insert
            .push_bind(record.remembered.response.as_str())
            .push(")");
    }
    insert.push(" ON CONFLICT DO NOTHING");
    insert.execute(on).await?;
    Ok(())
}

/// Whether the database answers (a readiness probe).
///
/// # Errors
/// When it does not.
pub async fn ping(db: &Database) -> Result<(), StoreError> {
    Statement::new("SELECT 1").execute(db).await?;
    Ok(())
}
