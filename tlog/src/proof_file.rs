//! C2SP tlog-proof files (`c2sp.org/tlog-proof@v1`, extension `.tlog-proof`): one entry's
//! offline proof of inclusion, which an inspector checks with the log's verifier key alone.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>          (optional, unauthenticated)
//! index <decimal leaf index>
//! <base64 proof hash, leaf's sibling first>
//! ...
//!
//! <the signed checkpoint note, verbatim>
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::Hash;
use crate::merkle::{self, ProofError};
use crate::note::{self, Checkpoint, CheckpointError, NoteError, VerifiedCheckpoint, VerifierKey};

/// The first line of every proof file.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The file extension proof files should be stored with (without the dot).
pub const FILE_EXTENSION: &str = "tlog-proof";

/// An inclusion proof in a tree of at most 2^64 leaves has at most 64 hashes.
pub const MAX_PROOF_HASHES: usize = 64;

/// A parsed tlog-proof file. Parsing checks its form; [`ProofFile::verify_entry`] checks what
/// it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofFile {
    /// The zero-based index of the entry in the log.
    pub index: u64,
    /// Opaque application data, NOT authenticated by anything in the file.
    pub extra: Option<Vec<u8>>,
    /// The RFC 6962 inclusion proof, from the leaf's sibling up to the root's child.
    pub proof: Vec<Hash>,
    /// The log's signed checkpoint note, verbatim (cosignatures included).
    pub checkpoint_note: String,
}

/// What a verified proof file shows: the entry with this leaf hash is at `index` in the tree
/// the trusted keys signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// The entry's index in the log.
    pub index: u64,
    /// The RFC 6962 leaf hash that was proven.
    pub leaf_hash: Hash,
    /// The checkpoint the proof leads to, and the keys that signed it.
    pub checkpoint: VerifiedCheckpoint,
}

impl ProofFile {
    /// The file text.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(
            HEADER.len() + 32 + self.proof.len() * 45 + self.checkpoint_note.len(),
        );
        text.push_str(HEADER);
        text.push('\n');
        if let Some(extra) = &self.extra {
            text.push_str("extra ");
            text.push_str(&STANDARD.encode(extra));
            text.push('\n');
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            text.push_str(&hash.to_base64());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint_note);
        text
    }

    /// Parses a proof file strictly: the header line, an optional `extra` line, the `index`
    /// line (decimal, no leading zeros), at most [`MAX_PROOF_HASHES`] hash lines (padded
    /// standard base64 of 32 bytes), a blank line, then a checkpoint note that is well formed
    /// (its signatures are checked by [`ProofFile::verify_entry`], not here).
    ///
    /// # Errors
    /// [`ProofFileError`] naming the line that is wrong.
    pub fn parse(text: &str) -> Result<Self, ProofFileError> {
        if let Some(offset) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(ProofFileError::ControlCharacter { offset });
        }
        let mut lines = Lines {
            rest: text,
            number: 0,
        };
        let (_, header) = lines.next_line()?;
        if header != HEADER {
            return Err(ProofFileError::WrongHeader(header.to_owned()));
        }

        let (mut number, mut line) = lines.next_line()?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                STANDARD
                    .decode(b64)
                    .map_err(|e| ProofFileError::InvalidExtra(e.to_string()))?,
            );
            (number, line) = lines.next_line()?;
        }

        let index = line
            .strip_prefix("index ")
            .and_then(note::parse_decimal)
            .ok_or_else(|| ProofFileError::InvalidIndex {
                line: number,
                text: line.to_owned(),
            })?;

        let mut proof = Vec::new();
        loop {
            let (number, line) = lines.next_line()?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(ProofFileError::TooManyHashes {
                    max: MAX_PROOF_HASHES,
                });
            }
            let hash = Hash::parse_base64(line).map_err(|e| ProofFileError::InvalidHash {
                line: number,
                reason: e.to_string(),
            })?;
            proof.push(hash);
        }

        let checkpoint_note = lines.rest;
        let (checkpoint_text, _) =
            note::split(checkpoint_note).map_err(ProofFileError::MalformedNote)?;
        Checkpoint::parse(checkpoint_text).map_err(ProofFileError::MalformedCheckpoint)?;

        Ok(ProofFile {
            index,
            extra,
            proof,
            checkpoint_note: checkpoint_note.to_owned(),
        })
    }

    /// Checks that the log entry whose bytes are `entry` is at `self.index` in the tree the
    /// checkpoint states, and that a key of `keys` signed the checkpoint (for `origin`, if
    /// given). The leaf hash is SHA-256(0x00 || entry).
    ///
    /// # Errors
    /// [`ProofFileError`] naming the check that failed.
    pub fn verify_entry(
        &self,
        entry: &[u8],
        keys: &[VerifierKey],
        origin: Option<&str>,
    ) -> Result<VerifiedProof, ProofFileError> {
        self.verify_leaf_hash(&merkle::leaf_hash(entry), keys, origin)
    }

    /// As [`ProofFile::verify_entry`], for an entry known by its RFC 6962 leaf hash.
    ///
    /// # Errors
    /// [`ProofFileError`] naming the check that failed.
    pub fn verify_leaf_hash(
        &self,
        leaf_hash: &Hash,
        keys: &[VerifierKey],
        origin: Option<&str>,
    ) -> Result<VerifiedProof, ProofFileError> {
        let checkpoint = note::open_checkpoint(&self.checkpoint_note, keys, origin)?;
        merkle::verify_inclusion(
            leaf_hash,
            self.index,
            checkpoint.checkpoint.size,
            &self.proof,
            &checkpoint.checkpoint.root,
        )?;
        Ok(VerifiedProof {
            index: self.index,
            leaf_hash: *leaf_hash,
            checkpoint,
        })
    }
}

/// Reads a text line by line, counting lines from 1.
struct Lines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> Lines<'a> {
    /// The next newline-terminated line and its number.
    fn next_line(&mut self) -> Result<(usize, &'a str), ProofFileError> {
        self.number += 1;
        let (line, after) = self
            .rest
            .split_once('\n')
            .ok_or(ProofFileError::Truncated { line: self.number })?;
        self.rest = after;
        Ok((self.number, line))
    }
}

/// Why a proof file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFileError {
    #[error("the proof file holds a control character other than newline at byte {offset}")]
    ControlCharacter { offset: usize },
    #[error("the proof file ends at line {line}, before its checkpoint")]
    Truncated { line: usize },
    #[error("the first line is {0:?}, not c2sp.org/tlog-proof@v1")]
    WrongHeader(String),
    #[error("the extra line is not standard padded base64: {0}")]
    InvalidExtra(String),
    #[error("line {line} is {text:?}, not \"index\" and a decimal index without leading zeros")]
    InvalidIndex { line: usize, text: String },
    #[error("proof line {line} is not the base64 of a 32-byte hash: {reason}")]
    InvalidHash { line: usize, reason: String },
    #[error("the proof has more than {max} hashes")]
    TooManyHashes { max: usize },
    #[error("the checkpoint after the proof is not a signed note: {0}")]
    MalformedNote(NoteError),
    #[error("the checkpoint after the proof is malformed: {0}")]
    MalformedCheckpoint(CheckpointError),
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(#[from] NoteError),
    #[error("the inclusion proof does not verify: {0}")]
    Inclusion(#[from] ProofError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A malformed input and a test of the error it must give.
    type Case<E> = (String, fn(&E) -> bool);

    const VECTORS: &str = include_str!("../../../shared/vectors/rfc6962-merkle.json");

    struct Example {
        v: serde_json::Value,
    }

    impl Example {
        fn new() -> Self {
            let all: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
            Example {
                v: all["self_generated_checkpoint_example"].clone(),
            }
        }
        fn get(&self, key: &str) -> &str {
            self.v[key].as_str().unwrap()
        }
        fn text(&self) -> &str {
            self.get("tlog_proof_leaf_index_5")
        }
        fn entry(&self) -> Vec<u8> {
            hex::decode(self.get("tlog_proof_leaf_hex")).unwrap()
        }
        fn keys(&self) -> Vec<VerifierKey> {
            vec![VerifierKey::parse(self.get("log_vkey")).unwrap()]
        }
        fn file(&self) -> ProofFile {
            ProofFile::parse(self.text()).unwrap()
        }
    }

    const ORIGIN: &str = "example.com/audit-ledger-test";

    #[test]
    fn vector_parses_and_round_trips() {
        let ex = Example::new();
        let file = ex.file();
        assert_eq!(file.index, 5);
        assert_eq!(file.extra, None);
        assert_eq!(file.proof.len(), 3);
        assert_eq!(
            file.proof[0].to_base64(),
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="
        );
        assert_eq!(file.checkpoint_note, ex.get("checkpoint_with_cosignature"));
        assert_eq!(file.to_text(), ex.text());
    }

    #[test]
    fn vector_verifies() {
        let ex = Example::new();
        let file = ex.file();
        let verified = file
            .verify_entry(&ex.entry(), &ex.keys(), Some(ORIGIN))
            .unwrap();
        assert_eq!(verified.index, 5);
        assert_eq!(
            verified.leaf_hash.to_hex(),
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"
        );
        assert_eq!(verified.checkpoint.checkpoint.size, 8);
        assert_eq!(verified.checkpoint.note.verified_by, ex.keys());
        assert_eq!(
            verified.checkpoint.note.unverified.len(),
            1,
            "the cosignature"
        );
        assert_eq!(
            file.verify_leaf_hash(&verified.leaf_hash, &ex.keys(), None),
            Ok(verified)
        );
    }

    #[test]
    fn extra_line_round_trips() {
        let ex = Example::new();
        let mut file = ex.file();
        file.extra = Some(b"age-v1.2.1-darwin-arm64.tar.gz".to_vec());
        let text = file.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra YWdlLXYx"));
        assert_eq!(ProofFile::parse(&text).unwrap(), file);
        // The extra data is not authenticated: it does not change verification.
        assert!(file.verify_entry(&ex.entry(), &ex.keys(), None).is_ok());
        file.extra = Some(Vec::new());
        assert_eq!(ProofFile::parse(&file.to_text()).unwrap(), file);
    }

    #[test]
    fn each_flipped_proof_hash_fails() {
        let ex = Example::new();
        for i in 0..3 {
            for bit in [0, 7, 255] {
                let mut file = ex.file();
                file.proof[i].0[bit / 8] ^= 1 << (bit % 8);
                let reparsed = ProofFile::parse(&file.to_text()).unwrap();
                assert_eq!(
                    reparsed.verify_entry(&ex.entry(), &ex.keys(), None),
                    Err(ProofFileError::Inclusion(ProofError::RootMismatch)),
                    "hash {i} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn wrong_index_fails() {
        let ex = Example::new();
        for index in [0, 4, 6, 7] {
            let text = ex.text().replacen("index 5", &format!("index {index}"), 1);
            let file = ProofFile::parse(&text).unwrap();
            assert!(
                matches!(
                    file.verify_entry(&ex.entry(), &ex.keys(), None),
                    Err(ProofFileError::Inclusion(_))
                ),
                "index {index}"
            );
        }
        let mut file = ex.file();
        file.index = 8;
        assert_eq!(
            file.verify_entry(&ex.entry(), &ex.keys(), None),
            Err(ProofFileError::Inclusion(ProofError::IndexOutOfRange {
                index: 8,
                size: 8
            }))
        );
    }

    #[test]
    fn changed_entry_fails() {
        let ex = Example::new();
        let file = ex.file();
        let entry = ex.entry();
        let mut changed = entry.clone();
        changed[0] ^= 1;
        let mut longer = entry.clone();
        longer.push(0);
        for bad in [changed, longer, entry[..3].to_vec(), Vec::new()] {
            assert_eq!(
                file.verify_entry(&bad, &ex.keys(), None),
                Err(ProofFileError::Inclusion(ProofError::RootMismatch))
            );
        }
        // The leaf hash is not the entry: passing it as entry bytes fails too.
        let leaf = merkle::leaf_hash(&entry);
        assert!(file.verify_entry(&leaf.0, &ex.keys(), None).is_err());
    }

    #[test]
    fn truncated_empty_or_padded_proof_fails() {
        let ex = Example::new();
        for keep in 0..3 {
            let mut file = ex.file();
            file.proof.truncate(keep);
            let reparsed = ProofFile::parse(&file.to_text()).unwrap();
            assert_eq!(
                reparsed.verify_entry(&ex.entry(), &ex.keys(), None),
                Err(ProofFileError::Inclusion(ProofError::WrongLength {
                    expected: 3,
                    found: keep
                }))
            );
        }
        let mut file = ex.file();
        file.proof.push(file.proof[0]);
        assert!(matches!(
            file.verify_entry(&ex.entry(), &ex.keys(), None),
            Err(ProofFileError::Inclusion(ProofError::WrongLength { .. }))
        ));
    }

    #[test]
    fn altered_checkpoint_fails() {
        let ex = Example::new();
        let text = ex.text();
        let cases = [
            text.replacen("\n8\n", "\n9\n", 1),
            text.replacen(
                "\nexample.com/audit-ledger-test\n",
                "\nexample.com/other\n",
                1,
            ),
            text.replacen("Xcnaeac", "Xcnaeab", 1),
        ];
        for bad in cases {
            let file = ProofFile::parse(&bad).unwrap();
            let err = file
                .verify_entry(&ex.entry(), &ex.keys(), None)
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    ProofFileError::Checkpoint(NoteError::BadSignature { .. })
                ),
                "{err}"
            );
        }
        let file = ex.file();
        assert!(matches!(
            file.verify_entry(&ex.entry(), &ex.keys(), Some("example.com/other")),
            Err(ProofFileError::Checkpoint(NoteError::OriginMismatch { .. }))
        ));
    }

    #[test]
    fn unknown_key_only_fails() {
        let ex = Example::new();
        let file = ex.file();
        let stranger = note::SigningKey::from_seed(ORIGIN, &[9; 32])
            .unwrap()
            .verifier_key();
        assert!(matches!(
            file.verify_entry(&ex.entry(), &[stranger], None),
            Err(ProofFileError::Checkpoint(
                NoteError::NoKnownSignature { .. }
            ))
        ));
        assert!(matches!(
            file.verify_entry(&ex.entry(), &[], None),
            Err(ProofFileError::Checkpoint(
                NoteError::NoKnownSignature { .. }
            ))
        ));
        // A checkpoint re-signed by a stranger, with a proof that fits it, is still refused.
        let key = note::SigningKey::from_seed(ORIGIN, &[9; 32]).unwrap();
        let cp = Checkpoint::parse(ex.get("checkpoint_note_text")).unwrap();
        let mut forged = ex.file();
        forged.checkpoint_note = cp.sign(&[&key]).unwrap();
        assert!(matches!(
            forged.verify_entry(&ex.entry(), &ex.keys(), None),
            Err(ProofFileError::Checkpoint(
                NoteError::NoKnownSignature { .. }
            ))
        ));
        assert!(
            forged
                .verify_entry(&ex.entry(), &[key.verifier_key()], None)
                .is_ok()
        );
    }

    #[test]
    fn size_one_tree_has_empty_proof() {
        let key = note::SigningKey::from_seed(ORIGIN, &[1; 32]).unwrap();
        let entry = b"only entry";
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size: 1,
            root: merkle::leaf_hash(entry),
            extensions: vec![],
        };
        let file = ProofFile {
            index: 0,
            extra: None,
            proof: vec![],
            checkpoint_note: cp.sign(&[&key]).unwrap(),
        };
        let text = file.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\nexample.com/"));
        let parsed = ProofFile::parse(&text).unwrap();
        assert_eq!(parsed, file);
        assert!(
            parsed
                .verify_entry(entry, &[key.verifier_key()], Some(ORIGIN))
                .is_ok()
        );
    }

    #[test]
    fn parse_is_strict() {
        let ex = Example::new();
        let text = ex.text();
        let (head, checkpoint) = text.split_once("\n\n").unwrap();
        let h0 = "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=";
        let cases: Vec<Case<ProofFileError>> = vec![
            (text.replacen("@v1", "@v2", 1), |e| {
                matches!(e, ProofFileError::WrongHeader(_))
            }),
            (format!("\n{text}"), |e| {
                matches!(e, ProofFileError::WrongHeader(_))
            }),
            (text.replacen("index 5", "index 05", 1), |e| {
                matches!(e, ProofFileError::InvalidIndex { line: 2, .. })
            }),
            (text.replacen("index 5", "index  5", 1), |e| {
                matches!(e, ProofFileError::InvalidIndex { .. })
            }),
            (text.replacen("index 5", "index -5", 1), |e| {
                matches!(e, ProofFileError::InvalidIndex { .. })
            }),
            (text.replacen("index 5", "index", 1), |e| {
                matches!(e, ProofFileError::InvalidIndex { .. })
            }),
            (text.replacen("index 5", "Index 5", 1), |e| {
                matches!(e, ProofFileError::InvalidIndex { .. })
            }),
            (text.replacen("index 5\n", "", 1), |e| {
                matches!(e, ProofFileError::InvalidIndex { .. })
            }),
            (
                text.replacen("index 5", "index 18446744073709551616", 1),
                |e| matches!(e, ProofFileError::InvalidIndex { .. }),
            ),
            (text.replacen("@v1\n", "@v1\nextra !!\n", 1), |e| {
                matches!(e, ProofFileError::InvalidExtra(_))
            }),
            (text.replacen("@v1\n", "@v1\nextra AA\n", 1), |e| {
                matches!(e, ProofFileError::InvalidExtra(_))
            }),
            (
                text.replacen("@v1\n", "@v1\nextra AA==\nextra AA==\n", 1),
                |e| matches!(e, ProofFileError::InvalidIndex { line: 3, .. }),
            ),
            (text.replacen(h0, &h0[..43], 1), |e| {
                matches!(e, ProofFileError::InvalidHash { line: 3, .. })
            }),
            (text.replacen(h0, &format!("{h0} "), 1), |e| {
                matches!(e, ProofFileError::InvalidHash { line: 3, .. })
            }),
            (text.replacen(h0, "AAAA", 1), |e| {
                matches!(e, ProofFileError::InvalidHash { line: 3, .. })
            }),
            // a duplicated proof line is still a valid hash line: caught by verification
            // (see below), not here.
            (format!("{head}\n"), |e| {
                matches!(e, ProofFileError::Truncated { .. })
            }),
            (head.to_owned(), |e| {
                matches!(e, ProofFileError::Truncated { .. })
            }),
            (format!("{head}\n\n"), |e| {
                matches!(e, ProofFileError::MalformedNote(_))
            }),
            (
                format!("{head}\n\n{}", &checkpoint[..checkpoint.len() - 1]),
                |e| matches!(e, ProofFileError::MalformedNote(_)),
            ),
            (
                format!(
                    "{head}\n\nhello\n\n{}",
                    checkpoint.split_once("\n\n").unwrap().1
                ),
                |e| matches!(e, ProofFileError::MalformedCheckpoint(_)),
            ),
            (format!("{head}\n\n\n{checkpoint}"), |e| {
                matches!(e, ProofFileError::MalformedCheckpoint(_))
            }),
            (format!("{text}garbage\n"), |e| {
                matches!(e, ProofFileError::MalformedNote(_))
            }),
            (text.replacen('\n', "\r\n", 1), |e| {
                matches!(e, ProofFileError::ControlCharacter { .. })
            }),
            (String::new(), |e| {
                matches!(e, ProofFileError::Truncated { line: 1 })
            }),
        ];
        for (bad, expected) in cases {
            let err = ProofFile::parse(&bad).expect_err(&bad);
            assert!(expected(&err), "{bad:?}: {err:?}");
        }

        // A duplicated proof line parses but does not verify.
        let dup = text.replacen(h0, &format!("{h0}\n{h0}"), 1);
        let file = ProofFile::parse(&dup).unwrap();
        assert!(file.verify_entry(&ex.entry(), &ex.keys(), None).is_err());

        let too_many = format!(
            "{HEADER}\nindex 0\n{}\n{checkpoint}",
            format!("{h0}\n").repeat(MAX_PROOF_HASHES + 1)
        );
        assert_eq!(
            ProofFile::parse(&too_many),
            Err(ProofFileError::TooManyHashes {
                max: MAX_PROOF_HASHES
            })
        );
    }
}
