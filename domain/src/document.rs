//! Document numbers (số, ký hiệu văn bản) such as `31/KH-UBND`, `899/2017/QĐ-UBND`,
//! `45/2016/NQ-HĐND`, `1600/QĐ-TTg`, `17/2023/QH15`, `6101/UBND-NLN3` or `15-CT/TU`.
//!
//! The parser is tolerant (rule DATA-01): it takes NFC or NFD text, any case, stray spaces
//! (`31 /KH-UBND`), a leading `Số:`, and the ASCII spellings `QD`, `ND`, `HDND`, `BKHDT` for
//! `QĐ`, `NĐ`, `HĐND`, `BKHĐT`. It keeps the raw text for display and compares by the canonical
//! form: `number[/year]/SYMBOL`, the number with a leading zero below 10 (NĐ 30/2020/NĐ-CP
//! Phụ lục I).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::nfc;

/// Symbol tokens whose canonical spelling differs from a plain upper-casing, or that have
/// an ASCII spelling without `Đ`. Compared after folding `Đ` to `D`.
const KNOWN_TOKENS: [&str; 24] = [
    "QĐ", "NĐ", "NQ", "KH", "TT", "CT", "CV", "KL", "TB", "VB", "QCLT", "HD", "UBND", "HĐND",
    "TTg", "CP", "BTC", "BKHĐT", "BNN", "BNNPTNT", "KTHT", "TU", "TW", "UBTVQH",
];

/// Types of documents, the first token of a symbol when it names one.
const DOCUMENT_TYPES: [&str; 12] = [
    "QĐ", "NĐ", "NQ", "KH", "TT", "CT", "CV", "KL", "TB", "VB", "QCLT", "HD",
];

/// A parsed document number. Equal numbers have equal [`DocumentNumber::canonical`] forms.
///
/// INVARIANT: `canonical` is what [`DocumentNumber::parse`] makes of `raw`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "DocumentNumberRepr")]
pub struct DocumentNumber {
    /// The text as it was entered, in NFC: any case, stray spaces, a leading `Số:`, ASCII `D`
    /// for `Đ`.
    raw: String,
    /// The form used for comparison and as an identifier, e.g. `899/2017/QĐ-UBND`.
    canonical: String,
    // Not in the JSON form (`DocumentNumberRepr`): derived from `raw` when read.
    number: u32,
    year: Option<u16>,
    symbol: String,
}

/// The stored form: the text entered and its canonical form.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentNumberRepr {
    raw: String,
    canonical: String,
}

/// Read from either form: the text a person typed (`"123/QĐ-UBND"`, `"123/qd-ubnd"`, NFC or
/// not), parsed here, or the stored `{raw, canonical}`, whose canonical form must be what
/// parsing `raw` gives. Always written as `{raw, canonical}`, so entries keep their bytes.
impl<'de> Deserialize<'de> for DocumentNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;

        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = DocumentNumber;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a document number such as \"899/2017/QĐ-UBND\"")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<DocumentNumber, E> {
                DocumentNumber::parse(text).map_err(E::custom)
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<DocumentNumber, M::Error> {
                let repr = DocumentNumberRepr::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                DocumentNumber::try_from(repr).map_err(serde::de::Error::custom)
            }
        }

        deserializer.deserialize_any(Either)
    }
}

/// Why a document number could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DATA-01 số hiệu văn bản không đọc được / unreadable document number {raw:?}: {reason}")]
pub struct DocumentNumberError {
    pub raw: String,
    pub reason: &'static str,
}

impl DocumentNumber {
    /// # Errors
    /// When `text` has no number, no symbol, or characters a document number cannot hold.
    pub fn parse(text: &str) -> Result<DocumentNumber, DocumentNumberError> {
        let raw = nfc(text.trim());
        let fail = |reason| DocumentNumberError {
            raw: raw.clone(),
            reason,
        };
        let compact: String = strip_prefix(&raw)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let mut segments = compact.split('/');
        let first = segments.next().unwrap_or_default();
        let (digits, party_symbol) = match first.split_once('-') {
            Some((digits, rest)) => (digits, Some(rest)),
            None => (first, None),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(fail("không có số / no leading number"));
        }
        let number: u32 = digits
            .parse()
            .map_err(|_| fail("số quá lớn / number too large"))?;
        let mut rest: Vec<&str> = segments.collect();
        let year = match rest.first() {
            Some(s) if party_symbol.is_none() && is_year(s) => {
                let year = s.parse().ok();
                rest.remove(0);
                year
            }
            _ => None,
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(prefix) = party_symbol {
            parts.push(canonical_tokens(prefix).ok_or_else(|| fail("ký hiệu sai / bad symbol"))?);
        }
        for segment in rest {
            parts.push(canonical_tokens(segment).ok_or_else(|| fail("ký hiệu sai / bad symbol"))?);
        }
        if parts.is_empty() {
            return Err(fail("không có ký hiệu / no symbol"));
        }
        let symbol = parts.join("/");
        let shown_number = if number < 10 {
            format!("{number:02}")
        } else {
            number.to_string()
        };
        let separator = if party_symbol.is_some() { "-" } else { "/" };
        let canonical = match year {
            Some(year) => format!("{shown_number}/{year}/{symbol}"),
            None => format!("{shown_number}{separator}{symbol}"),
        };
        Ok(DocumentNumber {
            raw,
            canonical,
            number,
            year,
            symbol,
        })
    }

    /// The text as it was entered (in NFC).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The form used for comparison and as an identifier, e.g. `899/2017/QĐ-UBND`.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    pub fn year(&self) -> Option<u16> {
        self.year
    }

    /// The symbol after the number (and year), e.g. `QĐ-UBND`.
    pub fn symbol(&self) -> &str {
        &self.symbol
    }

    /// The document type (`QĐ`, `KH`, `NQ`, …) when the symbol starts with one.
    pub fn doc_type(&self) -> Option<&str> {
        let first = self.symbol.split(['-', '/']).next()?;
        DOCUMENT_TYPES.iter().copied().find(|t| *t == first)
    }

    /// The issuing body: the token after the document type, or the first token when there is
    /// no type (laws `QH15`, official letters `UBND-NLN3`).
    pub fn issuer(&self) -> Option<&str> {
        let mut tokens = self.symbol.split(['-', '/']);
        let first = tokens.next()?;
        if self.doc_type().is_some() {
            tokens.next()
        } else {
            Some(first)
        }
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

impl TryFrom<DocumentNumberRepr> for DocumentNumber {
    type Error = DocumentNumberError;

    fn try_from(repr: DocumentNumberRepr) -> Result<Self, Self::Error> {
        let parsed = DocumentNumber::parse(&repr.raw)?;
        if parsed.canonical != repr.canonical {
            return Err(DocumentNumberError {
                raw: repr.raw,
                reason: "dạng chuẩn không khớp / stored canonical form does not match",
            });
        }
        Ok(parsed)
    }
}

impl From<DocumentNumber> for DocumentNumberRepr {
    fn from(number: DocumentNumber) -> Self {
        DocumentNumberRepr {
            raw: number.raw,
            canonical: number.canonical,
        }
    }
}

fn strip_prefix(text: &str) -> &str {
    let lower = text.to_lowercase();
    for prefix in ["số:", "số", "so:"] {
        if lower.starts_with(prefix) {
            // Lower-casing `S`/`Ố` keeps their byte lengths, so the prefix length holds for `text`.
            return text[prefix.len()..].trim_start();
        }
    }
    text
}

fn is_year(segment: &str) -> bool {
    segment.len() == 4
        && segment.chars().all(|c| c.is_ascii_digit())
        && matches!(segment.parse::<u16>(), Ok(1945..=2100))
}

fn canonical_tokens(segment: &str) -> Option<String> {
    let tokens: Option<Vec<String>> = segment.split('-').map(canonical_token).collect();
    tokens.map(|t| t.join("-"))
}

fn canonical_token(token: &str) -> Option<String> {
    if token.is_empty() || !token.chars().all(char::is_alphanumeric) {
        return None;
    }
    let folded = fold_d(token);
    let known = KNOWN_TOKENS
        .iter()
        .find(|known| fold_d(&known.to_uppercase()) == folded);
    Some(known.map_or_else(|| token.to_string(), |k| (*k).to_string()))
}

fn fold_d(text: &str) -> String {
    text.replace('Đ', "D")
}

/// The schema of a document number as the API reads it: the text a person typed, or the
/// stored `{raw, canonical}`; written, always the latter.
#[cfg(feature = "openapi")]
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{
        AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type,
    };

    use super::DocumentNumber;

    /// A canonical number: the number, then `/` or `-`, then the rest.
    const CANONICAL: &str = r"^[0-9]{2,}[/-]\S+$";

    impl utoipa::PartialSchema for DocumentNumber {
        fn schema() -> RefOr<Schema> {
            let typed = ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .description(Some(
                    "Số, ký hiệu văn bản as typed / a document number as a person types it: any case, stray spaces, a leading `Số:`, ASCII `D` for `Đ`, NFC or not (`123/qd-ubnd`). The server reads it (DATA-01) and records the text and its canonical form.",
                ))
                .examples(["123/QĐ-UBND"]);
            let stored = ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("raw", ObjectBuilder::new().schema_type(Type::String))
                .property(
                    "canonical",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(CANONICAL)),
                )
                .required("raw")
                .required("canonical")
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                .description(Some(
                    "The stored form, as entries hold it: the text entered and its canonical form (`number[/year]/SYMBOL`, NĐ 30/2020/NĐ-CP Phụ lục I), which must be what reading `raw` gives.",
                ))
                .examples([serde_json::json!({"raw": "899/2017/qd-ubnd", "canonical": "899/2017/QĐ-UBND"})]);
            OneOfBuilder::new()
                .item(typed)
                .item(stored)
                .description(Some(
                    "Số, ký hiệu văn bản / a document number such as `899/2017/QĐ-UBND`: the text typed, or `{raw, canonical}`.",
                ))
                .into()
        }
    }

    impl utoipa::ToSchema for DocumentNumber {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("DocumentNumber")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, canonical: &str) {
        let parsed = DocumentNumber::parse(input).unwrap();
        assert_eq!(parsed.canonical(), canonical, "from {input:?}");
    }

    #[test]
    fn reads_the_numbers_the_plan_cites() {
        check("31/KH-UBND", "31/KH-UBND");
        check("899/2017/QĐ-UBND", "899/2017/QĐ-UBND");
        check("45/2016/NQ-HĐND", "45/2016/NQ-HĐND");
        check("1600/QĐ-TTg", "1600/QĐ-TTg");
        check("193/2013/NĐ-CP", "193/2013/NĐ-CP");
        check("17/2023/QH15", "17/2023/QH15");
        check("6101/UBND-NLN3", "6101/UBND-NLN3");
        check("1231/QĐ-BNN-KTHT", "1231/QĐ-BNN-KTHT");
        check("15-CT/TU", "15-CT/TU");
        check("56-KL/TW", "56-KL/TW");
        check("1/2020/TT-BKHĐT", "01/2020/TT-BKHĐT");
    }

    #[test]
    fn tolerates_spaces_case_ascii_d_nfd_and_a_so_prefix() {
        check("31 /KH-UBND", "31/KH-UBND");
        check(" Số: 31/KH-UBND ", "31/KH-UBND");
        check("899/2017/QD-UBND", "899/2017/QĐ-UBND");
        check("899 / 2017 / qđ - ubnd", "899/2017/QĐ-UBND");
        check("45/2016/nq-hdnd", "45/2016/NQ-HĐND");
        check("1600/qd-ttg", "1600/QĐ-TTg");
        check("193/2013/nd-cp", "193/2013/NĐ-CP");
        // "Số" typed in NFD (o + circumflex + acute) is normalised before the prefix is read.
        check("So\u{0302}\u{0301}: 31/KH-UBND", "31/KH-UBND");
        check("01/2020/TT-BKHDT", "01/2020/TT-BKHĐT");
    }

    #[test]
    fn keeps_the_raw_text_and_the_parts() {
        let doc = DocumentNumber::parse("899/2017/qd-ubnd").unwrap();
        assert_eq!(doc.raw(), "899/2017/qd-ubnd");
        assert_eq!(doc.number(), 899);
        assert_eq!(doc.year(), Some(2017));
        assert_eq!(doc.symbol(), "QĐ-UBND");
        assert_eq!(doc.doc_type(), Some("QĐ"));
        assert_eq!(doc.issuer(), Some("UBND"));
        let law = DocumentNumber::parse("17/2023/QH15").unwrap();
        assert_eq!((law.doc_type(), law.issuer()), (None, Some("QH15")));
    }

    #[test]
    fn refuses_what_is_not_a_document_number() {
        for bad in ["", "KH-UBND", "31", "31/", "31/KH_UBND", "abc/KH", "31/KH-"] {
            assert!(DocumentNumber::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn round_trips_through_json_and_rejects_a_tampered_canonical_form() {
        let doc = DocumentNumber::parse("31 /kh-ubnd").unwrap();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"raw": "31 /kh-ubnd", "canonical": "31/KH-UBND"})
        );
        assert_eq!(serde_json::from_value::<DocumentNumber>(json).unwrap(), doc);
        let tampered = serde_json::json!({"raw": "31/KH-UBND", "canonical": "32/KH-UBND"});
        assert!(serde_json::from_value::<DocumentNumber>(tampered).is_err());
    }

    #[test]
    fn the_text_a_person_types_is_read_and_written_in_the_stored_form() {
        for typed in [
            "123/QĐ-UBND",
            "123/QD-UBND",
            "123/qd-ubnd",
            "123/Q\u{0110}-UBND",
        ] {
            let json = serde_json::Value::String(typed.to_string());
            let doc: DocumentNumber = serde_json::from_value(json).unwrap();
            assert_eq!(doc.canonical(), "123/QĐ-UBND", "from {typed:?}");
            assert_eq!(doc.raw(), nfc(typed));
            assert_eq!(
                serde_json::to_value(&doc).unwrap(),
                serde_json::json!({"raw": nfc(typed), "canonical": "123/QĐ-UBND"})
            );
        }
        // NFD (Q + Đ is a single letter, so use the Vietnamese of "số" with combining marks).
        let nfd = serde_json::Value::String("So\u{0302}\u{0301}: 123/QĐ-UBND".into());
        let doc: DocumentNumber = serde_json::from_value(nfd).unwrap();
        assert_eq!(doc.canonical(), "123/QĐ-UBND");
        let error = serde_json::from_value::<DocumentNumber>(serde_json::json!("KH-UBND"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("DATA-01"), "{error}");
        let extra = serde_json::json!({"raw": "31/KH-UBND", "canonical": "31/KH-UBND", "x": 1});
        assert!(serde_json::from_value::<DocumentNumber>(extra).is_err());
    }
}
