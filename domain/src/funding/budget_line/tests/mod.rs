//! Given/when/then tests of every budget-line command: the accepted path and each refusal.

mod budget;
mod corrections;
mod every;
mod spending;

use std::sync::Arc;

use chrono::NaiveDate;
use cqrs_es::test::TestFramework;

use crate::cooperative::{Cooperative, CooperativeEvent};
use crate::fixtures::*;
use crate::funding::{
    BudgetLine, BudgetLineEvent as E, BudgetLineId, Purpose, RecordId, Settlement, SettlementEvent,
    SettlementId, SupportCase, SupportCaseEvent, SupportCategory,
};
use crate::ledger::{Actor, Role};
use crate::money::Dong;
use crate::reference::RuleSetId;
use crate::testing::InMemoryLookups;

pub(super) fn line_id() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

pub(super) fn approver() -> Actor {
    person("nguyen.phe.duyet", Role::Approver)
}

pub(super) fn payer() -> Actor {
    person("tran.ke.toan", Role::Officer)
}

pub(super) fn case_id(serial: &str) -> RecordId {
    RecordId::new(2018, "SO-KHDT", serial).unwrap()
}

pub(super) fn case(serial: &str) -> Purpose {
    Purpose::SupportCase(case_id(serial))
}

/// Lookups with cooperative 1 active since 2017 and case HS-1 approved for 30 triệu by the
/// approver on line [`line_id`].
pub(super) fn lookups() -> Arc<InMemoryLookups> {
    let lookups = InMemoryLookups::seeded();
    lookups.record::<Cooperative>(code(1).as_str(), vec![htx(1)]);
    approve_case(&lookups, "HS-1", &line_id(), 30_000_000);
    lookups
}

pub(super) fn approve_case(
    lookups: &InMemoryLookups,
    serial: &str,
    line: &BudgetLineId,
    amount: i64,
) {
    lookups.record::<SupportCase>(
        &case_id(serial).to_id(),
        vec![
            SupportCaseEvent::SupportApplicationReceived {
                case: case_id(serial),
                line: line.clone(),
                beneficiary: code(1),
                category: line.category,
                requested: d(amount),
                eligible_cost: d(amount),
                description: "hỗ trợ thành lập".into(),
                received_by: "van.thu".into(),
                effective_date: day(2018, 2, 1),
            },
            SupportCaseEvent::SupportApproved {
                amount: d(amount),
                rule_set: RuleSetId::new(line.category, &doc("340/2016/TT-BTC")),
                rule_set_version: 1,
                cap: d(amount),
                eligibility: crate::funding::Eligibility {
                    status: crate::cooperative::CooperativeStatus::Active,
                    members: 7,
                },
                approved_by: approver().user_id,
                effective_date: day(2018, 2, 15),
            },
        ],
    );
}

pub(super) fn suspend_cooperative(lookups: &InMemoryLookups, from: NaiveDate, until: NaiveDate) {
    lookups.record::<Cooperative>(
        code(1).as_str(),
        vec![CooperativeEvent::BusinessSuspended {
            until,
            effective_date: from,
        }],
    );
}

pub(super) fn approve_settlement(lookups: &InMemoryLookups, on: NaiveDate) {
    let id = SettlementId::new(2018, "SO-KHDT").unwrap();
    lookups.record::<Settlement>(
        &id.to_id(),
        vec![
            SettlementEvent::SettlementSubmitted {
                settlement: id.clone(),
                lines: vec![line_id()],
                submitted_by: "a".into(),
                effective_date: on,
            },
            SettlementEvent::SettlementAppraised {
                disallowed: Dong::ZERO,
                notes: String::new(),
                appraised_by: "b".into(),
                effective_date: on,
            },
            SettlementEvent::SettlementApproved {
                approved_by: "le.tai.chinh".into(),
                effective_date: on,
            },
        ],
    );
}

pub(super) fn with(lookups: &Arc<InMemoryLookups>) -> TestFramework<BudgetLine> {
    TestFramework::with(lookups.services())
}

pub(super) fn estimated(entry: u32, amount: i64) -> E {
    E::EstimateAssigned {
        entry,
        line: line_id(),
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

pub(super) fn committed(entry: u32, serial: &str, amount: i64) -> E {
    E::SupportCommitted {
        entry,
        purpose: case(serial),
        recipient: "205".into(),
        beneficiary: Some(code(1)),
        amount: d(amount),
        approved_by: approver().user_id,
        effective_date: day(2018, 3, 1),
    }
}

pub(super) fn advanced(entry: u32, amount: i64, date: NaiveDate) -> E {
    E::AdvancePaid {
        entry,
        purpose: case("HS-1"),
        amount: d(amount),
        reference: "TU-1".into(),
        paid_by: payer().user_id,
        adjustment_period: false,
        effective_date: date,
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

/// Estimate 1 tỷ, 600 triệu allocated to Đông Triều (205), case HS-1 committed for 30 triệu.
pub(super) fn open_line() -> Vec<E> {
    vec![
        estimated(1, 1_000_000_000),
        allocated(2, "205", 600_000_000),
        committed(3, "HS-1", 30_000_000),
    ]
}
