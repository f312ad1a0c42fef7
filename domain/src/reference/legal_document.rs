//! The `LegalDocument` aggregate: a law, decree, circular, decision or plan the ledger cites,
//! with its validity. Aggregate id = the canonical document number, e.g. `899/2017/QĐ-UBND`.

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::document::DocumentNumber;
use crate::listed::listed_enum;
use crate::rules::Refused;
use crate::text::nfc;

use super::error::ReferenceError;

pub type LegalDocumentCommand = Command<LegalDocumentAction>;

/// What one legal document (văn bản) the ledger cites is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LegalDocumentAction {
    /// `number` is the text as written; it is parsed here (DATA-01).
    Register {
        number: String,
        title: String,
        issued_on: NaiveDate,
        effective_from: NaiveDate,
        effective_to: Option<NaiveDate>,
        /// A caveat, e.g. "effective date not confirmed".
        note: Option<String>,
    },
    Repeal {
        repealed_by: String,
        last_day: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LegalDocumentEvent {
    LegalDocumentRegistered {
        number: DocumentNumber,
        title: String,
        issued_on: NaiveDate,
        effective_from: NaiveDate,
        effective_to: Option<NaiveDate>,
        note: Option<String>,
        effective_date: NaiveDate,
    },
    LegalDocumentRepealed {
        repealed_by: DocumentNumber,
        last_day: NaiveDate,
        effective_date: NaiveDate,
    },
}

listed_enum! {
    pub enum LegalDocumentEventType {
        LegalDocumentRegistered => "LegalDocumentRegistered",
        LegalDocumentRepealed => "LegalDocumentRepealed",
    }
}

impl LegalDocumentEvent {
    pub fn kind(&self) -> LegalDocumentEventType {
        match self {
            LegalDocumentEvent::LegalDocumentRegistered { .. } => {
                LegalDocumentEventType::LegalDocumentRegistered
            }
            LegalDocumentEvent::LegalDocumentRepealed { .. } => {
                LegalDocumentEventType::LegalDocumentRepealed
            }
        }
    }
}

impl DomainEvent for LegalDocumentEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LegalDocument {
    number: Option<DocumentNumber>,
    title: String,
    effective_from: Option<NaiveDate>,
    effective_to: Option<NaiveDate>,
    repealed_by: Option<DocumentNumber>,
}

impl LegalDocument {
    pub fn number(&self) -> Option<&DocumentNumber> {
        self.number.as_ref()
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// In force on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from.is_some_and(|from| from <= date)
            && self.effective_to.is_none_or(|to| date <= to)
    }
}

impl Aggregate for LegalDocument {
    const TYPE: &'static str = "legal_document";
    type Command = LegalDocumentCommand;
    type Event = LegalDocumentEvent;
    type Error = Refused<ReferenceError>;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let event = self.decide(command).map_err(|e| Refused::new(date, e))?;
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            LegalDocumentEvent::LegalDocumentRegistered {
                number,
                title,
                effective_from,
                effective_to,
                ..
            } => {
                self.number = Some(number);
                self.title = title;
                self.effective_from = Some(effective_from);
                self.effective_to = effective_to;
            }
            LegalDocumentEvent::LegalDocumentRepealed {
                repealed_by,
                last_day,
                ..
            } => {
                self.repealed_by = Some(repealed_by);
                self.effective_to = Some(last_day);
            }
        }
    }
}

impl LegalDocument {
    fn decide(&self, command: LegalDocumentCommand) -> Result<LegalDocumentEvent, ReferenceError> {
        let effective_date = command.effective_date;
        match command.action {
            LegalDocumentAction::Register {
                number,
                title,
                issued_on,
                effective_from,
                effective_to,
                note,
            } => {
                let number = DocumentNumber::parse(&number)?;
                if let Some(existing) = &self.number {
                    return Err(ReferenceError::AlreadyRecorded {
                        id: existing.canonical().to_string(),
                    });
                }
                if let Some(to) = effective_to.filter(|to| *to < effective_from) {
                    return Err(ReferenceError::InvalidPeriod {
                        from: Some(effective_from),
                        to,
                    });
                }
                Ok(LegalDocumentEvent::LegalDocumentRegistered {
                    number,
                    title: nfc(title.trim()),
                    issued_on,
                    effective_from,
                    effective_to,
                    note: note.map(|n| nfc(n.trim())),
                    effective_date,
                })
            }
            LegalDocumentAction::Repeal {
                repealed_by,
                last_day,
            } => {
                let repealed_by = DocumentNumber::parse(&repealed_by)?;
                let from = self.effective_from.ok_or(ReferenceError::NotRecorded)?;
                if let Some(previous) = &self.repealed_by {
                    return Err(ReferenceError::AlreadyRecorded {
                        id: format!("bãi bỏ bởi / repealed by {previous}"),
                    });
                }
                if last_day < from {
                    return Err(ReferenceError::InvalidPeriod {
                        from: Some(from),
                        to: last_day,
                    });
                }
                Ok(LegalDocumentEvent::LegalDocumentRepealed {
                    repealed_by,
                    last_day,
                    effective_date,
                })
            }
        }
    }
}
