//! The `Settlement` aggregate: one budget unit's settlement (quyết toán) of one fiscal year,
//! submitted, appraised, approved (aggregate id [`crate::funding::SettlementId`],
//! `{year}/{unit}`, e.g. `2018/SO-KHDT`). Once approved the year is closed (FIN-10): budget
//! lines of the unit and year accept only returned funds, and the settlement only audit
//! findings. The approver may not have approved support or recorded a payment on any of the
//! settled lines (FIN-11).

mod error;
mod event;

#[cfg(test)]
mod tests;

pub use event::{SettlementAction, SettlementCommand, SettlementEvent, SettlementEventType};

pub use error::SettlementError;

use chrono::NaiveDate;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::rules::{Finding, Refused, RuleCode};
use crate::services::Services;
use crate::text::nfc;

use super::budget_line::adjustment_period_end;
use super::ids::{BudgetLineId, SettlementId};

/// What a budget line reads about its settlement (see
/// [`crate::services::FundingLookup::settlement`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementSnapshot {
    pub id: SettlementId,
    pub lines: Vec<BudgetLineId>,
    pub approved_on: Option<NaiveDate>,
    pub approved_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    id: Option<SettlementId>,
    lines: Vec<BudgetLineId>,
    appraised: bool,
    approved: Option<(NaiveDate, String)>,
    findings: Vec<Finding>,
}

impl Settlement {
    /// The answer to [`crate::services::FundingLookup::settlement`].
    pub fn snapshot(&self) -> Option<SettlementSnapshot> {
        Some(SettlementSnapshot {
            id: self.id.clone()?,
            lines: self.lines.clone(),
            approved_on: self.approved.as_ref().map(|(on, _)| *on),
            approved_by: self.approved.as_ref().map(|(_, by)| by.clone()),
        })
    }

    async fn decide(
        &self,
        command: SettlementCommand,
        services: &Services,
    ) -> Result<Vec<SettlementEvent>, SettlementError> {
        use SettlementAction as A;
        use SettlementEvent as E;
        let date = command.effective_date;
        let actor = command.actor.user_id.clone();
        if let A::RecordAuditFinding {
            body,
            amount_to_recover,
            note,
        } = command.action
        {
            if self.id.is_none() {
                return Err(SettlementError::NotSubmitted);
            }
            return Ok(vec![E::AuditFindingRecorded {
                body: nfc(body.trim()),
                amount_to_recover,
                note: nfc(note.trim()),
                recorded_by: actor,
                effective_date: date,
            }]);
        }
        if let Some((approved_on, _)) = &self.approved {
            return Err(SettlementError::YearClosed {
                approved_on: *approved_on,
            });
        }
        match command.action {
            A::Submit { settlement, lines } => {
                if self.id.is_some() {
                    return Err(SettlementError::AlreadySubmitted);
                }
                submit(settlement, lines, date, actor, services).await
            }
            A::Appraise { disallowed, notes } => {
                if self.id.is_none() {
                    return Err(SettlementError::NotSubmitted);
                }
                if self.appraised {
                    return Err(SettlementError::AlreadyAppraised);
                }
                Ok(vec![E::SettlementAppraised {
                    disallowed,
                    notes: nfc(notes.trim()),
                    appraised_by: actor,
                    effective_date: date,
                }])
            }
            A::Approve => {
                if self.id.is_none() {
                    return Err(SettlementError::NotSubmitted);
                }
                if !self.appraised {
                    return Err(SettlementError::NotAppraised);
                }
                for line in &self.lines {
                    let snapshot = services.funding.line(line).await?;
                    let snapshot = snapshot
                        .ok_or_else(|| SettlementError::UnknownLine { line: line.to_id() })?;
                    let did = if snapshot.approvers.contains(&actor) {
                        Some("phê duyệt hỗ trợ / approved support")
                    } else if snapshot.payers.contains(&actor) {
                        Some("ghi chi / recorded a payment")
                    } else {
                        None
                    };
                    if let Some(did) = did {
                        return Err(SettlementError::SameActor {
                            actor,
                            did: did.into(),
                            line: line.to_id(),
                        });
                    }
                }
                Ok(vec![E::SettlementApproved {
                    approved_by: actor,
                    effective_date: date,
                }])
            }
            A::RecordAuditFinding { .. } => unreachable!("handled above"),
        }
    }
}

/// Submission: lines of this unit and year, each with an estimate; FIN-06 findings for lines
/// whose advances are still outstanding after the adjustment period.
async fn submit(
    settlement: SettlementId,
    lines: Vec<BudgetLineId>,
    date: NaiveDate,
    actor: String,
    services: &Services,
) -> Result<Vec<SettlementEvent>, SettlementError> {
    if lines.is_empty() {
        return Err(SettlementError::NoLines);
    }
    let mut findings = Vec::new();
    for line in &lines {
        if line.settlement() != settlement {
            return Err(SettlementError::ForeignLine {
                line: line.to_id(),
                settlement: settlement.to_id(),
            });
        }
        let snapshot = services.funding.line(line).await?;
        let snapshot =
            snapshot.ok_or_else(|| SettlementError::UnknownLine { line: line.to_id() })?;
        let deadline = adjustment_period_end(line.year);
        if date > deadline && !snapshot.outstanding_advances.is_zero() {
            let detail = format!(
                "dòng {line}: tạm ứng còn {} sau {deadline} / advances outstanding after {deadline}",
                snapshot.outstanding_advances
            );
            findings.push(SettlementEvent::ComplianceFindingRaised {
                finding: Finding::new(RuleCode::Fin06, date, &detail),
            });
        }
    }
    let mut events = vec![SettlementEvent::SettlementSubmitted {
        settlement,
        lines,
        submitted_by: actor,
        effective_date: date,
    }];
    events.extend(findings);
    Ok(events)
}

impl Aggregate for Settlement {
    const TYPE: &'static str = "settlement";
    type Command = SettlementCommand;
    type Event = SettlementEvent;
    type Error = Refused<SettlementError>;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let events = self
            .decide(command, services)
            .await
            .map_err(|e| Refused::new(date, e))?;
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        use SettlementEvent as E;
        match event {
            E::SettlementSubmitted {
                settlement, lines, ..
            } => {
                self.id = Some(settlement);
                self.lines = lines;
            }
            E::SettlementAppraised { .. } => self.appraised = true,
            E::SettlementApproved {
                approved_by,
                effective_date,
            } => self.approved = Some((effective_date, approved_by)),
            E::AuditFindingRecorded { .. } => {}
            E::ComplianceFindingRaised { finding } => self.findings.push(finding),
        }
    }
}
