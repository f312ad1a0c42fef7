//! Refusals every budget-line command shares: no estimate yet (FIN-16) and a closed year
//! (FIN-10: only returned funds and the advance review follow an approved settlement).

use crate::fixtures::*;
use crate::funding::{BudgetLineAction as A, BudgetLineError as Error, BudgetLineEvent as E};

use super::*;

/// Every action but `AssignEstimate`; `true` when it is still allowed in a closed year.
fn every_action() -> Vec<(A, bool)> {
    vec![
        (
            A::Allocate {
                recipient: "205".into(),
                amount: d(1),
            },
            false,
        ),
        (
            A::Commit {
                purpose: case("HS-1"),
                recipient: "205".into(),
            },
            false,
        ),
        (
            A::PayAdvance {
                purpose: case("HS-1"),
                amount: d(1),
                reference: "TU".into(),
            },
            false,
        ),
        (
            A::SettleAdvance {
                advance_entry: 4,
                amount: d(1),
            },
            false,
        ),
        (
            A::MakePayment {
                purpose: case("HS-1"),
                amount: d(1),
                voucher: "GRDT".into(),
            },
            false,
        ),
        (
            A::ReturnFunds {
                against_entry: 4,
                amount: d(1),
                document: "C2-05a".into(),
            },
            true,
        ),
        (
            A::Reverse {
                entry: 4,
                reason: "r".into(),
            },
            false,
        ),
        (A::ReviewAdvances, true),
    ]
}

fn with_advance() -> Vec<E> {
    let mut line = open_line();
    line.push(advanced(4, 10_000_000, day(2018, 3, 15)));
    line
}

#[test]
fn a_line_without_an_estimate_takes_no_command_but_an_estimate() {
    let lookups = lookups();
    for (action, _) in every_action() {
        with(&lookups)
            .given_no_previous_events()
            .when(by(&payer(), day(2018, 5, 1), action))
            .then_expect_refusal(Error::NotOpened);
    }
}

#[test]
fn a_closed_year_takes_only_returned_funds_and_the_advance_review() {
    let lookups = lookups();
    approve_settlement(&lookups, day(2018, 4, 30));
    for (action, allowed) in every_action() {
        let result = with(&lookups)
            .given(with_advance())
            .when(by(&payer(), day(2018, 5, 1), action.clone()))
            .inspect_result();
        if allowed {
            assert!(result.is_ok(), "{action:?}: {result:?}");
        } else {
            let closed = Error::YearClosed {
                settlement: "2018/SO-KHDT".into(),
                approved_on: day(2018, 4, 30),
            };
            assert_eq!(result.map_err(|e| e.reason), Err(closed), "{action:?}");
        }
    }
}
