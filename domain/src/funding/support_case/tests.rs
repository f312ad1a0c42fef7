//! Given/when/then tests of every support-case command.

use std::sync::Arc;

use cqrs_es::test::TestFramework;

use crate::cooperative::{Cooperative, CooperativeEvent, CooperativeStatus};
use crate::fixtures::*;
use crate::funding::{
    BudgetLine, BudgetLineEvent, BudgetLineId, Eligibility, RecordId, SupportCase,
    SupportCaseAction as A, SupportCaseError as Error, SupportCaseEvent as E, SupportCategory,
};
use crate::ledger::Role;
use crate::reference::{
    Cap, MemberTier, RuleSetId, SupportRuleSet, SupportRuleSetAction, SupportRuleSetEvent,
};
use crate::rules::RuleCode;
use crate::testing::InMemoryLookups;

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

fn case() -> RecordId {
    RecordId::new(2018, "SO-KHDT", "HS-1").unwrap()
}

fn rule_set() -> RuleSetId {
    RuleSetId::new(SupportCategory::Establishment, &doc("340/2016/TT-BTC"))
}

/// [`lookups_without_line`] and an estimate of 1 tỷ on [`line`].
fn lookups() -> Arc<InMemoryLookups> {
    let lookups = lookups_without_line();
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

/// Cooperative 1 (7 members) and a rule set from 01/3/2017 with the tiers of the Thừa Thiên
/// Huế example (research §3.2): 7-49 members 30 triệu, 50-199 40 triệu, 200+ 50 triệu; no
/// budget line.
fn lookups_without_line() -> Arc<InMemoryLookups> {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(code(1).as_str(), vec![htx(1)]);
    let publish = SupportRuleSetAction::PublishVersion {
        category: SupportCategory::Establishment,
        basis: doc("340/2016/TT-BTC"),
        valid_from: day(2017, 3, 1),
        valid_to: Some(day(2022, 2, 13)),
        caps: vec![Cap::PerMemberTier(vec![
            MemberTier {
                min_members: 7,
                cap: d(30_000_000),
            },
            MemberTier {
                min_members: 50,
                cap: d(40_000_000),
            },
            MemberTier {
                min_members: 200,
                cap: d(50_000_000),
            },
        ])],
    };
    lookups
        .execute::<SupportRuleSet>(rule_set().as_str(), cmd(day(2017, 3, 1), publish), &())
        .unwrap();
    lookups
}

fn with(lookups: &Arc<InMemoryLookups>) -> TestFramework<SupportCase> {
    TestFramework::with(lookups.services())
}

fn receive() -> A {
    A::ReceiveApplication {
        case: case(),
        line: line(),
        beneficiary: code(1),
        requested: d(35_000_000),
        eligible_cost: d(40_000_000),
        description: "Hỗ trợ thành lập mới".into(),
    }
}

fn received() -> E {
    E::SupportApplicationReceived {
        case: case(),
        line: line(),
        beneficiary: code(1),
        category: SupportCategory::Establishment,
        requested: d(35_000_000),
        eligible_cost: d(40_000_000),
        description: "Hỗ trợ thành lập mới".into(),
        received_by: clerk().user_id,
        effective_date: day(2018, 2, 1),
    }
}

fn approve(amount: i64) -> A {
    A::Approve {
        amount: d(amount),
        rule_set: rule_set(),
    }
}

#[test]
fn receives_an_application_once_for_a_line_of_the_same_unit_and_year() {
    let lookups = lookups();
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 2, 1), receive()))
        .then_expect_events(vec![received()]);
    with(&lookups)
        .given(vec![received()])
        .when(cmd(day(2018, 2, 1), receive()))
        .then_expect_refusal(Error::AlreadyReceived {
            case: case().to_id(),
        });
    let mut other_year = receive();
    if let A::ReceiveApplication { line, .. } = &mut other_year {
        *line =
            BudgetLineId::new(2019, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap();
    }
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 2, 1), other_year))
        .then_expect_refusal(Error::Mismatch {
            field: "year/unit".into(),
            expected: "2018/SO-KHDT".into(),
            given: "2019/SO-KHDT".into(),
        });
    let mut nothing = receive();
    if let A::ReceiveApplication { requested, .. } = &mut nothing {
        *requested = d(0);
    }
    with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 2, 1), nothing))
        .then_expect_refusal(Error::ZeroAmount);
}

#[test]
fn approves_within_the_cap_of_the_rule_set_in_force_recording_who_and_what_was_seen() {
    let lookups = lookups();
    let approver = person("nguyen.phe.duyet", Role::Approver);
    with(&lookups)
        .given(vec![received()])
        .when(by(&approver, day(2018, 2, 15), approve(30_000_000)))
        .then_expect_events(vec![E::SupportApproved {
            amount: d(30_000_000),
            rule_set: rule_set(),
            rule_set_version: 1,
            cap: d(30_000_000),
            eligibility: Eligibility {
                status: CooperativeStatus::Active,
                members: 7,
            },
            approved_by: "nguyen.phe.duyet".into(),
            effective_date: day(2018, 2, 15),
        }]);
}

#[test]
fn approval_refusals() {
    let lookups = lookups();
    let check = |given: Vec<E>, date, action, error| {
        with(&lookups)
            .given(given)
            .when(cmd(date, action))
            .then_expect_refusal(error);
    };
    check(
        vec![received()],
        day(2018, 2, 15),
        approve(30_000_001),
        Error::CapExceeded {
            amount: d(30_000_001),
            cap: d(30_000_000),
            requested: d(35_000_000),
            rule_set: rule_set(),
            version: 1,
        },
    );
    check(
        vec![received()],
        day(2022, 3, 1),
        approve(1),
        Error::NoRuleSetInForce {
            rule_set: rule_set(),
            date: day(2022, 3, 1),
        },
    );
    check(
        vec![received()],
        day(2018, 1, 31),
        approve(1),
        Error::DecidedBeforeApplication {
            received_on: day(2018, 2, 1),
            effective_date: day(2018, 1, 31),
        },
    );
    check(vec![], day(2018, 2, 15), approve(1), Error::NotReceived);
    check(
        vec![received()],
        day(2018, 2, 15),
        approve(0),
        Error::ZeroAmount,
    );
    let rejected = E::SupportRejected {
        reason: "thiếu hồ sơ".into(),
        rejected_by: "x".into(),
        effective_date: day(2018, 2, 10),
    };
    check(
        vec![received(), rejected],
        day(2018, 2, 15),
        approve(1),
        Error::AlreadyDecided {
            decision: "rejected".into(),
        },
    );
    let training = RuleSetId::new(SupportCategory::Training, &doc("340/2016/TT-BTC"));
    lookups.record::<SupportRuleSet>(
        training.as_str(),
        vec![SupportRuleSetEvent::RuleSetVersionPublished {
            version: crate::reference::RuleSetVersion {
                version: 1,
                category: SupportCategory::Training,
                basis: doc("340/2016/TT-BTC"),
                valid_from: day(2017, 3, 1),
                valid_to: None,
                caps: vec![Cap::Amount(d(100))],
            },
            effective_date: day(2017, 3, 1),
        }],
    );
    check(
        vec![received()],
        day(2018, 2, 15),
        A::Approve {
            amount: d(1),
            rule_set: training.clone(),
        },
        Error::RuleSetCategory {
            rule_set: training,
            category: "establishment".into(),
        },
    );
    let dissolving = CooperativeEvent::VoluntaryDissolutionResolved {
        resolution: "NQ".into(),
        effective_date: day(2018, 2, 10),
    };
    lookups.record::<Cooperative>(code(1).as_str(), vec![dissolving]);
    let error = with(&lookups)
        .given(vec![received()])
        .when(cmd(day(2018, 2, 15), approve(1)))
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        error.reason,
        Error::BeneficiaryNotActive {
            code: code(1),
            date: day(2018, 2, 15),
            status: Some(CooperativeStatus::Dissolving)
        }
    );
    assert_eq!(error.rule(), Some(RuleCode::Fin04));
    assert!(error.to_string().starts_with(
        "FIN-04 Chỉ hỗ trợ HTX đang hoạt động / support only to an active cooperative"
    ));
}

#[test]
fn rejects_an_application_once() {
    let lookups = lookups();
    let reject = A::Reject {
        reason: " thiếu hồ sơ ".into(),
    };
    with(&lookups)
        .given(vec![received()])
        .when(cmd(day(2018, 2, 10), reject.clone()))
        .then_expect_events(vec![E::SupportRejected {
            reason: "thiếu hồ sơ".into(),
            rejected_by: clerk().user_id,
            effective_date: day(2018, 2, 10),
        }]);
    let approved = E::SupportApproved {
        amount: d(1),
        rule_set: rule_set(),
        rule_set_version: 1,
        cap: d(1),
        eligibility: Eligibility {
            status: CooperativeStatus::Active,
            members: 7,
        },
        approved_by: "a".into(),
        effective_date: day(2018, 2, 5),
    };
    with(&lookups)
        .given(vec![received(), approved])
        .when(cmd(day(2018, 2, 10), reject.clone()))
        .then_expect_refusal(Error::AlreadyDecided {
            decision: "approved".into(),
        });
    with(&lookups)
        .given(vec![])
        .when(cmd(day(2018, 2, 10), reject))
        .then_expect_refusal(Error::NotReceived);
}

#[test]
fn only_an_approved_case_is_a_purpose_money_can_be_committed_to() {
    let mut case_aggregate = SupportCase::default();
    cqrs_es::Aggregate::apply(&mut case_aggregate, received());
    assert_eq!(case_aggregate.approved_purpose(), None);
}

/// FIN-16: an application is received, and a case approved, only on a budget line that has an
/// estimate (giao dự toán comes first).
#[test]
fn an_application_needs_a_line_with_an_estimate() {
    let lookups = lookups_without_line();
    let refused = with(&lookups)
        .given_no_previous_events()
        .when(cmd(day(2018, 2, 1), receive()))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.rule(), Some(RuleCode::Fin16), "{refused}");
    assert_eq!(
        refused.reason,
        Error::LineNotOpened {
            line: line().to_id()
        }
    );
    assert!(
        refused.to_string().contains(
            "dòng 2018/SO-KHDT/NS-TINH/establishment chưa được giao dự toán / no estimate assigned to line 2018/SO-KHDT/NS-TINH/establishment"
        ),
        "{refused}"
    );
}

#[test]
fn an_approval_needs_a_line_with_an_estimate() {
    let lookups = lookups_without_line();
    let approver = person("nguyen.phe.duyet", Role::Approver);
    let refused = with(&lookups)
        .given(vec![received()])
        .when(by(&approver, day(2018, 2, 15), approve(30_000_000)))
        .inspect_result()
        .unwrap_err();
    assert_eq!(refused.rule(), Some(RuleCode::Fin16), "{refused}");
    assert_eq!(
        refused.reason,
        Error::LineNotOpened {
            line: line().to_id()
        }
    );
}
