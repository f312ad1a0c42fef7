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
        .then_expect_error(Error::LineMismatch {
            expected: line_id().to_id(),
            given: other.to_id(),
        });
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 1, 5), assign(0)))
        .then_expect_error(Error::ZeroAmount);
    with(&lookups)
        .given(vec![estimated(1, i64::MAX)])
        .when(cmd(day(2018, 1, 5), assign(1)))
        .then_expect_error(Error::Arithmetic(MoneyError::Overflow(d(i64::MAX), d(1))));
    approve_settlement(&lookups, day(2019, 3, 1));
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2019, 4, 1), assign(1)))
        .then_expect_error(Error::YearClosed {
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
        .then_expect_error(Error::EstimateExceeded {
            estimate: d(100),
            allocated: d(60),
            requested: d(41),
        });
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 1, 10), allocate("205", 1)))
        .then_expect_error(Error::NotOpened);
    let error = with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2018, 1, 10), allocate("so khdt", 1)))
        .inspect_result()
        .unwrap_err();
    assert!(matches!(error, Error::InvalidId(_)));
    assert_eq!(error.rule(), Some(RuleCode::Data01));
    with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2018, 1, 10), allocate("205", 0)))
        .then_expect_error(Error::ZeroAmount);
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
        .then_expect_error(Error::UnitNotValid {
            unit: "204".into(),
            date: day(2020, 2, 1),
        });
    approve_settlement(&lookups, day(2019, 3, 1));
    with(&lookups)
        .given(vec![estimated(1, 100)])
        .when(cmd(day(2019, 4, 1), allocate("205", 1)))
        .then_expect_error(Error::YearClosed {
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
        .then_expect_error(Error::NotApproved {
            purpose: case("HS-9"),
        });
    let other =
        BudgetLineId::new(2018, "SO-KHDT", "NTM-1600", SupportCategory::Establishment).unwrap();
    approve_case(&lookups, "HS-2", &other, 10);
    with(&lookups)
        .given(given.clone())
        .when(cmd(day(2018, 3, 1), commit("HS-2", "205")))
        .then_expect_error(Error::PurposeOnOtherLine {
            purpose: case("HS-2"),
            line: other.to_id(),
        });
    with(&lookups)
        .given(super::open_line())
        .when(cmd(day(2018, 3, 1), commit("HS-1", "205")))
        .then_expect_error(Error::AlreadyCommitted {
            purpose: case("HS-1"),
        });
    with(&lookups)
        .given(given.clone())
        .when(cmd(day(2018, 3, 1), commit("HS-1", "206")))
        .then_expect_error(Error::NoAllocation {
            recipient: "206".into(),
        });
    suspend_cooperative(&lookups, day(2018, 2, 20), day(2018, 8, 1));
    with(&lookups)
        .given(given)
        .when(cmd(day(2018, 3, 1), commit("HS-1", "205")))
        .then_expect_error(Error::BeneficiaryNotActive {
            code: code(1),
            date: day(2018, 3, 1),
            status: Some(CooperativeStatus::Suspended),
        });
}

#[test]
fn pays_advances_and_payments_within_the_year_and_its_adjustment_period() {
    let lookups = lookups();
    let advance = |amount| A::PayAdvance {
        purpose: case("HS-1"),
        amount: d(amount),
        reference: "TU-1".into(),
    };
    with(&lookups)
        .given(open_line())
        .when(by(&payer(), day(2018, 4, 1), advance(10_000_000)))
        .then_expect_events(vec![advanced(4, 10_000_000, day(2018, 4, 1))]);
    let payment = |amount| A::MakePayment {
        purpose: case("HS-1"),
        amount: d(amount),
        voucher: "GRDT-1".into(),
    };
    let mut in_adjustment = paid(4, 30_000_000);
    if let E::PaymentMade {
        adjustment_period,
        effective_date,
        ..
    } = &mut in_adjustment
    {
        *adjustment_period = true;
        *effective_date = day(2019, 1, 31);
    }
    with(&lookups)
        .given(open_line())
        .when(by(&payer(), day(2019, 1, 31), payment(30_000_000)))
        .then_expect_events(vec![in_adjustment]);
}

/// Each refusal of an advance or a payment, for both commands.
#[test]
fn spending_refusals() {
    let advance = |amount| A::PayAdvance {
        purpose: case("HS-1"),
        amount: d(amount),
        reference: "TU".into(),
    };
    let payment = |amount| A::MakePayment {
        purpose: case("HS-1"),
        amount: d(amount),
        voucher: "GRDT".into(),
    };
    for spend in [advance as fn(i64) -> A, payment] {
        let lookups = lookups();
        let check = |given: Vec<E>, actor: &crate::ledger::Actor, date, action, error| {
            with(&lookups)
                .given(given)
                .when(by(actor, date, action))
                .then_expect_error(error);
        };
        check(
            open_line(),
            &payer(),
            day(2018, 4, 1),
            spend(0),
            Error::ZeroAmount,
        );
        check(
            open_line(),
            &payer(),
            day(2019, 2, 1),
            spend(1),
            Error::OutsideFiscalYear {
                date: day(2019, 2, 1),
                year: 2018,
            },
        );
        check(
            open_line(),
            &payer(),
            day(2017, 12, 31),
            spend(1),
            Error::OutsideFiscalYear {
                date: day(2017, 12, 31),
                year: 2018,
            },
        );
        let uncommitted = vec![estimated(1, 100), allocated(2, "205", 100)];
        check(
            uncommitted,
            &payer(),
            day(2018, 4, 1),
            spend(1),
            Error::NotCommitted {
                purpose: case("HS-1"),
            },
        );
        check(
            open_line(),
            &approver(),
            day(2018, 4, 1),
            spend(1),
            Error::SameActor {
                actor: approver().user_id,
            },
        );
        let mut given = open_line();
        given.push(advanced(4, 20_000_000, day(2018, 3, 15)));
        check(
            given,
            &payer(),
            day(2018, 4, 1),
            spend(10_000_001),
            Error::CapExceeded {
                purpose: case("HS-1"),
                approved: d(30_000_000),
                paid: d(0),
                outstanding: d(20_000_000),
                requested: d(10_000_001),
            },
        );
        let small = vec![
            estimated(1, 100_000_000),
            allocated(2, "205", 20_000_000),
            committed(3, "HS-1", 30_000_000),
            paid(4, 15_000_000),
        ];
        check(
            small,
            &payer(),
            day(2018, 4, 2),
            spend(5_000_001),
            Error::AllocationExceeded {
                recipient: "205".into(),
                allocated: d(20_000_000),
                paid: d(15_000_000),
                outstanding: d(0),
                requested: d(5_000_001),
            },
        );
        suspend_cooperative(&lookups, day(2018, 3, 20), day(2018, 9, 1));
        check(
            open_line(),
            &payer(),
            day(2018, 4, 1),
            spend(1),
            Error::BeneficiaryNotActive {
                code: code(1),
                date: day(2018, 4, 1),
                status: Some(CooperativeStatus::Suspended),
            },
        );
        approve_settlement(&lookups, day(2018, 12, 30));
        check(
            open_line(),
            &payer(),
            day(2018, 12, 31),
            spend(1),
            Error::YearClosed {
                settlement: "2018/SO-KHDT".into(),
                approved_on: day(2018, 12, 30),
            },
        );
    }
}

#[test]
fn payments_up_to_the_allocation_pass_and_one_dong_more_fails() {
    let lookups = lookups();
    let line = vec![
        estimated(1, 50_000_000),
        allocated(2, "205", 30_000_000),
        committed(3, "HS-1", 30_000_000),
        advanced(4, 10_000_000, day(2018, 3, 15)),
    ];
    let pay = |amount| {
        by(
            &payer(),
            day(2018, 4, 1),
            A::MakePayment {
                purpose: case("HS-1"),
                amount: d(amount),
                voucher: "GRDT-1".into(),
            },
        )
    };
    assert!(
        with(&lookups)
            .given(line.clone())
            .when(pay(20_000_000))
            .inspect_result()
            .is_ok()
    );
    let error = with(&lookups)
        .given(line)
        .when(pay(20_000_001))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.rule(), Some(RuleCode::Fin03));
}

#[test]
fn settles_an_advance_into_a_payment() {
    let lookups = lookups();
    let mut line = open_line();
    line.push(advanced(4, 10_000_000, day(2018, 3, 15)));
    let settle = |entry, amount| A::SettleAdvance {
        advance_entry: entry,
        amount: d(amount),
    };
    with(&lookups)
        .given(line.clone())
        .when(by(&payer(), day(2018, 5, 1), settle(4, 6_000_000)))
        .then_expect_events(vec![E::AdvanceSettled {
            entry: 5,
            advance_entry: 4,
            amount: d(6_000_000),
            settled_by: payer().user_id,
            adjustment_period: false,
            effective_date: day(2018, 5, 1),
        }]);
    let check = |given: Vec<E>, actor: &crate::ledger::Actor, date, action, error| {
        with(&lookups)
            .given(given)
            .when(by(actor, date, action))
            .then_expect_error(error);
    };
    check(
        line.clone(),
        &payer(),
        day(2018, 5, 1),
        settle(9, 1),
        Error::UnknownEntry { entry: 9 },
    );
    check(
        line.clone(),
        &payer(),
        day(2018, 5, 1),
        settle(3, 1),
        Error::WrongEntry {
            entry: 3,
            expected: "tạm ứng còn hiệu lực / an advance not reversed".into(),
        },
    );
    check(
        line.clone(),
        &payer(),
        day(2018, 5, 1),
        settle(4, 10_000_001),
        Error::ExceedsRemaining {
            entry: 4,
            remaining: d(10_000_000),
            requested: d(10_000_001),
        },
    );
    check(
        line.clone(),
        &approver(),
        day(2018, 5, 1),
        settle(4, 1),
        Error::SameActor {
            actor: approver().user_id,
        },
    );
    check(
        line.clone(),
        &payer(),
        day(2019, 2, 1),
        settle(4, 1),
        Error::OutsideFiscalYear {
            date: day(2019, 2, 1),
            year: 2018,
        },
    );
    check(
        line,
        &payer(),
        day(2018, 5, 1),
        settle(4, 0),
        Error::ZeroAmount,
    );
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
    assert!(matches!(error, Error::Lookup(_)));
    assert_eq!(error.rule(), None);
}
