//! One statement, written once, run on either backend: the one place the store sends SQL.
//!
//! A [`Statement`] is SQL text with `$1`, `$2`, … placeholders and the values bound to them.
//! PostgreSQL numbers its parameters so; SQLite reads `$NNN` as a named parameter, and
//! sqlx-sqlite binds a parameter named `$N` to the N-th value (sqlx pull request 789; the test
//! `dollar_placeholders_bind_by_number_on_sqlite` below holds it). So the same text serves
//! both, and only what the backends genuinely do differently (PostgreSQL's `unnest` arrays,
//! `COPY`, row locks) is written twice, by the callers, with the PostgreSQL-only values below.
//!
//! Every statement run here, and every `BEGIN` and `COMMIT` of a [`Transaction`], is counted
//! once on the database's counter ([`crate::Database::statements`]).
//!
//! Integers: the log's positions and sequences are `u64` in the program and `BIGINT` in the
//! database; [`to_i64`] and [`to_u64`] are the one conversion each way, refusing what does not
//! fit instead of wrapping.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use sqlx::postgres::{PgArguments, PgConnection, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqliteRow};
use sqlx::{Arguments, FromRow, PgPool, Postgres, Sqlite, SqlitePool};
use sqlx_core::ext::async_stream::TryAsyncStream;

use crate::database::{Backend, Database, Pool, StatementCounter};
use crate::error::StoreError;

/// A `u64` of the program as the database's `BIGINT`.
///
/// # Errors
/// [`StoreError::Corrupt`] when it is above `i64::MAX`.
pub fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("{value} does not fit the database")))
}

/// A stored `BIGINT` as the program's `u64`; `what` names it in the error.
///
/// # Errors
/// [`StoreError::Corrupt`] when it is negative.
pub fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}: {value}")))
}

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Value<'q> {
    Int(i64),
    Int32(i32),
    SmallInt(i16),
    Bool(bool),
    Text(&'q str),
    String(String),
    Bytes(&'q [u8]),
    Time(DateTime<Utc>),
    /// A NULL of a `BIGINT` column (PostgreSQL checks a parameter's type).
    NullInt,
    /// A NULL of a `TEXT` column.
    NullText,
    /// A NULL of a `BOOLEAN` column.
    NullBool,
    /// An array, one value a row, for PostgreSQL's `unnest` (SQLite has no arrays).
    PgArray(PgArray<'q>),
}

/// The arrays PostgreSQL's batch statements bind (`unnest($1::bigint[], …)`).
#[derive(Debug, Clone)]
pub enum PgArray<'q> {
    Ints(Vec<i64>),
    Int32s(Vec<i32>),
    SmallInts(Vec<i16>),
    Texts(Vec<&'q str>),
    Bytes(Vec<&'q [u8]>),
    NullableInts(Vec<Option<i64>>),
    NullableTexts(Vec<Option<&'q str>>),
    NullableBools(Vec<Option<bool>>),
}

macro_rules! values_from {
    ($($type:ty => $variant:ident),+ $(,)?) => {
        $(impl<'q> From<$type> for Value<'q> {
            fn from(value: $type) -> Self {
                Value::$variant(value)
            }
        })+
    };
}

values_from! {
    i64 => Int, i32 => Int32, i16 => SmallInt, bool => Bool, &'q str => Text,
    String => String, &'q [u8] => Bytes, DateTime<Utc> => Time, PgArray<'q> => PgArray,
}

impl<'q> From<&'q String> for Value<'q> {
    fn from(value: &'q String) -> Self {
        Value::Text(value)
    }
}

/// What a row decodes into on both backends (a tuple of columns, say).
pub trait FromBothRows:
    for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin
{
}

impl<T> FromBothRows for T where
    T: for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Unpin
{
}

/// A row as the backend returned it, for readers that decode column by column.
pub enum BackendRow {
    Postgres(PgRow),
    Sqlite(SqliteRow),
}

impl From<PgRow> for BackendRow {
    fn from(row: PgRow) -> Self {
        BackendRow::Postgres(row)
    }
}

impl From<SqliteRow> for BackendRow {
    fn from(row: SqliteRow) -> Self {
        BackendRow::Sqlite(row)
    }
}

/// Evaluates `$body` with `$on`, the connection or pool, and `$a`, the values bound for its
/// backend: one expression, type-checked once per backend and kind of connection.
macro_rules! on_backend {
    ($connection:expr, $arguments:expr, |$on:ident, $a:ident| $body:expr) => {
        match ($connection, $arguments) {
            (Connection::PgPool($on), Bound::Postgres($a)) => $body,
            (Connection::Pg($on), Bound::Postgres($a)) => $body,
            (Connection::SqlitePool($on), Bound::Sqlite($a)) => $body,
            (Connection::Sqlite($on), Bound::Sqlite($a)) => $body,
            _ => return Err(mismatch()),
        }
    };
}

/// Where a statement runs: a pool, or one connection (a transaction's, or the appender's).
pub(crate) enum Connection<'c> {
    PgPool(&'c PgPool),
    SqlitePool(&'c SqlitePool),
    Pg(&'c mut PgConnection),
    Sqlite(&'c mut SqliteConnection),
}

/// A place to run a statement, with the counter it is counted on.
pub(crate) struct Target<'c> {
    pub(crate) connection: Connection<'c>,
    pub(crate) counter: &'c StatementCounter,
}

impl<'c> From<&'c Database> for Target<'c> {
    fn from(db: &'c Database) -> Self {
        let connection = match db.pool() {
            Pool::Postgres(pool) => Connection::PgPool(pool),
            Pool::Sqlite(pool) => Connection::SqlitePool(pool),
        };
        Target {
            connection,
            counter: db.counter(),
        }
    }
}

/// An open transaction on either backend; `BEGIN` and `COMMIT` are counted as statements.
pub(crate) struct Transaction {
    tx: BackendTransaction,
    counter: StatementCounter,
}

enum BackendTransaction {
    Postgres(sqlx::Transaction<'static, Postgres>),
    Sqlite(sqlx::Transaction<'static, Sqlite>),
}

impl Transaction {
    /// Begins a transaction; on SQLite with `sqlite_begin` (`BEGIN IMMEDIATE` to take the
    /// write lock at once, or `BEGIN` to read).
    pub(crate) async fn begin(
        db: &Database,
        sqlite_begin: &'static str,
    ) -> Result<Transaction, StoreError> {
        db.counter().sent();
        let tx = match db.pool() {
            Pool::Postgres(pool) => BackendTransaction::Postgres(pool.begin().await?),
            Pool::Sqlite(pool) => BackendTransaction::Sqlite(pool.begin_with(sqlite_begin).await?),
        };
        Ok(Transaction {
            tx,
            counter: db.counter().clone(),
        })
    }

    /// Where this transaction's statements run.
    pub(crate) fn target(&mut self) -> Target<'_> {
        let connection = match &mut self.tx {
            BackendTransaction::Postgres(tx) => Connection::Pg(tx),
            BackendTransaction::Sqlite(tx) => Connection::Sqlite(tx),
        };
        Target {
            connection,
            counter: &self.counter,
        }
    }

    /// Which backend the transaction runs on.
    pub(crate) fn backend(&self) -> Backend {
        match self.tx {
            BackendTransaction::Postgres(_) => Backend::Postgres,
            BackendTransaction::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The PostgreSQL transaction, for what only PostgreSQL does (`COPY`), or `None` on
    /// SQLite. The caller counts what it sends ([`Transaction::count`]).
    pub(crate) fn postgres(&mut self) -> Option<&mut sqlx::Transaction<'static, Postgres>> {
        match &mut self.tx {
            BackendTransaction::Postgres(tx) => Some(tx),
            BackendTransaction::Sqlite(_) => None,
        }
    }

    /// Counts one statement sent past [`Statement`] (a `COPY`).
    pub(crate) fn count(&self) {
        self.counter.sent();
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.counter.sent();
        match self.tx {
            BackendTransaction::Postgres(tx) => tx.commit().await?,
            BackendTransaction::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// SQL text with `$N` placeholders and the values bound to them, for either backend.
#[derive(Debug)]
pub struct Statement<'q> {
    sql: Cow<'q, str>,
    values: Vec<Value<'q>>,
    /// A value that could not be bound (a `u64` beyond `BIGINT`): the statement is refused.
    unbindable: Option<StoreError>,
}

impl<'q> Statement<'q> {
    /// A statement of `sql`, nothing bound yet.
    pub fn new(sql: impl Into<Cow<'q, str>>) -> Statement<'q> {
        Statement {
            sql: sql.into(),
            values: Vec::new(),
            unbindable: None,
        }
    }

    /// Binds the next placeholder (`$1` first).
    #[must_use]
    pub fn bind(mut self, value: impl Into<Value<'q>>) -> Statement<'q> {
        self.values.push(value.into());
        self
    }

    /// Binds a position, sequence or size: refused when it exceeds `BIGINT`.
    #[must_use]
    pub fn bind_u64(mut self, value: u64) -> Statement<'q> {
        self.push_u64(value);
        self
    }

    fn push_u64(&mut self, value: u64) {
        match to_i64(value) {
            Ok(value) => self.values.push(Value::Int(value)),
            Err(error) => {
                self.values.push(Value::NullInt);
                self.unbindable.get_or_insert(error);
            }
        }
    }

    /// Appends SQL text (for statements built piece by piece).
    pub fn push(&mut self, sql: &str) -> &mut Statement<'q> {
        self.sql.to_mut().push_str(sql);
        self
    }

    /// Appends a placeholder, `$N`, bound to `value`.
    pub fn push_bind(&mut self, value: impl Into<Value<'q>>) -> &mut Statement<'q> {
        self.values.push(value.into());
        self.push_placeholder()
    }

    /// Appends a placeholder bound to a `u64` (see [`Statement::bind_u64`]).
    pub fn push_bind_u64(&mut self, value: u64) -> &mut Statement<'q> {
        self.push_u64(value);
        self.push_placeholder()
    }

    fn push_placeholder(&mut self) -> &mut Statement<'q> {
        let placeholder = format!("${}", self.values.len());
        self.push(&placeholder)
    }

    /// Counts the statement as sent and answers where it runs, its text, and its values
    /// bound for that backend.
    fn send<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<(Connection<'c>, Cow<'q, str>, Bound<'q>), StoreError> {
        let target = on.into();
        let arguments = Bound::of(self.values, self.unbindable, &target.connection)?;
        target.counter.sent();
        Ok((target.connection, self.sql, arguments))
    }

    /// Runs the statement, answering how many rows it changed.
    pub(crate) async fn execute<'c>(self, on: impl Into<Target<'c>>) -> Result<u64, StoreError> {
        let (connection, sql, arguments) = self.send(on)?;
        Ok(on_backend!(connection, arguments, |on, a| {
            sqlx::query_with(&sql, a).execute(on).await?.rows_affected()
        }))
    }

    /// Runs the statement, answering every row.
    pub(crate) async fn fetch_all<'c, O: FromBothRows>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Vec<O>, StoreError> {
        let (connection, sql, arguments) = self.send(on)?;
        Ok(on_backend!(connection, arguments, |on, a| {
            sqlx::query_as_with(&sql, a).fetch_all(on).await?
        }))
    }

    /// Runs the statement, answering its first row if it has one.
    pub(crate) async fn fetch_optional<'c, O: FromBothRows>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Option<O>, StoreError> {
        let (connection, sql, arguments) = self.send(on)?;
        Ok(on_backend!(connection, arguments, |on, a| {
            sqlx::query_as_with(&sql, a).fetch_optional(on).await?
        }))
    }

    /// Runs the statement, answering its one row.
    ///
    /// # Errors
    /// `sqlx::Error::RowNotFound` (as [`StoreError::Database`]) when there is none.
    pub(crate) async fn fetch_one<'c, O: FromBothRows>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<O, StoreError> {
        self.fetch_optional(on)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Runs the statement, answering every row as the backend returned it.
    pub(crate) async fn fetch_rows<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Vec<BackendRow>, StoreError> {
        let (connection, sql, arguments) = self.send(on)?;
        Ok(on_backend!(connection, arguments, |on, a| {
            let rows = sqlx::query_with(&sql, a).fetch_all(on).await?;
            rows.into_iter().map(BackendRow::from).collect()
        }))
    }

    /// Runs the statement on `db`, streaming its rows as they arrive.
    pub(crate) fn stream<'a, O>(self, db: &'a Database) -> BoxStream<'a, Result<O, StoreError>>
    where
        O: FromBothRows + 'a,
        'q: 'a,
    {
        let target = Target::from(db);
        let arguments = match Bound::of(self.values, self.unbindable, &target.connection) {
            Ok(arguments) => arguments,
            Err(error) => return stream::once(async { Err(error) }).boxed(),
        };
        let counter = target.counter;
        let sql = self.sql;
        let rows: TryAsyncStream<'a, O> = match (db.pool(), arguments) {
            (Pool::Postgres(pool), Bound::Postgres(a)) => {
                TryAsyncStream::new(move |out| async move {
                    counter.sent();
                    let mut rows = sqlx::query_as_with::<_, O, _>(&sql, a).fetch(pool);
                    while let Some(row) = rows.try_next().await? {
                        out.r#yield(row).await;
                    }
                    Ok(())
                })
            }
            (Pool::Sqlite(pool), Bound::Sqlite(a)) => TryAsyncStream::new(move |out| async move {
                counter.sent();
                let mut rows = sqlx::query_as_with::<_, O, _>(&sql, a).fetch(pool);
                while let Some(row) = rows.try_next().await? {
                    out.r#yield(row).await;
                }
                Ok(())
            }),
            _ => return stream::once(async { Err(mismatch()) }).boxed(),
        };
        rows.map_err(StoreError::from).boxed()
    }
}

/// Values bound for one backend.
enum Bound<'q> {
    Postgres(PgArguments),
    Sqlite(SqliteArguments<'q>),
}

impl<'q> Bound<'q> {
    /// The values as `connection`'s backend binds them.
    fn of(
        values: Vec<Value<'q>>,
        unbindable: Option<StoreError>,
        connection: &Connection<'_>,
    ) -> Result<Bound<'q>, StoreError> {
        if let Some(error) = unbindable {
            return Err(error);
        }
        let encode = |e: sqlx::error::BoxDynError| StoreError::Database(sqlx::Error::Encode(e));
        match connection {
            Connection::PgPool(_) | Connection::Pg(_) => {
                let mut arguments = PgArguments::default();
                for value in values {
                    add_pg(&mut arguments, value).map_err(encode)?;
                }
                Ok(Bound::Postgres(arguments))
            }
            Connection::SqlitePool(_) | Connection::Sqlite(_) => {
                let mut arguments = SqliteArguments::default();
                for value in values {
                    add_sqlite(&mut arguments, value).map_err(encode)?;
                }
                Ok(Bound::Sqlite(arguments))
            }
        }
    }
}

fn add_pg(arguments: &mut PgArguments, value: Value<'_>) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Int(v) => arguments.add(v),
        Value::Int32(v) => arguments.add(v),
        Value::SmallInt(v) => arguments.add(v),
        Value::Bool(v) => arguments.add(v),
        Value::Text(v) => arguments.add(v),
        Value::String(v) => arguments.add(v),
        Value::Bytes(v) => arguments.add(v),
        Value::Time(v) => arguments.add(v),
        Value::NullInt => arguments.add(None::<i64>),
        Value::NullText => arguments.add(None::<&str>),
        Value::NullBool => arguments.add(None::<bool>),
        Value::PgArray(array) => match array {
            PgArray::Ints(v) => arguments.add(v),
            PgArray::Int32s(v) => arguments.add(v),
            PgArray::SmallInts(v) => arguments.add(v),
            PgArray::Texts(v) => arguments.add(v),
            PgArray::Bytes(v) => arguments.add(v),
            PgArray::NullableInts(v) => arguments.add(v),
            PgArray::NullableTexts(v) => arguments.add(v),
            PgArray::NullableBools(v) => arguments.add(v),
        },
    }
}

fn add_sqlite<'q>(
    arguments: &mut SqliteArguments<'q>,
    value: Value<'q>,
) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Int(v) => arguments.add(v),
        Value::Int32(v) => arguments.add(v),
        Value::SmallInt(v) => arguments.add(v),
        Value::Bool(v) => arguments.add(v),
        Value::Text(v) => arguments.add(v),
        Value::String(v) => arguments.add(v),
        Value::Bytes(v) => arguments.add(v),
        Value::Time(v) => arguments.add(v),
        Value::NullInt => arguments.add(None::<i64>),
        Value::NullText => arguments.add(None::<&str>),
        Value::NullBool => arguments.add(None::<bool>),
        Value::PgArray(_) => {
            Err("SQLite has no array parameters: this statement is PostgreSQL's".into())
        }
    }
}

fn mismatch() -> StoreError {
    StoreError::Refused("a statement's values were bound for the other backend".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite_memory() -> Database {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("an in-memory SQLite database");
        Database::from_pool(Pool::Sqlite(pool))
    }

    #[tokio::test]
    async fn dollar_placeholders_bind_by_number_on_sqlite() {
        let db = sqlite_memory().await;
        // Out of order and repeated: bound by number, not by place.
        let row: (String, i64, String) = Statement::new("SELECT $2, $1 + $1, $2")
            .bind(20i64)
            .bind("two")
            .fetch_one(&db)
            .await
            .expect("a row");
        assert_eq!(row, ("two".to_string(), 40, "two".to_string()));
    }

    #[tokio::test]
    async fn every_statement_is_counted_once_with_the_begin_and_commit_of_transactions() {
        let db = sqlite_memory().await;
        let clone = db.clone();
        assert_eq!(db.statements(), 0);
        Statement::new("CREATE TABLE t (n BIGINT)")
            .execute(&db)
            .await
            .expect("create");
        let mut tx = Transaction::begin(&clone, "BEGIN").await.expect("begin");
        let mut insert = Statement::new("INSERT INTO t (n) VALUES ");
        insert
            .push("(")
            .push_bind(1i64)
            .push("), (")
            .push_bind_u64(2)
            .push(")");
        assert_eq!(insert.execute(tx.target()).await.expect("insert"), 2);
        tx.commit().await.expect("commit");
        let rows: Vec<(i64,)> = Statement::new("SELECT n FROM t ORDER BY n")
            .stream::<(i64,)>(&db)
            .try_collect()
            .await
            .expect("stream");
        assert_eq!(rows, vec![(1,), (2,)]);
        // CREATE, BEGIN, INSERT, COMMIT, SELECT: on the one counter all clones share.
        assert_eq!(db.statements(), 5);
        assert_eq!(clone.statements(), 5);
        // A part counted apart shares the pool, not the count.
        let apart = db.counted_apart();
        let one: (i64,) = Statement::new("SELECT count(*) FROM t")
            .fetch_one(&apart)
            .await
            .expect("the same table");
        assert_eq!(one, (2,));
        assert_eq!((apart.statements(), db.statements()), (1, 5));
    }

    #[tokio::test]
    async fn a_u64_beyond_bigint_is_refused_before_anything_is_sent() {
        let db = sqlite_memory().await;
        let refused = Statement::new("SELECT $1")
            .bind_u64(u64::MAX)
            .fetch_optional::<(i64,)>(&db)
            .await;
        assert!(
            matches!(refused, Err(StoreError::Corrupt(_))),
            "{refused:?}"
        );
        assert_eq!(db.statements(), 0);
        assert!(matches!(
            to_u64(-1, "position"),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(to_i64(7).expect("fits"), 7);
    }
}
