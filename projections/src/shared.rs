//! What several projections read, folded once per event before them: each cooperative's
//! domain state (the `Cooperative` aggregate), kept in the internal table `cooperative_state`.
//!
//! The registry, the dissolution pipeline and plan progress all read statuses, dates and
//! lineage from the domain's own state. Folding it once here, rather than once in each of
//! them, is a third of the work and a third of the rows to store.

use cqrs_es::Aggregate;
use domain::cooperative::Cooperative;
use serde::{Deserialize, Serialize};
use store::{Cell, ColumnKind, TableShape};

use crate::event::{DomainEvent, ProjectedEvent};
use crate::table::{AnyTable, Row, Table, json, text};

/// `cooperative_state` (internal): each cooperative's domain state, by aggregate id (its code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CooperativeStateRow {
    pub code: String,
    pub state: Cooperative,
}

impl Row for CooperativeStateRow {
    const SHAPE: TableShape = TableShape {
        name: "cooperative_state",
        columns: &[("code", ColumnKind::Text), ("state", ColumnKind::Json)],
        key_columns: 1,
    };
    const INTERNAL: bool = true;
    type Key = String;
    fn key(&self) -> String {
        self.code.clone()
    }
    fn direct_cells(&self) -> Option<Vec<Cell>> {
        Some(vec![text(&self.code), json(&self.state)?])
    }
}

/// The state shared by the projections, as of the event being folded.
#[derive(Debug, Default)]
pub struct Shared {
    pub cooperatives: Table<CooperativeStateRow>,
}

impl Shared {
    /// Folds one event in; the projections then see the state after it.
    pub fn apply(&mut self, event: &ProjectedEvent) {
        if let DomainEvent::Cooperative(e) = &event.event {
            let id = &event.aggregate_id;
            let row = match self.cooperatives.get_mut(id) {
                Some(row) => row,
                None => self.cooperatives.entry(id.clone(), || CooperativeStateRow {
                    code: id.clone(),
                    state: Cooperative::default(),
                }),
            };
            row.state.apply(e.clone());
        }
    }

    /// The domain state of the cooperative with this aggregate id.
    pub fn cooperative(&self, id: &str) -> Option<&Cooperative> {
        self.cooperatives.get(id).map(|row| &row.state)
    }

    pub fn tables(&self) -> Vec<&dyn AnyTable> {
        vec![&self.cooperatives]
    }

    pub fn tables_mut(&mut self) -> Vec<&mut dyn AnyTable> {
        vec![&mut self.cooperatives]
    }
}
