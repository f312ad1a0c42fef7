//! PostgreSQL's binary `COPY` format, written: the one encoder of the rows the store loads
//! with `COPY … FROM STDIN WITH (FORMAT binary)` (the projection tables, the mirror's copy of
//! a log).
//!
//! The format (PostgreSQL's documentation, "COPY", "Binary Format"): a signature, a flags
//! word and a header extension length; then each row as its field count (int16) and each
//! field as its length (int32, -1 for NULL) and its bytes, in the column type's binary form
//! (`bigint` 8 bytes big-endian, `smallint` 2, `boolean` 1, `text` its UTF-8 bytes, `bytea`
//! its bytes); then a field count of -1. Nothing is escaped or parsed on either side, as the
//! text format would.

use super::statement::Transaction;
use crate::error::StoreError;

/// The start of the format: the signature, then no flags and no header extension.
pub(crate) const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The end of the format: a field count of -1.
pub(crate) const TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// Rows being written in the binary format, header first.
pub(crate) struct CopyOut {
    buffer: Vec<u8>,
}

impl CopyOut {
    /// An empty copy: only the header.
    pub(crate) fn new() -> CopyOut {
        CopyOut::with_capacity(0)
    }

    /// An empty copy with room for `bytes` (kept when [`CopyOut::take`] hands bytes on).
    pub(crate) fn with_capacity(bytes: usize) -> CopyOut {
        let mut buffer = Vec::with_capacity(bytes.max(HEADER.len()));
        buffer.extend_from_slice(HEADER);
        CopyOut { buffer }
    }

    /// Starts a row of `fields` fields.
    pub(crate) fn row(&mut self, fields: i16) -> &mut Self {
        self.buffer.extend_from_slice(&fields.to_be_bytes());
        self
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.buffer.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        self.buffer.extend_from_slice(&8i32.to_be_bytes());
        self.buffer.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub(crate) fn small_int(&mut self, value: i16) -> &mut Self {
        self.buffer.extend_from_slice(&2i32.to_be_bytes());
        self.buffer.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub(crate) fn bool(&mut self, value: bool) -> &mut Self {
        self.buffer.extend_from_slice(&1i32.to_be_bytes());
        self.buffer.push(u8::from(value));
        self
    }

    /// A `text` field.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when it is longer than a field may be (2 GiB).
    pub(crate) fn text(&mut self, value: &str) -> Result<&mut Self, StoreError> {
        self.bytes(value.as_bytes())
    }

    /// A `bytea` field.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when it is longer than a field may be (2 GiB).
    pub(crate) fn bytes(&mut self, value: &[u8]) -> Result<&mut Self, StoreError> {
        let length = i32::try_from(value.len()).map_err(|_| {
            StoreError::Refused(format!(
                "a field of {} bytes is too long for COPY",
                value.len()
            ))
        })?;
        self.buffer.extend_from_slice(&length.to_be_bytes());
        self.buffer.extend_from_slice(value);
        Ok(self)
    }

    /// Bytes written and not yet taken.
    pub(crate) fn len(&self) -> usize {
        self.buffer.len()
    }

    /// The bytes written so far, to send while more rows are written; the room stays.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        let room = self.buffer.capacity();
        std::mem::replace(&mut self.buffer, Vec::with_capacity(room))
    }

    /// The rest of the bytes, with the trailer.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buffer.extend_from_slice(&TRAILER);
        self.buffer
    }
}

/// Runs `statement` (a `COPY … FROM STDIN WITH (FORMAT binary)`) on the PostgreSQL
/// transaction `tx` with all of `out`, counted as one statement. Does nothing on SQLite.
pub(crate) async fn send(
    tx: &mut Transaction,
    statement: &str,
    out: CopyOut,
) -> Result<(), StoreError> {
    tx.count();
    if let Some(tx) = tx.postgres() {
        let mut copy = tx.copy_in_raw(statement).await?;
        copy.send(out.finish()).await?;
        copy.finish().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_field_counts_lengths_and_bytes() {
        let mut out = CopyOut::new();
        out.row(6)
            .text("a\tb ấp")
            .unwrap()
            .null()
            .int(-42)
            .bool(true)
            .small_int(7)
            .bytes(&[])
            .unwrap();
        let mut expected = HEADER.to_vec();
        expected.extend([0, 6]);
        expected.extend([0, 0, 0, 8]);
        expected.extend("a\tb ấp".as_bytes());
        expected.extend([0xff, 0xff, 0xff, 0xff]);
        expected.extend([0, 0, 0, 8]);
        expected.extend((-42i64).to_be_bytes());
        expected.extend([0, 0, 0, 1, 1]);
        expected.extend([0, 0, 0, 2, 0, 7]);
        expected.extend([0, 0, 0, 0]);
        expected.extend([0xff, 0xff]);
        assert_eq!(out.finish(), expected);
        assert_eq!(HEADER.len(), 19, "11-byte signature, flags, extension");
    }
}
