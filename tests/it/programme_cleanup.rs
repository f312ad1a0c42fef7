//! The 2017 clean-up of plan 31/KH-UBND on a small scale, through commands only: inactive
//! cooperatives detected, some dissolved voluntarily, some compulsorily, one re-registered
//! late with a finding, and a payment to a dissolved cooperative refused. The same commands
//! give the same bytes on SQLite and PostgreSQL.

use cqrs_es::AggregateError;
use domain::code::CooperativeCode;
use domain::cooperative::{
    Cooperative, CooperativeAction as A, CooperativeStatus as S, DissolutionMode, MemberCounts,
};
use domain::funding::{BudgetLineId, SupportCategory};
use domain::rules::{Refused, RuleCode, RuleError};
use programme::Programme;
use store::export::export_jsonl;
use store::verify::verify_log;

use crate::support::backends::TestLedger;
use crate::support::programme::*;

/// The cooperatives of the review: (number, district, registered in, name).
const COOPERATIVES: [(u32, &str, i32, &str); 6] = [
    (1, "205", 2006, "HTX Nông nghiệp Yên Đức"),
    (2, "205", 2008, "HTX Dịch vụ Hồng Phong"),
    (3, "205", 2009, "HTX Chè Tràng An"),
    (4, "206", 2007, "HTX Thuỷ sản Cẩm La"),
    (5, "206", 2010, "HTX Nuôi trồng Liên Hoà"),
    (6, "206", 2011, "HTX Rau an toàn Hiệp Hoà"),
];

const REVIEW: &str = "Rà soát HTX năm 2017 theo Kế hoạch 31/KH-UBND";

fn line() -> BudgetLineId {
    BudgetLineId::new(2017, "SO-KHDT", "NS-TINH", SupportCategory::Establishment).unwrap()
}

/// Runs a cooperative action as the registration clerk; it must be accepted.
async fn record(programme: &Programme, n: u32, date: chrono::NaiveDate, action: A) {
    accept(
        &programme.cooperatives,
        code(n).as_str(),
        by(&clerk(), date, action),
    )
    .await;
}

/// Asserts that `result` is a refusal under `rule` whose message names the rule, and returns
/// the message.
fn refusal<E: RuleError>(result: Result<(), AggregateError<Refused<E>>>, rule: RuleCode) -> String {
    let error = match result {
        Err(AggregateError::UserError(error)) => error,
        other => panic!("expected a refusal under {rule}, got {other:?}"),
    };
    assert_eq!(error.rule(), Some(rule), "{error}");
    let message = error.to_string();
    let (vi, en) = rule.name();
    assert!(
        message.starts_with(&format!("{rule} {vi} / {en}")),
        "{message}"
    );
    assert!(
        message.ends_with(&format!(
            "(căn cứ / legal basis: {})",
            rule.legal_basis_on(error.effective_date)
        )),
        "{message}"
    );
    message
}

/// Replays the clean-up on `test`, checks every outcome, and returns the exported log.
async fn replay_cleanup(test: &TestLedger) -> Vec<u8> {
    let programme = Programme::new(test.ledger.clone());
    let p = &programme;
    seed_units(p).await;
    let rule_set = publish_rule_set(p, 50_000_000).await;
    for (n, unit, year, name) in COOPERATIVES {
        register(p, &code(n), day(year, 3, 15), unit, 9, name).await;
    }
    // Tràng An (3) was supported in 2017 before the review: committed, partly paid.
    open_line(
        p,
        &line(),
        200_000_000,
        &[("205", 100_000_000)],
        day(2017, 2, 10),
    )
    .await;
    let dates = (day(2017, 4, 3), day(2017, 4, 17));
    let trang_an = approved_case(
        p,
        &line(),
        "HS-0003",
        &code(3),
        30_000_000,
        dates,
        &rule_set,
    )
    .await;
    commit(p, &line(), &trang_an, "205", day(2017, 5, 2)).await;
    let first = payment(&trang_an, 10_000_000, "GRDT-0001", day(2017, 6, 1));
    accept(&p.budget_lines, &line().to_id(), first).await;

    // The review: Yên Đức (1) re-registers under the 2012 Law, fifteen months late.
    let re_register = A::ReRegister {
        members: MemberCounts {
            official: 8,
            associate: 0,
            member_cooperatives: 0,
        },
        certificate_no: "22.07.000123".into(),
    };
    record(p, 1, day(2017, 10, 2), re_register.clone()).await;
    // Inactivity detected: 12 months or more is a REG-03 ground; 6 months is not yet.
    for (n, months) in [(2, 30), (4, 36), (5, 18), (6, 6)] {
        let detected = A::RecordInactivity {
            months_inactive: months,
            source: REVIEW.into(),
        };
        record(p, n, day(2017, 10, 16), detected).await;
    }
    // Voluntary dissolutions: Hồng Phong (2, inactive) and Tràng An (3, winding up).
    for (n, resolved, published, dissolved) in [
        (2, day(2017, 11, 1), day(2017, 11, 6), day(2017, 12, 15)),
        (3, day(2017, 11, 20), day(2017, 11, 22), day(2017, 12, 18)),
    ] {
        let resolution = A::ResolveDissolution {
            resolution: format!("Nghị quyết đại hội thành viên giải thể HTX số {n}"),
        };
        record(p, n, resolved, resolution).await;
        record(p, n, published, A::PublishDissolution).await;
        let dossier = A::CompleteDissolution {
            mode: DissolutionMode::Dossier,
        };
        record(p, n, dissolved, dossier).await;
    }
    // Compulsory dissolutions of Cẩm La (4) and Liên Hoà (5), complete six months on.
    for n in [4, 5] {
        let decision = A::DecideCompulsoryDissolution {
            decided_by: "UBND thị xã Quảng Yên".into(),
            ground: "Không hoạt động 12 tháng liên tục".into(),
            decision: doc(&format!("{}/QĐ-UBND", 150 + n)),
        };
        record(p, n, day(2017, 11, 10), decision).await;
        record(p, n, day(2017, 11, 15), A::PublishDissolution).await;
    }
    let elapsed = A::CompleteDissolution {
        mode: DissolutionMode::SixMonthsElapsed,
    };
    let size = head_size(&p.ledger).await;
    let too_early = by(&clerk(), day(2018, 5, 14), elapsed.clone());
    let result = run(&p.cooperatives, code(4).as_str(), too_early).await;
    let message = refusal(result, RuleCode::Reg06);
    assert!(
        message.contains("2018-05-15"),
        "names the earliest day: {message}"
    );
    assert_eq!(head_size(&p.ledger).await, size, "a refusal writes nothing");
    for n in [4, 5] {
        record(p, n, day(2018, 5, 15), elapsed.clone()).await;
    }

    // A payment to the dissolved Tràng An is refused under FIN-04, naming the rule.
    let size = head_size(&p.ledger).await;
    let late = payment(&trang_an, 10_000_000, "GRDT-0002", day(2017, 12, 28));
    let result = run(&p.budget_lines, &line().to_id(), late).await;
    let message = refusal(result, RuleCode::Fin04);
    assert!(message.contains(code(3).as_str()), "{message}");
    // Paid on 28/12/2017: judged under the 2012 Law and its decree, not the law of 2024.
    assert!(message.contains("NĐ 193/2013/NĐ-CP"), "{message}");
    assert!(!message.contains("92/2024"), "{message}");
    assert_eq!(head_size(&p.ledger).await, size, "a refusal writes nothing");
    // Nor may a cooperative re-register twice, or a dissolved one hold a meeting.
    let again = by(&clerk(), day(2017, 12, 1), re_register);
    let result = run(&p.cooperatives, code(1).as_str(), again).await;
    refusal(result, RuleCode::Reg05);
    let meeting = by(
        &clerk(),
        day(2018, 1, 5),
        A::RecordGeneralMeeting { annual: true },
    );
    let result = run(&p.cooperatives, code(2).as_str(), meeting).await;
    refusal(result, RuleCode::Reg04);
    assert_eq!(head_size(&p.ledger).await, size, "refusals write nothing");

    // Statuses on the last day of 2017 and after the six months.
    let registry = &p.services.registry;
    let status_on = |n: u32, date| async move {
        let cooperative: CooperativeCode = code(n);
        registry
            .status_on(&cooperative, date)
            .await
            .expect("lookup")
    };
    let end_of_2017 = [
        S::Active,
        S::Dissolved,
        S::Dissolved,
        S::Dissolving,
        S::Dissolving,
        S::Active,
    ];
    let mid_2018 = [
        S::Active,
        S::Dissolved,
        S::Dissolved,
        S::Dissolved,
        S::Dissolved,
        S::Active,
    ];
    for (n, (on_2017, on_2018)) in (1..).zip(end_of_2017.into_iter().zip(mid_2018)) {
        assert_eq!(
            status_on(n, day(2017, 12, 31)).await,
            Some(on_2017),
            "HTX {n}"
        );
        assert_eq!(
            status_on(n, day(2018, 6, 1)).await,
            Some(on_2018),
            "HTX {n}"
        );
        assert_eq!(
            status_on(n, day(2017, 10, 1)).await,
            Some(S::Active),
            "HTX {n}"
        );
    }

    // The findings: REG-05 for the late re-registration, REG-03 for 12+ months inactive.
    let cooperatives = p.ledger.store::<Cooperative>();
    for (n, expected) in [
        (1, vec![RuleCode::Reg05]),
        (2, vec![RuleCode::Reg03]),
        (3, vec![]),
        (4, vec![RuleCode::Reg03]),
        (5, vec![RuleCode::Reg03]),
        (6, vec![]),
    ] {
        let (coop, _) = cooperatives.load_current(code(n).as_str()).await.unwrap();
        let rules: Vec<RuleCode> = coop.findings().iter().map(|f| f.rule).collect();
        assert_eq!(rules, expected, "findings of HTX {n}");
    }
    let (yen_duc, _) = cooperatives.load_current(code(1).as_str()).await.unwrap();
    let late = &yen_duc.findings()[0];
    assert_eq!(late.effective_date, day(2017, 10, 2));
    assert_eq!(
        late.legal_basis,
        RuleCode::Reg05.legal_basis_on(day(2017, 10, 2))
    );
    assert!(
        late.legal_basis.contains("Luật HTX 2012"),
        "{}",
        late.legal_basis
    );
    assert!(!late.legal_basis.contains("2023"), "{}", late.legal_basis);
    assert!(late.detail.contains("2016-07-01"), "{}", late.detail);

    let verified = verify_log(p.ledger.database(), |_| {})
        .await
        .expect("read the log")
        .expect("the log verifies");
    assert_eq!(verified.size, head_size(&p.ledger).await);
    let mut exported = Vec::new();
    export_jsonl(p.ledger.database(), &mut exported, |_| {})
        .await
        .expect("export");
    let text = String::from_utf8(exported.clone()).expect("UTF-8");
    assert!(text.contains("\"REG-05\"") && text.contains("LateReRegistration"));
    exported
}

#[tokio::test]
async fn the_2017_cleanup_replays_on_sqlite() {
    replay_cleanup(&TestLedger::sqlite().await).await;
}

#[tokio::test]
async fn the_2017_cleanup_replays_on_postgres_byte_for_byte_as_on_sqlite() {
    let postgres = replay_cleanup(&TestLedger::postgres().await).await;
    let sqlite = replay_cleanup(&TestLedger::sqlite().await).await;
    assert_eq!(
        postgres.iter().filter(|b| **b == b'\n').count(),
        sqlite.iter().filter(|b| **b == b'\n').count()
    );
    assert!(
        postgres == sqlite,
        "the exports differ between PostgreSQL and SQLite"
    );
}
