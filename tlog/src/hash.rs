//! A SHA-256 digest in the tree: a leaf hash, an interior node, or a root.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A 32-byte SHA-256 digest of the tree: leaf hash, interior node or root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Hash(bytes)
    }

    /// # Errors
    /// When `bytes` is not exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, InvalidHash> {
        <[u8; 32]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| InvalidHash(format!("{} bytes instead of 32", bytes.len())))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// # Errors
    /// When `text` is not 64 hex digits.
    pub fn parse_hex(text: &str) -> Result<Self, InvalidHash> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|e| InvalidHash(format!("{text:?} is not 64 hex digits: {e}")))?;
        Ok(Hash(bytes))
    }

    /// Standard padded base64, as in checkpoints and proof files.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// # Errors
    /// When `text` is not the standard padded base64 of exactly 32 bytes.
    pub fn parse_base64(text: &str) -> Result<Self, InvalidHash> {
        let bytes = STANDARD
            .decode(text)
            .map_err(|e| InvalidHash(format!("{text:?} is not standard base64: {e}")))?;
        Hash::from_slice(&bytes)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid hash: {0}")]
pub struct InvalidHash(String);
