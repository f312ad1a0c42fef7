//! An auditor's mirror of the log (`htx-ledger mirror`): a full copy, fetched as C2SP
//! tlog-tiles from the service's `/tlog/` or from any static server of `export --tiles`,
//! verified entry by entry, and written into the auditor's own ledger database, so that
//! `replay`, `report` and `verify` run there with no help from the log.
//!
//! One round ([`mirror_once`]) **verifies before it stores**:
//!
//! 1. the checkpoint must be signed by a log of the auditor's policy (else nothing is done);
//! 2. it must be consistent with the checkpoint the mirror holds: a consistency proof read
//!    from the level tiles (whose hashes must also give the signed root), or, at a size not
//!    above the one held, the mirror's own tree. A log-signed checkpoint that is not
//!    ([`Fork`]) is kept as evidence, both signed notes side by side ([`evidence`]), before
//!    any quorum is asked for;
//! 3. it must hold the policy's quorum of cosignatures;
//! 4. the entry bundles of the new range are fetched a few at a time ([`source`]); every
//!    entry must hash to the level-0 tile's leaf hash, continue the chain from the mirror's
//!    head (positions, links, every aggregate's sequence) and grow the mirror's tree to the
//!    signed root. They are committed in steps ([`catch_up::STEP`] entries), each only once
//!    the tree it ends is shown consistent with the signed root by a proof from the level
//!    tiles; the last step, once the whole tree's root is the signed one, with the cosigned
//!    checkpoint.
//!
//! A mirror resumes from its own head: a round that stopped during its copy keeps the steps
//! it committed ([`MirrorError::Stopped`]), entries past its latest checkpoint, as a log holds
//! entries past its latest checkpoint between two signings. It does not (yet) cosign as a
//! C2SP tlog-mirror.

pub mod catch_up;
pub mod error;
pub mod evidence;
pub mod source;

pub use catch_up::{Progress, Round, mirror_once};
pub use error::{Fork, MirrorError};
pub use source::Source;
