//! Projection reads: the live projections kept in memory by the service's own projector
//! (which also writes the live tables), and historical states (as of a position, a legal date,
//! or what was known on a date) rebuilt on demand and kept while they are asked for.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use projections::follower::Follower;
use projections::projector::{ProjectorError, replay};
use projections::{AnyTable, Filter, ProjectionSet};
use serde::Serialize;
use serde_json::{Map, Value};
use store::{Cell, ColumnKind, Database, TableShape};
use tokio::sync::watch;

use super::problem::Problem;

/// Historical states kept in memory.
const KEPT_HISTORICAL_STATES: usize = 4;
/// The most rows one page returns.
pub const MAX_LIMIT: usize = 1_000;
/// Rows a page returns unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 100;

/// A table's rows as JSON objects, at one position of the log.
pub struct TableRows {
    pub position: u64,
    pub shape: &'static TableShape,
    pub rows: Vec<Map<String, Value>>,
}

/// Which state to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Live,
    Position(u64),
    Date(NaiveDate),
    KnownOn(NaiveDate),
}

impl AsOf {
    fn filter(self) -> Filter {
        match self {
            AsOf::Live => Filter::All,
            AsOf::Position(n) => Filter::AsOfPosition(n),
            AsOf::Date(d) => Filter::AsOfDate(d),
            AsOf::KnownOn(d) => Filter::KnownOn(d),
        }
    }
}

struct Historical {
    filter: Filter,
    /// The log's size when it was built (a later back-dated entry changes a date's state).
    head: u64,
    set: Arc<ProjectionSet>,
    /// Its tables as JSON rows, made on first read.
    tables: Mutex<HashMap<&'static str, Arc<TableRows>>>,
}

/// The live projections, kept current by [`LiveProjections::follow`].
pub struct LiveProjections {
    db: Database,
    /// The live projector, and the task's loop that keeps it at the log's head.
    follower: Arc<Follower>,
    cache: RwLock<HashMap<&'static str, Arc<TableRows>>>,
    historical: Mutex<VecDeque<Arc<Historical>>>,
    /// The log's size as this process's appender last wrote it.
    head: watch::Receiver<u64>,
}

fn find_table<'a>(
    set: &'a ProjectionSet,
    projection: &str,
    table: &str,
) -> Option<&'a dyn AnyTable> {
    set.projections()
        .iter()
        .filter(|p| p.name() == projection)
        .flat_map(|p| p.tables())
        .find(|t| t.shape().name == table && !t.is_internal())
}

fn rows_of(table: &dyn AnyTable, position: u64) -> Result<TableRows, Problem> {
    let shape = table.shape();
    let cells = table
        .all_cells()
        .map_err(|e| Problem::internal(format!("projection rows: {e}")))?;
    let rows = cells
        .into_iter()
        .map(|row| {
            shape
                .columns
                .iter()
                .zip(row)
                .map(|((column, kind), cell)| {
                    let value = match (kind, cell) {
                        (_, Cell::Null) => Value::Null,
                        (ColumnKind::Json, Cell::Text(text)) => {
                            serde_json::from_str(&text).unwrap_or(Value::String(text))
                        }
                        (_, Cell::Int(v)) => Value::from(v),
                        (_, Cell::Text(v)) => Value::from(v),
                        (_, Cell::Bool(v)) => Value::from(v),
                    };
                    ((*column).to_string(), value)
                })
                .collect()
        })
        .collect();
    Ok(TableRows {
        position,
        shape,
        rows,
    })
}

impl LiveProjections {
    /// Loads the live projections and folds what the log holds beyond their checkpoint; then
    /// the entries `appender` commits are folded as it hands them over.
    ///
    /// # Errors
    /// When the tables or the log cannot be read, or the tables written.
    pub async fn start(
        db: &Database,
        appender: &store::Appender,
        progress: impl FnMut(u64),
    ) -> Result<Arc<LiveProjections>, ProjectorError> {
        let head = appender.head();
        let follower = Follower::start(db, Some(appender.recent()), progress).await?;
        Ok(Arc::new(LiveProjections {
            db: db.clone(),
            follower: Arc::new(follower),
            cache: RwLock::new(HashMap::new()),
            historical: Mutex::new(VecDeque::new()),
            head,
        }))
    }

    /// How many entries the live projections hold.
    pub fn position(&self) -> u64 {
        self.follower.position()
    }

    /// Writes to the database what the tables in memory hold beyond it ([`Follower::commit`]).
    ///
    /// # Errors
    /// When the tables cannot be written; a restart folds those entries again.
    pub async fn commit(&self) -> Result<(), ProjectorError> {
        self.follower.commit().await
    }

    /// Follows the log ([`Follower::follow`]): woken by the appender (`head`), and polling
    /// every `poll` for writers in other processes; the metric `htx_projector_position` is
    /// set after each catch-up.
    pub fn follow(
        self: Arc<Self>,
        head: watch::Receiver<u64>,
        poll: Duration,
    ) -> tokio::task::JoinHandle<()> {
        self.follower.clone().follow(head, poll, |position| {
            metrics::gauge!("htx_projector_position").set(position as f64);
        })
    }

    /// A live table's rows, at the latest folded position (or, while the projector is busy
    /// folding, at the position before).
    async fn live_rows(&self, projection: &str, table: &str) -> Result<Arc<TableRows>, Problem> {
        let position = self.position();
        let cached = {
            let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
            cache.get(table).cloned()
        };
        if let Some(rows) = &cached
            && rows.position == position
        {
            return Ok(rows.clone());
        }
        let projector = match self.follower.try_lock() {
            Ok(projector) => projector,
            Err(_) => match cached {
                Some(rows) => return Ok(rows),
                None => self.follower.lock().await,
            },
        };
        let Some(found) = find_table(projector.set(), projection, table) else {
            return Err(Problem::not_found(format!(
                "no projection table {projection}/{table}"
            )));
        };
        let rows = Arc::new(rows_of(found, projector.position())?);
        drop(projector);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.insert(rows.shape.name, rows.clone());
        Ok(rows)
    }

    /// A historical state (the projections folded from the events `filter` admits), rebuilt
    /// from the log unless kept from an earlier request. Reports use it too.
    ///
    /// # Errors
    /// 500 when the log cannot be replayed.
    pub async fn historical_set(&self, filter: Filter) -> Result<Arc<ProjectionSet>, Problem> {
        Ok(self.historical(filter).await?.set.clone())
    }

    async fn historical(&self, filter: Filter) -> Result<Arc<Historical>, Problem> {
        // The log's size without a round trip: what this process appended, or what the
        // projector (which polls for other writers) has read.
        let head = (*self.head.borrow()).max(self.position());
        // A state bounded by a position below the head never changes; a date's state may,
        // when a back-dated entry arrives.
        let fixed = |h: &Historical| match filter {
            Filter::AsOfPosition(n) | Filter::AsOfDateWithin { position: n, .. } => n < h.head,
            _ => false,
        };
        {
            let kept = self.historical.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(found) = kept
                .iter()
                .find(|h| h.filter == filter && (h.head == head || fixed(h)))
            {
                return Ok(found.clone());
            }
        }
        let set = replay(&self.db, filter, |_| {})
            .await
            .map_err(|e| Problem::internal(format!("rebuilding the historical state: {e}")))?;
        let built = Arc::new(Historical {
            filter,
            head,
            set: Arc::new(set),
            tables: Mutex::new(HashMap::new()),
        });
        let mut kept = self.historical.lock().unwrap_or_else(|e| e.into_inner());
        kept.push_front(built.clone());
        kept.truncate(KEPT_HISTORICAL_STATES);
        Ok(built)
    }

    /// A historical table's rows as JSON, made on first read.
    async fn historical_rows(
        &self,
        filter: Filter,
        projection: &str,
        table: &str,
    ) -> Result<Arc<TableRows>, Problem> {
        let h = self.historical(filter).await?;
        let mut tables = h.tables.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rows) = tables.get(table) {
            return Ok(rows.clone());
        }
        let found = find_table(&h.set, projection, table).ok_or_else(|| {
            Problem::not_found(format!("no projection table {projection}/{table}"))
        })?;
        let position = match h.filter {
            Filter::AsOfPosition(n) | Filter::AsOfDateWithin { position: n, .. } => {
                (n + 1).min(h.head)
            }
            _ => h.head,
        };
        let rows = Arc::new(rows_of(found, position)?);
        tables.insert(rows.shape.name, rows.clone());
        Ok(rows)
    }

    /// A table's rows in the state asked for.
    ///
    /// # Errors
    /// 404 for an unknown table, 503 when the log cannot be read.
    pub async fn rows(
        &self,
        projection: &str,
        table: &str,
        as_of: AsOf,
    ) -> Result<Arc<TableRows>, Problem> {
        match as_of {
            AsOf::Live => self.live_rows(projection, table).await,
            _ => {
                self.historical_rows(as_of.filter(), projection, table)
                    .await
            }
        }
    }

    /// Every live table's digest, with the position they were computed at.
    ///
    /// # Errors
    /// When a row does not serialise.
    pub async fn digests(&self) -> Result<(u64, Vec<projections::Digest>), Problem> {
        let projector = self.follower.lock().await;
        let digests = projector
            .set()
            .digests()
            .map_err(|e| Problem::internal(format!("projection rows: {e}")))?;
        Ok((projector.position(), digests))
    }
}

/// A page of a projection table, as returned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<'a> {
    pub projection: &'a str,
    pub table: &'a str,
    /// How many log entries the state holds (positions 0 to `position - 1`).
    pub position: u64,
    /// `live`, or the historical state asked for (`as_of_position`, `as_of_date`, `known_on`).
    pub state: String,
    /// Rows matching the filters.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    /// The rows, in the table's key order.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<&'a Map<String, Value>>,
}

/// The query of a projection read: filters by column (equality), the page, and the state.
pub struct ReadQuery {
    pub as_of: AsOf,
    pub offset: usize,
    pub limit: usize,
    pub filters: Vec<(usize, String)>,
}

fn parse<T: std::str::FromStr>(name: &str, text: &str, what: &str) -> Result<T, Problem> {
    text.parse()
        .map_err(|_| Problem::malformed(format!("`{name}` is {what}, not {text:?}")))
}

impl ReadQuery {
    /// Reads the query string against the table's columns.
    ///
    /// # Errors
    /// 400 for an unknown parameter or a value that does not parse.
    pub fn parse(shape: &TableShape, pairs: &[(String, String)]) -> Result<ReadQuery, Problem> {
        let mut query = ReadQuery {
            as_of: AsOf::Live,
            offset: 0,
            limit: DEFAULT_LIMIT,
            filters: Vec::new(),
        };
        let mut states = 0;
        for (name, value) in pairs {
            match name.as_str() {
                "offset" => query.offset = parse(name, value, "a number")?,
                "limit" => {
                    query.limit = parse(name, value, "a number")?;
                    if query.limit == 0 || query.limit > MAX_LIMIT {
                        return Err(Problem::malformed(format!(
                            "`limit` is between 1 and {MAX_LIMIT}"
                        )));
                    }
                }
                "as_of_position" => {
                    states += 1;
                    query.as_of = AsOf::Position(parse(name, value, "an entry's position")?);
                }
                "as_of_date" => {
                    states += 1;
                    query.as_of = AsOf::Date(parse(name, value, "a date YYYY-MM-DD")?);
                }
                "known_on" => {
                    states += 1;
                    query.as_of = AsOf::KnownOn(parse(name, value, "a date YYYY-MM-DD")?);
                }
                column => {
                    let index = shape
                        .columns
                        .iter()
                        .position(|(c, kind)| *c == column && *kind != ColumnKind::Json)
                        .ok_or_else(|| {
                            let columns: Vec<&str> = shape
                                .columns
                                .iter()
                                .filter(|(_, kind)| *kind != ColumnKind::Json)
                                .map(|(c, _)| *c)
                                .collect();
                            Problem::malformed(format!(
                                "unknown parameter `{column}`: filter by one of {}, or use offset, limit, as_of_position, as_of_date, known_on",
                                columns.join(", ")
                            ))
                        })?;
                    query.filters.push((index, value.clone()));
                }
            }
        }
        if states > 1 {
            return Err(Problem::malformed(
                "use one of as_of_position, as_of_date and known_on",
            ));
        }
        Ok(query)
    }

    fn state(&self) -> String {
        match self.as_of {
            AsOf::Live => "live".to_string(),
            AsOf::Position(n) => format!("as_of_position={n}"),
            AsOf::Date(d) => format!("as_of_date={d}"),
            AsOf::KnownOn(d) => format!("known_on={d}"),
        }
    }
}

fn matches(row: &Map<String, Value>, shape: &TableShape, filters: &[(usize, String)]) -> bool {
    filters.iter().all(|(index, wanted)| {
        let column = shape.columns[*index].0;
        match row.get(column) {
            Some(Value::String(text)) => text == wanted,
            Some(Value::Number(n)) => n.to_string() == *wanted,
            Some(Value::Bool(b)) => b.to_string() == *wanted,
            Some(Value::Null) | None => wanted == "null",
            Some(_) => false,
        }
    })
}

/// Answers one projection read.
///
/// # Errors
/// 400 for a bad query, 404 for an unknown table.
pub async fn read(
    live: &LiveProjections,
    projection: &'static str,
    table: &'static str,
    shape: &'static TableShape,
    pairs: &[(String, String)],
) -> Result<Response, Problem> {
    let query = ReadQuery::parse(shape, pairs)?;
    let rows = live.rows(projection, table, query.as_of).await?;
    let matching: Vec<&Map<String, Value>> = rows
        .rows
        .iter()
        .filter(|row| matches(row, shape, &query.filters))
        .collect();
    let total = matching.len();
    let page = Page {
        projection,
        table,
        position: rows.position,
        state: query.state(),
        total,
        offset: query.offset,
        limit: query.limit,
        rows: matching
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .collect(),
    };
    let body = serde_json::to_vec(&page)
        .map_err(|e| Problem::internal(format!("serialising the page: {e}")))?;
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// `GET /api/v1/projections/digests`: every live table's digest, with what the OpenAPI document
/// says of it.
pub const DIGESTS: super::operation::Operation = super::operation::Operation {
    handler: |filter| {
        axum::routing::on(
            filter,
            |axum::extract::State(state): axum::extract::State<Arc<super::AppState>>| async move {
                let (position, digests) = state.live.digests().await?;
                let tables: Vec<serde_json::Value> = digests
                    .into_iter()
                    .map(|d| {
                        serde_json::json!({
                            "projection": d.projection,
                            "table": d.table,
                            "rows": d.rows,
                            "sha256": d.sha256,
                        })
                    })
                    .collect();
                Ok::<_, Problem>(
                    axum::Json(serde_json::json!({ "position": position, "tables": tables }))
                        .into_response(),
                )
            },
        )
    },
    doc: || {
        let digests = serde_json::json!({"type": "object", "properties": {
            "position": {"type": "integer"},
            "tables": {"type": "array", "items": {"type": "object", "properties": {
                "projection": {"type": "string"}, "table": {"type": "string"},
                "rows": {"type": "integer"}, "sha256": {"type": "string"}}}}}});
        super::operation::Doc::new("Projection digests", "projections").response(
            "200",
            super::operation::json_response(
                "Every live table's digest (docs/projections.md)",
                digests,
            ),
        )
    },
};
