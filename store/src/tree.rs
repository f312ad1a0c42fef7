//! The Merkle tree over the log (RFC 6962): kept in step with the entries, and read for roots
//! and proofs.
//!
//! Every append writes, in its own transaction, the interior nodes its leaves complete
//! ([`grow`]), so the stored tree always covers exactly the entries below the head. A root or
//! a proof for any size up to the head is then one query for O(log n) stored subtrees
//! ([`tlog::merkle::Plan`]).

use domain::ledger::LeafHash;
use tlog::Hash;
use tlog::merkle::{self, Frontier, Plan, Subtree};

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::log::read_head;
use crate::sql::rows::{NewRow, NodeRow};
use crate::sql::tree::read_subtrees;
use crate::sql::write::WriteTx;

/// Leaves read at a time when the tree is rebuilt from the log.
const CATCH_UP_CHUNK: u64 = 100_000;

/// The tree's view of a leaf hash.
pub fn leaf(hash: &LeafHash) -> Hash {
    Hash::from_bytes(*hash.as_bytes())
}

/// Pushes the leaves of `rows` onto `frontier`, returning the interior nodes they complete.
pub(crate) fn grow(frontier: &mut Frontier, rows: &[NewRow]) -> Vec<NodeRow> {
    let mut nodes = Vec::with_capacity(rows.len() + 8);
    for row in rows {
        frontier.push(leaf(&row.leaf_hash), |subtree, hash| {
            nodes.push(NodeRow { subtree, hash });
        });
    }
    nodes
}

/// The frontier of the stored tree at `size`, or `None` when some of it is not stored.
pub(crate) async fn frontier_in(
    tx: &mut WriteTx,
    size: u64,
) -> Result<Option<Frontier>, StoreError> {
    let wanted = Frontier::subtrees_for(size);
    let found = tx.read_subtrees(&wanted).await?;
    restore(size, &wanted, &found)
}

/// The frontier of `size` from the `found` hashes of its `wanted` subtrees, if all are there.
fn restore(
    size: u64,
    wanted: &[Subtree],
    found: &std::collections::HashMap<Subtree, Hash>,
) -> Result<Option<Frontier>, StoreError> {
    let Some(hashes) = wanted
        .iter()
        .map(|s| found.get(s).copied())
        .collect::<Option<Vec<Hash>>>()
    else {
        return Ok(None);
    };
    Frontier::restore(size, hashes)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("tree frontier: {e}")))
}

/// The frontier of the stored tree at `size` (the right edge a copy of the log grows from),
/// or `None` when some of it is not stored.
///
/// # Errors
/// When the database cannot be read, or the stored hashes do not make a frontier.
pub async fn frontier(db: &Database, size: u64) -> Result<Option<Frontier>, StoreError> {
    let wanted = Frontier::subtrees_for(size);
    let found = read_subtrees(db, &wanted).await?;
    restore(size, &wanted, &found)
}

impl Database {
    /// Opens the database at `url`, applying pending migrations first, and makes sure the
    /// stored tree covers the whole log (a log written before the tree existed gets its tree
    /// now, once). Defined here, beside the tree, so that `database` needs nothing of it.
    ///
    /// On PostgreSQL the migrations run as the connecting user (the owner); the pool's
    /// connections then `SET ROLE htx_ledger_app`, which has no UPDATE or DELETE on the log.
    ///
    /// # Errors
    /// When the URL is not `sqlite://` or `postgres://`, the database cannot be reached, or a
    /// migration fails.
    pub async fn open(url: &str) -> Result<Database, StoreError> {
        Database::migrate(url).await?;
        let db = Database::connect(url).await?;
        catch_up(&db, |_, _| {}).await?;
        Ok(db)
    }
}

/// Makes sure the stored tree covers the whole log, writing any node that is missing (a log
/// written before the tree existed, or imported). Returns the number of nodes written.
///
/// # Errors
/// When the database cannot be read or written.
pub async fn catch_up(db: &Database, progress: impl FnMut(u64, u64)) -> Result<u64, StoreError> {
    let mut tx = WriteTx::begin(db).await?;
    let head = tx.lock_head().await?;
    let (_, written) = frontier_or_rebuild(&mut tx, head.size, progress).await?;
    tx.commit().await?;
    Ok(written)
}

/// The stored tree's frontier at `size`, rebuilding the missing nodes from the leaves first
/// when it is incomplete. Returns the frontier and the number of nodes written.
pub(crate) async fn frontier_or_rebuild(
    tx: &mut WriteTx,
    size: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<(Frontier, u64), StoreError> {
    if let Some(frontier) = frontier_in(tx, size).await? {
        return Ok((frontier, 0));
    }
    tracing::info!(entries = size, "building the Merkle tree over the log");
    let mut frontier = Frontier::new();
    let mut written = 0u64;
    while frontier.size() < size {
        let to = (frontier.size() + CATCH_UP_CHUNK).min(size);
        let mut nodes = Vec::new();
        for hash in tx.leaf_hashes(frontier.size(), to).await? {
            frontier.push(hash, |subtree, hash| nodes.push(NodeRow { subtree, hash }));
        }
        if frontier.size() != to {
            return Err(StoreError::Corrupt(format!(
                "the head says {size} entries, but positions below {to} are missing"
            )));
        }
        tx.insert_nodes(&nodes, true).await?;
        written += nodes.len() as u64;
        progress(frontier.size(), size);
    }
    Ok((frontier, written))
}

/// Resolves `plan` against the stored tree, in one query. `also` names subtrees that must be
/// stored too (the leaf an inclusion proof is for).
///
/// Every plan reads a subtree ending at its tree size, and a subtree is stored only once the
/// log holds all its leaves; so when everything is found the log is long enough, and the head
/// is read only to explain a miss.
async fn resolve(
    db: &Database,
    size: u64,
    plan: &Plan,
    also: Option<Subtree>,
) -> Result<Vec<Hash>, StoreError> {
    let mut wanted = plan.subtrees();
    wanted.extend(also);
    let found = read_subtrees(db, &wanted).await?;
    let complete = also.is_none_or(|s| found.contains_key(&s));
    match plan.resolve(&found) {
        Ok(hashes) if complete => Ok(hashes),
        Ok(_) | Err(_) => {
            let head = read_head(db).await?;
            if size > head.size {
                Err(StoreError::NotInLog(format!(
                    "a tree of {size} entries: the log has {}",
                    head.size
                )))
            } else {
                Err(StoreError::Corrupt(format!(
                    "the stored tree lacks nodes below {size} entries"
                )))
            }
        }
    }
}

/// The root of the log's first `size` entries.
///
/// # Errors
/// [`StoreError::NotInLog`] when the log is shorter than `size`.
pub async fn root(db: &Database, size: u64) -> Result<Hash, StoreError> {
    if size == 0 {
        return Ok(merkle::empty_root());
    }
    Ok(resolve(db, size, &merkle::root_plan(size), None).await?[0])
}

/// The RFC 9162 inclusion proof of entry `index` in the tree of the first `size` entries.
///
/// # Errors
/// [`StoreError::NotInLog`] when `index >= size` or the log is shorter than `size`.
pub async fn inclusion_proof(
    db: &Database,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, StoreError> {
    let plan =
        merkle::inclusion_plan(index, size).map_err(|e| StoreError::NotInLog(e.to_string()))?;
    let leaf = Subtree { level: 0, index };
    resolve(db, size, &plan, Some(leaf)).await
}

/// The RFC 9162 consistency proof from the tree of `first` entries to that of `second`.
///
/// # Errors
/// [`StoreError::NotInLog`] when `first > second` or the log is shorter than `second`.
pub async fn consistency_proof(
    db: &Database,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, StoreError> {
    let plan =
        merkle::consistency_plan(first, second).map_err(|e| StoreError::NotInLog(e.to_string()))?;
    if plan.is_empty() {
        // Nothing to read; the sizes must still be in the log.
        let head = read_head(db).await?;
        if second > head.size {
            return Err(StoreError::NotInLog(format!(
                "a tree of {second} entries: the log has {}",
                head.size
            )));
        }
        return Ok(Vec::new());
    }
    resolve(db, second, &plan, None).await
}
