//! The `TrainingClass` aggregate: one class of the plan's 20 a year, planned (and so approved)
//! then held (aggregate id [`crate::funding::RecordId`], `{year}/{organiser}/{serial}`, e.g.
//! `2018/SO-NNPTNT/L03`). Its cost is paid from the training budget line it names, which must
//! have an estimate when the class is planned (FIN-16). Classes
//! outside 30-50 learners are accepted with a FIN-13 finding.

mod error;
mod event;

#[cfg(test)]
mod tests;

pub use event::{
    TrainingClassAction, TrainingClassCommand, TrainingClassEvent, TrainingClassEventType,
};

pub use error::TrainingClassError;

use std::ops::RangeInclusive;

use chrono::NaiveDate;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::money::Dong;
use crate::rules::{Finding, Refused, RuleCode};
use crate::services::Services;
use crate::text::nfc;

use super::ids::{BudgetLineId, Purpose, RecordId, SupportCategory};
use super::purpose::ApprovedPurpose;

/// Learners per class in plan 31/KH-UBND II.2 (a finding outside, never a refusal).
pub const LEARNERS_PER_CLASS: RangeInclusive<u32> = 30..=50;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingClass {
    plan: Option<ApprovedPurposeRecord>,
    held: Option<(u32, Dong)>,
    cancelled: bool,
    findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ApprovedPurposeRecord {
    class: RecordId,
    line: BudgetLineId,
    planned_cost: Dong,
    approved_by: String,
    approved_on: NaiveDate,
}

fn learners_finding(learners: u32, date: NaiveDate) -> Option<TrainingClassEvent> {
    (!LEARNERS_PER_CLASS.contains(&learners)).then(|| TrainingClassEvent::ComplianceFindingRaised {
        finding: Finding::new(
            RuleCode::Fin13,
            date,
            &format!("{learners} học viên, ngoài 30-50 / {learners} learners, outside 30-50"),
        ),
    })
}

impl TrainingClass {
    /// The answer to [`crate::services::FundingLookup::approved_purpose`] for a class: its
    /// planned cost, approved by whoever planned it, unless cancelled.
    pub fn approved_purpose(&self) -> Option<ApprovedPurpose> {
        let plan = self.plan.as_ref().filter(|_| !self.cancelled)?;
        Some(ApprovedPurpose {
            purpose: Purpose::TrainingClass(plan.class.clone()),
            line: plan.line.clone(),
            beneficiary: None,
            amount: plan.planned_cost,
            approved_by: plan.approved_by.clone(),
            approved_on: plan.approved_on,
        })
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    async fn decide(
        &self,
        command: TrainingClassCommand,
        services: &Services,
    ) -> Result<Vec<TrainingClassEvent>, TrainingClassError> {
        use TrainingClassAction as A;
        use TrainingClassEvent as E;
        let date = command.effective_date;
        let actor = command.actor.user_id.clone();
        if let A::Plan {
            class,
            line,
            region,
            district,
            planned_learners,
            planned_cost,
            starts_on,
        } = command.action
        {
            if let Some(plan) = &self.plan {
                return Err(TrainingClassError::AlreadyPlanned {
                    class: plan.class.to_id(),
                });
            }
            if line.category != SupportCategory::Training || line.year != class.year {
                return Err(TrainingClassError::NotTrainingLine {
                    line: line.to_id(),
                    year: class.year,
                });
            }
            if planned_cost.is_zero() {
                return Err(TrainingClassError::ZeroAmount);
            }
            // FIN-16: the plan approves its cost, on a line that has an estimate.
            if services.funding.line(&line).await?.is_none() {
                return Err(TrainingClassError::LineNotOpened { line: line.to_id() });
            }
            if let Some(unit) = &district
                && services.geography.unit_on(unit, starts_on).await?.is_none()
            {
                return Err(TrainingClassError::UnitNotValid {
                    unit: unit.clone(),
                    date: starts_on,
                });
            }
            let organiser = class.unit.clone();
            return Ok(vec![E::TrainingClassPlanned {
                class,
                line,
                organiser,
                region,
                district,
                planned_learners,
                planned_cost,
                starts_on,
                approved_by: actor,
                effective_date: date,
            }]);
        }
        if self.plan.is_none() {
            return Err(TrainingClassError::NotPlanned);
        }
        if self.cancelled {
            return Err(TrainingClassError::Cancelled);
        }
        match command.action {
            A::Hold {
                held_from,
                held_to,
                learners,
                cost,
            } => {
                if self.held.is_some() {
                    return Err(TrainingClassError::AlreadyHeld);
                }
                if held_to < held_from {
                    return Err(TrainingClassError::InvalidDates {
                        from: held_from,
                        to: held_to,
                    });
                }
                let mut events = vec![E::TrainingClassHeld {
                    held_from,
                    held_to,
                    learners,
                    cost,
                    recorded_by: actor,
                    effective_date: date,
                }];
                events.extend(learners_finding(learners, date));
                Ok(events)
            }
            A::Cancel { reason } => {
                if self.held.is_some() {
                    return Err(TrainingClassError::AlreadyHeld);
                }
                Ok(vec![E::TrainingClassCancelled {
                    reason: nfc(reason.trim()),
                    effective_date: date,
                }])
            }
            A::CorrectRecord {
                learners,
                cost,
                reason,
            } => {
                let (previous_learners, previous_cost) =
                    self.held.ok_or(TrainingClassError::NotHeld)?;
                if (previous_learners, previous_cost) == (learners, cost) {
                    return Err(TrainingClassError::NothingToCorrect);
                }
                let mut events = vec![E::TrainingClassRecordCorrected {
                    previous_learners,
                    previous_cost,
                    learners,
                    cost,
                    reason: nfc(reason.trim()),
                    effective_date: date,
                }];
                events.extend(learners_finding(learners, date));
                Ok(events)
            }
            A::Plan { .. } => unreachable!("handled above"),
        }
    }
}

impl Aggregate for TrainingClass {
    const TYPE: &'static str = "training_class";
    type Command = TrainingClassCommand;
    type Event = TrainingClassEvent;
    type Error = Refused<TrainingClassError>;
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
        use TrainingClassEvent as E;
        match event {
            E::TrainingClassPlanned {
                class,
                line,
                planned_cost,
                approved_by,
                effective_date,
                ..
            } => {
                self.plan = Some(ApprovedPurposeRecord {
                    class,
                    line,
                    planned_cost,
                    approved_by,
                    approved_on: effective_date,
                });
            }
            E::TrainingClassHeld { learners, cost, .. }
            | E::TrainingClassRecordCorrected { learners, cost, .. } => {
                self.held = Some((learners, cost));
            }
            E::TrainingClassCancelled { .. } => self.cancelled = true,
            E::ComplianceFindingRaised { finding } => self.findings.push(finding),
        }
    }
}
