//! The transparency-log formats the ledger speaks, so that tools nobody here wrote can check it:
//!
//! - [`merkle`]: RFC 6962 / RFC 9162 section 2.1 Merkle tree hashing, inclusion and
//!   consistency proofs, computed over any store of perfect subtrees, and their verification;
//! - [`note`]: C2SP signed notes (Ed25519), verifier keys, and tlog-checkpoints;
//! - [`proof_file`]: C2SP tlog-proof files (`c2sp.org/tlog-proof@v1`), the inspector's
//!   offline proof of one entry.
//!
//! No I/O: the store reads and writes, this crate computes and checks.

pub mod cosignature;
mod hash;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof_file;
pub mod tiles;
pub mod witness;

pub use hash::{Hash, InvalidHash};
