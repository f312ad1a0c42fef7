//! What several projections read, folded once per event before them: each cooperative's
//! domain state (the `Cooperative` aggregate).
//!
//! The registry, the dissolution pipeline and plan progress all read statuses, dates and
//! lineage from the domain's own state. Folding it once here, rather than once in each of
//! them, is a third of the work.
//!
//! It is not stored. A cooperative's domain state is the fold of its own events, which the log
//! keeps, so the projector refolds it from the cooperative entries below its checkpoint when it
//! loads ([`crate::projector::Projector::load`]) instead of writing every changed
//! cooperative's state (about 1.5 kB of JSON each) at every flush and rebuild.

use cqrs_es::Aggregate;
use domain::cooperative::Cooperative;
use foldhash::HashMap;

use crate::event::{DomainEvent, ProjectedEvent};

/// The state shared by the projections, as of the event being folded.
#[derive(Debug, Default, PartialEq)]
pub struct Shared {
    cooperatives: HashMap<String, Cooperative>,
}

impl Shared {
    /// Folds one event in; the projections then see the state after it. Only cooperative
    /// events change it, each its own aggregate's state.
    pub fn apply(&mut self, event: &ProjectedEvent) {
        if let DomainEvent::Cooperative(e) = &event.event {
            let state = match self.cooperatives.get_mut(&event.aggregate_id) {
                Some(state) => state,
                None => self
                    .cooperatives
                    .entry(event.aggregate_id.clone())
                    .or_default(),
            };
            state.apply(e.clone());
        }
    }

    /// The domain state of the cooperative with this aggregate id.
    pub fn cooperative(&self, id: &str) -> Option<&Cooperative> {
        self.cooperatives.get(id)
    }

    /// How many cooperatives it holds.
    pub fn len(&self) -> usize {
        self.cooperatives.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cooperatives.is_empty()
    }
}
