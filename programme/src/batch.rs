//! Batches: several commands, in order, each decided by its rules against the state the ones
//! before it left (its own aggregate's and, through the lookups, every other aggregate's the
//! batch touched), then appended in one durable commit: every command or none.
//!
//! [`Batch::decide`] runs one command's rules and keeps its events; nothing is written until
//! [`Batch::commit`]. A refusal of any command refuses the batch: the caller drops it, and
//! nothing was written. A conflict at the commit (an aggregate moved on since the batch
//! loaded it) writes nothing either; the caller decides the whole batch again
//! ([`crate::CONFLICT_RETRIES`] times, as for one command).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, AggregateError, EventStore};
use domain::address::Addressed;
use domain::ledger::EventMetadata;
use domain::services::Services;
use store::{
    AppendBatch, AppendRequest, LedgerLookups, LedgerStore, Pending, ProgrammeStores, Remember,
    StoreError, Written, to_aggregate_error,
};

use crate::{Commands, Programme, ServicesOf};

/// What one command of a batch decided: its aggregate and how many entries it will write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    pub events: usize,
}

/// What to do with an aggregate's cache once the batch ends: keep the state it was written
/// at, or forget a stale one.
type Finish = Box<dyn Fn(&Pending, bool) + Send + Sync>;

/// A batch under decision on one programme.
pub struct Batch {
    pending: Arc<Pending>,
    services: Services,
    parts: Vec<AppendRequest>,
    not_before: Vec<Option<DateTime<Utc>>>,
    decided: Vec<Decided>,
    finish: Vec<Finish>,
    appender: store::Appender,
}

impl Programme {
    /// An empty batch on this programme's ledger.
    pub fn batch(&self) -> Batch {
        let pending = Arc::new(Pending::default());
        let lookups =
            LedgerLookups::with_pending(ProgrammeStores::new(&self.ledger), pending.clone());
        Batch {
            pending,
            services: Services::from_one(Arc::new(lookups)),
            parts: Vec::new(),
            not_before: Vec::new(),
            decided: Vec::new(),
            finish: Vec::new(),
            appender: self.ledger.appender().clone(),
        }
    }
}

impl Batch {
    /// The commands decided so far.
    pub fn decided(&self) -> &[Decided] {
        &self.decided
    }

    pub fn is_empty(&self) -> bool {
        self.decided.is_empty()
    }

    /// Decides `command` on aggregate `id` of `commands`' type against the state the batch
    /// has left so far, keeping its events for [`Batch::commit`] with `metadata`. The
    /// entries are recorded no earlier than `not_before` where the ledger's clock can be
    /// moved (the demo's); the system clock ignores it. Answers how many events it decided.
    ///
    /// # Errors
    /// The aggregate's refusal (an address refusal among them), or a store error while
    /// loading: the batch must then be dropped.
    pub async fn decide<A>(
        &mut self,
        commands: &Commands<A>,
        id: &str,
        command: A::Command,
        metadata: &EventMetadata,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<usize, AggregateError<A::Error>>
    where
        A: Addressed + Clone + 'static,
        A::Command: Clone,
        A::Services: ServicesOf,
    {
        A::check_address(id, &command).map_err(AggregateError::UserError)?;
        let store = commands.store();
        // Taken out while it is decided on (a refusal drops the whole batch anyway).
        let (mut aggregate, sequence) = match self.pending.take::<A>(id) {
            Some(state) => state,
            None => {
                let loaded = store.load_aggregate(id).await?.into_parts();
                self.finish.push(finisher(store.clone(), id, loaded.1));
                loaded
            }
        };
        let services = A::Services::of(&self.services);
        let sink = EventSink::default();
        aggregate
            .handle(command, &services, &sink)
            .await
            .map_err(AggregateError::UserError)?;
        let events = sink.collect().await;
        let request = store
            .request(&events, id, sequence, metadata)
            .map_err(to_aggregate_error)?;
        self.pending
            .put::<A>(id, aggregate, sequence + events.len() as u64);
        self.parts.push(request);
        self.not_before.push(not_before);
        self.decided.push(Decided {
            aggregate_type: A::TYPE,
            aggregate_id: id.to_string(),
            events: events.len(),
        });
        Ok(events.len())
    }

    /// Appends every decided command in one transaction, remembering `remember`'s response
    /// made from all their entries in order. Answers each command's entries.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when an aggregate moved on since the batch loaded it (decide
    /// the batch again), or a store failure: nothing of the batch was written.
    pub async fn commit(self, remember: Option<Remember>) -> Result<Vec<Vec<Written>>, StoreError> {
        let batch = AppendBatch {
            parts: self.parts,
            not_before: self.not_before,
            remember,
            sole_writer: self.pending.sole_writer(),
        };
        let types: Vec<Vec<String>> = batch
            .parts
            .iter()
            .map(|p| p.events.iter().map(|e| e.event_type.clone()).collect())
            .collect();
        let appended = self.appender.append_batch(batch).await;
        let written = appended.is_ok();
        for finish in &self.finish {
            finish(&self.pending, written);
        }
        Ok(appended?
            .into_iter()
            .zip(types)
            .zip(&self.decided)
            .map(|((landed, types), decided)| {
                landed
                    .into_iter()
                    .zip(types)
                    .map(|(at, event_type)| Written {
                        aggregate_id: decided.aggregate_id.clone(),
                        event_type,
                        at,
                    })
                    .collect()
            })
            .collect())
    }
}

/// Splits the entries of a whole batch, in order, into each command's (`decided` says how
/// many each wrote): what a batch's remembered response is made from.
pub fn split<'w>(written: &'w [Written], decided: &[Decided]) -> Vec<&'w [Written]> {
    let mut rest = written;
    decided
        .iter()
        .map(|d| {
            let (mine, after) = rest.split_at(d.events.min(rest.len()));
            rest = after;
            mine
        })
        .collect()
}

fn finisher<A: Aggregate + Clone + 'static>(
    store: LedgerStore<A>,
    id: &str,
    loaded: u64,
) -> Finish {
    let id = id.to_string();
    Box::new(move |pending: &Pending, written: bool| {
        if written {
            if let Some((aggregate, sequence)) = pending.get::<A>(&id) {
                store.cache_committed(&id, aggregate, sequence);
            }
        } else {
            store.forget_before(&id, loaded);
        }
    })
}
