//! The SQL of the log, one function per statement and a branch per backend. Only this module
//! (with its children `tree` and `checkpoints`) and `database` know SQL.

pub mod checkpoints;
pub mod projection;
pub mod service;
pub mod tree;

use domain::ledger::LeafHash;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite, Transaction};

use crate::database::Database;
use crate::error::StoreError;

/// Rows per multi-row INSERT: 6 parameters each, well under SQLite's and PostgreSQL's limits.
const INSERT_CHUNK: usize = 1_000;

/// One row of `ledger_entries` about to be written.
#[derive(Debug, Clone)]
pub struct NewRow {
    pub position: u64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: u64,
    pub bytes: Vec<u8>,
    pub leaf_hash: LeafHash,
}

/// One row of `ledger_entries` as read back.
#[derive(Debug, Clone)]
pub struct LogRow {
    pub position: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub bytes: Vec<u8>,
    pub leaf_hash: Vec<u8>,
}

/// The recorded head: how many entries, and the leaf hash of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub hash: LeafHash,
}

/// An open write transaction on either backend.
pub enum WriteTx {
    Postgres(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

impl WriteTx {
    pub async fn begin(db: &Database) -> Result<WriteTx, StoreError> {
        Ok(match db {
            Database::Postgres(pool) => WriteTx::Postgres(pool.begin().await?),
            // IMMEDIATE takes the write lock now, so the head read below cannot go stale.
            Database::Sqlite(pool) => WriteTx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// Locks the head row for the rest of the transaction and reads it.
    pub async fn lock_head(&mut self) -> Result<Head, StoreError> {
        match self {
            WriteTx::Postgres(tx) => {
                sqlx::query("SELECT size, head_hash FROM ledger_head WHERE id = 1 FOR UPDATE")
                    .fetch_one(&mut **tx)
                    .await?
                    .try_into_head()
            }
            WriteTx::Sqlite(tx) => {
                sqlx::query("SELECT size, head_hash FROM ledger_head WHERE id = 1")
                    .fetch_one(&mut **tx)
                    .await?
                    .try_into_head()
            }
        }
    }

    /// The last sequence of an aggregate, 0 when it has none.
    pub async fn last_sequence(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<u64, StoreError> {
        const SQL_PG: &str = "SELECT COALESCE(MAX(sequence), 0) FROM ledger_entries WHERE aggregate_type = $1 AND aggregate_id = $2";
        const SQL_LITE: &str = "SELECT COALESCE(MAX(sequence), 0) FROM ledger_entries WHERE aggregate_type = ?1 AND aggregate_id = ?2";
        let last: i64 = match self {
            WriteTx::Postgres(tx) => {
                sqlx::query_scalar(SQL_PG)
                    .bind(aggregate_type)
                    .bind(aggregate_id)
                    .fetch_one(&mut **tx)
                    .await?
            }
            WriteTx::Sqlite(tx) => {
                sqlx::query_scalar(SQL_LITE)
                    .bind(aggregate_type)
                    .bind(aggregate_id)
                    .fetch_one(&mut **tx)
                    .await?
            }
        };
        to_u64(last, "sequence")
    }

    /// Every aggregate with its last sequence: one scan of the `(type, id, sequence)` index.
    pub async fn all_last_sequences(&mut self) -> Result<Vec<(String, String, u64)>, StoreError> {
        const SQL: &str = "SELECT aggregate_type, aggregate_id, MAX(sequence) FROM ledger_entries \
                           GROUP BY aggregate_type, aggregate_id";
        let rows: Vec<(String, String, i64)> = match self {
            WriteTx::Postgres(tx) => sqlx::query_as(SQL).fetch_all(&mut **tx).await?,
            WriteTx::Sqlite(tx) => sqlx::query_as(SQL).fetch_all(&mut **tx).await?,
        };
        rows.into_iter()
            .map(|(t, i, last)| Ok((t, i, to_u64(last, "sequence")?)))
            .collect()
    }

    pub async fn insert(&mut self, rows: &[NewRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            match self {
                WriteTx::Postgres(tx) => {
                    insert_query::<Postgres>(chunk)
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
                WriteTx::Sqlite(tx) => {
                    insert_query::<Sqlite>(chunk)
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    pub async fn set_head(&mut self, head: Head) -> Result<(), StoreError> {
        let size = to_i64(head.size)?;
        let hash = head.hash.as_bytes().to_vec();
        match self {
            WriteTx::Postgres(tx) => {
                sqlx::query("UPDATE ledger_head SET size = $1, head_hash = $2 WHERE id = 1")
                    .bind(size)
                    .bind(hash)
                    .execute(&mut **tx)
                    .await?;
            }
            WriteTx::Sqlite(tx) => {
                sqlx::query("UPDATE ledger_head SET size = ?1, head_hash = ?2 WHERE id = 1")
                    .bind(size)
                    .bind(hash)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            WriteTx::Postgres(tx) => tx.commit().await?,
            WriteTx::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

fn insert_query<'a, DB>(rows: &'a [NewRow]) -> QueryBuilder<'a, DB>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a [u8]: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut query = QueryBuilder::new(
        "INSERT INTO ledger_entries (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash) ",
    );
    query.push_values(rows, |mut b, row| {
        // Positions and sequences are far below i64::MAX: the head would overflow first.
        b.push_bind(row.position as i64)
            .push_bind(row.aggregate_type.as_str())
            .push_bind(row.aggregate_id.as_str())
            .push_bind(row.sequence as i64)
            .push_bind(row.bytes.as_slice())
            .push_bind(&row.leaf_hash.as_bytes()[..]);
    });
    query
}

trait IntoHead {
    fn try_into_head(self) -> Result<Head, StoreError>;
}

impl<R: Row> IntoHead for R
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    fn try_into_head(self) -> Result<Head, StoreError> {
        let size: i64 = self.try_get(0)?;
        let hash: Vec<u8> = self.try_get(1)?;
        Ok(Head {
            size: to_u64(size, "head size")?,
            hash: LeafHash::from_slice(&hash)
                .map_err(|e| StoreError::Corrupt(format!("head hash: {e}")))?,
        })
    }
}

/// The connection the appender's one-statement writes go through (PostgreSQL), kept between
/// batches.
///
/// Taking a connection from the pool first checks it with a round trip of its own; every
/// batch would wait for that round trip, and batches are one global sequence. So the
/// appender keeps its connection while it is busy. After a quiet spell (or any error) it
/// hands it back, and the pool checks it again before the next write.
#[derive(Default)]
pub struct AppendConnection {
    held: Option<(PoolConnection<Postgres>, Instant)>,
}

/// How long the appender keeps an unused connection before the pool must check it again.
const KEEP_IDLE: Duration = Duration::from_secs(1);

/// Appends rows and moves the head in one statement, without taking the head lock.
///
/// This is safe without the lock because of two invariants: the head's size always equals
/// the number of entries (both change only together, in one transaction), and entries never
/// change. So if rows `head.size..` can be inserted at all (the primary key on `position`
/// refuses them otherwise), nobody else has appended since `head` was read, and the chain
/// continues from `head.hash`. A stale expected sequence is refused by the unique key on
/// `(aggregate_type, aggregate_id, sequence)`. Either refusal writes nothing: the caller then
/// takes the locked path. Returns `Ok(false)` for such a refusal.
///
/// # Errors
/// Any other database error.
pub async fn append_unlocked(
    db: &Database,
    connection: &mut AppendConnection,
    rows: &[NewRow],
    nodes: &[tree::NodeRow],
    new_head: Head,
) -> Result<bool, StoreError> {
    let written: Result<(), StoreError> = match db {
        Database::Postgres(pool) => {
            // The tree's nodes ride in the same statement: their keys, like the positions,
            // refuse a write from a stale head.
            const SQL: &str = "WITH appended AS (
                INSERT INTO ledger_entries (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bytea[], $6::bytea[])
                RETURNING position),
                nodes AS (
                INSERT INTO ledger_tree_nodes (level, node_index, hash)
                SELECT * FROM unnest($10::smallint[], $11::bigint[], $12::bytea[]))
                UPDATE ledger_head SET size = $7, head_hash = $8
                WHERE id = 1 AND (SELECT count(*) FROM appended) = $9";
            for node in nodes {
                to_i64(node.subtree.index)?;
            }
            let mut conn = match connection.held.take() {
                Some((conn, since)) if since.elapsed() < KEEP_IDLE => conn,
                _ => pool.acquire().await?,
            };
            let written = sqlx::query(SQL)
                .bind(rows.iter().map(|r| r.position as i64).collect::<Vec<_>>())
                .bind(
                    rows.iter()
                        .map(|r| r.aggregate_type.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    rows.iter()
                        .map(|r| r.aggregate_id.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(rows.iter().map(|r| r.sequence as i64).collect::<Vec<_>>())
                .bind(rows.iter().map(|r| r.bytes.as_slice()).collect::<Vec<_>>())
                .bind(
                    rows.iter()
                        .map(|r| &r.leaf_hash.as_bytes()[..])
                        .collect::<Vec<_>>(),
                )
                .bind(to_i64(new_head.size)?)
                .bind(new_head.hash.as_bytes().to_vec())
                .bind(rows.len() as i64)
                .bind(
                    nodes
                        .iter()
                        .map(|n| i16::from(n.subtree.level))
                        .collect::<Vec<_>>(),
                )
                .bind(
                    nodes
                        .iter()
                        .map(|n| n.subtree.index as i64)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    nodes
                        .iter()
                        .map(|n| &n.hash.as_bytes()[..])
                        .collect::<Vec<_>>(),
                )
                .execute(&mut *conn)
                .await
                .map(|_| ())
                .map_err(StoreError::from);
            // A refusal by a key leaves the connection as good as before; any other error
            // sends it back to the pool, which checks it before handing it out again.
            if written.is_ok() || written.as_ref().is_err_and(StoreError::is_unique_violation) {
                connection.held = Some((conn, Instant::now()));
            }
            written
        }
        Database::Sqlite(_) => {
            // SQLite has no network round trips to save: one local transaction.
            let mut tx = WriteTx::begin(db).await?;
            match async {
                tx.insert(rows).await?;
                tx.insert_nodes(nodes, false).await?;
                tx.set_head(new_head).await
            }
            .await
            {
                Ok(()) => tx.commit().await,
                Err(e) => Err(e),
            }
        }
    };
    match written {
        Ok(()) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reads the recorded head without locking it.
pub async fn read_head(db: &Database) -> Result<Head, StoreError> {
    const SQL: &str = "SELECT size, head_hash FROM ledger_head WHERE id = 1";
    match db {
        Database::Postgres(pool) => sqlx::query(SQL).fetch_one(pool).await?.try_into_head(),
        Database::Sqlite(pool) => sqlx::query(SQL).fetch_one(pool).await?.try_into_head(),
    }
}

/// Streams the log in position order, from `from` on.
pub fn stream_log(db: &Database, from: u64) -> BoxStream<'_, Result<LogRow, StoreError>> {
    const SQL_PG: &str = "SELECT position, aggregate_type, aggregate_id, sequence, entry, leaf_hash \
                          FROM ledger_entries WHERE position >= $1 ORDER BY position";
    const SQL_LITE: &str = "SELECT position, aggregate_type, aggregate_id, sequence, entry, leaf_hash \
                            FROM ledger_entries WHERE position >= ?1 ORDER BY position";
    let from = from.min(i64::MAX as u64) as i64;
    match db {
        Database::Postgres(pool) => {
            sqlx::query_as::<_, (i64, String, String, i64, Vec<u8>, Vec<u8>)>(SQL_PG)
                .bind(from)
                .fetch(pool)
                .map_ok(LogRow::from)
                .map_err(StoreError::from)
                .boxed()
        }
        Database::Sqlite(pool) => {
            sqlx::query_as::<_, (i64, String, String, i64, Vec<u8>, Vec<u8>)>(SQL_LITE)
                .bind(from)
                .fetch(pool)
                .map_ok(LogRow::from)
                .map_err(StoreError::from)
                .boxed()
        }
    }
}

/// Streams the entries' bytes alone in position order, from `from` on: what readers that
/// decode the entries themselves (the projector) need, without the columns beside them.
pub fn stream_entries(
    db: &Database,
    from: u64,
) -> BoxStream<'_, Result<(u64, Vec<u8>), StoreError>> {
    const SQL_PG: &str =
        "SELECT position, entry FROM ledger_entries WHERE position >= $1 ORDER BY position";
    const SQL_LITE: &str =
        "SELECT position, entry FROM ledger_entries WHERE position >= ?1 ORDER BY position";
    let from = from.min(i64::MAX as u64) as i64;
    let row = |(position, bytes): (i64, Vec<u8>)| (position.max(0) as u64, bytes);
    match db {
        Database::Postgres(pool) => sqlx::query_as::<_, (i64, Vec<u8>)>(SQL_PG)
            .bind(from)
            .fetch(pool)
            .map_ok(row)
            .map_err(StoreError::from)
            .boxed(),
        Database::Sqlite(pool) => sqlx::query_as::<_, (i64, Vec<u8>)>(SQL_LITE)
            .bind(from)
            .fetch(pool)
            .map_ok(row)
            .map_err(StoreError::from)
            .boxed(),
    }
}

/// Streams the entries of one aggregate type below position `below`, in position order, as
/// their bytes alone: what a reader refolding those aggregates' states needs (the projector's
/// shared cooperative state, when it loads).
pub fn stream_entries_of_type<'a>(
    db: &'a Database,
    aggregate_type: &'a str,
    below: u64,
) -> BoxStream<'a, Result<(u64, Vec<u8>), StoreError>> {
    const SQL_PG: &str = "SELECT position, entry FROM ledger_entries \
                          WHERE aggregate_type = $1 AND position < $2 ORDER BY position";
    const SQL_LITE: &str = "SELECT position, entry FROM ledger_entries \
                            WHERE aggregate_type = ?1 AND position < ?2 ORDER BY position";
    let below = below.min(i64::MAX as u64) as i64;
    let row = |(position, bytes): (i64, Vec<u8>)| (position.max(0) as u64, bytes);
    match db {
        Database::Postgres(pool) => sqlx::query_as::<_, (i64, Vec<u8>)>(SQL_PG)
            .bind(aggregate_type)
            .bind(below)
            .fetch(pool)
            .map_ok(row)
            .map_err(StoreError::from)
            .boxed(),
        Database::Sqlite(pool) => sqlx::query_as::<_, (i64, Vec<u8>)>(SQL_LITE)
            .bind(aggregate_type)
            .bind(below)
            .fetch(pool)
            .map_ok(row)
            .map_err(StoreError::from)
            .boxed(),
    }
}

impl From<(i64, String, String, i64, Vec<u8>, Vec<u8>)> for LogRow {
    fn from(
        (position, aggregate_type, aggregate_id, sequence, bytes, leaf_hash): (
            i64,
            String,
            String,
            i64,
            Vec<u8>,
            Vec<u8>,
        ),
    ) -> Self {
        LogRow {
            position,
            aggregate_type,
            aggregate_id,
            sequence,
            bytes,
            leaf_hash,
        }
    }
}

/// The entries of one aggregate after `after_sequence`, in sequence order.
pub async fn aggregate_entries(
    db: &Database,
    aggregate_type: &str,
    aggregate_id: &str,
    after_sequence: u64,
) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
    const SQL_PG: &str = "SELECT sequence, entry FROM ledger_entries \
                          WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3 ORDER BY sequence";
    const SQL_LITE: &str = "SELECT sequence, entry FROM ledger_entries \
                            WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND sequence > ?3 ORDER BY sequence";
    let after = to_i64(after_sequence)?;
    Ok(match db {
        Database::Postgres(pool) => {
            sqlx::query_as(SQL_PG)
                .bind(aggregate_type)
                .bind(aggregate_id)
                .bind(after)
                .fetch_all(pool)
                .await?
        }
        Database::Sqlite(pool) => {
            sqlx::query_as(SQL_LITE)
                .bind(aggregate_type)
                .bind(aggregate_id)
                .bind(after)
                .fetch_all(pool)
                .await?
        }
    })
}

pub fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}: {value}")))
}

pub fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("{value} does not fit the database")))
}
