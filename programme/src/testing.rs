//! The programme driven through its commands only (feature `testing`): dates, people,
//! cooperative codes, and the set-up steps (reference data, registrations, support cases) that
//! the programme's tests and benchmarks share.

use crate::{Commands, Programme, execute};
use chrono::NaiveDate;
use cqrs_es::{Aggregate, AggregateError};
use domain::address::Addressed;
use domain::code::CooperativeCode;
use domain::command::Command;
use domain::cooperative::{
    Address, CooperativeAction, CooperativeKind, MemberCounts, Origin, RegistrationContent,
    Representative,
};
use domain::document::DocumentNumber;
use domain::funding::{
    BudgetLineAction, BudgetLineCommand, BudgetLineId, Purpose, RecordId, SupportCaseAction,
    SupportCategory,
};
use domain::ledger::{Actor, EventMetadata, Role};
use domain::money::Dong;
use domain::reference::{Cap, RuleSetId, SupportRuleSetAction, seed};
use store::{Ledger, read_head};

pub const PLAN: &str = "31/KH-UBND";

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a calendar date")
}

pub fn d(amount: i64) -> Dong {
    Dong::new(amount).expect("a non-negative amount")
}

pub fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).expect("a document number")
}

/// The `n`-th valid cooperative code with the Quảng Ninh prefix 57.
pub fn code(n: u32) -> CooperativeCode {
    (0..)
        .map(|k| format!("57{:07}", n * 10 + k))
        .find_map(|prefix| CooperativeCode::complete(&prefix))
        .expect("a valid check digit within ten tries")
}

pub fn clerk() -> Actor {
    Actor::new("can.bo.dang.ky", Role::Clerk, Some("PTCKH-205"))
}

pub fn officer() -> Actor {
    Actor::new("can.bo.chuong.trinh", Role::Officer, Some("SO-KHDT"))
}

pub fn approver() -> Actor {
    Actor::new("nguyen.phe.duyet", Role::Approver, Some("SO-KHDT"))
}

pub fn payer() -> Actor {
    Actor::new("tran.ke.toan", Role::Officer, Some("SO-KHDT"))
}

pub fn by<A>(actor: &Actor, date: NaiveDate, action: A) -> Command<A> {
    Command::new(date, actor.clone(), action)
}

/// Runs `command` on aggregate `id` with the metadata its envelope implies (same actor and
/// effective date, legal basis the plan).
pub async fn run<A, X>(
    commands: &Commands<A>,
    id: &str,
    command: Command<X>,
) -> Result<(), AggregateError<A::Error>>
where
    A: Addressed + Aggregate<Command = Command<X>> + Clone,
    X: Clone,
{
    let metadata =
        EventMetadata::new(command.actor.clone(), command.effective_date).with_legal_basis(PLAN);
    execute(commands, id, command, &metadata).await.map(|_| ())
}

/// As [`run`], for a set-up step that must be accepted.
pub async fn accept<A, X>(commands: &Commands<A>, id: &str, command: Command<X>)
where
    A: Addressed + Aggregate<Command = Command<X>> + Clone,
    X: Clone + std::fmt::Debug,
{
    let shown = format!("{}/{id}: {:?}", A::TYPE, command.action);
    if let Err(error) = run(commands, id, command).await {
        panic!("{shown} refused: {}", shown_error(&error));
    }
}

/// The refusal's own message, or cqrs-es's description of a technical failure.
pub fn shown_error<E: std::error::Error>(error: &AggregateError<E>) -> String {
    match error {
        AggregateError::UserError(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

/// The number of entries in the log.
pub async fn head_size(ledger: &Ledger) -> u64 {
    read_head(ledger.database()).await.expect("read head").size
}

/// Quảng Ninh and its 14 district-level units of 2017.
pub async fn seed_units(programme: &Programme) {
    for (id, command) in seed::administrative_units_2017(&clerk()) {
        accept(&programme.units, &id, command).await;
    }
}

/// An establishment-support rule set from 01/3/2017 capping each case at `cap`.
pub async fn publish_rule_set(programme: &Programme, cap: i64) -> RuleSetId {
    let basis = doc("340/2016/TT-BTC");
    let id = RuleSetId::new(SupportCategory::Establishment, &basis);
    let publish = SupportRuleSetAction::PublishVersion {
        category: SupportCategory::Establishment,
        basis,
        valid_from: day(2017, 3, 1),
        valid_to: None,
        caps: vec![Cap::Amount(d(cap))],
    };
    accept(
        &programme.rule_sets,
        id.as_str(),
        by(&officer(), day(2017, 3, 1), publish),
    )
    .await;
    id
}

/// The registration of cooperative `code` in district `unit` with `members` official members.
pub fn registration(
    code: &CooperativeCode,
    unit: &str,
    members: u32,
    name: &str,
) -> CooperativeAction {
    CooperativeAction::Register {
        code: code.as_str().to_string(),
        kind: CooperativeKind::Cooperative,
        content: RegistrationContent {
            name: name.into(),
            address: Address::new("Thôn Đông", unit),
            representative: Representative::new("Nguyễn Văn An", "Giám đốc"),
            charter_capital: d(500_000_000),
            sector: Some(domain::cooperative::Sector::Agriculture),
        },
        members: MemberCounts {
            official: members,
            associate: 0,
            member_cooperatives: 0,
        },
        certificate_no: format!("GCN-{}", code.as_str()),
        legacy_reg_no: None,
        origin: Origin::New,
    }
}

/// Registers cooperative `code` on `date` in district `unit` with `members` official members.
pub async fn register(
    programme: &Programme,
    code: &CooperativeCode,
    date: NaiveDate,
    unit: &str,
    members: u32,
    name: &str,
) {
    let action = registration(code, unit, members, name);
    accept(
        &programme.cooperatives,
        code.as_str(),
        by(&clerk(), date, action),
    )
    .await;
}

/// A support case `serial` on `line` for `beneficiary`, received on `received` and approved
/// for `amount` by [`approver`] on `approved`.
pub async fn approved_case(
    programme: &Programme,
    line: &BudgetLineId,
    serial: &str,
    beneficiary: &CooperativeCode,
    amount: i64,
    (received, approved): (NaiveDate, NaiveDate),
    rule_set: &RuleSetId,
) -> Purpose {
    let case = RecordId::new(line.year, &line.unit, serial).expect("a case id");
    let receive = SupportCaseAction::ReceiveApplication {
        case: case.clone(),
        line: line.clone(),
        beneficiary: beneficiary.clone(),
        requested: d(amount),
        eligible_cost: d(amount),
        description: "Hỗ trợ thành lập, củng cố HTX".into(),
    };
    let cases = &programme.support_cases;
    accept(cases, &case.to_id(), by(&officer(), received, receive)).await;
    let approve = SupportCaseAction::Approve {
        amount: d(amount),
        rule_set: rule_set.clone(),
    };
    accept(cases, &case.to_id(), by(&approver(), approved, approve)).await;
    Purpose::SupportCase(case)
}

/// Assigns `line` its estimate on `date` and allocates to each `(recipient, amount)`.
pub async fn open_line(
    programme: &Programme,
    line: &BudgetLineId,
    estimate: i64,
    allocations: &[(&str, i64)],
    date: NaiveDate,
) {
    let id = line.to_id();
    let assign = BudgetLineAction::AssignEstimate {
        line: line.clone(),
        amount: d(estimate),
        decision: doc("899/2017/QĐ-UBND"),
    };
    accept(&programme.budget_lines, &id, by(&officer(), date, assign)).await;
    for (recipient, amount) in allocations {
        let allocate = BudgetLineAction::Allocate {
            recipient: (*recipient).to_string(),
            amount: d(*amount),
        };
        accept(&programme.budget_lines, &id, by(&officer(), date, allocate)).await;
    }
}

/// Commits the approved amount of `purpose` against `recipient`'s allocation on `line`.
pub async fn commit(
    programme: &Programme,
    line: &BudgetLineId,
    purpose: &Purpose,
    recipient: &str,
    date: NaiveDate,
) {
    let action = BudgetLineAction::Commit {
        purpose: purpose.clone(),
        recipient: recipient.to_string(),
    };
    accept(
        &programme.budget_lines,
        &line.to_id(),
        by(&officer(), date, action),
    )
    .await;
}

/// A payment of `amount` for `purpose`, by [`payer`] on `date`.
pub fn payment(
    purpose: &Purpose,
    amount: i64,
    voucher: &str,
    date: NaiveDate,
) -> BudgetLineCommand {
    let action = BudgetLineAction::MakePayment {
        purpose: purpose.clone(),
        amount: d(amount),
        voucher: voucher.to_string(),
    };
    by(&payer(), date, action)
}
