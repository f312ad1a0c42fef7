//! The support case's rules (FIN-03, FIN-04, FIN-09, FIN-16, DATA-01) on its commands.

use crate::fixtures::{by, cmd, code, d, day};
use crate::funding::{BudgetLineId, SupportCase, SupportCaseAction as A, SupportCategory};
use crate::rules::RuleCode as R;

use super::super::Source;
use super::super::fixtures::{approver, case_events, case_id, line, rule_set, services, suspended};
use super::super::harness::Cases;
use super::super::samples;

const TESTS: Source = Source {
    path: "domain/src/funding/support_case/tests.rs",
    text: include_str!("../../funding/support_case/tests.rs"),
};

fn receive(line: BudgetLineId, requested: i64) -> A {
    A::ReceiveApplication {
        case: case_id("HS-1"),
        line,
        beneficiary: code(1),
        requested: d(requested),
        eligible_cost: d(40_000_000),
        description: "Hỗ trợ thành lập mới".into(),
    }
}

fn approve(amount: i64) -> A {
    A::Approve {
        amount: d(amount),
        rule_set: rule_set(),
    }
}

pub(in super::super) fn cases(c: &mut Cases) {
    let received = || case_events(&line(), None);
    let mut cases = c.on::<SupportCase>(services);
    let on = day(2018, 2, 15);
    // FIN-03: the rule set's cap is 30 triệu.
    cases.run(
        R::Fin03,
        received(),
        by(&approver(), on, approve(30_000_001)),
    );
    // FIN-04: cooperative 1 is suspended from 20/2/2018.
    let later = day(2018, 3, 1);
    cases.run_with(
        R::Fin04,
        suspended(),
        received(),
        by(&approver(), later, approve(1)),
    );
    // FIN-09: nothing requested; nothing approved.
    cases.run(R::Fin09, vec![], cmd(day(2018, 2, 1), receive(line(), 0)));
    cases.run(R::Fin09, received(), by(&approver(), on, approve(0)));
    // FIN-16: one application per case; a decision only on a received application. That the
    // line must have an estimate is named below.
    let again = receive(line(), 1);
    cases.run(R::Fin16, received(), cmd(day(2018, 2, 1), again));
    cases.run(R::Fin16, vec![], by(&approver(), on, approve(1)));
    let reject = A::Reject {
        reason: "thiếu hồ sơ".into(),
    };
    cases.run(R::Fin16, vec![], cmd(on, reject));
    // DATA-01 in the body: the line of another year than the case.
    let other_year =
        BudgetLineId::new(2019, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap();
    cases.run(
        R::Data01,
        vec![],
        cmd(day(2018, 2, 1), receive(other_year, 1)),
    );

    // FIN-16 on a line without an estimate, which failed before the line was read.
    let c = cases.cases;
    c.named(
        R::Fin16,
        "support_case.ReceiveApplication",
        TESTS,
        "an_application_needs_a_line_with_an_estimate",
    );
    c.named(
        R::Fin16,
        "support_case.Approve",
        TESTS,
        "an_approval_needs_a_line_with_an_estimate",
    );
    // The address: a case id that is no `{year}/{unit}/{serial}`.
    for action in samples::support_case() {
        c.address::<SupportCase, _, _>(R::Data01, "HS-1", cmd(on, action));
    }
}
