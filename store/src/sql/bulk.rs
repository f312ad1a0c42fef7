//! Copying a verified log into this database (the mirror): transactions that take many
//! entries and tree nodes as fast as the backend stores rows. The copy commits in steps
//! ([`BulkCopy::commit_step`]: the head moves to the end of the step; the caller has verified
//! every entry of it against the signed root first) and ends with [`BulkCopy::finish`], which
//! moves the head with the last step and stores the checkpoint, durably (on SQLite in a
//! transaction of its own right after the last step's). A copy dropped before its end keeps
//! its committed steps and nothing of the step under way.
//!
//! Genuinely different on the two backends:
//!
//! - **PostgreSQL**: a [`WriteTx`], each batch sent as two binary `COPY`s (entries, nodes):
//!   nothing is escaped, quoted or parsed on either side.
//! - **SQLite**: a connection of its own on the same file (rusqlite), used on a blocking
//!   thread, running one prepared `INSERT` a row. sqlx-sqlite hands every statement to its
//!   worker thread and waits for the answer, so a row a statement through it is a thread
//!   round trip a row; and one statement of many rows must bring them as text (JSON, hex) for
//!   SQLite to take apart again. Both cost more than verifying the rows. The connection's
//!   settings are the pool's own (WAL, the busy timeout, foreign keys), with two changes for
//!   the steps: they commit with `synchronous = NORMAL` (the WAL is not flushed at their
//!   commit; a crash may lose them, never tear them), the last one with `FULL`, which flushes
//!   every step before it too; and the WAL is copied into the database file (checkpointed) not
//!   by the committing connection but by a second connection on a thread of its own, step by
//!   step while the next step is written ([`Checkpointer`]). One transaction of a million
//!   entries spent a third of its time in that checkpoint at its commit, on the copy's path.
//!   A database in memory has no file to open these connections on: the copy refuses it.
//!
//! The head, the last sequences and the checkpoint use the same SQL text as the
//! [`WriteTx`] (the constants below), so the two paths cannot drift apart.

use std::path::Path;

use chrono::SecondsFormat;

use super::checkpoints::{CHECKPOINT_IN_THE_WAY, INSERT_CHECKPOINT_IF_NEWEST, StoredCheckpoint};
use super::copy_binary::{self, CopyOut};
use super::log::{READ_HEAD, head_of};
use super::rows::{Head, NewRow, NodeRow};
use super::statement::{Statement, to_i64, to_u64};
use super::write::{ALL_LAST_SEQUENCES, SET_HEAD, WriteTx};
use crate::database::{Database, Pool, SQLITE_BUSY_TIMEOUT, StatementCounter, is_in_memory};
use crate::error::StoreError;

const INSERT_ENTRY: &str = "INSERT INTO ledger_entries \
    (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash) \
    VALUES ($1, $2, $3, $4, $5, $6)";
const INSERT_NODE: &str =
    "INSERT INTO ledger_tree_nodes (level, node_index, hash) VALUES ($1, $2, $3)";

/// SQLite's page cache for the copy's connection, in KiB (`cache_size` negative): 64 MiB
/// rather than the default 2, so that the hot pages of the `(aggregate_type, aggregate_id,
/// sequence)` index stay in memory while the transaction grows. (Measured: from 2 MiB to
/// 256 MiB the copy of 200,000 entries takes the same time within the noise; the pages
/// have to reach the WAL either way.)
const SQLITE_CACHE_KIB: i64 = 64 * 1024;

/// An open copy: see the module's documentation.
pub struct BulkCopy {
    inner: Inner,
}

enum Inner {
    /// PostgreSQL: the step's transaction (taken while a step is committed), and the database
    /// to begin the next one on.
    Tx { tx: Option<WriteTx>, db: Database },
    /// The connection, taken while a batch is written on a blocking thread.
    Sqlite {
        connection: Option<rusqlite::Connection>,
        counter: StatementCounter,
        checkpointer: Checkpointer,
    },
}

impl BulkCopy {
    /// Begins the copy, taking the write lock (PostgreSQL: [`WriteTx::begin`]; SQLite:
    /// `BEGIN IMMEDIATE` on the copy's own connection).
    ///
    /// # Errors
    /// When the database cannot be opened or locked.
    pub async fn begin(db: &Database) -> Result<BulkCopy, StoreError> {
        let path = match db.pool() {
            Pool::Sqlite(pool) => pool.connect_options().get_filename().to_path_buf(),
            Pool::Postgres(_) => {
                return Ok(BulkCopy {
                    inner: Inner::Tx {
                        tx: Some(WriteTx::begin(db).await?),
                        db: db.clone(),
                    },
                });
            }
        };
        if is_in_memory(&path) {
            return Err(StoreError::Refused(
                "a copy of a log needs a database file: an SQLite database in memory has none to open the copy's connection on".into(),
            ));
        }
        let counter = db.counter().clone();
        counter.sent();
        let (connection, checkpointer) = blocking(move || {
            let checkpointer = Checkpointer::start(open_sqlite(&path)?);
            let connection = open_sqlite(&path)?;
            connection.execute_batch(&format!(
                "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -{SQLITE_CACHE_KIB}; BEGIN IMMEDIATE"
            ))?;
            Ok((connection, checkpointer))
        })
        .await?;
        Ok(BulkCopy {
            inner: Inner::Sqlite {
                connection: Some(connection),
                counter,
                checkpointer,
            },
        })
    }

    /// Reads the head (PostgreSQL: and locks its row until the end).
    pub async fn lock_head(&mut self) -> Result<Head, StoreError> {
        match &mut self.inner {
            Inner::Tx { tx, .. } => tx.as_mut().ok_or_else(gone)?.lock_head().await,
            Inner::Sqlite {
                connection,
                counter,
                ..
            } => {
                counter.sent();
                let row =
                    connection
                        .as_ref()
                        .ok_or_else(gone)?
                        .query_row(READ_HEAD, [], |row| Ok((row.get(0)?, row.get(1)?)))?;
                head_of(row)
            }
        }
    }

    /// Every aggregate with its last sequence.
    pub async fn all_last_sequences(&mut self) -> Result<Vec<(String, String, u64)>, StoreError> {
        match &mut self.inner {
            Inner::Tx { tx, .. } => tx.as_mut().ok_or_else(gone)?.all_last_sequences().await,
            Inner::Sqlite {
                connection,
                counter,
                ..
            } => {
                counter.sent();
                let connection = connection.as_ref().ok_or_else(gone)?;
                let mut statement = connection.prepare(ALL_LAST_SEQUENCES)?;
                let rows = statement.query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get(2)?,
                    ))
                })?;
                let mut last = Vec::new();
                for row in rows {
                    let (aggregate_type, aggregate_id, sequence) = row?;
                    last.push((aggregate_type, aggregate_id, to_u64(sequence, "sequence")?));
                }
                Ok(last)
            }
        }
    }

    /// Writes entries and the tree nodes they complete. Takes the batch, as SQLite's is
    /// written on a blocking thread.
    pub async fn insert(
        &mut self,
        rows: Vec<NewRow>,
        nodes: Vec<NodeRow>,
    ) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Tx { tx, .. } => {
                copy_to_postgres(tx.as_mut().ok_or_else(gone)?, &rows, &nodes).await
            }
            Inner::Sqlite {
                connection,
                counter,
                ..
            } => {
                let taken = connection.take().ok_or_else(gone)?;
                let statements = (rows.len() + nodes.len()) as u64;
                let taken = blocking(move || {
                    insert_into_sqlite(&taken, &rows, &nodes)?;
                    Ok(taken)
                })
                .await?;
                counter.sent_many(statements);
                *connection = Some(taken);
                Ok(())
            }
        }
    }

    /// Ends a step: moves the head to `head` (the end of what was inserted, every entry of it
    /// verified), commits without waiting for the commit to be flushed (SQLite's
    /// `synchronous = NORMAL`, PostgreSQL's `synchronous_commit = off`: the durable last
    /// commit flushes the steps before it), and begins the next step's transaction. Returns `false` when
    /// another writer moved the head between the two (the copy must stop: its committed steps
    /// stay).
    ///
    /// # Errors
    /// When the commit or the next begin fails; the copy is then gone, its committed steps
    /// kept.
    pub async fn commit_step(&mut self, head: Head) -> Result<bool, StoreError> {
        match &mut self.inner {
            Inner::Tx { tx, db } => {
                let mut done = tx.take().ok_or_else(gone)?;
                done.set_head(head).await?;
                // As SQLite's steps: not flushed at their commit (a crash may lose them,
                // never tear them); the last commit, synchronous, flushes the WAL up to it.
                Statement::new("SET LOCAL synchronous_commit TO OFF")
                    .execute(done.0.target())
                    .await?;
                done.commit().await?;
                let mut next = WriteTx::begin(db).await?;
                let now = next.lock_head().await?;
                *tx = Some(next);
                Ok(now == head)
            }
            Inner::Sqlite {
                connection,
                counter,
                checkpointer,
            } => {
                let taken = connection.take().ok_or_else(gone)?;
                // The head, the commit, the begin, the head read again.
                counter.sent_many(4);
                let (taken, now) = blocking(move || {
                    taken.execute(SET_HEAD, (to_i64(head.size)?, &head.hash.as_bytes()[..]))?;
                    taken.execute_batch("COMMIT; BEGIN IMMEDIATE")?;
                    let now =
                        taken.query_row(READ_HEAD, [], |row| Ok((row.get(0)?, row.get(1)?)))?;
                    Ok((taken, head_of(now)?))
                })
                .await?;
                *connection = Some(taken);
                checkpointer.step();
                Ok(now == head)
            }
        }
    }

    /// Moves the head, stores `checkpoint` unless one of the same or a larger tree is stored
    /// already, and commits, durably (this flushes the steps before too). Returns `false`
    /// when a checkpoint was in the way: nothing of the last step is written (SQLite: unless
    /// another writer stored it between the step's commit and the checkpoint's, when the
    /// step stays, as a step does).
    pub async fn finish(
        self,
        head: Head,
        checkpoint: &StoredCheckpoint,
    ) -> Result<bool, StoreError> {
        match self.inner {
            Inner::Tx { tx, .. } => {
                let mut tx = tx.ok_or_else(gone)?;
                tx.set_head(head).await?;
                if !tx.insert_checkpoint_if_newest(checkpoint).await? {
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }
            Inner::Sqlite {
                connection,
                counter,
                checkpointer,
            } => {
                let connection = connection.ok_or_else(gone)?;
                let checkpoint = checkpoint.clone();
                // The head, the look for a checkpoint in the way, the commit; the begin, the
                // checkpoint, the commit (finish_sqlite).
                counter.sent_many(6);
                blocking(move || {
                    let stored = finish_sqlite(&connection, head, &checkpoint)?;
                    if stored {
                        // The rest of the WAL into the file, once the steps' checkpoints are
                        // done, and the WAL emptied.
                        checkpointer.finish();
                        checkpoint_rest(&connection);
                    }
                    Ok(stored)
                })
                .await
            }
        }
    }
}

/// Copies the WAL's committed steps into the database file (`wal_checkpoint(PASSIVE)`) on a
/// connection and thread of its own, while the copy writes the next step: see the module's
/// documentation. A step signalled while one is being copied is copied with the next. A
/// failed checkpoint loses nothing (the WAL keeps the frames; the next checkpoint copies
/// them): it is logged and this thread stops.
struct Checkpointer {
    steps: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(connection: rusqlite::Connection) -> Checkpointer {
        let (steps, signalled) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while signalled.recv().is_ok() {
                    while signalled.try_recv().is_ok() {}
                    if let Err(error) =
                        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(%error, "the copy's checkpoint of the WAL failed; the WAL keeps the frames");
                        return;
                    }
                }
            })
            .inspect_err(|error| {
                // The copy goes on; the WAL is then checkpointed at its end only.
                tracing::warn!(%error, "no thread for the copy's checkpoints of the WAL");
            })
            .ok();
        Checkpointer {
            steps: Some(steps),
            thread,
        }
    }

    fn step(&self) {
        if let Some(steps) = &self.steps {
            let _ = steps.send(());
        }
    }

    /// Waits for the checkpoint under way, if any.
    fn finish(mut self) {
        self.steps = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// After the copy's commit: the WAL's remaining frames into the file, and the WAL truncated
/// (`wal_checkpoint(TRUNCATE)`), so that the copy leaves neither the work to the next writer
/// nor a WAL as large as the copy on disk. A reader in the way makes it stop short (SQLite
/// answers busy), which loses nothing.
fn checkpoint_rest(connection: &rusqlite::Connection) {
    if let Err(error) = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!(%error, "the copy's last checkpoint of the WAL failed; the WAL keeps the frames");
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
}

/// The copy's connection is gone with a batch that failed (its transaction rolled back).
fn gone() -> StoreError {
    StoreError::Refused("an earlier batch of the copy failed".into())
}

/// A connection of the copy's own on the pool's file, with the pool's settings
/// (database::sqlite_options); WAL is the file's own already.
fn open_sqlite(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    use rusqlite::OpenFlags;
    let connection = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| {
        StoreError::Refused(format!(
            "the copy cannot open the SQLite file {}: {e}",
            path.display()
        ))
    })?;
    connection.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    connection.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")?;
    Ok(connection)
}

fn insert_into_sqlite(
    connection: &rusqlite::Connection,
    rows: &[NewRow],
    nodes: &[NodeRow],
) -> Result<(), StoreError> {
    let mut insert = connection.prepare_cached(INSERT_ENTRY)?;
    for row in rows {
        insert.execute((
            to_i64(row.position)?,
            row.aggregate_type.as_str(),
            row.aggregate_id.as_str(),
            to_i64(row.sequence)?,
            row.bytes.as_slice(),
            &row.leaf_hash.as_bytes()[..],
        ))?;
    }
    let mut insert = connection.prepare_cached(INSERT_NODE)?;
    for node in nodes {
        insert.execute((
            i64::from(node.subtree.level),
            to_i64(node.subtree.index)?,
            &node.hash.as_bytes()[..],
        ))?;
    }
    Ok(())
}

fn finish_sqlite(
    connection: &rusqlite::Connection,
    head: Head,
    checkpoint: &StoredCheckpoint,
) -> Result<bool, StoreError> {
    connection.execute(SET_HEAD, (to_i64(head.size)?, &head.hash.as_bytes()[..]))?;
    let in_the_way: bool =
        connection.query_row(CHECKPOINT_IN_THE_WAY, [to_i64(checkpoint.size)?], |row| {
            row.get(0)
        })?;
    if in_the_way {
        // Dropping the connection rolls the step back.
        return Ok(false);
    }
    connection.execute_batch("COMMIT")?;
    // The checkpoint in a transaction of its own, committed with `synchronous = FULL`: the
    // steps began with NORMAL, and SQLite refuses to change it inside a transaction. Its
    // commit flushes the WAL, and so every step's frames before it. A crash before it leaves
    // the verified entries and their head without the checkpoint, which the next round stores.
    connection.execute_batch("PRAGMA synchronous = FULL; BEGIN IMMEDIATE")?;
    // As sqlx-sqlite writes a time (its `Encode` of `DateTime`), so both read it back alike.
    let signed_at = checkpoint
        .signed_at
        .to_rfc3339_opts(SecondsFormat::AutoSi, false);
    let stored = connection.execute(
        INSERT_CHECKPOINT_IF_NEWEST,
        (
            to_i64(checkpoint.size)?,
            &checkpoint.root.as_bytes()[..],
            checkpoint.note.as_str(),
            signed_at,
        ),
    )?;
    if stored != 1 {
        // Another writer's checkpoint came in between the two commits.
        return Ok(false);
    }
    connection.execute_batch("COMMIT")?;
    Ok(true)
}

/// The batch as two binary `COPY`s: entries, then nodes.
async fn copy_to_postgres(
    tx: &mut WriteTx,
    rows: &[NewRow],
    nodes: &[NodeRow],
) -> Result<(), StoreError> {
    if !rows.is_empty() {
        let mut out = CopyOut::new();
        for row in rows {
            out.row(6)
                .int(to_i64(row.position)?)
                .text(&row.aggregate_type)?
                .text(&row.aggregate_id)?
                .int(to_i64(row.sequence)?)
                .bytes(&row.bytes)?
                .bytes(row.leaf_hash.as_bytes())?;
        }
        copy_binary::send(
            &mut tx.0,
            "COPY ledger_entries (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash) FROM STDIN WITH (FORMAT binary)",
            out,
        )
        .await?;
    }
    if !nodes.is_empty() {
        let mut out = CopyOut::new();
        for node in nodes {
            out.row(3)
                .small_int(i16::from(node.subtree.level))
                .int(to_i64(node.subtree.index)?)
                .bytes(node.hash.as_bytes())?;
        }
        copy_binary::send(
            &mut tx.0,
            "COPY ledger_tree_nodes (level, node_index, hash) FROM STDIN WITH (FORMAT binary)",
            out,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use futures::TryStreamExt;
    use tlog::merkle::Frontier;

    use super::*;
    use crate::{AppendRequest, Ledger, LogFilter, NewEvent, SystemClock, read_head, read_log};

    /// A log of three aggregates, 30 entries, and its rows and tree nodes as the mirror
    /// would hand them over.
    async fn source(dir: &std::path::Path) -> (Ledger, Vec<NewRow>, Vec<NodeRow>) {
        let url = format!("sqlite://{}", dir.join("log.sqlite3").display());
        let ledger = Ledger::open(&url, Arc::new(SystemClock)).await.unwrap();
        use domain::ledger::{Actor, EventMetadata, Role};
        let clerk = Actor::new("nguyễn.thị.hoà", Role::Clerk, Some("PTCKH-205"));
        let date = chrono::NaiveDate::from_ymd_opt(2017, 9, 1).unwrap();
        let metadata = serde_json::to_value(EventMetadata::new(clerk, date)).unwrap();
        for aggregate in 0..3 {
            let events = (0..10)
                .map(|i| NewEvent {
                    event_type: "TallyRecorded".into(),
                    event_version: "1".into(),
                    payload: serde_json::json!({"Recorded": {"amount": i, "note": "Hỗ trợ đào tạo"}}),
                })
                .collect();
            ledger
                .appender()
                .append(AppendRequest {
                    aggregate_type: "Tally".into(),
                    aggregate_id: format!("htx-{aggregate}"),
                    expected_sequence: 0,
                    events,
                    metadata: metadata.clone(),
                    remember: None,
                })
                .await
                .unwrap();
        }
        let logged: Vec<_> = read_log(ledger.database(), LogFilter::default())
            .try_collect()
            .await
            .unwrap();
        let mut frontier = Frontier::new();
        let mut nodes = Vec::new();
        let rows = logged
            .into_iter()
            .map(|row| {
                let leaf_hash = domain::ledger::LeafHash::from_slice(&row.leaf_hash).unwrap();
                frontier.push(crate::tree::leaf(&leaf_hash), |subtree, hash| {
                    nodes.push(NodeRow { subtree, hash });
                });
                NewRow {
                    position: row.position as u64,
                    aggregate_type: row.aggregate_type,
                    aggregate_id: row.aggregate_id,
                    sequence: row.sequence as u64,
                    bytes: row.bytes,
                    leaf_hash,
                }
            })
            .collect();
        (ledger, rows, nodes)
    }

    #[tokio::test]
    async fn a_copy_into_a_sqlite_file_reads_back_as_the_log_it_copied() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("copy.sqlite3").display());
        let (ledger, rows, nodes) = source(dir.path()).await;
        let head = read_head(ledger.database()).await.unwrap();
        let root = crate::tree::root(ledger.database(), head.size)
            .await
            .unwrap();
        let checkpoint = StoredCheckpoint {
            size: head.size,
            root,
            note: "a signed note\n".into(),
            signed_at: Utc.with_ymd_and_hms(2020, 12, 31, 9, 30, 15).unwrap()
                + chrono::Duration::microseconds(250),
        };
        let copy = Database::open(&url).await.unwrap();
        let before = copy.statements();
        let mut bulk = BulkCopy::begin(&copy).await.unwrap();
        assert_eq!(bulk.lock_head().await.unwrap().size, 0);
        assert!(bulk.all_last_sequences().await.unwrap().is_empty());
        // Two batches, as the mirror sends them.
        let (first, second) = rows.split_at(12);
        let cut = nodes
            .iter()
            .position(|n| n.subtree.index >= 6)
            .unwrap_or(nodes.len());
        bulk.insert(first.to_vec(), nodes[..cut].to_vec())
            .await
            .unwrap();
        bulk.insert(second.to_vec(), nodes[cut..].to_vec())
            .await
            .unwrap();
        assert!(bulk.finish(head, &checkpoint).await.unwrap());
        assert!(
            copy.statements() > before + rows.len() as u64,
            "every row is counted"
        );

        assert_eq!(read_head(&copy).await.unwrap(), head);
        assert_eq!(crate::tree::root(&copy, head.size).await.unwrap(), root);
        assert_eq!(
            crate::checkpoint::latest(&copy).await.unwrap(),
            Some(checkpoint.clone()),
            "the checkpoint, its time included, reads back as written"
        );
        let columns = |db: Database| async move {
            let rows: Vec<_> = read_log(&db, LogFilter::default())
                .map_ok(|r| {
                    (
                        r.position,
                        r.aggregate_type,
                        r.aggregate_id,
                        r.sequence,
                        r.bytes,
                        r.leaf_hash,
                    )
                })
                .try_collect()
                .await
                .unwrap();
            rows
        };
        assert_eq!(
            columns(copy.clone()).await,
            columns(ledger.database().clone()).await
        );
        let mut again = BulkCopy::begin(&copy).await.unwrap();
        assert_eq!(again.lock_head().await.unwrap(), head);
        let mut last = again.all_last_sequences().await.unwrap();
        last.sort();
        assert_eq!(
            last,
            (0..3)
                .map(|a| ("Tally".to_string(), format!("htx-{a}"), 10))
                .collect::<Vec<_>>()
        );
        // A checkpoint of the same size is in the way: nothing of this copy is written.
        let more = NewRow {
            position: head.size,
            aggregate_id: "htx-9".into(),
            sequence: 1,
            ..rows[0].clone()
        };
        again.insert(vec![more], vec![]).await.unwrap();
        assert!(
            !again
                .finish(
                    Head {
                        size: head.size + 1,
                        hash: head.hash
                    },
                    &checkpoint
                )
                .await
                .unwrap()
        );
        assert_eq!(read_head(&copy).await.unwrap(), head);
        let (entries,): (i64,) =
            super::super::statement::Statement::new("SELECT COUNT(*) FROM ledger_entries")
                .fetch_one(&copy)
                .await
                .unwrap();
        assert_eq!(entries as u64, head.size);
        copy.close().await;
    }

    #[tokio::test]
    async fn a_committed_step_stays_when_the_copy_stops_and_the_step_under_way_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("copy.sqlite3").display());
        let (ledger, rows, nodes) = source(dir.path()).await;
        // Made as the mirror makes its file: 64 KiB pages, kept by the migrations.
        assert!(Database::create_for_copies(&url).await.unwrap());
        assert!(
            !Database::create_for_copies(&url).await.unwrap(),
            "made once"
        );
        let copy = Database::open(&url).await.unwrap();
        let (pages,): (i64,) = super::super::statement::Statement::new("PRAGMA page_size")
            .fetch_one(&copy)
            .await
            .unwrap();
        assert_eq!(pages, i64::from(crate::SQLITE_COPY_PAGE_SIZE));
        let mut bulk = BulkCopy::begin(&copy).await.unwrap();
        let (first, second) = rows.split_at(16);
        // The nodes of the first 16 leaves' tree, and the rest.
        let (first_nodes, second_nodes): (Vec<_>, Vec<_>) = nodes
            .iter()
            .cloned()
            .partition(|n| ((n.subtree.index + 1) << n.subtree.level) <= 16);
        assert!(!first_nodes.is_empty() && !second_nodes.is_empty());
        bulk.insert(first.to_vec(), first_nodes).await.unwrap();
        let step = Head {
            size: 16,
            hash: first[15].leaf_hash,
        };
        assert!(bulk.commit_step(step).await.unwrap());
        // The pool's connections see the step: its head and its tree.
        assert_eq!(read_head(&copy).await.unwrap(), step);
        assert!(
            crate::tree::frontier(&copy, 16).await.unwrap().is_some(),
            "the step's tree nodes are committed"
        );
        assert_eq!(bulk.lock_head().await.unwrap(), step, "the next step begun");
        bulk.insert(second.to_vec(), second_nodes).await.unwrap();
        drop(bulk);
        // The copy stopped: the step stays, what came after it is gone.
        assert_eq!(read_head(&copy).await.unwrap(), step);
        let (entries,): (i64,) =
            super::super::statement::Statement::new("SELECT COUNT(*) FROM ledger_entries")
                .fetch_one(&copy)
                .await
                .unwrap();
        assert_eq!(entries, 16);
        assert_eq!(crate::checkpoint::latest(&copy).await.unwrap(), None);
        // The next copy goes on from the step to the end, its checkpoint stored.
        let head = Head {
            size: rows.len() as u64,
            hash: rows.last().unwrap().leaf_hash,
        };
        let checkpoint = StoredCheckpoint {
            size: head.size,
            root: crate::tree::root(ledger.database(), head.size)
                .await
                .unwrap(),
            note: "a signed note\n".into(),
            signed_at: Utc.with_ymd_and_hms(2020, 12, 31, 9, 30, 15).unwrap(),
        };
        let mut bulk = BulkCopy::begin(&copy).await.unwrap();
        assert_eq!(bulk.lock_head().await.unwrap(), step);
        let rest: Vec<_> = nodes
            .iter()
            .filter(|n| ((n.subtree.index + 1) << n.subtree.level) > 16)
            .cloned()
            .collect();
        bulk.insert(second.to_vec(), rest).await.unwrap();
        assert!(bulk.finish(head, &checkpoint).await.unwrap());
        assert_eq!(read_head(&copy).await.unwrap(), head);
        assert_eq!(
            crate::tree::root(&copy, head.size).await.unwrap(),
            checkpoint.root
        );
        assert_eq!(
            crate::checkpoint::latest(&copy).await.unwrap(),
            Some(checkpoint)
        );
        // The WAL was checkpointed into the file and emptied.
        let wal = dir.path().join("copy.sqlite3-wal");
        assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
        copy.close().await;
    }

    #[tokio::test]
    async fn a_copy_into_a_sqlite_database_in_memory_is_refused() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let db = Database::from_pool(Pool::Sqlite(pool));
        let refused = BulkCopy::begin(&db).await.err().unwrap();
        assert!(
            refused.to_string().contains("needs a database file"),
            "{refused}"
        );
    }
}
