//! Writing the log: the write transaction (head lock, last sequences, entries, head), and the
//! appender's one-statement write on PostgreSQL, each with the idempotency records of the
//! appends they write.

use std::time::{Duration, Instant};

use sqlx::Postgres;
use sqlx::pool::PoolConnection;

use super::log::{READ_HEAD, head_of};
use super::rows::{Head, NewRow, NodeRow};
use super::service::{self, IdempotencyRecord};
use super::statement::{
    Connection, PgArray, Statement, Target, Transaction, Value, to_i64, to_u64,
};
use crate::database::{Database, Pool};
use crate::error::StoreError;

/// Every aggregate with its last sequence.
pub(crate) const ALL_LAST_SEQUENCES: &str = "SELECT aggregate_type, aggregate_id, MAX(sequence) \
     FROM ledger_entries GROUP BY aggregate_type, aggregate_id";

/// Moves the head to `$1` entries, `$2` the last one's leaf hash.
pub(crate) const SET_HEAD: &str = "UPDATE ledger_head SET size = $1, head_hash = $2 WHERE id = 1";

/// Rows per multi-row INSERT: 6 parameters each, well under SQLite's and PostgreSQL's limits.
const INSERT_CHUNK: usize = 1_000;

/// An open write transaction on either backend (on SQLite `BEGIN IMMEDIATE`: the write lock
/// is taken at once, so a head read inside cannot go stale).
pub struct WriteTx(pub(crate) Transaction);

impl<'c> From<&'c mut WriteTx> for Target<'c> {
    fn from(tx: &'c mut WriteTx) -> Self {
        tx.0.target()
    }
}

impl WriteTx {
    /// Begins a write transaction.
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn begin(db: &Database) -> Result<WriteTx, StoreError> {
        Ok(WriteTx(Transaction::begin(db, "BEGIN IMMEDIATE").await?))
    }

    /// Locks the head row for the rest of the transaction and reads it (SQLite: the
    /// transaction holds the write lock already).
    pub async fn lock_head(&mut self) -> Result<Head, StoreError> {
        let target = self.0.target();
        // Genuinely different: only PostgreSQL locks one row.
        let sql = match target.connection {
            Connection::Pg(_) | Connection::PgPool(_) => {
                "SELECT size, head_hash FROM ledger_head WHERE id = 1 FOR UPDATE"
            }
            Connection::Sqlite(_) | Connection::SqlitePool(_) => READ_HEAD,
        };
        head_of(Statement::new(sql).fetch_one(target).await?)
    }

    /// The last sequence of an aggregate, 0 when it has none.
    pub async fn last_sequence(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<u64, StoreError> {
        let (last,): (i64,) = Statement::new(
            "SELECT COALESCE(MAX(sequence), 0) FROM ledger_entries \
             WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_one(self)
        .await?;
        to_u64(last, "sequence")
    }

    /// Every aggregate with its last sequence: one scan of the `(type, id, sequence)` index.
    pub async fn all_last_sequences(&mut self) -> Result<Vec<(String, String, u64)>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            Statement::new(ALL_LAST_SEQUENCES).fetch_all(self).await?;
        rows.into_iter()
            .map(|(t, i, last)| Ok((t, i, to_u64(last, "sequence")?)))
            .collect()
    }

    /// Writes entries, in multi-row INSERTs.
    pub async fn insert(&mut self, rows: &[NewRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut insert = Statement::new(
                "INSERT INTO ledger_entries \
                 (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash) VALUES ",
            );
            for (i, row) in chunk.iter().enumerate() {
                insert.push(if i == 0 { "(" } else { ", (" });
                insert.push_bind_u64(row.position).push(", ");
                insert.push_bind(row.aggregate_type.as_str()).push(", ");
                insert.push_bind(row.aggregate_id.as_str()).push(", ");
                insert.push_bind_u64(row.sequence).push(", ");
                insert.push_bind(row.bytes.as_slice()).push(", ");
                insert.push_bind(&row.leaf_hash.as_bytes()[..]).push(")");
            }
            insert.execute(&mut *self).await?;
        }
        Ok(())
    }

    /// Moves the head.
    pub async fn set_head(&mut self, head: Head) -> Result<(), StoreError> {
        Statement::new(SET_HEAD)
            .bind_u64(head.size)
            .bind(&head.hash.as_bytes()[..])
            .execute(self)
            .await?;
        Ok(())
    }

    /// Remembers responses under their idempotency keys; a key already remembered keeps its
    /// first response.
    pub async fn remember(&mut self, records: &[IdempotencyRecord]) -> Result<(), StoreError> {
        service::insert_records(self, records).await
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.0.commit().await
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

/// How long the appender keeps an unused connection before the pool must check it again,
/// and before it gives it back when no append comes.
pub const KEEP_IDLE: Duration = Duration::from_secs(1);

impl AppendConnection {
    /// Whether the appender holds a connection between writes.
    pub fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// Gives the held connection back to the pool (no append came for [`KEEP_IDLE`]), so
    /// that the pool can be closed.
    pub fn release(&mut self) {
        self.held = None;
    }
}

/// What one write of the appender holds: the entries, the tree nodes they complete, the new
/// head, and the responses remembered with them.
pub struct AppendWrite<'a> {
    pub rows: &'a [NewRow],
    pub nodes: &'a [NodeRow],
    pub head: Head,
    pub records: &'a [IdempotencyRecord],
}

/// Appends rows, moves the head and remembers the responses in one statement (PostgreSQL)
/// or one transaction (SQLite), without taking the head lock.
///
/// This is safe without the lock because of two invariants: the head's size always equals
/// the number of entries (both change only together, in one transaction), and entries never
/// change. So if rows `head.size..` can be inserted at all (the primary key on `position`
/// refuses them otherwise), nobody else has appended since `head` was read, and the chain
/// continues from `head.hash`. A stale expected sequence is refused by the unique key on
/// `(aggregate_type, aggregate_id, sequence)`. Either refusal writes nothing (no record
/// either): the caller then takes the locked path. Returns `Ok(false)` for such a refusal.
///
/// # Errors
/// Any other database error.
pub async fn append_unlocked(
    db: &Database,
    connection: &mut AppendConnection,
    write: AppendWrite<'_>,
) -> Result<bool, StoreError> {
    let written = match db.pool() {
        Pool::Postgres(pool) => {
            let mut conn = match connection.held.take() {
                Some((conn, since)) if since.elapsed() < KEEP_IDLE => conn,
                _ => pool.acquire().await?,
            };
            let target = Target {
                connection: Connection::Pg(&mut conn),
                counter: db.counter(),
            };
            let written = append_statement(&write)?.execute(target).await.map(|_| ());
            // A refusal by a key leaves the connection as good as before; any other error
            // sends it back to the pool, which checks it before handing it out again.
            if written.is_ok() || written.as_ref().is_err_and(StoreError::is_unique_violation) {
                connection.held = Some((conn, Instant::now()));
            }
            written
        }
        Pool::Sqlite(_) => {
            // SQLite has no network round trips to save: one local transaction.
            let mut tx = WriteTx::begin(db).await?;
            match async {
                tx.insert(write.rows).await?;
                tx.insert_nodes(write.nodes, false).await?;
                tx.set_head(write.head).await?;
                tx.remember(write.records).await
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

/// PostgreSQL's one statement of an append (genuinely PostgreSQL's: `unnest` of arrays in
/// data-modifying CTEs). The tree's nodes ride in it: their keys, like the positions, refuse
/// a write from a stale head; the records are inserted only if the entries are.
fn append_statement<'a>(write: &'a AppendWrite<'a>) -> Result<Statement<'a>, StoreError> {
    const SQL: &str = "WITH appended AS (
        INSERT INTO ledger_entries (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bytea[], $6::bytea[])
        RETURNING position),
        nodes AS (
        INSERT INTO ledger_tree_nodes (level, node_index, hash)
        SELECT * FROM unnest($10::smallint[], $11::bigint[], $12::bytea[])),
        remembered AS (
        INSERT INTO api_idempotency (user_id, idempotency_key, request_sha256, status, response)
        SELECT * FROM unnest($13::text[], $14::text[], $15::text[], $16::integer[], $17::text[])
        ON CONFLICT DO NOTHING)
        UPDATE ledger_head SET size = $7, head_hash = $8
        WHERE id = 1 AND (SELECT count(*) FROM appended) = $9";
    let (rows, nodes, records) = (write.rows, write.nodes, write.records);
    let ints = |values: Vec<u64>| -> Result<Value<'a>, StoreError> {
        Ok(PgArray::Ints(values.into_iter().map(to_i64).collect::<Result<_, _>>()?).into())
    };
    let texts = |values: Vec<&'a str>| PgArray::Texts(values);
    Ok(Statement::new(SQL)
        .bind(ints(rows.iter().map(|r| r.position).collect())?)
        .bind(texts(
            rows.iter().map(|r| r.aggregate_type.as_str()).collect(),
        ))
        .bind(texts(
            rows.iter().map(|r| r.aggregate_id.as_str()).collect(),
        ))
        .bind(ints(rows.iter().map(|r| r.sequence).collect())?)
        .bind(PgArray::Bytes(
            rows.iter().map(|r| r.bytes.as_slice()).collect(),
        ))
        .bind(PgArray::Bytes(
            rows.iter().map(|r| &r.leaf_hash.as_bytes()[..]).collect(),
        ))
        .bind_u64(write.head.size)
        .bind(&write.head.hash.as_bytes()[..])
        .bind_u64(rows.len() as u64)
        .bind(PgArray::SmallInts(
            nodes.iter().map(|n| i16::from(n.subtree.level)).collect(),
        ))
        .bind(ints(nodes.iter().map(|n| n.subtree.index).collect())?)
        .bind(PgArray::Bytes(
            nodes.iter().map(|n| &n.hash.as_bytes()[..]).collect(),
        ))
        .bind(texts(records.iter().map(|r| r.user_id.as_str()).collect()))
        .bind(texts(records.iter().map(|r| r.key.as_str()).collect()))
        .bind(texts(
            records
                .iter()
                .map(|r| r.remembered.request_sha256.as_str())
                .collect(),
        ))
        .bind(PgArray::Int32s(
            records
                .iter()
                .map(|r| i32::from(r.remembered.status))
                .collect(),
        ))
        .bind(texts(
            records
                .iter()
                .map(|r| r.remembered.response.as_str())
                .collect(),
        )))
}
