//! What a witness remembers, in its own database (an SQLite file by default, or
//! PostgreSQL): for each log, the latest checkpoint it cosigned; and the evidence of every
//! refused checkpoint that the log had validly signed.
//!
//! The one write that matters, [`WitnessState::compare_and_store`], is a single statement
//! that succeeds only if the row still holds the size and root the request was checked
//! against, so that two requests racing can never roll the witness back.

use std::str::FromStr;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};
use thiserror::Error;
use tlog::Hash;
use tlog::witness::Latest;

/// The schema, the same text for both backends (`BYTEA` on PostgreSQL is `BLOB` on SQLite:
/// SQLite takes any declared type).
const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS witness_checkpoints (
        origin TEXT PRIMARY KEY,
        size BIGINT NOT NULL CHECK (size >= 0),
        root BYTEA NOT NULL,
        note TEXT NOT NULL,
        cosigned_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS witness_evidence (
        received_at TEXT NOT NULL,
        origin TEXT NOT NULL,
        reason TEXT NOT NULL,
        request TEXT NOT NULL,
        held_note TEXT)",
];

/// A database error, said with what the witness was doing.
#[derive(Debug, Error)]
#[error("the witness's database, {doing}: {source}")]
pub struct StateError {
    doing: &'static str,
    #[source]
    source: sqlx::Error,
}

fn doing(doing: &'static str) -> impl FnOnce(sqlx::Error) -> StateError {
    move |source| StateError { doing, source }
}

/// The latest cosigned checkpoint of one log, with the note served to monitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub latest: Latest,
    pub note: String,
}

/// One kept refusal: the request as it came, and what the witness held then.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    pub received_at: String,
    pub origin: String,
    pub reason: String,
    pub request: String,
    pub held_note: Option<String>,
}

/// The witness's database.
#[derive(Clone)]
pub enum WitnessState {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs the same statement text on whichever pool the state holds.
macro_rules! on_pool {
    ($state:expr, |$pool:ident| $body:expr) => {
        match $state {
            WitnessState::Postgres($pool) => $body,
            WitnessState::Sqlite($pool) => $body,
        }
    };
}

impl WitnessState {
    /// Opens (creating if missing) the database at `url`: `postgres://…` or
    /// `sqlite://FILE` (a bare path is taken as an SQLite file).
    ///
    /// # Errors
    /// When the database cannot be opened or its tables created.
    pub async fn open(url: &str) -> Result<WitnessState, StateError> {
        let state = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .connect(url)
                .await
                .map_err(doing("connecting"))?;
            WitnessState::Postgres(pool)
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
                .map_err(doing("reading the SQLite URL"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // The witness answers only once its state is durable.
                .synchronous(SqliteSynchronous::Full);
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .map_err(doing("opening the SQLite file"))?;
            WitnessState::Sqlite(pool)
        };
        for statement in SCHEMA {
            on_pool!(&state, |pool| sqlx::query(statement)
                .execute(pool)
                .await
                .map(|_| ()))
            .map_err(doing("creating its tables"))?;
        }
        Ok(state)
    }

    /// What the witness holds for `origin`, if it ever cosigned it.
    ///
    /// # Errors
    /// A database error, or a stored row that does not read back.
    pub async fn held(&self, origin: &str) -> Result<Option<Held>, StateError> {
        const SQL: &str = "SELECT size, root, note FROM witness_checkpoints WHERE origin = $1";
        let row: Option<(i64, Vec<u8>, String)> = on_pool!(self, |pool| {
            sqlx::query_as(SQL).bind(origin).fetch_optional(pool).await
        })
        .map_err(doing("reading a log's latest checkpoint"))?;
        row.map(|(size, root, note)| {
            let corrupt = |what: &str| StateError {
                doing: "reading a log's latest checkpoint",
                source: sqlx::Error::Decode(format!("{what} of {origin:?} does not read").into()),
            };
            Ok(Held {
                latest: Latest {
                    size: u64::try_from(size).map_err(|_| corrupt("the size"))?,
                    root: Hash::from_slice(&root).map_err(|_| corrupt("the root"))?,
                },
                note,
            })
        })
        .transpose()
    }

    /// Stores `new` for `origin` if, and only if, the witness still holds `expected` (`None`:
    /// nothing yet). Returns whether it stored; on `false` nothing changed and the caller
    /// answers with what is held now.
    ///
    /// # Errors
    /// A database error; nothing was stored.
    pub async fn compare_and_store(
        &self,
        origin: &str,
        expected: Option<&Latest>,
        new: &Latest,
        note: &str,
        cosigned_at: &str,
    ) -> Result<bool, StateError> {
        let size = i64::try_from(new.size).map_err(|_| StateError {
            doing: "storing a checkpoint",
            source: sqlx::Error::Encode("a size above i64".into()),
        })?;
        let root = new.root.as_bytes().to_vec();
        // One statement: a first checkpoint inserts; a later one updates only the row that
        // still holds what the request was checked against (-1: no row was expected).
        const SQL: &str = "INSERT INTO witness_checkpoints (origin, size, root, note, cosigned_at) \
                           VALUES ($1, $2, $3, $4, $5) \
                           ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, \
                           note = excluded.note, cosigned_at = excluded.cosigned_at \
                           WHERE witness_checkpoints.size = $6 AND witness_checkpoints.root = $7";
        let (held_size, held_root) = match expected {
            Some(held) => (
                i64::try_from(held.size).unwrap_or(i64::MAX),
                held.root.as_bytes().to_vec(),
            ),
            None => (-1, Vec::new()),
        };
        let done = on_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(origin)
                .bind(size)
                .bind(&root)
                .bind(note)
                .bind(cosigned_at)
                .bind(held_size)
                .bind(&held_root)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(doing("storing a checkpoint"))?;
        Ok(done == 1)
    }

    /// Keeps a refused request that the log had validly signed.
    ///
    /// # Errors
    /// A database error.
    pub async fn keep_evidence(&self, evidence: &Evidence) -> Result<(), StateError> {
        const SQL: &str = "INSERT INTO witness_evidence (received_at, origin, reason, request, held_note) \
                           VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, |pool| {
            sqlx::query(SQL)
                .bind(&evidence.received_at)
                .bind(&evidence.origin)
                .bind(&evidence.reason)
                .bind(&evidence.request)
                .bind(evidence.held_note.as_deref())
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(doing("keeping evidence"))?;
        Ok(())
    }

    /// Every kept refusal, oldest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn evidence(&self) -> Result<Vec<Evidence>, StateError> {
        const SQL: &str = "SELECT received_at, origin, reason, request, held_note \
                           FROM witness_evidence ORDER BY received_at, origin";
        let rows = on_pool!(self, |pool| {
            sqlx::query(SQL).fetch_all(pool).await.map(|rows| {
                rows.iter()
                    .map(|row| {
                        Ok(Evidence {
                            received_at: row.try_get(0)?,
                            origin: row.try_get(1)?,
                            reason: row.try_get(2)?,
                            request: row.try_get(3)?,
                            held_note: row.try_get(4)?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })
        })
        .map_err(doing("reading evidence"))?;
        rows.map_err(doing("reading evidence"))
    }

    /// Closes the pool.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latest(size: u64, byte: u8) -> Latest {
        Latest {
            size,
            root: Hash::from_bytes([byte; 32]),
        }
    }

    #[tokio::test]
    async fn a_store_holds_only_against_what_it_was_checked_against() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("witness.db").display().to_string();
        let state = WitnessState::open(&url).await.unwrap();
        assert_eq!(state.held("log").await.unwrap(), None);
        assert!(
            state
                .compare_and_store("log", None, &latest(3, 1), "n3", "t")
                .await
                .unwrap()
        );
        // A second first contact, or a store against a stale size or root, changes nothing.
        assert!(
            !state
                .compare_and_store("log", None, &latest(5, 2), "n5", "t")
                .await
                .unwrap()
        );
        assert!(
            !state
                .compare_and_store("log", Some(&latest(2, 1)), &latest(5, 2), "n5", "t")
                .await
                .unwrap()
        );
        assert!(
            !state
                .compare_and_store("log", Some(&latest(3, 9)), &latest(5, 2), "n5", "t")
                .await
                .unwrap()
        );
        assert_eq!(state.held("log").await.unwrap().unwrap().note, "n3");
        assert!(
            state
                .compare_and_store("log", Some(&latest(3, 1)), &latest(5, 2), "n5", "t")
                .await
                .unwrap()
        );
        state.close().await;
        // From the file again.
        let reopened = WitnessState::open(&url).await.unwrap();
        let held = reopened.held("log").await.unwrap().unwrap();
        assert_eq!((held.latest, held.note.as_str()), (latest(5, 2), "n5"));
        let evidence = Evidence {
            received_at: "2026-12-03T00:00:00Z".into(),
            origin: "log".into(),
            reason: "inconsistent".into(),
            request: "old 5\n\n…".into(),
            held_note: Some("n5".into()),
        };
        reopened.keep_evidence(&evidence).await.unwrap();
        assert_eq!(reopened.evidence().await.unwrap(), vec![evidence]);
    }
}
