//! The programme's command side wired to the ledger: one `CqrsFramework` per aggregate type,
//! sharing one [`Services`] whose lookups read the ledger itself.

use std::sync::Arc;

use cqrs_es::{AggregateError, CqrsFramework};
use domain::address::Addressed;
use domain::cooperative::Cooperative;
use domain::funding::{BudgetLine, Settlement, SupportCase, TrainingClass};
use domain::ledger::EventMetadata;
use domain::people::Person;
use domain::reference::{AdministrativeUnit, LegalDocument, RegionMapping, SupportRuleSet};
use domain::services::Services;
use store::{Ledger, LedgerLookups, LedgerStore, ProgrammeStores};

/// How often a command is retried when its aggregate moved on between load and append.
pub const CONFLICT_RETRIES: usize = 5;

pub struct Programme {
    pub ledger: Ledger,
    pub services: Services,
    pub cooperatives: CqrsFramework<Cooperative, LedgerStore<Cooperative>>,
    pub support_cases: CqrsFramework<SupportCase, LedgerStore<SupportCase>>,
    pub training_classes: CqrsFramework<TrainingClass, LedgerStore<TrainingClass>>,
    pub budget_lines: CqrsFramework<BudgetLine, LedgerStore<BudgetLine>>,
    pub settlements: CqrsFramework<Settlement, LedgerStore<Settlement>>,
    pub units: CqrsFramework<AdministrativeUnit, LedgerStore<AdministrativeUnit>>,
    pub rule_sets: CqrsFramework<SupportRuleSet, LedgerStore<SupportRuleSet>>,
    pub legal_documents: CqrsFramework<LegalDocument, LedgerStore<LegalDocument>>,
    pub regions: CqrsFramework<RegionMapping, LedgerStore<RegionMapping>>,
    pub people: CqrsFramework<Person, LedgerStore<Person>>,
}

impl Programme {
    pub fn new(ledger: Ledger) -> Programme {
        let stores = ProgrammeStores::new(&ledger);
        let services = Services::from_one(Arc::new(LedgerLookups::new(stores.clone())));
        Programme {
            cooperatives: CqrsFramework::new(stores.cooperatives, vec![], services.clone()),
            support_cases: CqrsFramework::new(stores.support_cases, vec![], services.clone()),
            training_classes: CqrsFramework::new(stores.training_classes, vec![], services.clone()),
            budget_lines: CqrsFramework::new(stores.budget_lines, vec![], services.clone()),
            settlements: CqrsFramework::new(stores.settlements, vec![], services.clone()),
            units: CqrsFramework::new(stores.units, vec![], ()),
            rule_sets: CqrsFramework::new(stores.rule_sets, vec![], ()),
            legal_documents: CqrsFramework::new(ledger.store(), vec![], ()),
            regions: CqrsFramework::new(ledger.store(), vec![], ()),
            people: CqrsFramework::new(ledger.store(), vec![], ()),
            services,
            ledger,
        }
    }
}

/// Runs `command` on aggregate `id`, retrying up to [`CONFLICT_RETRIES`] times when the
/// aggregate changed between load and append (each retry re-checks every rule on the new
/// state). A business refusal is returned at once.
///
/// Before anything is loaded, `id` must be a well-formed id of `A` and every field of the
/// command that names the aggregate must name `id` ([`Addressed::check_address`]): one
/// identity per command, whoever sends it.
///
/// # Errors
/// The aggregate's refusal (an address refusal among them), a conflict that persisted, or a
/// store error.
pub async fn execute<A>(
    cqrs: &CqrsFramework<A, LedgerStore<A>>,
    id: &str,
    command: A::Command,
    metadata: &EventMetadata,
) -> Result<(), AggregateError<A::Error>>
where
    A: Addressed + Clone,
    A::Command: Clone,
{
    A::check_address(id, &command).map_err(AggregateError::UserError)?;
    let mut attempt = 0;
    loop {
        match cqrs
            .execute_with_metadata(id, command.clone(), metadata.to_map())
            .await
        {
            Err(AggregateError::AggregateConflict) if attempt < CONFLICT_RETRIES => attempt += 1,
            other => return other,
        }
    }
}
