//! The programme's command side wired to the ledger: every aggregate type of the domain, its
//! commands decided against the ledger and appended, answering where each entry landed.
//!
//! [`aggregates!`] is the one place an aggregate type is declared: it names the domain type,
//! its field in [`Programme`], its HTTP collection and what its id is; from that one list come
//! [`AggregateKind`] (every type, with its names and ids), the [`Programme`] with one
//! [`Commands`] per type, and [`Programme::dispatch`], which runs a generic
//! [`OnAggregate`] on the commands of a kind known only at run time (the HTTP service's
//! routes). Adding an aggregate is one line there (ARCHITECTURE.md, "Adding an aggregate").
//!
//! [`Commands::execute`] checks the command's address before anything is loaded
//! (`domain::address`), decides it on the aggregate as the ledger holds it, appends its events
//! and answers with the entries written ([`store::Written`]: position, sequence, leaf hash,
//! event type), retrying when the aggregate changed between load and append.

mod batch;
#[cfg(feature = "testing")]
pub mod testing;

pub use batch::{Batch, Decided, split};

use std::future::Future;
use std::sync::Arc;

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventStore};
use domain::address::Addressed;
use domain::command::{Command, Envelope};
use domain::ledger::EventMetadata;
use domain::rules::{Refusal, Refused, RuleError};
use domain::services::Services;
use serde::de::DeserializeOwned;
use store::{
    Ledger, LedgerLookups, LedgerStore, ProgrammeStores, Remember, Written, to_aggregate_error,
};

/// How often a command is retried when its aggregate moved on between load and append.
pub const CONFLICT_RETRIES: usize = 5;

/// The services an aggregate's rules are given: the cross-aggregate lookups, or none.
pub trait ServicesOf: Sized {
    fn of(services: &Services) -> Self;
}

impl ServicesOf for Services {
    fn of(services: &Services) -> Self {
        services.clone()
    }
}

impl ServicesOf for () {
    fn of(_: &Services) -> Self {}
}

/// With the feature `openapi`, every action has a `utoipa::ToSchema` (the HTTP service's
/// OpenAPI document reads the actions' schemas through [`AggregateKind::visit`]).
#[cfg(feature = "openapi")]
pub trait ActionSchema: utoipa::ToSchema {}
#[cfg(feature = "openapi")]
impl<T: utoipa::ToSchema> ActionSchema for T {}
/// Without the feature `openapi`, nothing is asked of an action.
#[cfg(not(feature = "openapi"))]
pub trait ActionSchema {}
#[cfg(not(feature = "openapi"))]
impl<T> ActionSchema for T {}

/// What an aggregate type of the programme is: one the command side can address and run, whose
/// commands are `Command<Self::Action>` and whose refusals are `Refused<Self::Reason>`. Code
/// generic over aggregates (the HTTP service's one command handler) reads the action and names
/// the refusal's rule through it. Implemented by [`aggregates!`] for every declared type.
pub trait Declared: Addressed<Services: ServicesOf> + Clone + 'static {
    type Action: DeserializeOwned + Clone + Send + Sync + ActionSchema + 'static;
    type Reason: RuleError;

    /// A command of this aggregate (the identity: `Self::Command` is `Command<Self::Action>`).
    fn command(command: Command<Self::Action>) -> Self::Command;

    /// A refusal of this aggregate (the identity: `Self::Error` is `Refused<Self::Reason>`).
    fn refusal(error: &Self::Error) -> &Refused<Self::Reason>;
}

/// The commands of one aggregate type: its event store (sharing the ledger's cache of that
/// type) and the services its rules read.
pub struct Commands<A: Aggregate> {
    store: LedgerStore<A>,
    services: A::Services,
}

impl<A> Commands<A>
where
    A: Addressed + Clone,
    A::Command: Clone,
{
    pub fn new(store: LedgerStore<A>, services: A::Services) -> Self {
        Commands { store, services }
    }

    pub fn store(&self) -> &LedgerStore<A> {
        &self.store
    }

    /// Runs `command` on aggregate `id`: see [`execute`].
    ///
    /// # Errors
    /// As [`execute`].
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        metadata: &EventMetadata,
    ) -> Result<Vec<Written>, AggregateError<A::Error>> {
        self.execute_remembered(id, command, metadata, None).await
    }

    /// As [`Commands::execute`], remembering a response under an idempotency key in the same
    /// write as the entries, when the command succeeds ([`Remember`]; a refusal or a conflict
    /// remembers nothing).
    ///
    /// # Errors
    /// As [`execute`].
    pub async fn execute_remembered(
        &self,
        id: &str,
        command: A::Command,
        metadata: &EventMetadata,
        remember: Option<Remember>,
    ) -> Result<Vec<Written>, AggregateError<A::Error>> {
        A::check_address(id, &command).map_err(AggregateError::UserError)?;
        let mut attempt = 0;
        loop {
            let attempted = self
                .decide_and_append(id, command.clone(), metadata, remember.clone())
                .await;
            match attempted {
                Err(AggregateError::AggregateConflict) if attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One attempt: load, decide, append (what cqrs-es's `execute_with_metadata` does, but
    /// answering with the entries written and passing the metadata typed).
    async fn decide_and_append(
        &self,
        id: &str,
        command: A::Command,
        metadata: &EventMetadata,
        remember: Option<Remember>,
    ) -> Result<Vec<Written>, AggregateError<A::Error>> {
        let mut context = self.store.load_aggregate(id).await?;
        let sink = EventSink::default();
        context
            .aggregate()
            .handle(command, &self.services, &sink)
            .await
            .map_err(AggregateError::UserError)?;
        let events = sink.collect().await;
        self.store
            .append_remembering(&events, context, metadata, remember)
            .await
            .map_err(to_aggregate_error)
    }
}

/// Runs `command` on aggregate `id` of `commands`, retrying up to [`CONFLICT_RETRIES`] times
/// when the aggregate changed between load and append (each retry re-checks every rule on the
/// new state). A business refusal is returned at once. Answers with the entries written, in
/// order (none when the command changed nothing).
///
/// Before anything is loaded, `id` must be a well-formed id of `A` and every field of the
/// command that names the aggregate must name `id` ([`Addressed::check_address`]): one
/// identity per command, whoever sends it.
///
/// # Errors
/// The aggregate's refusal (an address refusal among them), a conflict that persisted, or a
/// store error.
pub async fn execute<A>(
    commands: &Commands<A>,
    id: &str,
    command: A::Command,
    metadata: &EventMetadata,
) -> Result<Vec<Written>, AggregateError<A::Error>>
where
    A: Addressed + Clone,
    A::Command: Clone,
{
    commands.execute(id, command, metadata).await
}

/// Something to do with the commands of one aggregate type, whichever it is: given to
/// [`Programme::dispatch`] with an [`AggregateKind`] known only at run time.
pub trait OnAggregate {
    type Output;

    fn on<A>(
        self,
        kind: AggregateKind,
        commands: &Commands<A>,
    ) -> impl Future<Output = Self::Output>
    where
        A: Declared,
        A::Command: Clone + Send + Sync;
}

/// Something to do with an aggregate type, whichever it is, without its commands: given to
/// [`AggregateKind::visit`].
pub trait OnAggregateType {
    type Output;

    fn on<A: Declared>(self, kind: AggregateKind) -> Self::Output;
}

/// Declares every aggregate type of the programme, once: `Kind => field: DomainType,
/// "collection", "what the id is";`.
macro_rules! aggregates {
    ($( $kind:ident => $field:ident: $aggregate:ty, $collection:literal, $id:literal; )+) => {
        /// Every aggregate type that takes commands.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AggregateKind {
            $( $kind, )+
        }

        impl AggregateKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [AggregateKind] = &[ $( AggregateKind::$kind, )+ ];

            /// What the aggregate is called in the log (`aggregate_type`).
            pub fn aggregate_type(self) -> &'static str {
                match self {
                    $( AggregateKind::$kind => <$aggregate as Aggregate>::TYPE, )+
                }
            }

            /// The HTTP collection's path segment.
            pub fn collection(self) -> &'static str {
                match self {
                    $( AggregateKind::$kind => $collection, )+
                }
            }

            /// What the id in a command's address is.
            pub fn id_description(self) -> &'static str {
                match self {
                    $( AggregateKind::$kind => $id, )+
                }
            }

            /// Runs `visitor` on the aggregate type of this kind.
            pub fn visit<V: OnAggregateType>(self, visitor: V) -> V::Output {
                match self {
                    $( AggregateKind::$kind => visitor.on::<$aggregate>(self), )+
                }
            }

            /// A well-formed id of this aggregate, for documentation.
            pub fn example_id(self) -> &'static str {
                match self {
                    $( AggregateKind::$kind => <$aggregate as Addressed>::EXAMPLE_ID, )+
                }
            }

            /// The fields of action `variant` that repeat the aggregate id (filled from the
            /// address: `domain::address`).
            pub fn id_fields(self, variant: &str) -> Vec<&'static str> {
                match self {
                    $( AggregateKind::$kind => {
                        <$aggregate as Addressed>::id_fields(variant, <$aggregate as Addressed>::EXAMPLE_ID)
                            .into_iter()
                            .map(|(name, _)| name)
                            .collect()
                    } )+
                }
            }
        }

        $(
            impl Declared for $aggregate {
                type Action = <<$aggregate as Aggregate>::Command as Envelope>::Action;
                type Reason = <<$aggregate as Aggregate>::Error as Refusal>::Reason;

                fn command(command: Command<Self::Action>) -> Self::Command {
                    command
                }

                fn refusal(error: &Self::Error) -> &Refused<Self::Reason> {
                    error
                }
            }
        )+

        /// The command side: one [`Commands`] per aggregate type, over one ledger, with the
        /// services (cross-aggregate lookups) that read that ledger.
        pub struct Programme {
            pub ledger: Ledger,
            pub services: Services,
            $( pub $field: Commands<$aggregate>, )+
        }

        impl Programme {
            pub fn new(ledger: Ledger) -> Programme {
                let services =
                    Services::from_one(Arc::new(LedgerLookups::new(ProgrammeStores::new(&ledger))));
                Programme {
                    $( $field: Commands::new(ledger.shared_store(), ServicesOf::of(&services)), )+
                    services,
                    ledger,
                }
            }

            /// Runs `visitor` on the commands of `kind`.
            pub async fn dispatch<V: OnAggregate>(&self, kind: AggregateKind, visitor: V) -> V::Output {
                match kind {
                    $( AggregateKind::$kind => visitor.on(kind, &self.$field).await, )+
                }
            }
        }
    };
}

aggregates! {
    Cooperative => cooperatives: domain::cooperative::Cooperative,
        "cooperatives", "the cooperative's code (mã HTX)";
    SupportCase => support_cases: domain::funding::SupportCase,
        "support-cases", "the support case's id (hồ sơ hỗ trợ)";
    TrainingClass => training_classes: domain::funding::TrainingClass,
        "training-classes", "the training class's id (lớp bồi dưỡng)";
    BudgetLine => budget_lines: domain::funding::BudgetLine,
        "budget-lines", "the budget line's id (dòng dự toán)";
    Settlement => settlements: domain::funding::Settlement,
        "settlements", "the settlement's id (quyết toán)";
    AdministrativeUnit => units: domain::reference::AdministrativeUnit,
        "administrative-units", "the unit's GSO code (đơn vị hành chính)";
    RegionMapping => regions: domain::reference::RegionMapping,
        "region-mappings", "the region mapping's id";
    LegalDocument => legal_documents: domain::reference::LegalDocument,
        "legal-documents", "the document's number, e.g. 31/KH-UBND, URL-encoded";
    SupportRuleSet => rule_sets: domain::reference::SupportRuleSet,
        "support-rule-sets", "the rule set's id";
    Person => people: domain::people::Person,
        "people", "the person's user name";
}
