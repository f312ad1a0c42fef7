//! The ledger's own vocabulary: entries, leaf hashes, metadata, and chain verification.

mod entry;
mod metadata;
mod verify;

#[cfg(test)]
mod canonical_tests;

pub use entry::{Entry, EntryError, InvalidHash, LEAF_HASH_PREFIX, LeafHash, RecordedAt};
pub use metadata::{Actor, EventMetadata, METADATA_KEY, MetadataError, Role};
pub use verify::{ChainVerifier, Problem, RowColumns, StoredRow, VerifiedChain, VerifyError};
