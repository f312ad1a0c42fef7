//! Real programme commands at two sizes of history, side by side in one run, on PostgreSQL
//! (`DATABASE_URL`, a scratch database of its own):
//!
//! - a payment (`MakePayment`) on a budget line with 10 past payments (one support case) and
//!   on one with `LONG_PAYMENTS` (default 10,000: 1,000 cases, each committed and paid ten
//!   times);
//! - a change (`RecordMembership`) on a cooperative with 10 past events and on one with
//!   `LONG_EVENTS` (default 1,000).
//!
//! Each case runs `ROUNDS` commands (default 300), the two sizes alternating one command each,
//! through `programme::Commands::execute`: the aggregate loaded (from the cache), its rules
//! with their lookups, the append and its durable commit. Prints each case's p50, p90, p99 and
//! mean, and the long case's median over the fresh one's.

mod common;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use common::ScratchDb;
use domain::code::CooperativeCode;
use domain::cooperative::{CooperativeAction, MemberCounts};
use domain::funding::{BudgetLineId, Purpose, SupportCategory};
use domain::ledger::EventMetadata;
use programme::Programme;
use programme::testing::{
    PLAN, accept, approved_case, by, clerk, code, commit, day, open_line, payment,
    publish_rule_set, register, seed_units,
};
use store::{Ledger, SystemClock};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each payment: 1,000 đồng.
const PAYMENT: i64 = 1_000;
/// Each case's approved amount (and the rule set's cap): 100 triệu.
const CASE: i64 = 100_000_000;
/// Payments per case on the long line.
const PAYMENTS_PER_CASE: usize = 10;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn line(source: &str) -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", source, SupportCategory::Establishment).unwrap()
}

/// The `i`-th payment day of 2018 (1 April onwards, one a day, wrapping within the year).
fn payment_day(i: usize) -> NaiveDate {
    day(2018, 4, 1) + chrono::Days::new((i % 250) as u64)
}

/// The `i`-th membership day (after the registration of 1 September 2017, one a day).
fn membership_day(i: usize) -> NaiveDate {
    day(2017, 9, 2) + chrono::Days::new(i as u64)
}

fn membership(i: usize) -> CooperativeAction {
    CooperativeAction::RecordMembership {
        members: MemberCounts {
            official: 7 + (i % 50) as u32,
            associate: 0,
            member_cooperatives: 0,
        },
    }
}

/// Opens `line` with `cases` approved and committed cases for cooperative 1, paying each
/// `per_case` times; answers the cases.
async fn fill_line(
    p: &Programme,
    line: &BudgetLineId,
    cases: usize,
    per_case: usize,
    rule_set: &domain::reference::RuleSetId,
) -> Vec<Purpose> {
    let total = (cases as i64) * CASE;
    open_line(p, line, total, &[("205", total)], day(2018, 1, 10)).await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let mut purposes = Vec::with_capacity(cases);
    for c in 0..cases {
        let serial = format!("HS-{}-{c:05}", line.source);
        let purpose = approved_case(p, line, &serial, &code(1), CASE, dates, rule_set).await;
        commit(p, line, &purpose, "205", day(2018, 3, 1)).await;
        purposes.push(purpose);
    }
    let id = line.to_id();
    for n in 0..per_case {
        for (c, purpose) in purposes.iter().enumerate() {
            let voucher = format!("PC-{c}-{n}");
            let command = payment(purpose, PAYMENT, &voucher, payment_day(n));
            accept(&p.budget_lines, &id, command).await;
        }
    }
    purposes
}

/// One timed command's latency.
async fn timed<F: Future<Output = ()>>(run: F) -> Duration {
    let started = Instant::now();
    run.await;
    started.elapsed()
}

struct Case {
    name: String,
    latencies: Vec<Duration>,
}

impl Case {
    fn new(name: String) -> Case {
        Case {
            name,
            latencies: Vec::new(),
        }
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
        sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
    }

    fn mean(&self) -> f64 {
        let total: Duration = self.latencies.iter().sum();
        total.as_secs_f64() * 1000.0 / self.latencies.len() as f64
    }

    fn print(&self, fresh: Option<&Case>) {
        let ratio = fresh.map_or(String::new(), |f| {
            format!("{:.2}", self.percentile(0.5) / f.percentile(0.5))
        });
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {ratio} |",
            self.name,
            self.percentile(0.5),
            self.percentile(0.9),
            self.percentile(0.99),
            self.mean()
        );
    }
}

async fn execute_payment(p: &Programme, line: &BudgetLineId, purpose: &Purpose, i: usize) {
    let command = payment(purpose, PAYMENT, &format!("BENCH-{i}"), payment_day(i));
    let metadata =
        EventMetadata::new(command.actor.clone(), command.effective_date).with_legal_basis(PLAN);
    p.budget_lines
        .execute(&line.to_id(), command, &metadata)
        .await
        .expect("a payment within the case's approved amount");
}

async fn execute_membership(p: &Programme, coop: &CooperativeCode, i: usize) {
    let command = by(&clerk(), membership_day(2_000 + i), membership(i));
    let metadata =
        EventMetadata::new(command.actor.clone(), command.effective_date).with_legal_basis(PLAN);
    p.cooperatives
        .execute(coop.as_str(), command, &metadata)
        .await
        .expect("a membership record");
}

#[tokio::main]
async fn main() {
    let long_payments = env("LONG_PAYMENTS", 10_000);
    let long_events = env("LONG_EVENTS", 1_000);
    let rounds = env("ROUNDS", 300);
    let db = ScratchDb::create("bench_commands").await;
    let ledger = Ledger::open(&db.url, std::sync::Arc::new(SystemClock))
        .await
        .unwrap();
    let p = Programme::new(ledger.clone());

    let filled = Instant::now();
    seed_units(&p).await;
    let rule_set = publish_rule_set(&p, CASE).await;
    let (fresh_coop, long_coop) = (code(2), code(3));
    register(&p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    register(&p, &fresh_coop, day(2017, 9, 1), "205", 7, "HTX Hà Phong").await;
    register(&p, &long_coop, day(2017, 9, 1), "205", 7, "HTX Bình Dương").await;
    for (coop, events) in [(&fresh_coop, 10), (&long_coop, long_events)] {
        // The registration is the first event.
        for i in 1..events {
            let command = by(&clerk(), membership_day(i), membership(i));
            accept(&p.cooperatives, coop.as_str(), command).await;
        }
    }
    let (fresh_line, long_line) = (line("NS-TINH"), line("NS-TW"));
    let fresh_purposes = fill_line(&p, &fresh_line, 1, 10, &rule_set).await;
    let long_purposes = fill_line(
        &p,
        &long_line,
        long_payments.div_ceil(PAYMENTS_PER_CASE),
        PAYMENTS_PER_CASE,
        &rule_set,
    )
    .await;
    let head = store::read_head(ledger.database()).await.unwrap().size;
    println!(
        "set-up: {head} entries in {:.1} s; {rounds} commands a case, the two sizes alternating",
        filled.elapsed().as_secs_f64()
    );
    println!(
        "load average {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!();

    let mut fresh_payments = Case::new("payment, line with 10 past payments".into());
    let mut long_pays = Case::new(format!(
        "payment, line with {} past payments",
        long_purposes.len() * PAYMENTS_PER_CASE
    ));
    let fresh_purpose = &fresh_purposes[0];
    let long_purpose = long_purposes.last().expect("a case");
    for i in 0..rounds {
        fresh_payments
            .latencies
            .push(timed(execute_payment(&p, &fresh_line, fresh_purpose, i)).await);
        long_pays
            .latencies
            .push(timed(execute_payment(&p, &long_line, long_purpose, i)).await);
    }
    let mut fresh_changes = Case::new("membership, cooperative with 10 past events".into());
    let mut long_changes = Case::new(format!(
        "membership, cooperative with {long_events} past events"
    ));
    for i in 0..rounds {
        fresh_changes
            .latencies
            .push(timed(execute_membership(&p, &fresh_coop, i)).await);
        long_changes
            .latencies
            .push(timed(execute_membership(&p, &long_coop, i)).await);
    }

    println!("| command | p50 ms | p90 ms | p99 ms | mean ms | p50 / fresh p50 |");
    println!("|---|---:|---:|---:|---:|---:|");
    fresh_payments.print(None);
    long_pays.print(Some(&fresh_payments));
    fresh_changes.print(None);
    long_changes.print(Some(&fresh_changes));
    ledger.database().close().await;
    db.drop().await;
}
