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

    /// Makes the SQLite file of `url`, when there is none yet, with pages of
    /// [`SQLITE_COPY_PAGE_SIZE`] bytes rather than SQLite's 4,096: for a ledger that takes a
    /// log's copy in bulk (the mirror's; `store::BulkCopy`), whose every page goes through the
    /// WAL and then the file, one system call a page. Returns whether it made the file. Does
    /// nothing for PostgreSQL, a database in memory, or a file that exists: SQLite fixes the
    /// page size when it makes the file, and in WAL mode it never changes. The migrations
    /// are left to [`Database::open`].
    ///
    /// Measured (docs/performance.md, the mirror's catch-up of 1,000,000 entries): 112,000
    /// and 131,000 entries/s with 4 KiB pages, 172,000 and 205,000 with 64 KiB.
    ///
    /// # Errors
    /// When the URL is not SQLite's or PostgreSQL's, or the file cannot be made.
    pub async fn create_for_copies(url: &str) -> Result<bool, StoreError> {
        if Backend::of(url)? != Backend::Sqlite {
            return Ok(false);
        }
        let options = sqlite_options(url)?;
        let file = options.get_filename();
        if is_in_memory(file) || file.exists() {
            return Ok(false);
        }
        // sqlx sends `page_size` before `journal_mode`: the size is set while the file is
        // still empty, then WAL fixes it.
        let conn = options.page_size(SQLITE_COPY_PAGE_SIZE).connect().await?;
        conn.close().await?;
        Ok(true)
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

/// Whether an SQLite pool's "file" is a database in memory: `:memory:`, a `mode=memory` URI,
/// or the name sqlx-sqlite gives `sqlite::memory:` (`file:sqlx-in-memory-N`).
pub(crate) fn is_in_memory(path: &std::path::Path) -> bool {
    let name = path.to_string_lossy();
    name.is_empty()
        || name == ":memory:"
        || name.contains("mode=memory")
        || name.starts_with("file:sqlx-in-memory-")
}

/// SQLite's page size for a file made to take a log's copy ([`Database::create_for_copies`]):
/// the largest SQLite has.
pub const SQLITE_COPY_PAGE_SIZE: u32 = 65_536;

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
