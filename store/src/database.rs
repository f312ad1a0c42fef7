//! Choosing and connecting to the database: `sqlite://PATH` (the default) or `postgres://…`.
//!
//! [`Database::open`] (migrate, connect, and build any missing tree node) is defined beside
//! the tree, in `crate::tree`, so that this module depends on nothing of the store but its
//! errors.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor, PgPool, SqlitePool};

use crate::error::StoreError;

/// The default database: an SQLite file in the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://htx-ledger.sqlite3";

/// The PostgreSQL role the application works as: it may read and append, never update or delete.
pub const APP_ROLE: &str = "htx_ledger_app";

static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// The database: a connection pool to one of the two backends, and the count of the
/// statements sent through it. Clones share both.
#[derive(Debug, Clone)]
pub struct Database {
    pool: Pool,
    statements: StatementCounter,
}

/// A connection pool to one of the two backends.
#[derive(Debug, Clone)]
pub enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// How many statements a [`Database`] (all its clones, and the transactions begun on it) has
/// sent: shared, counted where statements are run (`sql::statement`).
#[derive(Debug, Clone, Default)]
pub(crate) struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Counts one statement sent.
    pub(crate) fn sent(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `n` statements sent (the rows of a bulk copy, one statement each).
    pub(crate) fn sent_many(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Database {
    /// A database over `pool`, with its own statement count (starting at 0).
    pub fn from_pool(pool: Pool) -> Database {
        Database {
            pool,
            statements: StatementCounter::default(),
        }
    }

    /// The same pool with a statement count of its own, starting at 0: for a part whose
    /// statements are told apart from the rest (the service's projector and its directory of
    /// people beside the commands), so that each part's [`Database::statements`] says what
    /// that part sent.
    pub fn counted_apart(&self) -> Database {
        Database::from_pool(self.pool.clone())
    }

    /// The pool, for the statements the store itself does not send (tests, tools).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// How many SQL statements this database (all its clones) has sent so far through the
    /// store: every query, every statement of a transaction, a COPY as one, and the `BEGIN`
    /// and the `COMMIT` of each transaction the store runs, one each (counted by the
    /// transaction). Not counted: the `ROLLBACK` sqlx sends for a transaction dropped
    /// uncommitted, the migrations, the connections' own set-up (`SET ROLE`, the pool's
    /// checks), and statements sent on [`Database::pool`] directly.
    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    pub(crate) fn counter(&self) -> &StatementCounter {
        &self.statements
    }

    /// Applies pending migrations, returning how many were applied.
    ///
    /// # Errors
    /// As for [`Database::open`].
    pub async fn migrate(url: &str) -> Result<usize, StoreError> {
        match Backend::of(url)? {
            Backend::Postgres => {
                let mut conn = PgConnectOptions::from_str(url)?.connect().await?;
                let pending = pending(&POSTGRES_MIGRATIONS, &mut conn).await?;
                POSTGRES_MIGRATIONS.run(&mut conn).await?;
                conn.close().await?;
                Ok(pending)
            }
            Backend::Sqlite => {
                let mut conn = sqlite_options(url)?.connect().await?;
                let pending = pending(&SQLITE_MIGRATIONS, &mut conn).await?;
                SQLITE_MIGRATIONS.run(&mut conn).await?;
                conn.close().await?;
                Ok(pending)
            }
        }
    }

    /// Connects without migrating.
    ///
    /// # Errors
    /// As for [`Database::open`].
    pub async fn connect(url: &str) -> Result<Database, StoreError> {
        match Backend::of(url)? {
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(format!("SET ROLE {APP_ROLE}").as_str())
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(PgConnectOptions::from_str(url)?)
                    .await?;
                Ok(Database::from_pool(Pool::Postgres(pool)))
            }
            Backend::Sqlite => {
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(sqlite_options(url)?)
                    .await?;
                Ok(Database::from_pool(Pool::Sqlite(pool)))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Postgres(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close().await,
        }
    }
}

/// Which SQL dialect a URL speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// # Errors
    /// When the URL's scheme is neither `sqlite:` nor `postgres:`/`postgresql:`.
    pub fn of(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }
}

/// How long an SQLite connection waits for another's write lock before it gives up (the
/// pool's, and the mirror's copy connection, `sql::bulk`).
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a committed entry survives a power cut, not only a crash of this process.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true))
}

async fn pending<C>(migrator: &sqlx::migrate::Migrator, conn: &mut C) -> Result<usize, StoreError>
where
    C: sqlx::migrate::Migrate,
{
    conn.ensure_migrations_table().await?;
    let applied = conn.list_applied_migrations().await?;
    Ok(migrator
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .count())
}
