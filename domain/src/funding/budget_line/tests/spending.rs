use crate::cooperative::CooperativeStatus;
use crate::fixtures::*;
use crate::funding::{BudgetLineAction as A, BudgetLineError as Error, BudgetLineEvent as E};
use crate::rules::RuleCode;

use super::*;

#[test]
fn a_refusal_for_an_inactive_beneficiary_names_the_status_in_words() {
    // The message once read "Some(Dissolved)": Rust's debug form, shown to officials.
    let error = Error::BeneficiaryNotActive {
        code: code(1),
        date: day(2017, 12, 28),
        status: Some(CooperativeStatus::Dissolved),
    };
    let message = error.to_string();
    assert!(
        message.contains("Đã giải thể, phá sản, chấm dứt tồn tại (dissolved)"),
        "{message}"
    );
    assert!(!message.contains("Some("), "{message}");
    let unknown = Error::BeneficiaryNotActive {
        code: code(1),
        date: day(2017, 12, 28),
        status: None,
    };
    assert!(
        unknown
            .to_string()
            .contains("chưa đăng ký (not registered)")
    );
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
                .then_expect_refusal(error);
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
            .then_expect_refusal(error);
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
