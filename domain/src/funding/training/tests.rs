//! Given/when/then tests of every training-class command.

use std::sync::Arc;

use cqrs_es::test::TestFramework;

use crate::fixtures::*;
use crate::funding::{
    BudgetLine, BudgetLineEvent, BudgetLineId, Purpose, RecordId, SupportCategory, TrainingClass,
    TrainingClassAction as A, TrainingClassError as Error, TrainingClassEvent as E,
};
use crate::reference::Region;
use crate::rules::{Finding, RuleCode};
use crate::testing::InMemoryLookups;

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-NNPTNT", "NTM-1600", SupportCategory::Training).unwrap()
}

fn class() -> RecordId {
    RecordId::new(2018, "SO-NNPTNT", "L03").unwrap()
}

/// The seeded units and an estimate of 1 tỷ on [`line`].
fn lookups_with_line() -> Arc<InMemoryLookups> {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<BudgetLine>(
        &line().to_id(),
        vec![BudgetLineEvent::EstimateAssigned {
            entry: 1,
            line: line(),
            amount: d(1_000_000_000),
            decision: doc("899/2017/QĐ-UBND"),
            effective_date: day(2018, 1, 5),
        }],
    );
    lookups
}

fn with(lookups: &Arc<InMemoryLookups>) -> TestFramework<TrainingClass> {
    TestFramework::with(lookups.services())
}

fn plan(district: Option<&str>) -> A {
    A::Plan {
        class: class(),
        line: line(),
        region: Region::East,
        district: district.map(str::to_string),
        planned_learners: 40,
        planned_cost: d(50_000_000),
        starts_on: day(2018, 5, 2),
    }
}

fn planned() -> E {
    E::TrainingClassPlanned {
        class: class(),
        line: line(),
        organiser: "SO-NNPTNT".into(),
        region: Region::East,
        district: Some("203".into()),
        planned_learners: 40,
        planned_cost: d(50_000_000),
        starts_on: day(2018, 5, 2),
        approved_by: clerk().user_id,
        effective_date: day(2018, 3, 1),
    }
}

fn held(learners: u32) -> E {
    E::TrainingClassHeld {
        held_from: day(2018, 5, 2),
        held_to: day(2018, 5, 4),
        learners,
        cost: d(48_000_000),
        recorded_by: clerk().user_id,
        effective_date: day(2018, 5, 5),
    }
}

fn hold(learners: u32) -> A {
    A::Hold {
        held_from: day(2018, 5, 2),
        held_to: day(2018, 5, 4),
        learners,
        cost: d(48_000_000),
    }
}

fn outside(learners: u32, date: chrono::NaiveDate) -> E {
    E::ComplianceFindingRaised {
        finding: Finding::new(
            RuleCode::Fin13,
            date,
            &format!("{learners} học viên, ngoài 30-50 / {learners} learners, outside 30-50"),
        ),
    }
}

#[test]
fn plans_a_class_on_a_training_line_in_a_valid_district() {
    let lookups = lookups_with_line();
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 3, 1), plan(Some("203"))))
        .then_expect_events(vec![planned()]);
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 3, 1), plan(None)))
        .then_expect_refusal(Error::AlreadyPlanned {
            class: class().to_id(),
        });
    let mut wrong_line = plan(None);
    if let A::Plan { line, .. } = &mut wrong_line {
        *line = BudgetLineId::new(2018, "SO-NNPTNT", "NTM-1600", SupportCategory::Credit).unwrap();
    }
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 3, 1), wrong_line))
        .then_expect_refusal(Error::NotTrainingLine {
            line: "2018/SO-NNPTNT/NTM-1600/credit".into(),
            year: 2018,
        });
    let mut free = plan(None);
    if let A::Plan { planned_cost, .. } = &mut free {
        *planned_cost = d(0);
    }
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 3, 1), free))
        .then_expect_refusal(Error::ZeroAmount);
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 3, 1), plan(Some("197"))))
        .then_expect_refusal(Error::UnitNotValid {
            unit: "197".into(),
            date: day(2018, 5, 2),
        });
}

#[test]
fn holds_a_class_and_flags_one_outside_30_to_50_learners() {
    let lookups = InMemoryLookups::seeded();
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 5, 5), hold(30)))
        .then_expect_events(vec![held(30)]);
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 5, 5), hold(51)))
        .then_expect_events(vec![held(51), outside(51, day(2018, 5, 5))]);
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 5, 5), hold(29)))
        .then_expect_events(vec![held(29), outside(29, day(2018, 5, 5))]);
    with(&lookups)
        .given(vec![planned(), held(40)])
        .when(cmd(day(2018, 5, 5), hold(40)))
        .then_expect_refusal(Error::AlreadyHeld);
    with(&lookups)
        .given(vec![])
        .when(cmd(day(2018, 5, 5), hold(40)))
        .then_expect_refusal(Error::NotPlanned);
    let backwards = A::Hold {
        held_from: day(2018, 5, 4),
        held_to: day(2018, 5, 2),
        learners: 40,
        cost: d(1),
    };
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 5, 5), backwards))
        .then_expect_refusal(Error::InvalidDates {
            from: day(2018, 5, 4),
            to: day(2018, 5, 2),
        });
    let cancelled = E::TrainingClassCancelled {
        reason: "bão".into(),
        effective_date: day(2018, 4, 1),
    };
    with(&lookups)
        .given(vec![planned(), cancelled])
        .when(cmd(day(2018, 5, 5), hold(40)))
        .then_expect_refusal(Error::Cancelled);
}

#[test]
fn cancels_a_class_not_yet_held() {
    let lookups = InMemoryLookups::seeded();
    let cancel = A::Cancel {
        reason: "bão".into(),
    };
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 4, 1), cancel.clone()))
        .then_expect_events(vec![E::TrainingClassCancelled {
            reason: "bão".into(),
            effective_date: day(2018, 4, 1),
        }]);
    with(&lookups)
        .given(vec![planned(), held(40)])
        .when(cmd(day(2018, 6, 1), cancel.clone()))
        .then_expect_refusal(Error::AlreadyHeld);
    with(&lookups)
        .given(vec![])
        .when(cmd(day(2018, 6, 1), cancel))
        .then_expect_refusal(Error::NotPlanned);
}

#[test]
fn corrects_the_held_record_with_a_compensating_event() {
    let lookups = InMemoryLookups::seeded();
    let correct = |learners| A::CorrectRecord {
        learners,
        cost: d(48_000_000),
        reason: "đếm nhầm".into(),
    };
    let corrected = |learners| E::TrainingClassRecordCorrected {
        previous_learners: 40,
        previous_cost: d(48_000_000),
        learners,
        cost: d(48_000_000),
        reason: "đếm nhầm".into(),
        effective_date: day(2018, 6, 1),
    };
    with(&lookups)
        .given(vec![planned(), held(40)])
        .when(cmd(day(2018, 6, 1), correct(42)))
        .then_expect_events(vec![corrected(42)]);
    with(&lookups)
        .given(vec![planned(), held(40)])
        .when(cmd(day(2018, 6, 1), correct(25)))
        .then_expect_events(vec![corrected(25), outside(25, day(2018, 6, 1))]);
    with(&lookups)
        .given(vec![planned(), held(40)])
        .when(cmd(day(2018, 6, 1), correct(40)))
        .then_expect_refusal(Error::NothingToCorrect);
    with(&lookups)
        .given(vec![planned()])
        .when(cmd(day(2018, 6, 1), correct(40)))
        .then_expect_refusal(Error::NotHeld);
}

#[test]
fn a_planned_class_is_a_purpose_approved_by_its_planner_until_cancelled() {
    let mut class_aggregate = TrainingClass::default();
    cqrs_es::Aggregate::apply(&mut class_aggregate, planned());
    let purpose = class_aggregate.approved_purpose().unwrap();
    assert_eq!(purpose.purpose, Purpose::TrainingClass(class()));
    assert_eq!(
        (purpose.amount, purpose.beneficiary, purpose.approved_by),
        (d(50_000_000), None, clerk().user_id)
    );
    cqrs_es::Aggregate::apply(
        &mut class_aggregate,
        E::TrainingClassCancelled {
            reason: "x".into(),
            effective_date: day(2018, 4, 1),
        },
    );
    assert_eq!(class_aggregate.approved_purpose(), None);
}

/// FIN-16: a class is planned (its cost approved) only on a training line that has an estimate.
#[test]
fn a_class_is_planned_only_on_a_line_with_an_estimate() {
    let lookups = InMemoryLookups::seeded();
    let refused = with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 3, 1), plan(Some("203"))))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.rule(), Some(RuleCode::Fin16), "{refused}");
    assert_eq!(
        refused.reason,
        Error::LineNotOpened {
            line: line().to_id()
        }
    );
    with(&lookups_with_line())
        .given_no_previous_events()
        .when(cmd(day(2018, 3, 1), plan(Some("203"))))
        .then_expect_events(vec![planned()]);
}
