//! Batches (`programme::Batch`): commands decided in order against the state the ones before
//! them left, written in one commit with an answer for each; a refusal anywhere writes
//! nothing; batches racing single payments on one budget line never overspend it.

use std::sync::Arc;

use cqrs_es::AggregateError;
use domain::cooperative::{Cooperative, CooperativeAction, MemberCounts};
use domain::funding::{BudgetLine, BudgetLineId, Purpose, SupportCategory};
use domain::ledger::EventMetadata;
use domain::rules::RuleCode;
use programme::Programme;
use store::StoreError;
use store::verify::verify_log;

use crate::support::backends::TestLedger;
use crate::support::programme::*;

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

fn metadata_of<A>(command: &domain::command::Command<A>) -> EventMetadata {
    EventMetadata::new(command.actor.clone(), command.effective_date).with_legal_basis(PLAN)
}

fn membership(official: u32) -> CooperativeAction {
    CooperativeAction::RecordMembership {
        members: MemberCounts {
            official,
            associate: 0,
            member_cooperatives: 0,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_decided_in_order_written_in_one_commit_and_answered_per_command() {
    for test in [TestLedger::sqlite().await, TestLedger::postgres().await] {
        let p = Programme::new(test.ledger.clone());
        seed_units(&p).await;
        // What one command's write sends, for comparison.
        let single = p.ledger.database().statements();
        register(&p, &code(2), day(2017, 9, 1), "205", 7, "HTX Hà Phong").await;
        let single = p.ledger.database().statements() - single;
        let before = head_size(&p.ledger).await;
        let statements = p.ledger.database().statements();

        // The registration, then two commands on the cooperative it creates: each decided on
        // what the one before it left, none of it in the log yet.
        let mut batch = p.batch();
        let coop = code(1);
        let commands = [
            by(
                &clerk(),
                day(2017, 9, 1),
                registration(&coop, "205", 7, "HTX Yên Đức"),
            ),
            by(&clerk(), day(2017, 10, 1), membership(9)),
            by(&clerk(), day(2017, 11, 1), membership(11)),
        ];
        for command in commands {
            let metadata = metadata_of(&command);
            let decided = batch
                .decide(&p.cooperatives, coop.as_str(), command, &metadata, None)
                .await
                .expect("decided");
            assert_eq!(decided, 1);
        }
        assert_eq!(head_size(&p.ledger).await, before, "nothing written yet");
        let written = batch.commit(None).await.expect("the batch is written");
        let sent = p.ledger.database().statements() - statements;

        assert_eq!(written.len(), 3, "one answer a command");
        let positions: Vec<(u64, u64, &str)> = written
            .iter()
            .map(|w| (w[0].at.position, w[0].at.sequence, w[0].event_type.as_str()))
            .collect();
        assert_eq!(
            positions,
            [
                (before, 1, "CooperativeRegistered"),
                (before + 1, 2, "MembershipRecorded"),
                (before + 2, 3, "MembershipRecorded"),
            ]
        );
        assert_eq!(head_size(&p.ledger).await, before + 3);
        // One write for the three, not three writes (at most one more row statement each).
        assert!(
            sent <= single + 2,
            "one write for the whole batch: {sent} statements, one command {single}"
        );
        let (coop_now, sequence) = p
            .ledger
            .store::<Cooperative>()
            .load_current(coop.as_str())
            .await
            .unwrap();
        assert_eq!(sequence, 3);
        assert_eq!(coop_now.latest_members().map(|m| m.official), Some(11));
        verify_log(p.ledger.database(), |_| {})
            .await
            .unwrap()
            .expect("the log verifies");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_inside_a_batch_writes_nothing_of_it() {
    let test = TestLedger::sqlite().await;
    let p = Programme::new(test.ledger.clone());
    seed_units(&p).await;
    register(&p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    let before = head_size(&p.ledger).await;

    let mut batch = p.batch();
    let fine = by(&clerk(), day(2017, 10, 1), membership(9));
    batch
        .decide(
            &p.cooperatives,
            code(1).as_str(),
            fine.clone(),
            &metadata_of(&fine),
            None,
        )
        .await
        .expect("the first command is accepted");
    // A second registration of the same code: REG-01 refuses it, so the batch is dropped.
    let again = by(
        &clerk(),
        day(2017, 10, 2),
        registration(&code(1), "205", 7, "HTX Yên Đức"),
    );
    let refused = batch
        .decide(
            &p.cooperatives,
            code(1).as_str(),
            again.clone(),
            &metadata_of(&again),
            None,
        )
        .await;
    let Err(AggregateError::UserError(refusal)) = refused else {
        panic!("a second registration was not refused: {refused:?}");
    };
    assert!(refusal.rule().is_some(), "{refusal}");
    drop(batch);
    assert_eq!(
        head_size(&p.ledger).await,
        before,
        "nothing of the batch is written"
    );
    let (coop, sequence) = p
        .ledger
        .store::<Cooperative>()
        .load_current(code(1).as_str())
        .await
        .unwrap();
    assert_eq!(sequence, 1);
    assert_eq!(coop.latest_members().map(|m| m.official), Some(7));

    // A batch whose aggregate moved on after it was decided is refused whole at the commit.
    let mut stale = p.batch();
    let first = by(&clerk(), day(2017, 10, 3), membership(12));
    stale
        .decide(
            &p.cooperatives,
            code(1).as_str(),
            first.clone(),
            &metadata_of(&first),
            None,
        )
        .await
        .unwrap();
    accept(
        &p.cooperatives,
        code(1).as_str(),
        by(&clerk(), day(2017, 10, 4), membership(13)),
    )
    .await;
    let moved = head_size(&p.ledger).await;
    let conflict = stale.commit(None).await;
    assert!(
        matches!(conflict, Err(StoreError::Conflict { .. })),
        "{conflict:?}"
    );
    assert_eq!(head_size(&p.ledger).await, moved);
}

/// Payments of 1 triệu against one commitment of 40 triệu: batches of four and single
/// payments race; every batch is all or nothing, and what lands never passes the commitment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_racing_single_payments_on_one_line_never_overspend_it() {
    const AMOUNT: i64 = 1_000_000;
    const APPROVED: i64 = 40 * AMOUNT;
    let test = TestLedger::postgres().await;
    let p = Arc::new(Programme::new(test.ledger.clone()));
    seed_units(&p).await;
    let rule_set = publish_rule_set(&p, APPROVED).await;
    register(&p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    open_line(
        &p,
        &line(),
        2 * APPROVED,
        &[("205", 2 * APPROVED)],
        day(2018, 1, 10),
    )
    .await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let purpose: Purpose =
        approved_case(&p, &line(), "HS-1", &code(1), APPROVED, dates, &rule_set).await;
    commit(&p, &line(), &purpose, "205", day(2018, 3, 1)).await;
    let before = head_size(&p.ledger).await;

    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (p, purpose) = (p.clone(), purpose.clone());
        tasks.push(tokio::spawn(async move {
            let (mut landed, mut refused) = (0u64, 0u64);
            // Batches of four try eight times; single payments go on until FIN-03 stops
            // them, so that whatever room the batches leave is taken.
            let (size, rounds) = if worker % 2 == 0 { (4, 8) } else { (1, 100) };
            for round in 0..rounds {
                'attempts: for _ in 0..1_000 {
                    let mut batch = p.batch();
                    for k in 0..size {
                        let voucher = format!("PC-{worker}-{round}-{k}");
                        let command = payment(&purpose, AMOUNT, &voucher, day(2018, 4, 2));
                        let metadata = metadata_of(&command);
                        match batch
                            .decide(&p.budget_lines, &line().to_id(), command, &metadata, None)
                            .await
                        {
                            Ok(_) => {}
                            Err(AggregateError::UserError(error)) => {
                                assert_eq!(error.rule(), Some(RuleCode::Fin03), "{error}");
                                refused += 1;
                                if size == 1 {
                                    return (landed, refused);
                                }
                                break 'attempts;
                            }
                            Err(other) => panic!("{other:?}"),
                        }
                    }
                    match batch.commit(None).await {
                        Ok(written) => {
                            assert_eq!(written.len(), size);
                            landed += size as u64;
                            break;
                        }
                        Err(StoreError::Conflict { .. }) => tokio::task::yield_now().await,
                        Err(other) => panic!("{other:?}"),
                    }
                }
            }
            (landed, refused)
        }));
    }
    let (mut landed, mut refused) = (0, 0);
    for task in tasks {
        let (l, r) = task.await.unwrap();
        landed += l;
        refused += r;
    }
    eprintln!("{landed} payments landed, {refused} batches or payments refused");
    assert_eq!(
        landed, 40,
        "the commitment is paid exactly to its approved amount"
    );
    assert!(refused > 0);
    assert_eq!(head_size(&p.ledger).await, before + landed);
    let fresh = store::Ledger::open(&test.url, crate::support::backends::test_clock())
        .await
        .unwrap();
    let (reloaded, _) = fresh
        .store::<BudgetLine>()
        .load_current(&line().to_id())
        .await
        .unwrap();
    assert_eq!(reloaded.spent("205").paid, d(APPROVED));
    verify_log(fresh.database(), |_| {})
        .await
        .unwrap()
        .expect("the log verifies");
}

/// A batch's lookups trust this process's cache when it wrote everything since
/// (`LedgerStore::load_known`): if another process appended meanwhile, the batch is refused
/// as a conflict, and decided again on what the log holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_decided_on_the_cache_is_refused_when_another_process_wrote_meanwhile() {
    let test = TestLedger::postgres().await;
    let p = Programme::new(test.ledger.clone());
    seed_units(&p).await;
    let rule_set = publish_rule_set(&p, 10_000_000).await;
    register(&p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    open_line(
        &p,
        &line(),
        50_000_000,
        &[("205", 50_000_000)],
        day(2018, 1, 10),
    )
    .await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let purpose = approved_case(&p, &line(), "HS-1", &code(1), 10_000_000, dates, &rule_set).await;

    // Another process (a ledger of its own on the same database) appends after the decision.
    let batch = commit_decided(&p, &purpose).await;
    let other = store::Ledger::open(&test.url, crate::support::backends::test_clock())
        .await
        .unwrap();
    accept(
        &Programme::new(other.clone()).cooperatives,
        code(1).as_str(),
        by(&clerk(), day(2018, 3, 2), membership(9)),
    )
    .await;
    let moved = head_size(&p.ledger).await;
    let refused = batch.commit(None).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(head_size(&p.ledger).await, moved, "nothing written");
    // Decided again: the lookups read the log now, and the commitment lands.
    let written = commit_decided(&p, &purpose)
        .await
        .commit(None)
        .await
        .expect("written");
    assert_eq!(written.len(), 1);
    assert_eq!(head_size(&p.ledger).await, moved + 1);
}

/// A batch with the commitment of `purpose` on the line decided in it.
async fn commit_decided(p: &Programme, purpose: &Purpose) -> programme::Batch {
    let command = by(
        &officer(),
        day(2018, 3, 1),
        domain::funding::BudgetLineAction::Commit {
            purpose: purpose.clone(),
            recipient: "205".into(),
        },
    );
    let metadata = metadata_of(&command);
    let mut batch = p.batch();
    batch
        .decide(&p.budget_lines, &line().to_id(), command, &metadata, None)
        .await
        .expect("the commitment is decided");
    batch
}
