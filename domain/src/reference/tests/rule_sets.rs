use cqrs_es::test::TestFramework;

use crate::fixtures::*;
use crate::funding::SupportCategory;

use super::super::*;

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
            .then_expect_refusal(error);
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
