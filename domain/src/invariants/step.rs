//! How a step's numbers become one command on the world.

use chrono::{Days, NaiveDate};

use crate::code::CooperativeCode;
use crate::cooperative::{Cooperative, CooperativeAction as C, CooperativeEvent, DissolutionMode};
use crate::fixtures::{day, doc, person};
use crate::funding::{
    BudgetLine, BudgetLineAction as L, BudgetLineEvent, BudgetLineId, Purpose, RecordId,
    Settlement, SettlementAction as S, SettlementEvent, SupportCase, SupportCaseAction as K,
    SupportCaseEvent,
};
use crate::ledger::Role;
use crate::money::Dong;

use super::world::*;

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
