//! The appender: the one task that writes the log, committing concurrent appends together.
//!
//! A single global chain serialises appends (each entry names the hash of the one before).
//! Rather than one transaction per command, the appender takes every append that is waiting,
//! checks each one's expected sequence, chains them, and writes them all in one transaction:
//! group commit. An append whose aggregate moved on is answered with a conflict and writes
//! nothing; the others in the batch are unaffected.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use domain::ledger::{EntryError, EntryFields, LeafHash, RecordedAt, to_canonical_vec};
use tlog::merkle::Frontier;
use tlog::tiles::MAX_ENTRY;
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::Clock;
use crate::database::Database;
use crate::directory::Directory;
use crate::error::StoreError;
use crate::recent::RecentEntries;
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
    /// The row to write once the entries of `group` landed at `appended` (one list a part).
    fn record(&self, group: &PreparedGroup, appended: &[Vec<Appended>]) -> IdempotencyRecord {
        let written: Vec<Written> = group
            .parts
            .iter()
            .zip(appended)
            .flat_map(|(part, landed)| {
                landed.iter().zip(&part.events).map(|(at, event)| Written {
                    aggregate_id: part.aggregate_id.clone(),
                    event_type: event.event_type.clone(),
                    at: at.clone(),
                })
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

/// The commands of a batch, appended together: every part or none.
#[derive(Debug, Clone, Default)]
pub struct AppendBatch {
    /// In order; a part's own `remember` must be `None` (the batch remembers one response).
    pub parts: Vec<AppendRequest>,
    /// For each part (or none), the ledger time it is recorded at no earlier than. Only a
    /// clock that can be moved ([`crate::SteppingClock`], for reproducible runs) follows it:
    /// the system clock does not, so no caller can date an entry in the future.
    pub not_before: Vec<Option<DateTime<Utc>>>,
    /// The response to remember, made from every part's entries in order.
    pub remember: Option<Remember>,
    /// The batch was decided on lookups that trusted this process to be the log's only
    /// writer since its last write ([`crate::LedgerStore::load_known`]): it is refused as a
    /// conflict, to be decided again, if another process appended meanwhile.
    pub sole_writer: bool,
}

type Reply = oneshot::Sender<Result<Vec<Vec<Appended>>, StoreError>>;

/// An [`AppendRequest`] as the appender task takes it: payload and metadata already in
/// RFC 8785 form, encoded by the caller's task so that the one appender only copies and hashes.
struct Prepared {
    aggregate_type: String,
    aggregate_id: String,
    expected_sequence: u64,
    events: Vec<PreparedEvent>,
    metadata: Vec<u8>,
}

/// What the appender takes in one message: one command ([`Appender::append`]) or a batch
/// ([`Appender::append_batch`]), chained and written whole or not at all.
struct PreparedGroup {
    parts: Vec<Prepared>,
    not_before: Vec<Option<DateTime<Utc>>>,
    remember: Option<Remember>,
    sole_writer: bool,
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
        })
    }
}

/// A handle to the appender task. Cloning it is cheap; the task stops when every handle is gone.
#[derive(Clone)]
pub struct Appender {
    sender: mpsc::Sender<(PreparedGroup, Reply)>,
    head: watch::Receiver<u64>,
    recent: RecentEntries,
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
            recent: RecentEntries::default(),
        };
        let recent = memory.recent.clone();
        if let Err(error) = prime(&db, &mut memory).await {
            tracing::warn!(%error, "could not read the aggregate directory; loads will read the log");
            memory.forget();
        }
        let size = memory.head.map_or(0, |h| h.size);
        let (head_sender, head) = watch::channel(size);
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, clock, memory, receiver, head_sender));
        Appender {
            sender,
            head,
            recent,
        }
    }

    /// The log's size as this process last wrote it: changes after every commit, so that
    /// readers (the projector) can follow the log without polling.
    pub fn head(&self) -> watch::Receiver<u64> {
        self.head.clone()
    }

    /// The entries this process committed last, kept before [`Appender::head`] moves past
    /// them.
    pub fn recent(&self) -> RecentEntries {
        self.recent.clone()
    }

    /// Appends the events of one command, returning where each landed once durable.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the aggregate has moved past `expected_sequence`; a
    /// database error when the transaction failed (nothing of it was written); an entry error
    /// when the payload or metadata cannot be encoded (nothing sent).
    pub async fn append(&self, mut request: AppendRequest) -> Result<Vec<Appended>, StoreError> {
        let remember = request.remember.take();
        let group = PreparedGroup {
            parts: vec![Prepared::of(request)?],
            not_before: Vec::new(),
            remember,
            sole_writer: false,
        };
        let mut appended = self.send(group).await?;
        Ok(appended.pop().unwrap_or_default())
    }

    /// Appends the commands of `batch` together, in order, in one transaction: every part or
    /// none. Each part's expected sequence counts the parts before it on the same aggregate.
    /// Answers where each part's entries landed, once durable.
    ///
    /// # Errors
    /// As [`Appender::append`] for the first part that cannot be appended (nothing of the
    /// batch is written); [`StoreError::Refused`] for a part carrying its own `remember`.
    pub async fn append_batch(&self, batch: AppendBatch) -> Result<Vec<Vec<Appended>>, StoreError> {
        if batch.parts.iter().any(|part| part.remember.is_some()) {
            return Err(StoreError::Refused(
                "a batch remembers one response; its parts remember none".into(),
            ));
        }
        let group = PreparedGroup {
            parts: batch
                .parts
                .into_iter()
                .map(Prepared::of)
                .collect::<Result<_, _>>()?,
            not_before: batch.not_before,
            remember: batch.remember,
            sole_writer: batch.sole_writer,
        };
        self.send(group).await
    }

    async fn send(&self, group: PreparedGroup) -> Result<Vec<Vec<Appended>>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((group, reply))
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
    /// The entries committed last, for the projector in this process.
    recent: RecentEntries,
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
    mut receiver: mpsc::Receiver<(PreparedGroup, Reply)>,
    head: watch::Sender<u64>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = if memory.connection.is_held() {
            // `recv_many` is cancel safe: nothing received is lost to the timeout.
            match tokio::time::timeout(write::KEEP_IDLE, receiver.recv_many(&mut batch, MAX_BATCH))
                .await
            {
                Ok(received) => received,
                Err(_) => {
                    memory.connection.release();
                    continue;
                }
            }
        } else {
            receiver.recv_many(&mut batch, MAX_BATCH).await
        };
        if received == 0 {
            break;
        }
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
    receiver: &mut mpsc::Receiver<(PreparedGroup, Reply)>,
    batch: &mut Vec<(PreparedGroup, Reply)>,
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
    batch: &[(PreparedGroup, Reply)],
) -> Result<Vec<GroupResult>, StoreError> {
    // Each part's ledger time is read once, whichever path writes it.
    let times: Vec<Vec<RecordedAt>> = batch
        .iter()
        .map(|(group, _)| {
            (0..group.parts.len())
                .map(|i| {
                    let not_before = group.not_before.get(i).copied().flatten();
                    RecordedAt::new(clock.now_not_before(not_before))
                })
                .collect()
        })
        .collect();
    if let (Some(head), Some(frontier)) = (memory.head, memory.frontier.as_ref()) {
        let mut sequences = HashMap::new();
        for request in batch.iter().flat_map(|(group, _)| &group.parts) {
            let key = (request.aggregate_type.clone(), request.aggregate_id.clone());
            let last = memory
                .directory
                .last_sequence(&request.aggregate_type, &request.aggregate_id)
                .unwrap_or(request.expected_sequence);
            sequences.entry(key).or_insert(last);
        }
        let plan = chain_batch(
            head,
            false,
            &mut sequences,
            batch.iter().map(|(g, _)| g),
            &times,
        )?;
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
            memory.recent.extend(&plan.rows);
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
    times: &[Vec<RecordedAt>],
    memory: &mut Memory,
    batch: &[(PreparedGroup, Reply)],
) -> Result<Vec<GroupResult>, StoreError> {
    let mut tx = WriteTx::begin(db).await?;
    let head = tx.lock_head().await?;
    // Another process appended since this one's last write (or this one does not know).
    let moved_by_other = memory.head != Some(head);
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
    for request in batch.iter().flat_map(|(group, _)| &group.parts) {
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
    let plan = chain_batch(
        head,
        moved_by_other,
        &mut sequences,
        batch.iter().map(|(g, _)| g),
        times,
    )?;
    if !plan.rows.is_empty() {
        let nodes = memory.grow(&mut frontier, &plan.rows);
        tx.insert(&plan.rows).await?;
        tx.insert_nodes(&nodes, false).await?;
        tx.set_head(plan.head).await?;
    }
    tx.remember(&plan.records).await?;
    tx.commit().await?;
    memory.recent.extend(&plan.rows);
    memory.head = Some(plan.head);
    memory.frontier = Some(frontier);
    memory.directory.extend(sequences);
    Ok(plan.results)
}

/// What one message to the appender gets: where each part's entries landed, or why none of
/// them was written.
type GroupResult = Result<Vec<Vec<Appended>>, StoreError>;

struct Chained {
    rows: Vec<NewRow>,
    head: Head,
    results: Vec<GroupResult>,
    /// The responses to remember, of the groups not refused.
    records: Vec<IdempotencyRecord>,
}

/// Chains a batch onto `head`: checks each part's expected sequence against `sequences`
/// (advancing them), and builds the rows with positions, entries and leaf hashes, and the
/// responses to remember of the groups it accepts. A group with a part refused is refused
/// whole and leaves the batch as it was.
fn chain_batch<'a>(
    mut head: Head,
    moved_by_other: bool,
    sequences: &mut HashMap<(String, String), u64>,
    groups: impl Iterator<Item = &'a PreparedGroup>,
    times: &[Vec<RecordedAt>],
) -> Result<Chained, StoreError> {
    let mut rows = Vec::new();
    let mut results = Vec::new();
    let mut records = Vec::new();
    for (group, group_times) in groups.zip(times) {
        if group.sole_writer && moved_by_other {
            results.push(Err(StoreError::Conflict {
                aggregate: "the log (another process appended)".into(),
                expected: head.size,
                found: head.size,
            }));
            continue;
        }
        match chain_group(head, sequences, group, group_times)? {
            Ok((chained, at, moved, appended)) => {
                rows.extend(chained);
                head = at;
                sequences.extend(moved);
                if let Some(remember) = &group.remember {
                    records.push(remember.record(group, &appended));
                }
                results.push(Ok(appended));
            }
            Err(refused) => results.push(Err(refused)),
        }
    }
    Ok(Chained {
        rows,
        head,
        results,
        records,
    })
}

/// A group chained: its rows, the head after it, the aggregates' new last sequences, and
/// where each part's entries landed.
type ChainedGroup = (
    Vec<NewRow>,
    Head,
    HashMap<(String, String), u64>,
    Vec<Vec<Appended>>,
);

/// Chains one group on a copy of the head and of the sequences: the first part refused (its
/// aggregate moved on, or an entry too large for a tile's entry bundle) refuses the group.
fn chain_group(
    head: Head,
    sequences: &HashMap<(String, String), u64>,
    group: &PreparedGroup,
    times: &[RecordedAt],
) -> Result<Result<ChainedGroup, StoreError>, StoreError> {
    let mut at = head;
    let mut moved: HashMap<(String, String), u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut landed = Vec::with_capacity(group.parts.len());
    for (request, &recorded_at) in group.parts.iter().zip(times) {
        let key = (request.aggregate_type.clone(), request.aggregate_id.clone());
        let last = moved
            .get(&key)
            .or_else(|| sequences.get(&key))
            .copied()
            .unwrap_or(0);
        if last != request.expected_sequence {
            return Ok(Err(StoreError::Conflict {
                aggregate: format!("{}/{}", request.aggregate_type, request.aggregate_id),
                expected: request.expected_sequence,
                found: last,
            }));
        }
        let mut appended = Vec::with_capacity(request.events.len());
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
                return Ok(Err(StoreError::EntryTooLarge {
                    aggregate: format!("{}/{}", request.aggregate_type, request.aggregate_id),
                    event_type: event.event_type.clone(),
                    bytes: bytes.len(),
                }));
            }
            let leaf_hash = LeafHash::of_entry(&bytes);
            appended.push(Appended {
                position: entry.position,
                sequence: entry.sequence,
                leaf_hash,
                recorded_at,
            });
            rows.push(NewRow {
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
        moved.insert(key, last + request.events.len() as u64);
        landed.push(appended);
    }
    Ok(Ok((rows, at, moved, landed)))
}
