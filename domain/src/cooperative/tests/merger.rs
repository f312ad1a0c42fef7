use crate::cooperative::{
    Cooperative, CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E,
    CooperativeStatus as S, ReorganisationKind as K,
};
use crate::fixtures::*;
use crate::testing::InMemoryLookups;

use super::reorganisation::{refused_reg12, resolve, resolved};
use super::{seeded, with};

#[test]
fn a_merger_ends_the_absorbed_once_the_absorbing_cooperative_registered_it() {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(code(2).as_str(), vec![htx(2)]);
    with(&lookups)
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 1), resolve(K::Merger, vec![code(2)])))
        .then_expect_events(vec![resolved(K::Merger, vec![code(2)], day(2018, 1, 1))]);
    let absorbed_side = vec![htx(1), resolved(K::Merger, vec![code(2)], day(2018, 1, 1))];
    // Before the absorbing cooperative registers the merger, the absorbed one cannot end.
    refused_reg12(
        &lookups,
        absorbed_side.clone(),
        day(2018, 2, 1),
        A::CompleteReorganisation {
            successors: vec![code(2)],
        },
        "does not descend",
    );
    // The absorbing side registers the absorption.
    lookups.record::<Cooperative>(code(1).as_str(), absorbed_side.clone());
    let registered = E::AbsorptionRegistered {
        absorbed: vec![code(1)],
        effective_date: day(2018, 2, 1),
    };
    with(&lookups)
        .given(vec![htx(2)])
        .when(cmd(
            day(2018, 2, 1),
            A::RegisterAbsorption {
                absorbed: vec![code(1)],
            },
        ))
        .then_expect_events(vec![registered.clone()]);
    lookups.record::<Cooperative>(code(2).as_str(), vec![registered]);
    with(&lookups)
        .given(absorbed_side)
        .when(cmd(
            day(2018, 2, 2),
            A::CompleteReorganisation {
                successors: vec![code(2)],
            },
        ))
        .then_expect_events(vec![E::CooperativeMergedInto {
            absorbing: code(2),
            effective_date: day(2018, 2, 2),
        }]);
}

#[test]
fn absorption_refusals() {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(code(3).as_str(), vec![htx(3)]);
    refused_reg12(
        &lookups,
        vec![htx(2)],
        day(2018, 2, 1),
        A::RegisterAbsorption {
            absorbed: vec![code(3)],
        },
        "not the same kind or not in a fitting status",
    );
    lookups.record::<Cooperative>(
        code(4).as_str(),
        vec![htx(4), resolved(K::Merger, vec![code(5)], day(2018, 1, 1))],
    );
    refused_reg12(
        &lookups,
        vec![htx(2)],
        day(2018, 2, 1),
        A::RegisterAbsorption {
            absorbed: vec![code(4)],
        },
        "did not resolve to merge into this cooperative",
    );
    let suspended = E::BusinessSuspended {
        until: day(2018, 6, 1),
        effective_date: day(2018, 1, 1),
    };
    refused_reg12(
        &lookups,
        vec![htx(2), suspended],
        day(2018, 2, 1),
        A::RegisterAbsorption {
            absorbed: vec![code(4)],
        },
        "must be active",
    );
    refused_reg12(
        &lookups,
        vec![htx(2)],
        day(2018, 2, 1),
        A::CompleteReorganisation {
            successors: vec![code(4)],
        },
        "no reorganisation pending",
    );
}

#[test]
fn an_ended_cooperative_takes_no_business_events() {
    let ended = vec![
        htx(1),
        resolved(K::Merger, vec![code(2)], day(2018, 1, 1)),
        E::CooperativeMergedInto {
            absorbing: code(2),
            effective_date: day(2018, 2, 2),
        },
    ];
    seeded()
        .given(ended)
        .when(cmd(
            day(2018, 3, 1),
            A::RecordMembership {
                members: members(7),
            },
        ))
        .then_expect_refusal(Error::Terminal { status: S::Ceased });
}
