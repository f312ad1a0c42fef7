//! The invariants of DOMAIN.md, checked after every step.

use chrono::NaiveDate;
use proptest::prelude::*;

use crate::code::CooperativeCode;
use crate::cooperative::{Cooperative, CooperativeEvent, CooperativeStatus};
use crate::fixtures::code;
use crate::funding::{
    BudgetLine, BudgetLineEvent, Settlement, SettlementEvent, SupportCase, SupportCaseEvent,
};
use crate::money::Dong;

use super::step::*;
use super::world::*;
/// The balances of every line: FIN-01, FIN-02 and FIN-03 hold.
pub(super) fn check_balances(world: &World) -> Result<(), TestCaseError> {
    for i in 0..2 {
        let line = world.line(i);
        prop_assert!(
            line.allocated() <= line.estimate(),
            "FIN-02 {:?}",
            line.id()
        );
        let sum = Dong::sum(line.allocations().values().copied()).unwrap();
        prop_assert_eq!(sum, line.allocated());
        for (recipient, allocation) in line.allocations() {
            let spent = line.spent(recipient);
            prop_assert!(
                spent.paid.checked_add(spent.outstanding).unwrap() <= *allocation,
                "FIN-01 {recipient}"
            );
            let committed = Dong::sum(
                line.commitments()
                    .iter()
                    .filter(|c| &c.recipient == recipient && !c.reversed)
                    .map(|c| c.amount),
            )
            .unwrap();
            prop_assert!(
                committed <= *allocation,
                "FIN-01 commitments of {recipient}: {committed} > {allocation}"
            );
        }
        for c in line.commitments().iter().filter(|c| !c.reversed) {
            prop_assert!(
                c.paid.checked_add(c.outstanding).unwrap() <= c.amount,
                "FIN-03 {}",
                c.purpose
            );
        }
    }
    Ok(())
}

pub(super) fn status_on(
    world: &World,
    code: &CooperativeCode,
    date: NaiveDate,
) -> Option<CooperativeStatus> {
    world
        .lookups
        .get::<Cooperative>(code.as_str())
        .status_on(date)
}

/// The rules of what one accepted step may record, given the state before it.
pub(super) fn check_step(
    world: &World,
    before: &Before,
    outcome: &Outcome,
) -> Result<(), TestCaseError> {
    match outcome {
        Outcome::Cooperative(code, Some(events)) => {
            if before.terminal.contains(code) {
                prop_assert!(
                    events.iter().all(CooperativeEvent::is_allowed_after_end),
                    "REG-04: ended {code} took {events:?}"
                );
            }
            let history = world.lookups.get::<Cooperative>(code.as_str());
            let periods = history.status_history().periods();
            prop_assert!(
                periods.windows(2).all(|w| w[0].from <= w[1].from),
                "REG-04: history out of order"
            );
        }
        Outcome::Line(id, date, Some(events)) => {
            if before.closed {
                let only_returns = events.iter().all(|e| {
                    matches!(
                        e,
                        BudgetLineEvent::FundsReturned { .. }
                            | BudgetLineEvent::ComplianceFindingRaised { .. }
                    )
                });
                prop_assert!(only_returns, "FIN-10: closed year took {events:?}");
            }
            let line = world.lookups.get::<BudgetLine>(&id.to_id());
            for event in events {
                let (purpose, by) = match event {
                    BudgetLineEvent::AdvancePaid {
                        purpose, paid_by, ..
                    }
                    | BudgetLineEvent::PaymentMade {
                        purpose, paid_by, ..
                    } => (purpose, paid_by),
                    BudgetLineEvent::AdvanceSettled {
                        advance_entry,
                        settled_by,
                        ..
                    } => {
                        let purpose = line.entries()[*advance_entry as usize - 1]
                            .purpose
                            .as_ref()
                            .unwrap();
                        let commitment = line
                            .commitments()
                            .iter()
                            .find(|c| &c.purpose == purpose && !c.reversed)
                            .unwrap();
                        prop_assert_ne!(
                            &commitment.approved_by,
                            settled_by,
                            "FIN-11 advance settlement"
                        );
                        continue;
                    }
                    _ => continue,
                };
                let commitment = line
                    .commitments()
                    .iter()
                    .find(|c| &c.purpose == purpose && !c.reversed)
                    .unwrap();
                prop_assert_ne!(&commitment.approved_by, by, "FIN-11");
                if let Some(code) = &commitment.beneficiary {
                    prop_assert_eq!(
                        status_on(world, code, *date),
                        Some(CooperativeStatus::Active),
                        "FIN-04 on {}",
                        date
                    );
                }
            }
        }
        Outcome::Case(id, date, Some(events)) => {
            for event in events {
                if let SupportCaseEvent::SupportApproved { amount, cap, .. } = event {
                    prop_assert!(
                        amount <= cap && *amount <= millions(30),
                        "FIN-03: {amount} over {cap}"
                    );
                    let purpose = world
                        .lookups
                        .get::<SupportCase>(&id.to_id())
                        .approved_purpose()
                        .unwrap();
                    let beneficiary = purpose.beneficiary.unwrap();
                    prop_assert_eq!(
                        status_on(world, &beneficiary, *date),
                        Some(CooperativeStatus::Active),
                        "FIN-04 at approval"
                    );
                }
            }
        }
        Outcome::Settlement(Some(events)) => {
            for event in events {
                if let SettlementEvent::SettlementApproved { approved_by, .. } = event {
                    for i in 0..2 {
                        let snapshot = world.line(i).snapshot().unwrap();
                        prop_assert!(
                            !snapshot.approvers.contains(approved_by)
                                && !snapshot.payers.contains(approved_by),
                            "FIN-11 settlement"
                        );
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// What the step checks need from before the step.
pub(super) struct Before {
    pub(super) terminal: Vec<CooperativeCode>,
    pub(super) closed: bool,
}

pub(super) fn before(world: &World) -> Before {
    let terminal = (1..=COOPS)
        .map(code)
        .filter(|c| {
            world
                .lookups
                .get::<Cooperative>(c.as_str())
                .current_status()
                .is_some_and(CooperativeStatus::is_terminal)
        })
        .collect();
    let closed = world
        .lookups
        .get::<Settlement>(&settlement_id().to_id())
        .snapshot()
        .is_some_and(|s| s.approved_on.is_some());
    Before { terminal, closed }
}
