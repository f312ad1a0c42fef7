//! The funding projections (funding balances and movements, settlement checks, beneficiary
//! history) over a small programme year driven through the command path, on SQLite and
//! PostgreSQL: concrete figures, findings with their entries, resumption from the tables,
//! live = rebuild = the other backend, reconciliation against a corrupted row, and the
//! balances of 2018 before and after its adjustment period.

use chrono::NaiveDate;
use domain::funding::{
    BudgetLineAction, BudgetLineId, Purpose, RecordId, SettlementAction, SettlementId,
    SupportCategory, TrainingClassAction,
};
use domain::ledger::{Actor, Role};
use domain::reference::Region;
use domain::rules::RuleCode;
use programme::Programme;
use projections::beneficiary_history::BeneficiaryHistory;
use projections::funding_balances::{BalanceRow, FundingBalances, LINE_ROW, reconcile};
use projections::projector::{Projector, rebuild, replay, stored_digests};
use projections::settlement_checks::{RECONCILIATION, SettlementChecks};
use projections::{Digest, Filter, ProjectionSet};
use store::Database;

use crate::support::backends::TestLedger;
use crate::support::programme::*;

const M: i64 = 1_000_000;

fn line_a() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

fn line_t() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NTM-1600", SupportCategory::Training).unwrap()
}

fn line_b() -> BudgetLineId {
    BudgetLineId::new(2019, "SO-KHDT", "NTM-1600", SupportCategory::Establishment).unwrap()
}

fn appraiser() -> Actor {
    Actor::new("pham.tham.dinh", Role::Finance, Some("STC"))
}

fn settlement_approver() -> Actor {
    Actor::new("le.quyet.toan", Role::Finance, Some("STC"))
}

/// Positions of the entries the tests look for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Marks {
    /// The HS-1 advance of 30 triệu (line A, entry 6).
    advance_hs1: u64,
    /// The 3 triệu payment to HS-2 recorded by mistake, and its reversal.
    wrong_payment: u64,
    reversal: u64,
    /// The FIN-06 findings: the review of line A, the settlement's submission.
    review_finding: u64,
    submit_finding: u64,
    /// The FIN-13 finding of the class held with 25 learners.
    class_finding: u64,
    /// The 10 triệu returned against the HS-1 advance after the settlement was approved.
    late_return: u64,
}

async fn line_cmd(
    p: &Programme,
    line: &BudgetLineId,
    actor: &Actor,
    on: NaiveDate,
    action: BudgetLineAction,
) -> u64 {
    let at = head_size(&p.ledger).await;
    accept(&p.budget_lines, &line.to_id(), by(actor, on, action)).await;
    at
}

/// The programme of 2018 (and a case of 2019) for SO-KHDT, through commands only.
async fn scenario(p: &Programme) -> Marks {
    seed_units(p).await;
    let rule_set = publish_rule_set(p, 100 * M).await;
    register(p, &code(1), day(2017, 9, 1), "205", 7, "HTX Yên Đức").await;
    register(p, &code(2), day(2017, 9, 1), "193", 9, "HTX Hà Phong").await;

    // Line A: estimate 300, allocated 150 to Đông Triều (205) and 100 to Hạ Long (193).
    open_line(
        p,
        &line_a(),
        300 * M,
        &[("205", 150 * M), ("193", 100 * M)],
        day(2018, 1, 10),
    )
    .await;
    let dates = (day(2018, 2, 1), day(2018, 2, 15));
    let hs1 = approved_case(p, &line_a(), "HS-1", &code(1), 80 * M, dates, &rule_set).await;
    let hs2 = approved_case(p, &line_a(), "HS-2", &code(2), 60 * M, dates, &rule_set).await;
    commit(p, &line_a(), &hs1, "205", day(2018, 3, 1)).await;
    commit(p, &line_a(), &hs2, "193", day(2018, 3, 1)).await;

    // Training line T: a class of SO-KHDT in Đông Triều, held with 25 learners (FIN-13).
    open_line(p, &line_t(), 200 * M, &[("205", 100 * M)], day(2018, 1, 10)).await;
    let class = RecordId::new(2018, "SO-KHDT", "L01").unwrap();
    let plan = TrainingClassAction::Plan {
        class: class.clone(),
        line: line_t(),
        region: Region::East,
        district: Some("205".into()),
        planned_learners: 40,
        planned_cost: domain::money::Dong::new(60 * M).unwrap(),
        starts_on: day(2018, 5, 10),
    };
    accept(
        &p.training_classes,
        &class.to_id(),
        by(&approver(), day(2018, 4, 1), plan),
    )
    .await;
    let hold = TrainingClassAction::Hold {
        held_from: day(2018, 5, 10),
        held_to: day(2018, 5, 12),
        learners: 25,
        cost: d(55 * M),
    };
    let class_finding = head_size(&p.ledger).await + 1;
    accept(
        &p.training_classes,
        &class.to_id(),
        by(&officer(), day(2018, 5, 12), hold),
    )
    .await;
    let class_purpose = Purpose::TrainingClass(class);
    commit(p, &line_t(), &class_purpose, "205", day(2018, 5, 15)).await;
    let pay_class = BudgetLineAction::MakePayment {
        purpose: class_purpose,
        amount: d(55 * M),
        voucher: "GRDT-L01".into(),
    };
    line_cmd(p, &line_t(), &payer(), day(2018, 5, 20), pay_class).await;

    // Line A's money: entries 6 onward.
    let advance = |purpose: &Purpose, amount: i64| BudgetLineAction::PayAdvance {
        purpose: purpose.clone(),
        amount: d(amount),
        reference: "TU".into(),
    };
    let pay = |purpose: &Purpose, amount: i64, voucher: &str| BudgetLineAction::MakePayment {
        purpose: purpose.clone(),
        amount: d(amount),
        voucher: voucher.into(),
    };
    let a = line_a();
    let advance_hs1 = line_cmd(p, &a, &payer(), day(2018, 5, 2), advance(&hs1, 30 * M)).await; // 6
    line_cmd(
        p,
        &a,
        &payer(),
        day(2018, 6, 1),
        pay(&hs1, 40 * M, "GRDT-01"),
    )
    .await; // 7
    line_cmd(p, &a, &payer(), day(2018, 7, 1), advance(&hs2, 25 * M)).await; // 8
    line_cmd(
        p,
        &a,
        &payer(),
        day(2018, 8, 1),
        pay(&hs2, 15 * M, "GRDT-02"),
    )
    .await; // 9
    let wrong_payment = line_cmd(
        p,
        &a,
        &payer(),
        day(2018, 8, 5),
        pay(&hs2, 3 * M, "GRDT-03"),
    )
    .await; // 10
    let reverse = BudgetLineAction::Reverse {
        entry: 10,
        reason: "Ghi nhầm chứng từ".into(),
    };
    let reversal = line_cmd(p, &a, &officer(), day(2018, 8, 6), reverse).await; // 11
    let give_back = |against_entry: u32, amount: i64| BudgetLineAction::ReturnFunds {
        against_entry,
        amount: d(amount),
        document: "GNT-01".into(),
    };
    line_cmd(p, &a, &officer(), day(2018, 9, 1), give_back(9, 5 * M)).await; // 12
    let settle = |advance_entry: u32, amount: i64| BudgetLineAction::SettleAdvance {
        advance_entry,
        amount: d(amount),
    };
    line_cmd(p, &a, &payer(), day(2018, 12, 20), settle(6, 20 * M)).await; // 13
    line_cmd(p, &a, &payer(), day(2019, 1, 20), settle(8, 25 * M)).await; // 14, chỉnh lý

    // After 31/01/2019: 10 triệu of the HS-1 advance is still outstanding.
    let review_finding = line_cmd(
        p,
        &a,
        &officer(),
        day(2019, 2, 5),
        BudgetLineAction::ReviewAdvances,
    )
    .await;
    let settlement = SettlementId::new(2018, "SO-KHDT").unwrap();
    let submit = SettlementAction::Submit {
        settlement: settlement.clone(),
        lines: vec![line_a(), line_t()],
    };
    let submit_finding = head_size(&p.ledger).await + 1;
    let id = settlement.to_id();
    accept(
        &p.settlements,
        &id,
        by(&officer(), day(2019, 2, 10), submit),
    )
    .await;
    let appraise = SettlementAction::Appraise {
        disallowed: d(0),
        notes: "Đủ hồ sơ".into(),
    };
    accept(
        &p.settlements,
        &id,
        by(&appraiser(), day(2019, 2, 20), appraise),
    )
    .await;
    let approve = SettlementAction::Approve;
    accept(
        &p.settlements,
        &id,
        by(&settlement_approver(), day(2019, 3, 1), approve),
    )
    .await;
    let late_return = line_cmd(p, &a, &officer(), day(2019, 3, 15), give_back(6, 10 * M)).await; // 15

    // 2019: the same cooperative again, from another source.
    open_line(p, &line_b(), 100 * M, &[("205", 100 * M)], day(2019, 3, 5)).await;
    let dates = (day(2019, 3, 10), day(2019, 3, 20));
    let hs1_2019 = approved_case(p, &line_b(), "HS-1", &code(1), 50 * M, dates, &rule_set).await;
    commit(p, &line_b(), &hs1_2019, "205", day(2019, 3, 25)).await;
    line_cmd(
        p,
        &line_b(),
        &payer(),
        day(2019, 4, 10),
        pay(&hs1_2019, 50 * M, "GRDT-2019"),
    )
    .await;

    Marks {
        advance_hs1,
        wrong_payment,
        reversal,
        review_finding,
        submit_finding,
        class_finding,
        late_return,
    }
}

/// (estimate, allocated, approved, committed, advanced, outstanding, overdue, paid, returned,
/// available), in triệu.
type Figures = [i64; 10];

fn figures(row: &BalanceRow) -> Figures {
    [
        row.estimate,
        row.allocated,
        row.approved,
        row.committed,
        row.advanced,
        row.advance_outstanding,
        row.advance_overdue,
        row.paid,
        row.returned,
        row.available,
    ]
    .map(|v| {
        assert_eq!(v % M, 0, "{row:?}");
        v / M
    })
}

fn balance(set: &ProjectionSet, line: &BudgetLineId, district: &str) -> Figures {
    let balances = set.get::<FundingBalances>().expect("funding balances");
    let row = balances
        .row(line, district)
        .unwrap_or_else(|| panic!("no row {line} [{district}]"));
    figures(row)
}

fn check_final_figures(set: &ProjectionSet, marks: &Marks) {
    //                                     est  alloc appr comm adv out ovd paid ret avail
    assert_eq!(
        balance(set, &line_a(), LINE_ROW),
        [300, 0, 140, 0, 0, 0, 0, 0, 0, 50]
    );
    assert_eq!(
        balance(set, &line_a(), "205"),
        [0, 150, 0, 80, 30, 0, 0, 60, 10, 90]
    );
    assert_eq!(
        balance(set, &line_a(), "193"),
        [0, 100, 0, 60, 25, 0, 0, 40, 5, 65]
    );
    assert_eq!(
        balance(set, &line_t(), LINE_ROW),
        [200, 0, 60, 0, 0, 0, 0, 0, 0, 100]
    );
    assert_eq!(
        balance(set, &line_t(), "205"),
        [0, 100, 0, 60, 0, 0, 0, 55, 0, 45]
    );
    assert_eq!(
        balance(set, &line_b(), LINE_ROW),
        [100, 0, 50, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        balance(set, &line_b(), "205"),
        [0, 100, 0, 50, 0, 0, 0, 50, 0, 50]
    );

    let balances = set.get::<FundingBalances>().unwrap();
    assert_eq!(balances.balances.len(), 7);
    assert_eq!(balances.as_of(), Some(day(2019, 4, 10)));
    // Every figure is the sum of its movements; the wrong payment and its reversal cancel.
    for row in balances.balances.iter() {
        let moves: Vec<_> = balances
            .movements
            .iter()
            .filter(|m| {
                (m.year, &m.unit, &m.source, &m.category, &m.district)
                    == (
                        row.year,
                        &row.unit,
                        &row.source,
                        &row.category,
                        &row.district,
                    )
            })
            .collect();
        assert_eq!(moves.len() as i64, row.entries, "{row:?}");
        assert_eq!(moves.iter().map(|m| m.d_paid).sum::<i64>(), row.paid);
        assert_eq!(
            moves.iter().map(|m| m.d_available).sum::<i64>(),
            row.available
        );
        assert_eq!(
            moves.iter().map(|m| m.d_advance_outstanding).sum::<i64>(),
            row.advance_outstanding
        );
        assert_eq!(
            moves.iter().map(|m| m.position).max(),
            Some(row.last_position)
        );
    }
    let wrong = balances
        .movements
        .get(&(marks.wrong_payment, 0))
        .expect("the wrong payment");
    assert_eq!(
        (wrong.kind.as_str(), wrong.amount, wrong.reversed_by),
        ("payment", 3 * M, Some(marks.reversal))
    );
    let reversal = balances
        .movements
        .get(&(marks.reversal, 0))
        .expect("its reversal");
    assert_eq!(
        (
            reversal.kind.as_str(),
            reversal.d_paid,
            reversal.against_position
        ),
        ("reversal", -3 * M, Some(marks.wrong_payment))
    );
    let late = balances
        .movements
        .get(&(marks.late_return, 0))
        .expect("the late return");
    assert_eq!(
        (
            late.kind.as_str(),
            late.against_position,
            late.district.as_str()
        ),
        ("return", Some(marks.advance_hs1), "205")
    );

    // Settlement checks of SO-KHDT 2018: FIN-06 and FIN-13 are findings, with their entries.
    let checks = set.get::<SettlementChecks>().expect("settlement checks");
    let fin06 = checks.check("SO-KHDT", 2018, "FIN-06").expect("FIN-06 row");
    assert_eq!(fin06.status, "finding", "{fin06:?}");
    // The advances of 2018 not cleared by 31/01/2019: the basis in force then, not TT 17/2024.
    assert_eq!(
        fin06.legal_basis,
        RuleCode::Fin06.legal_basis_on(day(2019, 1, 31))
    );
    assert!(
        !fin06.legal_basis.contains("17/2024"),
        "{}",
        fin06.legal_basis
    );
    assert_eq!(
        fin06.positions,
        vec![
            marks.advance_hs1,
            marks.review_finding,
            marks.submit_finding
        ]
    );
    let text = fin06.finding.as_deref().unwrap();
    // Money and dates as people read them: one "đ", dd/mm/yyyy.
    assert!(
        text.contains("còn 10.000.000 đ sau 31/01/2019") && !text.contains("đ đ"),
        "{text}"
    );
    let fin13 = checks.check("SO-KHDT", 2018, "FIN-13").expect("FIN-13 row");
    assert_eq!(
        (fin13.status.as_str(), fin13.positions.clone()),
        ("finding", vec![marks.class_finding])
    );
    assert!(
        fin13.finding.as_deref().unwrap().contains("25 học viên"),
        "{fin13:?}"
    );
    for rule in [
        "FIN-01",
        "FIN-02",
        "FIN-03",
        "FIN-04",
        "FIN-08",
        "FIN-09",
        "FIN-10",
        "FIN-11",
        "FIN-16",
        RECONCILIATION,
    ] {
        let row = checks
            .check("SO-KHDT", 2018, rule)
            .unwrap_or_else(|| panic!("{rule}"));
        assert_eq!(row.status, "ok", "{row:?}");
        assert!(row.positions.is_empty() && row.finding.is_none(), "{row:?}");
    }
    let recon = checks.check("SO-KHDT", 2018, RECONCILIATION).unwrap();
    assert!(
        recon.summary.contains("155.000.000 đ") && recon.summary.contains("150.000.000 đ"),
        "{recon:?}"
    );
    let fin08 = checks.check("SO-KHDT", 2018, "FIN-08").unwrap();
    assert!(
        fin08
            .summary
            .contains("1 bút toán trong thời gian chỉnh lý"),
        "{fin08:?}"
    );
    assert_eq!(
        checks
            .checks
            .iter()
            .filter(|r| (r.unit.as_str(), r.year) == ("SO-KHDT", 2018))
            .count(),
        12
    );
    assert!(
        checks
            .checks
            .iter()
            .filter(|r| r.year == 2019)
            .all(|r| r.status == "ok")
    );

    // Beneficiary history: Yên Đức twice (2018 provincial budget, 2019 NTM), Hà Phong once.
    let history = set
        .get::<BeneficiaryHistory>()
        .expect("beneficiary history");
    let yen_duc = history.of(code(1).as_str());
    let shown: Vec<_> = yen_duc
        .iter()
        .map(|r| {
            (
                r.case_id.as_str(),
                r.year,
                r.source.as_str(),
                r.approved / M,
                r.committed / M,
                r.advanced / M,
                r.advance_outstanding / M,
                r.paid / M,
                r.returned / M,
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            ("2018/SO-KHDT/HS-1", 2018, "NS-TINH", 80, 80, 30, 0, 60, 10),
            ("2019/SO-KHDT/HS-1", 2019, "NTM-1600", 50, 50, 0, 0, 50, 0),
        ]
    );
    let first = yen_duc[0];
    assert_eq!(
        (first.status.as_str(), first.recipient.as_deref()),
        ("approved", Some("205"))
    );
    assert_eq!(
        (first.first_paid_on, first.last_paid_on),
        (Some(day(2018, 6, 1)), Some(day(2018, 12, 20)))
    );
    assert!(
        first.positions.contains(&marks.advance_hs1)
            && first.positions.contains(&marks.late_return)
    );
    let ha_phong = history.of(code(2).as_str());
    assert_eq!(ha_phong.len(), 1);
    let r = ha_phong[0];
    assert_eq!(
        [r.approved, r.advanced, r.paid, r.returned].map(|v| v / M),
        [60, 25, 40, 5]
    );
    assert!(r.positions.contains(&marks.wrong_payment) && r.positions.contains(&marks.reversal));
}

fn funding_digests(digests: &[Digest]) -> Vec<&Digest> {
    digests
        .iter()
        .filter(|d| {
            [
                "funding_balances",
                "settlement_checks",
                "beneficiary_history",
            ]
            .contains(&d.projection)
        })
        .collect()
}

/// Runs the scenario, folds it live in two goes (reloading from the tables in between), and
/// checks the figures; returns the live digests.
async fn live_and_rebuilt(test: &TestLedger) -> Vec<Digest> {
    let p = Programme::new(test.ledger.clone());
    let marks = scenario(&p).await;
    let db = test.ledger.database();
    let half = head_size(&test.ledger).await / 2;
    let mut projector = Projector::load(db).await.expect("load");
    projector
        .catch_up_with(half, None, |_| {})
        .await
        .expect("first part");
    let mut projector = Projector::load(db).await.expect("reload from the tables");
    assert_eq!(projector.position(), half);
    projector.catch_up(|_| {}).await.expect("catch up");
    check_final_figures(projector.set(), &marks);
    let (_, stored) = stored_digests(db).await.expect("stored digests");
    let reloaded = Projector::load(db).await.expect("reload");
    check_final_figures(reloaded.set(), &marks);
    let live = projector.set().digests().expect("digests");
    assert_eq!(stored, live, "the stored tables are the live ones");
    // Five documented tables; settlement_check_state is internal and not digested.
    assert_eq!(funding_digests(&live).len(), 5);
    let rebuilt = rebuild(db, |_| {})
        .await
        .expect("rebuild")
        .digests()
        .expect("digests");
    assert_eq!(live, rebuilt, "live = rebuild");
    assert!(reconcile(db).await.expect("reconcile").is_empty());
    live
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funding_projections_show_the_figures_and_agree_live_rebuilt_and_across_backends() {
    let sqlite = TestLedger::sqlite().await;
    let postgres = TestLedger::postgres().await;
    let on_sqlite = live_and_rebuilt(&sqlite).await;
    let on_postgres = live_and_rebuilt(&postgres).await;
    assert_eq!(
        on_sqlite, on_postgres,
        "SQLite and PostgreSQL fold the same tables"
    );
}

async fn corrupt(db: &Database, sql: &str) {
    match db.pool() {
        store::Pool::Sqlite(pool) => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
        store::Pool::Postgres(pool) => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
    }
    .map(|rows| assert_eq!(rows, 1, "{sql}"))
    .expect("update the projection table");
}

async fn reconcile_reports_a_corrupted_row(test: &TestLedger) {
    let p = Programme::new(test.ledger.clone());
    scenario(&p).await;
    let db = test.ledger.database();
    let mut projector = Projector::load(db).await.expect("load");
    projector.catch_up(|_| {}).await.expect("catch up");
    assert_eq!(reconcile(db).await.expect("reconcile"), vec![]);

    corrupt(db, "UPDATE funding_balances SET paid = paid + 1000000 \
                 WHERE year = 2018 AND unit = 'SO-KHDT' AND source = 'NS-TINH' AND district = '193'").await;
    let differences = reconcile(db).await.expect("reconcile");
    assert_eq!(differences.len(), 1, "{differences:#?}");
    let diff = &differences[0];
    assert_eq!(
        (
            diff.table,
            diff.year,
            diff.unit.as_str(),
            diff.category.as_str(),
            diff.district.as_str()
        ),
        ("funding_balances", 2018, "SO-KHDT", "establishment", "193")
    );
    assert_eq!((diff.stored, diff.from_log), (41 * M, 40 * M));
    // The payment entries behind it: the settled advance, the payment, the wrong payment and
    // its reversal.
    assert_eq!(diff.positions.len(), 4, "{diff}");
    assert!(diff.to_string().contains("1000000"), "{diff}");
    // The same check through the binary: exit 1, naming the row.
    let (code, text) =
        crate::support::cli::htx_ledger(&test.url, None, &["projections", "reconcile"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("DIFFERENCES (1)") && text.contains("SO-KHDT"),
        "{text}"
    );

    corrupt(
        db,
        "UPDATE funding_movements SET d_paid = 0 WHERE d_paid = 55000000",
    )
    .await;
    let differences = reconcile(db).await.expect("reconcile");
    assert_eq!(differences.len(), 2, "{differences:#?}");
    assert_eq!(
        (
            differences[1].table,
            differences[1].stored,
            differences[1].from_log
        ),
        ("funding_movements", 0, 55 * M)
    );

    // A rebuild restores the tables from the log.
    rebuild(db, |_| {}).await.expect("rebuild");
    assert_eq!(reconcile(db).await.expect("reconcile"), vec![]);
    let (code, text) =
        crate::support::cli::htx_ledger(&test.url, None, &["projections", "reconcile"]);
    assert_eq!(code, 0, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_reports_a_corrupted_balance_on_sqlite() {
    reconcile_reports_a_corrupted_row(&TestLedger::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_reports_a_corrupted_balance_on_postgres() {
    reconcile_reports_a_corrupted_row(&TestLedger::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_of_2018_before_and_after_its_adjustment_period() {
    let test = TestLedger::sqlite().await;
    let p = Programme::new(test.ledger.clone());
    scenario(&p).await;
    let db = test.ledger.database();
    let as_of = |date: NaiveDate| replay(db, Filter::AsOfDate(date), |_| {});

    // 31/12/2018: both advances partly or wholly outstanding, nothing overdue.
    let year_end = as_of(day(2018, 12, 31)).await.expect("replay");
    //                                              est alloc appr comm adv out ovd paid ret avail
    assert_eq!(
        balance(&year_end, &line_a(), "205"),
        [0, 150, 0, 80, 30, 10, 0, 60, 0, 80]
    );
    assert_eq!(
        balance(&year_end, &line_a(), "193"),
        [0, 100, 0, 60, 25, 25, 0, 15, 5, 65]
    );
    let fin06 = |set: &ProjectionSet| {
        let checks = set.get::<SettlementChecks>().unwrap();
        checks
            .check("SO-KHDT", 2018, "FIN-06")
            .cloned()
            .expect("FIN-06")
    };
    assert_eq!(fin06(&year_end).status, "ok");

    // 31/01/2019, the last day of the adjustment period: Hạ Long's advance was cleared on
    // 20/01 (chỉnh lý); 10 triệu of Đông Triều's is outstanding but not yet overdue.
    let last_day = as_of(day(2019, 1, 31)).await.expect("replay");
    assert_eq!(
        balance(&last_day, &line_a(), "205"),
        [0, 150, 0, 80, 30, 10, 0, 60, 0, 80]
    );
    assert_eq!(
        balance(&last_day, &line_a(), "193"),
        [0, 100, 0, 60, 25, 0, 0, 40, 5, 65]
    );
    let settled = last_day.get::<FundingBalances>().unwrap();
    assert!(
        settled
            .movements
            .iter()
            .any(|m| m.kind == "advance-settlement" && m.adjustment_period && m.district == "193")
    );
    assert_eq!(fin06(&last_day).status, "ok");

    // 15/02/2019: after the review of 05/02 and the submission of 10/02, it is overdue.
    let after = as_of(day(2019, 2, 15)).await.expect("replay");
    assert_eq!(
        balance(&after, &line_a(), "205"),
        [0, 150, 0, 80, 30, 10, 10, 60, 0, 80]
    );
    assert_eq!(
        balance(&after, &line_a(), "193"),
        [0, 100, 0, 60, 25, 0, 0, 40, 5, 65]
    );
    assert_eq!(
        after.get::<FundingBalances>().unwrap().as_of(),
        Some(day(2019, 2, 10))
    );
    assert_eq!(fin06(&after).status, "finding");

    // Returned on 15/03/2019 after the settlement: cleared, no longer overdue; the finding
    // stays (it was outstanding after 31/01).
    let end = as_of(day(2019, 12, 31)).await.expect("replay");
    assert_eq!(
        balance(&end, &line_a(), "205"),
        [0, 150, 0, 80, 30, 0, 0, 60, 10, 90]
    );
    assert_eq!(fin06(&end).status, "finding");
}
