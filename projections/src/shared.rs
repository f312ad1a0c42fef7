//! What several projections read, folded once per event before them: each cooperative's
//! domain state (the `Cooperative` aggregate), and which aggregate's registration each
//! cooperative code follows.
//!
//! The registry, the dissolution pipeline and plan progress all read statuses, dates and
//! lineage from the domain's own state. Folding it once here, rather than once in each of
//! them, is a third of the work.
//!
//! It is not stored. A cooperative's domain state is the fold of its own events, which the log
//! keeps, so the projector refolds it from the cooperative entries below its checkpoint when it
//! loads ([`crate::projector::Projector::load`]) instead of writing every changed
//! cooperative's state (about 1.5 kB of JSON each) at every flush and rebuild. The registrations
//! are the fold of the same entries (their `CooperativeRegistered` events, in position order),
//! so they are refolded with them.
//!
//! **Duplicate registrations (REG-01).** A code is registered once and never reused, and the
//! command side refuses a second registration; but a ledger written before that refusal may
//! hold a `CooperativeRegistered` for a code under another aggregate id than the one that
//! registered it first. Entries are immutable, so the projections keep both: the first
//! registration of a code (in position order, among the events folded) holds the code's rows,
//! and every later one is a [`Duplicate`], which the registry lists as a finding
//! (`registry_duplicate_registrations`) and the other projections leave out (see
//! docs/projections.md).

use cqrs_es::Aggregate;
use domain::cooperative::{Cooperative, CooperativeEvent};
use foldhash::HashMap;

use crate::event::{DomainEvent, ProjectedEvent};

/// A registration of a cooperative code: the aggregate that recorded it, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub aggregate_id: String,
    pub position: u64,
}

/// An aggregate whose registration names a code another aggregate registered first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The code both registered.
    pub code: String,
    /// The position of this aggregate's registration of it.
    pub position: u64,
    /// The registration that holds the code (its registry row).
    pub first: Registration,
}

/// The state shared by the projections, as of the event being folded.
#[derive(Debug, Default, PartialEq)]
pub struct Shared {
    cooperatives: HashMap<String, Cooperative>,
    /// Code → its first registration.
    registrations: HashMap<String, Registration>,
    /// Aggregate id → what its latest registration duplicates; only such aggregates are here.
    duplicates: HashMap<String, Duplicate>,
}

impl Shared {
    /// Folds one event in; the projections then see the state after it. Only cooperative
    /// events change it, each its own aggregate's state.
    pub fn apply(&mut self, event: &ProjectedEvent) {
        if let DomainEvent::Cooperative(e) = &event.event {
            if let CooperativeEvent::CooperativeRegistered { code, .. } = e {
                self.register(code.as_str(), event);
            }
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

    /// Records that `event`'s aggregate registered `code`: the code's first registration, a
    /// repeat of its own (nothing changes), or a duplicate of another aggregate's.
    fn register(&mut self, code: &str, event: &ProjectedEvent) {
        let id = &event.aggregate_id;
        match self.registrations.get(code) {
            None => {
                self.registrations.insert(
                    code.to_string(),
                    Registration {
                        aggregate_id: id.clone(),
                        position: event.position,
                    },
                );
                self.duplicates.remove(id);
            }
            Some(first) if first.aggregate_id == *id => {
                self.duplicates.remove(id);
            }
            Some(first) => {
                let duplicate = Duplicate {
                    code: code.to_string(),
                    position: event.position,
                    first: first.clone(),
                };
                self.duplicates.insert(id.clone(), duplicate);
            }
        }
    }

    /// The domain state of the cooperative with this aggregate id.
    pub fn cooperative(&self, id: &str) -> Option<&Cooperative> {
        self.cooperatives.get(id)
    }

    /// What the registration of the aggregate `id` duplicates, if another aggregate
    /// registered its code first; `None` for every other aggregate (the aggregate holding its
    /// code, or one not registered).
    pub fn duplicate(&self, id: &str) -> Option<&Duplicate> {
        if self.duplicates.is_empty() {
            return None;
        }
        self.duplicates.get(id)
    }

    /// The code whose rows the aggregate `id` holds: the code it registered, unless another
    /// aggregate registered that code first (then `None`: see [`Shared::duplicate`]).
    pub fn holds(&self, id: &str) -> Option<&str> {
        if self.duplicate(id).is_some() {
            return None;
        }
        self.cooperative(id)
            .and_then(Cooperative::code)
            .map(|c| c.as_str())
    }

    /// The first registration of `code`.
    pub fn registration(&self, code: &str) -> Option<&Registration> {
        self.registrations.get(code)
    }

    /// Every aggregate whose registration duplicates another's, with what it duplicates.
    pub fn duplicates(&self) -> impl Iterator<Item = (&str, &Duplicate)> {
        self.duplicates.iter().map(|(id, d)| (id.as_str(), d))
    }

    /// How many cooperatives it holds.
    pub fn len(&self) -> usize {
        self.cooperatives.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cooperatives.is_empty()
    }
}
