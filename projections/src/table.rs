//! A projection table in memory: typed rows by primary key, the changes since the last flush,
//! conversion to and from database cells, and the table's digest.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::sync::OnceLock;

use chrono::NaiveDate;
use foldhash::fast::RandomState;
use indexmap::IndexMap;
use indexmap::map::Entry;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use store::{Cell, ColumnKind, TableShape};

/// One row type of one projection table.
///
/// The row is (de)serialised with serde: each column of [`Row::SHAPE`] is the field of the
/// same name. Integers go to `Int` columns, strings, dates (`YYYY-MM-DD`) and unit enum
/// variants to `Text`, booleans to `Bool`, anything else (lists, maps) to `Json` columns as
/// canonical JSON text.
pub trait Row: Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static {
    const SHAPE: TableShape;
    /// An internal table (a projection's working state): stored and reloaded, but not part of
    /// the digests, which cover the documented tables.
    const INTERNAL: bool = false;
    type Key: Ord + Hash + Clone + Send + Sync + std::fmt::Debug;
    fn key(&self) -> Self::Key;
    /// The row's cells made directly, for rows whose generic conversion is costly; `None`
    /// (the default) uses the generic one. Must give what [`to_cells`] would, up to the JSON
    /// text's key order and spacing.
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        None
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error("table {table}: row does not serialise to an object: {detail}")]
    NotAnObject { table: &'static str, detail: String },
    #[error("table {table}, column {column}: {detail}")]
    Column {
        table: &'static str,
        column: &'static str,
        detail: String,
    },
    #[error("table {table}: a stored row does not read back: {detail}")]
    Decode { table: &'static str, detail: String },
}

fn to_object<R: Row>(row: &R) -> Result<Map<String, Value>, RowError> {
    match serde_json::to_value(row) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(RowError::NotAnObject {
            table: R::SHAPE.name,
            detail: other.to_string(),
        }),
        Err(e) => Err(RowError::NotAnObject {
            table: R::SHAPE.name,
            detail: e.to_string(),
        }),
    }
}

/// A row as database cells, in the shape's column order.
pub fn to_cells<R: Row>(row: &R) -> Result<Vec<Cell>, RowError> {
    if let Some(cells) = row.direct_cells() {
        return Ok(cells);
    }
    generic_cells(row)
}

/// A row as cells through its serde form: what [`Row::direct_cells`] must equal.
pub(crate) fn generic_cells<R: Row>(row: &R) -> Result<Vec<Cell>, RowError> {
    let mut object = to_object(row)?;
    R::SHAPE
        .columns
        .iter()
        .map(|(column, kind)| {
            let value = object.remove(*column).unwrap_or(Value::Null);
            let fail = |detail: String| RowError::Column {
                table: R::SHAPE.name,
                column,
                detail,
            };
            Ok(match (kind, value) {
                (_, Value::Null) => Cell::Null,
                (ColumnKind::Int, Value::Number(n)) => Cell::Int(
                    n.as_i64()
                        .ok_or_else(|| fail(format!("{n} is not an i64")))?,
                ),
                (ColumnKind::Text, Value::String(s)) => Cell::Text(s),
                (ColumnKind::Bool, Value::Bool(b)) => Cell::Bool(b),
                (ColumnKind::Json, value) => Cell::Text(canonical(&value)),
                (kind, value) => return Err(fail(format!("{value} does not fit {kind:?}"))),
            })
        })
        .collect()
}

/// A row back from database cells.
pub fn from_cells<R: Row>(cells: Vec<Cell>) -> Result<R, RowError> {
    let mut object = Map::new();
    for ((column, kind), cell) in R::SHAPE.columns.iter().zip(cells) {
        let value = match (kind, cell) {
            (_, Cell::Null) => Value::Null,
            (ColumnKind::Json, Cell::Text(text)) => {
                serde_json::from_str(&text).map_err(|e| RowError::Decode {
                    table: R::SHAPE.name,
                    detail: format!("{column}: {e}"),
                })?
            }
            (_, Cell::Int(v)) => Value::from(v),
            (_, Cell::Text(v)) => Value::from(v),
            (_, Cell::Bool(v)) => Value::from(v),
        };
        object.insert((*column).to_string(), value);
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| RowError::Decode {
        table: R::SHAPE.name,
        detail: e.to_string(),
    })
}

/// Cells for [`Row::direct_cells`]: a text column.
pub(crate) fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// A text column that may be null.
pub(crate) fn opt_text(value: Option<&str>) -> Cell {
    value.map_or(Cell::Null, text)
}

/// A date column (`YYYY-MM-DD`, as serde writes a `NaiveDate`).
pub(crate) fn date(value: NaiveDate) -> Cell {
    Cell::Text(value.to_string())
}

/// A date column that may be null.
pub(crate) fn opt_date(value: Option<NaiveDate>) -> Cell {
    value.map_or(Cell::Null, date)
}

/// An integer column that may be null.
pub(crate) fn opt_int(value: Option<i64>) -> Cell {
    value.map_or(Cell::Null, Cell::Int)
}

/// A JSON column. Lists of numbers and strings come out as RFC 8785 would write them; an
/// object's keys come in field order (internal tables only, which are never digested).
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Option<Cell> {
    serde_json::to_string(value).ok().map(Cell::Text)
}

/// A list of positions as a JSON column.
pub(crate) fn positions(list: &[u64]) -> Cell {
    let mut out = String::with_capacity(list.len() * 8 + 2);
    out.push('[');
    for (i, p) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&p.to_string());
    }
    out.push(']');
    Cell::Text(out)
}

/// Checks that a row's direct cells equal its generic ones (JSON columns compared as values).
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_direct_cells<R: Row>(row: &R) {
    let direct = row.direct_cells().expect("the row has direct cells");
    let generic = generic_cells(row).expect("generic cells");
    assert_eq!(
        direct.len(),
        generic.len(),
        "{}: column count",
        R::SHAPE.name
    );
    for ((d, g), (column, kind)) in direct.iter().zip(&generic).zip(R::SHAPE.columns) {
        match (kind, d, g) {
            (ColumnKind::Json, Cell::Text(d), Cell::Text(g)) => {
                let d: Value = serde_json::from_str(d).expect("direct JSON");
                let g: Value = serde_json::from_str(g).expect("generic JSON");
                assert_eq!(d, g, "{}.{column}", R::SHAPE.name);
            }
            _ => assert_eq!(d, g, "{}.{column}", R::SHAPE.name),
        }
    }
}

fn canonical(value: &Value) -> String {
    let bytes = domain::ledger::to_canonical_vec(value).unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A projection table in memory.
///
/// Rows are found by hashing their key (a fold looks rows up several times an event, and
/// foldhash is several times faster than the standard SipHash on short keys), and walked in
/// key order (iteration, cells, digests): through `order`, kept as rows come and go, for a
/// table whose changes are tracked (the live tables, read between flushes); through the rows'
/// places sorted once, when the table is first walked, for an untracked one (a replay, filled
/// whole and then read), which thus pays no ordered insert and no key copy per row.
#[derive(Debug, Clone)]
pub struct Table<R: Row> {
    rows: IndexMap<R::Key, R, RandomState>,
    /// Every key of `rows`, in order, while changes are tracked; empty otherwise.
    order: BTreeSet<R::Key>,
    /// The places of the rows in `rows`, in key order: for an untracked table, sorted when it
    /// is first walked after a change.
    sorted: OnceLock<Vec<usize>>,
    /// Whether changes are tracked for flushes (not when replaying into memory).
    untracked: bool,
    /// Keys written since the last flush.
    changed: BTreeSet<R::Key>,
    /// Rows removed since the last flush, as their key cells.
    removed: BTreeMap<R::Key, Vec<Cell>>,
}

impl<R: Row> Default for Table<R> {
    fn default() -> Self {
        Table {
            rows: IndexMap::default(),
            order: BTreeSet::new(),
            sorted: OnceLock::new(),
            untracked: false,
            changed: BTreeSet::new(),
            removed: BTreeMap::new(),
        }
    }
}

impl<R: Row> Table<R> {
    pub fn get<Q>(&self, key: &Q) -> Option<&R>
    where
        R::Key: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.rows.get(key)
    }

    /// The row at `key`, to change in place (it is written at the next flush).
    pub fn get_mut(&mut self, key: &R::Key) -> Option<&mut R> {
        let row = self.rows.get_mut(key)?;
        if !self.untracked {
            self.changed.insert(key.clone());
        }
        Some(row)
    }

    /// The row at `key`, made with `new` when missing, to change in place.
    pub fn entry(&mut self, key: R::Key, new: impl FnOnce() -> R) -> &mut R {
        if !self.untracked {
            self.changed.insert(key.clone());
            self.removed.remove(&key);
        }
        match self.rows.entry(key) {
            Entry::Occupied(row) => row.into_mut(),
            Entry::Vacant(slot) => {
                if self.untracked {
                    self.sorted.take();
                } else {
                    self.order.insert(slot.key().clone());
                }
                slot.insert(new())
            }
        }
    }

    pub fn upsert(&mut self, row: R) {
        let key = row.key();
        if self.untracked {
            if self.rows.insert(key, row).is_none() {
                self.sorted.take();
            }
            return;
        }
        self.changed.insert(key.clone());
        self.removed.remove(&key);
        if !self.rows.contains_key(&key) {
            self.order.insert(key.clone());
        }
        self.rows.insert(key, row);
    }

    pub fn remove(&mut self, key: &R::Key) -> Option<R> {
        // The last row takes the removed one's place: the sorted places are stale.
        let row = self.rows.swap_remove(key)?;
        if self.untracked {
            self.sorted.take();
            return Some(row);
        }
        self.order.remove(key);
        self.changed.remove(key);
        if let Ok(cells) = to_cells(&row) {
            self.removed
                .insert(key.clone(), cells[..R::SHAPE.key_columns].to_vec());
        }
        Some(row)
    }

    /// Every row, in key order.
    pub fn iter(&self) -> impl Iterator<Item = &R> {
        let rows: Box<dyn Iterator<Item = &R> + Send + '_> = if self.untracked {
            let places = self.sorted_places().iter();
            Box::new(places.filter_map(|i| self.rows.get_index(*i).map(|(_, r)| r)))
        } else {
            Box::new(self.order.iter().filter_map(|key| self.rows.get(key)))
        };
        rows
    }

    /// The places of the rows of an untracked table in key order, sorted on first use.
    fn sorted_places(&self) -> &[usize] {
        self.sorted.get_or_init(|| {
            let mut places: Vec<usize> = (0..self.rows.len()).collect();
            places.sort_unstable_by(|a, b| {
                let key = |i: &usize| self.rows.get_index(*i).map(|(k, _)| k);
                key(a).cmp(&key(b))
            });
            places
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// What a flush writes for one table.
#[derive(Debug, Default)]
pub struct Changes {
    pub upserts: Vec<Vec<Cell>>,
    pub deletes: Vec<Vec<Cell>>,
}

/// A table seen without its row type: what the projector and the digests need.
pub trait AnyTable: Send + Sync {
    fn shape(&self) -> &'static TableShape;
    /// The rows changed and removed since the last call.
    fn take_changes(&mut self) -> Result<Changes, RowError>;
    /// Every row, in key order, as cells, made as they are taken.
    fn cells(&self) -> Box<dyn Iterator<Item = Result<Vec<Cell>, RowError>> + Send + '_>;
    /// Every row, in key order, as cells.
    fn all_cells(&self) -> Result<Vec<Vec<Cell>>, RowError> {
        self.cells().collect()
    }
    /// Replaces the contents with rows read from the database.
    fn load(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), RowError>;
    /// Forgets every row and change.
    fn clear(&mut self);
    /// SHA-256 over the rows in key order: each row's RFC 8785 JSON object, then a newline.
    fn digest(&self) -> Result<[u8; 32], RowError>;
    /// Whether the table is internal (not digested).
    fn is_internal(&self) -> bool;
    /// Stops tracking changes: for a set replayed into memory and written whole, if at all.
    fn untrack(&mut self);
    /// Puts the rows in key order now where that is done on demand (an untracked table), so
    /// that a walk on another thread later does not wait for it.
    fn prepare_order(&self);
    /// The number of rows.
    fn row_count(&self) -> usize;
}

impl<R: Row> AnyTable for Table<R> {
    fn shape(&self) -> &'static TableShape {
        &R::SHAPE
    }

    fn take_changes(&mut self) -> Result<Changes, RowError> {
        let mut changes = Changes::default();
        for key in std::mem::take(&mut self.changed) {
            if let Some(row) = self.rows.get(&key) {
                changes.upserts.push(to_cells(row)?);
            }
        }
        changes.deletes = std::mem::take(&mut self.removed).into_values().collect();
        Ok(changes)
    }

    fn cells(&self) -> Box<dyn Iterator<Item = Result<Vec<Cell>, RowError>> + Send + '_> {
        Box::new(self.iter().map(to_cells))
    }

    fn load(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), RowError> {
        self.clear();
        for cells in rows {
            let row: R = from_cells(cells)?;
            if !self.untracked {
                self.order.insert(row.key());
            }
            self.rows.insert(row.key(), row);
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.order.clear();
        self.sorted.take();
        self.changed.clear();
        self.removed.clear();
    }

    fn digest(&self) -> Result<[u8; 32], RowError> {
        let mut hasher = Sha256::new();
        for row in self.iter() {
            let object = Value::Object(to_object(row)?);
            hasher.update(canonical(&object).as_bytes());
            hasher.update(b"\n");
        }
        Ok(hasher.finalize().into())
    }

    fn row_count(&self) -> usize {
        self.rows.len()
    }

    fn is_internal(&self) -> bool {
        R::INTERNAL
    }

    fn prepare_order(&self) {
        if self.untracked {
            self.sorted_places();
        }
    }

    fn untrack(&mut self) {
        self.untracked = true;
        self.order.clear();
        self.sorted.take();
        self.changed.clear();
        self.removed.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Numbered {
        name: String,
        value: i64,
    }

    impl Row for Numbered {
        const SHAPE: TableShape = TableShape {
            name: "numbered",
            columns: &[("name", ColumnKind::Text), ("value", ColumnKind::Int)],
            key_columns: 1,
        };
        type Key = String;
        fn key(&self) -> String {
            self.name.clone()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Upsert(u8, i64),
        Entry(u8, i64),
        Remove(u8),
        Walk,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..40, any::<i64>()).prop_map(|(k, v)| Op::Upsert(k, v)),
            (0u8..40, any::<i64>()).prop_map(|(k, v)| Op::Entry(k, v)),
            (0u8..40).prop_map(Op::Remove),
            Just(Op::Walk),
        ]
    }

    proptest! {
        /// A replayed (untracked) table sorts its order on demand, a live one keeps it as rows
        /// come and go: after any changes, walks in between included, both hold the same rows
        /// in the same order, the order of their keys.
        #[test]
        fn an_untracked_table_walks_its_rows_in_key_order_as_a_tracked_one(
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let mut live = Table::<Numbered>::default();
            let mut replayed = Table::<Numbered>::default();
            replayed.untrack();
            for op in ops {
                for table in [&mut live, &mut replayed] {
                    match &op {
                        Op::Upsert(k, v) => table.upsert(Numbered { name: format!("k{k}"), value: *v }),
                        Op::Entry(k, v) => {
                            let name = format!("k{k}");
                            table.entry(name.clone(), || Numbered { name, value: 0 }).value = *v;
                        }
                        Op::Remove(k) => {
                            table.remove(&format!("k{k}"));
                        }
                        Op::Walk => {
                            let _ = table.iter().count();
                        }
                    }
                }
                let rows: Vec<&Numbered> = live.iter().collect();
                prop_assert_eq!(&rows, &replayed.iter().collect::<Vec<_>>());
                prop_assert!(rows.windows(2).all(|w| w[0].name < w[1].name));
                prop_assert_eq!(rows.len(), live.len());
            }
        }
    }
}
