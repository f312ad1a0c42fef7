//! Given/when/then tests of every settlement command.

use std::sync::Arc;

use cqrs_es::test::TestFramework;

use crate::fixtures::*;
use crate::funding::{
    BudgetLine, BudgetLineEvent, BudgetLineId, Purpose, RecordId, Settlement,
    SettlementAction as A, SettlementError as Error, SettlementEvent as E, SettlementId,
    SupportCategory,
};
use crate::ledger::Role;
use crate::money::Dong;
use crate::rules::{Finding, RuleCode};
use crate::testing::InMemoryLookups;

fn id() -> SettlementId {
    SettlementId::new(2018, "SO-KHDT").unwrap()
}

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

/// A line approved by "nguyen.phe.duyet", paid by "tran.ke.toan", with 5 triệu advanced.
fn lookups() -> Arc<InMemoryLookups> {
    let lookups = InMemoryLookups::seeded();
    let purpose = Purpose::SupportCase(RecordId::new(2018, "SO-KHDT", "HS-1").unwrap());
    lookups.record::<BudgetLine>(
        &line().to_id(),
        vec![
            BudgetLineEvent::EstimateAssigned {
                entry: 1,
                line: line(),
                amount: d(100_000_000),
                decision: doc("899/2017/QĐ-UBND"),
                effective_date: day(2018, 1, 5),
            },
            BudgetLineEvent::AllocationMade {
                entry: 2,
                recipient: "205".into(),
                amount: d(100_000_000),
                effective_date: day(2018, 1, 6),
            },
            BudgetLineEvent::SupportCommitted {
                entry: 3,
                purpose: purpose.clone(),
                recipient: "205".into(),
                beneficiary: Some(code(1)),
                amount: d(30_000_000),
                approved_by: "nguyen.phe.duyet".into(),
                effective_date: day(2018, 3, 1),
            },
            BudgetLineEvent::AdvancePaid {
                entry: 4,
                purpose,
                amount: d(5_000_000),
                reference: "TU".into(),
                paid_by: "tran.ke.toan".into(),
                adjustment_period: false,
                effective_date: day(2018, 4, 1),
            },
        ],
    );
    lookups
}

fn with(lookups: &Arc<InMemoryLookups>) -> TestFramework<Settlement> {
    TestFramework::with(lookups.services())
}

fn submitted(date: chrono::NaiveDate) -> E {
    E::SettlementSubmitted {
        settlement: id(),
        lines: vec![line()],
        submitted_by: clerk().user_id,
        effective_date: date,
    }
}

fn appraised() -> E {
    E::SettlementAppraised {
        disallowed: Dong::ZERO,
        notes: "đạt".into(),
        appraised_by: "tham.dinh".into(),
        effective_date: day(2019, 2, 20),
    }
}

fn approved() -> E {
    E::SettlementApproved {
        approved_by: "le.tai.chinh".into(),
        effective_date: day(2019, 3, 1),
    }
}

fn submit(lines: Vec<BudgetLineId>) -> A {
    A::Submit {
        settlement: id(),
        lines,
    }
}

#[test]
fn submits_the_lines_of_the_unit_and_flags_advances_outstanding_after_31_january() {
    let lookups = lookups();
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2019, 1, 20), submit(vec![line()])))
        .then_expect_events(vec![submitted(day(2019, 1, 20))]);
    let detail = "dòng 2018/SO-KHDT/NS-TINH/establishment: tạm ứng còn 5.000.000 đ sau 2019-01-31 / advances outstanding after 2019-01-31";
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2019, 2, 15), submit(vec![line()])))
        .then_expect_events(vec![
            submitted(day(2019, 2, 15)),
            E::ComplianceFindingRaised {
                finding: Finding::new(RuleCode::Fin06, day(2019, 2, 15), detail),
            },
        ]);
}

#[test]
fn submission_refusals() {
    let lookups = lookups();
    let check = |given: Vec<E>, action, error| {
        with(&lookups)
            .given(given)
            .when(cmd(day(2019, 2, 15), action))
            .then_expect_refusal(error);
    };
    check(vec![], submit(vec![]), Error::NoLines);
    let foreign =
        BudgetLineId::new(2018, "SO-NNPTNT", "NS-TINH", SupportCategory::Establishment).unwrap();
    check(
        vec![],
        submit(vec![foreign.clone()]),
        Error::ForeignLine {
            line: foreign.to_id(),
            settlement: id().to_id(),
        },
    );
    let unknown =
        BudgetLineId::new(2018, "SO-KHDT", "NTM-1600", SupportCategory::Training).unwrap();
    check(
        vec![],
        submit(vec![unknown.clone()]),
        Error::UnknownLine {
            line: unknown.to_id(),
        },
    );
    check(
        vec![submitted(day(2019, 1, 20))],
        submit(vec![line()]),
        Error::AlreadySubmitted,
    );
    check(
        vec![submitted(day(2019, 1, 20)), appraised(), approved()],
        submit(vec![line()]),
        Error::YearClosed {
            approved_on: day(2019, 3, 1),
        },
    );
}

#[test]
fn appraises_a_submitted_settlement_once() {
    let lookups = lookups();
    let appraise = A::Appraise {
        disallowed: Dong::ZERO,
        notes: "đạt".into(),
    };
    with(&lookups)
        .given(vec![submitted(day(2019, 1, 20))])
        .when(by(
            &person("tham.dinh", Role::Finance),
            day(2019, 2, 20),
            appraise.clone(),
        ))
        .then_expect_events(vec![appraised()]);
    let check = |given: Vec<E>, error| {
        with(&lookups)
            .given(given)
            .when(cmd(day(2019, 2, 20), appraise.clone()))
            .then_expect_refusal(error);
    };
    check(vec![], Error::NotSubmitted);
    check(
        vec![submitted(day(2019, 1, 20)), appraised()],
        Error::AlreadyAppraised,
    );
    check(
        vec![submitted(day(2019, 1, 20)), appraised(), approved()],
        Error::YearClosed {
            approved_on: day(2019, 3, 1),
        },
    );
}

#[test]
fn approves_by_a_third_person_and_closes_the_year() {
    let lookups = lookups();
    let finance = person("le.tai.chinh", Role::Finance);
    let given = vec![submitted(day(2019, 1, 20)), appraised()];
    with(&lookups)
        .given(given.clone())
        .when(by(&finance, day(2019, 3, 1), A::Approve))
        .then_expect_events(vec![approved()]);
    let check = |given: Vec<E>, who: &str, error| {
        with(&lookups)
            .given(given)
            .when(by(&person(who, Role::Finance), day(2019, 3, 1), A::Approve))
            .then_expect_refusal(error);
    };
    check(
        given.clone(),
        "nguyen.phe.duyet",
        Error::SameActor {
            actor: "nguyen.phe.duyet".into(),
            did: "phê duyệt hỗ trợ / approved support".into(),
            line: line().to_id(),
        },
    );
    check(
        given.clone(),
        "tran.ke.toan",
        Error::SameActor {
            actor: "tran.ke.toan".into(),
            did: "ghi chi / recorded a payment".into(),
            line: line().to_id(),
        },
    );
    check(
        vec![submitted(day(2019, 1, 20))],
        "le.tai.chinh",
        Error::NotAppraised,
    );
    check(vec![], "le.tai.chinh", Error::NotSubmitted);
    let mut closed = given;
    closed.push(approved());
    check(
        closed,
        "le.tai.chinh",
        Error::YearClosed {
            approved_on: day(2019, 3, 1),
        },
    );
}

#[test]
fn records_audit_findings_even_after_approval() {
    let lookups = lookups();
    let audit = A::RecordAuditFinding {
        body: "KTNN".into(),
        amount_to_recover: d(2_000_000),
        note: "chi sai".into(),
    };
    let given = vec![submitted(day(2019, 1, 20)), appraised(), approved()];
    with(&lookups)
        .given(given)
        .when(cmd(day(2019, 9, 1), audit.clone()))
        .then_expect_events(vec![E::AuditFindingRecorded {
            body: "KTNN".into(),
            amount_to_recover: d(2_000_000),
            note: "chi sai".into(),
            recorded_by: clerk().user_id,
            effective_date: day(2019, 9, 1),
        }]);
    with(&lookups)
        .given(vec![])
        .when(cmd(day(2019, 9, 1), audit))
        .then_expect_refusal(Error::NotSubmitted);
}
