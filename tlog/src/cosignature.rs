//! Witness cosignatures (`c2sp.org/tlog-cosignature`, the Ed25519 `cosignature/v1` type): a
//! witness's timestamped statement that, as of a time, the checkpoint is the largest
//! consistent tree it has seen for the log.
//!
//! A cosignature is a signed-note signature line `— <witness name> base64(key ID ‖ timestamp
//! ‖ signature)`: the key ID is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], the timestamp a
//! big-endian u64 of POSIX seconds, and the Ed25519 signature covers
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's note text. Witness keys
//! are written as verifier keys of type 0x04: `<name>+<hex key ID>+<base64(0x04 ‖ key)>`;
//! their private half `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _};
use sha2::{Digest, Sha256};

use crate::note::{
    COSIGNATURE_V1_TYPE, KeyId, NoteSignature, SIGNATURE_PREFIX, ZeroizeOnDrop, is_valid_key_name,
    parse_key_id, wipe,
};

/// The domain-separation line of the signed message.
const HEADER: &str = "cosignature/v1\n";
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// A cosignature's key ID: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4].
pub fn key_id(name: &str, public_key: &[u8; 32]) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', COSIGNATURE_V1_TYPE]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The message a `cosignature/v1` signs: the header line, the time line, and the checkpoint's
/// whole note text (its final newline included, its signature lines not).
pub fn signed_message(checkpoint_text: &str, timestamp: u64) -> String {
    format!("{HEADER}time {timestamp}\n{checkpoint_text}")
}

/// Why a witness key text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessKeyError {
    #[error("a witness key is `<name>+<hex key ID>+<base64 key>`")]
    MissingFields,
    #[error("the witness key's name {0:?} is empty or holds a space, a control character or '+'")]
    InvalidName(String),
    #[error("the witness key's ID {0:?} is not 8 hex digits")]
    InvalidKeyId(String),
    #[error("the witness key is not base64")]
    InvalidBase64,
    #[error(
        "the witness key is of type {0:#04x}, not a cosignature/v1 key (0x04, Ed25519 cosignatures)"
    )]
    UnsupportedType(u8),
    #[error("the witness key is {0} bytes, not 33 (type and Ed25519 key)")]
    WrongLength(usize),
    #[error("the witness key's bytes are not an Ed25519 public key")]
    InvalidPublicKey,
    #[error("the witness key's ID does not match its name and key")]
    KeyIdMismatch,
    #[error("a witness private key starts with PRIVATE+KEY+")]
    MissingPrefix,
}

/// Splits `<name>+<id>+<base64(0x04 ‖ 32 bytes)>` and checks its parts.
fn parse_parts(text: &str) -> Result<(String, KeyId, [u8; 32]), WitnessKeyError> {
    let (name, rest) = text.split_once('+').ok_or(WitnessKeyError::MissingFields)?;
    let (id, b64) = rest.split_once('+').ok_or(WitnessKeyError::MissingFields)?;
    if !is_valid_key_name(name) {
        return Err(WitnessKeyError::InvalidName(name.to_owned()));
    }
    let stated = parse_key_id(id).ok_or_else(|| WitnessKeyError::InvalidKeyId(id.to_owned()))?;
    // A private key's seed passes through here: wiped when dropped.
    let bytes = ZeroizeOnDrop(
        STANDARD
            .decode(b64)
            .map_err(|_| WitnessKeyError::InvalidBase64)?,
    );
    match bytes.0.split_first() {
        Some((&COSIGNATURE_V1_TYPE, key)) => {
            let key: [u8; 32] = key
                .try_into()
                .map_err(|_| WitnessKeyError::WrongLength(bytes.0.len()))?;
            Ok((name.to_owned(), stated, key))
        }
        Some((&other, _)) => Err(WitnessKeyError::UnsupportedType(other)),
        None => Err(WitnessKeyError::WrongLength(0)),
    }
}

/// A witness's public key: what a log and a relying party check its cosignatures with.
#[derive(Clone, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    key_id: KeyId,
    key: ed25519_dalek::VerifyingKey,
}

impl WitnessKey {
    /// # Errors
    /// When the name is not a valid key name or the bytes are not an Ed25519 public key.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Self, WitnessKeyError> {
        if !is_valid_key_name(name) {
            return Err(WitnessKeyError::InvalidName(name.to_owned()));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
            .map_err(|_| WitnessKeyError::InvalidPublicKey)?;
        Ok(WitnessKey {
            name: name.to_owned(),
            key_id: key_id(name, public_key),
            key,
        })
    }

    /// Parses a verifier key text of type 0x04, checking the key ID.
    ///
    /// # Errors
    /// [`WitnessKeyError`] naming the part that is wrong.
    pub fn parse(text: &str) -> Result<Self, WitnessKeyError> {
        let (name, stated, public_key) = parse_parts(text.trim())?;
        let key = WitnessKey::new(&name, &public_key)?;
        if key.key_id != stated {
            return Err(WitnessKeyError::KeyIdMismatch);
        }
        Ok(key)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    pub fn public_key(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Whether `signature` (a signature line of a note, already split) is this witness's
    /// valid cosignature of `checkpoint_text`; its timestamp when it is.
    pub fn verifies(&self, checkpoint_text: &str, signature: &NoteSignature) -> Option<u64> {
        if signature.name != self.name || signature.key_id != self.key_id {
            return None;
        }
        let (timestamp, sig) = split_cosignature(&signature.signature)?;
        let message = signed_message(checkpoint_text, timestamp);
        self.key
            .verify_strict(message.as_bytes(), &Signature::from_bytes(&sig))
            .ok()
            .map(|()| timestamp)
    }
}

impl fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = [0u8; 33];
        bytes[0] = COSIGNATURE_V1_TYPE;
        bytes[1..].copy_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(bytes)
        )
    }
}

impl fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WitnessKey({self})")
    }
}

/// A cosignature's bytes after the key ID: timestamp (8, big-endian) ‖ Ed25519 signature (64).
fn split_cosignature(bytes: &[u8]) -> Option<(u64, [u8; 64])> {
    if bytes.len() != 72 {
        return None;
    }
    let timestamp = u64::from_be_bytes(bytes[..8].try_into().ok()?);
    if timestamp > i64::MAX as u64 {
        return None;
    }
    Some((timestamp, bytes[8..].try_into().ok()?))
}

/// The timestamp a cosignature line states, unverified (`None` if it is not 72 bytes).
pub fn stated_timestamp(signature: &NoteSignature) -> Option<u64> {
    split_cosignature(&signature.signature).map(|(t, _)| t)
}

/// A witness's signing key. Its `Debug` shows the name and key ID only.
#[derive(Clone)]
pub struct CosignerKey {
    name: String,
    key_id: KeyId,
    inner: ed25519_dalek::SigningKey,
}

impl CosignerKey {
    /// # Errors
    /// When `name` is not a valid key name.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, WitnessKeyError> {
        if !is_valid_key_name(name) {
            return Err(WitnessKeyError::InvalidName(name.to_owned()));
        }
        let inner = ed25519_dalek::SigningKey::from_bytes(seed);
        Ok(CosignerKey {
            name: name.to_owned(),
            key_id: key_id(name, inner.verifying_key().as_bytes()),
            inner,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>`. Errors never repeat the
    /// secret.
    ///
    /// # Errors
    /// [`WitnessKeyError`] naming the part that is wrong.
    pub fn parse_private_key(text: &str) -> Result<Self, WitnessKeyError> {
        let rest = text
            .trim()
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or(WitnessKeyError::MissingPrefix)?;
        let (name, stated, mut seed) = parse_parts(rest).map_err(|e| match e {
            WitnessKeyError::InvalidName(_) => WitnessKeyError::InvalidName(String::new()),
            other => other,
        })?;
        let key = CosignerKey::from_seed(&name, &seed);
        wipe(&mut seed);
        let key = key?;
        if key.key_id != stated {
            return Err(WitnessKeyError::KeyIdMismatch);
        }
        Ok(key)
    }

    /// The private key text, for the witness's key file.
    pub fn to_private_key_text(&self) -> String {
        let mut bytes = [0u8; 33];
        bytes[0] = COSIGNATURE_V1_TYPE;
        bytes[1..].copy_from_slice(self.inner.as_bytes());
        let text = format!(
            "{PRIVATE_KEY_PREFIX}{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(bytes)
        );
        wipe(&mut bytes);
        text
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public half, to hand to logs and relying parties.
    pub fn witness_key(&self) -> WitnessKey {
        WitnessKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.inner.verifying_key(),
        }
    }

    /// The cosignature line (without its final newline) of `checkpoint_text` at `timestamp`
    /// (POSIX seconds, not zero).
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> String {
        let message = signed_message(checkpoint_text, timestamp);
        let signature = self.inner.sign(message.as_bytes());
        let mut bytes = Vec::with_capacity(4 + 8 + 64);
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&signature.to_bytes());
        format!("{SIGNATURE_PREFIX}{} {}", self.name, STANDARD.encode(bytes))
    }
}

impl fmt::Debug for CosignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CosignerKey({}+{})", self.name, hex::encode(self.key_id))
    }
}

/// A cosignature that verified: which witness, and the time it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub witness: String,
    pub timestamp: u64,
}

/// The cosignatures among `signatures` (a note's lines, as split) that one of `witnesses`
/// made over `checkpoint_text`, each witness once. Lines of other keys or types are ignored,
/// as are lines naming a witness whose signature does not verify (reported in the second
/// list, by name).
pub fn verify_all(
    checkpoint_text: &str,
    signatures: &[NoteSignature],
    witnesses: &[WitnessKey],
) -> (Vec<Cosigned>, Vec<String>) {
    let mut good: Vec<Cosigned> = Vec::new();
    let mut bad = Vec::new();
    for signature in signatures {
        let Some(key) = witnesses
            .iter()
            .find(|w| w.name == signature.name && w.key_id == signature.key_id)
        else {
            continue;
        };
        match key.verifies(checkpoint_text, signature) {
            Some(timestamp) => {
                if !good.iter().any(|c| c.witness == key.name) {
                    good.push(Cosigned {
                        witness: key.name.clone(),
                        timestamp,
                    });
                }
            }
            None => bad.push(key.name.clone()),
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::split;

    const CHECKPOINT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    fn witness() -> CosignerKey {
        CosignerKey::from_seed("witness.example.com/w1", &[9; 32]).unwrap()
    }

    #[test]
    fn the_signed_message_is_the_specs_example() {
        // c2sp.org/tlog-cosignature, "Ed25519 signed message".
        assert_eq!(
            signed_message(CHECKPOINT, 1_679_315_147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn the_specs_example_line_states_the_specs_example_time() {
        // The example note of c2sp.org/tlog-cosignature: its witness line's bytes after the
        // key ID start with the timestamp of the spec's signed-message example.
        let note = format!(
            "{CHECKPOINT}\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
        );
        let (text, signatures) = split(&note).unwrap();
        assert_eq!(text, CHECKPOINT);
        let w1 = &signatures[1];
        assert_eq!(w1.name, "witness.example.com/w1");
        assert_eq!(hex::encode(w1.key_id), "8d66cf3f");
        assert_eq!(stated_timestamp(w1), Some(1_679_315_147));
    }

    #[test]
    fn the_key_id_uses_type_0x04() {
        let key = witness().witness_key();
        let mut hasher = Sha256::new();
        hasher.update(b"witness.example.com/w1\n\x04");
        hasher.update(key.public_key());
        assert_eq!(key.key_id(), hasher.finalize()[..4]);
        assert_ne!(
            key.key_id(),
            crate::note::key_id(key.name(), key.public_key()),
            "the log key ID (0x01) of the same key differs"
        );
        let text = key.to_string();
        assert_eq!(WitnessKey::parse(&text).unwrap(), key);
        let log_key = crate::note::SigningKey::from_seed("log", &[1; 32]).unwrap();
        assert_eq!(
            WitnessKey::parse(&log_key.verifier_key().to_string()),
            Err(WitnessKeyError::UnsupportedType(0x01))
        );
        let private = witness().to_private_key_text();
        let back = CosignerKey::parse_private_key(&private).unwrap();
        assert_eq!(back.witness_key(), key);
    }

    #[test]
    fn a_cosignature_verifies_over_that_checkpoint_only() {
        let w = witness();
        let line = w.cosign(CHECKPOINT, 1_700_000_000);
        let note = format!("{CHECKPOINT}\n{line}\n");
        let (text, signatures) = split(&note).unwrap();
        let (good, bad) = verify_all(text, &signatures, &[w.witness_key()]);
        assert_eq!(
            good,
            [Cosigned {
                witness: "witness.example.com/w1".into(),
                timestamp: 1_700_000_000
            }]
        );
        assert!(bad.is_empty());
        let other = CHECKPOINT.replace("20852163", "20852164");
        let (good, bad) = verify_all(&other, &signatures, &[w.witness_key()]);
        assert!(good.is_empty());
        assert_eq!(bad, ["witness.example.com/w1"]);
        // An unknown witness's line is ignored, not an error.
        let stranger = CosignerKey::from_seed("someone.else/w", &[3; 32]).unwrap();
        let (good, bad) = verify_all(text, &signatures, &[stranger.witness_key()]);
        assert!(good.is_empty() && bad.is_empty());
    }
}
