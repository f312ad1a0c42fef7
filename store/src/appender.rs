//! The appender: the one task that writes the log, committing concurrent appends together.
//!
//! A single global chain serialises appends (each entry names the hash of the one before).
//! Rather than one transaction per command, the appender takes every append that is waiting,
//! checks each one's expected sequence, chains them, and writes them all in one transaction:
//! group commit. An append whose aggregate moved on is answered with a conflict and writes
//! nothing; the others in the batch are unaffected.

use std::collections::HashMap;
use std::sync::Arc;

use domain::ledger::{EntryError, EntryFields, LeafHash, RecordedAt, to_canonical_vec};
use tlog::merkle::Frontier;
use tlog::tiles::MAX_ENTRY;
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::Clock;
use crate::database::Database;
use crate::directory::Directory;
use crate::error::StoreError;
use crate::sql::rows::{Head, NewRow, NodeRow};
use crate::sql::service::{self, IdempotencyRecord, RememberedResponse};
use crate::sql::write::{self, AppendConnection, AppendWrite, WriteTx};
use crate::tree;

/// How many waiting appends go into one transaction at most.
const MAX_BATCH: usize = 512;
/// How many times the appender yields to runnable writers before closing a batch.
const GATHER_TURNS: usize = 4;

/// One event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: String,
    pub event_version: String,
    pub payload: serde_json::Value,
}

/// The events of one command on one aggregate.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// The aggregate's last sequence when it was loaded: the append succeeds only if it still is.
    pub expected_sequence: u64,
    pub events: Vec<NewEvent>,
    pub metadata: serde_json::Value,
    /// A response to remember under an idempotency key with the entries, if any.
    pub remember: Option<Remember>,
}

/// A response to remember under an idempotency key (`api_idempotency`), made from the
/// entries of the append it answers and written in the same statement or transaction as
/// they are: both or neither. An append refused as a conflict remembers nothing; a key
/// already remembered keeps its first response.
#[derive(Clone)]
pub struct Remember {
    pub user_id: String,
    pub key: String,
    /// Lowercase hex SHA-256 of what was asked.
    pub request_sha256: String,
    /// Makes the response (HTTP status, body) from the entries written. It may be called
    /// more than once (each write attempt of the appender), so it must depend on them alone.
    pub respond: Respond,
}

/// Makes a remembered response (HTTP status, body) from the entries an append wrote.
pub type Respond = Arc<dyn Fn(&[Written]) -> (u16, String) + Send + Sync>;

impl std::fmt::Debug for Remember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remember")
            .field("user_id", &self.user_id)
            .field("key", &self.key)
            .field("request_sha256", &self.request_sha256)
            .finish_non_exhaustive()
    }
}

impl Remember {
    /// The row to write once the entries of `request` landed at `appended`.
    fn record(&self, request: &Prepared, appended: &[Appended]) -> IdempotencyRecord {
        let written: Vec<Written> = appended
            .iter()
            .zip(&request.events)
            .map(|(at, event)| Written {
                aggregate_id: request.aggregate_id.clone(),
                event_type: event.event_type.clone(),
                at: at.clone(),
            })
            .collect();
        let (status, response) = (self.respond)(&written);
        IdempotencyRecord {
            user_id: self.user_id.clone(),
            key: self.key.clone(),
            remembered: RememberedResponse {
                request_sha256: self.request_sha256.clone(),
                status,
                response,
            },
        }
    }
}

/// One entry a command wrote: where it landed (position, sequence, leaf hash, ledger time), as
/// the append answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub aggregate_id: String,
    pub event_type: String,
    pub at: Appended,
}

/// Where one appended event landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub position: u64,
    pub sequence: u64,
    pub leaf_hash: LeafHash,
    pub recorded_at: RecordedAt,
}

type Reply = oneshot::Sender<Result<Vec<Appended>, StoreError>>;

/// An [`AppendRequest`] as the appender task takes it: payload and metadata already in
/// RFC 8785 form, encoded by the caller's task so that the one appender only copies and hashes.
struct Prepared {
    aggregate_type: String,
    aggregate_id: String,
    expected_sequence: u64,
    events: Vec<PreparedEvent>,
    metadata: Vec<u8>,
    remember: Option<Remember>,
}

struct PreparedEvent {
    event_type: String,
    event_version: String,
    payload: Vec<u8>,
}

impl Prepared {
    fn of(request: AppendRequest) -> Result<Prepared, StoreError> {
        let encode = |value: &serde_json::Value| {
            to_canonical_vec(value)
                .map_err(|e| StoreError::Entry(EntryError::Encoding(e.to_string())))
        };
        Ok(Prepared {
            metadata: encode(&request.metadata)?,
            events: request
                .events
                .into_iter()
                .map(|event| {
                    Ok(PreparedEvent {
                        payload: encode(&event.payload)?,
                        event_type: event.event_type,
                        event_version: event.event_version,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            aggregate_type: request.aggregate_type,
            aggregate_id: request.aggregate_id,
            expected_sequence: request.expected_sequence,
            remember: request.remember,
        })
    }
}

/// A handle to the appender task. Cloning it is cheap; the task stops when every handle is gone.
#[derive(Clone)]
pub struct Appender {
    sender: mpsc::Sender<(Prepared, Reply)>,
    head: watch::Receiver<u64>,
}

impl Appender {
    /// Primes the directory of aggregates from the log, then starts the appender task.
    ///
    /// Priming happens before this returns, so that what the directory says is as of the
    /// moment the ledger was opened, never of some later moment a race would pick.
    pub async fn start(
        db: Database,
        clock: Arc<dyn Clock>,
        directory: Arc<Directory>,
        tree: TreeUpkeep,
    ) -> Appender {
        let mut memory = Memory {
            connection: AppendConnection::default(),
            head: None,
            frontier: None,
            directory,
            tree,
        };
        if let Err(error) = prime(&db, &mut memory).await {
            tracing::warn!(%error, "could not read the aggregate directory; loads will read the log");
            memory.forget();
        }
        let size = memory.head.map_or(0, |h| h.size);
        let (head_sender, head) = watch::channel(size);
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, clock, memory, receiver, head_sender));
        Appender { sender, head }
    }

    /// The log's size as this process last wrote it: changes after every commit, so that
    /// readers (the projector) can follow the log without polling.
    pub fn head(&self) -> watch::Receiver<u64> {
        self.head.clone()
    }

    /// Appends the events of one command, returning where each landed once durable.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the aggregate has moved past `expected_sequence`; a
    /// database error when the transaction failed (nothing of it was written); an entry error
    /// when the payload or metadata cannot be encoded (nothing sent).
    pub async fn append(&self, request: AppendRequest) -> Result<Vec<Appended>, StoreError> {
        let prepared = Prepared::of(request)?;
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((prepared, reply))
            .await
            .map_err(|_| StoreError::AppenderStopped)?;
        answer.await.map_err(|_| StoreError::AppenderStopped)?
    }
}

/// What the appender remembers between batches: the head it wrote last, and the last
/// sequence of aggregates (the shared [`Directory`]). Valid only while that head is still the
/// head: any other writer moves it, and then the directory is forgotten.
struct Memory {
    /// The connection the one-statement writes go through.
    connection: AppendConnection,
    head: Option<Head>,
    /// The right edge of the Merkle tree at `head`; `Some` exactly when `head` is.
    frontier: Option<Frontier>,
    directory: Arc<Directory>,
    tree: TreeUpkeep,
}

/// Whether appends keep the Merkle tree. Always [`TreeUpkeep::Maintain`] in the product; the
/// other value exists to measure what the tree costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeUpkeep {
    Maintain,
    /// Appends write no tree nodes; the next ordinary open rebuilds them.
    #[cfg(feature = "testing")]
    SkipForMeasurement,
}

impl Memory {
    /// The stored tree's frontier at `size`, or an empty stand-in when the tree is skipped.
    async fn frontier_at(&self, tx: &mut WriteTx, size: u64) -> Result<Frontier, StoreError> {
        match self.tree {
            TreeUpkeep::Maintain => Ok(tree::frontier_or_rebuild(tx, size, |_, _| {}).await?.0),
            #[cfg(feature = "testing")]
            TreeUpkeep::SkipForMeasurement => Ok(Frontier::new()),
        }
    }

    fn grow(&self, frontier: &mut Frontier, rows: &[NewRow]) -> Vec<NodeRow> {
        match self.tree {
            TreeUpkeep::Maintain => tree::grow(frontier, rows),
            #[cfg(feature = "testing")]
            TreeUpkeep::SkipForMeasurement => Vec::new(),
        }
    }
}

impl Memory {
    fn forget(&mut self) {
        self.head = None;
        self.frontier = None;
        self.directory.forget();
    }
}

async fn run(
    db: Database,
    clock: Arc<dyn Clock>,
    mut memory: Memory,
    mut receiver: mpsc::Receiver<(Prepared, Reply)>,
    head: watch::Sender<u64>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        gather(&mut receiver, &mut batch).await;
        let outcome = append_batch(&db, clock.as_ref(), &mut memory, &batch).await;
        match outcome {
            Ok(results) => {
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(result);
                }
                if let Some(written) = memory.head {
                    head.send_if_modified(|size| {
                        let moved = *size != written.size;
                        *size = written.size;
                        moved
                    });
                }
            }
            Err(error) => {
                tracing::error!(%error, appends = batch.len(), "append transaction failed");
                memory.forget();
                let message = error.to_string();
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(StoreError::Refused(format!(
                        "the append was not written: {message}"
                    ))));
                }
            }
        }
    }
}

/// Reads the head and every aggregate's last sequence under the head lock, so that the two
/// agree.
async fn prime(db: &Database, memory: &mut Memory) -> Result<(), StoreError> {
    let mut tx = WriteTx::begin(db).await?;
    let head = tx.lock_head().await?;
    let all = tx.all_last_sequences().await?;
    let frontier = memory.frontier_at(&mut tx, head.size).await?;
    tx.commit().await?;
    memory.directory.prime(all);
    memory.head = Some(head);
    memory.frontier = Some(frontier);
    Ok(())
}

/// Lets the writers that the last batch's answers woke run before this batch is closed.
///
/// The first writer to send wakes the appender, and tokio runs a freshly woken task first on
/// its worker (the LIFO slot): without yielding, the appender would take that one request
/// alone and write it while the other writers, already runnable, queue for the next commit.
/// A few yields put the appender behind them; each costs microseconds, a commit hundreds.
async fn gather(
    receiver: &mut mpsc::Receiver<(Prepared, Reply)>,
    batch: &mut Vec<(Prepared, Reply)>,
) {
    for _ in 0..GATHER_TURNS {
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
    }
}

/// Writes one batch, returning each request's own result.
///
/// The fast path trusts what the appender remembers (the head, and the last sequence of the
/// aggregates it wrote) and each request's expected sequence, and writes without the head
/// lock; the database's keys refuse the write if any of that was stale. The locked path then
/// reads the head and every aggregate's last sequence under the lock, so that each request
/// gets its own answer.
async fn append_batch(
    db: &Database,
    clock: &dyn Clock,
    memory: &mut Memory,
    batch: &[(Prepared, Reply)],
) -> Result<Vec<Result<Vec<Appended>, StoreError>>, StoreError> {
    // Each request's ledger time is read once, whichever path writes it.
    let times: Vec<RecordedAt> = batch.iter().map(|_| RecordedAt::new(clock.now())).collect();
    if let (Some(head), Some(frontier)) = (memory.head, memory.frontier.as_ref()) {
        let mut sequences = HashMap::new();
        for (request, _) in batch {
            let key = (request.aggregate_type.clone(), request.aggregate_id.clone());
            let last = memory
                .directory
                .last_sequence(&request.aggregate_type, &request.aggregate_id)
                .unwrap_or(request.expected_sequence);
            sequences.entry(key).or_insert(last);
        }
        let plan = chain_batch(head, &mut sequences, batch.iter().map(|(r, _)| r), &times)?;
        if plan.rows.is_empty() {
            // Nothing to chain: only what commands that changed nothing answered.
            service::insert_records(db, &plan.records).await?;
            return Ok(plan.results);
        }
        let mut grown = frontier.clone();
        let nodes = memory.grow(&mut grown, &plan.rows);
        let written = AppendWrite {
            rows: &plan.rows,
            nodes: &nodes,
            head: plan.head,
            records: &plan.records,
        };
        if write::append_unlocked(db, &mut memory.connection, written).await? {
            memory.head = Some(plan.head);
            memory.frontier = Some(grown);
            memory.directory.extend(sequences);
            return Ok(plan.results);
        }
    }
    append_locked(db, &times, memory, batch).await
}

async fn append_locked(
    db: &Database,
    times: &[RecordedAt],
    memory: &mut Memory,
    batch: &[(Prepared, Reply)],
) -> Result<Vec<Result<Vec<Appended>, StoreError>>, StoreError> {
    let mut tx = WriteTx::begin(db).await?;
    let head = tx.lock_head().await?;
    let mut frontier = match memory.frontier.take() {
        Some(frontier) if memory.head == Some(head) => frontier,
        _ => {
            memory.directory.forget();
            memory.frontier_at(&mut tx, head.size).await?
        }
    };
    // Until this batch commits, nothing remembered is known to be the head.
    memory.head = None;
    let mut sequences = HashMap::new();
    for (request, _) in batch {
        let key = (request.aggregate_type.clone(), request.aggregate_id.clone());
        if let std::collections::hash_map::Entry::Vacant(slot) = sequences.entry(key) {
            let known = memory
                .directory
                .last_sequence(&request.aggregate_type, &request.aggregate_id);
            let last = match known {
                Some(last) => last,
                None => {
                    tx.last_sequence(&request.aggregate_type, &request.aggregate_id)
                        .await?
                }
            };
            slot.insert(last);
        }
    }
    let plan = chain_batch(head, &mut sequences, batch.iter().map(|(r, _)| r), times)?;
    if !plan.rows.is_empty() {
        let nodes = memory.grow(&mut frontier, &plan.rows);
        tx.insert(&plan.rows).await?;
        tx.insert_nodes(&nodes, false).await?;
        tx.set_head(plan.head).await?;
    }
    tx.remember(&plan.records).await?;
    tx.commit().await?;
    memory.head = Some(plan.head);
    memory.frontier = Some(frontier);
    memory.directory.extend(sequences);
    Ok(plan.results)
}

struct Chained {
    rows: Vec<NewRow>,
    head: Head,
    results: Vec<Result<Vec<Appended>, StoreError>>,
    /// The responses to remember, of the requests not refused.
    records: Vec<IdempotencyRecord>,
}

/// Chains a batch onto `head`: checks each request's expected sequence against `sequences`
/// (advancing them), and builds the rows with positions, entries and leaf hashes, and the
/// responses to remember of the requests it accepts.
fn chain_batch<'a>(
    mut head: Head,
    sequences: &mut HashMap<(String, String), u64>,
    requests: impl Iterator<Item = &'a Prepared>,
    times: &[RecordedAt],
) -> Result<Chained, StoreError> {
    let mut rows = Vec::new();
    let mut results = Vec::new();
    let mut records = Vec::new();
    for (request, recorded_at) in requests.zip(times.iter().copied()) {
        let key = (request.aggregate_type.clone(), request.aggregate_id.clone());
        let last = sequences.get(&key).copied().unwrap_or(0);
        if last != request.expected_sequence {
            results.push(Err(StoreError::Conflict {
                aggregate: format!("{}/{}", request.aggregate_type, request.aggregate_id),
                expected: request.expected_sequence,
                found: last,
            }));
            continue;
        }
        // The request's entries are chained on a copy of the head: one that does not fit
        // a tile's entry bundle leaves the batch as it was, the others unaffected.
        let mut at = head;
        let mut appended = Vec::with_capacity(request.events.len());
        let mut chained = Vec::with_capacity(request.events.len());
        let mut too_large = None;
        for (offset, event) in request.events.iter().enumerate() {
            let entry = EntryFields {
                position: at.size,
                aggregate_type: &request.aggregate_type,
                aggregate_id: &request.aggregate_id,
                sequence: last + 1 + offset as u64,
                event_type: &event.event_type,
                event_version: &event.event_version,
                recorded_at,
                prev_hash: at.hash,
            };
            let bytes = entry.canonical_bytes(&event.payload, &request.metadata)?;
            if bytes.len() > MAX_ENTRY {
                too_large = Some((event.event_type.clone(), bytes.len()));
                break;
            }
            let leaf_hash = LeafHash::of_entry(&bytes);
            appended.push(Appended {
                position: entry.position,
                sequence: entry.sequence,
                leaf_hash,
                recorded_at,
            });
            chained.push(NewRow {
                position: entry.position,
                aggregate_type: request.aggregate_type.clone(),
                aggregate_id: request.aggregate_id.clone(),
                sequence: entry.sequence,
                bytes,
                leaf_hash,
            });
            at = Head {
                size: at.size + 1,
                hash: leaf_hash,
            };
        }
        if let Some((event_type, bytes)) = too_large {
            results.push(Err(StoreError::EntryTooLarge {
                aggregate: format!("{}/{}", request.aggregate_type, request.aggregate_id),
                event_type,
                bytes,
            }));
            continue;
        }
        rows.extend(chained);
        head = at;
        sequences.insert(key, last + request.events.len() as u64);
        if let Some(remember) = &request.remember {
            records.push(remember.record(request, &appended));
        }
        results.push(Ok(appended));
    }
    Ok(Chained {
        rows,
        head,
        results,
        records,
    })
}
