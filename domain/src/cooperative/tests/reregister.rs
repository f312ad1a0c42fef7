use crate::cooperative::{
    CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E, CooperativeKind,
};
use crate::fixtures::*;
use crate::rules::{Finding, RuleCode};

use super::super::FindingGround;
use super::seeded;

#[test]
fn re_registers_a_pre_2013_cooperative_and_flags_a_late_one() {
    let old = registered(
        &code(1),
        CooperativeKind::Cooperative,
        day(2010, 3, 1),
        members(9),
    );
    let action = A::ReRegister {
        members: members(8),
        certificate_no: "GCN-2012-01".into(),
    };
    seeded()
        .given(vec![old.clone()])
        .when(cmd(day(2015, 5, 1), action.clone()))
        .then_expect_events(vec![E::CooperativeReRegistered {
            members: members(8),
            certificate_no: "GCN-2012-01".into(),
            effective_date: day(2015, 5, 1),
        }]);
    let detail =
        "đăng ký lại ngày 2017-10-02, sau hạn 2016-07-01 / re-registered after the deadline";
    seeded()
        .given(vec![old])
        .when(cmd(day(2017, 10, 2), action))
        .then_expect_events(vec![
            E::CooperativeReRegistered {
                members: members(8),
                certificate_no: "GCN-2012-01".into(),
                effective_date: day(2017, 10, 2),
            },
            E::ComplianceFindingRaised {
                finding: Finding::new(RuleCode::Reg05, day(2017, 10, 2), detail),
                ground: FindingGround::LateReRegistration,
            },
        ]);
}

#[test]
fn re_registration_refusals() {
    let old = registered(
        &code(1),
        CooperativeKind::Cooperative,
        day(2010, 3, 1),
        members(9),
    );
    let action = A::ReRegister {
        members: members(8),
        certificate_no: "GCN".into(),
    };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 1), action.clone()))
        .then_expect_refusal(Error::ReRegistrationNotNeeded {
            registered_on: day(2017, 9, 1),
        });
    let again = E::CooperativeReRegistered {
        members: members(8),
        certificate_no: "GCN".into(),
        effective_date: day(2015, 1, 1),
    };
    seeded()
        .given(vec![old.clone(), again])
        .when(cmd(day(2016, 1, 1), action.clone()))
        .then_expect_refusal(Error::AlreadyReRegistered {
            on: day(2015, 1, 1),
        });
    seeded()
        .given(vec![old.clone()])
        .when(cmd(day(2024, 8, 1), action.clone()))
        .then_expect_refusal(Error::ReRegistrationEnded {
            effective_date: day(2024, 8, 1),
            ends_on: day(2024, 7, 1),
        });
    seeded()
        .given(vec![old])
        .when(cmd(
            day(2015, 1, 1),
            A::ReRegister {
                members: members(6),
                certificate_no: "GCN".into(),
            },
        ))
        .then_expect_refusal(Error::BelowMinimumMembers {
            kind: CooperativeKind::Cooperative,
            law: "Luật HTX 23/2012/QH13".into(),
            required: 7,
            given: 6,
        });
    seeded()
        .given_no_previous_events()
        .when(cmd(day(2015, 1, 1), action))
        .then_expect_refusal(Error::NotRegistered);
}
