//! The cooperative code (mã số HTX), which is also its tax code (mã số thuế, MST): 10 digits,
//! the last a check digit. One code per cooperative, never reused (NĐ 92/2024 Điều 14).
//!
//! The check-digit algorithm is not in the decree; this is the one published with
//! python-stdnum's `stdnum/vn/mst.py`, kept as a versioned rule ([`CHECK_RULE_VERSION`]):
//! `d10 = 10 - (Σ wᵢ·dᵢ mod 11)` over the first nine digits with weights
//! `31, 29, 23, 19, 17, 13, 7, 5, 3`; a result of 10 is never valid; digits 3-9 are not all
//! zero. The province prefix (57 for Quảng Ninh, unconfirmed) is not checked.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The version of the check-digit rule applied by [`CooperativeCode::parse`].
pub const CHECK_RULE_VERSION: &str = "mst-check-v1 (python-stdnum vn.mst)";

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// A 10-digit cooperative code with a valid check digit.
///
/// INVARIANT: ten ASCII digits, digits 3-9 not all zero, the check digit valid under
/// [`CHECK_RULE_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    schema(
        value_type = String,
        pattern = r"^[\s.\-]*([0-9][\s.\-]*){10}$",
        description = "Mã số HTX / cooperative code, which is also the tax code (mã số thuế): 10 digits, the last a check digit (mst-check-v1, python-stdnum vn.mst), digits 3-9 not all zero. Spaces, dots and dashes are dropped when read (`57.00.101.234`); it is always written as 10 digits.",
        example = "0100233488"
    )
)]
pub struct CooperativeCode(String);

/// Why a text is not a cooperative code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("{0:?} không phải 10 chữ số / is not 10 digits")]
    Format(String),
    #[error("{0:?}: chữ số 3-9 đều bằng 0 / digits 3-9 are all zero")]
    ZeroSerial(String),
    #[error("{code:?}: chữ số kiểm tra sai, cần {expected} / check digit must be {expected}")]
    CheckDigit { code: String, expected: String },
    #[error(
        "{0:?}: không chữ số kiểm tra nào hợp lệ với 9 chữ số đầu này / no check digit is valid for these first nine digits"
    )]
    NoValidCheckDigit(String),
}

impl CooperativeCode {
    /// Reads a code, dropping spaces, dots and dashes (`57 0010 1234`, `57.00.101.234`).
    ///
    /// # Errors
    /// When the text is not ten digits, the serial is zero, or the check digit is wrong.
    pub fn parse(text: &str) -> Result<CooperativeCode, CodeError> {
        let digits: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
            .collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::Format(text.to_string()));
        }
        if &digits[2..9] == "0000000" {
            return Err(CodeError::ZeroSerial(digits));
        }
        match check_digit(&digits[..9]) {
            Some(d) if digits.as_bytes()[9] == b'0' + d => Ok(CooperativeCode(digits)),
            Some(d) => Err(CodeError::CheckDigit {
                code: digits,
                expected: d.to_string(),
            }),
            None => Err(CodeError::NoValidCheckDigit(digits)),
        }
    }

    /// The code with the check digit completed, for the nine leading digits `prefix`.
    /// `None` when no check digit is valid for them. Used by seed data and tests.
    pub fn complete(prefix: &str) -> Option<CooperativeCode> {
        if prefix.len() != 9 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d = check_digit(prefix)?;
        CooperativeCode::parse(&format!("{prefix}{d}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check digit for nine digits, or `None` when the algorithm yields 10.
fn check_digit(nine: &str) -> Option<u8> {
    let total: u32 = nine
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let digit = 10 - (total % 11);
    u8::try_from(digit).ok().filter(|d| *d <= 9)
}

impl fmt::Display for CooperativeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CooperativeCode {
    type Error = CodeError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        CooperativeCode::parse(&text)
    }
}

impl From<CooperativeCode> for String {
    fn from(code: CooperativeCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_published_example_and_refuses_a_wrong_check_digit() {
        // The example in python-stdnum's documentation.
        assert_eq!(
            CooperativeCode::parse("0100233488").unwrap().as_str(),
            "0100233488"
        );
        assert_eq!(
            CooperativeCode::parse("0100233480"),
            Err(CodeError::CheckDigit {
                code: "0100233480".into(),
                expected: "8".into()
            })
        );
        assert_eq!(
            CooperativeCode::parse("01.00.233.488").unwrap().as_str(),
            "0100233488"
        );
    }

    #[test]
    fn refuses_wrong_lengths_letters_and_a_zero_serial() {
        assert!(matches!(
            CooperativeCode::parse("12345"),
            Err(CodeError::Format(_))
        ));
        assert!(matches!(
            CooperativeCode::parse("57001O1234"),
            Err(CodeError::Format(_))
        ));
        assert!(matches!(
            CooperativeCode::parse("0314409058002"),
            Err(CodeError::Format(_))
        ));
        assert!(matches!(
            CooperativeCode::parse("5700000000"),
            Err(CodeError::ZeroSerial(_))
        ));
    }

    #[test]
    fn complete_appends_the_check_digit_or_says_none_exists() {
        let code = CooperativeCode::complete("570010123").unwrap();
        assert_eq!(&code.as_str()[..9], "570010123");
        assert_eq!(CooperativeCode::parse(code.as_str()), Ok(code.clone()));
        // Exactly one of the ten possible last digits is valid when any is.
        let valid = (0..10)
            .filter(|d| CooperativeCode::parse(&format!("570010123{d}")).is_ok())
            .count();
        assert_eq!(valid, 1);
        // For some prefixes the algorithm gives 10: no code exists.
        let without = (0..1000)
            .map(|n| format!("570{n:06}"))
            .find(|p| CooperativeCode::complete(p).is_none() && &p[2..] != "0000000");
        let prefix = without.expect("some prefix has no check digit");
        assert!((0..10).all(|d| CooperativeCode::parse(&format!("{prefix}{d}")).is_err()));
    }

    #[test]
    fn serde_refuses_invalid_codes() {
        assert!(serde_json::from_str::<CooperativeCode>("\"0100233480\"").is_err());
        let code: CooperativeCode = serde_json::from_str("\"0100233488\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"0100233488\"");
    }
}
