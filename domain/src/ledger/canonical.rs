//! RFC 8785 canonical JSON, with a fast path for the values this ledger writes.
//!
//! `serde_json_canonicalizer` implements RFC 8785 in full and is the reference here. For a
//! value whose numbers are all integers within ±2^53 and whose object keys are all below
//! U+D800 and already in ascending order, serde_json's own compact output is the same bytes:
//! its string escaping is RFC 8785's (short forms for `\b \t \n \f \r`, lowercase `\u00xx` for
//! other control characters, nothing else escaped), integers print alike, and below U+D800 the
//! order of UTF-16 code units is the order of UTF-8 bytes. Every entry the ledger writes is of
//! that kind (money is integer đồng, keys are field names), and the fast path is ten times
//! quicker. Anything else goes through the full canonicalizer. Tests hold the two paths equal.

use serde_json::Value;

/// The largest integer RFC 8785 (an IEEE 754 double) represents exactly.
pub(super) const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// The RFC 8785 canonical bytes of `value`.
///
/// # Errors
/// When the value cannot be encoded (the canonicalizer refuses it).
pub fn to_canonical_vec(value: &Value) -> Result<Vec<u8>, serde_json::Error> {
    if plain_output_is_canonical(value) {
        serde_json::to_vec(value)
    } else {
        serde_json_canonicalizer::to_vec(value)
    }
}

fn plain_output_is_canonical(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(n) => {
            n.as_u64().is_some_and(|u| u <= MAX_EXACT_INTEGER)
                || n.as_i64()
                    .is_some_and(|i| i.unsigned_abs() <= MAX_EXACT_INTEGER)
        }
        Value::Array(items) => items.iter().all(plain_output_is_canonical),
        Value::Object(map) => {
            let mut previous: Option<&str> = None;
            map.iter().all(|(key, item)| {
                let in_order = previous.is_none_or(|p| p < key.as_str());
                previous = Some(key);
                in_order
                    && key.chars().all(|c| (c as u32) < 0xD800)
                    && plain_output_is_canonical(item)
            })
        }
    }
}

/// Whether `bytes` are certainly RFC 8785 canonical JSON, decided in one pass without building
/// a tree. `false` means "not shown here": the caller then decides the slow way (parse, then
/// re-encode with [`to_canonical_vec`] and compare), which also names the exact problem.
///
/// It answers `true` only for text in the fast path's domain (see the module's doc): no
/// white space; integers without sign of zero, leading zeros, fraction or exponent, within
/// ±2^53; strings with exactly RFC 8785's escapes; object keys free of escapes and of
/// characters from U+E000 up, in strictly ascending order. A property test holds it to the
/// reference canonicalizer.
pub fn is_plainly_canonical(bytes: &[u8]) -> bool {
    if std::str::from_utf8(bytes).is_err() {
        return false;
    }
    let mut at = 0;
    value(bytes, &mut at) && at == bytes.len()
}

fn value(b: &[u8], at: &mut usize) -> bool {
    match b.get(*at) {
        Some(b'{') => object(b, at),
        Some(b'[') => array(b, at),
        Some(b'"') => string(b, at).is_some(),
        Some(b'-' | b'0'..=b'9') => integer(b, at),
        Some(b't') => literal(b, at, b"true"),
        Some(b'f') => literal(b, at, b"false"),
        Some(b'n') => literal(b, at, b"null"),
        _ => false,
    }
}

fn literal(b: &[u8], at: &mut usize, word: &[u8]) -> bool {
    let ok = b[*at..].starts_with(word);
    *at += word.len();
    ok
}

fn integer(b: &[u8], at: &mut usize) -> bool {
    let start = *at;
    if b[*at] == b'-' {
        *at += 1;
    }
    let digits = *at;
    while b.get(*at).is_some_and(u8::is_ascii_digit) {
        *at += 1;
    }
    let text = &b[digits..*at];
    let plain = match text {
        [] => false,
        [b'0'] => digits == start, // "0", never "-0"
        [b'0', ..] => false,
        _ => std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<u64>().ok())
            .is_some_and(|n| n <= MAX_EXACT_INTEGER),
    };
    plain && !matches!(b.get(*at), Some(b'.' | b'e' | b'E'))
}

/// Checks a string at `at` (the opening quote); returns its raw content when it holds no
/// escape, `Some(&[])`-like empty slices included, and `None` when it is not canonical.
fn string<'a>(b: &'a [u8], at: &mut usize) -> Option<(&'a [u8], bool)> {
    *at += 1;
    let start = *at;
    let mut escaped = false;
    loop {
        match *b.get(*at)? {
            b'"' => {
                *at += 1;
                return Some((&b[start..*at - 1], escaped));
            }
            0x00..=0x1f => return None,
            b'\\' => {
                escaped = true;
                let ok = match *b.get(*at + 1)? {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => {
                        *at += 2;
                        true
                    }
                    b'u' => {
                        let hex = b.get(*at + 2..*at + 6)?;
                        *at += 6;
                        // Only control characters without a short form are written \u00xx.
                        hex.starts_with(b"00")
                            && matches!(hex[2], b'0' | b'1')
                            && matches!(hex[3], b'0'..=b'9' | b'a'..=b'f')
                            && !matches!(&hex[2..], b"08" | b"09" | b"0a" | b"0c" | b"0d")
                    }
                    _ => false,
                };
                if !ok {
                    return None;
                }
            }
            _ => *at += 1,
        }
    }
}

fn array(b: &[u8], at: &mut usize) -> bool {
    *at += 1;
    if b.get(*at) == Some(&b']') {
        *at += 1;
        return true;
    }
    loop {
        if !value(b, at) {
            return false;
        }
        match b.get(*at) {
            Some(b',') => *at += 1,
            Some(b']') => {
                *at += 1;
                return true;
            }
            _ => return false,
        }
    }
}

fn object(b: &[u8], at: &mut usize) -> bool {
    *at += 1;
    if b.get(*at) == Some(&b'}') {
        *at += 1;
        return true;
    }
    let mut previous: Option<&[u8]> = None;
    loop {
        if b.get(*at) != Some(&b'"') {
            return false;
        }
        let Some((key, escaped)) = string(b, at) else {
            return false;
        };
        // Below U+E000 (no UTF-8 lead byte from 0xEE up), byte order is UTF-16 order.
        if escaped || key.iter().any(|&byte| byte >= 0xee) || previous.is_some_and(|p| p >= key) {
            return false;
        }
        previous = Some(key);
        if b.get(*at) != Some(&b':') {
            return false;
        }
        *at += 1;
        if !value(b, at) {
            return false;
        }
        match b.get(*at) {
            Some(b',') => *at += 1,
            Some(b'}') => {
                *at += 1;
                return true;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn fast_and_full_paths_agree_on_ledger_like_values() {
        let value = json!({
            "tên": "Hợp tác xã \"Đông Triều\"\n\t\u{1}\u{7f}\u{2028}/\\",
            "amount": 9_007_199_254_740_992u64,
            "negative": -9_007_199_254_740_992i64,
            "nested": [{"b": null, "a": true}, [], {}],
        });
        assert!(plain_output_is_canonical(&value));
        assert_eq!(
            to_canonical_vec(&value).unwrap(),
            serde_json_canonicalizer::to_vec(&value).unwrap()
        );
    }

    #[test]
    fn values_outside_the_fast_path_take_the_full_one() {
        for value in [
            json!({"x": 1.5}),
            json!({"x": 9_007_199_254_740_993u64}),
            json!({"\u{e000}": 1, "😀": 2}),
        ] {
            assert!(!plain_output_is_canonical(&value), "{value}");
            assert_eq!(
                to_canonical_vec(&value).unwrap(),
                serde_json_canonicalizer::to_vec(&value).unwrap()
            );
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<u64>().prop_map(|u| json!(u)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn keys_need_no_escape(value: &Value) -> bool {
        match value {
            Value::Array(items) => items.iter().all(keys_need_no_escape),
            Value::Object(map) => map.iter().all(|(k, v)| {
                k.chars()
                    .all(|c| c >= ' ' && c != '"' && c != '\\' && (c as u32) < 0xE000)
                    && keys_need_no_escape(v)
            }),
            _ => true,
        }
    }

    /// Whether the reference says `bytes` are canonical: they parse, and re-encode to themselves.
    fn reference_says_canonical(bytes: &[u8]) -> bool {
        serde_json::from_slice::<Value>(bytes)
            .ok()
            .and_then(|v| serde_json_canonicalizer::to_vec(&v).ok())
            .is_some_and(|c| c == bytes)
    }

    /// Canonical text, then one small edit: the kinds of difference a validator must see.
    fn edited_text() -> impl Strategy<Value = Vec<u8>> {
        (json_value(), any::<prop::sample::Index>(), 0..8usize).prop_map(|(value, index, edit)| {
            let mut bytes = serde_json_canonicalizer::to_vec(&value).unwrap();
            let at = index.index(bytes.len() + 1);
            let insert: &[u8] = match edit {
                0 => b" ",
                1 => b"0",
                2 => b"\\u0041",
                3 => b"-",
                4 => b".5",
                5 => b"\\/",
                6 => b",\"a\":1",
                _ => b"",
            };
            bytes.splice(at..at, insert.iter().copied());
            bytes
        })
    }

    proptest! {
        #[test]
        fn the_fast_path_is_rfc8785(value in json_value()) {
            prop_assert_eq!(to_canonical_vec(&value).unwrap(), serde_json_canonicalizer::to_vec(&value).unwrap());
        }

        #[test]
        fn the_validator_accepts_canonical_text_in_its_domain(value in json_value()) {
            let bytes = serde_json_canonicalizer::to_vec(&value).unwrap();
            // Canonical text of ledger-like values (keys needing no escape) is recognised...
            if plain_output_is_canonical(&value) && keys_need_no_escape(&value) {
                prop_assert!(is_plainly_canonical(&bytes), "{}", String::from_utf8_lossy(&bytes));
            }
            // ...and whatever the validator accepts, the reference accepts.
            if is_plainly_canonical(&bytes) {
                prop_assert!(reference_says_canonical(&bytes));
            }
        }

        #[test]
        fn the_validator_accepts_ledger_like_objects(
            fields in prop::collection::btree_map("[a-z_àáạăđêôơưỹ]{0,8}", json_value(), 0..8)
        ) {
            let value = Value::Object(fields.into_iter().collect());
            let bytes = serde_json_canonicalizer::to_vec(&value).unwrap();
            prop_assert_eq!(
                is_plainly_canonical(&bytes),
                plain_output_is_canonical(&value) && keys_need_no_escape(&value),
                "{}", String::from_utf8_lossy(&bytes)
            );
        }

        #[test]
        fn the_validator_never_accepts_what_the_reference_refuses(bytes in edited_text()) {
            if is_plainly_canonical(&bytes) {
                prop_assert!(reference_says_canonical(&bytes), "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }

    #[test]
    fn the_validator_recognises_ledger_entries_and_refuses_near_misses() {
        let canonical =
            r#"{"a":[1,-2,0,true,null,"H\u001fợp\n\"x\""],"b":{},"c":9007199254740992}"#.as_bytes();
        assert!(reference_says_canonical(canonical));
        assert!(is_plainly_canonical(canonical));
        for near_miss in [
            &br#"{"b":1,"a":2}"#[..],
            br#"{"a":1,"a":2}"#,
            br#"{"a": 1}"#,
            br#"{"a":1.0}"#,
            br#"{"a":-0}"#,
            br#"{"a":01}"#,
            br#"{"a":9007199254740993}"#,
            br#"{"a":"\u0041"}"#,
            br#"{"a":"\u001F"}"#,
            br#"{"a":"\u000a"}"#,
            br#"{"a":"\/"}"#,
            br#"{"a":1}x"#,
            br#"{"a":1"#,
        ] {
            assert!(
                !is_plainly_canonical(near_miss),
                "{}",
                String::from_utf8_lossy(near_miss)
            );
        }
    }
}
