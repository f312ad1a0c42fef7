//! The funding storylines of one year: estimates and allocations per line, support cases
//! (approved or rejected; paid outright, through an advance, or paid and partly returned),
//! the 20 training classes, reviews of advances and the settlement of each unit after the
//! adjustment period. Also the imperfections: a class of 28 learners, a class record corrected
//! back-dated, an advance not cleared by 31/01, and a payment to a dissolved cooperative.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::document::DocumentNumber;
use domain::funding::{
    BudgetLineAction as L, BudgetLineId, Purpose, RecordId, SettlementAction, SettlementId,
    SupportCaseAction, SupportCategory as C, TrainingClassAction,
};
use domain::money::Dong;
use domain::reference::Region;
use domain::rules::RuleCode;

use super::people::{appraiser, approver, finance_director, officer, payer};
use super::reference::rule_set_id;
use super::registry::{stable, unit_on};
use super::{Rank, World, after, by, day, some_day};
use crate::ScenarioError;
use crate::names::{EAST, UNASSIGNED, WEST};
use crate::params::{CLASS_COST_AVERAGE, LEARNERS_PER_CLASS_AVERAGE};
use crate::rng::Rng;
use crate::step::{Expect, StepCommand};

/// Support lines: (budget unit, funding source, category, share of the year's cases).
/// Sources: NTM-1600 (QĐ 1600/QĐ-TTg), TW-2261 (QĐ 2261/QĐ-TTg), NS-TINH (provincial budget,
/// NQ 45/2016/NQ-HĐND, QĐ 899/2017/QĐ-UBND), QUY-KHCN (the provincial S&T fund).
const SUPPORT_LINES: [(&str, &str, C, u32); 6] = [
    ("SO-KHDT", "TW-2261", C::Establishment, 25),
    ("SO-KHDT", "NS-TINH", C::Reorganisation, 10),
    ("SO-KHDT", "NS-TINH", C::TradePromotion, 20),
    ("SO-NNPTNT", "NTM-1600", C::Processing, 15),
    ("SO-NNPTNT", "NS-TINH", C::LandInfrastructure, 15),
    ("SO-KHCN", "QUY-KHCN", C::ScienceTechnology, 15),
];

/// The two training organisers: Sở NN&PTNT in the east, Liên minh HTX mainly in the west.
const TRAINERS: [&str; 2] = ["SO-NNPTNT", "LM-HTX"];
const TRAINING_SOURCE: &str = "NTM-1600";

/// The budget units that settle a year.
const UNITS: [&str; 4] = ["SO-KHDT", "SO-NNPTNT", "LM-HTX", "SO-KHCN"];

fn dong(amount: i64) -> Dong {
    Dong::new(amount).expect("a non-negative amount")
}

fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).expect("a document number")
}

fn line_id(year: i32, unit: &str, source: &str, category: C) -> BudgetLineId {
    BudgetLineId::new(year, unit, source, category).expect("a valid line id")
}

fn round_up(amount: i64, to: i64) -> i64 {
    (amount + to - 1) / to * to
}

fn description(category: C) -> &'static str {
    match category {
        C::Establishment => {
            "Hỗ trợ thành lập mới: tư vấn xây dựng điều lệ, phương án sản xuất kinh doanh"
        }
        C::Reorganisation => "Hỗ trợ tổ chức lại hoạt động theo Luật HTX 2012",
        C::TradePromotion => "Hỗ trợ xúc tiến thương mại, tham gia hội chợ, xây dựng thương hiệu",
        C::Processing => "Hỗ trợ đầu tư dây chuyền sơ chế, chế biến sản phẩm",
        C::LandInfrastructure => "Hỗ trợ đầu tư kết cấu hạ tầng vùng sản xuất tập trung",
        C::ScienceTechnology => "Hỗ trợ ứng dụng tiến bộ khoa học kỹ thuật, chuyển giao công nghệ",
        _ => "Hỗ trợ phát triển HTX",
    }
}

/// How a case's money moves after approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Rejected,
    Paid,
    Advanced,
    PaidAndReturned,
    /// Advanced in November and never cleared: FIN-06 after 31/01; returned after settlement.
    AdvanceNotCleared,
    /// Half paid, then the cooperative dissolves: the second payment is refused (FIN-04).
    RefusedAfterDissolution,
}

struct Case {
    line: BudgetLineId,
    serial: String,
    beneficiary: usize,
    recipient: &'static str,
    amount: i64,
    flow: Flow,
    received: NaiveDate,
}

/// Per line: recipient → what its allocation must cover.
type Needs = BTreeMap<BudgetLineId, BTreeMap<String, i64>>;

pub(super) fn year(world: &mut World, year: i32) -> Result<(), ScenarioError> {
    let mut needs = Needs::new();
    let cases = cases(world, year)?;
    for case in &cases {
        if case.flow != Flow::Rejected {
            *needs
                .entry(case.line.clone())
                .or_default()
                .entry(case.recipient.to_string())
                .or_default() += case.amount;
        }
    }
    let classes = training(world, year, &mut needs);
    open_lines(world, year, &needs);
    for case in cases {
        play_case(world, case);
    }
    for class in classes {
        play_class(world, class);
    }
    close_year(world, year, &needs);
    Ok(())
}

fn cases(world: &World, year: i32) -> Result<Vec<Case>, ScenarioError> {
    let mut rng = world.rng("cases", year);
    let counts = world.counts;
    let pool = stable(world, day(year, 1, 1), None);
    if pool.is_empty() {
        return Err(ScenarioError::PoolTooSmall {
            what: "HTX được hỗ trợ / supported cooperatives",
        });
    }
    let fresh: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|i| world.coops[*i].registered_on >= day(year - 2, 1, 1))
        .collect();
    let weights: Vec<u32> = SUPPORT_LINES.iter().map(|l| l.3).collect();
    let mut serials: BTreeMap<&str, u32> = BTreeMap::new();
    let mut serial = |unit: &'static str| {
        let n = serials.entry(unit).or_default();
        *n += 1;
        format!("HS-{n:05}")
    };
    let mut cases = Vec::new();
    if year == 2017 {
        // A trade-promotion case for a cooperative that winds up in 2017.
        let winding = world
            .roles
            .wound_up
            .iter()
            .find(|(y, _)| *y == 2017)
            .and_then(|(_, c)| c.first().copied());
        if let Some(i) = winding {
            let (unit, source, category, _) = SUPPORT_LINES[2];
            cases.push(Case {
                line: line_id(year, unit, source, category),
                serial: serial(unit),
                beneficiary: i,
                recipient: world.coops[i].unit,
                amount: 60_000_000,
                flow: Flow::RefusedAfterDissolution,
                received: day(2017, 4, 10),
            });
        }
    }
    for k in 0..counts.cases_per_year {
        let (unit, source, category, _) = SUPPORT_LINES[rng.weighted(&weights)];
        let from = if category == C::Establishment && !fresh.is_empty() {
            &fresh
        } else {
            &pool
        };
        let beneficiary = *rng.pick(from);
        let millions = match category {
            C::ScienceTechnology => rng.between(100, 300),
            C::LandInfrastructure => rng.between(150, 500),
            _ => rng.between(20, 200),
        };
        let flow = if k < counts.rejected_per_year {
            Flow::Rejected
        } else if year == 2018 && k == counts.rejected_per_year {
            Flow::AdvanceNotCleared
        } else {
            match rng.below(10) {
                0..=5 => Flow::Paid,
                6..=8 => Flow::Advanced,
                _ => Flow::PaidAndReturned,
            }
        };
        let received = if flow == Flow::AdvanceNotCleared {
            day(year, 9, 25)
        } else {
            some_day(&mut rng, day(year, 4, 3), day(year, 9, 15))
        };
        cases.push(Case {
            line: line_id(year, unit, source, category),
            serial: serial(unit),
            beneficiary,
            recipient: unit_on(world.coops[beneficiary].unit, received),
            amount: millions * 1_000_000,
            flow,
            received,
        });
    }
    Ok(cases)
}

fn budget(
    world: &mut World,
    on: NaiveDate,
    rank: Rank,
    line: &BudgetLineId,
    actor_unit: &str,
    action: L,
) {
    let actor = if matches!(
        action,
        L::MakePayment { .. }
            | L::PayAdvance { .. }
            | L::SettleAdvance { .. }
            | L::ReturnFunds { .. }
    ) {
        payer(actor_unit)
    } else {
        officer(actor_unit)
    };
    let command = by(&actor, on, action);
    world.push(on, rank, StepCommand::BudgetLine(line.to_id(), command));
}

fn spend(
    world: &mut World,
    on: NaiveDate,
    line: &BudgetLineId,
    action: L,
    tag: Option<String>,
    refers: Option<String>,
    expect: Expect,
) {
    let command = by(&payer(&line.unit), on, action);
    world.push_full(
        on,
        Rank::Spending,
        StepCommand::BudgetLine(line.to_id(), command),
        expect,
        tag,
        refers,
    );
}

/// Estimates in January (decided by the province in December), allocations in February.
fn open_lines(world: &mut World, year: i32, needs: &Needs) {
    let mut rng = world.rng("lines", year);
    for (line, recipients) in needs {
        let allocations: Vec<(String, i64)> = recipients
            .iter()
            .map(|(r, need)| (r.clone(), round_up(need * 11 / 10, 10_000_000)))
            .collect();
        let total: i64 = allocations.iter().map(|(_, a)| a).sum();
        let estimate = round_up(total * 105 / 100, 10_000_000);
        let on = some_day(&mut rng, day(year, 1, 9), day(year, 1, 20));
        let assign = L::AssignEstimate {
            line: line.clone(),
            amount: dong(estimate),
            decision: doc(&format!("{}/QĐ-UBND", rng.between(3000, 4999))),
        };
        budget(world, on, Rank::Line, line, &line.unit, assign);
        let on = some_day(&mut rng, day(year, 2, 13), day(year, 2, 24));
        for (recipient, amount) in allocations {
            let allocate = L::Allocate {
                recipient,
                amount: dong(amount),
            };
            budget(world, on, Rank::Line, line, &line.unit, allocate);
        }
    }
}

fn play_case(world: &mut World, case: Case) {
    let mut rng = world.rng(
        &format!("case/{}/{}", case.line, case.serial),
        case.line.year,
    );
    let line = &case.line;
    let unit = line.unit.clone();
    let id = RecordId::new(line.year, &unit, &case.serial).expect("a case id");
    let coop = &world.coops[case.beneficiary];
    let receive = SupportCaseAction::ReceiveApplication {
        case: id.clone(),
        line: line.clone(),
        beneficiary: coop.code.clone(),
        requested: dong(case.amount),
        eligible_cost: dong(case.amount / 1_000_000 * rng.between(100, 130) * 10_000),
        description: description(line.category).into(),
    };
    let received = case.received;
    let command = by(&officer(&unit), received, receive);
    world.push(
        received,
        Rank::Case,
        StepCommand::SupportCase(id.to_id(), command),
    );
    let approved = after(received, rng.below(10) + 10);
    let decision = if case.flow == Flow::Rejected {
        SupportCaseAction::Reject {
            reason: "Hồ sơ không đủ điều kiện: chưa có phương án sản xuất kinh doanh được Đại hội thành viên thông qua".into(),
        }
    } else {
        SupportCaseAction::Approve {
            amount: dong(case.amount),
            rule_set: rule_set_id(line.category),
        }
    };
    let command = by(&super::people::approver(&unit), approved, decision);
    world.push(
        approved,
        Rank::Case,
        StepCommand::SupportCase(id.to_id(), command),
    );
    if case.flow == Flow::Rejected {
        return;
    }
    let purpose = Purpose::SupportCase(id.clone());
    let committed = after(approved, rng.below(5) + 3);
    let commit = L::Commit {
        purpose: purpose.clone(),
        recipient: case.recipient.to_string(),
    };
    budget(world, committed, Rank::Commitment, line, &unit, commit);
    let paid = after(committed, rng.below(25) + 15);
    let voucher = |n: u32| format!("GRDT-{}-{}-{n}", line.year, case.serial);
    let (adv, pay) = (format!("adv:{id}"), format!("pay:{id}"));
    let ok = Expect::Accepted;
    let pay_all = |amount| L::MakePayment {
        purpose: purpose.clone(),
        amount: dong(amount),
        voucher: voucher(1),
    };
    match case.flow {
        Flow::Paid => spend(world, paid, line, pay_all(case.amount), None, None, ok),
        Flow::Advanced | Flow::AdvanceNotCleared => {
            let half = case.amount / 2_000_000 * 1_000_000;
            let on = if case.flow == Flow::Advanced {
                paid
            } else {
                day(line.year, 11, 20)
            };
            let advance = L::PayAdvance {
                purpose: purpose.clone(),
                amount: dong(half),
                reference: format!("TU-{}-{}", line.year, case.serial),
            };
            spend(world, on, line, advance, Some(adv.clone()), None, ok);
            if case.flow == Flow::AdvanceNotCleared {
                let returned = L::ReturnFunds {
                    against_entry: 0,
                    amount: dong(half),
                    document: format!("Giấy nộp trả kinh phí số {}/NT", rng.between(10, 99)),
                };
                let on = day(line.year + 1, 4, 8);
                spend(world, on, line, returned, None, Some(adv), ok);
                return;
            }
            let settle = L::SettleAdvance {
                advance_entry: 0,
                amount: dong(half),
            };
            spend(world, after(on, 20), line, settle, None, Some(adv), ok);
            let rest = L::MakePayment {
                purpose: purpose.clone(),
                amount: dong(case.amount - half),
                voucher: voucher(2),
            };
            spend(world, after(on, 25), line, rest, None, None, ok);
        }
        Flow::PaidAndReturned => {
            spend(
                world,
                paid,
                line,
                pay_all(case.amount),
                Some(pay.clone()),
                None,
                ok,
            );
            let back = case.amount / 10_000_000 * 1_000_000;
            let returned = L::ReturnFunds {
                against_entry: 0,
                amount: dong(back.max(1_000_000)),
                document: format!("Giấy nộp trả kinh phí số {}/NT", rng.between(10, 99)),
            };
            spend(world, after(paid, 30), line, returned, None, Some(pay), ok);
        }
        Flow::RefusedAfterDissolution => {
            let first = L::MakePayment {
                purpose: purpose.clone(),
                amount: dong(case.amount / 2),
                voucher: voucher(1),
            };
            spend(world, day(2017, 6, 12), line, first, None, None, ok);
            let second = L::MakePayment {
                purpose,
                amount: dong(case.amount / 2),
                voucher: voucher(2),
            };
            let refused = Expect::Refused(RuleCode::Fin04);
            spend(world, day(2017, 12, 28), line, second, None, None, refused);
        }
        Flow::Rejected => {}
    }
}

struct Class {
    id: RecordId,
    line: BudgetLineId,
    region: Region,
    district: &'static str,
    learners: u32,
    cost: i64,
    planned: NaiveDate,
    /// Recorded with the wrong learners, corrected back-dated.
    typo: Option<u32>,
}

/// Spreads `total` over `n` values in `lo..=hi` around the mean by random transfers of up to
/// `step`: the sum stays exactly `total`.
fn spread(rng: &mut Rng, n: usize, total: i64, (lo, hi): (i64, i64), step: i64) -> Vec<i64> {
    let mean = total / n as i64;
    let mut values = vec![mean; n];
    values[0] += total - mean * n as i64;
    for _ in 0..n * 8 {
        let (a, b) = (rng.below(n as u64) as usize, rng.below(n as u64) as usize);
        let d = rng.between(1, step);
        if a != b && values[a] - d >= lo && values[b] + d <= hi {
            values[a] -= d;
            values[b] += d;
        }
    }
    values
}

/// The year's classes: for each organiser, learners and costs spread around the plan's
/// averages, summing exactly to classes × average.
fn training(world: &World, year: i32, needs: &mut Needs) -> Vec<Class> {
    let mut rng = world.rng("training", year);
    let n = world.counts.classes_per_organiser as usize;
    let mut classes = Vec::new();
    for (t, organiser) in TRAINERS.into_iter().enumerate() {
        let line = line_id(year, organiser, TRAINING_SOURCE, C::Training);
        let average = i64::from(LEARNERS_PER_CLASS_AVERAGE);
        let mut learners = spread(&mut rng, n, average * n as i64, (30, 50), 4);
        // One class of 28 in 2018 (Liên minh HTX): the shortfall goes to the others.
        if year == 2018 && t == 1 && n >= 2 {
            // (With fewer than three classes there may be no room: the total then falls short.)
            let short = learners[0] - 28;
            learners[0] = 28;
            for _ in 0..short {
                match (1..n).find(|k| learners[*k] < 50) {
                    Some(k) => learners[k] += 1,
                    None => break,
                }
            }
        }
        let costs = spread(
            &mut rng,
            n,
            CLASS_COST_AVERAGE * n as i64,
            (45_000_000, 65_000_000),
            2_000_000,
        );
        for k in 0..n {
            let (region, district) = if t == 0 {
                (Region::East, *rng.pick(&EAST))
            } else if rng.chance(80) {
                (Region::West, *rng.pick(&WEST))
            } else {
                (Region::Unassigned, *rng.pick(&UNASSIGNED))
            };
            let planned = if year == 2017 {
                some_day(&mut rng, day(year, 9, 5), day(year, 10, 31))
            } else {
                some_day(&mut rng, day(year, 3, 1), day(year, 10, 15))
            };
            let learners = learners[k] as u32;
            let typo = (year == 2019 && t == 0 && k == 0).then(|| {
                if learners >= 39 {
                    learners - 9
                } else {
                    learners + 9
                }
            });
            classes.push(Class {
                id: RecordId::new(year, organiser, &format!("L{:02}", k + 1)).expect("a class id"),
                line: line.clone(),
                region,
                district,
                learners,
                cost: costs[k],
                planned,
                typo,
            });
        }
        let planned: i64 = costs.iter().map(|c| round_up(*c, 5_000_000)).sum();
        needs
            .entry(line)
            .or_default()
            .insert(organiser.to_string(), planned);
    }
    classes
}

fn play_class(world: &mut World, class: Class) {
    let mut rng = world.rng(&format!("class/{}", class.id), class.id.year);
    let unit = class.id.unit.clone();
    let id = class.id.to_id();
    let starts_on = after(class.planned, 14);
    let plan = TrainingClassAction::Plan {
        class: class.id.clone(),
        line: class.line.clone(),
        region: class.region,
        district: Some(class.district.to_string()),
        planned_learners: 40,
        planned_cost: dong(round_up(class.cost, 5_000_000)),
        starts_on,
    };
    let command = by(&approver(&unit), class.planned, plan);
    world.push(
        class.planned,
        Rank::Case,
        StepCommand::TrainingClass(id.clone(), command),
    );
    let commit = L::Commit {
        purpose: Purpose::TrainingClass(class.id.clone()),
        recipient: unit.clone(),
    };
    budget(
        world,
        after(class.planned, 3),
        Rank::Commitment,
        &class.line,
        &unit,
        commit,
    );
    let held_to = starts_on + chrono::Days::new(rng.below(3) + 2);
    let recorded = after(held_to, 2);
    let hold = TrainingClassAction::Hold {
        held_from: starts_on,
        held_to,
        learners: class.typo.unwrap_or(class.learners),
        cost: dong(class.cost),
    };
    let command = by(&officer(&unit), recorded, hold);
    world.push(
        recorded,
        Rank::Case,
        StepCommand::TrainingClass(id.clone(), command),
    );
    if class.typo.is_some() {
        let fix = TrainingClassAction::CorrectRecord {
            learners: class.learners,
            cost: dong(class.cost),
            reason: "Hiệu đính số học viên nhập nhầm theo danh sách ký nhận của lớp".into(),
        };
        let on = after(recorded, 35);
        let command = by(&officer(&unit), recorded, fix);
        world.push(on, Rank::Case, StepCommand::TrainingClass(id, command));
    }
    let pay = L::MakePayment {
        purpose: Purpose::TrainingClass(class.id.clone()),
        amount: dong(class.cost),
        voucher: format!("GRDT-{}", class.id.to_id().replace('/', "-")),
    };
    spend(
        world,
        after(held_to, 10),
        &class.line,
        pay,
        None,
        None,
        Expect::Accepted,
    );
}

/// After the adjustment period: advances reviewed (FIN-06), then each unit's settlement
/// submitted, appraised by Sở Tài chính and approved, which closes the year.
fn close_year(world: &mut World, year: i32, needs: &Needs) {
    let next = year + 1;
    let reviewed = super::working(day(next, 2, 5));
    for line in needs.keys() {
        let review = by(&appraiser(), reviewed, L::ReviewAdvances);
        world.push(
            reviewed,
            Rank::Review,
            StepCommand::BudgetLine(line.to_id(), review),
        );
    }
    for unit in UNITS {
        let lines: Vec<BudgetLineId> = needs.keys().filter(|l| l.unit == unit).cloned().collect();
        if lines.is_empty() {
            continue;
        }
        let settlement = SettlementId::new(year, unit).expect("a settlement id");
        let id = settlement.to_id();
        let submit = SettlementAction::Submit { settlement, lines };
        let w = |m, d| super::working(day(next, m, d));
        let (submitted, appraised, approved) = (w(2, 20), w(3, 6), w(3, 16));
        let steps = [
            (submitted, by(&officer(unit), submitted, submit)),
            (
                appraised,
                by(
                    &appraiser(),
                    appraised,
                    SettlementAction::Appraise {
                        disallowed: Dong::ZERO,
                        notes: format!(
                            "Thẩm định quyết toán năm {year}: chi đúng dự toán được giao"
                        ),
                    },
                ),
            ),
            (
                approved,
                by(&finance_director(), approved, SettlementAction::Approve),
            ),
        ];
        for (on, command) in steps {
            world.push(
                on,
                Rank::Settlement,
                StepCommand::Settlement(id.clone(), command),
            );
        }
    }
}
