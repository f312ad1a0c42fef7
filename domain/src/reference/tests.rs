//! Given/when/then tests of the reference-data commands, and of the seed data.

use cqrs_es::test::TestFramework;

use crate::fixtures::*;
use crate::funding::SupportCategory;
use crate::ledger::{Actor, Role};
use crate::testing::InMemoryLookups;

use super::*;

fn seed_actor() -> Actor {
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
    assert_eq!(error.rule(), crate::rules::RuleCode::Data01);
    F::with(())
        .given(vec![registered.clone()])
        .when(cmd(day(2017, 8, 31), register("31/KH-UBND", None)))
        .then_expect_error(ReferenceError::AlreadyRecorded {
            id: "31/KH-UBND".into(),
        });
    F::with(())
        .given_no_previous_events()
        .when(cmd(
            day(2017, 8, 31),
            register("31/KH-UBND", Some(day(2017, 1, 1))),
        ))
        .then_expect_error(ReferenceError::InvalidPeriod {
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
        .then_expect_error(ReferenceError::NotRecorded);
    F::with(())
        .given(vec![registered.clone(), repealed])
        .when(cmd(day(2021, 1, 1), repeal(day(2020, 12, 31))))
        .then_expect_error(ReferenceError::AlreadyRecorded {
            id: "bãi bỏ bởi / repealed by 12/KH-UBND".into(),
        });
    F::with(())
        .given(vec![registered])
        .when(cmd(day(2021, 1, 1), repeal(day(2016, 1, 1))))
        .then_expect_error(ReferenceError::InvalidPeriod {
            from: Some(day(2017, 8, 31)),
            to: day(2016, 1, 1),
        });
}

fn version(
    n: u32,
    from: chrono::NaiveDate,
    to: Option<chrono::NaiveDate>,
    cap: i64,
) -> RuleSetVersion {
    RuleSetVersion {
        version: n,
        category: SupportCategory::Training,
        basis: doc("124/2021/TT-BTC"),
        valid_from: from,
        valid_to: to,
        caps: vec![Cap::Amount(d(cap))],
    }
}

fn publish(from: chrono::NaiveDate, caps: Vec<Cap>) -> SupportRuleSetAction {
    SupportRuleSetAction::PublishVersion {
        category: SupportCategory::Training,
        basis: doc("124/2021/TT-BTC"),
        valid_from: from,
        valid_to: None,
        caps,
    }
}

#[test]
fn rule_set_versions_follow_each_other_and_the_one_in_force_answers() {
    type F = TestFramework<SupportRuleSet>;
    let published = |v: RuleSetVersion| SupportRuleSetEvent::RuleSetVersionPublished {
        effective_date: v.valid_from,
        version: v,
    };
    let first = published(version(1, day(2022, 2, 14), None, 100));
    F::with(())
        .given_no_previous_events()
        .when(cmd(
            day(2022, 2, 14),
            publish(day(2022, 2, 14), vec![Cap::Amount(d(100))]),
        ))
        .then_expect_events(vec![first.clone()]);
    let second = published(version(2, day(2023, 1, 1), None, 80));
    F::with(())
        .given(vec![first.clone()])
        .when(cmd(
            day(2023, 1, 1),
            publish(day(2023, 1, 1), vec![Cap::Amount(d(80))]),
        ))
        .then_expect_events(vec![second.clone()]);
    let mut rule_set = SupportRuleSet::default();
    cqrs_es::Aggregate::apply(&mut rule_set, first.clone());
    cqrs_es::Aggregate::apply(&mut rule_set, second);
    assert_eq!(
        rule_set.version_on(day(2022, 12, 31)).map(|v| v.version),
        Some(1)
    );
    assert_eq!(
        rule_set.version_on(day(2023, 1, 1)).map(|v| v.version),
        Some(2)
    );
    assert_eq!(rule_set.version_on(day(2022, 2, 13)), None);
    let check = |given: Vec<SupportRuleSetEvent>, action, error| {
        F::with(())
            .given(given)
            .when(cmd(day(2023, 1, 1), action))
            .then_expect_error(error);
    };
    check(
        vec![first.clone()],
        publish(day(2022, 2, 14), vec![Cap::Amount(d(1))]),
        ReferenceError::NotAfterPrevious {
            valid_from: day(2022, 2, 14),
            previous: Some(day(2022, 2, 14)),
        },
    );
    check(
        vec![],
        publish(day(2023, 1, 1), vec![]),
        ReferenceError::InvalidCaps {
            reason: "không có mức / no caps".into(),
        },
    );
    check(
        vec![],
        publish(
            day(2023, 1, 1),
            vec![Cap::ShareOfCost {
                basis_points: 20_000,
            }],
        ),
        ReferenceError::InvalidCaps {
            reason: "20000 điểm cơ bản > 100 %".into(),
        },
    );
    let backwards = SupportRuleSetAction::PublishVersion {
        category: SupportCategory::Training,
        basis: doc("124/2021/TT-BTC"),
        valid_from: day(2023, 1, 1),
        valid_to: Some(day(2022, 1, 1)),
        caps: vec![Cap::Amount(d(1))],
    };
    check(
        vec![],
        backwards,
        ReferenceError::InvalidPeriod {
            from: Some(day(2023, 1, 1)),
            to: day(2022, 1, 1),
        },
    );
    let other = SupportRuleSetAction::PublishVersion {
        category: SupportCategory::Credit,
        basis: doc("124/2021/TT-BTC"),
        valid_from: day(2023, 1, 1),
        valid_to: None,
        caps: vec![Cap::Amount(d(1))],
    };
    check(
        vec![first.clone()],
        other,
        ReferenceError::Mismatch {
            field: "rule set".into(),
            expected: "training:124/2021/TT-BTC".into(),
            given: "credit:124/2021/TT-BTC".into(),
        },
    );
    let end = |last_day| SupportRuleSetAction::End { last_day };
    F::with(())
        .given(vec![first.clone()])
        .when(cmd(day(2025, 12, 31), end(day(2025, 12, 31))))
        .then_expect_events(vec![SupportRuleSetEvent::RuleSetEnded {
            last_day: day(2025, 12, 31),
            effective_date: day(2025, 12, 31),
        }]);
    check(vec![], end(day(2025, 12, 31)), ReferenceError::NotRecorded);
    check(
        vec![first.clone()],
        end(day(2020, 1, 1)),
        ReferenceError::InvalidPeriod {
            from: Some(day(2022, 2, 14)),
            to: day(2020, 1, 1),
        },
    );
    let ended = SupportRuleSetEvent::RuleSetEnded {
        last_day: day(2024, 1, 1),
        effective_date: day(2024, 1, 1),
    };
    check(
        vec![first, ended],
        end(day(2025, 1, 1)),
        ReferenceError::AlreadyEnded {
            last_day: day(2024, 1, 1),
        },
    );
    assert!(RuleSetId::parse("training:124/2021/TT-BTC").is_ok());
    assert!(RuleSetId::parse("training:124/2021/tt-btc").is_err());
    assert!(RuleSetId::parse("cooking:124/2021/TT-BTC").is_err());
}

#[test]
fn administrative_units_change_without_rewriting_history() {
    type F = TestFramework<AdministrativeUnit>;
    let established = AdministrativeUnitEvent::AdministrativeUnitEstablished {
        code: "204".into(),
        name: "Hoành Bồ".into(),
        unit_type: UnitType::District,
        parent: Some("22".into()),
        valid_from: None,
        effective_date: day(2017, 1, 1),
    };
    let establish = AdministrativeUnitAction::Establish {
        code: "204".into(),
        name: "Hoành Bồ".into(),
        unit_type: UnitType::District,
        parent: Some("22".into()),
        valid_from: None,
    };
    F::with(())
        .given_no_previous_events()
        .when(cmd(day(2017, 1, 1), establish.clone()))
        .then_expect_events(vec![established.clone()]);
    F::with(())
        .given(vec![established.clone()])
        .when(cmd(day(2017, 1, 1), establish))
        .then_expect_error(ReferenceError::AlreadyRecorded { id: "204".into() });
    let bad = AdministrativeUnitAction::Establish {
        code: "2040".into(),
        name: "x".into(),
        unit_type: UnitType::District,
        parent: None,
        valid_from: None,
    };
    let error = F::with(())
        .given_no_previous_events()
        .when(cmd(day(2017, 1, 1), bad))
        .inspect_result()
        .unwrap_err();
    assert_eq!(error.rule(), crate::rules::RuleCode::Data01);
    let merge = |into: &str| AdministrativeUnitAction::MergeInto {
        into: into.into(),
        basis: doc("837/NQ-UBTVQH14"),
    };
    let merged = AdministrativeUnitEvent::AdministrativeUnitMerged {
        into: "193".into(),
        last_day: day(2019, 12, 31),
        basis: doc("837/NQ-UBTVQH14"),
        effective_date: day(2020, 1, 1),
    };
    F::with(())
        .given(vec![established.clone()])
        .when(cmd(day(2020, 1, 1), merge("193")))
        .then_expect_events(vec![merged.clone()]);
    let check = |given: Vec<AdministrativeUnitEvent>, date, action, error| {
        F::with(())
            .given(given)
            .when(cmd(date, action))
            .then_expect_error(error);
    };
    check(
        vec![established.clone()],
        day(2020, 1, 1),
        merge("204"),
        ReferenceError::InvalidId {
            id: "204".into(),
            reason: "sáp nhập vào chính nó / merged into itself".into(),
        },
    );
    check(
        vec![established.clone(), merged],
        day(2020, 6, 1),
        merge("193"),
        ReferenceError::AlreadyEnded {
            last_day: day(2019, 12, 31),
        },
    );
    check(
        vec![],
        day(2020, 1, 1),
        merge("193"),
        ReferenceError::NotRecorded,
    );
    let reclassify = AdministrativeUnitAction::Reclassify {
        name: "Hoành Bồ".into(),
        unit_type: UnitType::Town,
        basis: doc("1/NQ-UBTVQH14"),
    };
    let reclassified = AdministrativeUnitEvent::AdministrativeUnitReclassified {
        name: "Hoành Bồ".into(),
        unit_type: UnitType::Town,
        basis: doc("1/NQ-UBTVQH14"),
        effective_date: day(2019, 1, 1),
    };
    F::with(())
        .given(vec![established.clone()])
        .when(cmd(day(2019, 1, 1), reclassify.clone()))
        .then_expect_events(vec![reclassified.clone()]);
    check(
        vec![established.clone(), reclassified],
        day(2018, 1, 1),
        reclassify,
        ReferenceError::NotAfterPrevious {
            valid_from: day(2018, 1, 1),
            previous: Some(day(2019, 1, 1)),
        },
    );
    let absorb = |code: &str| AdministrativeUnitAction::Absorb {
        absorbed: code.into(),
        basis: doc("837/NQ-UBTVQH14"),
    };
    F::with(())
        .given(vec![established.clone()])
        .when(cmd(day(2020, 1, 1), absorb("205")))
        .then_expect_events(vec![AdministrativeUnitEvent::AdministrativeUnitExtended {
            absorbed: "205".into(),
            basis: doc("837/NQ-UBTVQH14"),
            effective_date: day(2020, 1, 1),
        }]);
    check(
        vec![established.clone()],
        day(2020, 1, 1),
        absorb("204"),
        ReferenceError::InvalidId {
            id: "204".into(),
            reason: "tự sáp nhập / absorbs itself".into(),
        },
    );
    F::with(())
        .given(vec![established])
        .when(cmd(
            day(2025, 7, 1),
            AdministrativeUnitAction::Abolish {
                basis: doc("76/2025/UBTVQH15"),
            },
        ))
        .then_expect_events(vec![AdministrativeUnitEvent::AdministrativeUnitAbolished {
            last_day: day(2025, 6, 30),
            basis: doc("76/2025/UBTVQH15"),
            effective_date: day(2025, 7, 1),
        }]);
}

#[test]
fn region_mappings_are_versioned_with_unassigned_units() {
    type F = TestFramework<RegionMapping>;
    let (_, command) = seed::region_mapping_2017(&seed_actor());
    let events = F::with(())
        .given_no_previous_events()
        .when(command.clone())
        .inspect_result()
        .unwrap();
    let mut mapping = RegionMapping::default();
    for event in events.clone() {
        cqrs_es::Aggregate::apply(&mut mapping, event);
    }
    assert_eq!(mapping.region_of("194", day(2018, 1, 1)), Region::East);
    assert_eq!(mapping.region_of("205", day(2018, 1, 1)), Region::West);
    assert_eq!(
        mapping.region_of("193", day(2018, 1, 1)),
        Region::Unassigned
    );
    assert_eq!(
        mapping.region_of("194", day(2017, 1, 1)),
        Region::Unassigned
    );
    F::with(())
        .given(events.clone())
        .when(command)
        .then_expect_error(ReferenceError::NotAfterPrevious {
            valid_from: day(2017, 8, 31),
            previous: Some(day(2017, 8, 31)),
        });
    let bad = RegionMappingAction::DefineVersion {
        valid_from: day(2018, 1, 1),
        assignments: [("22001".to_string(), Region::East)].into(),
        basis: "x".into(),
    };
    F::with(())
        .given(events)
        .when(cmd(day(2018, 1, 1), bad))
        .then_expect_error(ReferenceError::InvalidId {
            id: "22001".into(),
            reason: "mã huyện 3 chữ số / district codes have 3 digits".into(),
        });
}

#[test]
fn the_seed_loads_the_2017_units_and_their_later_changes() {
    let lookups = InMemoryLookups::seeded();
    let actor = seed_actor();
    for (id, command) in seed::dong_trieu_city_2024(&actor)
        .into_iter()
        .chain(seed::district_level_abolition_2025(&actor))
    {
        lookups
            .execute::<AdministrativeUnit>(&id, command, &())
            .unwrap();
    }
    let unit = |code: &str, date| lookups.get::<AdministrativeUnit>(code).snapshot_on(date);
    for (code, name, _) in seed::UNITS_2017 {
        assert_eq!(unit(code, day(2017, 9, 1)).unwrap().name, name);
    }
    assert!(unit("204", day(2019, 12, 31)).is_some());
    assert!(unit("204", day(2020, 1, 1)).is_none());
    assert_eq!(
        lookups.get::<AdministrativeUnit>("193").absorbed(),
        ["204".to_string()]
    );
    assert_eq!(
        unit("205", day(2024, 10, 31)).unwrap().unit_type,
        UnitType::Town
    );
    assert_eq!(
        unit("205", day(2024, 11, 1)).unwrap().unit_type,
        UnitType::City
    );
    assert!(unit("205", day(2025, 6, 30)).is_some());
    assert!(unit("205", day(2025, 7, 1)).is_none());
    assert_eq!(seed::district_level_abolition_2025(&actor).len(), 13);
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
