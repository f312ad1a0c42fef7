use crate::cooperative::{
    Address, ContentChange, CooperativeAction as A, CooperativeError as Error,
    CooperativeEvent as E, CooperativeStatus, FindingGround,
};
use crate::fixtures::*;
use crate::rules::{Finding, RuleCode};

use super::seeded;

pub(super) fn dissolving() -> E {
    E::VoluntaryDissolutionResolved {
        resolution: "NQ".into(),
        effective_date: day(2018, 3, 1),
    }
}

pub(super) fn dissolved() -> Vec<E> {
    vec![
        htx(1),
        dissolving(),
        E::DissolutionPublished {
            effective_date: day(2018, 3, 5),
        },
        E::CooperativeDissolved {
            mode: crate::cooperative::DissolutionMode::Dossier,
            effective_date: day(2018, 4, 1),
        },
    ]
}

#[test]
fn records_a_content_change_and_flags_one_filed_after_10_days() {
    let change = ContentChange::Name("HTX Dịch vụ Yên Đức".into());
    let action = |decided_on| A::ChangeRegisteredContent {
        change: change.clone(),
        decided_on,
    };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 11), action(day(2018, 1, 1))))
        .then_expect_events(vec![E::RegistrationContentChanged {
            change: change.clone(),
            decided_on: day(2018, 1, 1),
            effective_date: day(2018, 1, 11),
        }]);
    let detail =
        "quyết định 2018-01-01, đăng ký 2018-01-12: 11 ngày > 10 / filed 11 days after the change";
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 1, 12), action(day(2018, 1, 1))))
        .then_expect_events(vec![
            E::RegistrationContentChanged {
                change,
                decided_on: day(2018, 1, 1),
                effective_date: day(2018, 1, 12),
            },
            E::ComplianceFindingRaised {
                finding: Finding::new(RuleCode::Reg09, day(2018, 1, 12), detail),
                ground: FindingGround::LateChangeFiling {
                    decided_on: day(2018, 1, 1),
                },
            },
        ]);
}

#[test]
fn content_change_refusals() {
    let address = ContentChange::Address(Address::new("Thôn Mới", "204"));
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2020, 3, 1),
            A::ChangeRegisteredContent {
                change: address,
                decided_on: day(2020, 3, 1),
            },
        ))
        .then_expect_refusal(Error::UnitNotValid {
            unit: "204".into(),
            date: day(2020, 3, 1),
        });
    let raise = ContentChange::CharterCapital(d(600_000_000));
    seeded()
        .given(vec![htx(1), dissolving()])
        .when(cmd(
            day(2018, 3, 2),
            A::ChangeRegisteredContent {
                change: raise,
                decided_on: day(2018, 3, 2),
            },
        ))
        .then_expect_refusal(Error::CapitalRaiseWhileDissolving {
            current: "500.000.000 đ".into(),
            proposed: "600.000.000 đ".into(),
        });
    let lower = ContentChange::CharterCapital(d(400_000_000));
    let accepted = seeded()
        .given(vec![htx(1), dissolving()])
        .when(cmd(
            day(2018, 3, 2),
            A::ChangeRegisteredContent {
                change: lower.clone(),
                decided_on: day(2018, 3, 2),
            },
        ))
        .inspect_result();
    assert!(accepted.is_ok());
    seeded()
        .given(dissolved())
        .when(cmd(
            day(2018, 5, 1),
            A::ChangeRegisteredContent {
                change: lower.clone(),
                decided_on: day(2018, 5, 1),
            },
        ))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2017, 8, 1),
            A::ChangeRegisteredContent {
                change: lower,
                decided_on: day(2017, 8, 1),
            },
        ))
        .then_expect_refusal(Error::BeforeLastChange {
            effective_date: day(2017, 8, 1),
            last_change: day(2017, 9, 1),
        });
}

#[test]
fn corrects_a_record_even_after_the_end_but_only_when_something_changes() {
    let corrected = ContentChange::Name("Hợp tác xã Nông nghiệp Yên Đức 2".into());
    seeded()
        .given(dissolved())
        .when(cmd(
            day(2019, 1, 1),
            A::CorrectRecord {
                corrected: corrected.clone(),
                reason: " nhập sai ".into(),
            },
        ))
        .then_expect_events(vec![E::RegistrationRecordCorrected {
            previous: ContentChange::Name(content().name),
            corrected,
            reason: "nhập sai".into(),
            effective_date: day(2019, 1, 1),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2019, 1, 1),
            A::CorrectRecord {
                corrected: ContentChange::Name(content().name),
                reason: "x".into(),
            },
        ))
        .then_expect_refusal(Error::NothingToCorrect {
            field: "name".into(),
        });
    seeded()
        .given_no_previous_events()
        .when(cmd(
            day(2019, 1, 1),
            A::CorrectRecord {
                corrected: ContentChange::Name("A".into()),
                reason: "x".into(),
            },
        ))
        .then_expect_refusal(Error::NotRegistered);
}

#[test]
fn an_address_correction_is_checked_on_the_date_the_address_took_effect() {
    // Registered in 2017 in unit 205; corrected in 2021 to unit 204 (valid in 2017).
    let to_hoanh_bo = ContentChange::Address(Address::new("Thôn Đông", "204"));
    let accepted = seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2021, 1, 1),
            A::CorrectRecord {
                corrected: to_hoanh_bo,
                reason: "sai huyện".into(),
            },
        ))
        .inspect_result();
    assert!(accepted.is_ok());
    let nowhere = ContentChange::Address(Address::new("Thôn Đông", "999"));
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2021, 1, 1),
            A::CorrectRecord {
                corrected: nowhere,
                reason: "x".into(),
            },
        ))
        .then_expect_refusal(Error::UnitNotValid {
            unit: "999".into(),
            date: day(2017, 9, 1),
        });
}

#[test]
fn a_sector_is_recorded_changed_and_corrected() {
    use crate::cooperative::{Cooperative, Sector};
    use cqrs_es::Aggregate;

    let registered = E::CooperativeRegistered {
        code: code(1),
        kind: crate::cooperative::CooperativeKind::Cooperative,
        content: crate::cooperative::RegistrationContent {
            sector: Some(Sector::Fishing),
            ..content()
        },
        members: members(7),
        certificate_no: "GCN-01".into(),
        legacy_reg_no: None,
        origin: crate::cooperative::Origin::New,
        governing_law: crate::cooperative::law_on(day(2017, 9, 1)).citation.into(),
        effective_date: day(2017, 9, 1),
    };
    let mut coop = Cooperative::default();
    coop.apply(registered.clone());
    assert_eq!(coop.content().unwrap().sector, Some(Sector::Fishing));
    coop.apply(E::RegistrationContentChanged {
        change: ContentChange::Sector(Sector::TradeAndServices),
        decided_on: day(2018, 1, 1),
        effective_date: day(2018, 1, 5),
    });
    assert_eq!(
        coop.content().unwrap().sector,
        Some(Sector::TradeAndServices)
    );

    seeded()
        .given(vec![registered])
        .when(cmd(
            day(2018, 1, 5),
            A::CorrectRecord {
                corrected: ContentChange::Sector(Sector::Agriculture),
                reason: "nhập sai".into(),
            },
        ))
        .then_expect_events(vec![E::RegistrationRecordCorrected {
            previous: ContentChange::Sector(Sector::Fishing),
            corrected: ContentChange::Sector(Sector::Agriculture),
            reason: "nhập sai".into(),
            effective_date: day(2018, 1, 5),
        }]);
    // No sector recorded (an entry from before sectors): it is recorded by a change of
    // content, not corrected.
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 1, 5),
            A::CorrectRecord {
                corrected: ContentChange::Sector(Sector::Agriculture),
                reason: "nhập sai".into(),
            },
        ))
        .then_expect_refusal(Error::NothingToCorrect {
            field: "sector".into(),
        });
}

#[test]
fn an_entry_without_sector_decodes_and_re_encodes_to_the_same_bytes() {
    use crate::cooperative::Sector;
    use crate::ledger::to_canonical_vec;

    // The payload of a registration recorded before the registry recorded sectors.
    let old = r#"{"CooperativeRegistered":{"certificate_no":"GCN-01","code":"CODE","content":{"address":{"text":"Thôn Đông, xã Yên Đức","unit":"205"},"charter_capital":500000000,"name":"Hợp tác xã Nông nghiệp Yên Đức","representative":{"name":"Nguyễn Văn An","title":"Giám đốc"}},"effective_date":"2017-09-01","governing_law":"LAW","kind":"htx","legacy_reg_no":null,"members":{"associate":0,"member_cooperatives":0,"official":7},"origin":"New"}}"#
        .replace("CODE", code(1).as_str())
        .replace("LAW", crate::cooperative::law_on(day(2017, 9, 1)).citation);
    let old = old.as_str();
    let value: serde_json::Value = serde_json::from_str(old).unwrap();
    assert_eq!(
        to_canonical_vec(&value).unwrap(),
        old.as_bytes(),
        "the sample is canonical"
    );
    let event: E = serde_json::from_value(value).unwrap();
    let E::CooperativeRegistered { content, .. } = &event else {
        panic!("a registration");
    };
    assert_eq!(content.sector, None);
    let again = to_canonical_vec(&serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(std::str::from_utf8(&again).unwrap(), old);

    // With a sector, it is written by its stored name.
    let mut with_sector = serde_json::to_value(&event).unwrap();
    with_sector["CooperativeRegistered"]["content"]["sector"] = "clean-vegetables".into();
    let decoded: E = serde_json::from_value(with_sector.clone()).unwrap();
    let E::CooperativeRegistered { content, .. } = &decoded else {
        panic!("a registration");
    };
    assert_eq!(content.sector, Some(Sector::CleanVegetables));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), with_sector);
}
