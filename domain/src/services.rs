//! Cross-aggregate reads. A rule that needs another aggregate's state (the beneficiary's
//! status on a date, the rule set in force) asks through these traits; the store implements
//! them from the ledger, [`crate::testing::InMemoryLookups`] from events in memory.
//!
//! Every method loads one aggregate by its id and asks it one question, so an implementation
//! is "load aggregate `id` of type `T`, call the named method":
//!
//! | trait method | aggregate (`TYPE`) and id | answer |
//! |---|---|---|
//! | [`RegistryLookup::snapshot_on`] | `cooperative`, the 10-digit code | [`crate::cooperative::Cooperative::snapshot_on`] |
//! | [`GeographyLookup::unit_on`] | `administrative_unit`, the GSO code | [`crate::reference::AdministrativeUnit::snapshot_on`] |
//! | [`RuleSetLookup::version_on`] | `support_rule_set`, [`crate::reference::RuleSetId`] | [`crate::reference::SupportRuleSet::version_on`] |
//! | [`FundingLookup::approved_purpose`] | `support_case` or `training_class` | [`crate::funding::SupportCase::approved_purpose`], [`crate::funding::TrainingClass::approved_purpose`] |
//! | [`FundingLookup::line`] | `budget_line`, [`crate::funding::BudgetLineId`] | [`crate::funding::BudgetLine::snapshot`] |
//! | [`FundingLookup::settlement`] | `settlement`, [`crate::funding::SettlementId`] | [`crate::funding::Settlement::snapshot`] |
//!
//! An aggregate with no events answers `None`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::cooperative::{CooperativeStatus, RegistrySnapshot};
use crate::funding::{
    ApprovedPurpose, BudgetLineId, LineSnapshot, Purpose, SettlementId, SettlementSnapshot,
};
use crate::reference::{RuleSetId, RuleSetVersion, UnitSnapshot};

/// A lookup that could not be answered (storage unavailable, corrupt events). Not a business
/// refusal: the command may be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tra cứu thất bại / lookup failed: {0}")]
pub struct LookupError(pub String);

#[async_trait]
pub trait RegistryLookup: Send + Sync {
    /// The cooperative `code` as it stood on `date`: status on that date, members on that
    /// date, lineage and pending reorganisation as currently recorded.
    async fn snapshot_on(
        &self,
        code: &CooperativeCode,
        date: NaiveDate,
    ) -> Result<Option<RegistrySnapshot>, LookupError>;

    /// The legal status of `code` on `date`; `None` when unknown or not yet registered.
    async fn status_on(
        &self,
        code: &CooperativeCode,
        date: NaiveDate,
    ) -> Result<Option<CooperativeStatus>, LookupError> {
        Ok(self.snapshot_on(code, date).await?.map(|s| s.status))
    }
}

#[async_trait]
pub trait GeographyLookup: Send + Sync {
    /// The administrative unit `code` if it is valid on `date`.
    async fn unit_on(
        &self,
        code: &str,
        date: NaiveDate,
    ) -> Result<Option<UnitSnapshot>, LookupError>;
}

#[async_trait]
pub trait RuleSetLookup: Send + Sync {
    /// The version of rule set `id` in force on `date`.
    async fn version_on(
        &self,
        id: &RuleSetId,
        date: NaiveDate,
    ) -> Result<Option<RuleSetVersion>, LookupError>;
}

#[async_trait]
pub trait FundingLookup: Send + Sync {
    /// The approved support case or planned training class that money is committed to.
    async fn approved_purpose(
        &self,
        purpose: &Purpose,
    ) -> Result<Option<ApprovedPurpose>, LookupError>;

    async fn line(&self, id: &BudgetLineId) -> Result<Option<LineSnapshot>, LookupError>;

    async fn settlement(
        &self,
        id: &SettlementId,
    ) -> Result<Option<SettlementSnapshot>, LookupError>;
}

/// The services of every aggregate of the programme. Build one and clone it into each
/// `CqrsFramework`; the reference-data aggregates take `()`.
#[derive(Clone)]
pub struct Services {
    pub registry: Arc<dyn RegistryLookup>,
    pub geography: Arc<dyn GeographyLookup>,
    pub rule_sets: Arc<dyn RuleSetLookup>,
    pub funding: Arc<dyn FundingLookup>,
}

impl Services {
    pub fn new(
        registry: Arc<dyn RegistryLookup>,
        geography: Arc<dyn GeographyLookup>,
        rule_sets: Arc<dyn RuleSetLookup>,
        funding: Arc<dyn FundingLookup>,
    ) -> Self {
        Services {
            registry,
            geography,
            rule_sets,
            funding,
        }
    }

    /// All four lookups served by one value (e.g. the store's ledger reader).
    pub fn from_one<L>(lookups: Arc<L>) -> Self
    where
        L: RegistryLookup + GeographyLookup + RuleSetLookup + FundingLookup + 'static,
    {
        Services {
            registry: lookups.clone(),
            geography: lookups.clone(),
            rule_sets: lookups.clone(),
            funding: lookups,
        }
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Services")
    }
}
