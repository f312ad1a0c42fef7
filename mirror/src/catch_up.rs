//! One round of the mirror: the log's checkpoint, checked and, when it is new, the entries up
//! to it, verified and stored (see the crate's documentation for the order of the checks).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::Utc;
use domain::ledger::{ChainVerifier, LeafHash, Prepared, StoredRow};
use futures::StreamExt;
use store::{BulkCopy, Database, Head, NewRow, NodeRow, StoredCheckpoint};
use tlog::Hash;
use tlog::cosignature::Cosigned;
use tlog::merkle::{self, Frontier, Subtree};
use tlog::note::{Checkpoint, NoteError, open_checkpoint};
use tlog::policy::{Policy, PolicyRefusal};
use tlog::tiles::{self, HEIGHT, Tile, TileKind, WIDTH};
use tokio::sync::mpsc;

use crate::error::{Fork, MirrorError};
use crate::evidence::{self, ForkEvidence};
use crate::source::Source;

/// Entry bundles (with their level-0 tiles) being fetched at once.
pub const IN_FLIGHT: usize = 16;
/// Checked bundles queued ahead of the chain check.
const QUEUED: usize = 64;
/// Entries written per batch of statements.
const BATCH: usize = 8_192;
/// Batches grown and queued ahead of the writes.
const BATCHES_QUEUED: usize = 2;
/// Entries committed per step of the copy, at least (a step ends with a batch): see [`copy`].
pub const STEP: u64 = 32_768;

/// What a round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// The mirror already holds the log's checkpoint.
    UpToDate { size: u64 },
    /// The log serves an older checkpoint, which the mirror's tree agrees with.
    Behind { served: u64, held: u64 },
    /// Entries `from..to` were verified and stored with the checkpoint of size `to`.
    Grown {
        from: u64,
        to: u64,
        cosigned: Vec<Cosigned>,
    },
}

/// How far a catch-up is: entries verified and stored so far, of `total` to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Runs one round against `source`, writing into `db`: see the crate's documentation.
/// A fork's evidence is written under `evidence_dir`.
///
/// # Errors
/// [`MirrorError`]; one that stops the copy half-way keeps the steps it committed, every
/// entry of them verified ([`MirrorError::Stopped`]), and nothing else.
pub async fn mirror_once(
    db: &Database,
    source: &Source,
    policy: &Policy,
    evidence_dir: &Path,
    mut progress: impl FnMut(Progress),
) -> Result<Round, MirrorError> {
    let note = source.checkpoint().await?;
    let fetched = signed_by_log(policy, &note)?;
    let head = store::read_head(db).await?;
    let frontier = store::tree::frontier(db, head.size).await?.ok_or_else(|| {
        MirrorError::HeldIncoherent(format!(
            "the stored tree lacks nodes below {} entries",
            head.size
        ))
    })?;
    let held_root = frontier.root();
    let held = store::checkpoint::latest(db).await?;
    // A round that stopped during its copy kept verified steps past the latest checkpoint:
    // the checkpoint is then its tree's at a smaller size.
    if let Some(held) = &held {
        let coherent = match held.size.cmp(&head.size) {
            std::cmp::Ordering::Equal => held.root == held_root,
            std::cmp::Ordering::Less => store::tree::root(db, held.size).await? == held.root,
            std::cmp::Ordering::Greater => false,
        };
        if !coherent {
            return Err(MirrorError::HeldIncoherent(format!(
                "its latest checkpoint (size {}) is not its tree's (size {})",
                held.size, head.size
            )));
        }
    }
    let checkpointed = held.as_ref().map_or(0, |held| held.size);
    let fork = |reason: String| -> MirrorError {
        let evidence = ForkEvidence {
            source: source.prefix(),
            held_size: head.size,
            held_root,
            held_note: held.as_ref().map(|h| h.note.as_str()),
            fetched_size: fetched.size,
            fetched_root: fetched.root,
            fetched_note: &note,
            reason: &reason,
        };
        match evidence::write(evidence_dir, &evidence) {
            Ok(folder) => MirrorError::Fork(Box::new(Fork {
                held_size: head.size,
                held_root,
                held_note: held.as_ref().map(|h| h.note.clone()),
                fetched_size: fetched.size,
                fetched_root: fetched.root,
                fetched_note: note.clone(),
                reason,
                evidence: folder,
            })),
            Err(error) => MirrorError::Io(error),
        }
    };
    match fetched.size.cmp(&head.size) {
        std::cmp::Ordering::Less => {
            let own = store::tree::root(db, fetched.size).await?;
            if own != fetched.root {
                return Err(fork(format!(
                    "the mirror's tree at size {} has root {}, the log signed {}",
                    fetched.size,
                    own.to_base64(),
                    fetched.root.to_base64()
                )));
            }
            return Ok(Round::Behind {
                served: fetched.size,
                held: head.size,
            });
        }
        std::cmp::Ordering::Equal => {
            if fetched.root != held_root {
                return Err(fork(format!(
                    "two roots at size {}: held {}, fetched {}",
                    head.size,
                    held_root.to_base64(),
                    fetched.root.to_base64()
                )));
            }
            if checkpointed == head.size {
                return Ok(Round::UpToDate { size: head.size });
            }
            // The entries are held, the checkpoint over them not yet: stored below, once
            // its quorum holds, with no entry to copy.
        }
        std::cmp::Ordering::Greater => {
            if head.size > 0
                && let Some(reason) = inconsistency(source, head.size, held_root, &fetched).await?
            {
                return Err(fork(reason));
            }
        }
    }
    // Consistency first: a log-signed inconsistent checkpoint is evidence with or without a
    // quorum. Only a witnessed checkpoint is copied.
    let witnessed = policy.check(&note).map_err(|refusal| match refusal {
        PolicyRefusal::NotSignedByLog(e) => MirrorError::NotSignedByLog(e),
        refusal => MirrorError::NoQuorum {
            size: fetched.size,
            refusal,
        },
    })?;
    copy(
        db,
        source,
        head,
        frontier,
        &fetched,
        note.clone(),
        &mut progress,
    )
    .await?;
    Ok(Round::Grown {
        from: head.size,
        to: fetched.size,
        cosigned: witnessed.cosigned,
    })
}

/// The checkpoint `note` states, if a log of the policy signed it.
fn signed_by_log(policy: &Policy, note: &str) -> Result<Checkpoint, MirrorError> {
    let mut last = NoteError::NoKnownSignature {
        signers: "(the policy lists no log)".into(),
    };
    for log in policy.logs() {
        match open_checkpoint(note, std::slice::from_ref(&log.key), Some(log.key.name())) {
            Ok(opened) => return Ok(opened.checkpoint),
            Err(error) => last = error,
        }
    }
    Err(MirrorError::NotSignedByLog(last))
}

/// Why the fetched checkpoint does not extend the held tree (`held` entries, root
/// `held_root`), or `None` when it does. The consistency proof is read from the level tiles,
/// which must first give the signed root: only then are they the log's own statement, and a
/// proof that fails is a fork rather than a bad server.
async fn inconsistency(
    source: &Source,
    held: u64,
    held_root: Hash,
    fetched: &Checkpoint,
) -> Result<Option<String>, MirrorError> {
    let size = fetched.size;
    let proof_plan = merkle::consistency_plan(held, size)
        .map_err(|e| MirrorError::HeldIncoherent(e.to_string()))?;
    let root_plan = merkle::root_plan(size);
    let mut wanted = proof_plan.subtrees();
    wanted.extend(root_plan.subtrees());
    let hashes = subtree_hashes(source, size, &wanted).await?;
    let missing = |_| MirrorError::TilesDisagree { size };
    let tiles_root = root_plan.resolve(&hashes).map_err(missing)?[0];
    if tiles_root != fetched.root {
        return Err(MirrorError::TilesDisagree { size });
    }
    let proof = proof_plan.resolve(&hashes).map_err(missing)?;
    Ok(
        merkle::verify_consistency(held, size, &proof, &held_root, &fetched.root)
            .err()
            .map(|e| {
                format!(
                    "the log's own tiles give no consistency proof from size {held} to {size}: {e}"
                )
            }),
    )
}

/// The hashes of `wanted` perfect subtrees of the tree of `size` leaves, from its level
/// tiles: a subtree of height `h` is folded from 2^(h mod 8) hashes of tile level ⌊h/8⌋.
async fn subtree_hashes(
    source: &Source,
    size: u64,
    wanted: &[Subtree],
) -> Result<HashMap<Subtree, Hash>, MirrorError> {
    let span = |s: &Subtree| {
        let level = s.level / HEIGHT as u8;
        let rest = u32::from(s.level % HEIGHT as u8);
        (level, s.index << rest, (s.index + 1) << rest)
    };
    let mut needed = BTreeSet::new();
    for subtree in wanted {
        let (level, first, end) = span(subtree);
        for index in first / WIDTH..=(end - 1) / WIDTH {
            let tile = tiles::tile_at(TileKind::Level(level), index, size)
                .ok_or(MirrorError::TilesDisagree { size })?;
            needed.insert(tile);
        }
    }
    let fetched = futures::future::try_join_all(needed.iter().map(|&tile| async move {
        let bytes = source.tile(tile).await?;
        Ok::<_, MirrorError>((tile, decode_level(tile, &bytes)?))
    }))
    .await?;
    let by_tile: HashMap<(u8, u64), Vec<Hash>> = fetched
        .into_iter()
        .map(|(tile, hashes)| ((tile.level(), tile.index), hashes))
        .collect();
    let mut found = HashMap::new();
    for subtree in wanted {
        let (level, first, end) = span(subtree);
        let mut hashes = Vec::with_capacity((end - first) as usize);
        for at in first..end {
            let hash = by_tile
                .get(&(level, at / WIDTH))
                .and_then(|tile| tile.get((at % WIDTH) as usize))
                .ok_or(MirrorError::TilesDisagree { size })?;
            hashes.push(*hash);
        }
        while hashes.len() > 1 {
            hashes = hashes
                .chunks_exact(2)
                .map(|pair| merkle::node_hash(&pair[0], &pair[1]))
                .collect();
        }
        found.insert(*subtree, hashes[0]);
    }
    Ok(found)
}

fn decode_level(tile: Tile, bytes: &[u8]) -> Result<Vec<Hash>, MirrorError> {
    let hashes = tiles::decode_tile(bytes).map_err(|e| MirrorError::BadTile {
        path: tile.path(),
        reason: e.to_string(),
    })?;
    if hashes.len() != usize::from(tile.width) {
        return Err(MirrorError::BadTile {
            path: tile.path(),
            reason: format!("{} hashes where {} belong", hashes.len(), tile.width),
        });
    }
    Ok(hashes)
}

/// An entry of a bundle, hashed and parsed, its leaf hash checked against the level-0 tile.
struct Checked {
    row: NewRow,
    prepared: Prepared,
}

/// Fetches entry bundle `index` and its level-0 tile at `size`, and checks, on a blocking
/// thread, every entry from position `from` on against the tile.
async fn fetch_bundle(
    source: Source,
    index: u64,
    from: u64,
    size: u64,
) -> Result<Vec<Checked>, MirrorError> {
    let missing = MirrorError::TilesDisagree { size };
    let bundle = tiles::tile_at(TileKind::Entries, index, size).ok_or(missing)?;
    let level = Tile {
        kind: TileKind::Level(0),
        ..bundle
    };
    let (entries, hashes) = futures::try_join!(source.tile(bundle), source.tile(level))?;
    tokio::task::spawn_blocking(move || check_bundle(bundle, &entries, level, &hashes, from))
        .await
        .map_err(|e| MirrorError::Io(std::io::Error::other(e)))?
}

fn check_bundle(
    bundle: Tile,
    entries: &[u8],
    level: Tile,
    hashes: &[u8],
    from: u64,
) -> Result<Vec<Checked>, MirrorError> {
    let hashes = decode_level(level, hashes)?;
    let entries = tiles::decode_bundle(entries).map_err(|e| MirrorError::BadTile {
        path: bundle.path(),
        reason: e.to_string(),
    })?;
    if entries.len() != usize::from(bundle.width) {
        return Err(MirrorError::BadTile {
            path: bundle.path(),
            reason: format!("{} entries where {} belong", entries.len(), bundle.width),
        });
    }
    let start = bundle.index * WIDTH;
    let mut checked = Vec::with_capacity(entries.len());
    for (i, (bytes, hash)) in entries.iter().zip(&hashes).enumerate() {
        let position = start + i as u64;
        if position < from {
            continue;
        }
        let row = StoredRow {
            position,
            bytes,
            stored_leaf_hash: None,
            columns: None,
        };
        let prepared = Prepared::of(&row);
        let leaf_hash = prepared.leaf_hash();
        if !leaf_hash.ct_eq(&LeafHash::from_bytes(*hash.as_bytes())) {
            return Err(MirrorError::EntryMismatch { position });
        }
        // A header that does not parse is reported by the chain check, at its position.
        let (aggregate_type, aggregate_id, sequence) = prepared
            .header()
            .map(|h| (h.aggregate_type.clone(), h.aggregate_id.clone(), h.sequence))
            .unwrap_or_default();
        checked.push(Checked {
            row: NewRow {
                position,
                aggregate_type,
                aggregate_id,
                sequence,
                bytes: bytes.to_vec(),
                leaf_hash,
            },
            prepared,
        });
    }
    Ok(checked)
}

/// Copies entries `head.size..fetched.size` in three stages that overlap: a task fetches the
/// bundles ([`IN_FLIGHT`] at a time) and checks each against its level-0 tile on a blocking
/// thread; a blocking thread continues the chain from `head` and grows the tree from
/// `frontier`, cutting the rows into batches; this task writes the batches.
///
/// It commits in steps of about [`STEP`] entries, each only once its entries are verified
/// against the signed root: they hash to their level-0 tiles, continue the chain, and the
/// tree they grow (its root at the step's end) is consistent with the signed root by a proof
/// read from the level tiles, themselves checked to give that root. The last step writes the
/// head and the checkpoint's note too, once the whole tree's root is the signed one. A
/// failure drops the step under way and keeps the ones committed
/// ([`MirrorError::Stopped`]).
async fn copy(
    db: &Database,
    source: &Source,
    head: Head,
    frontier: Frontier,
    fetched: &Checkpoint,
    note: String,
    progress: &mut impl FnMut(Progress),
) -> Result<(), MirrorError> {
    let (from, to) = (head.size, fetched.size);
    let total = to - from;
    let mut tx = BulkCopy::begin(db).await?;
    if tx.lock_head().await? != head {
        return Err(MirrorError::Concurrent);
    }
    let verifier = if from == 0 {
        ChainVerifier::new()
    } else {
        ChainVerifier::resume_with_sequences(from, head.hash, tx.all_last_sequences().await?)
    };
    let (checked_tx, checked_rx) = mpsc::channel(QUEUED);
    let _fetcher = Abort(tokio::spawn(fetch_all(
        source.clone(),
        from,
        to,
        checked_tx,
    )));
    let (batch_tx, mut batch_rx) = mpsc::channel(BATCHES_QUEUED);
    let mut grower = Abort(tokio::task::spawn_blocking(move || {
        grow(checked_rx, verifier, frontier, &batch_tx)
    }));
    let mut done = 0u64;
    let mut committed = from;
    let stopped = |committed: u64, cause: MirrorError| {
        if committed > from {
            MirrorError::Stopped {
                from,
                held: committed,
                cause: Box::new(cause),
            }
        } else {
            cause
        }
    };
    while let Some(Batch {
        rows,
        nodes,
        end,
        root,
    }) = batch_rx.recv().await
    {
        done += rows.len() as u64;
        if end.size - committed >= STEP && end.size < to {
            let (inserted, consistent) = tokio::join!(
                tx.insert(rows, nodes),
                inconsistency(source, end.size, root, fetched)
            );
            inserted.map_err(|e| stopped(committed, e.into()))?;
            if consistent.map_err(|e| stopped(committed, e))?.is_some() {
                return Err(stopped(committed, MirrorError::RootMismatch { size: to }));
            }
            if !tx
                .commit_step(end)
                .await
                .map_err(|e| stopped(committed, e.into()))?
            {
                return Err(stopped(end.size, MirrorError::Concurrent));
            }
            committed = end.size;
        } else {
            tx.insert(rows, nodes)
                .await
                .map_err(|e| stopped(committed, e.into()))?;
        }
        progress(Progress { done, total });
    }
    // The batches ended: the grower is done, with its error or the whole tree.
    let (verifier, frontier) = (&mut grower.0)
        .await
        .map_err(|e| MirrorError::Io(std::io::Error::other(e)))
        .and_then(|grown| grown)
        .map_err(|e| stopped(committed, e))?;
    if frontier.size() != to || frontier.root() != fetched.root {
        return Err(stopped(committed, MirrorError::RootMismatch { size: to }));
    }
    let chain = verifier
        .finish(None)
        .map_err(|e| stopped(committed, MirrorError::Chain(e)))?;
    let checkpoint = StoredCheckpoint {
        size: to,
        root: fetched.root,
        note,
        signed_at: Utc::now(),
    };
    let head = Head {
        size: to,
        hash: chain.head,
    };
    if !tx
        .finish(head, &checkpoint)
        .await
        .map_err(|e| stopped(committed, e.into()))?
    {
        return Err(stopped(committed, MirrorError::Concurrent));
    }
    progress(Progress { done, total });
    Ok(())
}

/// A task stopped when the copy ends, however it ends.
struct Abort<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Abort<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Fetches and checks bundles `from / WIDTH..` of the tree of `to` entries, [`IN_FLIGHT`]
/// at a time, and queues them in order; stops at the first failure (queued too) or when
/// nobody listens any more.
async fn fetch_all(
    source: Source,
    from: u64,
    to: u64,
    out: mpsc::Sender<Result<Vec<Checked>, MirrorError>>,
) {
    let mut bundles = futures::stream::iter(from / WIDTH..to.div_ceil(WIDTH))
        .map(|index| fetch_bundle(source.clone(), index, from, to))
        .buffered(IN_FLIGHT);
    while let Some(checked) = bundles.next().await {
        let failed = checked.is_err();
        if out.send(checked).await.is_err() || failed {
            return;
        }
    }
}

/// Rows to write and the tree nodes they complete; the head after them and the tree's root
/// there.
struct Batch {
    rows: Vec<NewRow>,
    nodes: Vec<NodeRow>,
    end: Head,
    root: Hash,
}

/// Continues the chain and grows the tree with every checked bundle, in order, and hands
/// the rows on in batches of about [`BATCH`]; returns the verifier and the tree at the end
/// (a blocking thread's work).
fn grow(
    mut checked: mpsc::Receiver<Result<Vec<Checked>, MirrorError>>,
    mut verifier: ChainVerifier,
    mut frontier: Frontier,
    out: &mpsc::Sender<Batch>,
) -> Result<(ChainVerifier, Frontier), MirrorError> {
    let empty = || {
        (
            Vec::with_capacity(BATCH + WIDTH as usize),
            Vec::with_capacity(BATCH / 2),
        )
    };
    let (mut rows, mut nodes): (Vec<NewRow>, Vec<NodeRow>) = empty();
    // The batch's rows and nodes, with the head and root they end at.
    let cut = |rows: Vec<NewRow>, nodes: Vec<NodeRow>, frontier: &Frontier| {
        let end = rows.last().map(|row| Head {
            size: row.position + 1,
            hash: row.leaf_hash,
        });
        end.map(|end| Batch {
            rows,
            nodes,
            end,
            root: frontier.root(),
        })
    };
    // The writer has stopped, with its own error: nothing more to do.
    let stopped = || MirrorError::Io(std::io::Error::other("the mirror's writer stopped"));
    while let Some(bundle) = checked.blocking_recv() {
        for Checked { row, prepared } in bundle? {
            let stored = StoredRow {
                position: row.position,
                bytes: &row.bytes,
                stored_leaf_hash: None,
                columns: None,
            };
            verifier
                .push_prepared(stored, prepared)
                .map_err(MirrorError::Chain)?;
            frontier.push(store::tree::leaf(&row.leaf_hash), |subtree, hash| {
                nodes.push(NodeRow { subtree, hash });
            });
            rows.push(row);
        }
        if rows.len() >= BATCH {
            let (next_rows, next_nodes) = empty();
            let full = std::mem::replace(&mut rows, next_rows);
            let full_nodes = std::mem::replace(&mut nodes, next_nodes);
            if let Some(batch) = cut(full, full_nodes, &frontier) {
                out.blocking_send(batch).map_err(|_| stopped())?;
            }
        }
    }
    if let Some(batch) = cut(rows, nodes, &frontier) {
        out.blocking_send(batch).map_err(|_| stopped())?;
    }
    Ok((verifier, frontier))
}
