//! Choosing and opening the database: `sqlite://PATH` (the default) or `postgres://…`.

use std::str::FromStr;
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

/// A connection pool to one of the two backends.
#[derive(Debug, Clone)]
pub enum Database {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

impl Database {
    /// Opens the database at `url`, applying pending migrations first.
    ///
    /// On PostgreSQL the migrations run as the connecting user (the owner); the pool's
    /// connections then `SET ROLE htx_ledger_app`, which has no UPDATE or DELETE on the log.
    ///
    /// # Errors
    /// When the URL is not `sqlite://` or `postgres://`, the database cannot be reached, or a
    /// migration fails.
    pub async fn open(url: &str) -> Result<Database, StoreError> {
        Self::migrate(url).await?;
        let db = Self::connect(url).await?;
        // A log written before the tree existed gets its tree now, once.
        crate::tree::catch_up(&db, |_, _| {}).await?;
        Ok(db)
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
                Ok(Database::Postgres(pool))
            }
            Backend::Sqlite => {
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(sqlite_options(url)?)
                    .await?;
                Ok(Database::Sqlite(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Postgres(_) => Backend::Postgres,
            Database::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub async fn close(&self) {
        match self {
            Database::Postgres(pool) => pool.close().await,
            Database::Sqlite(pool) => pool.close().await,
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

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a committed entry survives a power cut, not only a crash of this process.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30))
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
