//! The cross-aggregate reads of `domain::services`, answered from the ledger itself.
//!
//! A rule that reads another aggregate (the beneficiary's status on the payment date, the rule
//! set in force, the approved amount of a support case) must not act on a projection that may
//! lag: each lookup loads the aggregate from the log ([`LedgerStore::load_current`]: the cached
//! state plus any entries appended since) and asks it one question.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    /// The states a batch under decision has left, read before the log.
    pending: Option<Arc<Pending>>,
}

impl LedgerLookups {
    pub fn new(stores: ProgrammeStores) -> Self {
        LedgerLookups {
            stores,
            pending: None,
        }
    }

    /// Lookups that answer from `pending` first: what a batch's earlier commands decided,
    /// not yet written, is what its later commands' rules read.
    pub fn with_pending(stores: ProgrammeStores, pending: Arc<Pending>) -> Self {
        LedgerLookups {
            stores,
            pending: Some(pending),
        }
    }

    async fn current<A>(&self, store: &LedgerStore<A>, id: &str) -> Result<A, LookupError>
    where
        A: cqrs_es::Aggregate + Clone + 'static,
    {
        let failed = |e: StoreError| LookupError(format!("{}/{id}: {e}", A::TYPE));
        let Some(pending) = &self.pending else {
            return store
                .load_current(id)
                .await
                .map(|(aggregate, _)| aggregate)
                .map_err(failed);
        };
        if let Some((aggregate, _)) = pending.get::<A>(id) {
            return Ok(aggregate);
        }
        let (aggregate, _, known) = store.load_known(id).await.map_err(failed)?;
        if known {
            pending.relied_on_sole_writer();
        }
        Ok(aggregate)
    }
}

/// The aggregates a batch has decided on and not yet written: each one's state after the
/// batch's commands so far and its sequence then, by type and id.
#[derive(Default)]
pub struct Pending {
    states: Mutex<HashMap<(TypeId, String), Box<dyn Any + Send>>>,
    /// A lookup answered from the cache without reading the log, because this process
    /// wrote everything since ([`LedgerStore::load_known`]).
    sole_writer: std::sync::atomic::AtomicBool,
}

impl Pending {
    fn relied_on_sole_writer(&self) {
        self.sole_writer
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a lookup relied on this process being the log's only writer since its last
    /// write: the batch must then be refused if another process wrote.
    pub fn sole_writer(&self) -> bool {
        self.sole_writer.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The state of aggregate `id` of type `A` as the batch left it, if it touched it.
    pub fn get<A: cqrs_es::Aggregate + Clone + 'static>(&self, id: &str) -> Option<(A, u64)> {
        let states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        states
            .get(&(TypeId::of::<A>(), id.to_string()))
            .and_then(|state| state.downcast_ref::<(A, u64)>())
            .cloned()
    }

    /// Takes the state of aggregate `id` of type `A` out, to decide on it and put it back.
    pub fn take<A: cqrs_es::Aggregate + Clone + 'static>(&self, id: &str) -> Option<(A, u64)> {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let state = states.remove(&(TypeId::of::<A>(), id.to_string()))?;
        match state.downcast::<(A, u64)>() {
            Ok(state) => Some(*state),
            Err(other) => {
                states.insert((TypeId::of::<A>(), id.to_string()), other);
                None
            }
        }
    }

    /// Keeps `aggregate` at `sequence` as the batch's latest state of `id`.
    pub fn put<A: cqrs_es::Aggregate + Clone + 'static>(
        &self,
        id: &str,
        aggregate: A,
        sequence: u64,
    ) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        states.insert(
            (TypeId::of::<A>(), id.to_string()),
            Box::new((aggregate, sequence)),
        );
    }
}

#[async_trait]
impl RegistryLookup for LedgerLookups {
    async fn snapshot_on(
        &self,
        code: &CooperativeCode,
        date: NaiveDate,
    ) -> Result<Option<RegistrySnapshot>, LookupError> {
        Ok(self
            .current(&self.stores.cooperatives, code.as_str())
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
        Ok(self
            .current(&self.stores.units, code)
            .await?
            .snapshot_on(date))
    }
}

#[async_trait]
impl RuleSetLookup for LedgerLookups {
    async fn version_on(
        &self,
        id: &RuleSetId,
        date: NaiveDate,
    ) -> Result<Option<RuleSetVersion>, LookupError> {
        Ok(self
            .current(&self.stores.rule_sets, id.as_str())
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
            Purpose::SupportCase(id) => self
                .current(&self.stores.support_cases, &id.to_id())
                .await?
                .approved_purpose(),
            Purpose::TrainingClass(id) => self
                .current(&self.stores.training_classes, &id.to_id())
                .await?
                .approved_purpose(),
        })
    }

    async fn line(&self, id: &BudgetLineId) -> Result<Option<LineSnapshot>, LookupError> {
        Ok(self
            .current(&self.stores.budget_lines, &id.to_id())
            .await?
            .snapshot())
    }

    async fn settlement(
        &self,
        id: &SettlementId,
    ) -> Result<Option<SettlementSnapshot>, LookupError> {
        Ok(self
            .current(&self.stores.settlements, &id.to_id())
            .await?
            .snapshot())
    }
}
