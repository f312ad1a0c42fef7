//! The entry: one accepted event, encoded as RFC 8785 canonical JSON, and its RFC 6962 leaf hash.
//!
//! The entry object is
//! `{position, aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
//! metadata, recorded_at, prev_hash}`. Its canonical bytes are stored verbatim and are what is
//! hashed: verification re-hashes the stored bytes, never a re-encoding of database columns.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::canonical::{MAX_EXACT_INTEGER, is_plainly_canonical, to_canonical_vec};

/// RFC 6962 section 2.1: a leaf is hashed as SHA-256(0x00 || leaf bytes).
pub const LEAF_HASH_PREFIX: u8 = 0x00;

/// A SHA-256 digest of an entry as an RFC 6962 leaf.
///
/// INVARIANT: always 32 bytes; shown and encoded as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LeafHash([u8; 32]);

impl LeafHash {
    /// The `prev_hash` of the entry at position 0: 64 zeros.
    pub const GENESIS: LeafHash = LeafHash([0; 32]);

    /// The RFC 6962 leaf hash of `entry_bytes`.
    pub fn of_entry(entry_bytes: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update([LEAF_HASH_PREFIX]);
        hasher.update(entry_bytes);
        LeafHash(hasher.finalize().into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        LeafHash(bytes)
    }

    /// # Errors
    /// When `bytes` is not exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, InvalidHash> {
        <[u8; 32]>::try_from(bytes)
            .map(LeafHash)
            .map_err(|_| InvalidHash(format!("{} bytes instead of 32", bytes.len())))
    }

    /// # Errors
    /// When `text` is not 64 lowercase hex digits.
    pub fn parse_hex(text: &str) -> Result<Self, InvalidHash> {
        if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(InvalidHash(format!(
                "{text:?} is not 64 lowercase hex digits"
            )));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|e| InvalidHash(format!("{text:?}: {e}")))?;
        Ok(LeafHash(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Compares two digests without an early exit, so the time taken says nothing about
    /// where they differ.
    pub fn ct_eq(&self, other: &LeafHash) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl fmt::Display for LeafHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for LeafHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeafHash({})", self.to_hex())
    }
}

impl Serialize for LeafHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for LeafHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.as_str();
        LeafHash::parse_hex(text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid hash: {0}")]
pub struct InvalidHash(String);

/// Ledger time: when the ledger accepted an entry, in UTC, to the microsecond.
///
/// INVARIANT: encoded as RFC 3339 with six fractional digits and `Z`, e.g.
/// `2017-09-01T01:00:00.000000Z`; a value with finer precision is truncated on construction
/// so that encoding and decoding round-trip.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct RecordedAt(DateTime<Utc>);

impl RecordedAt {
    pub fn new(at: DateTime<Utc>) -> Self {
        let micros = at.timestamp_micros();
        RecordedAt(DateTime::from_timestamp_micros(micros).unwrap_or(at))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
}

impl Serialize for RecordedAt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for RecordedAt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.as_str();
        let parsed = DateTime::parse_from_rfc3339(text)
            .map_err(|e| serde::de::Error::custom(format!("recorded_at {text:?}: {e}")))?
            .with_timezone(&Utc);
        let value = RecordedAt::new(parsed);
        if value.to_rfc3339() != text {
            return Err(serde::de::Error::custom(format!(
                "recorded_at {text:?} is not in the form YYYY-MM-DDTHH:MM:SS.ffffffZ"
            )));
        }
        Ok(value)
    }
}

/// One entry of the log, as hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub position: u64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: u64,
    pub event_type: String,
    pub event_version: String,
    pub payload: serde_json::Value,
    pub metadata: serde_json::Value,
    pub recorded_at: RecordedAt,
    pub prev_hash: LeafHash,
}

impl Entry {
    /// The RFC 8785 canonical JSON bytes of this entry: the bytes that are stored and hashed.
    ///
    /// # Errors
    /// When the payload or metadata hold a value RFC 8785 cannot encode (a non-finite number).
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, EntryError> {
        let value = serde_json::to_value(self).map_err(|e| EntryError::Encoding(e.to_string()))?;
        to_canonical_vec(&value).map_err(|e| EntryError::Encoding(e.to_string()))
    }

    /// Parses stored entry bytes and checks that they are exactly the canonical encoding of
    /// what they contain.
    ///
    /// # Errors
    /// [`EntryError::Malformed`] when the bytes are not an entry object, and
    /// [`EntryError::NotCanonical`] when they are one but not in RFC 8785 form.
    pub fn parse_canonical(bytes: &[u8]) -> Result<Entry, EntryError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| EntryError::Malformed(e.to_string()))?;
        let canonical =
            to_canonical_vec(&value).map_err(|e| EntryError::Encoding(e.to_string()))?;
        let entry: Entry =
            serde_json::from_value(value).map_err(|e| EntryError::Malformed(e.to_string()))?;
        if canonical != bytes {
            return Err(EntryError::NotCanonical);
        }
        Ok(entry)
    }
}

/// An entry's fields other than its payload and metadata, borrowed: what the appender knows
/// when it chains a command's events.
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    pub position: u64,
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    pub sequence: u64,
    pub event_type: &'a str,
    pub event_version: &'a str,
    pub recorded_at: RecordedAt,
    pub prev_hash: LeafHash,
}

impl EntryFields<'_> {
    /// The entry's canonical bytes, given the RFC 8785 bytes of its payload and metadata
    /// ([`to_canonical_vec`]): exactly [`Entry::canonical_bytes`] of the same entry.
    ///
    /// RFC 8785 encodes each member's value on its own and sorts members by key; the entry's
    /// keys are fixed ASCII words, so the entry is its members written in the order of
    /// [`ENTRY_KEYS`], the payload and metadata copied in. This lets each command encode its
    /// payload and metadata once, on its own task, and leaves the appender copying and hashing.
    ///
    /// # Errors
    /// When the bytes given are not JSON (only on the rare path below that re-reads them).
    pub fn canonical_bytes(
        &self,
        canonical_payload: &[u8],
        canonical_metadata: &[u8],
    ) -> Result<Vec<u8>, EntryError> {
        if self.position > MAX_EXACT_INTEGER || self.sequence > MAX_EXACT_INTEGER {
            // RFC 8785 writes such numbers as doubles: leave that to the canonicalizer.
            let parse = |bytes: &[u8]| {
                serde_json::from_slice(bytes).map_err(|e| EntryError::Encoding(e.to_string()))
            };
            return self
                .to_entry(parse(canonical_payload)?, parse(canonical_metadata)?)
                .canonical_bytes();
        }
        let mut out = Vec::with_capacity(
            canonical_payload.len()
                + canonical_metadata.len()
                + self.aggregate_type.len()
                + self.aggregate_id.len()
                + self.event_type.len()
                + self.event_version.len()
                + 256,
        );
        let mut hash = [0u8; 64];
        hex::encode_to_slice(self.prev_hash.as_bytes(), &mut hash)
            .map_err(|e| EntryError::Encoding(e.to_string()))?;
        out.extend_from_slice(b"{\"aggregate_id\":");
        write_string(&mut out, self.aggregate_id)?;
        out.extend_from_slice(b",\"aggregate_type\":");
        write_string(&mut out, self.aggregate_type)?;
        out.extend_from_slice(b",\"event_type\":");
        write_string(&mut out, self.event_type)?;
        out.extend_from_slice(b",\"event_version\":");
        write_string(&mut out, self.event_version)?;
        out.extend_from_slice(b",\"metadata\":");
        out.extend_from_slice(canonical_metadata);
        out.extend_from_slice(b",\"payload\":");
        out.extend_from_slice(canonical_payload);
        out.extend_from_slice(b",\"position\":");
        write_integer(&mut out, self.position);
        out.extend_from_slice(b",\"prev_hash\":\"");
        out.extend_from_slice(&hash);
        out.extend_from_slice(b"\",\"recorded_at\":");
        write_string(&mut out, &self.recorded_at.to_rfc3339())?;
        out.extend_from_slice(b",\"sequence\":");
        write_integer(&mut out, self.sequence);
        out.push(b'}');
        Ok(out)
    }

    /// The owned entry with this payload and metadata.
    pub fn to_entry(&self, payload: serde_json::Value, metadata: serde_json::Value) -> Entry {
        Entry {
            position: self.position,
            aggregate_type: self.aggregate_type.to_string(),
            aggregate_id: self.aggregate_id.to_string(),
            sequence: self.sequence,
            event_type: self.event_type.to_string(),
            event_version: self.event_version.to_string(),
            payload,
            metadata,
            recorded_at: self.recorded_at,
            prev_hash: self.prev_hash,
        }
    }
}

/// A JSON string as serde_json writes it, which within RFC 8785 is RFC 8785's form (see
/// [`to_canonical_vec`]: the same escapes, nothing else escaped).
fn write_string(out: &mut Vec<u8>, text: &str) -> Result<(), EntryError> {
    serde_json::to_writer(out, text).map_err(|e| EntryError::Encoding(e.to_string()))
}

fn write_integer(out: &mut Vec<u8>, value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The fields of an entry that chain verification needs, read from stored bytes that have
/// been checked to be a well-formed entry in canonical form, without copying the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    pub position: u64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: u64,
    pub prev_hash: LeafHash,
}

/// An entry read for its header: payload and metadata are skipped (their syntax still checked).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // event_type, event_version, payload, metadata: read only to be checked
struct RawEntry<'a> {
    position: u64,
    #[serde(borrow)]
    aggregate_type: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    aggregate_id: std::borrow::Cow<'a, str>,
    sequence: u64,
    #[serde(borrow)]
    event_type: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    event_version: std::borrow::Cow<'a, str>,
    payload: serde::de::IgnoredAny,
    metadata: serde::de::IgnoredAny,
    recorded_at: RecordedAt,
    prev_hash: LeafHash,
}

/// The entry object's keys, in canonical order.
const ENTRY_KEYS: [&str; 10] = [
    "aggregate_id",
    "aggregate_type",
    "event_type",
    "event_version",
    "metadata",
    "payload",
    "position",
    "prev_hash",
    "recorded_at",
    "sequence",
];

impl EntryHeader {
    /// Checks stored bytes as [`Entry::parse_canonical`] does, returning only the header.
    ///
    /// # Errors
    /// As for [`Entry::parse_canonical`].
    pub fn parse_canonical(bytes: &[u8]) -> Result<EntryHeader, EntryError> {
        if is_plainly_canonical(bytes) {
            return Self::parse_plain(bytes);
        }
        Self::parse_checked(bytes)
    }

    /// Bytes already known to be canonical: read the fields without building a tree.
    fn parse_plain(bytes: &[u8]) -> Result<EntryHeader, EntryError> {
        let raw: RawEntry<'_> =
            serde_json::from_slice(bytes).map_err(|e| EntryError::Malformed(e.to_string()))?;
        Ok(EntryHeader {
            position: raw.position,
            aggregate_type: raw.aggregate_type.into_owned(),
            aggregate_id: raw.aggregate_id.into_owned(),
            sequence: raw.sequence,
            prev_hash: raw.prev_hash,
        })
    }

    /// Any bytes: parse, re-encode and compare, naming the exact problem.
    fn parse_checked(bytes: &[u8]) -> Result<EntryHeader, EntryError> {
        let mut value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| EntryError::Malformed(e.to_string()))?;
        let canonical =
            to_canonical_vec(&value).map_err(|e| EntryError::Encoding(e.to_string()))?;
        let object = value
            .as_object_mut()
            .ok_or_else(|| EntryError::Malformed("an entry is a JSON object".into()))?;
        if object.len() != ENTRY_KEYS.len() || !ENTRY_KEYS.iter().all(|k| object.contains_key(*k)) {
            let keys: Vec<&String> = object.keys().collect();
            return Err(EntryError::Malformed(format!(
                "entry keys are {keys:?}, expected {ENTRY_KEYS:?}"
            )));
        }
        let field = |key: &str| &object[key];
        let malformed =
            |key: &str, e: serde_json::Error| EntryError::Malformed(format!("{key}: {e}"));
        let integer = |key: &str| u64::deserialize(field(key)).map_err(|e| malformed(key, e));
        let text = |key: &str| {
            field(key)
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| EntryError::Malformed(format!("{key}: not a string")))
        };
        RecordedAt::deserialize(field("recorded_at")).map_err(|e| malformed("recorded_at", e))?;
        for key in ["event_type", "event_version"] {
            text(key)?;
        }
        let header = EntryHeader {
            position: integer("position")?,
            aggregate_type: text("aggregate_type")?,
            aggregate_id: text("aggregate_id")?,
            sequence: integer("sequence")?,
            prev_hash: LeafHash::deserialize(field("prev_hash"))
                .map_err(|e| malformed("prev_hash", e))?,
        };
        if canonical != bytes {
            return Err(EntryError::NotCanonical);
        }
        Ok(header)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("malformed entry: {0}")]
    Malformed(String),
    #[error("entry bytes are not in RFC 8785 canonical form")]
    NotCanonical,
    #[error("entry cannot be encoded: {0}")]
    Encoding(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Entry {
        Entry {
            position: 0,
            aggregate_type: "Cooperative".into(),
            aggregate_id: "5700100001".into(),
            sequence: 1,
            event_type: "CooperativeRegistered".into(),
            event_version: "1".into(),
            payload: json!({"ten": "Hợp tác xã Nông nghiệp Đông Triều", "so_thanh_vien": 7}),
            metadata: json!({"actor": {"user_id": "u1", "role": "clerk"}}),
            recorded_at: RecordedAt::new(
                DateTime::parse_from_rfc3339("2017-09-01T01:02:03.456789Z")
                    .unwrap()
                    .with_timezone(&Utc),
            ),
            prev_hash: LeafHash::GENESIS,
        }
    }

    #[test]
    fn canonical_bytes_sort_keys_and_keep_vietnamese_text_as_utf8() {
        let bytes = sample().canonical_bytes().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with(
            r#"{"aggregate_id":"5700100001","aggregate_type":"Cooperative","event_type""#
        ));
        assert!(text.contains(
            r#""payload":{"so_thanh_vien":7,"ten":"Hợp tác xã Nông nghiệp Đông Triều"}"#
        ));
        assert!(text.contains(r#""recorded_at":"2017-09-01T01:02:03.456789Z""#));
        assert!(text.ends_with(&format!(
            r#""prev_hash":"{}","recorded_at":"2017-09-01T01:02:03.456789Z","sequence":1}}"#,
            "0".repeat(64)
        )));
    }

    #[test]
    fn parse_canonical_round_trips() {
        let bytes = sample().canonical_bytes().unwrap();
        assert_eq!(Entry::parse_canonical(&bytes).unwrap(), sample());
    }

    #[test]
    fn parse_canonical_rejects_reordered_keys_and_whitespace() {
        let bytes = sample().canonical_bytes().unwrap();
        let spaced = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen(':', ": ", 1);
        assert_eq!(
            Entry::parse_canonical(spaced.as_bytes()),
            Err(EntryError::NotCanonical)
        );
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        assert_eq!(
            Entry::parse_canonical(&pretty),
            Err(EntryError::NotCanonical)
        );
    }

    #[test]
    fn parse_canonical_rejects_unknown_and_missing_fields() {
        let mut value: serde_json::Value =
            serde_json::from_slice(&sample().canonical_bytes().unwrap()).unwrap();
        value["extra"] = json!(1);
        let bytes = serde_json_canonicalizer::to_vec(&value).unwrap();
        assert!(matches!(
            Entry::parse_canonical(&bytes),
            Err(EntryError::Malformed(_))
        ));
        value.as_object_mut().unwrap().remove("extra");
        value.as_object_mut().unwrap().remove("prev_hash");
        let bytes = serde_json_canonicalizer::to_vec(&value).unwrap();
        assert!(matches!(
            Entry::parse_canonical(&bytes),
            Err(EntryError::Malformed(_))
        ));
    }

    #[test]
    fn the_header_parser_accepts_and_refuses_what_the_full_parser_does() {
        let bytes = sample().canonical_bytes().unwrap();
        let header = EntryHeader::parse_canonical(&bytes).unwrap();
        assert_eq!(
            (
                header.position,
                header.sequence,
                header.aggregate_id.as_str()
            ),
            (0, 1, "5700100001")
        );
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        value["extra"] = json!(1);
        let extra = serde_json_canonicalizer::to_vec(&value).unwrap();
        assert!(matches!(
            EntryHeader::parse_canonical(&extra),
            Err(EntryError::Malformed(_))
        ));
        value.as_object_mut().unwrap().remove("extra");
        value["recorded_at"] = json!("2017-09-01T01:02:03Z");
        let bad_time = serde_json_canonicalizer::to_vec(&value).unwrap();
        assert!(matches!(
            EntryHeader::parse_canonical(&bad_time),
            Err(EntryError::Malformed(_))
        ));
        value["recorded_at"] = json!("2017-09-01T01:02:03.456789Z");
        value["sequence"] = json!(-1);
        let negative = serde_json_canonicalizer::to_vec(&value).unwrap();
        assert!(matches!(
            EntryHeader::parse_canonical(&negative),
            Err(EntryError::Malformed(_))
        ));
        let spaced = String::from_utf8(bytes).unwrap().replacen(':', ": ", 1);
        assert_eq!(
            EntryHeader::parse_canonical(spaced.as_bytes()),
            Err(EntryError::NotCanonical)
        );
    }

    #[test]
    fn the_fast_and_checked_header_parsers_agree() {
        let bytes = sample().canonical_bytes().unwrap();
        assert!(
            super::is_plainly_canonical(&bytes),
            "an entry takes the fast path"
        );
        assert_eq!(
            EntryHeader::parse_plain(&bytes).unwrap(),
            EntryHeader::parse_checked(&bytes).unwrap()
        );
    }

    #[test]
    fn recorded_at_must_have_six_fraction_digits_and_z() {
        for bad in ["2017-09-01T01:02:03Z", "2017-09-01T08:02:03.000000+07:00"] {
            let result: Result<RecordedAt, _> = serde_json::from_value(json!(bad));
            assert!(result.is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn leaf_hash_matches_rfc6962_vectors() {
        // ../shared/vectors/rfc6962-merkle.json, hash_primitives.
        assert_eq!(
            LeafHash::of_entry(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            LeafHash::of_entry(b"L123456").to_hex(),
            "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
        );
    }

    #[test]
    fn leaf_hash_hex_is_strict() {
        assert!(LeafHash::parse_hex(&"A".repeat(64)).is_err());
        assert!(LeafHash::parse_hex(&"a".repeat(63)).is_err());
        assert!(LeafHash::parse_hex(&"a".repeat(64)).is_ok());
    }

    fn assembled(entry: &Entry) -> Vec<u8> {
        let fields = EntryFields {
            position: entry.position,
            aggregate_type: &entry.aggregate_type,
            aggregate_id: &entry.aggregate_id,
            sequence: entry.sequence,
            event_type: &entry.event_type,
            event_version: &entry.event_version,
            recorded_at: entry.recorded_at,
            prev_hash: entry.prev_hash,
        };
        fields
            .canonical_bytes(
                &to_canonical_vec(&entry.payload).unwrap(),
                &to_canonical_vec(&entry.metadata).unwrap(),
            )
            .unwrap()
    }

    #[test]
    fn assembled_bytes_are_the_entry_bytes() {
        let mut entry = sample();
        assert_eq!(assembled(&entry), entry.canonical_bytes().unwrap());
        // Outside the fast path: a fraction, keys out of UTF-16 order, numbers past 2^53.
        entry.payload = json!({"\u{e000}": 1, "\u{1f600}": 2.5, "b": [1e300, -0.0]});
        entry.position = (1 << 53) + 1;
        entry.sequence = u64::MAX;
        entry.prev_hash = LeafHash::from_bytes([0xab; 32]);
        assert_eq!(assembled(&entry), entry.canonical_bytes().unwrap());
        entry.position = 1 << 53;
        entry.sequence = 1 << 53;
        assert_eq!(assembled(&entry), entry.canonical_bytes().unwrap());
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            any::<String>().prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map(any::<String>(), inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn assembled_bytes_are_the_entry_bytes_for_any_entry(
            position in proptest::prop_oneof![0u64..1_000_000, proptest::prelude::any::<u64>()],
            sequence in proptest::prop_oneof![1u64..1_000, proptest::prelude::any::<u64>()],
            aggregate_type in "\\PC{0,12}",
            aggregate_id in proptest::prelude::any::<String>(),
            event_type in "[\\x00-\\x7f]{0,12}",
            event_version in "\\PC{0,4}",
            payload in json_value(),
            metadata in json_value(),
            micros in 0i64..4_000_000_000_000_000,
            hash in proptest::prelude::any::<[u8; 32]>(),
        ) {
            let entry = Entry {
                position,
                aggregate_type,
                aggregate_id,
                sequence,
                event_type,
                event_version,
                payload,
                metadata,
                recorded_at: RecordedAt::new(DateTime::from_timestamp_micros(micros).unwrap()),
                prev_hash: LeafHash::from_bytes(hash),
            };
            proptest::prop_assert_eq!(assembled(&entry), entry.canonical_bytes().unwrap());
        }
    }
}
