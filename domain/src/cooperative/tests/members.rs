use crate::cooperative::{
    Cooperative, CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E,
    CooperativeKind, CooperativeStatus, FindingGround,
};
use crate::fixtures::*;
use crate::rules::{Finding, RuleCode};
use crate::testing::InMemoryLookups;

use super::records::dissolved;
use super::{seeded, with};

#[test]
fn membership_below_the_minimum_for_12_months_raises_a_finding_once() {
    let low = E::MembershipRecorded {
        members: members(5),
        effective_date: day(2018, 1, 1),
    };
    let action = A::RecordMembership {
        members: members(5),
    };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 1), action.clone()))
        .then_expect_events(vec![low.clone()]);
    let finding = E::ComplianceFindingRaised {
        finding: Finding::new(
            RuleCode::Reg03,
            day(2019, 1, 2),
            "dưới số thành viên tối thiểu từ 2018-01-01 / below the minimum members since 2018-01-01",
        ),
        ground: FindingGround::BelowMinimumMembers {
            since: day(2018, 1, 1),
        },
    };
    let later = E::MembershipRecorded {
        members: members(5),
        effective_date: day(2019, 1, 2),
    };
    seeded()
        .given(vec![htx(1), low.clone()])
        .when(cmd(day(2019, 1, 2), action.clone()))
        .then_expect_events(vec![later.clone(), finding.clone()]);
    seeded()
        .given(vec![htx(1), low, later, finding])
        .when(cmd(day(2019, 2, 1), action.clone()))
        .then_expect_events(vec![E::MembershipRecorded {
            members: members(5),
            effective_date: day(2019, 2, 1),
        }]);
    seeded()
        .given(dissolved())
        .when(cmd(day(2019, 2, 1), action))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
}

#[test]
fn an_annual_meeting_after_18_months_raises_a_finding() {
    let action = A::RecordGeneralMeeting { annual: true };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 6, 1), action.clone()))
        .then_expect_events(vec![E::GeneralMeetingHeld {
            annual: true,
            effective_date: day(2018, 6, 1),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2019, 3, 1), action.clone()))
        .then_expect_events(vec![
            E::GeneralMeetingHeld { annual: true, effective_date: day(2019, 3, 1) },
            E::ComplianceFindingRaised {
                finding: Finding::new(
                    RuleCode::Reg03,
                    day(2019, 3, 1),
                    "không họp đại hội thường niên từ 2017-09-01 / no annual meeting since 2017-09-01",
                ),
                ground: FindingGround::NoAnnualMeeting { since: day(2017, 9, 1) },
            },
        ]);
    seeded()
        .given(dissolved())
        .when(cmd(day(2019, 3, 1), action))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
}

#[test]
fn inactivity_of_12_months_raises_a_finding_and_review_raises_what_is_due() {
    let detected = E::InactivityDetected {
        months_inactive: 12,
        source: "rà soát 2017".into(),
        effective_date: day(2018, 10, 1),
    };
    let inactive = E::ComplianceFindingRaised {
        finding: Finding::new(
            RuleCode::Reg03,
            day(2018, 10, 1),
            "không hoạt động từ 2017-10-01 / inactive since 2017-10-01",
        ),
        ground: FindingGround::Inactive {
            since: day(2017, 10, 1),
        },
    };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 10, 1),
            A::RecordInactivity {
                months_inactive: 12,
                source: " rà soát 2017 ".into(),
            },
        ))
        .then_expect_events(vec![detected.clone(), inactive.clone()]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 1), A::ReviewCompliance))
        .then_expect_events(vec![]);
    let no_meeting = E::ComplianceFindingRaised {
        finding: Finding::new(
            RuleCode::Reg03,
            day(2019, 3, 1),
            "không họp đại hội thường niên từ 2017-09-01 / no annual meeting since 2017-09-01",
        ),
        ground: FindingGround::NoAnnualMeeting {
            since: day(2017, 9, 1),
        },
    };
    // The inactivity finding was raised already; only the meeting finding is new.
    seeded()
        .given(vec![htx(1), detected, inactive])
        .when(cmd(day(2019, 3, 1), A::ReviewCompliance))
        .then_expect_events(vec![no_meeting]);
    seeded()
        .given(dissolved())
        .when(cmd(day(2019, 3, 1), A::ReviewCompliance))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
    seeded()
        .given(dissolved())
        .when(cmd(
            day(2019, 3, 1),
            A::RecordInactivity {
                months_inactive: 1,
                source: "x".into(),
            },
        ))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
}

fn with_union() -> std::sync::Arc<InMemoryLookups> {
    let lookups = InMemoryLookups::seeded();
    let union = registered(
        &code(9),
        CooperativeKind::Union,
        day(2017, 1, 1),
        union_members(4),
    );
    lookups.record::<Cooperative>(code(9).as_str(), vec![union]);
    lookups.record::<Cooperative>(code(8).as_str(), vec![htx(8)]);
    lookups
}

#[test]
fn joins_and_leaves_an_active_union() {
    let lookups = with_union();
    let joined = E::UnionJoined {
        union: code(9),
        effective_date: day(2018, 1, 1),
    };
    with(&lookups)
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 1), A::JoinUnion { union: code(9) }))
        .then_expect_events(vec![joined.clone()]);
    with(&lookups)
        .given(vec![htx(1), joined])
        .when(cmd(day(2019, 1, 1), A::LeaveUnion { union: code(9) }))
        .then_expect_events(vec![E::UnionLeft {
            union: code(9),
            effective_date: day(2019, 1, 1),
        }]);
}

#[test]
fn union_membership_refusals() {
    let lookups = with_union();
    let refused = |given: Vec<E>, action: A, reason: &str| {
        let error = with(&lookups)
            .given(given)
            .when(cmd(day(2018, 1, 1), action))
            .inspect_result()
            .unwrap_err();
        assert_eq!(error.rule(), Some(RuleCode::Reg16));
        assert!(error.to_string().contains(reason), "{error}");
    };
    let union_self = registered(
        &code(1),
        CooperativeKind::Union,
        day(2017, 9, 1),
        union_members(4),
    );
    refused(
        vec![union_self],
        A::JoinUnion { union: code(9) },
        "only a cooperative joins a union",
    );
    let joined = E::UnionJoined {
        union: code(9),
        effective_date: day(2017, 12, 1),
    };
    refused(
        vec![htx(1), joined],
        A::JoinUnion { union: code(9) },
        "already a member",
    );
    refused(
        vec![htx(1)],
        A::JoinUnion { union: code(8) },
        "not an active union",
    );
    refused(
        vec![htx(1)],
        A::JoinUnion { union: code(7) },
        "not an active union",
    );
    refused(
        vec![htx(1)],
        A::LeaveUnion { union: code(9) },
        "not a member",
    );
}
