use cqrs_es::test::TestFramework;

use crate::fixtures::*;
use crate::testing::InMemoryLookups;

use super::super::*;
use super::seed_actor;

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
        .then_expect_refusal(ReferenceError::AlreadyRecorded { id: "204".into() });
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
    assert_eq!(error.rule(), Some(crate::rules::RuleCode::Data01));
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
            .then_expect_refusal(error);
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
        .then_expect_refusal(ReferenceError::NotAfterPrevious {
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
        .then_expect_refusal(ReferenceError::InvalidId {
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
