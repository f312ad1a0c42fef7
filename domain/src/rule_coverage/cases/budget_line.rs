//! The budget line's rules (FIN-01 … FIN-16, GEO-01, DATA-01) on its commands.

use crate::fixtures::{by, cmd, d, day, doc};
use crate::funding::SupportCategory;
use crate::funding::{BudgetLine, BudgetLineAction as A, BudgetLineEvent as E, BudgetLineId};
use crate::rules::RuleCode as R;

use super::super::Source;
use super::super::fixtures::{
    allocated, approver, case, closed, committed, estimated, line, open_line, paid, payer,
    returned, services, spent_line, suspended,
};
use super::super::harness::Cases;
use super::super::samples;

const BUDGET_TESTS: Source = Source {
    path: "domain/src/funding/budget_line/tests/budget.rs",
    text: include_str!("../../funding/budget_line/tests/budget.rs"),
};

fn pay(amount: i64) -> A {
    A::MakePayment {
        purpose: case("HS-1"),
        amount: d(amount),
        voucher: "GRDT-2".into(),
    }
}

fn advance(amount: i64) -> A {
    A::PayAdvance {
        purpose: case("HS-1"),
        amount: d(amount),
        reference: "TU-2".into(),
    }
}

fn settle(amount: i64) -> A {
    A::SettleAdvance {
        advance_entry: 4,
        amount: d(amount),
    }
}

fn reverse(entry: u32) -> A {
    A::Reverse {
        entry,
        reason: "ghi nhầm".into(),
    }
}

/// Estimate 100 triệu, 20 triệu allocated to 205 twice, HS-1 committed for 30 triệu and
/// `paid_amount` paid.
fn thin_allocations(paid_amount: i64) -> Vec<E> {
    vec![
        estimated(&line(), 1, 100_000_000),
        allocated(2, "205", 20_000_000),
        allocated(3, "205", 20_000_000),
        committed(4, 30_000_000),
        paid(5, paid_amount),
    ]
}

pub(in super::super) fn cases(c: &mut Cases) {
    let mut lines = c.on::<BudgetLine>(services);
    let spending = [advance as fn(i64) -> A, pay];

    // FIN-01: 25 triệu spent from an allocation of 20 (under a commitment of 30 recorded
    // before commitments were held to allocations); an allocation reversed below what was
    // spent. A commitment held to the allocation is named below.
    for spend in spending {
        let given = vec![
            estimated(&line(), 1, 100_000_000),
            allocated(2, "205", 20_000_000),
            committed(3, 30_000_000),
        ];
        lines.run(
            R::Fin01,
            given,
            by(&payer(), day(2018, 4, 2), spend(25_000_000)),
        );
    }
    lines.run(
        R::Fin01,
        thin_allocations(25_000_000),
        cmd(day(2018, 6, 1), reverse(3)),
    );
    // FIN-02: allocations within the estimate, also when an estimate is reversed.
    lines.run(
        R::Fin02,
        vec![estimated(&line(), 1, 10_000_000)],
        cmd(
            day(2018, 2, 1),
            A::Allocate {
                recipient: "205".into(),
                amount: d(10_000_001),
            },
        ),
    );
    let two_estimates = vec![
        estimated(&line(), 1, 100),
        estimated(&line(), 2, 50),
        allocated(3, "205", 120),
    ];
    lines.run(R::Fin02, two_estimates, cmd(day(2018, 6, 1), reverse(2)));
    // FIN-03: spending within the approved amount, also when a return is undone.
    for spend in spending {
        lines.run(
            R::Fin03,
            open_line(),
            by(&payer(), day(2018, 4, 2), spend(30_000_001)),
        );
    }
    let refilled = vec![
        estimated(&line(), 1, 100_000_000),
        allocated(2, "205", 30_000_000),
        committed(3, 30_000_000),
        paid(4, 30_000_000),
        returned(5, 4, 10_000_000),
        paid(6, 10_000_000),
    ];
    lines.run(R::Fin03, refilled, cmd(day(2018, 6, 1), reverse(5)));
    // FIN-04: cooperative 1 is suspended on 01/3/2018.
    let commit = A::Commit {
        purpose: case("HS-1"),
        recipient: "205".into(),
    };
    let allocated_line = || open_line()[..2].to_vec();
    lines.run_with(
        R::Fin04,
        suspended(),
        allocated_line(),
        cmd(day(2018, 3, 1), commit),
    );
    for spend in spending {
        lines.run_with(
            R::Fin04,
            suspended(),
            open_line(),
            by(&payer(), day(2018, 3, 1), spend(1)),
        );
    }
    // FIN-06: the advance of 15/3/2018 is still outstanding after 31/01/2019.
    lines.run(
        R::Fin06,
        spent_line(),
        cmd(day(2019, 2, 5), A::ReviewAdvances),
    );
    // FIN-08: dated after the adjustment period.
    for spend in [advance as fn(i64) -> A, pay, settle] {
        lines.run(
            R::Fin08,
            spent_line(),
            by(&payer(), day(2019, 2, 1), spend(1)),
        );
    }
    // FIN-09: zero amounts; references to entries that do not exist.
    let zero: Vec<A> = vec![
        A::AssignEstimate {
            line: line(),
            amount: d(0),
            decision: doc("899/2017/QĐ-UBND"),
        },
        A::Allocate {
            recipient: "205".into(),
            amount: d(0),
        },
        advance(0),
        settle(0),
        pay(0),
    ];
    for action in zero {
        lines.run(
            R::Fin09,
            spent_line(),
            by(&payer(), day(2018, 6, 1), action),
        );
    }
    let give_back = A::ReturnFunds {
        against_entry: 42,
        amount: d(1),
        document: "C2-05a".into(),
    };
    lines.run(
        R::Fin09,
        spent_line(),
        by(&payer(), day(2018, 6, 1), give_back),
    );
    lines.run(R::Fin09, spent_line(), cmd(day(2018, 6, 1), reverse(42)));
    // FIN-10: the year's settlement is approved: only returns and the advance review follow.
    for action in samples::budget_line() {
        if !matches!(action, A::ReturnFunds { .. } | A::ReviewAdvances) {
            lines.run_with(
                R::Fin10,
                closed(),
                spent_line(),
                by(&payer(), day(2019, 3, 2), action),
            );
        }
    }
    // FIN-11: the approver of HS-1 does not pay it.
    for spend in [advance as fn(i64) -> A, pay, settle] {
        lines.run(
            R::Fin11,
            spent_line(),
            by(&approver(), day(2018, 6, 1), spend(1)),
        );
    }
    // FIN-16: nothing before the estimate.
    for action in samples::budget_line() {
        if !matches!(action, A::AssignEstimate { .. }) {
            lines.run(R::Fin16, vec![], by(&payer(), day(2018, 6, 1), action));
        }
    }
    // GEO-01: district 197 does not exist.
    let nowhere = A::Allocate {
        recipient: "197".into(),
        amount: d(1),
    };
    lines.run(R::Geo01, spent_line(), cmd(day(2018, 2, 1), nowhere));
    // DATA-01 in the body: an estimate naming another line; a recipient that is no code.
    let other =
        BudgetLineId::new(2018, "SO-KHDT", "TW-2261", SupportCategory::Establishment).unwrap();
    let foreign = A::AssignEstimate {
        line: other,
        amount: d(1),
        decision: doc("899/2017/QĐ-UBND"),
    };
    lines.run(R::Data01, spent_line(), cmd(day(2018, 2, 1), foreign));
    let unreadable = A::Allocate {
        recipient: "Sở KH&ĐT".into(),
        amount: d(1),
    };
    lines.run(R::Data01, spent_line(), cmd(day(2018, 2, 1), unreadable));

    let c = lines.cases;
    // FIN-01 on Commit, which failed before commitments were held to the allocation.
    c.named(
        R::Fin01,
        "budget_line.Commit",
        BUDGET_TESTS,
        "a_commitment_must_fit_the_recipients_allocation",
    );
    // The address: a line id with an unknown category.
    for action in samples::budget_line() {
        let command = by(&payer(), day(2018, 6, 1), action);
        c.address::<BudgetLine, _, _>(R::Data01, "2018/SO-KHDT/NS-TINH/cooking", command);
    }
}
