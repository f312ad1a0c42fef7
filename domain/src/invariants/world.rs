//! The world the random steps act on: three cooperatives, two budget lines of one unit,
//! five support cases (three approved and committed), one settlement; and how a step's
//! numbers become one command.

use std::sync::Arc;

use chrono::{Days, NaiveDate};

use crate::code::CooperativeCode;
use crate::cooperative::{Cooperative, CooperativeAction as C, CooperativeEvent, DissolutionMode};
use crate::fixtures::{code, day, doc, htx, person};
use crate::funding::{
    BudgetLine, BudgetLineAction as L, BudgetLineEvent, BudgetLineId, Purpose, RecordId,
    Settlement, SettlementAction as S, SettlementEvent, SettlementId, SupportCase,
    SupportCaseAction as K, SupportCaseEvent, SupportCategory,
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
    /// 30 triệu by `an` and committed, so allocations (not approvals) bind.
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
                amount: millions(30),
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

/// One step: what to do, to whom, how many days after the previous step, by whom, and a
/// free parameter.
pub(super) type Step = (u8, u32, u32, u32, u32);

/// The steps' dates: from 06/01/2018 on, each step a few days after the previous one.
pub(super) fn dates(steps: &[Step]) -> Vec<NaiveDate> {
    let mut date = day(2018, 1, 6);
    steps
        .iter()
        .map(|(_, _, delta, _, _)| {
            date = date + Days::new(u64::from(*delta));
            date
        })
        .collect()
}

pub(super) fn step(world: &World, (kind, target, _, who, p): Step, date: NaiveDate) -> Outcome {
    let actor = person(PEOPLE[who as usize % 3], Role::Officer);
    let lookups = &world.lookups;
    let services = &world.services;
    let on_coop = |action: C| {
        let id = coop(target);
        let result = lookups.execute::<Cooperative>(
            id.as_str(),
            crate::command::Command::new(date, actor.clone(), action),
            services,
        );
        Outcome::Cooperative(id, result.ok())
    };
    let case = p % CASES;
    let purpose = Purpose::SupportCase(case_id(case));
    // Money for a case moves on the case's line; other line steps pick a line by `target`.
    let line_id = &lines()[if (15..=17).contains(&(kind % 27)) {
        case
    } else {
        target
    } as usize
        % 2];
    // One of the line's last four entries.
    let entries = lookups.get::<BudgetLine>(&line_id.to_id()).entries().len();
    let recent = u32::try_from(entries.saturating_sub((p % 4) as usize)).unwrap_or(0);
    let on_line = |action: L| {
        let result = lookups.execute::<BudgetLine>(
            &line_id.to_id(),
            crate::command::Command::new(date, actor.clone(), action),
            services,
        );
        Outcome::Line(line_id.clone(), date, result.ok())
    };
    let on_case = |action: K| {
        let id = case_id(target % CASES);
        let result = lookups.execute::<SupportCase>(
            &id.to_id(),
            crate::command::Command::new(date, actor.clone(), action),
            services,
        );
        Outcome::Case(id, date, result.ok())
    };
    // Settlements come after the year (the domain would also take them earlier).
    let settled_on = date.max(day(2019, 1, 5));
    // Settlements may also be acted on by a fourth person, who never pays or approves.
    let finance = person(
        ["an", "binh", "chi", "dung"][(p % 4) as usize],
        Role::Finance,
    );
    let on_settlement = |action: S| {
        let result = lookups.execute::<Settlement>(
            &settlement_id().to_id(),
            crate::command::Command::new(settled_on, finance.clone(), action),
            services,
        );
        Outcome::Settlement(result.ok())
    };
    match kind % 27 {
        0 => on_coop(C::Suspend {
            until: date + Days::new(u64::from(p % 400)),
        }),
        1 => on_coop(C::Resume),
        2 => on_coop(C::ResolveDissolution {
            resolution: "NQ".into(),
        }),
        3 => on_coop(C::PublishDissolution),
        4 => on_coop(C::CompleteDissolution {
            mode: if p % 2 == 0 {
                DissolutionMode::Dossier
            } else {
                DissolutionMode::SixMonthsElapsed
            },
        }),
        5 => on_coop(C::CancelDissolution {
            resolution: "NQ".into(),
        }),
        6 => on_coop(C::RevokeCertificate {
            ground: "g".into(),
            tax_enforcement: p % 2 == 0,
            decision: doc("1/QĐ-UBND"),
        }),
        7 => on_coop(C::AnnulRevocation {
            reason: "r".into(),
            decision: doc("2/QĐ-UBND"),
        }),
        8 => on_coop(C::OpenBankruptcy {
            court: "TAND".into(),
            decision: "1".into(),
        }),
        9 => on_coop(C::DeclareBankruptcy {
            court: "TAND".into(),
            decision: "2".into(),
        }),
        10 => on_coop(C::RecordMembership {
            members: crate::fixtures::members(3 + p % 8),
        }),
        11 => on_coop(C::MarkNotOperatingAtAddress {
            tax_notice: "t".into(),
        }),
        12 => on_coop(C::ClearNotOperatingAtAddress {
            tax_notice: "t".into(),
        }),
        13 => on_line(L::Allocate {
            recipient: RECIPIENTS[p as usize % 2].into(),
            amount: millions(p % 12 + 1),
        }),
        14 => on_line(L::AssignEstimate {
            line: line_id.clone(),
            amount: millions(p % 30 + 1),
            decision: doc("3/QĐ-UBND"),
        }),
        15 => on_line(L::Commit {
            purpose,
            recipient: RECIPIENTS[(p / 4) as usize % 2].into(),
        }),
        16 => on_line(L::PayAdvance {
            purpose,
            amount: millions(p % 9 + 1),
            reference: "TU".into(),
        }),
        17 => on_line(L::MakePayment {
            purpose,
            amount: millions(p % 9 + 1),
            voucher: "GRDT".into(),
        }),
        18 => on_line(L::SettleAdvance {
            advance_entry: recent,
            amount: millions(p % 10 + 1),
        }),
        19 => on_line(L::ReturnFunds {
            against_entry: recent,
            amount: millions(p % 10 + 1),
            document: "C2-05a".into(),
        }),
        20 => on_line(L::Reverse {
            entry: recent,
            reason: "sai".into(),
        }),
        21 => {
            let k = target % CASES;
            let line = lines()[k as usize % 2].clone();
            on_case(K::ReceiveApplication {
                case: case_id(k),
                line,
                beneficiary: coop(p),
                requested: millions(p % 40 + 1),
                eligible_cost: millions(40),
                description: "d".into(),
            })
        }
        22 => {
            let category = lines()[(target % CASES) as usize % 2].category;
            on_case(K::Approve {
                amount: millions(p % 35 + 1),
                rule_set: rule_set(category),
            })
        }
        23 => on_case(K::Reject { reason: "r".into() }),
        24 => on_settlement(S::Submit {
            settlement: settlement_id(),
            lines: lines().to_vec(),
        }),
        25 => on_settlement(S::Appraise {
            disallowed: Dong::ZERO,
            notes: "n".into(),
        }),
        _ => on_settlement(S::Approve),
    }
}

pub(super) enum Outcome {
    Cooperative(CooperativeCode, Option<Vec<CooperativeEvent>>),
    Line(BudgetLineId, NaiveDate, Option<Vec<BudgetLineEvent>>),
    Case(RecordId, NaiveDate, Option<Vec<SupportCaseEvent>>),
    Settlement(Option<Vec<SettlementEvent>>),
}
