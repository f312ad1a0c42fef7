//! Shared test fixtures: dates, people, codes, and a registered cooperative.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::command::Command;
use crate::cooperative::{
    Address, CooperativeEvent, CooperativeKind, MemberCounts, Origin, RegistrationContent,
    Representative,
};
use crate::document::DocumentNumber;
use crate::ledger::{Actor, Role};
use crate::money::Dong;
pub use crate::testing::ExpectRefusal;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn d(amount: i64) -> Dong {
    Dong::new(amount).unwrap()
}

pub fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).unwrap()
}

pub fn clerk() -> Actor {
    Actor::new("can.bo.dang.ky", Role::Clerk, Some("PTCKH-205"))
}

pub fn person(id: &str, role: Role) -> Actor {
    Actor::new(id, role, Some("SO-KHDT"))
}

pub fn cmd<A>(date: NaiveDate, action: A) -> Command<A> {
    Command::new(date, clerk(), action)
}

pub fn by<A>(actor: &Actor, date: NaiveDate, action: A) -> Command<A> {
    Command::new(date, actor.clone(), action)
}

/// The `n`-th valid code with the Quảng Ninh prefix 57.
pub fn code(n: u32) -> CooperativeCode {
    (0..)
        .map(|k| format!("57{:07}", n * 10 + k))
        .find_map(|prefix| CooperativeCode::complete(&prefix))
        .unwrap()
}

pub fn content() -> RegistrationContent {
    RegistrationContent {
        name: "Hợp tác xã Nông nghiệp Yên Đức".into(),
        address: Address::new("Thôn Đông, xã Yên Đức", "205"),
        representative: Representative::new("Nguyễn Văn An", "Giám đốc"),
        charter_capital: d(500_000_000),
        sector: None,
    }
}

pub fn members(official: u32) -> MemberCounts {
    MemberCounts {
        official,
        associate: 0,
        member_cooperatives: 0,
    }
}

pub fn union_members(cooperatives: u32) -> MemberCounts {
    MemberCounts {
        official: 0,
        associate: 0,
        member_cooperatives: cooperatives,
    }
}

/// The event of a cooperative `code` registered on `date` with `counts`.
pub fn registered(
    code: &CooperativeCode,
    kind: CooperativeKind,
    date: NaiveDate,
    counts: MemberCounts,
) -> CooperativeEvent {
    registered_from(code, kind, date, counts, Origin::New)
}

pub fn registered_from(
    code: &CooperativeCode,
    kind: CooperativeKind,
    date: NaiveDate,
    counts: MemberCounts,
    origin: Origin,
) -> CooperativeEvent {
    CooperativeEvent::CooperativeRegistered {
        code: code.clone(),
        kind,
        content: content(),
        members: counts,
        certificate_no: "GCN-01".into(),
        legacy_reg_no: None,
        origin,
        governing_law: crate::cooperative::law_on(date).citation.to_string(),
        effective_date: date,
    }
}

/// An HTX registered on 01/9/2017 with 7 members.
pub fn htx(n: u32) -> CooperativeEvent {
    registered(
        &code(n),
        CooperativeKind::Cooperative,
        day(2017, 9, 1),
        members(7),
    )
}
