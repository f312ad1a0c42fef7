use crate::cooperative::CooperativeStatus;
use crate::fixtures::*;
use crate::funding::{
    BudgetLineAction as A, BudgetLineError as Error, BudgetLineEvent as E, BudgetLineId,
    SupportCategory,
};
use crate::money::MoneyError;
use crate::rules::RuleCode;
use crate::testing::InMemoryLookups;

use super::*;

fn assign(amount: i64) -> A {
    A::AssignEstimate {
        line: line_id(),
        amount: d(amount),
        decision: doc("899/2017/QĐ-UBND"),
    }
}

#[test]
fn assigns_estimates_to_the_line_it_names() {
    let lookups = lookups();
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 1, 5), assign(1_000_000_000)))
        .then_expect_events(vec![estimated(1, 1_000_000_000)]);
    with(&lookups)
        .given(vec![estimated(1, 5)])
        .when(cmd(day(2018, 1, 5), assign(1_000_000_000)))
        .then_expect_events(vec![estimated(2, 1_000_000_000)]);
    let other = BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Training).unwrap();
    with(&lookups)
        .given(vec![estimated(1, 5)])
        .when(cmd(
            day(2018, 1, 5),
            A::AssignEstimate {
                line: other.clone(),
                amount: d(1),
                decision: doc("1/QĐ-UBND"),
            },
        ))
        .then_expect_refusal(Error::LineMismatch {
            expected: line_id().to_id(),
            given: other.to_id(),
        });
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 1, 5), assign(0)))
        .then_expect_refusal(Error::ZeroAmount);
    with(&lookups)
        .given(vec![estimated(1, i64::MAX)])
        .when(cmd(day(2018, 1, 5), assign(1)))
        .then_expect_refusal(Error::Arithmetic(MoneyError::Overflow(d(i64::MAX), d(1))));
    approve_settlement(&lookups, day(2019, 3, 1));
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2019, 4, 1), assign(1)))
        .then_expect_refusal(Error::YearClosed {
            settlement: "2018/SO-KHDT".into(),
            approved_on: day(2019, 3, 1),
        });
}

#[test]
fn allocates_within_the_estimate_to_valid_recipients() {
    let lookups = lookups();
    let allocate = |recipient: &str, amount| A::Allocate {
        recipient: recipient.into(),
        amount: d(amount),
    };
    with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2018, 1, 10), allocate("205", 100)))
        .then_expect_events(vec![allocated(2, "205", 100)]);
    with(&lookups)
        .given(vec![estimated(1, 100), allocated(2, "205", 60)])
        .when(cmd(day(2018, 1, 10), allocate("SO-NNPTNT", 41)))
        .then_expect_refusal(Error::EstimateExceeded {
            estimate: d(100),
            allocated: d(60),
            requested: d(41),
        });
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 1, 10), allocate("205", 1)))
        .then_expect_refusal(Error::NotOpened);
    let error = with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2018, 1, 10), allocate("so khdt", 1)))
        .inspect_result()
        .unwrap_err();
    assert!(matches!(error.reason, Error::InvalidId(_)));
    assert_eq!(error.rule(), Some(RuleCode::Data01));
    with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2018, 1, 10), allocate("205", 0)))
        .then_expect_refusal(Error::ZeroAmount);
    let next_year =
        BudgetLineId::new(2020, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap();
    let estimate_2020 = E::EstimateAssigned {
        entry: 1,
        line: next_year,
        amount: d(100),
        decision: doc("1/QĐ-UBND"),
        effective_date: day(2020, 1, 2),
    };
    with(&lookups)
        .given(vec![estimate_2020])
        .when(cmd(day(2020, 2, 1), allocate("204", 10)))
        .then_expect_refusal(Error::UnitNotValid {
            unit: "204".into(),
            date: day(2020, 2, 1),
        });
    approve_settlement(&lookups, day(2019, 3, 1));
    with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2019, 4, 1), allocate("205", 1)))
        .then_expect_refusal(Error::YearClosed {
            settlement: "2018/SO-KHDT".into(),
            approved_on: day(2019, 3, 1),
        });
}

#[test]
fn commits_the_approved_amount_of_an_approved_purpose() {
    let lookups = lookups();
    let commit = |serial: &str, recipient: &str| A::Commit {
        purpose: case(serial),
        recipient: recipient.into(),
    };
    let given = vec![
        estimated(1, 1_000_000_000),
        allocated(2, "205", 600_000_000),
    ];
    with(&lookups)
        .given(given.clone())
        .when(cmd(day(2018, 3, 1), commit("HS-1", "205")))
        .then_expect_events(vec![committed(3, "HS-1", 30_000_000)]);
    with(&lookups)
        .given(given.clone())
        .when(cmd(day(2018, 3, 1), commit("HS-9", "205")))
        .then_expect_refusal(Error::NotApproved {
            purpose: case("HS-9"),
        });
    let other =
        BudgetLineId::new(2018, "SO-KHDT", "NTM-1600", SupportCategory::Establishment).unwrap();
    approve_case(&lookups, "HS-2", &other, 10);
    with(&lookups)
        .given(given.clone())
        .when(cmd(day(2018, 3, 1), commit("HS-2", "205")))
        .then_expect_refusal(Error::PurposeOnOtherLine {
            purpose: case("HS-2"),
            line: other.to_id(),
        });
    with(&lookups)
        .given(super::open_line())
        .when(cmd(day(2018, 3, 1), commit("HS-1", "205")))
        .then_expect_refusal(Error::AlreadyCommitted {
            purpose: case("HS-1"),
        });
    with(&lookups)
        .given(given.clone())
        .when(cmd(day(2018, 3, 1), commit("HS-1", "206")))
        .then_expect_refusal(Error::NoAllocation {
            recipient: "206".into(),
        });
    suspend_cooperative(&lookups, day(2018, 2, 20), day(2018, 8, 1));
    with(&lookups)
        .given(given)
        .when(cmd(day(2018, 3, 1), commit("HS-1", "205")))
        .then_expect_refusal(Error::BeneficiaryNotActive {
            code: code(1),
            date: day(2018, 3, 1),
            status: Some(CooperativeStatus::Suspended),
        });
}

#[test]
fn a_failed_lookup_refuses_without_a_rule() {
    let lookups = InMemoryLookups::seeded();
    lookups.set_failing(true);
    let error = with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 1, 5), assign(1)))
        .inspect_result()
        .unwrap_err();
    assert!(matches!(error.reason, Error::Lookup(_)));
    assert_eq!(error.rule(), None);
}
