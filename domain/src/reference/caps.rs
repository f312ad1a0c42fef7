//! Support caps (mức hỗ trợ tối đa) as data: a fixed amount, a share of the eligible cost, or
//! an amount by member tier. A rule-set version holds one or more; the cap is the lowest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::document::DocumentNumber;
use crate::funding::SupportCategory;
use crate::money::{Dong, MoneyError};

/// From `min_members` members on, the cap is `cap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberTier {
    pub min_members: u32,
    pub cap: Dong,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Cap {
    Amount(Dong),
    /// A share of the eligible cost, in basis points (10 000 = 100 %).
    ShareOfCost {
        basis_points: u32,
    },
    /// Ascending tiers; fewer members than the first tier means no support.
    PerMemberTier(Vec<MemberTier>),
}

impl Cap {
    /// Why this cap is not well-formed, if it is not.
    pub fn problem(&self) -> Option<String> {
        match self {
            Cap::Amount(_) => None,
            Cap::ShareOfCost { basis_points } if *basis_points > 10_000 => {
                Some(format!("{basis_points} điểm cơ bản > 100 %"))
            }
            Cap::ShareOfCost { .. } => None,
            Cap::PerMemberTier(tiers) if tiers.is_empty() => Some("không có bậc / no tiers".into()),
            Cap::PerMemberTier(tiers) => tiers
                .windows(2)
                .any(|w| w[0].min_members >= w[1].min_members)
                .then(|| "bậc không tăng dần / tiers not ascending".into()),
        }
    }

    /// The cap for a case with `eligible_cost` and `members`.
    ///
    /// # Errors
    /// On arithmetic overflow.
    pub fn amount_for(&self, eligible_cost: Dong, members: u32) -> Result<Dong, MoneyError> {
        match self {
            Cap::Amount(amount) => Ok(*amount),
            Cap::ShareOfCost { basis_points } => {
                eligible_cost.mul_div(u64::from(*basis_points), 10_000)
            }
            Cap::PerMemberTier(tiers) => Ok(tiers
                .iter()
                .rev()
                .find(|t| t.min_members <= members)
                .map_or(Dong::ZERO, |t| t.cap)),
        }
    }
}

/// One version of a rule set, in force from `valid_from` through `valid_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetVersion {
    pub version: u32,
    pub category: SupportCategory,
    pub basis: DocumentNumber,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub caps: Vec<Cap>,
}

impl RuleSetVersion {
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }

    /// The lowest of the caps for a case with `eligible_cost` and `members`.
    ///
    /// # Errors
    /// On arithmetic overflow.
    pub fn cap_for(&self, eligible_cost: Dong, members: u32) -> Result<Dong, MoneyError> {
        let mut lowest: Option<Dong> = None;
        for cap in &self.caps {
            let amount = cap.amount_for(eligible_cost, members)?;
            lowest = Some(lowest.map_or(amount, |l| l.min(amount)));
        }
        Ok(lowest.unwrap_or(Dong::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Dong {
        Dong::new(n).unwrap()
    }

    #[test]
    fn the_lowest_cap_applies_and_tiers_follow_members() {
        let version = RuleSetVersion {
            version: 1,
            category: SupportCategory::Establishment,
            basis: DocumentNumber::parse("340/2016/TT-BTC").unwrap(),
            valid_from: NaiveDate::from_ymd_opt(2017, 2, 12).unwrap(),
            valid_to: None,
            caps: vec![
                Cap::PerMemberTier(vec![
                    MemberTier {
                        min_members: 7,
                        cap: d(30_000_000),
                    },
                    MemberTier {
                        min_members: 50,
                        cap: d(40_000_000),
                    },
                    MemberTier {
                        min_members: 200,
                        cap: d(50_000_000),
                    },
                ]),
                Cap::ShareOfCost {
                    basis_points: 8_000,
                },
            ],
        };
        assert_eq!(version.cap_for(d(100_000_000), 6), Ok(Dong::ZERO));
        assert_eq!(version.cap_for(d(100_000_000), 7), Ok(d(30_000_000)));
        assert_eq!(version.cap_for(d(100_000_000), 60), Ok(d(40_000_000)));
        assert_eq!(version.cap_for(d(45_000_000), 250), Ok(d(36_000_000)));
    }

    #[test]
    fn malformed_caps_are_named() {
        assert!(
            Cap::ShareOfCost {
                basis_points: 10_001
            }
            .problem()
            .is_some()
        );
        assert!(Cap::PerMemberTier(vec![]).problem().is_some());
        let descending = vec![
            MemberTier {
                min_members: 50,
                cap: d(1),
            },
            MemberTier {
                min_members: 7,
                cap: d(1),
            },
        ];
        assert!(Cap::PerMemberTier(descending).problem().is_some());
        assert!(Cap::Amount(d(1)).problem().is_none());
    }
}
