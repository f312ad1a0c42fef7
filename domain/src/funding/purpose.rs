//! What a budget line reads about the purpose money is committed to.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::money::Dong;

use super::ids::{BudgetLineId, Purpose};

/// An approved support case or a planned training class (see
/// [`crate::services::FundingLookup::approved_purpose`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedPurpose {
    pub purpose: Purpose,
    pub line: BudgetLineId,
    /// The cooperative supported; `None` for a training class.
    pub beneficiary: Option<CooperativeCode>,
    /// The most that may be paid for it.
    pub amount: Dong,
    /// Who approved it: they may not record its payments (FIN-11).
    pub approved_by: String,
    pub approved_on: NaiveDate,
}
