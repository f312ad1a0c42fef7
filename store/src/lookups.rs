//! The cross-aggregate reads of `domain::services`, answered from the ledger itself.
//!
//! A rule that reads another aggregate (the beneficiary's status on the payment date, the rule
//! set in force, the approved amount of a support case) must not act on a projection that may
//! lag: each lookup loads the aggregate from the log ([`LedgerStore::load_current`]: the cached
//! state plus any entries appended since) and asks it one question.

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::code::CooperativeCode;
use domain::cooperative::{Cooperative, RegistrySnapshot};
use domain::funding::{
    ApprovedPurpose, BudgetLine, BudgetLineId, LineSnapshot, Purpose, Settlement, SettlementId,
    SettlementSnapshot, SupportCase, TrainingClass,
};
use domain::reference::{
    AdministrativeUnit, RuleSetId, RuleSetVersion, SupportRuleSet, UnitSnapshot,
};
use domain::services::{
    FundingLookup, GeographyLookup, LookupError, RegistryLookup, RuleSetLookup,
};

use crate::{Ledger, LedgerStore, StoreError};

/// The event stores the lookups read, each sharing the ledger's cache of its type
/// ([`Ledger::shared_store`]) with the command side.
#[derive(Clone)]
pub struct ProgrammeStores {
    pub cooperatives: LedgerStore<Cooperative>,
    pub units: LedgerStore<AdministrativeUnit>,
    pub rule_sets: LedgerStore<SupportRuleSet>,
    pub support_cases: LedgerStore<SupportCase>,
    pub training_classes: LedgerStore<TrainingClass>,
    pub budget_lines: LedgerStore<BudgetLine>,
    pub settlements: LedgerStore<Settlement>,
}

impl ProgrammeStores {
    pub fn new(ledger: &Ledger) -> Self {
        ProgrammeStores {
            cooperatives: ledger.shared_store(),
            units: ledger.shared_store(),
            rule_sets: ledger.shared_store(),
            support_cases: ledger.shared_store(),
            training_classes: ledger.shared_store(),
            budget_lines: ledger.shared_store(),
            settlements: ledger.shared_store(),
        }
    }
}

/// The ledger-backed implementation of every lookup trait.
#[derive(Clone)]
pub struct LedgerLookups {
    stores: ProgrammeStores,
}

impl LedgerLookups {
    pub fn new(stores: ProgrammeStores) -> Self {
        LedgerLookups { stores }
    }
}

async fn current<A>(store: &LedgerStore<A>, id: &str) -> Result<A, LookupError>
where
    A: cqrs_es::Aggregate + Clone,
{
    store
        .load_current(id)
        .await
        .map(|(aggregate, _)| aggregate)
        .map_err(|e: StoreError| LookupError(format!("{}/{id}: {e}", A::TYPE)))
}

#[async_trait]
impl RegistryLookup for LedgerLookups {
    async fn snapshot_on(
        &self,
        code: &CooperativeCode,
        date: NaiveDate,
    ) -> Result<Option<RegistrySnapshot>, LookupError> {
        Ok(current(&self.stores.cooperatives, code.as_str())
            .await?
            .snapshot_on(date))
    }
}

#[async_trait]
impl GeographyLookup for LedgerLookups {
    async fn unit_on(
        &self,
        code: &str,
        date: NaiveDate,
    ) -> Result<Option<UnitSnapshot>, LookupError> {
        Ok(current(&self.stores.units, code).await?.snapshot_on(date))
    }
}

#[async_trait]
impl RuleSetLookup for LedgerLookups {
    async fn version_on(
        &self,
        id: &RuleSetId,
        date: NaiveDate,
    ) -> Result<Option<RuleSetVersion>, LookupError> {
        Ok(current(&self.stores.rule_sets, id.as_str())
            .await?
            .version_on(date))
    }
}

#[async_trait]
impl FundingLookup for LedgerLookups {
    async fn approved_purpose(
        &self,
        purpose: &Purpose,
    ) -> Result<Option<ApprovedPurpose>, LookupError> {
        Ok(match purpose {
            Purpose::SupportCase(id) => current(&self.stores.support_cases, &id.to_id())
                .await?
                .approved_purpose(),
            Purpose::TrainingClass(id) => current(&self.stores.training_classes, &id.to_id())
                .await?
                .approved_purpose(),
        })
    }

    async fn line(&self, id: &BudgetLineId) -> Result<Option<LineSnapshot>, LookupError> {
        Ok(current(&self.stores.budget_lines, &id.to_id())
            .await?
            .snapshot())
    }

    async fn settlement(
        &self,
        id: &SettlementId,
    ) -> Result<Option<SettlementSnapshot>, LookupError> {
        Ok(current(&self.stores.settlements, &id.to_id())
            .await?
            .snapshot())
    }
}
