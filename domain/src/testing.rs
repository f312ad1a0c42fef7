//! In-memory implementations of the [`crate::services`] lookups, for tests of this crate and
//! of its users. Aggregates are kept by id; each lookup loads one and asks it, exactly as the
//! store does from the ledger.
//!
//! ```
//! use domain::testing::InMemoryLookups;
//! let lookups = InMemoryLookups::seeded();
//! let services = lookups.services();
//! # let _ = services;
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use chrono::NaiveDate;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

use crate::code::CooperativeCode;
use crate::cooperative::{Cooperative, RegistrySnapshot};
use crate::funding::{
    ApprovedPurpose, BudgetLine, BudgetLineId, LineSnapshot, Purpose, Settlement, SettlementId,
    SettlementSnapshot, SupportCase, TrainingClass,
};
use crate::ledger::{Actor, Role};
use crate::reference::{
    AdministrativeUnit, LegalDocument, RegionMapping, RuleSetId, RuleSetVersion, SupportRuleSet,
    UnitSnapshot, seed,
};
use crate::services::{
    FundingLookup, GeographyLookup, LookupError, RegistryLookup, RuleSetLookup, Services,
};

type Map<A> = RwLock<HashMap<String, A>>;

/// Aggregates by type and id.
#[derive(Default)]
pub struct InMemoryLookups {
    cooperatives: Map<Cooperative>,
    units: Map<AdministrativeUnit>,
    rule_sets: Map<SupportRuleSet>,
    documents: Map<LegalDocument>,
    regions: Map<RegionMapping>,
    cases: Map<SupportCase>,
    classes: Map<TrainingClass>,
    lines: Map<BudgetLine>,
    settlements: Map<Settlement>,
    failing: AtomicBool,
}

/// An aggregate type kept by [`InMemoryLookups`].
pub trait InMemory: Aggregate + Clone {
    fn map(lookups: &InMemoryLookups) -> &Map<Self>;
}

macro_rules! in_memory {
    ($($aggregate:ty => $field:ident,)+) => {
        $(impl InMemory for $aggregate {
            fn map(lookups: &InMemoryLookups) -> &Map<Self> {
                &lookups.$field
            }
        })+
    };
}

in_memory! {
    Cooperative => cooperatives,
    AdministrativeUnit => units,
    SupportRuleSet => rule_sets,
    LegalDocument => documents,
    RegionMapping => regions,
    SupportCase => cases,
    TrainingClass => classes,
    BudgetLine => lines,
    Settlement => settlements,
}

/// Runs a future whose awaits all complete at once (in-memory lookups, the event sink).
///
/// # Panics
/// Never for this crate's futures; a future that stays pending would spin.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}

impl InMemoryLookups {
    pub fn new() -> Arc<Self> {
        Arc::new(InMemoryLookups::default())
    }

    /// With the 2017 administrative units and the Hoành Bồ merger of 2020.
    pub fn seeded() -> Arc<Self> {
        let lookups = InMemoryLookups::new();
        let actor = Actor::new("seed", Role::Admin, None);
        let commands = seed::administrative_units_2017(&actor)
            .into_iter()
            .chain(seed::hoanh_bo_merger_2020(&actor));
        for (id, command) in commands {
            lookups
                .execute::<AdministrativeUnit>(&id, command, &())
                .expect("seed units are valid");
        }
        lookups
    }

    pub fn services(self: &Arc<Self>) -> Services {
        Services::from_one(self.clone())
    }

    /// Make every lookup fail (to test the technical error path).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// The aggregate `id` (the default, empty one when it has no events).
    pub fn get<A: InMemory>(&self, id: &str) -> A {
        let map = A::map(self).read().expect("lock is not poisoned");
        map.get(id).cloned().unwrap_or_default()
    }

    /// Applies `events` to aggregate `id`, as if they had been committed.
    pub fn record<A: InMemory>(&self, id: &str, events: impl IntoIterator<Item = A::Event>) {
        let mut map = A::map(self).write().expect("lock is not poisoned");
        let aggregate = map.entry(id.to_string()).or_default();
        for event in events {
            aggregate.apply(event);
        }
    }

    /// Handles `command` on aggregate `id` and, when accepted, keeps the new state.
    ///
    /// # Errors
    /// The aggregate's refusal; nothing is kept then.
    pub fn execute<A: InMemory>(
        &self,
        id: &str,
        command: A::Command,
        services: &A::Services,
    ) -> Result<Vec<A::Event>, A::Error> {
        let mut aggregate: A = self.get(id);
        let sink = EventSink::default();
        block_on(aggregate.handle(command, services, &sink))?;
        let events = block_on(sink.collect());
        A::map(self)
            .write()
            .expect("lock is not poisoned")
            .insert(id.to_string(), aggregate);
        Ok(events)
    }

    fn check(&self) -> Result<(), LookupError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(LookupError("in-memory lookups set to fail".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl RegistryLookup for InMemoryLookups {
    async fn snapshot_on(
        &self,
        code: &CooperativeCode,
        date: NaiveDate,
    ) -> Result<Option<RegistrySnapshot>, LookupError> {
        self.check()?;
        Ok(self.get::<Cooperative>(code.as_str()).snapshot_on(date))
    }
}

#[async_trait]
impl GeographyLookup for InMemoryLookups {
    async fn unit_on(
        &self,
        code: &str,
        date: NaiveDate,
    ) -> Result<Option<UnitSnapshot>, LookupError> {
        self.check()?;
        Ok(self.get::<AdministrativeUnit>(code).snapshot_on(date))
    }
}

#[async_trait]
impl RuleSetLookup for InMemoryLookups {
    async fn version_on(
        &self,
        id: &RuleSetId,
        date: NaiveDate,
    ) -> Result<Option<RuleSetVersion>, LookupError> {
        self.check()?;
        Ok(self.get::<SupportRuleSet>(id.as_str()).version_on(date))
    }
}

#[async_trait]
impl FundingLookup for InMemoryLookups {
    async fn approved_purpose(
        &self,
        purpose: &Purpose,
    ) -> Result<Option<ApprovedPurpose>, LookupError> {
        self.check()?;
        Ok(match purpose {
            Purpose::SupportCase(id) => self.get::<SupportCase>(&id.to_id()).approved_purpose(),
            Purpose::TrainingClass(id) => self.get::<TrainingClass>(&id.to_id()).approved_purpose(),
        })
    }

    async fn line(&self, id: &BudgetLineId) -> Result<Option<LineSnapshot>, LookupError> {
        self.check()?;
        Ok(self.get::<BudgetLine>(&id.to_id()).snapshot())
    }

    async fn settlement(
        &self,
        id: &SettlementId,
    ) -> Result<Option<SettlementSnapshot>, LookupError> {
        self.check()?;
        Ok(self.get::<Settlement>(&id.to_id()).snapshot())
    }
}

/// `then_expect_refusal(reason)`: what cqrs-es's `then_expect_error` is for an aggregate whose
/// error is a [`crate::rules::Refused`]: the command was refused for `reason` (whatever its
/// date).
pub trait ExpectRefusal<E> {
    #[track_caller]
    fn then_expect_refusal(self, reason: E);
}

impl<A, E> ExpectRefusal<E> for cqrs_es::test::AggregateResultValidator<A>
where
    A: Aggregate<Error = crate::rules::Refused<E>>,
    E: crate::rules::RuleError + PartialEq + std::fmt::Debug,
{
    fn then_expect_refusal(self, reason: E) {
        match self.inspect_result() {
            Err(refused) => assert_eq!(refused.reason, reason),
            Ok(events) => panic!("expected the refusal {reason:?}, got the events {events:?}"),
        }
    }
}
