//! Reading the log: the recorded head, and the entries a [`LogFilter`] selects, streamed.

use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use super::rows::{Head, LogRow};
use super::statement::{Statement, to_u64};
use crate::database::Database;
use crate::error::StoreError;

/// Which entries of the log to read: positions from `from` (and below `below`), of one
/// aggregate type, or of one aggregate after a sequence. Entries come in position order (for
/// one aggregate that is its sequence order too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// The first position read.
    pub from: u64,
    /// The position reading stops before, if any.
    pub below: Option<u64>,
    /// Only entries of this aggregate type, or of one aggregate.
    pub aggregate: Option<AggregateFilter>,
}

/// The aggregates a [`LogFilter`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateFilter {
    pub aggregate_type: String,
    /// One aggregate, and only its entries after `after_sequence`; `None`: every aggregate of
    /// the type.
    pub id: Option<(String, u64)>,
}

impl LogFilter {
    /// Every entry from position `from` on.
    pub fn from(from: u64) -> LogFilter {
        LogFilter {
            from,
            ..LogFilter::default()
        }
    }

    /// Every entry of aggregates of `aggregate_type`.
    pub fn of_type(aggregate_type: &str) -> LogFilter {
        LogFilter {
            aggregate: Some(AggregateFilter {
                aggregate_type: aggregate_type.to_string(),
                id: None,
            }),
            ..LogFilter::default()
        }
    }

    /// The entries of one aggregate after its sequence `after_sequence` (0: all of them).
    pub fn of_aggregate(aggregate_type: &str, id: &str, after_sequence: u64) -> LogFilter {
        LogFilter {
            aggregate: Some(AggregateFilter {
                aggregate_type: aggregate_type.to_string(),
                id: Some((id.to_string(), after_sequence)),
            }),
            ..LogFilter::default()
        }
    }

    /// This filter, from position `from` on.
    #[must_use]
    pub fn starting_at(mut self, from: u64) -> LogFilter {
        self.from = from;
        self
    }

    /// This filter, stopping before position `below`.
    #[must_use]
    pub fn below(mut self, below: u64) -> LogFilter {
        self.below = Some(below);
        self
    }

    /// The one statement that reads what this filter selects.
    fn statement(self) -> Statement<'static> {
        let mut statement = Statement::new(
            "SELECT position, aggregate_type, aggregate_id, sequence, entry, leaf_hash \
             FROM ledger_entries WHERE position >= ",
        );
        statement.push_bind_u64(self.from);
        if let Some(below) = self.below {
            statement.push(" AND position < ").push_bind_u64(below);
        }
        let mut order = " ORDER BY position";
        if let Some(aggregate) = self.aggregate {
            statement
                .push(" AND aggregate_type = ")
                .push_bind(aggregate.aggregate_type);
            if let Some((id, after)) = aggregate.id {
                statement.push(" AND aggregate_id = ").push_bind(id);
                statement.push(" AND sequence > ").push_bind_u64(after);
                // The same order, along the (type, id, sequence) key.
                order = " ORDER BY sequence";
            }
        }
        statement.push(order);
        statement
    }
}

/// Streams the entries `filter` selects, in position order.
pub fn read_log(db: &Database, filter: LogFilter) -> BoxStream<'_, Result<LogRow, StoreError>> {
    type Columns = (i64, String, String, i64, Vec<u8>, Vec<u8>);
    filter
        .statement()
        .stream::<Columns>(db)
        .map_ok(
            |(position, aggregate_type, aggregate_id, sequence, bytes, leaf_hash)| LogRow {
                position,
                aggregate_type,
                aggregate_id,
                sequence,
                bytes,
                leaf_hash,
            },
        )
        .boxed()
}

/// Streams the entries `filter` selects as `(position, entry bytes)`: for readers that decode
/// the entries themselves.
pub fn read_entries(
    db: &Database,
    filter: LogFilter,
) -> BoxStream<'_, Result<(u64, Vec<u8>), StoreError>> {
    read_log(db, filter)
        .map(|row| {
            let row = row?;
            Ok((to_u64(row.position, "position")?, row.bytes))
        })
        .boxed()
}

/// Reads every entry `filter` selects, as `(position, entry bytes)`.
///
/// # Errors
/// When the log cannot be read.
pub async fn collect_entries(
    db: &Database,
    filter: LogFilter,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    read_entries(db, filter).try_collect().await
}

/// Streams the log in position order, from `from` on: [`read_log`] of [`LogFilter::from`].
pub fn stream_log(db: &Database, from: u64) -> BoxStream<'_, Result<LogRow, StoreError>> {
    read_log(db, LogFilter::from(from))
}

/// The SQL of reading the head; with `FOR UPDATE` on PostgreSQL to lock it.
pub(crate) const READ_HEAD: &str = "SELECT size, head_hash FROM ledger_head WHERE id = 1";

/// The head from its columns.
pub(crate) fn head_of((size, hash): (i64, Vec<u8>)) -> Result<Head, StoreError> {
    Ok(Head {
        size: to_u64(size, "head size")?,
        hash: domain::ledger::LeafHash::from_slice(&hash)
            .map_err(|e| StoreError::Corrupt(format!("head hash: {e}")))?,
    })
}

/// Reads the recorded head without locking it.
///
/// # Errors
/// When the database cannot be read, or the head is unreadable.
pub async fn read_head(db: &Database) -> Result<Head, StoreError> {
    head_of(Statement::new(READ_HEAD).fetch_one(db).await?)
}
