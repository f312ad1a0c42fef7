//! 64 concurrent payments against one allocation that covers only some of them (PostgreSQL):
//! the allocation is never overspent, and every refused payment names the rule it breaks.

use std::sync::Arc;

use api::programme::Programme;
use cqrs_es::AggregateError;
use domain::cooperative::{CooperativeAction, CooperativeStatus};
use domain::funding::{
    BudgetLine, BudgetLineCommand, BudgetLineError, BudgetLineEvent, BudgetLineId, EntryKind,
    Purpose, SupportCategory,
};
use domain::rules::{Refused, RuleCode};
use store::verify::verify_log;
use store::{Ledger, stream_log};
use tokio::sync::Barrier;

use crate::support::backends::{TestLedger, test_clock};
use crate::support::programme::*;

/// Concurrent payment commands sent.
const PAYMENTS: usize = 64;
/// Each payment's amount: 1 triệu.
const AMOUNT: i64 = 1_000_000;
/// Đông Triều's allocation covers exactly this many payments.
const FIT: usize = 20;
/// How often one payment may meet a conflict before the test gives up on it.
const MAX_ROUNDS: usize = 1_000;

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

/// How one payment command ended, and how many times `execute` returned a conflict first.
enum Outcome {
    Paid {
        rounds: usize,
    },
    Refused {
        rounds: usize,
        error: Refused<BudgetLineError>,
    },
}

/// Sends `command` until it lands or a rule refuses it: a conflict that outlasted
/// `execute`'s own retries is not a refusal, so it is sent again.
async fn pay_until_decided(programme: &Programme, command: BudgetLineCommand) -> Outcome {
    for rounds in 0..MAX_ROUNDS {
        match run(&programme.budget_lines, &line().to_id(), command.clone()).await {
            Ok(()) => return Outcome::Paid { rounds },
            Err(AggregateError::AggregateConflict) => tokio::task::yield_now().await,
            Err(AggregateError::UserError(error)) => return Outcome::Refused { rounds, error },
            Err(other) => panic!("payment failed for a technical reason: {other:?}"),
        }
    }
    panic!("a payment still conflicted after {MAX_ROUNDS} rounds of retries");
}

/// Seeds the units and a rule set, registers cooperatives 1 (Đông Triều) and 2 (Hạ Long),
/// opens the 2018 line (Đông Triều gets room for [`FIT`] payments) and commits one case for
/// each. Cooperative 2 is then suspended, so it is no longer active on the payment date.
async fn set_up(p: &Programme) -> (Purpose, Purpose) {
    seed_units(p).await;
    let rule_set = publish_rule_set(p, 100_000_000).await;
    register(p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    register(p, &code(2), day(2017, 9, 1), "193", 9, "HTX Hà Phong").await;
    let allocations = [("205", FIT as i64 * AMOUNT), ("193", 10 * AMOUNT)];
    open_line(p, &line(), 100 * AMOUNT, &allocations, day(2018, 1, 10)).await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let total = PAYMENTS as i64 * AMOUNT;
    let yen_duc = approved_case(p, &line(), "HS-1", &code(1), total, dates, &rule_set).await;
    let ha_phong = approved_case(p, &line(), "HS-2", &code(2), 5 * AMOUNT, dates, &rule_set).await;
    commit(p, &line(), &yen_duc, "205", day(2018, 3, 1)).await;
    commit(p, &line(), &ha_phong, "193", day(2018, 3, 1)).await;
    let suspend = CooperativeAction::Suspend {
        until: day(2018, 9, 1),
    };
    accept(
        &p.cooperatives,
        code(2).as_str(),
        by(&clerk(), day(2018, 3, 20), suspend),
    )
    .await;
    (yen_duc, ha_phong)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_payments_never_overspend_the_allocation_and_refusals_name_fin_01() {
    let test = TestLedger::postgres().await;
    let programme = Arc::new(Programme::new(test.ledger.clone()));
    let (yen_duc, ha_phong) = set_up(&programme).await;
    let before = head_size(&programme.ledger).await;

    let start = Arc::new(Barrier::new(PAYMENTS));
    let tasks: Vec<_> = (0..PAYMENTS)
        .map(|i| {
            let (programme, start) = (programme.clone(), start.clone());
            let command = payment(&yen_duc, AMOUNT, &format!("GRDT-{i:02}"), day(2018, 4, 2));
            tokio::spawn(async move {
                start.wait().await;
                pay_until_decided(&programme, command).await
            })
        })
        .collect();
    let mut paid = 0;
    let mut refusals = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        match task.await.expect("payment task") {
            Outcome::Paid { rounds } => {
                paid += 1;
                conflicts += rounds;
            }
            Outcome::Refused { rounds, error } => {
                refusals.push(error);
                conflicts += rounds;
            }
        }
    }
    eprintln!(
        "{paid} paid, {} refused, {conflicts} re-sent conflicts",
        refusals.len()
    );

    assert_eq!(
        paid, FIT,
        "exactly the payments that fit the allocation land"
    );
    assert_eq!(refusals.len(), PAYMENTS - FIT);
    let (vi, en) = RuleCode::Fin01.name();
    for error in &refusals {
        assert_eq!(error.rule(), Some(RuleCode::Fin01), "{error}");
        let message = error.to_string();
        assert!(message.starts_with("FIN-01 "), "{message}");
        assert!(message.contains(vi) && message.contains(en), "{message}");
        assert!(
            message.contains("20.000.000 đ"),
            "names the allocation: {message}"
        );
        assert!(
            matches!(&error.reason, BudgetLineError::AllocationExceeded { recipient, paid, .. }
                if recipient == "205" && *paid == d(FIT as i64 * AMOUNT)),
            "{error:?}"
        );
    }
    let after = head_size(&programme.ledger).await;
    assert_eq!(after, before + FIT as u64, "one entry per landed payment");

    // A payment for a suspended cooperative is refused under FIN-04 and writes nothing.
    let refused = run(
        &programme.budget_lines,
        &line().to_id(),
        payment(&ha_phong, AMOUNT, "GRDT-HP", day(2018, 4, 2)),
    )
    .await;
    let Err(AggregateError::UserError(error)) = refused else {
        panic!("a payment to a suspended cooperative was not refused: {refused:?}");
    };
    assert_eq!(error.rule(), Some(RuleCode::Fin04), "{error}");
    assert!(
        error.to_string().starts_with("FIN-04 ")
            && error.to_string().contains(RuleCode::Fin04.name().0),
        "{error}"
    );
    assert!(matches!(
        error.reason,
        BudgetLineError::BeneficiaryNotActive {
            status: Some(CooperativeStatus::Suspended),
            ..
        }
    ));
    assert_eq!(head_size(&programme.ledger).await, after);

    let verified = verify_log(programme.ledger.database(), |_| {})
        .await
        .expect("read the log")
        .expect("the log verifies");
    assert_eq!(verified.size, after);

    // A ledger opened afresh on the same database agrees: the line is rebuilt from the log.
    let fresh = Ledger::open(&test.url, test_clock()).await.expect("reopen");
    let (reloaded, _) = fresh
        .store::<BudgetLine>()
        .load_current(&line().to_id())
        .await
        .expect("load the line");
    let spent = reloaded.spent("205");
    assert_eq!(spent.paid, d(FIT as i64 * AMOUNT));
    assert!(spent.paid <= reloaded.allocation("205"));
    assert_eq!(reloaded.spent("193").paid, d(0));
    let payments: Vec<_> = reloaded
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Payment)
        .collect();
    assert_eq!(payments.len(), FIT);
    let snapshot = reloaded.snapshot().expect("opened");
    assert_eq!(snapshot.paid, spent.paid);
    let seen = programme.services.funding.line(&line()).await;
    assert_eq!(
        seen.expect("lookup"),
        Some(snapshot),
        "the running programme agrees"
    );
    let vouchers = stored_vouchers(&fresh).await;
    assert_eq!(vouchers.len(), FIT, "each landed payment stored once");
}

/// The vouchers of the payments stored in the log, each once.
async fn stored_vouchers(ledger: &Ledger) -> std::collections::BTreeSet<String> {
    use futures::TryStreamExt;
    let rows: Vec<_> = stream_log(ledger.database(), 0)
        .try_collect()
        .await
        .expect("read the log");
    let mut vouchers = std::collections::BTreeSet::new();
    for row in rows.iter().filter(|r| r.aggregate_type == "budget_line") {
        let entry: serde_json::Value = serde_json::from_slice(&row.bytes).expect("an entry");
        let event: BudgetLineEvent =
            serde_json::from_value(entry["payload"].clone()).expect("a line event");
        if let BudgetLineEvent::PaymentMade { voucher, .. } = event {
            assert!(vouchers.insert(voucher.clone()), "{voucher} stored twice");
        }
    }
    vouchers
}
