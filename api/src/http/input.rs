//! Reading a command's body: JSON into the action's typed fields, every field the action does
//! not know refused by name, and every input error said in Vietnamese and English, naming the
//! field, what was expected and what came (`content.members.official`: cần số nguyên không âm,
//! nhận chuỗi "bảy" / expected a whole number ≥ 0, got the string "bảy").
//!
//! serde's own messages are English and fixed in form (`missing field`, `invalid type: …,
//! expected …`); [`translate`] reads them, so that a client never sees them raw. The paths come
//! from `serde_path_to_error`, the unknown fields from `serde_ignored`.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::problem::Problem;

/// One input error: the field it is about (a dotted path, empty for the whole body) and the
/// bilingual text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub field: String,
    pub detail: String,
}

impl InputError {
    pub fn at_field(field: &str, vi: &str, en: &str) -> InputError {
        let shown = if field.is_empty() {
            String::new()
        } else {
            format!("`{field}`: ")
        };
        InputError {
            field: field.to_string(),
            detail: format!("{shown}{vi} / {en}"),
        }
    }

    pub fn into_problem(self) -> Problem {
        Problem::invalid_command(self.detail).with_field(self.field)
    }
}

/// The body as a JSON object, or a 400 saying where it stops being JSON.
///
/// # Errors
/// A body that is not JSON, or not an object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, Problem> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let (vi, en) = match e.classify() {
            serde_json::error::Category::Eof => (
                "nội dung kết thúc trước khi JSON kết thúc".to_string(),
                "the body ends before its JSON does".to_string(),
            ),
            _ => {
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_string();
                (format!("lỗi cú pháp JSON ({message})"), format!("a JSON syntax error ({message})"))
            }
        };
        Problem::malformed(format!(
            "nội dung không phải JSON hợp lệ ở dòng {line}, cột {column}: {vi} / the body is not valid JSON at line {line}, column {column}: {en}"
        ))
    })?;
    match value {
        Value::Object(fields) => Ok(fields),
        other => Err(Problem::malformed(format!(
            "nội dung phải là một đối tượng JSON {{…}}, nhận {} / the body must be a JSON object {{…}}, got {}",
            kind_vi(&other),
            kind_en(&other)
        ))),
    }
}

/// Reads `value` as a `T`, refusing any field `T` does not have. `prefix` is dropped from the
/// paths shown (the enum tag the action is wrapped in).
///
/// # Errors
/// The first unknown field, or what serde refused, translated.
pub fn typed<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, InputError> {
    let mut unknown: Vec<String> = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let result = {
        let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
        let deserializer = serde_path_to_error::Deserializer::new(&value, &mut track);
        T::deserialize(serde_ignored::Deserializer::new(deserializer, &mut note))
    };
    match result {
        Ok(typed) => match unknown.first() {
            None => Ok(typed),
            Some(path) => {
                let path = strip(path, prefix);
                Err(InputError::at_field(
                    &path,
                    "trường này không có trong lệnh (viết sai tên?)",
                    "no such field in this command (a misspelt name?)",
                ))
            }
        },
        Err(error) => {
            let path = track.path();
            let received = lookup(&value, &path);
            let path = strip(&path.to_string(), prefix);
            Err(translate(&path, &error.to_string(), received))
        }
    }
}

fn strip(path: &str, prefix: &str) -> String {
    let path = if path == "." { "" } else { path };
    match path.strip_prefix(prefix) {
        Some(rest) => rest.trim_start_matches('.').to_string(),
        None => path.to_string(),
    }
}

/// The value at `path` in `root`, to name what came.
fn lookup<'a>(root: &'a Value, path: &serde_path_to_error::Path) -> Option<&'a Value> {
    use serde_path_to_error::Segment;
    let mut at = root;
    for segment in path.iter() {
        at = match segment {
            Segment::Seq { index } => at.get(*index)?,
            Segment::Map { key } => at.get(key)?,
            Segment::Enum { variant } => at.get(variant)?,
            Segment::Unknown => return None,
        };
    }
    Some(at)
}

fn kind_vi(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("giá trị {b}"),
        Value::Number(n) => format!("số {n}"),
        Value::String(s) => format!("chuỗi {s:?}"),
        Value::Array(_) => "một danh sách".into(),
        Value::Object(_) => "một đối tượng".into(),
    }
}

fn kind_en(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the value {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// What serde's `expected …` part means, in both languages.
fn expected(what: &str) -> (String, String) {
    let what = what.trim();
    let integer = |vi: &str, en: &str| (vi.to_string(), en.to_string());
    match what {
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            integer("số nguyên không âm", "a whole number ≥ 0")
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => integer("số nguyên", "a whole number"),
        "a string" | "a borrowed string" | "string" => integer("chuỗi", "a string"),
        "a boolean" => integer("true hoặc false", "true or false"),
        "a sequence" => integer("một danh sách [...]", "a list [...]"),
        "a map" => integer("một đối tượng {...}", "an object {...}"),
        "a formatted date string" => (DATE_VI.to_string(), DATE_EN.to_string()),
        "unit variant" => integer(
            "hành động này không có trường nào ngoài phong bì",
            "this action takes no fields besides the envelope",
        ),
        _ => {
            if let Some(name) = what.strip_prefix("struct ") {
                return (
                    format!("một đối tượng {{...}} ({name})"),
                    format!("an object {{...}} ({name})"),
                );
            }
            if let Some(name) = what.strip_prefix("enum ") {
                return (
                    format!("một giá trị của {name}"),
                    format!("a value of {name}"),
                );
            }
            (what.to_string(), what.to_string())
        }
    }
}

/// serde's rendering of what came (`string "x"`, `integer `5``, …).
fn unexpected(what: &str) -> (String, String) {
    let what = what.trim();
    let bare = |s: &str| s.trim_matches('`').to_string();
    if let Some(text) = what.strip_prefix("string ") {
        return (format!("chuỗi {text}"), format!("the string {text}"));
    }
    for (prefix, vi, en) in [
        ("integer ", "số", "the number"),
        ("floating point ", "số thập phân", "the decimal number"),
        ("boolean ", "giá trị", "the value"),
    ] {
        if let Some(rest) = what.strip_prefix(prefix) {
            return (
                format!("{vi} {}", bare(rest)),
                format!("{en} {}", bare(rest)),
            );
        }
    }
    match what {
        "null" | "unit value" => ("null".into(), "null".into()),
        "map" => ("một đối tượng".into(), "an object".into()),
        "sequence" => ("một danh sách".into(), "a list".into()),
        "unit variant" => ("một tên hành động".into(), "an action name".into()),
        other => (other.to_string(), other.to_string()),
    }
}

const DATE_VI: &str = "ngày dạng YYYY-MM-DD (ví dụ 2018-03-15)";
const DATE_EN: &str = "a date YYYY-MM-DD (e.g. 2018-03-15)";

/// chrono's messages for a date string it could not read.
const CHRONO: [&str; 7] = [
    "input contains invalid characters",
    "premature end of input",
    "trailing input",
    "input is out of range",
    "input is not enough for unique date and time",
    "no possible date and time matching input",
    "bad or unsupported format string",
];

/// A date written `dd/mm/yyyy`, as officials write it, in the form the API reads.
pub fn iso_hint(text: &str) -> Option<String> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y").ok()?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// The bilingual form of serde's message `message` about the field at `path`, whose value
/// (when there is one) is `received`.
pub fn translate(path: &str, message: &str, received: Option<&Value>) -> InputError {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.trim_end_matches('`');
        let field = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return InputError::at_field(
            &field,
            "thiếu trường bắt buộc",
            "a required field is missing",
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let name = rest.trim_end_matches('`');
        let field = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return InputError::at_field(&field, "trường bị lặp lại", "the field is given twice");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (name, list) = rest.split_once('`').unwrap_or((rest, ""));
        let options = list
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .replace('`', "");
        return InputError::at_field(
            path,
            &format!("giá trị {name:?} không có trong danh sách: {options}"),
            &format!("{name:?} is not one of: {options}"),
        );
    }
    for (prefix, vi_kind, en_kind) in [
        ("invalid type: ", "sai kiểu", "wrong type"),
        ("invalid value: ", "sai giá trị", "wrong value"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((got, want)) = rest.split_once(", expected ")
        {
            let (want_vi, want_en) = expected(want);
            let (got_vi, got_en) = unexpected(got);
            let hint = received
                .and_then(Value::as_str)
                .and_then(iso_hint)
                .filter(|_| want == "a formatted date string");
            let (hint_vi, hint_en) = hint.map_or((String::new(), String::new()), |h| {
                (format!(" (viết là {h:?})"), format!(" (write {h:?})"))
            });
            return InputError::at_field(
                path,
                &format!("{vi_kind}: cần {want_vi}, nhận {got_vi}{hint_vi}"),
                &format!("{en_kind}: expected {want_en}, got {got_en}{hint_en}"),
            );
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((got, want)) = rest.split_once(", expected ")
    {
        return InputError::at_field(
            path,
            &format!("sai độ dài {got}: cần {want}"),
            &format!("wrong length {got}: expected {want}"),
        );
    }
    if CHRONO.contains(&message) {
        let got = received.map_or_else(String::new, |value| {
            let hint = value.as_str().and_then(iso_hint);
            let (vi, en) = (kind_vi(value), kind_en(value));
            match hint {
                Some(h) => format!(", nhận {vi}, viết là {h:?} / got {en}, write {h:?}"),
                None => format!(", nhận {vi} / got {en}"),
            }
        });
        let (vi, en) = got.split_once(" / ").unwrap_or(("", ""));
        return InputError::at_field(
            path,
            &format!("cần {DATE_VI}{vi}"),
            &format!("expected {DATE_EN}{en}"),
        );
    }
    // A message of the domain's own (an id, a document number, an amount): already bilingual.
    let shown = if path.is_empty() {
        String::new()
    } else {
        format!("`{path}`: ")
    };
    InputError {
        field: path.to_string(),
        detail: format!("{shown}{message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::cooperative::{CooperativeAction, MemberCounts};
    use serde_json::json;

    #[track_caller]
    fn refused<T: DeserializeOwned + std::fmt::Debug>(value: Value, field: &str, parts: &[&str]) {
        let error = typed::<T>(value, "").unwrap_err();
        assert_eq!(error.field, field, "{}", error.detail);
        for part in parts {
            assert!(
                error.detail.contains(part),
                "{:?} lacks {part:?}",
                error.detail
            );
        }
        assert!(error.detail.contains(" / "), "{}", error.detail);
    }

    #[test]
    fn each_class_of_input_error_names_the_field_in_both_languages() {
        let members = |v: Value| json!({"official": v, "associate": 0, "member_cooperatives": 0});
        refused::<MemberCounts>(
            members(json!("bảy")),
            "official",
            &[
                "cần số nguyên không âm",
                "chuỗi \"bảy\"",
                "expected a whole number ≥ 0",
            ],
        );
        refused::<MemberCounts>(
            members(json!(-1)),
            "official",
            &["sai giá trị", "số -1", "wrong value"],
        );
        refused::<MemberCounts>(
            json!({"official": 7, "associate": 0}),
            "member_cooperatives",
            &["thiếu trường bắt buộc", "a required field is missing"],
        );
        refused::<MemberCounts>(
            json!({"official": 7, "associate": 0, "member_cooperatives": 0, "oficial": 7}),
            "oficial",
            &["không có trong lệnh", "no such field"],
        );
        refused::<CooperativeAction>(
            json!({"Suspend": {"until": "15/03/2018"}}),
            "Suspend.until",
            &["YYYY-MM-DD", "2018-03-15"],
        );
        refused::<CooperativeAction>(json!({"Fly": {}}), "", &["\"Fly\"", "Register"]);
    }

    #[test]
    fn a_body_that_is_not_json_says_where_in_both_languages() {
        let problem = object(b"{\"a\": ").unwrap_err();
        assert_eq!(problem.status, 400);
        assert!(problem.detail.contains("dòng 1"), "{}", problem.detail);
        assert!(problem.detail.contains("line 1"), "{}", problem.detail);
        let array = object(b"[1]").unwrap_err();
        assert!(array.detail.contains("một danh sách"), "{}", array.detail);
    }

    #[test]
    fn dd_mm_yyyy_is_suggested_in_the_form_the_api_reads() {
        assert_eq!(iso_hint("15/03/2018").as_deref(), Some("2018-03-15"));
        assert_eq!(iso_hint("2018-03-15"), None);
    }
}
