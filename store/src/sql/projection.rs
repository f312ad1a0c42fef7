//! The SQL of projection tables, generic over their shape: rows of cells written by upsert,
//! deleted by key, read back in key order; and the projector's checkpoint.
//!
//! The projections crate decides what the tables hold; this module only moves cells.

use sqlx::{Postgres, QueryBuilder, Row, Sqlite};

use super::{WriteTx, to_i64, to_u64};
use crate::database::Database;
use crate::error::StoreError;

/// One value of a projection row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
}

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// BIGINT / INTEGER.
    Int,
    /// TEXT.
    Text,
    /// BOOLEAN (SQLite: INTEGER 0/1).
    Bool,
    /// TEXT holding a JSON value (a list of positions, say).
    Json,
}

/// A projection table's name and columns; the first `key_columns` columns are its primary key.
#[derive(Debug, Clone, Copy)]
pub struct TableShape {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColumnKind)],
    pub key_columns: usize,
}

/// SQLite allows 32,766 parameters a statement.
const MAX_PARAMETERS: usize = 30_000;
/// On PostgreSQL rows go as one array a column (`unnest`): one parameter a column, however
/// many rows, and one short statement to plan.
const PG_ROWS_PER_STATEMENT: usize = 20_000;

/// Bytes sent to COPY at a time.
const COPY_BUFFER: usize = 1 << 20;

/// The start of COPY's binary format: the signature, then no flags and no header extension.
const COPY_BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The end of COPY's binary format: a field count of -1.
const COPY_BINARY_TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// One row in COPY's binary format: its field count, then each field as its length (-1 for
/// NULL) and its bytes, in the columns' types: `bigint` as 8 bytes big-endian, `boolean` as one
/// byte, `text` as its UTF-8 bytes. Nothing is escaped or parsed on either side, as the text
/// format would (the projection tables have these three column types only).
fn copy_binary_row(out: &mut Vec<u8>, row: &[Cell]) -> Result<(), StoreError> {
    let too_long =
        |what: &str| StoreError::Refused(format!("a projection row has too many {what} for COPY"));
    let fields = i16::try_from(row.len()).map_err(|_| too_long("columns"))?;
    out.extend_from_slice(&fields.to_be_bytes());
    for cell in row {
        match cell {
            Cell::Null => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Cell::Int(v) => {
                out.extend_from_slice(&8i32.to_be_bytes());
                out.extend_from_slice(&v.to_be_bytes());
            }
            Cell::Bool(v) => {
                out.extend_from_slice(&1i32.to_be_bytes());
                out.push(u8::from(*v));
            }
            Cell::Text(text) => {
                let length = i32::try_from(text.len()).map_err(|_| too_long("bytes in a cell"))?;
                out.extend_from_slice(&length.to_be_bytes());
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
    Ok(())
}

/// `INSERT … SELECT * FROM unnest($1::bigint[], $2::text[], …)`, one array a column.
fn unnest_sql(shape: &TableShape, replace: bool) -> String {
    let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
    let casts: Vec<String> = shape
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            let sql_type = match kind {
                ColumnKind::Int => "bigint",
                ColumnKind::Text | ColumnKind::Json => "text",
                ColumnKind::Bool => "boolean",
            };
            format!("${}::{sql_type}[]", i + 1)
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) SELECT * FROM unnest({}){}",
        shape.name,
        names.join(", "),
        casts.join(", "),
        conflict_clause(shape, replace)
    )
}

/// ` ON CONFLICT (keys) DO UPDATE SET …` when `replace`, else nothing. Both backends.
fn conflict_clause(shape: &TableShape, replace: bool) -> String {
    if !replace {
        return String::new();
    }
    let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
    let keys = names[..shape.key_columns].join(", ");
    let values = &names[shape.key_columns..];
    if values.is_empty() {
        return format!(" ON CONFLICT ({keys}) DO NOTHING");
    }
    let set: Vec<String> = values
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    format!(" ON CONFLICT ({keys}) DO UPDATE SET {}", set.join(", "))
}

/// Binds each column of `rows` as one array, for [`unnest_sql`].
fn bind_columns<'a>(
    mut query: sqlx::query::Query<'a, Postgres, sqlx::postgres::PgArguments>,
    shape: &TableShape,
    rows: &'a [Vec<Cell>],
) -> sqlx::query::Query<'a, Postgres, sqlx::postgres::PgArguments> {
    for (i, (_, kind)) in shape.columns.iter().enumerate() {
        query = match kind {
            ColumnKind::Int => query.bind(
                rows.iter()
                    .map(|r| match &r[i] {
                        Cell::Int(v) => Some(*v),
                        _ => None,
                    })
                    .collect::<Vec<Option<i64>>>(),
            ),
            ColumnKind::Text | ColumnKind::Json => query.bind(
                rows.iter()
                    .map(|r| match &r[i] {
                        Cell::Text(v) => Some(v.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<Option<&str>>>(),
            ),
            ColumnKind::Bool => query.bind(
                rows.iter()
                    .map(|r| match &r[i] {
                        Cell::Bool(v) => Some(*v),
                        _ => None,
                    })
                    .collect::<Vec<Option<bool>>>(),
            ),
        };
    }
    query
}

/// Binds one cell; a NULL is typed by its column, as PostgreSQL checks parameter types.
fn push_cell<'a, DB>(
    b: &mut sqlx::query_builder::Separated<'_, 'a, DB, &'static str>,
    cell: &'a Cell,
    kind: ColumnKind,
) where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<bool>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    match cell {
        Cell::Null => match kind {
            ColumnKind::Int => b.push_bind(None::<i64>),
            ColumnKind::Text | ColumnKind::Json => b.push_bind(None::<&str>),
            ColumnKind::Bool => b.push_bind(None::<bool>),
        },
        Cell::Int(v) => b.push_bind(*v),
        Cell::Text(v) => b.push_bind(v.as_str()),
        Cell::Bool(v) => b.push_bind(*v),
    };
}

/// A multi-row `INSERT … VALUES` for SQLite, replacing rows on key conflicts when `replace`.
fn sqlite_insert_query<'a>(
    shape: &TableShape,
    rows: &'a [Vec<Cell>],
    replace: bool,
) -> QueryBuilder<'a, Sqlite> {
    let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
    let mut query = QueryBuilder::new(format!(
        "INSERT INTO {} ({}) ",
        shape.name,
        names.join(", ")
    ));
    query.push_values(rows, |mut b, row| {
        for (cell, (_, kind)) in row.iter().zip(shape.columns) {
            push_cell(&mut b, cell, *kind);
        }
    });
    query.push(conflict_clause(shape, replace));
    query
}

fn delete_query<'a, DB>(shape: &TableShape, keys: &'a [Vec<Cell>]) -> QueryBuilder<'a, DB>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<bool>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let names: Vec<&str> = shape.columns[..shape.key_columns]
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let mut query = QueryBuilder::new(format!(
        "DELETE FROM {} WHERE ({}) IN (",
        shape.name,
        names.join(", ")
    ));
    let mut first = true;
    for key in keys {
        query.push(if first { "(" } else { ", (" });
        first = false;
        let mut separated = query.separated(", ");
        for (cell, (_, kind)) in key.iter().zip(shape.columns) {
            push_cell(&mut separated, cell, *kind);
        }
        query.push(")");
    }
    query.push(")");
    query
}

impl WriteTx {
    /// Inserts or replaces `rows` (each a full row, in the shape's column order).
    pub async fn upsert_rows(
        &mut self,
        shape: &TableShape,
        rows: &[Vec<Cell>],
    ) -> Result<(), StoreError> {
        self.write_rows(shape, rows, true).await
    }

    async fn write_rows(
        &mut self,
        shape: &TableShape,
        rows: &[Vec<Cell>],
        replace: bool,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            WriteTx::Postgres(tx) => {
                let sql = unnest_sql(shape, replace);
                for chunk in rows.chunks(PG_ROWS_PER_STATEMENT) {
                    bind_columns(sqlx::query(&sql), shape, chunk)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            WriteTx::Sqlite(tx) => {
                let per_statement = (MAX_PARAMETERS / shape.columns.len().max(1)).max(1);
                for chunk in rows.chunks(per_statement) {
                    sqlite_insert_query(shape, chunk, replace)
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Replaces every row of a projection table with `rows` (full rows, in the shape's column
    /// order, keys distinct), taking them as they come: on PostgreSQL `TRUNCATE` and one
    /// binary `COPY … FREEZE`, each megabyte sent while the server loads the one before, so making
    /// rows here and loading them there overlap; on SQLite `DELETE` and multi-row inserts.
    ///
    /// `TRUNCATE` holds the table's exclusive lock until the transaction ends: readers wait
    /// for the commit instead of reading the old rows meanwhile.
    pub async fn replace_rows(
        &mut self,
        shape: &TableShape,
        rows: impl Iterator<Item = Vec<Cell>> + Send,
    ) -> Result<(), StoreError> {
        match self {
            WriteTx::Postgres(tx) => {
                sqlx::query(&format!("TRUNCATE {}", shape.name))
                    .execute(&mut **tx)
                    .await?;
                let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
                let statement = format!(
                    "COPY {} ({}) FROM STDIN WITH (FORMAT binary, FREEZE)",
                    shape.name,
                    names.join(", ")
                );
                let mut copy = tx.copy_in_raw(&statement).await?;
                let mut buffer = Vec::with_capacity(COPY_BUFFER);
                buffer.extend_from_slice(COPY_BINARY_HEADER);
                for row in rows {
                    if let Err(e) = copy_binary_row(&mut buffer, &row) {
                        copy.abort(e.to_string()).await?;
                        return Err(e);
                    }
                    if buffer.len() >= COPY_BUFFER {
                        copy.send(std::mem::take(&mut buffer)).await?;
                        buffer.reserve(COPY_BUFFER);
                    }
                }
                buffer.extend_from_slice(&COPY_BINARY_TRAILER);
                copy.send(buffer).await?;
                copy.finish().await?;
            }
            WriteTx::Sqlite(_) => {
                self.clear_table(shape).await?;
                let per_statement = (MAX_PARAMETERS / shape.columns.len().max(1)).max(1);
                let mut rows = rows.peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
                    self.write_rows(shape, &chunk, false).await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes the rows with these keys (each the key columns' cells, in order).
    pub async fn delete_rows(
        &mut self,
        shape: &TableShape,
        keys: &[Vec<Cell>],
    ) -> Result<(), StoreError> {
        let per_statement = (MAX_PARAMETERS / shape.key_columns.max(1)).max(1);
        for chunk in keys.chunks(per_statement) {
            match self {
                WriteTx::Postgres(tx) => {
                    delete_query::<Postgres>(shape, chunk)
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
                WriteTx::Sqlite(tx) => {
                    delete_query::<Sqlite>(shape, chunk)
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Empties a projection table.
    pub async fn clear_table(&mut self, shape: &TableShape) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM {}", shape.name);
        match self {
            WriteTx::Postgres(tx) => sqlx::query(&sql).execute(&mut **tx).await?.rows_affected(),
            WriteTx::Sqlite(tx) => sqlx::query(&sql).execute(&mut **tx).await?.rows_affected(),
        };
        Ok(())
    }

    /// Records that the projections named `id` hold every entry below `position`.
    pub async fn set_projection_checkpoint(
        &mut self,
        id: &str,
        position: u64,
    ) -> Result<(), StoreError> {
        const SQL_PG: &str = "INSERT INTO projection_checkpoint (id, position) VALUES ($1, $2) \
                              ON CONFLICT (id) DO UPDATE SET position = excluded.position";
        const SQL_LITE: &str = "INSERT INTO projection_checkpoint (id, position) VALUES (?1, ?2) \
                                ON CONFLICT (id) DO UPDATE SET position = excluded.position";
        let position = to_i64(position)?;
        match self {
            WriteTx::Postgres(tx) => sqlx::query(SQL_PG)
                .bind(id)
                .bind(position)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            WriteTx::Sqlite(tx) => sqlx::query(SQL_LITE)
                .bind(id)
                .bind(position)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        };
        Ok(())
    }
}

/// How many entries the projections named `id` hold (0 before the first run).
pub async fn projection_checkpoint(db: &Database, id: &str) -> Result<u64, StoreError> {
    let mut snapshot = ProjectionSnapshot::begin(db, &[]).await?;
    let position = snapshot.checkpoint(id).await?;
    snapshot.finish().await?;
    Ok(position)
}

fn decode<R: Row>(row: &R, shape: &TableShape) -> Result<Vec<Cell>, StoreError>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    shape
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                ColumnKind::Int => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Cell::Null, Cell::Int),
                ColumnKind::Text | ColumnKind::Json => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Cell::Null, Cell::Text),
                ColumnKind::Bool => row
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(Cell::Null, Cell::Bool),
            })
        })
        .collect()
}

/// `SELECT` of every column of a table, in key order.
fn select_all_sql(shape: &TableShape) -> String {
    let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
    let keys = &names[..shape.key_columns];
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        names.join(", "),
        shape.name,
        keys.join(", ")
    )
}

/// Every row of a projection table, in primary key order.
pub async fn read_rows(db: &Database, shape: &TableShape) -> Result<Vec<Vec<Cell>>, StoreError> {
    let mut snapshot = ProjectionSnapshot::begin(db, &[shape]).await?;
    let rows = snapshot.rows(shape).await?;
    snapshot.finish().await?;
    Ok(rows)
}

/// The stored projections as of one moment: their checkpoints and rows read in one read-only
/// transaction, so that they agree even when a flush or a rebuild commits meanwhile (rows
/// newer than the checkpoint would be folded twice by whoever resumes from it).
///
/// On PostgreSQL the transaction is `REPEATABLE READ` and first locks the tables it will read
/// (`ACCESS SHARE`): `TRUNCATE` is not MVCC-safe, so a rebuild committed after the snapshot
/// was taken would show its tables empty; with the lock, the snapshot is taken once a rebuild
/// in progress has committed, and a rebuild that starts later waits for the reading to end.
/// On SQLite one read transaction sees one snapshot (WAL).
pub struct ProjectionSnapshot(SnapshotTx);

enum SnapshotTx {
    Postgres(sqlx::Transaction<'static, Postgres>),
    Sqlite(sqlx::Transaction<'static, Sqlite>),
}

impl ProjectionSnapshot {
    /// Begins the snapshot of `tables` (and of the checkpoints).
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn begin(
        db: &Database,
        tables: &[&TableShape],
    ) -> Result<ProjectionSnapshot, StoreError> {
        Ok(ProjectionSnapshot(match db {
            Database::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                if !tables.is_empty() {
                    let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
                    let lock = format!("LOCK TABLE {} IN ACCESS SHARE MODE", names.join(", "));
                    sqlx::query(&lock).execute(&mut *tx).await?;
                }
                SnapshotTx::Postgres(tx)
            }
            Database::Sqlite(pool) => SnapshotTx::Sqlite(pool.begin().await?),
        }))
    }

    /// The position the projections named `id` had reached (0 when never written).
    pub async fn checkpoint(&mut self, id: &str) -> Result<u64, StoreError> {
        const SQL_PG: &str = "SELECT position FROM projection_checkpoint WHERE id = $1";
        const SQL_LITE: &str = "SELECT position FROM projection_checkpoint WHERE id = ?1";
        let position: Option<i64> = match &mut self.0 {
            SnapshotTx::Postgres(tx) => {
                sqlx::query_scalar(SQL_PG)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            SnapshotTx::Sqlite(tx) => {
                sqlx::query_scalar(SQL_LITE)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        };
        position.map_or(Ok(0), |p| to_u64(p, "projection checkpoint"))
    }

    /// Every row of a table, in key order.
    pub async fn rows(&mut self, shape: &TableShape) -> Result<Vec<Vec<Cell>>, StoreError> {
        let sql = select_all_sql(shape);
        match &mut self.0 {
            SnapshotTx::Postgres(tx) => sqlx::query(&sql)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode(r, shape))
                .collect(),
            SnapshotTx::Sqlite(tx) => sqlx::query(&sql)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode(r, shape))
                .collect(),
        }
    }

    /// Ends the snapshot (the transaction wrote nothing).
    pub async fn finish(self) -> Result<(), StoreError> {
        match self.0 {
            SnapshotTx::Postgres(tx) => tx.commit().await?,
            SnapshotTx::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_binary_rows_are_lengths_and_bytes() {
        let mut out = Vec::new();
        copy_binary_row(
            &mut out,
            &[
                Cell::Text("a\tb ấp".into()),
                Cell::Null,
                Cell::Int(-42),
                Cell::Bool(true),
                Cell::Text(String::new()),
            ],
        )
        .unwrap();
        let mut expected = vec![0, 5];
        expected.extend([0, 0, 0, 8]);
        expected.extend("a\tb ấp".as_bytes());
        expected.extend([0xff, 0xff, 0xff, 0xff]);
        expected.extend([0, 0, 0, 8]);
        expected.extend((-42i64).to_be_bytes());
        expected.extend([0, 0, 0, 1, 1]);
        expected.extend([0, 0, 0, 0]);
        assert_eq!(out, expected);
        assert_eq!(
            COPY_BINARY_HEADER.len(),
            19,
            "11-byte signature, flags, extension"
        );
    }
}
