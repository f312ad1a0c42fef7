//! The `SupportCase` aggregate: one application for support by one cooperative, from receipt
//! to approval or rejection (aggregate id [`crate::funding::RecordId`],
//! `{year}/{unit}/{serial}`, e.g. `2018/SO-KHDT/HS-0007`). The money itself moves on the
//! budget line the case names.

mod error;
mod event;

#[cfg(test)]
mod tests;

pub use error::SupportCaseError;
pub use event::{
    Eligibility, SupportCaseAction, SupportCaseCommand, SupportCaseEvent, SupportCaseEventType,
};

use chrono::NaiveDate;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::cooperative::CooperativeStatus;
use crate::money::Dong;
use crate::reference::RuleSetId;
use crate::rules::Refused;
use crate::services::Services;
use crate::text::nfc;

use super::ids::{BudgetLineId, Purpose, RecordId};
use super::purpose::ApprovedPurpose;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Application {
    case: RecordId,
    line: BudgetLineId,
    beneficiary: CooperativeCode,
    requested: Dong,
    eligible_cost: Dong,
    received_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Decision {
    Approved {
        amount: Dong,
        approved_by: String,
        approved_on: NaiveDate,
    },
    Rejected,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupportCase {
    application: Option<Application>,
    decision: Option<Decision>,
}

impl SupportCase {
    /// The answer to [`crate::services::FundingLookup::approved_purpose`] for a case.
    pub fn approved_purpose(&self) -> Option<ApprovedPurpose> {
        let application = self.application.as_ref()?;
        match &self.decision {
            Some(Decision::Approved {
                amount,
                approved_by,
                approved_on,
            }) => Some(ApprovedPurpose {
                purpose: Purpose::SupportCase(application.case.clone()),
                line: application.line.clone(),
                beneficiary: Some(application.beneficiary.clone()),
                amount: *amount,
                approved_by: approved_by.clone(),
                approved_on: *approved_on,
            }),
            _ => None,
        }
    }

    async fn decide(
        &self,
        command: SupportCaseCommand,
        services: &Services,
    ) -> Result<SupportCaseEvent, SupportCaseError> {
        let date = command.effective_date;
        let actor = command.actor.user_id.clone();
        if let SupportCaseAction::ReceiveApplication {
            case,
            line,
            beneficiary,
            requested,
            eligible_cost,
            description,
        } = command.action
        {
            if let Some(existing) = &self.application {
                return Err(SupportCaseError::AlreadyReceived {
                    case: existing.case.to_id(),
                });
            }
            if (case.year, case.unit.as_str()) != (line.year, line.unit.as_str()) {
                return Err(SupportCaseError::Mismatch {
                    field: "year/unit".into(),
                    expected: format!("{}/{}", case.year, case.unit),
                    given: format!("{}/{}", line.year, line.unit),
                });
            }
            if requested.is_zero() {
                return Err(SupportCaseError::ZeroAmount);
            }
            require_estimate(&line, services).await?;
            return Ok(SupportCaseEvent::SupportApplicationReceived {
                case,
                category: line.category,
                line,
                beneficiary,
                requested,
                eligible_cost,
                description: nfc(description.trim()),
                received_by: actor,
                effective_date: date,
            });
        }
        let application = self
            .application
            .as_ref()
            .ok_or(SupportCaseError::NotReceived)?;
        if let Some(decision) = &self.decision {
            let decision = match decision {
                Decision::Approved { .. } => "approved",
                Decision::Rejected => "rejected",
            };
            return Err(SupportCaseError::AlreadyDecided {
                decision: decision.into(),
            });
        }
        if date < application.received_on {
            return Err(SupportCaseError::DecidedBeforeApplication {
                received_on: application.received_on,
                effective_date: date,
            });
        }
        match command.action {
            SupportCaseAction::Approve { amount, rule_set } => {
                approve(application, amount, rule_set, date, actor, services).await
            }
            SupportCaseAction::Reject { reason } => Ok(SupportCaseEvent::SupportRejected {
                reason: nfc(reason.trim()),
                rejected_by: actor,
                effective_date: date,
            }),
            SupportCaseAction::ReceiveApplication { .. } => unreachable!("handled above"),
        }
    }
}

/// FIN-16: the budget line has an estimate (giao dự toán comes before applications and
/// decisions on it).
async fn require_estimate(
    line: &BudgetLineId,
    services: &Services,
) -> Result<(), SupportCaseError> {
    match services.funding.line(line).await? {
        Some(_) => Ok(()),
        None => Err(SupportCaseError::LineNotOpened { line: line.to_id() }),
    }
}

/// FIN-16 (the line has an estimate), FIN-04 (active on the approval date) and FIN-03 (within
/// the cap of the rule set in force, and within what was requested).
async fn approve(
    application: &Application,
    amount: Dong,
    rule_set: RuleSetId,
    date: NaiveDate,
    actor: String,
    services: &Services,
) -> Result<SupportCaseEvent, SupportCaseError> {
    if amount.is_zero() {
        return Err(SupportCaseError::ZeroAmount);
    }
    require_estimate(&application.line, services).await?;
    let snapshot = services
        .registry
        .snapshot_on(&application.beneficiary, date)
        .await?;
    let Some(snapshot) = snapshot.filter(|s| s.status == CooperativeStatus::Active) else {
        let status = services
            .registry
            .status_on(&application.beneficiary, date)
            .await?;
        return Err(SupportCaseError::BeneficiaryNotActive {
            code: application.beneficiary.clone(),
            date,
            status,
        });
    };
    let version = services.rule_sets.version_on(&rule_set, date).await?;
    let version = version.ok_or_else(|| SupportCaseError::NoRuleSetInForce {
        rule_set: rule_set.clone(),
        date,
    })?;
    if version.category != application.line.category {
        return Err(SupportCaseError::RuleSetCategory {
            rule_set,
            category: application.line.category.to_string(),
        });
    }
    let members = snapshot.members.counted_for(snapshot.kind);
    let cap = version
        .cap_for(application.eligible_cost, members)?
        .min(application.requested);
    if amount > cap {
        return Err(SupportCaseError::CapExceeded {
            amount,
            cap,
            requested: application.requested,
            rule_set,
            version: version.version,
        });
    }
    Ok(SupportCaseEvent::SupportApproved {
        amount,
        rule_set,
        rule_set_version: version.version,
        cap,
        eligibility: Eligibility {
            status: snapshot.status,
            members,
        },
        approved_by: actor,
        effective_date: date,
    })
}

impl Aggregate for SupportCase {
    const TYPE: &'static str = "support_case";
    type Command = SupportCaseCommand;
    type Event = SupportCaseEvent;
    type Error = Refused<SupportCaseError>;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let event = self
            .decide(command, services)
            .await
            .map_err(|e| Refused::new(date, e))?;
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            SupportCaseEvent::SupportApplicationReceived {
                case,
                line,
                beneficiary,
                requested,
                eligible_cost,
                effective_date,
                ..
            } => {
                self.application = Some(Application {
                    case,
                    line,
                    beneficiary,
                    requested,
                    eligible_cost,
                    received_on: effective_date,
                });
            }
            SupportCaseEvent::SupportApproved {
                amount,
                approved_by,
                effective_date,
                ..
            } => {
                self.decision = Some(Decision::Approved {
                    amount,
                    approved_by,
                    approved_on: effective_date,
                });
            }
            SupportCaseEvent::SupportRejected { .. } => self.decision = Some(Decision::Rejected),
        }
    }
}
