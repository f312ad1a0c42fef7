//! The ledger's own vocabulary: entries, leaf hashes, metadata, and chain verification.

mod canonical;
mod entry;
mod metadata;
mod verify;

#[cfg(test)]
mod canonical_tests;

pub use canonical::to_canonical_vec;
pub use entry::{
    Entry, EntryError, EntryFields, EntryHeader, InvalidHash, LEAF_HASH_PREFIX, LeafHash,
    RecordedAt,
};
pub use metadata::{Actor, EventMetadata, METADATA_KEY, MetadataError, Role};
pub use verify::{
    ChainVerifier, Prepared, Problem, RowColumns, StoredRow, VerifiedChain, VerifyError,
};
