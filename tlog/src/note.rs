//! C2SP signed notes (`c2sp.org/signed-note`) with Ed25519 keys, and the tlog-checkpoints
//! (`c2sp.org/tlog-checkpoint`) they carry.
//!
//! A signed note is a text ending in a newline, a blank line, then one or more signature
//! lines `— <key name> <base64(4-byte key ID || signature)>`. A reader trusts a note only when
//! a key it already holds verifies it: signatures from keys it does not hold (another log's,
//! a retired key's, a witness's cosignature) are set aside, not checked and not trusted.
//!
//! Only Ed25519 keys (signature type 0x01) are supported. A witness key of type 0x04
//! (`cosignature/v1`) is refused by [`VerifierKey::parse`] with
//! [`KeyError::UnsupportedType`]; its cosignature lines in a note are left in
//! [`Verified::unverified`], where a later cosignature checker can find them.
//!
//! Key texts follow Go's `golang.org/x/mod/sumdb/note`, so keys move between this crate and
//! the Go tools: verifier key `<name>+<8 hex key ID>+<base64(0x01 || public key)>`, signer key
//! `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || 32-byte seed)>`.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _};
use sha2::{Digest, Sha256};

use crate::{Hash, InvalidHash};

/// The signature type byte of Ed25519 note signatures.
pub const ED25519_TYPE: u8 = 0x01;

/// The signature type byte of timestamped Ed25519 witness cosignatures (`cosignature/v1`),
/// which this module recognises only to name them in errors.
pub const COSIGNATURE_V1_TYPE: u8 = 0x04;

/// At most this many signature lines are read from one note (Go's limit; the spec asks for
/// at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: an em dash (U+2014) and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// The 4-byte key ID that names a key in signature lines (big-endian on the wire).
pub type KeyId = [u8; 4];

/// The Ed25519 key ID: the first four bytes of SHA-256(name || 0x0A || 0x01 || public key).
pub fn key_id(name: &str, public_key: &[u8; 32]) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ED25519_TYPE]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Whether `name` may name a key: non-empty, with no whitespace, no control character and
/// no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '+')
}

/// A public Ed25519 key that verifies note signatures, with its name and key ID.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: KeyId,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// The verifier key named `name` for the Ed25519 public key `public_key`.
    ///
    /// # Errors
    /// When the name is not a valid key name or the bytes are not an Ed25519 public key.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: key_id(name, public_key),
            key,
        })
    }

    /// Parses `<name>+<8 hex key ID>+<base64(0x01 || 32-byte public key)>`, checking that the
    /// key ID is the one the name and key give. The text is taken as is: trim a file's final
    /// newline first.
    ///
    /// # Errors
    /// [`KeyError`] naming the part that is wrong.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (name, rest) = text.split_once('+').ok_or(KeyError::MissingFields)?;
        let (id_hex, key_b64) = rest.split_once('+').ok_or(KeyError::MissingFields)?;
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        let stated = parse_key_id(id_hex).ok_or_else(|| KeyError::InvalidKeyId(id_hex.into()))?;
        let bytes = STANDARD
            .decode(key_b64)
            .map_err(|e| KeyError::InvalidBase64(e.to_string()))?;
        let (&key_type, public_key) = bytes.split_first().ok_or(KeyError::WrongLength {
            expected: 33,
            found: 0,
        })?;
        if key_type != ED25519_TYPE {
            return Err(KeyError::UnsupportedType(key_type));
        }
        let public_key: &[u8; 32] = public_key.try_into().map_err(|_| KeyError::WrongLength {
            expected: 33,
            found: bytes.len(),
        })?;
        let key = VerifierKey::new(name, public_key)?;
        if key.key_id != stated {
            return Err(KeyError::KeyIdMismatch {
                stated: hex::encode(stated),
                computed: hex::encode(key.key_id),
            });
        }
        Ok(key)
    }

    /// The key name, as it appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID, as it prefixes the signatures this key made.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Whether `signature` is this key's Ed25519 signature of `message` (strict RFC 8032
    /// verification: no small-order keys or points, canonical scalars only).
    fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl fmt::Display for VerifierKey {
    /// The verifier key text `<name>+<hex key ID>+<base64(0x01 || public key)>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = [0u8; 33];
        bytes[0] = ED25519_TYPE;
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

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, KeyError> {
        VerifierKey::parse(text)
    }
}

/// An Ed25519 signing key with its name: what a log signs its checkpoints with.
///
/// Its `Debug` shows the name and key ID only, never the seed. The secret is wiped from
/// memory when the key is dropped.
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key_id: KeyId,
    inner: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// The key named `name` with the 32-byte Ed25519 seed `seed`. To make a new key, pass 32
    /// bytes from the operating system's random number generator.
    ///
    /// # Errors
    /// When `name` is not a valid key name.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        let inner = ed25519_dalek::SigningKey::from_bytes(seed);
        Ok(SigningKey {
            name: name.to_owned(),
            key_id: key_id(name, inner.verifying_key().as_bytes()),
            inner,
        })
    }

    /// Parses the signer key text `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || seed)>`
    /// (Go's `note.NewSigner` format), checking the key ID. The text is taken as is: trim a
    /// file's final newline first. Errors never repeat any part of the text.
    ///
    /// # Errors
    /// [`PrivateKeyError`] naming the part that is wrong.
    pub fn parse_private_key(text: &str) -> Result<Self, PrivateKeyError> {
        let rest = text
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or(PrivateKeyError::MissingPrefix)?;
        let (name, rest) = rest.split_once('+').ok_or(PrivateKeyError::MissingFields)?;
        let (id_hex, seed_b64) = rest.split_once('+').ok_or(PrivateKeyError::MissingFields)?;
        if !is_valid_key_name(name) {
            return Err(PrivateKeyError::InvalidName);
        }
        let stated = parse_key_id(id_hex).ok_or(PrivateKeyError::InvalidKeyId)?;
        let bytes = ZeroizeOnDrop(
            STANDARD
                .decode(seed_b64)
                .map_err(|_| PrivateKeyError::InvalidBase64)?,
        );
        let (&key_type, seed) = bytes
            .0
            .split_first()
            .ok_or(PrivateKeyError::WrongLength { found: 0 })?;
        if key_type != ED25519_TYPE {
            return Err(PrivateKeyError::UnsupportedType(key_type));
        }
        let seed: &[u8; 32] = seed.try_into().map_err(|_| PrivateKeyError::WrongLength {
            found: bytes.0.len(),
        })?;
        let key = SigningKey::from_seed(name, seed).map_err(|_| PrivateKeyError::InvalidName)?;
        if key.key_id != stated {
            return Err(PrivateKeyError::KeyIdMismatch);
        }
        Ok(key)
    }

    /// The signer key text `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`, for a
    /// key file. It holds the secret: write it only where the secret belongs.
    pub fn to_private_key_text(&self) -> String {
        let mut bytes = [0u8; 33];
        bytes[0] = ED25519_TYPE;
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

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The public half, to hand to whoever checks this key's signatures.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.inner.verifying_key(),
        }
    }

    /// The 32-byte secret seed, for writing a key file.
    pub fn seed_bytes(&self) -> &[u8; 32] {
        self.inner.as_bytes()
    }

    /// This key's signature line for `text` (without the final newline).
    fn signature_line(&self, text: &str) -> String {
        let signature = self.inner.sign(text.as_bytes());
        let mut bytes = Vec::with_capacity(4 + 64);
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&signature.to_bytes());
        format!("{SIGNATURE_PREFIX}{} {}", self.name, STANDARD.encode(bytes))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

/// Decoded secret bytes, overwritten when dropped.
pub(crate) struct ZeroizeOnDrop(pub(crate) Vec<u8>);

impl Drop for ZeroizeOnDrop {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites `bytes` with zeros, best effort: `black_box` keeps the optimiser from dropping
/// the stores (the `zeroize` crate would be the stronger tool; the seed itself lives in
/// ed25519-dalek's key, which uses it).
pub(crate) fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// Eight hex digits (either case) as a key ID.
pub(crate) fn parse_key_id(text: &str) -> Option<KeyId> {
    let mut id = [0u8; 4];
    if text.len() != 8 {
        return None;
    }
    hex::decode_to_slice(text, &mut id).ok()?;
    Some(id)
}

/// Why a verifier key, or a signing key's name, was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a verifier key is <name>+<8 hex key ID>+<base64 key>, and this one lacks a '+'")]
    MissingFields,
    #[error("key name {0:?} is empty or holds a space, a control character or a '+'")]
    InvalidName(String),
    #[error("key ID {0:?} is not 8 hex digits")]
    InvalidKeyId(String),
    #[error("the key is not standard padded base64: {0}")]
    InvalidBase64(String),
    #[error(
        "signature type 0x{0:02x} is not supported: only Ed25519 keys (0x01) are (0x04 is a witness cosignature key)"
    )]
    UnsupportedType(u8),
    #[error("the key is {found} bytes where a type byte and an Ed25519 key are {expected}")]
    WrongLength { expected: usize, found: usize },
    #[error("the key bytes are not an Ed25519 public key")]
    InvalidPublicKey,
    #[error("the key states key ID {stated}, but its name and public key give {computed}")]
    KeyIdMismatch { stated: String, computed: String },
}

/// Why a signer key text was refused. No variant carries any part of the text, which holds
/// the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateKeyError {
    #[error("a signer key starts with PRIVATE+KEY+")]
    MissingPrefix,
    #[error(
        "a signer key is PRIVATE+KEY+<name>+<8 hex key ID>+<base64 seed>, and this one lacks a '+'"
    )]
    MissingFields,
    #[error("the signer key's name is empty or holds a space, a control character or a '+'")]
    InvalidName,
    #[error("the signer key's key ID is not 8 hex digits")]
    InvalidKeyId,
    #[error("the signer key's seed is not standard padded base64")]
    InvalidBase64,
    #[error("signer key type 0x{0:02x} is not supported: only Ed25519 (0x01) is")]
    UnsupportedType(u8),
    #[error("the signer key decodes to {found} bytes where a type byte and a seed are 33")]
    WrongLength { found: usize },
    #[error("the signer key's key ID does not match its name and key")]
    KeyIdMismatch,
}

/// One signature line of a note, parsed but not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name on the line.
    pub name: String,
    /// The first four bytes of the decoded signature.
    pub key_id: KeyId,
    /// The rest of the decoded signature (64 bytes for Ed25519; other lengths for other types).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// `name+hexid`, how errors and reports name the signer.
    pub fn signer(&self) -> String {
        format!("{}+{}", self.name, hex::encode(self.key_id))
    }

    /// The signature line as a note holds it, without its final newline.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}", self.name, STANDARD.encode(bytes))
    }
}

/// A note that a known key verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The note text, final newline included, blank line and signatures excluded.
    pub text: String,
    /// The known keys whose signatures verified, each once, in the order of their lines.
    pub verified_by: Vec<VerifierKey>,
    /// Signatures from keys not given (other logs, witnesses' cosignatures), unchecked,
    /// identical lines once.
    pub unverified: Vec<NoteSignature>,
}

/// Signs `text` with each key, giving the signed note: the text, a blank line, and one
/// signature line per key (a key given twice signs once).
///
/// # Errors
/// When no key is given, more than [`MAX_SIGNATURES`] are, or the text is empty, does not
/// end with a newline, or holds a control character other than newline.
pub fn sign(text: &str, keys: &[&SigningKey]) -> Result<String, NoteError> {
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    if !text.ends_with('\n') {
        return Err(NoteError::TextWithoutFinalNewline);
    }
    check_characters(text)?;
    if keys.is_empty() {
        return Err(NoteError::NoSigningKeys);
    }
    if keys.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    let mut note = String::with_capacity(text.len() + 1 + keys.len() * 120);
    note.push_str(text);
    note.push('\n');
    let mut signed: Vec<(&str, KeyId)> = Vec::with_capacity(keys.len());
    for key in keys {
        if signed.contains(&(key.name(), key.key_id)) {
            continue;
        }
        signed.push((key.name(), key.key_id));
        note.push_str(&key.signature_line(text));
        note.push('\n');
    }
    Ok(note)
}

/// Splits a signed note into its text and its parsed, unverified signature lines. The text
/// ends before the last blank line of the note.
///
/// # Errors
/// [`NoteError`] when the note is not a well-formed signed note.
pub fn split(note: &str) -> Result<(&str, Vec<NoteSignature>), NoteError> {
    check_characters(note)?;
    let at = note.rfind("\n\n").ok_or(NoteError::NoBlankLine)?;
    let (text, block) = (&note[..=at], &note[at + 2..]);
    if block.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let block = block
        .strip_suffix('\n')
        .ok_or(NoteError::SignaturesWithoutFinalNewline)?;
    let mut signatures = Vec::new();
    for (i, line) in block.split('\n').enumerate() {
        if i == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        signatures.push(parse_signature_line(line).map_err(|reason| {
            NoteError::MalformedSignatureLine {
                line: i + 1,
                reason,
            }
        })?);
    }
    Ok((text, signatures))
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, &'static str> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or("it does not start with an em dash (U+2014) and a space")?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or("it has no space between the key name and the signature")?;
    if !is_valid_key_name(name) {
        return Err("the key name is empty or holds a space, a control character or a '+'");
    }
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| "the signature is not standard padded base64")?;
    if bytes.len() < 5 {
        return Err("the signature is shorter than a key ID and one byte");
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: [bytes[0], bytes[1], bytes[2], bytes[3]],
        signature: bytes[4..].to_vec(),
    })
}

/// Opens a signed note with the keys the reader trusts: every signature from a given key
/// must verify, signatures from other keys are set aside unchecked, and at least one given
/// key must have signed.
///
/// # Errors
/// [`NoteError`] when the note is malformed, a given key's signature fails, or no given key
/// signed it.
pub fn open(note: &str, keys: &[VerifierKey]) -> Result<Verified, NoteError> {
    let (text, signatures) = split(note)?;
    let mut verified_by: Vec<VerifierKey> = Vec::new();
    let mut unverified: Vec<NoteSignature> = Vec::new();
    for signature in signatures {
        let mut matching = keys
            .iter()
            .filter(|k| k.name == signature.name && k.key_id == signature.key_id);
        let Some(key) = matching.next() else {
            if !unverified.contains(&signature) {
                unverified.push(signature);
            }
            continue;
        };
        if matching.any(|other| other.key != key.key) {
            return Err(NoteError::AmbiguousKey {
                signer: signature.signer(),
            });
        }
        let Ok(bytes) = <&[u8; 64]>::try_from(signature.signature.as_slice()) else {
            return Err(NoteError::SignatureLength {
                signer: signature.signer(),
                found: signature.signature.len(),
            });
        };
        if !key.verifies(text.as_bytes(), bytes) {
            return Err(NoteError::BadSignature {
                signer: signature.signer(),
            });
        }
        if !verified_by.contains(key) {
            verified_by.push(key.clone());
        }
    }
    if verified_by.is_empty() {
        return Err(NoteError::NoKnownSignature {
            signers: unverified
                .iter()
                .map(NoteSignature::signer)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(Verified {
        text: text.to_owned(),
        verified_by,
        unverified,
    })
}

/// Signed notes hold no ASCII control character but newline.
fn check_characters(text: &str) -> Result<(), NoteError> {
    match text.bytes().position(|b| b < 0x20 && b != b'\n') {
        Some(offset) => Err(NoteError::ControlCharacter { offset }),
        None => Ok(()),
    }
}

/// Why a note could not be signed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note text is empty")]
    EmptyText,
    #[error("the note text does not end with a newline")]
    TextWithoutFinalNewline,
    #[error("the note holds a control character other than newline at byte {offset}")]
    ControlCharacter { offset: usize },
    #[error("no signing key was given")]
    NoSigningKeys,
    #[error("the note has no blank line between its text and its signatures")]
    NoBlankLine,
    #[error("the note has no signature line after its last blank line")]
    NoSignatures,
    #[error("the note's last signature line does not end with a newline")]
    SignaturesWithoutFinalNewline,
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignatureLine { line: usize, reason: &'static str },
    #[error("the note has more than {max} signature lines")]
    TooManySignatures { max: usize },
    #[error("more than one given key is named {signer}, with different public keys")]
    AmbiguousKey { signer: String },
    #[error("the signature by known key {signer} is {found} bytes, not an Ed25519 signature's 64")]
    SignatureLength { signer: String, found: usize },
    #[error(
        "the signature by known key {signer} does not verify: the note was altered or the signature is forged"
    )]
    BadSignature { signer: String },
    #[error("no known key signed the note (it bears signatures from: {signers})")]
    NoKnownSignature { signers: String },
    #[error("the signed note is not a checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the checkpoint is for log {found:?}, not the expected {expected:?}")]
    OriginMismatch { expected: String, found: String },
}

/// A log's signed statement of its tree: the C2SP tlog-checkpoint note text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `example.com/log42`.
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 root of the tree of `size` leaves.
    pub root: Hash,
    /// Opaque extra lines after the root (NOT RECOMMENDED by the spec), each non-empty.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: origin, decimal size, base64 root, then any extension lines, each
    /// ending with a newline. Only a checkpoint that [`Checkpoint::parse`] would give back is
    /// meaningful; [`Checkpoint::sign`] checks that.
    pub fn to_note_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parses a checkpoint note text, strictly: a non-empty origin, a decimal size without
    /// leading zeros, the padded standard base64 of a 32-byte root, then only non-empty
    /// extension lines, every line ending with a newline.
    ///
    /// # Errors
    /// [`CheckpointError`] naming the line that is wrong.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        if let Some(offset) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(CheckpointError::ControlCharacter { offset });
        }
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::NoFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines { found: lines.len() });
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size =
            parse_decimal(size).ok_or_else(|| CheckpointError::InvalidSize((*size).into()))?;
        let root = Hash::parse_base64(root).map_err(CheckpointError::InvalidRoot)?;
        if let Some(i) = extensions.iter().position(|line| line.is_empty()) {
            return Err(CheckpointError::EmptyExtensionLine { line: i + 4 });
        }
        Ok(Checkpoint {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// The signed checkpoint note.
    ///
    /// # Errors
    /// When the checkpoint would not parse back to itself (an empty origin, a newline in a
    /// line, an empty extension line), or as [`sign`].
    pub fn sign(&self, keys: &[&SigningKey]) -> Result<String, NoteError> {
        let text = self.to_note_text();
        if Checkpoint::parse(&text)? != *self {
            return Err(CheckpointError::NotRoundTrip.into());
        }
        sign(&text, keys)
    }
}

/// A decimal u64 in canonical form: digits only, no leading zero unless it is `0`.
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

/// Why a checkpoint text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint holds a control character other than newline at byte {offset}")]
    ControlCharacter { offset: usize },
    #[error("the checkpoint text does not end with a newline")]
    NoFinalNewline,
    #[error("the checkpoint has {found} lines where origin, size and root are needed")]
    TooFewLines { found: usize },
    #[error("the checkpoint's origin (first line) is empty")]
    EmptyOrigin,
    #[error(
        "the checkpoint's tree size (second line) {0:?} is not a decimal number without leading zeros"
    )]
    InvalidSize(String),
    #[error("the checkpoint's root (third line) is not the base64 of 32 bytes: {0}")]
    InvalidRoot(InvalidHash),
    #[error("line {line} of the checkpoint is an empty extension line")]
    EmptyExtensionLine { line: usize },
    #[error(
        "the checkpoint has a newline in a field or an empty extension line, so it would not read back as written"
    )]
    NotRoundTrip,
}

/// A checkpoint opened with trusted keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The checkpoint the note states.
    pub checkpoint: Checkpoint,
    /// The verified note it came from.
    pub note: Verified,
}

/// Opens a signed checkpoint note with the trusted keys (as [`open`]), parses its text as a
/// checkpoint, and, when `expected_origin` is given, checks the origin line against it.
///
/// # Errors
/// [`NoteError`] when the note does not verify, is not a checkpoint, or is another log's.
pub fn open_checkpoint(
    note: &str,
    keys: &[VerifierKey],
    expected_origin: Option<&str>,
) -> Result<VerifiedCheckpoint, NoteError> {
    let verified = open(note, keys)?;
    let checkpoint = Checkpoint::parse(&verified.text)?;
    if let Some(expected) = expected_origin
        && checkpoint.origin != expected
    {
        return Err(NoteError::OriginMismatch {
            expected: expected.to_owned(),
            found: checkpoint.origin,
        });
    }
    Ok(VerifiedCheckpoint {
        checkpoint,
        note: verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A malformed input and a test of the error it must give.
    type Case<E> = (String, fn(&E) -> bool);

    const VECTORS: &str = include_str!("../../../shared/vectors/rfc6962-merkle.json");

    fn vectors() -> serde_json::Value {
        serde_json::from_str(VECTORS).expect("vectors file is JSON")
    }

    fn s<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} is a string"))
    }

    fn seed_from_hex(text: &str) -> [u8; 32] {
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text, &mut seed).unwrap();
        seed
    }

    struct SelfGenerated {
        v: serde_json::Value,
    }

    impl SelfGenerated {
        fn new() -> Self {
            SelfGenerated {
                v: vectors()["self_generated_checkpoint_example"].clone(),
            }
        }
        fn get(&self, key: &str) -> &str {
            s(&self.v, key)
        }
        fn log_key(&self) -> SigningKey {
            SigningKey::from_seed(
                "example.com/audit-ledger-test",
                &seed_from_hex(self.get("log_seed_hex")),
            )
            .unwrap()
        }
        fn log_vkey(&self) -> VerifierKey {
            VerifierKey::parse(self.get("log_vkey")).unwrap()
        }
    }

    // ---- the published signed-note example ----

    #[test]
    fn signed_note_example_verifies_with_its_key() {
        let v = &vectors()["signed_note_example"];
        let vkey = VerifierKey::parse(s(v, "vkey")).unwrap();
        assert_eq!(vkey.name(), s(v, "key_name"));
        assert_eq!(hex::encode(vkey.key_id()), s(v, "key_id_hex"));
        assert_eq!(
            hex::encode(vkey.public_key()),
            s(v, "ed25519_public_key_hex")
        );
        assert_eq!(key_id(vkey.name(), vkey.public_key()), vkey.key_id());
        assert_eq!(vkey.to_string(), s(v, "vkey"));

        let verified = open(s(v, "signed_note"), std::slice::from_ref(&vkey)).unwrap();
        assert_eq!(verified.text, s(v, "note_text"));
        assert_eq!(verified.verified_by, vec![vkey]);
        assert!(verified.unverified.is_empty());

        let (_, sigs) = split(s(v, "signed_note")).unwrap();
        let mut raw = sigs[0].key_id.to_vec();
        raw.extend_from_slice(&sigs[0].signature);
        assert_eq!(STANDARD.encode(raw), s(v, "signature_b64"));
    }

    #[test]
    fn checkpoint_example_text_parses() {
        let v = &vectors()["checkpoint_example"];
        let cp = Checkpoint::parse(s(v, "text")).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20_852_163);
        assert_eq!(
            cp.root.to_base64(),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        );
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.to_note_text(), s(v, "text"));

        // Its signature line parses; the spec does not publish the key, so any key we hold is
        // unknown and the note cannot be opened.
        let note = format!("{}\n{}\n", s(v, "text"), s(v, "signature_line"));
        let (text, sigs) = split(&note).unwrap();
        assert_eq!(text, s(v, "text"));
        assert_eq!(sigs[0].name, "example.com/behind-the-sofa");
        assert_eq!(sigs[0].signature.len(), 64);
        let other = SelfGenerated::new().log_vkey();
        assert!(matches!(
            open(&note, &[other]),
            Err(NoteError::NoKnownSignature { .. })
        ));
    }

    // ---- the self-generated checkpoint ----

    #[test]
    fn self_generated_log_key_matches() {
        let sg = SelfGenerated::new();
        let key = sg.log_key();
        assert_eq!(
            hex::encode(key.verifier_key().public_key()),
            sg.get("log_public_key_hex")
        );
        assert_eq!(hex::encode(key.key_id()), sg.get("log_key_id_hex"));
        assert_eq!(key.verifier_key().to_string(), sg.get("log_vkey"));
        assert_eq!(key.verifier_key(), sg.log_vkey());
        assert_eq!(key.seed_bytes(), &[1u8; 32]);
    }

    #[test]
    fn self_generated_checkpoint_signs_byte_identically() {
        let sg = SelfGenerated::new();
        let key = sg.log_key();
        let signed = sign(sg.get("checkpoint_note_text"), &[&key]).unwrap();
        assert_eq!(signed, sg.get("checkpoint_signed_note"));

        let cp = Checkpoint::parse(sg.get("checkpoint_note_text")).unwrap();
        assert_eq!(cp.origin, "example.com/audit-ledger-test");
        assert_eq!(cp.size, 8);
        assert_eq!(
            cp.root.to_hex(),
            s(&vectors()["roots_by_tree_size"], "8"),
            "the checkpoint's root is the RFC 6962 root of the 8 test leaves"
        );
        assert_eq!(cp.sign(&[&key]).unwrap(), sg.get("checkpoint_signed_note"));
        // A key given twice signs once.
        assert_eq!(sign(&cp.to_note_text(), &[&key, &key]).unwrap(), signed);
    }

    #[test]
    fn self_generated_checkpoint_opens() {
        let sg = SelfGenerated::new();
        let vc = open_checkpoint(
            sg.get("checkpoint_signed_note"),
            &[sg.log_vkey()],
            Some("example.com/audit-ledger-test"),
        )
        .unwrap();
        assert_eq!(vc.checkpoint.size, 8);
        assert_eq!(vc.note.verified_by, vec![sg.log_vkey()]);
        assert_eq!(vc.note.text, sg.get("checkpoint_note_text"));
    }

    #[test]
    fn cosignature_line_is_ignored_as_unknown() {
        let sg = SelfGenerated::new();
        let note = sg.get("checkpoint_with_cosignature");
        let verified = open(note, &[sg.log_vkey()]).unwrap();
        assert_eq!(verified.verified_by, vec![sg.log_vkey()]);
        assert_eq!(verified.unverified.len(), 1);
        let cosig = &verified.unverified[0];
        assert_eq!(cosig.name, sg.get("witness_name"));
        assert_eq!(hex::encode(cosig.key_id), sg.get("witness_key_id_hex"));
        // timestamp (8 bytes, big-endian) || Ed25519 signature
        assert_eq!(cosig.signature.len(), 72);
        assert_eq!(
            u64::from_be_bytes(cosig.signature[..8].try_into().unwrap()),
            1_700_000_000
        );
        // The witness alone is not a log key we hold.
        let err = open(note, &[]).unwrap_err();
        assert!(matches!(err, NoteError::NoKnownSignature { .. }));
        assert!(
            err.to_string().contains("witness.example.com/w1+745fb5e8"),
            "{err}"
        );
    }

    #[test]
    fn witness_vkey_of_type_4_is_refused() {
        let sg = SelfGenerated::new();
        assert_eq!(
            VerifierKey::parse(sg.get("witness_vkey_type_0x04")),
            Err(KeyError::UnsupportedType(COSIGNATURE_V1_TYPE))
        );
    }

    #[test]
    fn witness_key_as_ed25519_key_cannot_verify_the_cosignature() {
        // The same name and public key as an Ed25519 (0x01) key has another key ID, so the
        // cosignature line stays unknown rather than failing as a bad Ed25519 signature.
        let sg = SelfGenerated::new();
        let mut pk = [0u8; 32];
        hex::decode_to_slice(sg.get("witness_public_key_hex"), &mut pk).unwrap();
        let as_ed25519 = VerifierKey::new(sg.get("witness_name"), &pk).unwrap();
        assert_ne!(
            hex::encode(as_ed25519.key_id()),
            sg.get("witness_key_id_hex")
        );
        let verified = open(
            sg.get("checkpoint_with_cosignature"),
            &[sg.log_vkey(), as_ed25519],
        )
        .unwrap();
        assert_eq!(verified.verified_by, vec![sg.log_vkey()]);
    }

    // ---- keys ----

    #[test]
    fn private_key_text_round_trips() {
        let sg = SelfGenerated::new();
        let key = sg.log_key();
        let text = key.to_private_key_text();
        assert!(text.starts_with("PRIVATE+KEY+example.com/audit-ledger-test+5dd957c6+AQEB"));
        let back = SigningKey::parse_private_key(&text).unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
        assert_eq!(back.verifier_key(), key.verifier_key());
    }

    #[test]
    fn private_key_errors_and_debug_hide_the_secret() {
        let sg = SelfGenerated::new();
        let key = SigningKey::from_seed("example.com/k", &[0x5a; 32]).unwrap();
        let text = key.to_private_key_text();
        let secret_b64 = text.rsplit_once('+').unwrap().1.to_owned();
        let seed_hex = hex::encode([0x5a; 32]);

        let debug = format!("{key:?}");
        assert!(debug.contains("example.com/k"), "{debug}");
        assert!(
            !debug.contains(&secret_b64[4..12]) && !debug.contains(&seed_hex[..8]),
            "{debug}"
        );

        let bad = [
            text.replacen("PRIVATE+KEY+", "PRIVATE+KEY", 1),
            text.replacen("PRIVATE+KEY+", "", 1),
            format!("PRIVATE+KEY+{secret_b64}"),
            format!(
                "PRIVATE+KEY+ex ample+{}",
                &text["PRIVATE+KEY+example.com/k+".len()..]
            ),
            text.replacen(&hex::encode(key.key_id()), "zzzzzzzz", 1),
            text.replacen(&hex::encode(key.key_id()), "00000000", 1),
            format!("{text}!"),
            text[..text.len() - 4].to_owned(),
            format!("{text}\n"),
            text.replacen("+AVpa", "+Alpa", 1),
            sg.get("log_vkey").to_owned(),
        ];
        for b in &bad {
            let err = SigningKey::parse_private_key(b).expect_err(b);
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(&secret_b64[4..12]), "{shown}");
            assert!(!shown.contains("Wlpa"), "{shown}");
        }
        assert_eq!(
            SigningKey::parse_private_key(&bad[5]).unwrap_err(),
            PrivateKeyError::KeyIdMismatch
        );
        assert_eq!(
            SigningKey::parse_private_key(&bad[9]).unwrap_err(),
            PrivateKeyError::UnsupportedType(2)
        );
    }

    #[test]
    fn verifier_key_rejects_malformed_texts() {
        let sg = SelfGenerated::new();
        let good = sg.get("log_vkey");
        let (name, rest) = good.split_once('+').unwrap();
        let (id, key) = rest.split_once('+').unwrap();
        let short = STANDARD.encode([1u8; 32]);
        let long = {
            let mut b = STANDARD.decode(key).unwrap();
            b.push(0);
            STANDARD.encode(b)
        };
        let type2 = {
            let mut b = STANDARD.decode(key).unwrap();
            b[0] = 2;
            STANDARD.encode(b)
        };
        let cases: Vec<Case<KeyError>> = vec![
            (format!("{name}+00000000+{key}"), |e| {
                matches!(e, KeyError::KeyIdMismatch { .. })
            }),
            (format!("example.com/other+{id}+{key}"), |e| {
                matches!(e, KeyError::KeyIdMismatch { .. })
            }),
            (format!("+{id}+{key}"), |e| {
                matches!(e, KeyError::InvalidName(_))
            }),
            (format!("a b+{id}+{key}"), |e| {
                matches!(e, KeyError::InvalidName(_))
            }),
            (format!("{name}+{id}"), |e| {
                matches!(e, KeyError::MissingFields)
            }),
            (format!("{name}+5dd957c+{key}"), |e| {
                matches!(e, KeyError::InvalidKeyId(_))
            }),
            (format!("{name}+5dd957cg+{key}"), |e| {
                matches!(e, KeyError::InvalidKeyId(_))
            }),
            (format!("{name}+{id}+{}", &key[1..]), |e| {
                matches!(e, KeyError::InvalidBase64(_))
            }),
            (format!("{name}+{id}+{key} "), |e| {
                matches!(e, KeyError::InvalidBase64(_))
            }),
            (format!("{name}+{id}+"), |e| {
                matches!(e, KeyError::WrongLength { .. })
            }),
            (format!("{name}+{id}+{short}"), |e| {
                matches!(e, KeyError::WrongLength { .. })
            }),
            (format!("{name}+{id}+{long}"), |e| {
                matches!(e, KeyError::WrongLength { .. })
            }),
            (format!("{name}+{id}+{type2}"), |e| {
                matches!(e, KeyError::UnsupportedType(2))
            }),
        ];
        for (text, expected) in cases {
            let err = VerifierKey::parse(&text).expect_err(&text);
            assert!(expected(&err), "{text}: {err:?}");
        }
        // Upper-case hex is accepted (as Go does) and shown lower-case.
        let upper = format!("{name}+{}+{key}", id.to_uppercase());
        assert_eq!(VerifierKey::parse(&upper).unwrap().to_string(), good);
        assert_eq!(good.parse::<VerifierKey>().unwrap(), sg.log_vkey());
    }

    #[test]
    fn signing_key_rejects_bad_names() {
        for name in ["", "a+b", "a b", "a\tb", "a\u{a0}b"] {
            assert!(SigningKey::from_seed(name, &[1; 32]).is_err(), "{name:?}");
        }
    }

    // ---- notes ----

    #[test]
    fn sign_then_open_round_trips_with_blank_lines_in_text() {
        let key = SigningKey::from_seed("example.com/k", &[7; 32]).unwrap();
        for text in ["a\n", "a\n\nb\n", "a\n\n", "\u{2014} x y\n\n\u{2014} z w\n"] {
            let note = sign(text, &[&key]).unwrap();
            let verified = open(&note, &[key.verifier_key()]).unwrap();
            assert_eq!(verified.text, text);
        }
    }

    #[test]
    fn sign_refuses_bad_texts() {
        let key = SigningKey::from_seed("example.com/k", &[7; 32]).unwrap();
        assert_eq!(sign("", &[&key]), Err(NoteError::EmptyText));
        assert_eq!(sign("a", &[&key]), Err(NoteError::TextWithoutFinalNewline));
        assert_eq!(
            sign("a\r\n", &[&key]),
            Err(NoteError::ControlCharacter { offset: 1 })
        );
        assert_eq!(sign("a\n", &[]), Err(NoteError::NoSigningKeys));
        let bad = Checkpoint {
            origin: "two\nlines".into(),
            size: 1,
            root: Hash([0; 32]),
            extensions: vec![],
        };
        assert!(bad.sign(&[&key]).is_err());
        let bad = Checkpoint {
            origin: "o".into(),
            size: 1,
            root: Hash([0; 32]),
            extensions: vec![String::new()],
        };
        assert!(bad.sign(&[&key]).is_err());
    }

    #[test]
    fn two_logs_keys_either_one_suffices() {
        let old = SigningKey::from_seed("example.com/log", &[1; 32]).unwrap();
        let new = SigningKey::from_seed("example.com/log", &[2; 32]).unwrap();
        let note = sign(
            "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            &[&old, &new],
        )
        .unwrap();
        for keys in [
            vec![old.verifier_key()],
            vec![new.verifier_key()],
            vec![old.verifier_key(), new.verifier_key()],
        ] {
            let v = open(&note, &keys).unwrap();
            assert_eq!(v.verified_by.len(), keys.len());
            assert_eq!(v.unverified.len(), 2 - keys.len());
        }
    }

    fn altered_line(note: &str, line: usize, new: &str) -> String {
        let mut lines: Vec<&str> = note.split('\n').collect();
        lines[line] = new;
        lines.join("\n")
    }

    #[test]
    fn altering_any_checkpoint_line_breaks_the_signature() {
        let sg = SelfGenerated::new();
        let note = sg.get("checkpoint_signed_note");
        let keys = [sg.log_vkey()];
        for (line, new) in [
            (0, "example.com/audit-ledger-tesT"),
            (0, "example.com/other-log"),
            (1, "9"),
            (1, "7"),
            (2, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyk="),
            (2, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ] {
            let altered = altered_line(note, line, new);
            let err = open_checkpoint(&altered, &keys, None).unwrap_err();
            assert!(
                matches!(err, NoteError::BadSignature { .. }),
                "{line}: {err}"
            );
        }
        // An added extension line is signed text too.
        let added = note.replacen("=\n\n", "=\nextension\n\n", 1);
        assert!(matches!(
            open(&added, &keys),
            Err(NoteError::BadSignature { .. })
        ));
    }

    #[test]
    fn flipped_signature_bits_fail() {
        let sg = SelfGenerated::new();
        let note = sg.get("checkpoint_signed_note");
        let (text, sigs) = split(note).unwrap();
        for i in [0, 31, 32, 63] {
            let mut raw = sigs[0].key_id.to_vec();
            raw.extend_from_slice(&sigs[0].signature);
            raw[4 + i] ^= 0x01;
            let forged = format!(
                "{text}\n\u{2014} {} {}\n",
                sigs[0].name,
                STANDARD.encode(raw)
            );
            assert!(
                matches!(
                    open(&forged, &[sg.log_vkey()]),
                    Err(NoteError::BadSignature { .. })
                ),
                "byte {i}"
            );
        }
        // A flipped key-ID byte makes the line someone else's: no known key signed.
        let mut raw = sigs[0].key_id.to_vec();
        raw.extend_from_slice(&sigs[0].signature);
        raw[0] ^= 0x80;
        let other = format!(
            "{text}\n\u{2014} {} {}\n",
            sigs[0].name,
            STANDARD.encode(raw)
        );
        assert!(matches!(
            open(&other, &[sg.log_vkey()]),
            Err(NoteError::NoKnownSignature { .. })
        ));
    }

    #[test]
    fn known_key_with_wrong_signature_length_is_an_error() {
        let sg = SelfGenerated::new();
        let (text, sigs) = split(sg.get("checkpoint_signed_note")).unwrap();
        for len in [1, 63, 65, 72] {
            let mut raw = sigs[0].key_id.to_vec();
            raw.extend(std::iter::repeat_n(0u8, len));
            let note = format!(
                "{text}\n\u{2014} {} {}\n",
                sigs[0].name,
                STANDARD.encode(raw)
            );
            assert_eq!(
                open(&note, &[sg.log_vkey()]),
                Err(NoteError::SignatureLength {
                    signer: "example.com/audit-ledger-test+5dd957c6".into(),
                    found: len
                })
            );
        }
    }

    #[test]
    fn unknown_key_only_is_refused() {
        let sg = SelfGenerated::new();
        let stranger = SigningKey::from_seed("example.com/audit-ledger-test", &[9; 32]).unwrap();
        let note = sign(sg.get("checkpoint_note_text"), &[&stranger]).unwrap();
        let err = open(&note, &[sg.log_vkey()]).unwrap_err();
        assert!(matches!(err, NoteError::NoKnownSignature { .. }), "{err}");
        // With no keys at all, nothing can verify.
        assert!(open(sg.get("checkpoint_signed_note"), &[]).is_err());
    }

    #[test]
    fn malformed_notes_are_refused() {
        let sg = SelfGenerated::new();
        let note = sg.get("checkpoint_signed_note");
        let keys = [sg.log_vkey()];
        let sig_line = note.split('\n').nth(4).unwrap();
        let text = sg.get("checkpoint_note_text");
        let cases: Vec<Case<NoteError>> = vec![
            // truncated
            (note[..note.len() - 1].to_owned(), |e| {
                matches!(e, NoteError::SignaturesWithoutFinalNewline)
            }),
            (note[..note.len() - 10].to_owned(), |e| {
                matches!(e, NoteError::SignaturesWithoutFinalNewline)
            }),
            (text.to_owned(), |e| matches!(e, NoteError::NoBlankLine)),
            (format!("{text}\n"), |e| {
                matches!(e, NoteError::NoSignatures)
            }),
            (String::new(), |e| matches!(e, NoteError::NoBlankLine)),
            // missing blank line
            (format!("{text}{sig_line}\n"), |e| {
                matches!(e, NoteError::NoBlankLine)
            }),
            // blank line at the end instead
            (format!("{note}\n"), |e| {
                matches!(e, NoteError::NoSignatures)
            }),
            // garbage after or between signatures
            (format!("{note}garbage\n"), |e| {
                matches!(e, NoteError::MalformedSignatureLine { line: 2, .. })
            }),
            (format!("{text}\ngarbage\n{sig_line}\n"), |e| {
                matches!(e, NoteError::MalformedSignatureLine { line: 1, .. })
            }),
            (format!("{text}\n- {}\n", &sig_line[4..]), |e| {
                matches!(e, NoteError::MalformedSignatureLine { .. })
            }),
            (format!("{text}\n{sig_line} \n"), |e| {
                matches!(e, NoteError::MalformedSignatureLine { .. })
            }),
            (
                format!("{text}\n{}\n", sig_line.replacen(' ', "  ", 2)),
                |e| matches!(e, NoteError::MalformedSignatureLine { .. }),
            ),
            (
                format!("{text}\n\u{2014} example.com/audit-ledger-test\n"),
                |e| matches!(e, NoteError::MalformedSignatureLine { .. }),
            ),
            (
                format!("{text}\n\u{2014} example.com/audit-ledger-test XdlXxg==\n"),
                |e| matches!(e, NoteError::MalformedSignatureLine { .. }),
            ),
            // control characters
            (note.replace('\n', "\r\n"), |e| {
                matches!(e, NoteError::ControlCharacter { .. })
            }),
            (format!("{text}\n{sig_line}\t\n"), |e| {
                matches!(e, NoteError::ControlCharacter { .. })
            }),
            // a duplicated checkpoint line changes the signed text
            (note.replacen("\n8\n", "\n8\n8\n", 1), |e| {
                matches!(e, NoteError::BadSignature { .. })
            }),
        ];
        for (bad, expected) in cases {
            let err = open(&bad, &keys).expect_err(&bad);
            assert!(expected(&err), "{bad:?}: {err:?}");
        }
    }

    #[test]
    fn duplicate_signature_lines() {
        let sg = SelfGenerated::new();
        let note = sg.get("checkpoint_signed_note");
        let sig_line = note.split('\n').nth(4).unwrap();
        let twice = format!("{note}{sig_line}\n");
        let v = open(&twice, &[sg.log_vkey()]).unwrap();
        assert_eq!(v.verified_by, vec![sg.log_vkey()]);
        // A second line from the same known key is checked too.
        let (text, sigs) = split(note).unwrap();
        let mut raw = sigs[0].key_id.to_vec();
        raw.extend_from_slice(&[0u8; 64]);
        let with_forged = format!("{note}\u{2014} {} {}\n", sigs[0].name, STANDARD.encode(raw));
        assert!(matches!(
            open(&with_forged, &[sg.log_vkey()]),
            Err(NoteError::BadSignature { .. })
        ));
        assert_eq!(text, sg.get("checkpoint_note_text"));
        // A repeated unknown line is listed once.
        let cosigned = sg.get("checkpoint_with_cosignature");
        let cosig_line = cosigned.split('\n').nth(5).unwrap();
        let v = open(&format!("{cosigned}{cosig_line}\n"), &[sg.log_vkey()]).unwrap();
        assert_eq!(v.unverified.len(), 1);
    }

    #[test]
    fn too_many_signature_lines() {
        let sg = SelfGenerated::new();
        let note = sg.get("checkpoint_with_cosignature");
        let cosig_line = note.split('\n').nth(5).unwrap();
        let mut many = note.to_owned();
        for _ in 0..(MAX_SIGNATURES - 2) {
            many.push_str(cosig_line);
            many.push('\n');
        }
        assert!(open(&many, &[sg.log_vkey()]).is_ok(), "100 lines are read");
        many.push_str(cosig_line);
        many.push('\n');
        assert_eq!(
            open(&many, &[sg.log_vkey()]),
            Err(NoteError::TooManySignatures { max: 100 })
        );
    }

    #[test]
    fn ambiguous_known_keys_are_refused() {
        // Two given keys with one name and key ID but different public keys cannot both be
        // "the" key; refusing is safer than picking one.
        let sg = SelfGenerated::new();
        let real = sg.log_vkey();
        let mut twin = SigningKey::from_seed("example.com/x", &[3; 32])
            .unwrap()
            .verifier_key();
        twin.name = real.name.clone();
        twin.key_id = real.key_id;
        assert!(matches!(
            open(sg.get("checkpoint_signed_note"), &[real, twin]),
            Err(NoteError::AmbiguousKey { .. })
        ));
    }

    // ---- checkpoints ----

    #[test]
    fn checkpoint_parse_is_strict() {
        let root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
        let good = format!("o\n8\n{root}\n");
        assert!(Checkpoint::parse(&good).is_ok());
        let with_ext = Checkpoint::parse(&format!("o\n0\n{root}\next one\nx\n")).unwrap();
        assert_eq!(with_ext.size, 0);
        assert_eq!(with_ext.extensions, vec!["ext one", "x"]);
        assert_eq!(
            with_ext.to_note_text(),
            format!("o\n0\n{root}\next one\nx\n")
        );
        let max = Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).unwrap();
        assert_eq!(max.size, u64::MAX);

        let cases: Vec<Case<CheckpointError>> = vec![
            (format!("o\n8\n{root}"), |e| {
                matches!(e, CheckpointError::NoFinalNewline)
            }),
            ("o\n8\n".into(), |e| {
                matches!(e, CheckpointError::TooFewLines { found: 2 })
            }),
            (format!("\n8\n{root}\n"), |e| {
                matches!(e, CheckpointError::EmptyOrigin)
            }),
            (format!("o\n08\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n00\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n+8\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n-1\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n 8\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n8 \n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n0x8\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n18446744073709551616\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidSize(_))
            }),
            (format!("o\n8\n{}\n", root.trim_end_matches('=')), |e| {
                matches!(e, CheckpointError::InvalidRoot(_))
            }),
            // non-canonical trailing bits
            (format!("o\n8\n{}h=\n", &root[..42]), |e| {
                matches!(e, CheckpointError::InvalidRoot(_))
            }),
            (format!("o\n8\n{}\n", root.replace('+', "-")), |e| {
                matches!(e, CheckpointError::InvalidRoot(_))
            }),
            ("o\n8\nAAAA\n".into(), |e| {
                matches!(e, CheckpointError::InvalidRoot(_))
            }),
            (format!("o\n8\n{root} \n"), |e| {
                matches!(e, CheckpointError::InvalidRoot(_))
            }),
            (format!("o\n8\n\n{root}\n"), |e| {
                matches!(e, CheckpointError::InvalidRoot(_))
            }),
            (format!("o\n8\n{root}\n\n"), |e| {
                matches!(e, CheckpointError::EmptyExtensionLine { line: 4 })
            }),
            (format!("o\r\n8\n{root}\n"), |e| {
                matches!(e, CheckpointError::ControlCharacter { offset: 1 })
            }),
        ];
        for (bad, expected) in cases {
            let err = Checkpoint::parse(&bad).expect_err(&bad);
            assert!(expected(&err), "{bad:?}: {err:?}");
        }
    }

    #[test]
    fn open_checkpoint_checks_origin_and_body() {
        let sg = SelfGenerated::new();
        let keys = [sg.log_vkey()];
        let note = sg.get("checkpoint_signed_note");
        assert_eq!(
            open_checkpoint(note, &keys, Some("example.com/another-log")).unwrap_err(),
            NoteError::OriginMismatch {
                expected: "example.com/another-log".into(),
                found: "example.com/audit-ledger-test".into()
            }
        );
        // A validly signed note that is not a checkpoint.
        let key = sg.log_key();
        let not_cp = sign("hello\n", &[&key]).unwrap();
        assert!(matches!(
            open_checkpoint(&not_cp, &keys, None),
            Err(NoteError::Checkpoint(CheckpointError::TooFewLines {
                found: 1
            }))
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_checkpoint_round_trips(
            origin in "[a-z./-]{1,30}",
            size in proptest::prelude::any::<u64>(),
            root in proptest::prelude::any::<[u8; 32]>(),
            extensions in proptest::collection::vec("[ -~]{1,20}", 0..3),
        ) {
            let key = SigningKey::from_seed("example.com/p", &[4; 32]).unwrap();
            let cp = Checkpoint { origin, size, root: Hash(root), extensions };
            let note = cp.sign(&[&key]).unwrap();
            let opened = open_checkpoint(&note, &[key.verifier_key()], Some(&cp.origin)).unwrap();
            proptest::prop_assert_eq!(opened.checkpoint, cp);
        }
    }
}
