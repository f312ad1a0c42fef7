use crate::fixtures::*;
use crate::funding::{BudgetLineAction as A, BudgetLineError as Error, BudgetLineEvent as E};
use crate::rules::{Finding, RuleCode};

use super::*;

fn returned(
    entry: u32,
    against: u32,
    amount: i64,
    after_settlement: bool,
    date: chrono::NaiveDate,
) -> E {
    E::FundsReturned {
        entry,
        against_entry: against,
        amount: d(amount),
        document: "C2-05a/NS số 7".into(),
        after_settlement,
        effective_date: date,
    }
}

fn give_back(against: u32, amount: i64) -> A {
    A::ReturnFunds {
        against_entry: against,
        amount: d(amount),
        document: "C2-05a/NS số 7".into(),
    }
}

fn reverse(entry: u32) -> A {
    A::Reverse {
        entry,
        reason: "ghi nhầm".into(),
    }
}

fn reversed(entry: u32, reverses: u32) -> E {
    E::EntryReversed {
        entry,
        reverses,
        reason: "ghi nhầm".into(),
        reversed_by: clerk().user_id,
        effective_date: day(2018, 6, 1),
    }
}

/// Open line with an advance of 10 triệu (entry 4) and a payment of 15 triệu (entry 5).
fn spent_line() -> Vec<E> {
    let mut line = open_line();
    line.push(advanced(4, 10_000_000, day(2018, 3, 15)));
    line.push(paid(5, 15_000_000));
    line
}

#[test]
fn returns_funds_against_a_payment_or_an_advance_also_after_the_settlement() {
    let lookups = lookups();
    with(&lookups)
        .given(spent_line())
        .when(cmd(day(2018, 6, 1), give_back(5, 5_000_000)))
        .then_expect_events(vec![returned(6, 5, 5_000_000, false, day(2018, 6, 1))]);
    with(&lookups)
        .given(spent_line())
        .when(cmd(day(2018, 6, 1), give_back(4, 10_000_000)))
        .then_expect_events(vec![returned(6, 4, 10_000_000, false, day(2018, 6, 1))]);
    approve_settlement(&lookups, day(2019, 3, 1));
    with(&lookups)
        .given(spent_line())
        .when(cmd(day(2019, 6, 1), give_back(5, 1)))
        .then_expect_events(vec![returned(6, 5, 1, true, day(2019, 6, 1))]);
}

#[test]
fn return_refusals() {
    let lookups = lookups();
    let check = |given: Vec<E>, action, error| {
        with(&lookups)
            .given(given)
            .when(cmd(day(2018, 6, 1), action))
            .then_expect_refusal(error);
    };
    check(
        spent_line(),
        give_back(9, 1),
        Error::UnknownEntry { entry: 9 },
    );
    check(
        spent_line(),
        give_back(1, 1),
        Error::WrongEntry {
            entry: 1,
            expected: "tạm ứng hoặc thanh toán / an advance or a payment".into(),
        },
    );
    check(
        spent_line(),
        give_back(5, 15_000_001),
        Error::ExceedsRemaining {
            entry: 5,
            remaining: d(15_000_000),
            requested: d(15_000_001),
        },
    );
    let mut partly = spent_line();
    partly.push(returned(6, 5, 5_000_000, false, day(2018, 6, 1)));
    check(
        partly,
        give_back(5, 10_000_001),
        Error::ExceedsRemaining {
            entry: 5,
            remaining: d(10_000_000),
            requested: d(10_000_001),
        },
    );
    let mut gone = spent_line();
    gone.push(reversed(6, 4));
    check(
        gone,
        give_back(4, 1),
        Error::ExceedsRemaining {
            entry: 4,
            remaining: d(0),
            requested: d(1),
        },
    );
    check(spent_line(), give_back(5, 0), Error::ZeroAmount);
    check(vec![], give_back(5, 1), Error::NotOpened);
}

#[test]
fn reverses_an_entry_exactly_and_only_once() {
    let lookups = lookups();
    with(&lookups)
        .given(spent_line())
        .when(cmd(day(2018, 6, 1), reverse(5)))
        .then_expect_events(vec![reversed(6, 5)]);
    let mut twice = spent_line();
    twice.push(reversed(6, 5));
    let check = |given: Vec<E>, action, error| {
        with(&lookups)
            .given(given)
            .when(cmd(day(2018, 6, 1), action))
            .then_expect_refusal(error);
    };
    check(
        twice.clone(),
        reverse(5),
        Error::CannotReverse {
            entry: 5,
            reason: "đã điều chỉnh / already reversed".into(),
        },
    );
    check(
        twice,
        reverse(6),
        Error::CannotReverse {
            entry: 6,
            reason: "không điều chỉnh bút toán điều chỉnh / a reversal is not reversed".into(),
        },
    );
    check(spent_line(), reverse(42), Error::UnknownEntry { entry: 42 });
}

#[test]
fn a_reversal_must_keep_every_balance_rule() {
    let lookups = lookups();
    let check = |given: Vec<E>, action, error| {
        with(&lookups)
            .given(given)
            .when(cmd(day(2018, 6, 1), action))
            .then_expect_refusal(error);
    };
    let two_estimates = vec![
        estimated(1, 100),
        estimated(2, 50),
        allocated(3, "205", 120),
    ];
    check(
        two_estimates,
        reverse(2),
        Error::EstimateExceeded {
            estimate: d(100),
            allocated: d(120),
            requested: d(0),
        },
    );
    let two_allocations = vec![
        estimated(1, 100_000_000),
        allocated(2, "205", 20_000_000),
        allocated(3, "205", 20_000_000),
        committed(4, "HS-1", 30_000_000),
        paid(5, 25_000_000),
    ];
    check(
        two_allocations,
        reverse(3),
        Error::AllocationExceeded {
            recipient: "205".into(),
            allocated: d(20_000_000),
            paid: d(25_000_000),
            outstanding: d(0),
            requested: d(0),
        },
    );
    check(spent_line(), reverse(3), Error::CannotReverse { entry: 3, reason: "còn tạm ứng/thanh toán, điều chỉnh chúng trước / reverse its advances and payments first".into() });
    let mut settled = spent_line();
    settled.push(E::AdvanceSettled {
        entry: 6,
        advance_entry: 4,
        amount: d(1),
        settled_by: payer().user_id,
        adjustment_period: false,
        effective_date: day(2018, 5, 1),
    });
    check(
        settled,
        reverse(4),
        Error::CannotReverse {
            entry: 4,
            reason: "tạm ứng đã thanh toán hoặc nộp trả một phần / partly settled or returned"
                .into(),
        },
    );
    let mut with_return = spent_line();
    with_return.push(returned(6, 5, 1, false, day(2018, 6, 1)));
    check(
        with_return,
        reverse(5),
        Error::CannotReverse {
            entry: 5,
            reason: "đã có nộp trả, điều chỉnh nộp trả trước / reverse its returns first".into(),
        },
    );
    // Undoing a return spends again: here the payment room was used up after the return.
    let refilled = vec![
        estimated(1, 100_000_000),
        allocated(2, "205", 30_000_000),
        committed(3, "HS-1", 30_000_000),
        paid(4, 30_000_000),
        returned(5, 4, 10_000_000, false, day(2018, 5, 1)),
        paid(6, 10_000_000),
    ];
    check(
        refilled,
        reverse(5),
        Error::CapExceeded {
            purpose: case("HS-1"),
            approved: d(30_000_000),
            paid: d(30_000_000),
            outstanding: d(0),
            requested: d(10_000_000),
        },
    );
    approve_settlement(&lookups, day(2019, 3, 1));
    check(
        spent_line(),
        reverse(5),
        Error::YearClosed {
            settlement: "2018/SO-KHDT".into(),
            approved_on: day(2019, 3, 1),
        },
    );
}

#[test]
fn reversals_undo_balances_exactly() {
    let mut line = crate::funding::BudgetLine::default();
    let events = spent_line().into_iter().chain([
        returned(6, 5, 5_000_000, false, day(2018, 6, 1)),
        reversed(7, 6),
        reversed(8, 4),
    ]);
    for event in events {
        line.apply_event(event);
    }
    let spent = line.spent("205");
    assert_eq!((spent.paid, spent.outstanding), (d(15_000_000), d(0)));
    assert_eq!(line.commitments()[0].paid, d(15_000_000));
}

#[test]
fn reviews_advances_outstanding_after_31_january_once() {
    let lookups = lookups();
    let finding = E::ComplianceFindingRaised {
        finding: Finding::new(
            RuleCode::Fin06,
            day(2019, 2, 1),
            "tạm ứng 4 ngày 2018-03-15 còn 10.000.000 đ sau 2019-01-31 / advance still outstanding after 2019-01-31",
        ),
        advance_entry: 4,
    };
    with(&lookups)
        .given(spent_line())
        .when(cmd(day(2019, 1, 31), A::ReviewAdvances))
        .then_expect_events(vec![]);
    with(&lookups)
        .given(spent_line())
        .when(cmd(day(2019, 2, 1), A::ReviewAdvances))
        .then_expect_events(vec![finding.clone()]);
    let mut reported = spent_line();
    reported.push(finding);
    with(&lookups)
        .given(reported)
        .when(cmd(day(2019, 3, 1), A::ReviewAdvances))
        .then_expect_events(vec![]);
    with(&lookups)
        .given(vec![])
        .when(cmd(day(2019, 3, 1), A::ReviewAdvances))
        .then_expect_refusal(Error::NotOpened);
}

/// FIN-01 on `Reverse`: an allocation is not reversed below what its recipient's open
/// commitments reserve, even before anything is paid.
#[test]
fn an_allocation_is_not_reversed_below_the_recipients_commitments() {
    let lookups = lookups();
    let committed_only = vec![
        estimated(1, 100_000_000),
        allocated(2, "205", 20_000_000),
        allocated(3, "205", 20_000_000),
        committed(4, "HS-1", 30_000_000),
    ];
    let refused = with(&lookups)
        .given(committed_only.clone())
        .when(cmd(day(2018, 6, 1), reverse(3)))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.rule(), Some(RuleCode::Fin01), "{refused}");
    assert_eq!(
        refused.reason,
        Error::CommitmentsExceedAllocation {
            recipient: "205".into(),
            allocated: d(20_000_000),
            paid: d(0),
            outstanding: d(0),
            committed: d(30_000_000),
            requested: d(0),
        }
    );
    let mut uncommitted = committed_only;
    uncommitted.push(reversed(5, 4));
    with(&lookups)
        .given(uncommitted)
        .when(cmd(day(2018, 6, 1), reverse(3)))
        .then_expect_events(vec![reversed(6, 3)]);
}
