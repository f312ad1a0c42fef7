//! Chain verification: a pure, streaming check of stored entries in position order.
//!
//! Feed every stored row to [`ChainVerifier::push`] in position order, then call
//! [`ChainVerifier::finish`] with the head the store recorded. The first problem found is
//! returned with the position where it was found; verification never panics.

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::fmt;

use super::entry::{EntryError, EntryHeader, LeafHash};

/// One stored row as read back from a backend or an export file.
#[derive(Debug, Clone, Copy)]
pub struct StoredRow<'a> {
    /// Where the row claims to stand: the `position` column, or the line number of a file.
    pub position: u64,
    /// The entry's canonical bytes, exactly as stored.
    pub bytes: &'a [u8],
    /// The leaf hash stored beside the entry, where the store keeps one.
    pub stored_leaf_hash: Option<&'a [u8]>,
    /// The indexed columns stored beside the entry, where the store keeps them.
    pub columns: Option<RowColumns<'a>>,
}

/// The columns a backend keeps beside the entry bytes for lookups.
#[derive(Debug, Clone, Copy)]
pub struct RowColumns<'a> {
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    pub sequence: u64,
}

/// What was wrong at the first bad position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An entry is missing: the next stored row has a later position.
    Gap { found: u64 },
    /// The next stored row has an earlier position than expected.
    PositionOutOfOrder { found: u64 },
    /// The stored leaf hash is not the hash of the stored bytes.
    HashMismatch { stored: String, computed: String },
    /// The bytes are not an entry, or not canonical.
    Malformed(EntryError),
    /// The entry's own `position` differs from where it is stored.
    PositionMismatch { in_entry: u64 },
    /// The entry's `prev_hash` is not the hash of the entry before it.
    BrokenLink { prev_hash: String, expected: String },
    /// A column kept beside the entry differs from the entry.
    ColumnMismatch {
        column: &'static str,
        stored: String,
        in_entry: String,
    },
    /// An aggregate's sequence does not continue from its previous entry.
    SequenceOutOfOrder {
        aggregate: String,
        expected: u64,
        found: u64,
    },
    /// Fewer entries than the store's recorded head says there are.
    Truncated { recorded_size: u64 },
    /// More entries than the store's recorded head says there are.
    BeyondHead { recorded_size: u64 },
    /// The last entry's hash differs from the store's recorded head hash.
    HeadMismatch { recorded: String, computed: String },
}

impl Problem {
    /// A short stable name for the kind of problem.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Gap { .. } => "gap",
            Problem::PositionOutOfOrder { .. } => "position out of order",
            Problem::HashMismatch { .. } => "hash mismatch",
            Problem::Malformed(_) => "malformed entry",
            Problem::PositionMismatch { .. } => "position mismatch",
            Problem::BrokenLink { .. } => "broken link",
            Problem::ColumnMismatch { .. } => "column mismatch",
            Problem::SequenceOutOfOrder { .. } => "out-of-order sequence",
            Problem::Truncated { .. } => "truncated",
            Problem::BeyondHead { .. } => "beyond recorded head",
            Problem::HeadMismatch { .. } => "head mismatch",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind();
        match self {
            Problem::Gap { found } => {
                write!(f, "{kind}: the next stored entry is at position {found}")
            }
            Problem::PositionOutOfOrder { found } => {
                write!(f, "{kind}: the next stored entry is at position {found}")
            }
            Problem::HashMismatch { stored, computed } => {
                write!(
                    f,
                    "{kind}: stored leaf hash {stored}, bytes hash to {computed}"
                )
            }
            Problem::Malformed(e) => write!(f, "{kind}: {e}"),
            Problem::PositionMismatch { in_entry } => {
                write!(f, "{kind}: the entry says position {in_entry}")
            }
            Problem::BrokenLink {
                prev_hash,
                expected,
            } => write!(
                f,
                "{kind}: prev_hash is {prev_hash}, the previous entry hashes to {expected}"
            ),
            Problem::ColumnMismatch {
                column,
                stored,
                in_entry,
            } => write!(
                f,
                "{kind}: column {column} holds {stored:?}, the entry holds {in_entry:?}"
            ),
            Problem::SequenceOutOfOrder {
                aggregate,
                expected,
                found,
            } => write!(
                f,
                "{kind}: aggregate {aggregate} expected sequence {expected}, found {found}"
            ),
            Problem::Truncated { recorded_size } => write!(
                f,
                "{kind}: the recorded head says {recorded_size} entries, the log ends here"
            ),
            Problem::BeyondHead { recorded_size } => write!(
                f,
                "{kind}: the recorded head says {recorded_size} entries, more are stored"
            ),
            Problem::HeadMismatch { recorded, computed } => write!(
                f,
                "{kind}: the recorded head hash is {recorded}, the last entry hashes to {computed}"
            ),
        }
    }
}

/// The first problem found, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {problem}")]
pub struct VerifyError {
    pub position: u64,
    pub problem: Problem,
}

/// The result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The number of entries.
    pub size: u64,
    /// The leaf hash of the last entry ([`LeafHash::GENESIS`] for an empty log).
    pub head: LeafHash,
    /// The number of distinct aggregates seen.
    pub aggregates: usize,
}

/// The work on one row that does not depend on the rows before it: hashing and parsing.
#[derive(Debug)]
pub struct Prepared {
    leaf_hash: LeafHash,
    header: Result<EntryHeader, EntryError>,
}

impl Prepared {
    pub fn of(row: &StoredRow<'_>) -> Prepared {
        Prepared {
            leaf_hash: LeafHash::of_entry(row.bytes),
            header: EntryHeader::parse_canonical(row.bytes),
        }
    }

    /// The row's recomputed leaf hash.
    pub fn leaf_hash(&self) -> LeafHash {
        self.leaf_hash
    }

    /// The row's header, when the entry parsed (else [`ChainVerifier::push_prepared`] says why).
    pub fn header(&self) -> Option<&EntryHeader> {
        self.header.as_ref().ok()
    }
}

/// Verifies a log one entry at a time, in position order.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    next_position: u64,
    prev_hash: LeafHash,
    sequences: HashMap<(String, String), u64>,
    /// Whether verification started past position 0, so that an aggregate's first entry seen
    /// may continue a history not seen here.
    resumed: bool,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues verification at `next_position`, whose entry must link to `prev_hash` (the
    /// leaf hash of the entry before, established by the caller, e.g. by an inclusion proof
    /// against a trusted checkpoint). The first entry of each aggregate seen from there may have
    /// any sequence; the ones after it must follow on.
    pub fn resume(next_position: u64, prev_hash: LeafHash) -> Self {
        ChainVerifier {
            next_position,
            prev_hash,
            sequences: HashMap::new(),
            resumed: next_position > 0,
        }
    }

    /// Continues verification at `next_position` (linking to `prev_hash`), knowing every
    /// aggregate's last sequence below it: unlike [`ChainVerifier::resume`], the next entry of
    /// an aggregate must follow its last sequence exactly, and an aggregate not listed must start
    /// at 1. For a copy of the log that holds every entry below `next_position`.
    pub fn resume_with_sequences(
        next_position: u64,
        prev_hash: LeafHash,
        last_sequences: impl IntoIterator<Item = (String, String, u64)>,
    ) -> Self {
        ChainVerifier {
            next_position,
            prev_hash,
            sequences: last_sequences
                .into_iter()
                .map(|(t, i, last)| ((t, i), last))
                .collect(),
            resumed: false,
        }
    }

    /// Checks the next stored row, returning its recomputed leaf hash.
    ///
    /// # Errors
    /// The first problem found in this row, with the position where it stands.
    pub fn push(&mut self, row: StoredRow<'_>) -> Result<LeafHash, VerifyError> {
        let prepared = Prepared::of(&row);
        self.push_prepared(row, prepared)
    }

    /// As [`ChainVerifier::push`], with the row's independent work ([`Prepared::of`]) done
    /// beforehand, possibly on another thread.
    ///
    /// # Errors
    /// The first problem found in this row, with the position where it stands.
    pub fn push_prepared(
        &mut self,
        row: StoredRow<'_>,
        prepared: Prepared,
    ) -> Result<LeafHash, VerifyError> {
        let position = self.next_position;
        let fail = |problem| Err(VerifyError { position, problem });
        if row.position > position {
            return fail(Problem::Gap {
                found: row.position,
            });
        }
        if row.position < position {
            return fail(Problem::PositionOutOfOrder {
                found: row.position,
            });
        }
        let computed = prepared.leaf_hash;
        if let Some(stored) = row.stored_leaf_hash {
            let matches = LeafHash::from_slice(stored).is_ok_and(|s| s.ct_eq(&computed));
            if !matches {
                return fail(Problem::HashMismatch {
                    stored: hex::encode(stored),
                    computed: computed.to_hex(),
                });
            }
        }
        let entry = match prepared.header {
            Ok(entry) => entry,
            Err(e) => return fail(Problem::Malformed(e)),
        };
        if entry.position != position {
            return fail(Problem::PositionMismatch {
                in_entry: entry.position,
            });
        }
        if !entry.prev_hash.ct_eq(&self.prev_hash) {
            return fail(Problem::BrokenLink {
                prev_hash: entry.prev_hash.to_hex(),
                expected: self.prev_hash.to_hex(),
            });
        }
        if let Some(problem) = row
            .columns
            .and_then(|columns| column_mismatch(&columns, &entry))
        {
            return fail(problem);
        }
        // One lookup of the aggregate's last sequence, kept for the update.
        let slot = self
            .sequences
            .entry((entry.aggregate_type, entry.aggregate_id));
        let last = match &slot {
            Slot::Occupied(last) => *last.get(),
            Slot::Vacant(_) if self.resumed => entry.sequence.saturating_sub(1),
            Slot::Vacant(_) => 0,
        };
        if entry.sequence != last + 1 {
            let (aggregate_type, aggregate_id) = slot.key();
            return fail(Problem::SequenceOutOfOrder {
                aggregate: format!("{aggregate_type}/{aggregate_id}"),
                expected: last + 1,
                found: entry.sequence,
            });
        }
        match slot {
            Slot::Occupied(mut last) => *last.get_mut() = entry.sequence,
            Slot::Vacant(first) => {
                first.insert(entry.sequence);
            }
        }
        self.prev_hash = computed;
        self.next_position += 1;
        Ok(computed)
    }

    /// The number of entries checked so far.
    pub fn size(&self) -> u64 {
        self.next_position
    }

    /// Ends verification, comparing with the head the store recorded, if any.
    ///
    /// # Errors
    /// When the log is shorter or longer than the recorded head, or ends on another hash.
    pub fn finish(
        self,
        recorded_head: Option<(u64, LeafHash)>,
    ) -> Result<VerifiedChain, VerifyError> {
        let size = self.next_position;
        if let Some((recorded_size, recorded_hash)) = recorded_head {
            if recorded_size > size {
                return Err(VerifyError {
                    position: size,
                    problem: Problem::Truncated { recorded_size },
                });
            }
            if recorded_size < size {
                return Err(VerifyError {
                    position: recorded_size,
                    problem: Problem::BeyondHead { recorded_size },
                });
            }
            if !recorded_hash.ct_eq(&self.prev_hash) {
                return Err(VerifyError {
                    position: size.saturating_sub(1),
                    problem: Problem::HeadMismatch {
                        recorded: recorded_hash.to_hex(),
                        computed: self.prev_hash.to_hex(),
                    },
                });
            }
        }
        Ok(VerifiedChain {
            size,
            head: self.prev_hash,
            aggregates: self.sequences.len(),
        })
    }
}

fn column_mismatch(columns: &RowColumns<'_>, entry: &EntryHeader) -> Option<Problem> {
    let mismatch = |column, stored: String, in_entry: String| {
        Some(Problem::ColumnMismatch {
            column,
            stored,
            in_entry,
        })
    };
    if columns.aggregate_type != entry.aggregate_type {
        return mismatch(
            "aggregate_type",
            columns.aggregate_type.into(),
            entry.aggregate_type.clone(),
        );
    }
    if columns.aggregate_id != entry.aggregate_id {
        return mismatch(
            "aggregate_id",
            columns.aggregate_id.into(),
            entry.aggregate_id.clone(),
        );
    }
    if columns.sequence != entry.sequence {
        return mismatch(
            "sequence",
            columns.sequence.to_string(),
            entry.sequence.to_string(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Entry, RecordedAt};
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    /// A valid chain of `n` entries over two aggregates, as (bytes, leaf hash) pairs.
    fn chain(n: u64) -> Vec<(Vec<u8>, LeafHash)> {
        let mut prev = LeafHash::GENESIS;
        let mut sequences = [0u64; 2];
        (0..n)
            .map(|position| {
                let which = (position % 2) as usize;
                sequences[which] += 1;
                let entry = Entry {
                    position,
                    aggregate_type: "Cooperative".into(),
                    aggregate_id: format!("570010000{which}"),
                    sequence: sequences[which],
                    event_type: "AnnualInformationFiled".into(),
                    event_version: "1".into(),
                    payload: json!({"members": position, "ghi_chú": "Báo cáo năm"}),
                    metadata: json!({"actor": {"user_id": "u", "role": "clerk"}}),
                    recorded_at: RecordedAt::new(
                        Utc.timestamp_opt(1_500_000_000 + position as i64, 0)
                            .unwrap(),
                    ),
                    prev_hash: prev,
                };
                let bytes = entry.canonical_bytes().unwrap();
                prev = LeafHash::of_entry(&bytes);
                (bytes, prev)
            })
            .collect()
    }

    fn run(
        rows: &[(u64, Vec<u8>, LeafHash)],
        head: Option<(u64, LeafHash)>,
    ) -> Result<VerifiedChain, VerifyError> {
        let mut verifier = ChainVerifier::new();
        for (position, bytes, hash) in rows {
            verifier.push(StoredRow {
                position: *position,
                bytes,
                stored_leaf_hash: Some(hash.as_bytes()),
                columns: None,
            })?;
        }
        verifier.finish(head)
    }

    fn rows(chain: &[(Vec<u8>, LeafHash)]) -> Vec<(u64, Vec<u8>, LeafHash)> {
        chain
            .iter()
            .enumerate()
            .map(|(i, (b, h))| (i as u64, b.clone(), *h))
            .collect()
    }

    #[track_caller]
    fn check(
        rows: &[(u64, Vec<u8>, LeafHash)],
        head: Option<(u64, LeafHash)>,
        position: u64,
        kind: &str,
    ) {
        let err = run(rows, head).expect_err("tampering must be detected");
        assert_eq!(
            (err.position, err.problem.kind()),
            (position, kind),
            "{err}"
        );
    }

    #[test]
    fn an_intact_chain_verifies_with_its_head() {
        let chain = chain(6);
        let head = chain.last().unwrap().1;
        let verified = run(&rows(&chain), Some((6, head))).unwrap();
        assert_eq!(
            verified,
            VerifiedChain {
                size: 6,
                head,
                aggregates: 2
            }
        );
    }

    #[test]
    fn an_empty_log_verifies() {
        assert_eq!(run(&[], Some((0, LeafHash::GENESIS))).unwrap().size, 0);
    }

    #[test]
    fn a_changed_byte_is_a_hash_mismatch() {
        let mut rows = rows(&chain(6));
        let text = String::from_utf8(rows[3].1.clone())
            .unwrap()
            .replace("Báo cáo", "Báo cáO");
        rows[3].1 = text.into_bytes();
        check(&rows, None, 3, "hash mismatch");
    }

    #[test]
    fn a_recomputed_hash_is_caught_by_the_next_link() {
        let mut rows = rows(&chain(6));
        let text = String::from_utf8(rows[3].1.clone())
            .unwrap()
            .replace("\"members\":3", "\"members\":9");
        rows[3].1 = text.into_bytes();
        rows[3].2 = LeafHash::of_entry(&rows[3].1);
        check(&rows, None, 4, "broken link");
    }

    #[test]
    fn a_recomputed_last_hash_is_caught_by_the_head() {
        let chain = chain(6);
        let head = chain.last().unwrap().1;
        let mut rows = rows(&chain);
        let text = String::from_utf8(rows[5].1.clone())
            .unwrap()
            .replace("\"members\":5", "\"members\":8");
        rows[5].1 = text.into_bytes();
        rows[5].2 = LeafHash::of_entry(&rows[5].1);
        check(&rows, Some((6, head)), 5, "head mismatch");
    }

    #[test]
    fn a_deleted_entry_is_a_gap() {
        let mut rows = rows(&chain(6));
        rows.remove(2);
        check(&rows, None, 2, "gap");
    }

    #[test]
    fn swapped_entries_are_caught_where_the_first_stands() {
        let mut rows = rows(&chain(6));
        let (a, b) = (rows[2].1.clone(), rows[3].1.clone());
        let (ha, hb) = (rows[2].2, rows[3].2);
        rows[2].1 = b;
        rows[2].2 = hb;
        rows[3].1 = a;
        rows[3].2 = ha;
        check(&rows, None, 2, "position mismatch");
    }

    #[test]
    fn a_truncated_tail_is_caught_by_the_head() {
        let chain = chain(6);
        let head = chain.last().unwrap().1;
        let rows = rows(&chain[..4]);
        check(&rows, Some((6, head)), 4, "truncated");
    }

    #[test]
    fn malformed_bytes_with_a_matching_hash_are_reported() {
        let mut rows = rows(&chain(3));
        rows[1].1 = b"{not json".to_vec();
        rows[1].2 = LeafHash::of_entry(&rows[1].1);
        check(&rows, None, 1, "malformed entry");
    }

    #[test]
    fn a_sequence_that_skips_is_reported() {
        let mut chain = chain(4);
        // Rebuild entry 2 with a sequence that skips one, and re-link the rest of the chain.
        let mut entry = Entry::parse_canonical(&chain[2].0).unwrap();
        entry.sequence += 1;
        chain[2].0 = entry.canonical_bytes().unwrap();
        chain[2].1 = LeafHash::of_entry(&chain[2].0);
        check(&rows(&chain), None, 2, "out-of-order sequence");
    }

    #[test]
    fn columns_must_agree_with_the_entry() {
        let chain = chain(2);
        let mut verifier = ChainVerifier::new();
        let err = verifier
            .push(StoredRow {
                position: 0,
                bytes: &chain[0].0,
                stored_leaf_hash: None,
                columns: Some(RowColumns {
                    aggregate_type: "Cooperative",
                    aggregate_id: "other",
                    sequence: 1,
                }),
            })
            .unwrap_err();
        assert_eq!(err.problem.kind(), "column mismatch");
    }
}
