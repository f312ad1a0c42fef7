//! RFC 8785 (JSON Canonicalization Scheme) samples, checked against the encoder the entries use.
//!
//! The first two cases are the RFC's own examples (sections 3.2.2 and 3.2.3); the others pin
//! down what matters for this ledger: Vietnamese text stays UTF-8 (no `\u` escapes), keys sort
//! by UTF-16 code units (so `ă`, `đ`, `ơ`, `ư` come after ASCII, and `ạ` after them), and
//! integers of đồng are written without exponent or fraction.

use serde_json::{Value, json};

#[track_caller]
fn check(input: &str, expected: &str) {
    let value: Value = serde_json::from_str(input).expect("sample parses");
    let bytes = serde_json_canonicalizer::to_vec(&value).expect("sample encodes");
    assert_eq!(std::str::from_utf8(&bytes).unwrap(), expected);
}

#[test]
fn rfc8785_section_3_2_2_values() {
    check(
        r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#,
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
    );
}

#[test]
fn rfc8785_section_3_2_3_sorting_by_utf16_code_units() {
    check(
        r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#,
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
    );
}

#[test]
fn vietnamese_keys_sort_by_code_unit_and_text_stays_utf8() {
    let value = json!({
        "ạ": 1, "ư": 2, "z": 3, "đ": 4, "a": 5, "ơ": 6, "ă": 7,
        "tên": "Hợp tác xã Dịch vụ Nông nghiệp Hoành Bồ",
    });
    let bytes = serde_json_canonicalizer::to_vec(&value).unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes).unwrap(),
        r#"{"a":5,"tên":"Hợp tác xã Dịch vụ Nông nghiệp Hoành Bồ","z":3,"ă":7,"đ":4,"ơ":6,"ư":2,"ạ":1}"#
    );
}

#[test]
fn money_in_dong_is_written_as_plain_integers() {
    check(
        r#"{"amount": 1000000000, "cap": 9007199254740991, "zero": 0}"#,
        r#"{"amount":1000000000,"cap":9007199254740991,"zero":0}"#,
    );
}

#[test]
fn nested_objects_and_arrays_keep_array_order() {
    check(
        r#"{"b": [3, 1, 2], "a": {"y": null, "x": [{"d": 1, "c": 2}]}}"#,
        r#"{"a":{"x":[{"c":2,"d":1}],"y":null},"b":[3,1,2]}"#,
    );
}
