//! A minimal aggregate for testing and benchmarking the ledger itself (feature `testing`):
//! a tally that records amounts with notes. The programme's own aggregates live in `domain`.

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use domain::ledger::{Actor, EventMetadata, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Tally {
    pub total: i64,
    pub entries: u64,
}

#[derive(Debug, Clone)]
pub enum TallyCommand {
    Record { amount: i64, note: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TallyEvent {
    Recorded { amount: i64, note: String },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TallyError {
    #[error("amount must not be negative: {0}")]
    Negative(i64),
}

impl DomainEvent for TallyEvent {
    fn event_type(&self) -> String {
        "TallyRecorded".to_string()
    }
    fn event_version(&self) -> String {
        "1".to_string()
    }
}

impl Aggregate for Tally {
    const TYPE: &'static str = "Tally";
    type Command = TallyCommand;
    type Event = TallyEvent;
    type Error = TallyError;
    type Services = ();

    async fn handle(
        &mut self,
        command: TallyCommand,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), TallyError> {
        match command {
            TallyCommand::Record { amount, note } => {
                if amount < 0 {
                    return Err(TallyError::Negative(amount));
                }
                sink.write(TallyEvent::Recorded { amount, note }, self)
                    .await;
                Ok(())
            }
        }
    }

    fn apply(&mut self, event: TallyEvent) {
        match event {
            TallyEvent::Recorded { amount, .. } => {
                self.total += amount;
                self.entries += 1;
            }
        }
    }
}

pub fn record(amount: i64, note: &str) -> TallyCommand {
    TallyCommand::Record {
        amount,
        note: note.to_string(),
    }
}

/// Metadata as a clerk of Đông Triều would send it.
pub fn metadata(request: u64) -> std::collections::HashMap<String, String> {
    EventMetadata::new(
        Actor::new("nguyễn.thị.hoà", Role::Clerk, Some("PTCKH-205")),
        NaiveDate::from_ymd_opt(2017, 9, 1).expect("a valid date"),
    )
    .with_legal_basis("31/KH-UBND")
    .with_request_id(&format!("req-{request}"))
    .to_map()
}
