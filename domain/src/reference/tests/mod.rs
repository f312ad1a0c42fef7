//! Given/when/then tests of the reference-data commands, and of the seed data.

mod rule_sets;
mod units;

use cqrs_es::test::TestFramework;

use crate::fixtures::*;
use crate::ledger::{Actor, Role};
use crate::testing::InMemoryLookups;

use super::*;

pub(super) fn seed_actor() -> Actor {
    Actor::new("seed", Role::Admin, None)
}

#[test]
fn legal_documents_are_registered_once_and_repealed_once() {
    type F = TestFramework<LegalDocument>;
    let register = |number: &str, to| LegalDocumentAction::Register {
        number: number.into(),
        title: "Kế hoạch".into(),
        issued_on: day(2017, 8, 31),
        effective_from: day(2017, 8, 31),
        effective_to: to,
        note: None,
    };
    let registered = LegalDocumentEvent::LegalDocumentRegistered {
        number: doc("31 /KH-UBND"),
        title: "Kế hoạch".into(),
        issued_on: day(2017, 8, 31),
        effective_from: day(2017, 8, 31),
        effective_to: None,
        note: None,
        effective_date: day(2017, 8, 31),
    };
    F::with(())
        .given_no_previous_events()
        .when(cmd(day(2017, 8, 31), register("31 /KH-UBND", None)))
        .then_expect_events(vec![registered.clone()]);
    let error = F::with(())
        .given_no_previous_events()
        .when(cmd(day(2017, 8, 31), register("KH-UBND", None)))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.rule(), Some(crate::rules::RuleCode::Data01));
    F::with(())
        .given(vec![registered.clone()])
        .when(cmd(day(2017, 8, 31), register("31/KH-UBND", None)))
        .then_expect_refusal(ReferenceError::AlreadyRecorded {
            id: "31/KH-UBND".into(),
        });
    F::with(())
        .given_no_previous_events()
        .when(cmd(
            day(2017, 8, 31),
            register("31/KH-UBND", Some(day(2017, 1, 1))),
        ))
        .then_expect_refusal(ReferenceError::InvalidPeriod {
            from: Some(day(2017, 8, 31)),
            to: day(2017, 1, 1),
        });
    let repeal = |last_day| LegalDocumentAction::Repeal {
        repealed_by: "12/KH-UBND".into(),
        last_day,
    };
    let repealed = LegalDocumentEvent::LegalDocumentRepealed {
        repealed_by: doc("12/KH-UBND"),
        last_day: day(2020, 12, 31),
        effective_date: day(2021, 1, 1),
    };
    F::with(())
        .given(vec![registered.clone()])
        .when(cmd(day(2021, 1, 1), repeal(day(2020, 12, 31))))
        .then_expect_events(vec![repealed.clone()]);
    F::with(())
        .given_no_previous_events()
        .when(cmd(day(2021, 1, 1), repeal(day(2020, 12, 31))))
        .then_expect_refusal(ReferenceError::NotRecorded);
    F::with(())
        .given(vec![registered.clone(), repealed])
        .when(cmd(day(2021, 1, 1), repeal(day(2020, 12, 31))))
        .then_expect_refusal(ReferenceError::AlreadyRecorded {
            id: "bãi bỏ bởi / repealed by 12/KH-UBND".into(),
        });
    F::with(())
        .given(vec![registered])
        .when(cmd(day(2021, 1, 1), repeal(day(2016, 1, 1))))
        .then_expect_refusal(ReferenceError::InvalidPeriod {
            from: Some(day(2017, 8, 31)),
            to: day(2016, 1, 1),
        });
}

#[test]
fn the_seed_documents_all_register() {
    let lookups = InMemoryLookups::new();
    let documents = seed::legal_documents(&seed_actor());
    for (id, command) in documents.iter().cloned() {
        lookups.execute::<LegalDocument>(&id, command, &()).unwrap();
    }
    let plan = lookups.get::<LegalDocument>("31/KH-UBND");
    assert!(plan.in_force_on(day(2018, 1, 1)));
    assert!(
        !lookups
            .get::<LegalDocument>("340/2016/TT-BTC")
            .in_force_on(day(2022, 2, 14))
    );
    assert!(
        lookups
            .get::<LegalDocument>("124/2021/TT-BTC")
            .in_force_on(day(2022, 2, 14))
    );
    assert_eq!(documents.len(), 12);
}
