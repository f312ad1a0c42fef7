//! [`LedgerStore`]: cqrs-es's `EventStore` over the ledger, with an aggregate cache.
//!
//! Loading an aggregate must not get slower as its history grows, so the store keeps the
//! latest state of recently used aggregates in memory (bounded, least recently used first out).
//! The cache is never trusted for correctness: every append names the sequence it was loaded
//! at, and the appender refuses it if the aggregate moved on, whatever the cache said. A cache
//! miss replays the aggregate's entries from the log.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use cqrs_es::{
    Aggregate, AggregateContext, AggregateError, DomainEvent, EventEnvelope, EventStore,
};
use domain::ledger::EventMetadata;
use futures::TryStreamExt;
use lru::LruCache;
use serde::Deserialize;

use crate::Ledger;
use crate::appender::{AppendRequest, NewEvent, Remember, Written};
use crate::error::StoreError;
use crate::sql::log::{LogFilter, read_log};

/// Keys added to the metadata of the envelopes [`LedgerStore::commit`] returns.
pub const POSITION_KEY: &str = "htx-ledger/position";
pub const LEAF_HASH_KEY: &str = "htx-ledger/leaf_hash";
pub const RECORDED_AT_KEY: &str = "htx-ledger/recorded_at";

/// How many aggregates of one type the cache keeps.
const CACHE_CAPACITY: usize = 100_000;

/// One aggregate type's cache: the latest states loaded or committed, by aggregate id.
pub(crate) type Cache<A> = Arc<Mutex<LruCache<String, (A, u64)>>>;

/// Every aggregate type's cache of one ledger, made on first use.
#[derive(Default)]
pub(crate) struct Caches {
    by_type: Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>,
}

impl Caches {
    pub(crate) fn of<A: Aggregate + 'static>(&self) -> Cache<A> {
        let mut caches = self.by_type.lock().unwrap_or_else(|e| e.into_inner());
        caches
            .entry(TypeId::of::<A>())
            .or_insert_with(|| Box::new(new_cache::<A>()))
            .downcast_ref::<Cache<A>>()
            .expect("the cache of a type is of that type")
            .clone()
    }
}

fn new_cache<A: Aggregate>() -> Cache<A> {
    let capacity = NonZeroUsize::new(CACHE_CAPACITY).expect("capacity is not zero");
    Arc::new(Mutex::new(LruCache::new(capacity)))
}

/// An event store for aggregates of type `A`, writing to the ledger's one global log.
pub struct LedgerStore<A: Aggregate> {
    ledger: Ledger,
    cache: Cache<A>,
}

impl<A: Aggregate> Clone for LedgerStore<A> {
    fn clone(&self) -> Self {
        LedgerStore {
            ledger: self.ledger.clone(),
            cache: self.cache.clone(),
        }
    }
}

impl<A: Aggregate + Clone> LedgerStore<A> {
    /// A store with a cache of its own (see [`Ledger::store`] for one shared by type).
    pub fn new(ledger: Ledger) -> Self {
        LedgerStore::with_cache(ledger, new_cache())
    }

    pub(crate) fn with_cache(ledger: Ledger, cache: Cache<A>) -> Self {
        LedgerStore { ledger, cache }
    }

    fn cached(&self, aggregate_id: &str) -> Option<(A, u64)> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(aggregate_id).cloned()
    }

    /// Keeps `aggregate` at `sequence` unless the cache already holds a later state.
    fn remember(&self, aggregate_id: &str, aggregate: A, sequence: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache
            .peek(aggregate_id)
            .is_none_or(|(_, cached)| *cached < sequence)
        {
            cache.put(aggregate_id.to_string(), (aggregate, sequence));
        }
    }

    fn forget_if_stale(&self, aggregate_id: &str, sequence: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache
            .peek(aggregate_id)
            .is_some_and(|(_, cached)| *cached <= sequence)
        {
            cache.pop(aggregate_id);
        }
    }

    /// The aggregate as the log holds it now: the cached state brought up to date with any
    /// entries appended since (by this process or another), or a full replay. Used by rules
    /// that read other aggregates, which must not act on a stale state.
    ///
    /// # Errors
    /// When the log cannot be read, or an entry does not decode as an event of `A`.
    pub async fn load_current(&self, aggregate_id: &str) -> Result<(A, u64), StoreError> {
        self.ledger.count_load();
        let (mut aggregate, mut sequence) = self.cached(aggregate_id).unwrap_or_default();
        let cached = sequence;
        self.replay(aggregate_id, &mut aggregate, &mut sequence)
            .await?;
        if sequence > cached {
            self.remember(aggregate_id, aggregate.clone(), sequence);
        }
        Ok((aggregate, sequence))
    }

    /// As [`LedgerStore::load_current`], but answering the cached state without reading the
    /// log when the appender's directory says nothing was appended to the aggregate since:
    /// true as long as this process is the log's only writer. Answers whether it relied on
    /// that; a write decided on such a state must be refused if another process wrote
    /// meanwhile ([`crate::AppendBatch::sole_writer`]).
    ///
    /// # Errors
    /// As [`LedgerStore::load_current`].
    pub async fn load_known(&self, aggregate_id: &str) -> Result<(A, u64, bool), StoreError> {
        if let Some((aggregate, sequence)) = self.cached(aggregate_id)
            && self.ledger.directory().last_sequence(A::TYPE, aggregate_id) == Some(sequence)
        {
            return Ok((aggregate, sequence, true));
        }
        let (aggregate, sequence) = self.load_current(aggregate_id).await?;
        Ok((aggregate, sequence, false))
    }

    /// Replays the aggregate's entries after `sequence` onto `aggregate`.
    async fn replay(
        &self,
        aggregate_id: &str,
        aggregate: &mut A,
        sequence: &mut u64,
    ) -> Result<(), StoreError> {
        let filter = LogFilter::of_aggregate(A::TYPE, aggregate_id, *sequence);
        let mut rows = read_log(self.ledger.database(), filter);
        while let Some(row) = rows.try_next().await? {
            let event: PayloadOf<A::Event> = serde_json::from_slice(&row.bytes).map_err(|e| {
                StoreError::Corrupt(format!(
                    "{}/{aggregate_id} sequence {}: {e}",
                    A::TYPE,
                    row.sequence
                ))
            })?;
            if event.sequence != *sequence + 1 {
                return Err(StoreError::Corrupt(format!(
                    "{}/{aggregate_id}: sequence {} follows {}",
                    A::TYPE,
                    event.sequence,
                    sequence
                )));
            }
            aggregate.apply(event.payload);
            *sequence = event.sequence;
        }
        Ok(())
    }
}

/// The part of an entry that loading needs.
#[derive(Deserialize)]
struct PayloadOf<E> {
    sequence: u64,
    payload: E,
}

/// An aggregate as loaded, with the sequence its next append must start after.
pub struct LedgerContext<A> {
    aggregate_id: String,
    aggregate: A,
    sequence: u64,
}

impl<A: Aggregate> AggregateContext<A> for LedgerContext<A> {
    fn aggregate(&mut self) -> &mut A {
        &mut self.aggregate
    }
}

impl<A> LedgerContext<A> {
    /// The aggregate's last sequence when it was loaded.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The aggregate and its last sequence.
    pub fn into_parts(self) -> (A, u64) {
        (self.aggregate, self.sequence)
    }
}

impl<A: Aggregate + Clone> EventStore<A> for LedgerStore<A> {
    type AC = LedgerContext<A>;

    async fn load_events(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let rows: Vec<crate::LogRow> = read_log(
            self.ledger.database(),
            LogFilter::of_aggregate(A::TYPE, aggregate_id, 0),
        )
        .try_collect()
        .await
        .map_err(to_aggregate_error)?;
        rows.into_iter()
            .map(|row| {
                let entry: FullEntryOf<A::Event> = serde_json::from_slice(&row.bytes)
                    .map_err(|e| AggregateError::DeserializationError(Box::new(e)))?;
                let mut metadata: HashMap<String, String> = HashMap::new();
                metadata.insert(POSITION_KEY.into(), entry.position.to_string());
                metadata.insert(RECORDED_AT_KEY.into(), entry.recorded_at);
                metadata.insert(
                    domain::ledger::METADATA_KEY.into(),
                    entry.metadata.to_string(),
                );
                Ok(EventEnvelope {
                    aggregate_id: aggregate_id.to_string(),
                    sequence: entry.sequence as usize,
                    payload: entry.payload,
                    metadata,
                })
            })
            .collect()
    }

    async fn load_aggregate(
        &self,
        aggregate_id: &str,
    ) -> Result<LedgerContext<A>, AggregateError<A::Error>> {
        self.ledger.count_load();
        metrics::counter!("htx_aggregate_loads_total", "aggregate" => A::TYPE).increment(1);
        let (mut aggregate, mut sequence) = self.cached(aggregate_id).unwrap_or_default();
        // A cache hit is taken as it is: if another process appended since, the append will
        // conflict and the retry loads afresh.
        // A new aggregate (the directory is sure it has no entries) needs no read either.
        if sequence == 0 && !self.ledger.directory().is_new(A::TYPE, aggregate_id) {
            metrics::counter!("htx_aggregate_replays_total", "aggregate" => A::TYPE).increment(1);
            self.replay(aggregate_id, &mut aggregate, &mut sequence)
                .await
                .map_err(to_aggregate_error)?;
            if sequence > 0 {
                self.remember(aggregate_id, aggregate.clone(), sequence);
            }
        }
        Ok(LedgerContext {
            aggregate_id: aggregate_id.to_string(),
            aggregate,
            sequence,
        })
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: LedgerContext<A>,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let typed = EventMetadata::from_map(&metadata).map_err(|e| to_aggregate_error(e.into()))?;
        let aggregate_id = context.aggregate_id.clone();
        let written = self
            .append(&events, context, &typed)
            .await
            .map_err(to_aggregate_error)?;
        Ok(envelopes(&aggregate_id, events, &metadata, &written))
    }
}

impl<A: Aggregate + Clone> LedgerStore<A> {
    /// Appends `events`, decided on `context`, with `metadata`: the typed path the command side
    /// takes (cqrs-es's `commit` goes through it too). Answers where each event landed, from
    /// the append itself. On success the aggregate as decided is cached at its new sequence.
    ///
    /// # Errors
    /// A conflict (the aggregate moved on since it was loaded: nothing written), or a store
    /// failure.
    pub async fn append(
        &self,
        events: &[A::Event],
        context: LedgerContext<A>,
        metadata: &EventMetadata,
    ) -> Result<Vec<Written>, StoreError> {
        self.append_remembering(events, context, metadata, None)
            .await
    }

    /// As [`LedgerStore::append`], remembering a response under an idempotency key in the
    /// same write as the entries ([`Remember`]). A command that changed nothing writes the
    /// record alone, after its aggregate's sequence was checked.
    ///
    /// # Errors
    /// As [`LedgerStore::append`]; a conflict remembers nothing.
    pub async fn append_remembering(
        &self,
        events: &[A::Event],
        context: LedgerContext<A>,
        metadata: &EventMetadata,
        remember: Option<Remember>,
    ) -> Result<Vec<Written>, StoreError> {
        if events.is_empty() && remember.is_none() {
            return Ok(Vec::new());
        }
        let request = self.request(events, &context.aggregate_id, context.sequence, metadata)?;
        let request = AppendRequest {
            remember,
            ..request
        };
        let event_types: Vec<String> = request
            .events
            .iter()
            .map(|e| e.event_type.clone())
            .collect();
        match self.ledger.appender().append(request).await {
            Ok(appended) => {
                let last = appended.last().map_or(context.sequence, |a| a.sequence);
                self.remember(&context.aggregate_id, context.aggregate, last);
                Ok(appended
                    .into_iter()
                    .zip(event_types)
                    .map(|(at, event_type)| Written {
                        aggregate_id: context.aggregate_id.clone(),
                        event_type,
                        at,
                    })
                    .collect())
            }
            Err(error) => {
                self.forget_if_stale(&context.aggregate_id, context.sequence);
                Err(error)
            }
        }
    }
}

impl<A: Aggregate + Clone> LedgerStore<A> {
    /// The append of `events` on aggregate `aggregate_id`, decided at `expected_sequence`,
    /// with `metadata`: payloads and metadata as JSON values, remembering nothing.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when an event or the metadata does not encode.
    pub fn request(
        &self,
        events: &[A::Event],
        aggregate_id: &str,
        expected_sequence: u64,
        metadata: &EventMetadata,
    ) -> Result<AppendRequest, StoreError> {
        let events = events
            .iter()
            .map(|event| {
                Ok(NewEvent {
                    event_type: event.event_type(),
                    event_version: event.event_version(),
                    payload: serde_json::to_value(event)?,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| StoreError::Corrupt(format!("an event does not encode: {e}")))?;
        Ok(AppendRequest {
            aggregate_type: A::TYPE.to_string(),
            aggregate_id: aggregate_id.to_string(),
            expected_sequence,
            events,
            metadata: serde_json::to_value(metadata)
                .map_err(|e| StoreError::Corrupt(format!("metadata does not encode: {e}")))?,
            remember: None,
        })
    }

    /// Keeps `aggregate` at `sequence` in the cache once a batch that wrote it is durable
    /// (what [`LedgerStore::append`] does for one command).
    pub fn cache_committed(&self, aggregate_id: &str, aggregate: A, sequence: u64) {
        self.remember(aggregate_id, aggregate, sequence);
    }

    /// Forgets a cached state older than `sequence` (after a batch met a conflict).
    pub fn forget_before(&self, aggregate_id: &str, sequence: u64) {
        self.forget_if_stale(aggregate_id, sequence);
    }
}

/// The fields of an entry that `load_events` hands back.
#[derive(Deserialize)]
struct FullEntryOf<E> {
    position: u64,
    sequence: u64,
    payload: E,
    metadata: serde_json::Value,
    recorded_at: String,
}

fn envelopes<A: Aggregate>(
    aggregate_id: &str,
    events: Vec<A::Event>,
    metadata: &HashMap<String, String>,
    written: &[Written],
) -> Vec<EventEnvelope<A>> {
    events
        .into_iter()
        .zip(written)
        .map(|(payload, Written { at, .. })| {
            let mut metadata = metadata.clone();
            metadata.insert(POSITION_KEY.into(), at.position.to_string());
            metadata.insert(LEAF_HASH_KEY.into(), at.leaf_hash.to_hex());
            metadata.insert(RECORDED_AT_KEY.into(), at.recorded_at.to_rfc3339());
            EventEnvelope {
                aggregate_id: aggregate_id.to_string(),
                sequence: at.sequence as usize,
                payload,
                metadata,
            }
        })
        .collect()
}

/// Maps the store's errors onto cqrs-es's: a conflict is `AggregateConflict`, which callers retry.
pub fn to_aggregate_error<E: std::error::Error>(error: StoreError) -> AggregateError<E> {
    match error {
        StoreError::Conflict { .. } => AggregateError::AggregateConflict,
        StoreError::Database(_) | StoreError::AppenderStopped => {
            AggregateError::DatabaseConnectionError(Box::new(error))
        }
        StoreError::Corrupt(_) => AggregateError::DeserializationError(Box::new(error)),
        other => AggregateError::UnexpectedError(Box::new(other)),
    }
}
