//! C2SP tlog-witness, the part that is computation: the `add-checkpoint` request body, and
//! the checks a witness makes before it cosigns, each answered with the spec's status code.
//!
//! ```text
//! old <size>\n
//! <base64 consistency proof hash>\n   (0 to 63 lines)
//! \n
//! <signed checkpoint note>
//! ```
//!
//! The witness service (the `witness` crate) keeps the state, compares and stores it
//! atomically, and signs; this module decides.

use thiserror::Error;

use crate::Hash;
use crate::merkle::{self, ProofError};
use crate::note::{self, Checkpoint, NoteError, VerifierKey};

/// The most consistency proof lines a client may send.
pub const MAX_PROOF_LINES: usize = 63;

/// The content type of a 409 answer's body: the witness's latest size and a newline.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// An `add-checkpoint` request: the size the client believes the witness holds, the
/// consistency proof from it, and the signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent.
    pub note: String,
}

/// Why a body is not an `add-checkpoint` request (answered 400).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BodyError {
    #[error("the body is not UTF-8")]
    NotUtf8,
    #[error("the first line is not `old <size>` with a decimal size without leading zeros")]
    OldSizeLine,
    #[error("consistency proof line {line} is not the base64 of a 32-byte hash")]
    ProofLine { line: usize },
    #[error("more than {MAX_PROOF_LINES} consistency proof lines")]
    TooManyProofLines,
    #[error("no empty line ends the consistency proof")]
    NoEmptyLine,
}

impl AddCheckpoint {
    /// Reads a request body.
    ///
    /// # Errors
    /// [`BodyError`] for each way the body departs from the spec's form.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, BodyError> {
        let text = std::str::from_utf8(body).map_err(|_| BodyError::NotUtf8)?;
        let (first, mut rest) = text.split_once('\n').ok_or(BodyError::OldSizeLine)?;
        let old_size = first
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or(BodyError::OldSizeLine)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(BodyError::NoEmptyLine)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(BodyError::TooManyProofLines);
            }
            let hash = Hash::parse_base64(line).map_err(|_| BodyError::ProofLine {
                line: proof.len() + 2,
            })?;
            proof.push(hash);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: rest.to_owned(),
        })
    }

    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&hash.to_base64());
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }
}

/// A decimal without leading zeros (`0` alone is zero), as the spec writes sizes.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// What a witness holds for one log: the latest checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    pub size: u64,
    pub root: Hash,
}

/// Why a witness does not cosign, with the spec's status code ([`Refusal::status`]).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the body is malformed, or the old size is above the checkpoint's.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404: the witness does not witness this origin.
    #[error("this witness does not witness the log {0:?}")]
    UnknownLog(String),
    /// 403: no valid signature of a trusted key for the origin.
    #[error("not signed by the log: {0}")]
    NotSigned(String),
    /// 409: the old size is not the size the witness holds.
    #[error("the witness holds size {latest}, not {old}")]
    Conflict { old: u64, latest: u64 },
    /// 422: signed by the log, but not consistent with what the witness holds: evidence.
    #[error("inconsistent: {0}")]
    Inconsistent(String),
}

impl Refusal {
    /// The HTTP status code the spec gives this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::NotSigned(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict { .. } => 409,
            Refusal::Inconsistent(_) => 422,
        }
    }

    /// Whether the request carried a valid log signature, so that keeping it proves
    /// something about the log (the spec lets a witness log such requests).
    pub fn is_evidence(&self) -> bool {
        matches!(self, Refusal::Inconsistent(_))
    }
}

/// The origin a note's checkpoint names, read before any key is chosen (404 needs it).
///
/// # Errors
/// [`Refusal::BadRequest`] when the note or its checkpoint text is malformed.
pub fn origin_of(note_text: &str) -> Result<String, Refusal> {
    let (text, _) = note::split(note_text).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    let checkpoint = Checkpoint::parse(text).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    Ok(checkpoint.origin)
}

/// Checks an `add-checkpoint` request against the log's trusted keys and what the witness
/// holds for it (`None`: it never cosigned this log), in the spec's order, and gives the
/// checkpoint to cosign and store.
///
/// # Errors
/// The [`Refusal`] with the spec's status code; nothing must be stored then.
pub fn check(
    request: &AddCheckpoint,
    log_keys: &[VerifierKey],
    latest: Option<&Latest>,
) -> Result<Checkpoint, Refusal> {
    let origin = origin_of(&request.note)?;
    if log_keys.is_empty() {
        return Err(Refusal::UnknownLog(origin));
    }
    let opened =
        note::open_checkpoint(&request.note, log_keys, Some(&origin)).map_err(|e| match e {
            // The note's form was read by `origin_of`: what is left is who signed it.
            NoteError::Checkpoint(_) => Refusal::BadRequest(e.to_string()),
            other => Refusal::NotSigned(other.to_string()),
        })?;
    let checkpoint = opened.checkpoint;
    if request.old_size > checkpoint.size {
        return Err(Refusal::BadRequest(format!(
            "the old size {} is above the checkpoint's size {}",
            request.old_size, checkpoint.size
        )));
    }
    let held = latest.map_or(0, |l| l.size);
    if request.old_size != held {
        return Err(Refusal::Conflict {
            old: request.old_size,
            latest: held,
        });
    }
    if checkpoint.size == 0 && checkpoint.root != merkle::empty_root() {
        return Err(Refusal::Inconsistent(
            "a checkpoint of size 0 must have the empty tree's root".into(),
        ));
    }
    if request.old_size == 0 {
        if !request.proof.is_empty() {
            return Err(Refusal::Inconsistent(
                "a proof from size 0 must be empty".into(),
            ));
        }
        return Ok(checkpoint);
    }
    let held_root = latest.map_or_else(merkle::empty_root, |l| l.root);
    merkle::verify_consistency(
        request.old_size,
        checkpoint.size,
        &request.proof,
        &held_root,
        &checkpoint.root,
    )
    .map_err(|e: ProofError| {
        Refusal::Inconsistent(format!(
            "the checkpoint of size {} does not extend the cosigned one of size {}: {e}",
            checkpoint.size, request.old_size
        ))
    })?;
    Ok(checkpoint)
}

/// The note a witness keeps and serves for monitors: the checkpoint text, the signatures of
/// the log keys it verified (other lines of the request are dropped), and its own
/// cosignature line.
///
/// # Errors
/// When `note_text` is not a signed note.
pub fn witnessed_note(
    note_text: &str,
    log_keys: &[VerifierKey],
    cosignature_line: &str,
) -> Result<String, NoteError> {
    let (text, signatures) = note::split(note_text)?;
    let mut kept = format!("{text}\n");
    for signature in signatures {
        if log_keys
            .iter()
            .any(|k| k.name() == signature.name && k.key_id() == signature.key_id)
        {
            kept.push_str(&signature.to_line());
            kept.push('\n');
        }
    }
    kept.push_str(cosignature_line);
    kept.push('\n');
    Ok(kept)
}

/// The hex SHA-256 of an origin: the path segment of the monitoring `GET`.
pub fn origin_hash(origin: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(origin.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::Frontier;
    use crate::note::SigningKey;

    const ORIGIN: &str = "example.org/htx-ledger-test";

    fn log() -> SigningKey {
        SigningKey::from_seed(ORIGIN, &[1; 32]).unwrap()
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect()
    }

    fn root(leaves: &[Hash]) -> Hash {
        let mut frontier = Frontier::new();
        for leaf in leaves {
            frontier.push(*leaf, |_, _| {});
        }
        frontier.root()
    }

    fn signed(size: u64, root: Hash, key: &SigningKey) -> String {
        Checkpoint {
            origin: ORIGIN.into(),
            size,
            root,
            extensions: Vec::new(),
        }
        .sign(&[key])
        .unwrap()
    }

    fn consistency(first: u64, second: u64, all: &[Hash]) -> Vec<Hash> {
        let plan = merkle::consistency_plan(first, second).unwrap();
        let stored = merkle::subtrees_of(all);
        plan.resolve(&stored).unwrap()
    }

    #[test]
    fn the_specs_example_body_reads_and_writes_back() {
        let body = "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        let request = AddCheckpoint::parse(body.as_bytes()).unwrap();
        assert_eq!(request.old_size, 20_852_014);
        assert_eq!(request.proof.len(), 4);
        assert!(
            request
                .note
                .starts_with("example.com/behind-the-sofa\n20852163\n")
        );
        assert_eq!(request.to_body(), body);
        assert_eq!(
            origin_of(&request.note).unwrap(),
            "example.com/behind-the-sofa"
        );
    }

    #[test]
    fn every_malformed_body_is_a_400() {
        let note_text = signed(1, root(&leaves(1)), &log());
        let hash = leaves(1)[0].to_base64();
        let long: String = std::iter::repeat_n(format!("{hash}\n"), MAX_PROOF_LINES + 1).collect();
        let exactly: String = std::iter::repeat_n(format!("{hash}\n"), MAX_PROOF_LINES).collect();
        let cases: Vec<(Vec<u8>, BodyError)> = vec![
            (b"\xff\xfe".to_vec(), BodyError::NotUtf8),
            (b"".to_vec(), BodyError::OldSizeLine),
            (
                format!("old 01\n\n{note_text}").into_bytes(),
                BodyError::OldSizeLine,
            ),
            (
                format!("old  1\n\n{note_text}").into_bytes(),
                BodyError::OldSizeLine,
            ),
            (
                format!("old -1\n\n{note_text}").into_bytes(),
                BodyError::OldSizeLine,
            ),
            (
                format!("old 1 \n\n{note_text}").into_bytes(),
                BodyError::OldSizeLine,
            ),
            (
                format!("Old 1\n\n{note_text}").into_bytes(),
                BodyError::OldSizeLine,
            ),
            (
                format!("old 99999999999999999999\n\n{note_text}").into_bytes(),
                BodyError::OldSizeLine,
            ),
            (
                format!("old 1\n{note_text}").into_bytes(),
                BodyError::ProofLine { line: 2 },
            ),
            (
                format!("old 1\nAAAA\n\n{note_text}").into_bytes(),
                BodyError::ProofLine { line: 2 },
            ),
            (b"old 1\n".to_vec(), BodyError::NoEmptyLine),
            (
                format!("old 1\n{hash}").into_bytes(),
                BodyError::NoEmptyLine,
            ),
            (
                format!("old 1\n{long}\n{note_text}").into_bytes(),
                BodyError::TooManyProofLines,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                AddCheckpoint::parse(&body),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(&body)
            );
        }
        let most = AddCheckpoint::parse(format!("old 1\n{exactly}\n{note_text}").as_bytes());
        assert_eq!(most.unwrap().proof.len(), MAX_PROOF_LINES);
        // A body whose note is not a checkpoint is a 400 at the check.
        let request = AddCheckpoint::parse(b"old 0\n\nnot a note\n").unwrap();
        assert_eq!(
            check(&request, &[log().verifier_key()], None)
                .unwrap_err()
                .status(),
            400
        );
    }

    #[test]
    fn the_checks_answer_the_specs_status_codes() {
        let all = leaves(10);
        let keys = [log().verifier_key()];
        let at = |size: u64| Latest {
            size,
            root: root(&all[..size as usize]),
        };
        let request = |old: u64, proof: Vec<Hash>, note_text: String| AddCheckpoint {
            old_size: old,
            proof,
            note: note_text,
        };
        let good = |size: u64| signed(size, root(&all[..size as usize]), &log());

        // First contact, then growth with a proof.
        let first = check(&request(0, vec![], good(4)), &keys, None).unwrap();
        assert_eq!(first.size, 4);
        let grown = check(
            &request(4, consistency(4, 10, &all), good(10)),
            &keys,
            Some(&at(4)),
        );
        assert_eq!(grown.unwrap().size, 10);
        // The same checkpoint again is cosigned again.
        assert!(check(&request(10, vec![], good(10)), &keys, Some(&at(10))).is_ok());

        // 404: no key for the origin.
        assert_eq!(
            check(&request(0, vec![], good(4)), &[], None)
                .unwrap_err()
                .status(),
            404
        );
        // 403: another key, or a trusted key's line that does not verify.
        let other = SigningKey::from_seed(ORIGIN, &[2; 32]).unwrap();
        let by_other = signed(4, root(&all[..4]), &other);
        assert_eq!(
            check(&request(0, vec![], by_other), &keys, None)
                .unwrap_err()
                .status(),
            403
        );
        let tampered = good(4).replacen("\n4\n", "\n5\n", 1);
        assert_eq!(
            check(&request(0, vec![], tampered), &keys, None)
                .unwrap_err()
                .status(),
            403
        );
        // 400: old above the checkpoint's size.
        let refusal = check(&request(5, vec![], good(4)), &keys, Some(&at(5))).unwrap_err();
        assert_eq!(refusal.status(), 400);
        // 409: the client's old size is not what the witness holds, with the held size.
        let refusal = check(&request(0, vec![], good(10)), &keys, Some(&at(4))).unwrap_err();
        assert_eq!(refusal, Refusal::Conflict { old: 0, latest: 4 });
        assert_eq!(refusal.status(), 409);
        let refusal = check(&request(4, consistency(4, 10, &all), good(10)), &keys, None);
        assert_eq!(
            refusal.unwrap_err(),
            Refusal::Conflict { old: 4, latest: 0 }
        );
        // 422: size 0 with another root; a proof from 0; a proof that does not verify; the
        // same size with another root (a split view); a rewritten history.
        let zero = signed(0, all[0], &log());
        assert_eq!(
            check(&request(0, vec![], zero), &keys, None)
                .unwrap_err()
                .status(),
            422
        );
        let empty = signed(0, merkle::empty_root(), &log());
        assert!(check(&request(0, vec![], empty), &keys, None).is_ok());
        let from_zero = check(&request(0, vec![all[0]], good(4)), &keys, None).unwrap_err();
        assert_eq!(from_zero.status(), 422);
        let mut wrong = consistency(4, 10, &all);
        wrong[0] = all[9];
        let refusal = check(&request(4, wrong, good(10)), &keys, Some(&at(4))).unwrap_err();
        assert!(refusal.is_evidence());
        let split = signed(10, root(&leaves(11)[1..]), &log());
        let refusal = check(&request(10, vec![], split), &keys, Some(&at(10))).unwrap_err();
        assert_eq!(refusal.status(), 422);
        let mut rewritten = all.clone();
        rewritten[2] = merkle::leaf_hash(b"rewritten");
        let forged = signed(10, root(&rewritten), &log());
        let refusal = check(
            &request(4, consistency(4, 10, &rewritten), forged),
            &keys,
            Some(&at(4)),
        );
        assert_eq!(refusal.unwrap_err().status(), 422);
    }

    #[test]
    fn the_kept_note_holds_the_log_and_the_witness_only() {
        let keys = [log().verifier_key()];
        let stranger = SigningKey::from_seed("someone.else/log", &[5; 32]).unwrap();
        let text = Checkpoint {
            origin: ORIGIN.into(),
            size: 1,
            root: leaves(1)[0],
            extensions: Vec::new(),
        }
        .to_note_text();
        let both = note::sign(&text, &[&log(), &stranger]).unwrap();
        let witness = crate::cosignature::CosignerKey::from_seed("w.example/1", &[3; 32]).unwrap();
        let line = witness.cosign(&text, 42);
        let kept = witnessed_note(&both, &keys, &line).unwrap();
        assert_eq!(
            kept,
            format!("{}{line}\n", note::sign(&text, &[&log()]).unwrap())
        );
        let reopened = note::open_checkpoint(&kept, &keys, Some(ORIGIN)).unwrap();
        assert_eq!(reopened.note.unverified.len(), 1, "the cosignature");
    }

    #[test]
    fn the_origin_hash_is_lowercase_hex_sha256() {
        // sha256sum of the spec's example origin.
        assert_eq!(
            origin_hash("example.com/behind-the-sofa"),
            "5fd2dc0beb4ce54da5050cf6d5c75248b023abad441c3cecde3976fbe9da4fe4"
        );
    }
}
