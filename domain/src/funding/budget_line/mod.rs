//! The `BudgetLine` aggregate: one fiscal year × budget unit × funding source × support
//! category (aggregate id [`crate::funding::BudgetLineId`], e.g.
//! `2018/SO-KHDT/NTM-1600/training`). It holds the estimate, the allocations onward (to
//! districts or units), commitments to approved purposes, advances, payments and returns, so
//! "allocations never exceed the estimate" (FIN-02) and "payments plus outstanding advances
//! never exceed the allocation" (FIN-01) are checked inside one aggregate.

mod apply;
mod checks;
mod command;
mod decide;
mod error;
mod event;
mod reverse;
mod state;

#[cfg(test)]
mod tests;

pub use checks::adjustment_period_end;
pub use command::{BudgetLineAction, BudgetLineCommand};
pub use error::BudgetLineError;
pub use event::{BudgetLineEvent, BudgetLineEventType};
pub use state::{BudgetLine, Commitment, EntryKind, LineEntry, LineSnapshot, Spent};

use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

use crate::rules::Refused;
use crate::services::Services;

impl Aggregate for BudgetLine {
    const TYPE: &'static str = "budget_line";
    type Command = BudgetLineCommand;
    type Event = BudgetLineEvent;
    type Error = Refused<BudgetLineError>;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let events = decide::decide(self, command, services)
            .await
            .map_err(|e| Refused::new(date, e))?;
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.apply_event(event);
    }
}
