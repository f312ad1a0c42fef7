use std::sync::Arc;

use crate::code::CooperativeCode;
use crate::cooperative::{
    Cooperative, CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E,
    CooperativeKind, CooperativeStatus as S, Origin, ReorganisationKind as K, Transition,
};
use crate::fixtures::*;
use crate::rules::RuleCode;
use crate::testing::InMemoryLookups;

use super::{seeded, with};

pub(super) fn resolved(kind: K, counterparts: Vec<CooperativeCode>, date: chrono::NaiveDate) -> E {
    E::ReorganisationResolved {
        kind,
        counterparts,
        resolution: "NQ ĐHTV".into(),
        effective_date: date,
    }
}

pub(super) fn resolve(kind: K, counterparts: Vec<CooperativeCode>) -> A {
    A::ResolveReorganisation {
        kind,
        counterparts,
        resolution: "NQ ĐHTV".into(),
    }
}

pub(super) fn refused_reg12(
    lookups: &Arc<InMemoryLookups>,
    given: Vec<E>,
    date: chrono::NaiveDate,
    action: A,
    reason: &str,
) {
    let error = with(lookups)
        .given(given)
        .when(cmd(date, action))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.rule(), Some(RuleCode::Reg12), "{error}");
    assert!(error.to_string().contains(reason), "{error}");
}

fn successor(lookups: &InMemoryLookups, n: u32, origin: Origin) {
    let event = registered_from(
        &code(n),
        CooperativeKind::Cooperative,
        day(2018, 2, 1),
        members(7),
        origin,
    );
    lookups.record::<Cooperative>(code(n).as_str(), vec![event]);
}

#[test]
fn resolves_a_division_and_ends_once_every_successor_is_registered() {
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 1), resolve(K::Division, vec![])))
        .then_expect_events(vec![resolved(K::Division, vec![], day(2018, 1, 1))]);
    let lookups = InMemoryLookups::seeded();
    successor(
        &lookups,
        2,
        Origin::Division {
            predecessor: code(1),
        },
    );
    successor(
        &lookups,
        3,
        Origin::Division {
            predecessor: code(1),
        },
    );
    let given = vec![htx(1), resolved(K::Division, vec![], day(2018, 1, 1))];
    with(&lookups)
        .given(given.clone())
        .when(cmd(
            day(2018, 3, 1),
            A::CompleteReorganisation {
                successors: vec![code(2), code(3)],
            },
        ))
        .then_expect_events(vec![E::CooperativeDivided {
            successors: vec![code(2), code(3)],
            effective_date: day(2018, 3, 1),
        }]);
    refused_reg12(
        &lookups,
        given.clone(),
        day(2018, 3, 1),
        A::CompleteReorganisation {
            successors: vec![code(2)],
        },
        "invalid successors",
    );
    refused_reg12(
        &lookups,
        given,
        day(2018, 3, 1),
        A::CompleteReorganisation {
            successors: vec![code(2), code(4)],
        },
        "not registered",
    );
}

#[test]
fn resolution_refusals() {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(
        code(5).as_str(),
        vec![registered(
            &code(5),
            CooperativeKind::Union,
            day(2017, 1, 1),
            union_members(4),
        )],
    );
    refused_reg12(
        &lookups,
        vec![htx(1)],
        day(2018, 1, 1),
        resolve(K::Division, vec![code(2)]),
        "wrong number of counterparts",
    );
    let pending = vec![htx(1), resolved(K::Separation, vec![], day(2018, 1, 1))];
    refused_reg12(
        &lookups,
        pending,
        day(2018, 2, 1),
        resolve(K::Separation, vec![]),
        "a reorganisation is pending",
    );
    refused_reg12(
        &lookups,
        vec![htx(1)],
        day(2018, 1, 1),
        resolve(K::Consolidation, vec![code(5)]),
        "not the same kind",
    );
    refused_reg12(
        &lookups,
        vec![htx(1)],
        day(2018, 1, 1),
        resolve(K::Merger, vec![code(1)]),
        "cannot reorganise with itself",
    );
    let dissolving = E::VoluntaryDissolutionResolved {
        resolution: "NQ".into(),
        effective_date: day(2017, 12, 1),
    };
    refused_reg12(
        &lookups,
        vec![htx(1), dissolving.clone()],
        day(2018, 1, 1),
        resolve(K::Separation, vec![]),
        "separation while dissolving",
    );
    with(&lookups)
        .given(vec![htx(1), dissolving])
        .when(cmd(day(2018, 1, 1), resolve(K::Division, vec![])))
        .then_expect_refusal(Error::TransitionNotAllowed {
            transition: Transition::ResolveDivision,
            status: S::Dissolving,
        });
}

#[test]
fn a_separation_keeps_the_source_going() {
    let lookups = InMemoryLookups::seeded();
    successor(&lookups, 2, Origin::Separation { source: code(1) });
    let given = vec![htx(1), resolved(K::Separation, vec![], day(2018, 1, 1))];
    let events = with(&lookups)
        .given(given.clone())
        .when(cmd(
            day(2018, 3, 1),
            A::CompleteReorganisation {
                successors: vec![code(2)],
            },
        ))
        .inspect_result()
        .unwrap();
    assert_eq!(
        events,
        vec![E::CooperativeSeparated {
            new_cooperatives: vec![code(2)],
            effective_date: day(2018, 3, 1)
        }]
    );
    let mut source = Cooperative::default();
    for event in given.into_iter().chain(events) {
        source.apply_event(event);
    }
    assert_eq!(source.status_on(day(2018, 3, 2)), Some(S::Active));
    assert_eq!(source.successors(), [code(2)]);
}

#[test]
fn consolidation_ends_each_predecessor_into_the_new_cooperative() {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(code(2).as_str(), vec![htx(2)]);
    with(&lookups)
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 1, 1),
            resolve(K::Consolidation, vec![code(2)]),
        ))
        .then_expect_events(vec![resolved(
            K::Consolidation,
            vec![code(2)],
            day(2018, 1, 1),
        )]);
    successor(
        &lookups,
        3,
        Origin::Consolidation {
            predecessors: vec![code(1), code(2)],
        },
    );
    let given = vec![
        htx(1),
        resolved(K::Consolidation, vec![code(2)], day(2018, 1, 1)),
    ];
    with(&lookups)
        .given(given.clone())
        .when(cmd(
            day(2018, 3, 1),
            A::CompleteReorganisation {
                successors: vec![code(3)],
            },
        ))
        .then_expect_events(vec![E::CooperativeConsolidated {
            into: code(3),
            effective_date: day(2018, 3, 1),
        }]);
    successor(&lookups, 4, Origin::New);
    refused_reg12(
        &lookups,
        given,
        day(2018, 3, 1),
        A::CompleteReorganisation {
            successors: vec![code(4)],
        },
        "does not descend",
    );
}
