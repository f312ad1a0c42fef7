//! The ids and histories the cases share: one support line and one training line of 2018,
//! case HS-1 approved for 30 triệu by [`approver`] for cooperative 1, a settlement of the
//! line's unit; [`payer`] records payments.

use std::sync::Arc;

use crate::cooperative::{Cooperative, CooperativeEvent, CooperativeStatus};
use crate::fixtures::{code, d, day, doc, htx, person};
use crate::funding::{
    BudgetLine, BudgetLineEvent as E, BudgetLineId, Eligibility, Purpose, RecordId, Settlement,
    SettlementEvent, SettlementId, SupportCase, SupportCaseEvent, SupportCategory,
};
use crate::ledger::{Actor, Role};
use crate::money::Dong;
use crate::reference::{Cap, RuleSetId, SupportRuleSet, SupportRuleSetEvent};
use crate::services::Services;
use crate::testing::InMemoryLookups;

pub(super) fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

pub(super) fn training_line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-NNPTNT", "NTM-1600", SupportCategory::Training).unwrap()
}

pub(super) fn case_id(serial: &str) -> RecordId {
    RecordId::new(2018, "SO-KHDT", serial).unwrap()
}

pub(super) fn case(serial: &str) -> Purpose {
    Purpose::SupportCase(case_id(serial))
}

pub(super) fn class_id() -> RecordId {
    RecordId::new(2018, "SO-NNPTNT", "L03").unwrap()
}

pub(super) fn settlement_id() -> SettlementId {
    SettlementId::new(2018, "SO-KHDT").unwrap()
}

pub(super) fn rule_set() -> RuleSetId {
    RuleSetId::new(SupportCategory::Establishment, &doc("340/2016/TT-BTC"))
}

pub(super) fn approver() -> Actor {
    person("nguyen.phe.duyet", Role::Approver)
}

pub(super) fn payer() -> Actor {
    person("tran.ke.toan", Role::Officer)
}

pub(super) fn estimated(line: &BudgetLineId, entry: u32, amount: i64) -> E {
    E::EstimateAssigned {
        entry,
        line: line.clone(),
        amount: d(amount),
        decision: doc("899/2017/QĐ-UBND"),
        effective_date: day(2018, 1, 5),
    }
}

pub(super) fn allocated(entry: u32, recipient: &str, amount: i64) -> E {
    E::AllocationMade {
        entry,
        recipient: recipient.into(),
        amount: d(amount),
        effective_date: day(2018, 1, 10),
    }
}

pub(super) fn committed(entry: u32, amount: i64) -> E {
    E::SupportCommitted {
        entry,
        purpose: case("HS-1"),
        recipient: "205".into(),
        beneficiary: Some(code(1)),
        amount: d(amount),
        approved_by: approver().user_id,
        effective_date: day(2018, 3, 1),
    }
}

pub(super) fn advanced(entry: u32, amount: i64) -> E {
    E::AdvancePaid {
        entry,
        purpose: case("HS-1"),
        amount: d(amount),
        reference: "TU-1".into(),
        paid_by: payer().user_id,
        adjustment_period: false,
        effective_date: day(2018, 3, 15),
    }
}

pub(super) fn paid(entry: u32, amount: i64) -> E {
    E::PaymentMade {
        entry,
        purpose: case("HS-1"),
        amount: d(amount),
        voucher: "GRDT-1".into(),
        paid_by: payer().user_id,
        adjustment_period: false,
        effective_date: day(2018, 4, 1),
    }
}

pub(super) fn returned(entry: u32, against_entry: u32, amount: i64) -> E {
    E::FundsReturned {
        entry,
        against_entry,
        amount: d(amount),
        document: "C2-05a".into(),
        after_settlement: false,
        effective_date: day(2018, 5, 1),
    }
}

/// Estimate 1 tỷ, 600 triệu allocated to Đông Triều (205), HS-1 committed for 30 triệu.
pub(super) fn open_line() -> Vec<E> {
    vec![
        estimated(&line(), 1, 1_000_000_000),
        allocated(2, "205", 600_000_000),
        committed(3, 30_000_000),
    ]
}

/// [`open_line`] with an advance of 10 triệu (entry 4) and a payment of 15 triệu (entry 5).
pub(super) fn spent_line() -> Vec<E> {
    let mut events = open_line();
    events.push(advanced(4, 10_000_000));
    events.push(paid(5, 15_000_000));
    events
}

/// The events of a support case received on 01/2/2018 on `line` for cooperative 1, and, with
/// `approved`, approved for that amount by [`approver`] on 15/2/2018.
pub(super) fn case_events(line: &BudgetLineId, approved: Option<i64>) -> Vec<SupportCaseEvent> {
    let mut events = vec![SupportCaseEvent::SupportApplicationReceived {
        case: case_id("HS-1"),
        line: line.clone(),
        beneficiary: code(1),
        category: line.category,
        requested: d(35_000_000),
        eligible_cost: d(40_000_000),
        description: "Hỗ trợ thành lập mới".into(),
        received_by: "van.thu".into(),
        effective_date: day(2018, 2, 1),
    }];
    if let Some(amount) = approved {
        events.push(SupportCaseEvent::SupportApproved {
            amount: d(amount),
            rule_set: rule_set(),
            rule_set_version: 1,
            cap: d(amount),
            eligibility: Eligibility {
                status: CooperativeStatus::Active,
                members: 7,
            },
            approved_by: approver().user_id,
            effective_date: day(2018, 2, 15),
        });
    }
    events
}

pub(super) fn settlement_events(approved: bool) -> Vec<SettlementEvent> {
    let on = day(2019, 3, 1);
    let mut events = vec![
        SettlementEvent::SettlementSubmitted {
            settlement: settlement_id(),
            lines: vec![line()],
            submitted_by: "a".into(),
            effective_date: on,
        },
        SettlementEvent::SettlementAppraised {
            disallowed: Dong::ZERO,
            notes: String::new(),
            appraised_by: "b".into(),
            effective_date: on,
        },
    ];
    if approved {
        events.push(SettlementEvent::SettlementApproved {
            approved_by: "le.tai.chinh".into(),
            effective_date: on,
        });
    }
    events
}

/// The programme as the cases read it: the seeded units, cooperative 1 active since
/// 01/9/2017, the establishment rule set (30 triệu from 01/3/2017), both lines with their
/// estimate ([`spent_line`] on the support line) and HS-1 approved for 30 triệu.
pub(super) fn programme() -> Arc<InMemoryLookups> {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(code(1).as_str(), vec![htx(1)]);
    lookups.record::<SupportRuleSet>(
        rule_set().as_str(),
        vec![SupportRuleSetEvent::RuleSetVersionPublished {
            version: crate::reference::RuleSetVersion {
                version: 1,
                category: SupportCategory::Establishment,
                basis: doc("340/2016/TT-BTC"),
                valid_from: day(2017, 3, 1),
                valid_to: None,
                caps: vec![Cap::Amount(d(30_000_000))],
            },
            effective_date: day(2017, 3, 1),
        }],
    );
    lookups.record::<BudgetLine>(&line().to_id(), spent_line());
    lookups.record::<BudgetLine>(
        &training_line().to_id(),
        vec![estimated(&training_line(), 1, 1_000_000_000)],
    );
    lookups.record::<SupportCase>(
        &case_id("HS-1").to_id(),
        case_events(&line(), Some(30_000_000)),
    );
    lookups
}

/// [`programme`] with cooperative 1 suspended from 20/2/2018 to 01/8/2018.
pub(super) fn suspended() -> Services {
    let lookups = programme();
    lookups.record::<Cooperative>(
        code(1).as_str(),
        vec![CooperativeEvent::BusinessSuspended {
            until: day(2018, 8, 1),
            effective_date: day(2018, 2, 20),
        }],
    );
    lookups.services()
}

/// [`programme`] with the 2018 settlement of SO-KHDT approved on 01/3/2019.
pub(super) fn closed() -> Services {
    let lookups = programme();
    lookups.record::<Settlement>(&settlement_id().to_id(), settlement_events(true));
    lookups.services()
}

pub(super) fn services() -> Services {
    programme().services()
}
