//! The world the random steps act on: three cooperatives, two budget lines of one unit,
//! five support cases (three approved and committed), one settlement.

use std::sync::Arc;

use crate::code::CooperativeCode;
use crate::cooperative::Cooperative;
use crate::fixtures::{code, day, doc, htx, person};
use crate::funding::{
    BudgetLine, BudgetLineAction as L, BudgetLineId, Purpose, RecordId, SettlementId, SupportCase,
    SupportCaseAction as K, SupportCategory,
};
use crate::ledger::{Actor, Role};
use crate::money::Dong;
use crate::reference::{Cap, RuleSetId, SupportRuleSet, SupportRuleSetAction};
use crate::services::Services;
use crate::testing::InMemoryLookups;
pub(super) const PEOPLE: [&str; 3] = ["an", "binh", "chi"];
pub(super) const RECIPIENTS: [&str; 2] = ["205", "SO-NNPTNT"];
pub(super) const COOPS: u32 = 3;
/// Cases 0-2 are approved by `an` and committed when the world starts; 3-4 start empty.
pub(super) const CASES: u32 = 5;
pub(super) const PREPARED: u32 = 3;

pub(super) fn lines() -> [BudgetLineId; 2] {
    [
        BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap(),
        BudgetLineId::new(2018, "SO-KHDT", "NTM-1600", SupportCategory::Training).unwrap(),
    ]
}

pub(super) fn settlement_id() -> SettlementId {
    SettlementId::new(2018, "SO-KHDT").unwrap()
}

pub(super) fn case_id(k: u32) -> RecordId {
    RecordId::new(2018, "SO-KHDT", &format!("HS-{k}")).unwrap()
}

pub(super) fn rule_set(category: SupportCategory) -> RuleSetId {
    RuleSetId::new(category, &doc("340/2016/TT-BTC"))
}

pub(super) fn coop(n: u32) -> CooperativeCode {
    code(n % COOPS + 1)
}

pub(super) fn millions(n: u32) -> Dong {
    Dong::new(i64::from(n) * 1_000_000).unwrap()
}

pub(super) struct World {
    pub(super) lookups: Arc<InMemoryLookups>,
    pub(super) services: Services,
}

impl World {
    pub(super) fn new() -> World {
        let lookups = InMemoryLookups::seeded();
        let services = lookups.services();
        let admin = Actor::new("seed", Role::Admin, None);
        for n in 1..=COOPS {
            lookups.record::<Cooperative>(code(n).as_str(), vec![htx(n)]);
        }
        for line in lines() {
            let publish = SupportRuleSetAction::PublishVersion {
                category: line.category,
                basis: doc("340/2016/TT-BTC"),
                valid_from: day(2017, 3, 1),
                valid_to: None,
                caps: vec![Cap::Amount(millions(30))],
            };
            let command = crate::command::Command::new(day(2017, 3, 1), admin.clone(), publish);
            lookups
                .execute::<SupportRuleSet>(rule_set(line.category).as_str(), command, &())
                .unwrap();
            let estimate = L::AssignEstimate {
                line: line.clone(),
                amount: millions(60),
                decision: doc("899/2017/QĐ-UBND"),
            };
            let command = crate::command::Command::new(day(2018, 1, 2), admin.clone(), estimate);
            lookups
                .execute::<BudgetLine>(&line.to_id(), command, &services)
                .unwrap();
        }
        let world = World { lookups, services };
        world.prepare_cases(&admin);
        world
    }

    /// 20 triệu allocated to each recipient on each line; cases 0-2 received, approved for
    /// 10 triệu by `an` and committed: on line 0, cases 0 and 2 commit all of 205's allocation
    /// (FIN-01 lets commitments reach the allocation, not pass it).
    fn prepare_cases(&self, admin: &Actor) {
        for line in lines() {
            for recipient in RECIPIENTS {
                let allocate = L::Allocate {
                    recipient: recipient.into(),
                    amount: millions(20),
                };
                self.lookups
                    .execute::<BudgetLine>(
                        &line.to_id(),
                        crate::command::Command::new(day(2018, 1, 3), admin.clone(), allocate),
                        &self.services,
                    )
                    .unwrap();
            }
        }
        let approver = person(PEOPLE[0], Role::Approver);
        for k in 0..PREPARED {
            let line = lines()[k as usize % 2].clone();
            let id = case_id(k).to_id();
            let receive = K::ReceiveApplication {
                case: case_id(k),
                line: line.clone(),
                beneficiary: coop(k),
                requested: millions(30),
                eligible_cost: millions(40),
                description: "d".into(),
            };
            self.lookups
                .execute::<SupportCase>(
                    &id,
                    crate::command::Command::new(day(2018, 1, 4), admin.clone(), receive),
                    &self.services,
                )
                .unwrap();
            let approve = K::Approve {
                amount: millions(10),
                rule_set: rule_set(line.category),
            };
            self.lookups
                .execute::<SupportCase>(
                    &id,
                    crate::command::Command::new(day(2018, 1, 5), approver.clone(), approve),
                    &self.services,
                )
                .unwrap();
            let commit = L::Commit {
                purpose: Purpose::SupportCase(case_id(k)),
                recipient: RECIPIENTS[k as usize % 2].into(),
            };
            self.lookups
                .execute::<BudgetLine>(
                    &line.to_id(),
                    crate::command::Command::new(day(2018, 1, 6), admin.clone(), commit),
                    &self.services,
                )
                .unwrap();
        }
    }

    pub(super) fn line(&self, i: u32) -> BudgetLine {
        self.lookups
            .get::<BudgetLine>(&lines()[i as usize % 2].to_id())
    }
}
