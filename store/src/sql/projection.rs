//! The SQL of projection tables, generic over their shape: rows of cells written by upsert,
//! deleted by key, read back in key order; and the projector's checkpoint.
//!
//! The projections crate decides what the tables hold; this module only moves cells.

use sqlx::Row;

use super::copy_binary::CopyOut;
use super::statement::{BackendRow, PgArray, Statement, Transaction, Value, to_u64};
use super::write::WriteTx;
use crate::database::{Backend, Database};
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

/// One row in COPY's binary format, in the columns' types.
fn copy_binary_row(out: &mut CopyOut, row: &[Cell]) -> Result<(), StoreError> {
    let fields = i16::try_from(row.len()).map_err(|_| {
        StoreError::Refused("a projection row has too many columns for COPY".into())
    })?;
    out.row(fields);
    for cell in row {
        match cell {
            Cell::Null => out.null(),
            Cell::Int(v) => out.int(*v),
            Cell::Bool(v) => out.bool(*v),
            Cell::Text(text) => out.text(text)?,
        };
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
    mut statement: Statement<'a>,
    shape: &TableShape,
    rows: &'a [Vec<Cell>],
) -> Statement<'a> {
    for (i, (_, kind)) in shape.columns.iter().enumerate() {
        statement = statement.bind(match kind {
            ColumnKind::Int => PgArray::NullableInts(column(rows, i, |cell| match cell {
                Cell::Int(v) => Some(*v),
                _ => None,
            })),
            ColumnKind::Text | ColumnKind::Json => {
                PgArray::NullableTexts(column(rows, i, |cell| match cell {
                    Cell::Text(v) => Some(v.as_str()),
                    _ => None,
                }))
            }
            ColumnKind::Bool => PgArray::NullableBools(column(rows, i, |cell| match cell {
                Cell::Bool(v) => Some(*v),
                _ => None,
            })),
        });
    }
    statement
}

/// Column `i` of `rows`, each cell as `value` reads it (`None`: NULL).
fn column<'a, T>(
    rows: &'a [Vec<Cell>],
    i: usize,
    value: impl Fn(&'a Cell) -> Option<T>,
) -> Vec<Option<T>> {
    rows.iter().map(|row| value(&row[i])).collect()
}

/// One cell as a bound value; a NULL is typed by its column, as PostgreSQL checks parameter
/// types.
fn cell_value(cell: &Cell, kind: ColumnKind) -> Value<'_> {
    match cell {
        Cell::Null => match kind {
            ColumnKind::Int => Value::NullInt,
            ColumnKind::Text | ColumnKind::Json => Value::NullText,
            ColumnKind::Bool => Value::NullBool,
        },
        Cell::Int(v) => Value::Int(*v),
        Cell::Text(v) => Value::Text(v),
        Cell::Bool(v) => Value::Bool(*v),
    }
}

/// Appends `(cell, cell, …)`, each cell bound.
fn push_tuple<'a>(
    statement: &mut Statement<'a>,
    cells: &'a [Cell],
    columns: &[(&'static str, ColumnKind)],
) {
    statement.push("(");
    for (i, (cell, (_, kind))) in cells.iter().zip(columns).enumerate() {
        if i > 0 {
            statement.push(", ");
        }
        statement.push_bind(cell_value(cell, *kind));
    }
    statement.push(")");
}

/// Appends `(…), (…), …`, one tuple of bound cells a row.
fn push_tuples<'a>(
    statement: &mut Statement<'a>,
    rows: &'a [Vec<Cell>],
    columns: &[(&'static str, ColumnKind)],
) {
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            statement.push(", ");
        }
        push_tuple(statement, row, columns);
    }
}

/// A multi-row `INSERT … VALUES` for SQLite, replacing rows on key conflicts when `replace`.
fn sqlite_insert<'a>(shape: &TableShape, rows: &'a [Vec<Cell>], replace: bool) -> Statement<'a> {
    let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
    let mut statement = Statement::new(format!(
        "INSERT INTO {} ({}) VALUES ",
        shape.name,
        names.join(", ")
    ));
    push_tuples(&mut statement, rows, shape.columns);
    statement.push(&conflict_clause(shape, replace));
    statement
}

/// `DELETE … WHERE (keys) IN ((…), …)`, both backends.
fn delete_statement<'a>(shape: &TableShape, keys: &'a [Vec<Cell>]) -> Statement<'a> {
    let names: Vec<&str> = shape.columns[..shape.key_columns]
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let mut statement = Statement::new(format!(
        "DELETE FROM {} WHERE ({}) IN (",
        shape.name,
        names.join(", ")
    ));
    push_tuples(&mut statement, keys, shape.columns);
    statement.push(")");
    statement
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
        // Genuinely different: PostgreSQL takes a column as one array (`unnest`).
        match self.0.backend() {
            Backend::Postgres => {
                let sql = unnest_sql(shape, replace);
                for chunk in rows.chunks(PG_ROWS_PER_STATEMENT) {
                    bind_columns(Statement::new(sql.as_str()), shape, chunk)
                        .execute(&mut *self)
                        .await?;
                }
            }
            Backend::Sqlite => {
                let per_statement = (MAX_PARAMETERS / shape.columns.len().max(1)).max(1);
                for chunk in rows.chunks(per_statement) {
                    sqlite_insert(shape, chunk, replace)
                        .execute(&mut *self)
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
        // Genuinely different: PostgreSQL loads the table with COPY.
        if self.0.backend() == Backend::Postgres {
            Statement::new(format!("TRUNCATE {}", shape.name))
                .execute(&mut *self)
                .await?;
            self.0.count();
            if let Some(tx) = self.0.postgres() {
                let names: Vec<&str> = shape.columns.iter().map(|(n, _)| *n).collect();
                let statement = format!(
                    "COPY {} ({}) FROM STDIN WITH (FORMAT binary, FREEZE)",
                    shape.name,
                    names.join(", ")
                );
                let mut copy = tx.copy_in_raw(&statement).await?;
                let mut out = CopyOut::with_capacity(COPY_BUFFER);
                for row in rows {
                    if let Err(e) = copy_binary_row(&mut out, &row) {
                        copy.abort(e.to_string()).await?;
                        return Err(e);
                    }
                    if out.len() >= COPY_BUFFER {
                        copy.send(out.take()).await?;
                    }
                }
                copy.send(out.finish()).await?;
                copy.finish().await?;
            }
            return Ok(());
        }
        self.clear_table(shape).await?;
        let per_statement = (MAX_PARAMETERS / shape.columns.len().max(1)).max(1);
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
            self.write_rows(shape, &chunk, false).await?;
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
            delete_statement(shape, chunk).execute(&mut *self).await?;
        }
        Ok(())
    }

    /// Empties a projection table.
    pub async fn clear_table(&mut self, shape: &TableShape) -> Result<(), StoreError> {
        Statement::new(format!("DELETE FROM {}", shape.name))
            .execute(self)
            .await?;
        Ok(())
    }

    /// Records that the projections named `id` hold every entry below `position`.
    pub async fn set_projection_checkpoint(
        &mut self,
        id: &str,
        position: u64,
    ) -> Result<(), StoreError> {
        Statement::new(
            "INSERT INTO projection_checkpoint (id, position) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET position = excluded.position",
        )
        .bind(id)
        .bind_u64(position)
        .execute(self)
        .await?;
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
pub struct ProjectionSnapshot(Transaction);

impl ProjectionSnapshot {
    /// Begins the snapshot of `tables` (and of the checkpoints).
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn begin(
        db: &Database,
        tables: &[&TableShape],
    ) -> Result<ProjectionSnapshot, StoreError> {
        let mut tx = Transaction::begin(db, "BEGIN").await?;
        // Genuinely PostgreSQL's: the isolation level and the table locks.
        if db.backend() == Backend::Postgres {
            Statement::new("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(tx.target())
                .await?;
            if !tables.is_empty() {
                let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
                let lock = format!("LOCK TABLE {} IN ACCESS SHARE MODE", names.join(", "));
                Statement::new(lock).execute(tx.target()).await?;
            }
        }
        Ok(ProjectionSnapshot(tx))
    }

    /// The position the projections named `id` had reached (0 when never written).
    pub async fn checkpoint(&mut self, id: &str) -> Result<u64, StoreError> {
        let position: Option<(i64,)> =
            Statement::new("SELECT position FROM projection_checkpoint WHERE id = $1")
                .bind(id)
                .fetch_optional(self.0.target())
                .await?;
        position.map_or(Ok(0), |(p,)| to_u64(p, "projection checkpoint"))
    }

    /// Every row of a table, in key order.
    pub async fn rows(&mut self, shape: &TableShape) -> Result<Vec<Vec<Cell>>, StoreError> {
        Statement::new(select_all_sql(shape))
            .fetch_rows(self.0.target())
            .await?
            .iter()
            .map(|row| match row {
                BackendRow::Postgres(row) => decode(row, shape),
                BackendRow::Sqlite(row) => decode(row, shape),
            })
            .collect()
    }

    /// Ends the snapshot (the transaction wrote nothing).
    pub async fn finish(self) -> Result<(), StoreError> {
        self.0.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_binary_rows_are_the_cells_in_their_column_types() {
        let mut via_cells = CopyOut::new();
        copy_binary_row(
            &mut via_cells,
            &[
                Cell::Text("a\tb ấp".into()),
                Cell::Null,
                Cell::Int(-42),
                Cell::Bool(true),
                Cell::Text(String::new()),
            ],
        )
        .unwrap();
        let mut direct = CopyOut::new();
        direct
            .row(5)
            .text("a\tb ấp")
            .unwrap()
            .null()
            .int(-42)
            .bool(true)
            .text("")
            .unwrap();
        assert_eq!(via_cells.finish(), direct.finish());
    }
}
