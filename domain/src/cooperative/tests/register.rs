use crate::cooperative::{
    CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E, CooperativeKind,
    CooperativeStatus, Origin, ReorganisationKind,
};
use crate::fixtures::*;
use crate::rules::RuleCode;
use crate::testing::InMemoryLookups;

use super::{seeded, with};

fn register(code: &str, kind: CooperativeKind, counts: crate::cooperative::MemberCounts) -> A {
    A::Register {
        code: code.into(),
        kind,
        content: content(),
        members: counts,
        certificate_no: "GCN-01".into(),
        legacy_reg_no: None,
        origin: Origin::New,
    }
}

fn register_from(code: &str, origin: Origin) -> A {
    match register(code, CooperativeKind::Cooperative, members(7)) {
        A::Register {
            code,
            kind,
            content,
            members,
            certificate_no,
            legacy_reg_no,
            ..
        } => A::Register {
            code,
            kind,
            content,
            members,
            certificate_no,
            legacy_reg_no,
            origin,
        },
        _ => unreachable!(),
    }
}

#[test]
fn registers_a_cooperative_under_the_law_in_force_with_text_in_nfc() {
    let mut action = register(code(1).as_str(), CooperativeKind::Cooperative, members(7));
    if let A::Register { content, .. } = &mut action {
        content.name = "Hợp tác xa\u{0300} Yên Đức".into(); // "xà" typed in NFD
    }
    let mut expected = content();
    expected.name = "Hợp tác xà Yên Đức".into();
    seeded()
        .given_no_previous_events()
        .when(cmd(day(2017, 9, 1), action))
        .then_expect_events(vec![E::CooperativeRegistered {
            code: code(1),
            kind: CooperativeKind::Cooperative,
            content: expected,
            members: members(7),
            certificate_no: "GCN-01".into(),
            legacy_reg_no: None,
            origin: Origin::New,
            governing_law: "Luật HTX 23/2012/QH13".into(),
            effective_date: day(2017, 9, 1),
        }]);
}

#[test]
fn refuses_a_code_with_a_wrong_check_digit() {
    let wrong = format!(
        "{}{}",
        &code(1).as_str()[..9],
        (code(1).as_str().as_bytes()[9] - b'0' + 1) % 10
    );
    let result = seeded()
        .given_no_previous_events()
        .when(cmd(
            day(2017, 9, 1),
            register(&wrong, CooperativeKind::Cooperative, members(7)),
        ))
        .inspect_result();
    let error = result.unwrap_err();
    assert!(matches!(&error.reason, Error::InvalidCode { code, .. } if code == &wrong));
    assert_eq!(error.rule(), Some(RuleCode::Reg01));
    assert!(
        error.to_string().starts_with("REG-01 Mã số HTX hợp lệ"),
        "{error}"
    );
}

#[test]
fn refuses_a_code_already_issued_even_after_the_cooperative_ended() {
    seeded()
        .given(vec![
            htx(1),
            E::BankruptcyOpened {
                court: "TAND".into(),
                decision: "01".into(),
                effective_date: day(2018, 1, 1),
            },
            E::BankruptcyDeclared {
                court: "TAND".into(),
                decision: "02".into(),
                effective_date: day(2018, 6, 1),
            },
        ])
        .when(cmd(
            day(2019, 1, 1),
            register(code(1).as_str(), CooperativeKind::Cooperative, members(7)),
        ))
        .then_expect_refusal(Error::CodeAlreadyUsed {
            code: code(1),
            status: CooperativeStatus::Bankrupt,
        });
}

#[test]
fn member_minimums_follow_the_law_on_the_effective_date() {
    let refuse = |kind, counts, date, required, given, law: &str| {
        seeded()
            .given_no_previous_events()
            .when(cmd(date, register(code(1).as_str(), kind, counts)))
            .then_expect_refusal(Error::BelowMinimumMembers {
                kind,
                law: law.into(),
                required,
                given,
            });
    };
    refuse(
        CooperativeKind::Cooperative,
        members(6),
        day(2017, 9, 1),
        7,
        6,
        "Luật HTX 23/2012/QH13",
    );
    refuse(
        CooperativeKind::Cooperative,
        members(4),
        day(2024, 7, 1),
        5,
        4,
        "Luật HTX 17/2023/QH15",
    );
    refuse(
        CooperativeKind::Union,
        union_members(3),
        day(2020, 1, 1),
        4,
        3,
        "Luật HTX 23/2012/QH13",
    );
    refuse(
        CooperativeKind::Union,
        union_members(2),
        day(2024, 7, 2),
        3,
        2,
        "Luật HTX 17/2023/QH15",
    );
    let accept = |kind, counts, date| {
        let events = seeded()
            .given_no_previous_events()
            .when(cmd(date, register(code(1).as_str(), kind, counts)))
            .inspect_result()
            .unwrap();
        assert_eq!(events.len(), 1);
    };
    accept(CooperativeKind::Cooperative, members(5), day(2024, 7, 1));
    accept(CooperativeKind::Union, union_members(3), day(2024, 7, 1));
    // Before 01/7/2013 the 2003 Law's minimum is not known to the ledger: not checked.
    accept(CooperativeKind::Cooperative, members(3), day(2010, 3, 1));
}

#[test]
fn refuses_an_address_in_a_unit_not_valid_on_the_date() {
    let mut action = register(code(1).as_str(), CooperativeKind::Cooperative, members(7));
    if let A::Register { content, .. } = &mut action {
        content.address.unit = "204".into(); // Hoành Bồ, merged into Hạ Long on 01/01/2020
    }
    seeded()
        .given_no_previous_events()
        .when(cmd(day(2020, 2, 1), action.clone()))
        .then_expect_refusal(Error::UnitNotValid {
            unit: "204".into(),
            date: day(2020, 2, 1),
        });
    let accepted = seeded()
        .given_no_previous_events()
        .when(cmd(day(2019, 6, 1), action))
        .inspect_result();
    assert!(accepted.is_ok());
}

#[test]
fn a_failed_lookup_is_a_technical_error_without_a_rule() {
    let lookups = InMemoryLookups::seeded();
    lookups.set_failing(true);
    let error = with(&lookups)
        .given_no_previous_events()
        .when(cmd(
            day(2017, 9, 1),
            register(code(1).as_str(), CooperativeKind::Cooperative, members(7)),
        ))
        .inspect_result()
        .unwrap_err();
    assert!(matches!(error.reason, Error::Lookup(_)));
    assert_eq!(error.rule(), None);
}

fn dividing(lookups: &InMemoryLookups, n: u32) {
    lookups.record::<crate::cooperative::Cooperative>(
        code(n).as_str(),
        vec![
            htx(n),
            E::ReorganisationResolved {
                kind: ReorganisationKind::Division,
                counterparts: vec![],
                resolution: "NQ ĐHTV".into(),
                effective_date: day(2018, 1, 1),
            },
        ],
    );
}

#[test]
fn a_successor_names_a_predecessor_reorganising_the_same_way() {
    let lookups = InMemoryLookups::seeded();
    dividing(&lookups, 1);
    let origin = Origin::Division {
        predecessor: code(1),
    };
    let events = with(&lookups)
        .given_no_previous_events()
        .when(cmd(
            day(2018, 2, 1),
            register_from(code(2).as_str(), origin.clone()),
        ))
        .inspect_result()
        .unwrap();
    assert!(matches!(&events[0], E::CooperativeRegistered { origin: o, .. } if o == &origin));
    // A predecessor that is not being divided.
    lookups.record::<crate::cooperative::Cooperative>(code(3).as_str(), vec![htx(3)]);
    let error = with(&lookups)
        .given_no_previous_events()
        .when(cmd(
            day(2018, 2, 1),
            register_from(
                code(2).as_str(),
                Origin::Division {
                    predecessor: code(3),
                },
            ),
        ))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.rule(), Some(RuleCode::Reg12));
}

#[test]
fn a_successor_cannot_descend_from_itself_or_consolidate_one_predecessor() {
    let lookups = InMemoryLookups::seeded();
    dividing(&lookups, 1);
    let self_origin = Origin::Division {
        predecessor: code(1),
    };
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(
            day(2018, 2, 1),
            register_from(code(1).as_str(), self_origin),
        ))
        .then_expect_refusal(Error::Reorganisation {
            code: code(1).to_string(),
            reason:
                "HTX không thể là tiền thân của chính nó / a cooperative cannot descend from itself"
                    .into(),
        });
    let single = Origin::Consolidation {
        predecessors: vec![code(1)],
    };
    let error = with(&lookups)
        .given_no_previous_events()
        .when(cmd(
            day(2018, 2, 1),
            register_from(code(2).as_str(), single),
        ))
        .inspect_result()
        .unwrap_err();
    assert!(
        matches!(error.reason, Error::Reorganisation { reason, .. } if reason.contains("consolidation needs 2"))
    );
}
