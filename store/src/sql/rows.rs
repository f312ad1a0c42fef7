//! The rows the log's statements write and read: plain data, shared by the statements of the
//! entries, the head and the tree.

use domain::ledger::LeafHash;
use tlog::Hash;
use tlog::merkle::Subtree;

/// One row of `ledger_entries` about to be written.
#[derive(Debug, Clone)]
pub struct NewRow {
    pub position: u64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: u64,
    pub bytes: Vec<u8>,
    pub leaf_hash: LeafHash,
}

/// One row of `ledger_entries` as read back: the columns as stored (verification checks them
/// against the entry, so a negative position is reported, not refused on reading).
#[derive(Debug, Clone)]
pub struct LogRow {
    pub position: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub bytes: Vec<u8>,
    pub leaf_hash: Vec<u8>,
}

/// The recorded head: how many entries, and the leaf hash of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub hash: LeafHash,
}

/// One interior node of the Merkle tree about to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRow {
    pub subtree: Subtree,
    pub hash: Hash,
}
