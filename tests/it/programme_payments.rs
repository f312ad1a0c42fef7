//! 64 concurrent commitments against one allocation that covers only some of them, then 128
//! concurrent payments against those commitments (PostgreSQL): the allocation is never
//! overspent, and every refused command names the rule it breaks (FIN-01 for a commitment
//! beyond the allocation, FIN-03 for a payment beyond what was approved and committed).

use std::sync::Arc;

use cqrs_es::AggregateError;
use domain::cooperative::{CooperativeAction, CooperativeStatus};
use domain::funding::{
    BudgetLine, BudgetLineAction, BudgetLineCommand, BudgetLineError, BudgetLineEvent,
    BudgetLineId, EntryKind, Purpose, SupportCategory,
};
use domain::rules::{Refused, RuleCode};
use programme::Programme;
use store::verify::verify_log;
use store::{Ledger, stream_log};
use tokio::sync::Barrier;

use crate::support::backends::{TestLedger, test_clock};
use crate::support::programme::*;

/// Concurrent commitments sent (one approved case each), and twice as many payments.
const PAYMENTS: usize = 64;
/// Each case's approved amount, and each payment's: 1 triệu.
const AMOUNT: i64 = 1_000_000;
/// Đông Triều's allocation covers exactly this many commitments.
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
async fn send_until_decided(programme: &Programme, command: BudgetLineCommand) -> Outcome {
    for rounds in 0..MAX_ROUNDS {
        match run(&programme.budget_lines, &line().to_id(), command.clone()).await {
            Ok(()) => return Outcome::Paid { rounds },
            Err(AggregateError::AggregateConflict) => tokio::task::yield_now().await,
            Err(AggregateError::UserError(error)) => return Outcome::Refused { rounds, error },
            Err(other) => panic!("payment failed for a technical reason: {other:?}"),
        }
    }
    panic!("a command still conflicted after {MAX_ROUNDS} rounds of retries");
}

/// Sends every command at once (after a barrier), each until decided; the landed count, the
/// refusals and the conflicts re-sent.
async fn race(
    programme: &Arc<Programme>,
    commands: Vec<BudgetLineCommand>,
) -> (usize, Vec<Refused<BudgetLineError>>, usize) {
    let start = Arc::new(Barrier::new(commands.len()));
    let tasks: Vec<_> = commands
        .into_iter()
        .map(|command| {
            let (programme, start) = (programme.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                send_until_decided(&programme, command).await
            })
        })
        .collect();
    let (mut landed, mut refusals, mut conflicts) = (0, Vec::new(), 0);
    for task in tasks {
        match task.await.expect("command task") {
            Outcome::Paid { rounds } => {
                landed += 1;
                conflicts += rounds;
            }
            Outcome::Refused { rounds, error } => {
                refusals.push(error);
                conflicts += rounds;
            }
        }
    }
    (landed, refusals, conflicts)
}

/// Seeds the units and a rule set, registers cooperatives 1 (Đông Triều) and 2 (Hạ Long),
/// opens the 2018 line (Đông Triều gets room for [`FIT`] cases), approves [`PAYMENTS`] cases of
/// [`AMOUNT`] for cooperative 1 (not committed) and commits one case for cooperative 2, which
/// is then suspended, so it is no longer active on the payment date.
async fn set_up(p: &Programme) -> (Vec<Purpose>, Purpose) {
    seed_units(p).await;
    let rule_set = publish_rule_set(p, 100_000_000).await;
    register(p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    register(p, &code(2), day(2017, 9, 1), "193", 9, "HTX Hà Phong").await;
    let allocations = [("205", FIT as i64 * AMOUNT), ("193", 10 * AMOUNT)];
    open_line(p, &line(), 100 * AMOUNT, &allocations, day(2018, 1, 10)).await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let mut yen_duc = Vec::new();
    for i in 0..PAYMENTS {
        let serial = format!("HS-{i:02}");
        yen_duc.push(approved_case(p, &line(), &serial, &code(1), AMOUNT, dates, &rule_set).await);
    }
    let ha_phong = approved_case(p, &line(), "HS-HP", &code(2), 5 * AMOUNT, dates, &rule_set).await;
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
async fn concurrent_commitments_and_payments_never_overspend_the_allocation() {
    let test = TestLedger::postgres().await;
    let programme = Arc::new(Programme::new(test.ledger.clone()));
    let (yen_duc, ha_phong) = set_up(&programme).await;
    let before = head_size(&programme.ledger).await;

    // 64 commitments race for an allocation with room for 20: FIN-01 refuses the rest.
    let commits = yen_duc
        .iter()
        .map(|purpose| {
            let action = BudgetLineAction::Commit {
                purpose: purpose.clone(),
                recipient: "205".into(),
            };
            by(&officer(), day(2018, 3, 1), action)
        })
        .collect();
    let (committed, refusals, conflicts) = race(&programme, commits).await;
    eprintln!(
        "{committed} committed, {} refused, {conflicts} re-sent conflicts",
        refusals.len()
    );
    assert_eq!(
        committed, FIT,
        "exactly the commitments that fit the allocation land"
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
            matches!(&error.reason, BudgetLineError::CommitmentsExceedAllocation { recipient, committed, .. }
                if recipient == "205" && *committed == d(FIT as i64 * AMOUNT)),
            "{error:?}"
        );
    }
    assert_eq!(head_size(&programme.ledger).await, before + FIT as u64);
    let (line_now, _) = programme
        .ledger
        .store::<BudgetLine>()
        .load_current(&line().to_id())
        .await
        .expect("load the line");
    let landed: Vec<Purpose> = yen_duc
        .iter()
        .filter(|purpose| {
            line_now
                .commitments()
                .iter()
                .any(|c| &c.purpose == *purpose && !c.reversed)
        })
        .cloned()
        .collect();
    assert_eq!(landed.len(), FIT);

    // Two payments for each committed case race: one fits what was approved, the other is
    // refused under FIN-03, so the allocation is never overspent.
    let payments = landed
        .iter()
        .enumerate()
        .flat_map(|(i, purpose)| {
            [0, 1].map(|k| {
                payment(
                    purpose,
                    AMOUNT,
                    &format!("GRDT-{i:02}-{k}"),
                    day(2018, 4, 2),
                )
            })
        })
        .collect();
    let before = head_size(&programme.ledger).await;
    let (paid, refusals, conflicts) = race(&programme, payments).await;
    eprintln!(
        "{paid} paid, {} refused, {conflicts} re-sent conflicts",
        refusals.len()
    );
    assert_eq!(paid, FIT, "exactly one payment per commitment lands");
    assert_eq!(refusals.len(), FIT);
    for error in &refusals {
        assert_eq!(error.rule(), Some(RuleCode::Fin03), "{error}");
        assert!(
            matches!(&error.reason, BudgetLineError::CapExceeded { approved, paid, .. }
                if *approved == d(AMOUNT) && *paid == d(AMOUNT)),
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
