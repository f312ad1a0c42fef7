//! Money: whole Vietnamese đồng, never floats, never negative.
//!
//! Arithmetic is checked: an overflow or a result below zero is an error value, never a panic
//! and never a wrap-around (rule FIN-09).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of money in whole đồng.
///
/// INVARIANT: `0 <= self.0`. Shown as `1.000.000 đ` (dot as thousands separator).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "i64", into = "i64")]
#[cfg_attr(
    feature = "openapi",
    schema(
        value_type = u64,
        description = "Số tiền / an amount in whole Vietnamese đồng: a JSON integer, never negative, at most 2^63 - 1 (no decimals, no thousands separators).",
        example = 1_000_000
    )
)]
pub struct Dong(i64);

/// Why an amount of money could not be formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("số tiền âm / negative amount: {0} đ")]
    Negative(i64),
    #[error("tràn số khi cộng / overflow adding {0} and {1}")]
    Overflow(Dong, Dong),
    #[error("kết quả âm khi trừ / {1} is more than {0}")]
    Underflow(Dong, Dong),
}

impl Dong {
    pub const ZERO: Dong = Dong(0);

    /// # Errors
    /// When `amount` is negative.
    pub const fn new(amount: i64) -> Result<Dong, MoneyError> {
        if amount < 0 {
            Err(MoneyError::Negative(amount))
        } else {
            Ok(Dong(amount))
        }
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// # Errors
    /// On overflow of `i64`.
    pub fn checked_add(self, other: Dong) -> Result<Dong, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Dong)
            .ok_or(MoneyError::Overflow(self, other))
    }

    /// # Errors
    /// When `other` is more than `self`.
    pub fn checked_sub(self, other: Dong) -> Result<Dong, MoneyError> {
        if other.0 > self.0 {
            Err(MoneyError::Underflow(self, other))
        } else {
            Ok(Dong(self.0 - other.0))
        }
    }

    /// `self` minus `other`, or zero when `other` is larger.
    pub fn saturating_sub(self, other: Dong) -> Dong {
        Dong(self.0.saturating_sub(other.0).max(0))
    }

    /// `self * numerator / denominator`, rounded down, computed in `i128`.
    ///
    /// # Errors
    /// When the result does not fit in `i64` or `denominator` is zero.
    pub fn mul_div(self, numerator: u64, denominator: u64) -> Result<Dong, MoneyError> {
        let product = i128::from(self.0) * i128::from(numerator);
        let quotient = product
            .checked_div(i128::from(denominator))
            .ok_or(MoneyError::Overflow(self, Dong(0)))?;
        i64::try_from(quotient)
            .map(Dong)
            .map_err(|_| MoneyError::Overflow(self, Dong(i64::MAX)))
    }

    /// The sum of `amounts`.
    ///
    /// # Errors
    /// On overflow.
    pub fn sum<I: IntoIterator<Item = Dong>>(amounts: I) -> Result<Dong, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Dong::ZERO, |acc, amount| acc.checked_add(amount))
    }
}

impl TryFrom<i64> for Dong {
    type Error = MoneyError;

    fn try_from(amount: i64) -> Result<Self, Self::Error> {
        Dong::new(amount)
    }
}

impl From<Dong> for i64 {
    fn from(amount: Dong) -> i64 {
        amount.0
    }
}

impl fmt::Display for Dong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(digit);
        }
        write!(f, "{grouped} đ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(amount: i64) -> Dong {
        Dong::new(amount).unwrap()
    }

    #[test]
    fn displays_with_dots_as_thousands_separators() {
        assert_eq!(d(0).to_string(), "0 đ");
        assert_eq!(d(999).to_string(), "999 đ");
        assert_eq!(d(1_000).to_string(), "1.000 đ");
        assert_eq!(d(1_000_000).to_string(), "1.000.000 đ");
        assert_eq!(d(1_000_000_000).to_string(), "1.000.000.000 đ");
        assert_eq!(d(12_345_678).to_string(), "12.345.678 đ");
    }

    #[test]
    fn negative_amounts_are_refused_also_when_deserialising() {
        assert_eq!(Dong::new(-1), Err(MoneyError::Negative(-1)));
        assert!(serde_json::from_str::<Dong>("-5").is_err());
        assert_eq!(serde_json::from_str::<Dong>("5").unwrap(), d(5));
        assert_eq!(serde_json::to_string(&d(7)).unwrap(), "7");
    }

    #[test]
    fn overflow_and_underflow_are_errors_not_panics() {
        assert_eq!(
            d(i64::MAX).checked_add(d(1)),
            Err(MoneyError::Overflow(d(i64::MAX), d(1)))
        );
        assert_eq!(
            d(1).checked_sub(d(2)),
            Err(MoneyError::Underflow(d(1), d(2)))
        );
        assert_eq!(d(5).saturating_sub(d(9)), Dong::ZERO);
        assert!(Dong::sum([d(i64::MAX), d(1)]).is_err());
        assert!(d(i64::MAX).mul_div(3, 1).is_err());
        assert!(d(1).mul_div(1, 0).is_err());
        assert_eq!(d(1_000).mul_div(5_000, 10_000), Ok(d(500)));
    }

    proptest! {
        #[test]
        fn add_then_sub_round_trips(a in 0i64..=i64::MAX / 2, b in 0i64..=i64::MAX / 2) {
            let sum = d(a).checked_add(d(b)).unwrap();
            prop_assert_eq!(sum.checked_sub(d(b)).unwrap(), d(a));
        }

        #[test]
        fn display_drops_only_dots_and_suffix(a in 0i64..=i64::MAX) {
            let shown = d(a).to_string();
            let digits: String = shown.trim_end_matches(" đ").chars().filter(|c| *c != '.').collect();
            prop_assert_eq!(digits, a.to_string());
        }
    }
}
