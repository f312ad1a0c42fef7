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

/// FIN-01 on `Commit`: a commitment reserves its approved amount from the recipient's
/// allocation, so the recipient's commitments never exceed what was allocated to it.
#[test]
fn a_commitment_must_fit_the_recipients_allocation() {
    let lookups = lookups();
    approve_case(&lookups, "HS-5", &line_id(), 50_000_000);
    approve_case(&lookups, "HS-6", &line_id(), 1);
    let commit = |serial: &str| {
        cmd(
            day(2018, 3, 1),
            A::Commit {
                purpose: case(serial),
                recipient: "205".into(),
            },
        )
    };
    let allocated_30 = vec![estimated(1, 100_000_000), allocated(2, "205", 30_000_000)];
    // The report: 50 triệu committed against an allocation of 30 triệu.
    let refused = with(&lookups)
        .given(allocated_30.clone())
        .when(commit("HS-5"))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.rule(), Some(RuleCode::Fin01), "{refused}");
    assert_eq!(
        refused.reason,
        Error::CommitmentsExceedAllocation {
            recipient: "205".into(),
            allocated: d(30_000_000),
            paid: d(0),
            outstanding: d(0),
            committed: d(0),
            requested: d(50_000_000),
        }
    );
    assert!(
        refused.to_string().starts_with(
            "FIN-01 Chi không vượt dự toán được phân bổ / payments and outstanding advances within the allocation: 205: phân bổ 30.000.000 đ"
        ),
        "{refused}"
    );
    // Exactly the allocation fits; one đồng more, next to it, does not.
    with(&lookups)
        .given(allocated_30.clone())
        .when(commit("HS-1"))
        .then_expect_events(vec![committed(3, "HS-1", 30_000_000)]);
    let mut full = allocated_30.clone();
    full.push(committed(3, "HS-1", 30_000_000));
    with(&lookups)
        .given(full.clone())
        .when(commit("HS-6"))
        .then_expect_refusal(Error::CommitmentsExceedAllocation {
            recipient: "205".into(),
            allocated: d(30_000_000),
            paid: d(0),
            outstanding: d(0),
            committed: d(30_000_000),
            requested: d(1),
        });
    // Spending counts as it does for a payment: paid and outstanding, with the unspent rest.
    let mut spent = full.clone();
    spent.push(advanced(4, 10_000_000, day(2018, 3, 15)));
    spent.push(paid(5, 5_000_000));
    with(&lookups)
        .given(spent)
        .when(commit("HS-6"))
        .then_expect_refusal(Error::CommitmentsExceedAllocation {
            recipient: "205".into(),
            allocated: d(30_000_000),
            paid: d(5_000_000),
            outstanding: d(10_000_000),
            committed: d(15_000_000),
            requested: d(1),
        });
    // A reversed commitment no longer reserves anything.
    full.push(E::EntryReversed {
        entry: 4,
        reverses: 3,
        reason: "ghi nhầm".into(),
        reversed_by: clerk().user_id,
        effective_date: day(2018, 3, 2),
    });
    assert!(
        with(&lookups)
            .given(full)
            .when(commit("HS-6"))
            .inspect_result()
            .is_ok()
    );
}
