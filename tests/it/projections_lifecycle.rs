//! The lifecycle projections (dissolution progress, plan progress) over a small programme
//! driven through its commands: registrations across years and districts, the 2017 clean-up
//! (inactivity, voluntary and compulsory dissolution, a late re-registration), a revocation,
//! a union, training classes east and west, model cooperatives, and the Hoành Bồ merger on
//! 01/01/2020. Figures are checked per year and unit; live tables equal a rebuild on SQLite
//! and PostgreSQL and across them; time travel by legal date and by ledger date.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use domain::cooperative::{
    CooperativeAction as A, CooperativeKind, DissolutionMode, MemberCounts, Origin,
};
use domain::funding::{BudgetLineId, RecordId, SupportCategory, TrainingClassAction as T};
use domain::reference::{Region, seed};
use programme::Programme;
use projections::dissolution::{DissolutionProgress, DissolutionRow};
use projections::plan_progress::{PROVINCE, PlanProgress, PlanProgressRow};
use projections::projector::{Projector, rebuild, replay};
use projections::registry::Registry;
use projections::{Digest, Filter, ProjectionSet};
use store::{Ledger, SteppingClock};

use crate::support::backends::test_clock;
use crate::support::pg::TestDb;
use crate::support::programme::*;

/// A ledger whose clock the test holds, to record entries later than others.
struct Backend {
    ledger: Ledger,
    clock: Arc<SteppingClock>,
    _pg: Option<TestDb>,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("ledger.sqlite3").display());
        let clock = test_clock();
        let ledger = Ledger::open(&url, clock.clone())
            .await
            .expect("open SQLite");
        Backend {
            ledger,
            clock,
            _pg: None,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Backend {
        let db = TestDb::create().await;
        let clock = test_clock();
        let ledger = Ledger::open(&db.url, clock.clone())
            .await
            .expect("open PostgreSQL");
        Backend {
            ledger,
            clock,
            _pg: Some(db),
            _dir: None,
        }
    }
}

async fn record(p: &Programme, n: u32, date: NaiveDate, action: A) {
    accept(
        &p.cooperatives,
        code(n).as_str(),
        by(&clerk(), date, action),
    )
    .await;
}

async fn register_union(p: &Programme, n: u32, date: NaiveDate, unit: &str) {
    let action = A::Register {
        code: code(n).as_str().to_string(),
        kind: CooperativeKind::Union,
        content: domain::cooperative::RegistrationContent {
            name: "Liên hiệp HTX Hạ Long".into(),
            address: domain::cooperative::Address::new("Phường Hồng Gai", unit),
            representative: domain::cooperative::Representative::new("Trần Thị Bình", "Chủ tịch"),
            charter_capital: d(1_000_000_000),
            sector: None,
        },
        members: MemberCounts {
            official: 0,
            associate: 0,
            member_cooperatives: 4,
        },
        certificate_no: format!("GCN-LH-{}", code(n).as_str()),
        legacy_reg_no: None,
        origin: Origin::New,
    };
    record(p, n, date, action).await;
}

fn training_line(organiser: &str) -> BudgetLineId {
    BudgetLineId::new(2018, organiser, "NTM-1600", SupportCategory::Training).unwrap()
}

/// Plans class `organiser/serial` of 2018 and, with `held`, holds it.
async fn class(
    p: &Programme,
    organiser: &str,
    serial: &str,
    region: Region,
    district: Option<&str>,
    held: Option<(NaiveDate, u32, i64)>,
) -> String {
    let class = RecordId::new(2018, organiser, serial).unwrap();
    let id = class.to_id();
    let starts_on = held.map_or(day(2018, 9, 1), |(from, _, _)| from);
    let plan = T::Plan {
        class,
        line: training_line(organiser),
        region,
        district: district.map(str::to_string),
        planned_learners: 40,
        planned_cost: d(60_000_000),
        starts_on,
    };
    accept(
        &p.training_classes,
        &id,
        by(&officer(), day(2018, 3, 20), plan),
    )
    .await;
    if let Some((from, learners, cost)) = held {
        let hold = T::Hold {
            held_from: from,
            held_to: from + chrono::Days::new(2),
            learners,
            cost: d(cost),
        };
        let on = from + chrono::Days::new(3);
        accept(&p.training_classes, &id, by(&officer(), on, hold)).await;
    }
    id
}

/// The programme of the test, through commands only (the units seeded before).
async fn scenario(p: &Programme) {
    let (id, mapping) = seed::region_mapping_2017(&clerk());
    accept(&p.regions, &id, mapping).await;

    // Before the plan: two pre-2013 cooperatives in the west, one in Quảng Yên from 2011.
    register(
        p,
        &code(1),
        day(2006, 3, 15),
        "205",
        9,
        "HTX Nông nghiệp Yên Đức",
    )
    .await;
    register(
        p,
        &code(2),
        day(2010, 5, 10),
        "206",
        9,
        "HTX Thuỷ sản Cẩm La",
    )
    .await;
    register(
        p,
        &code(3),
        day(2011, 4, 1),
        "206",
        9,
        "HTX Nuôi trồng Liên Hoà",
    )
    .await;
    register(p, &code(10), day(2014, 6, 1), "205", 9, "HTX Chè Tràng An").await;
    register(p, &code(12), day(2016, 1, 10), "206", 9, "HTX Rau Hiệp Hoà").await;

    // 2017: two new cooperatives; the clean-up.
    register(
        p,
        &code(5),
        day(2017, 9, 20),
        "193",
        8,
        "HTX Dịch vụ Hà Khánh",
    )
    .await;
    register(
        p,
        &code(6),
        day(2017, 10, 5),
        "194",
        8,
        "HTX Hải sản Trà Cổ",
    )
    .await;
    let re_register = A::ReRegister {
        members: MemberCounts {
            official: 8,
            associate: 0,
            member_cooperatives: 0,
        },
        certificate_no: "22.07.000202".into(),
    };
    record(p, 2, day(2017, 10, 2), re_register).await;
    for (n, months) in [(1, 30), (3, 18)] {
        let detected = A::RecordInactivity {
            months_inactive: months,
            source: "Rà soát HTX năm 2017".into(),
        };
        record(p, n, day(2017, 10, 16), detected).await;
    }
    let resolution = A::ResolveDissolution {
        resolution: "Nghị quyết giải thể HTX Yên Đức".into(),
    };
    record(p, 1, day(2017, 11, 1), resolution).await;
    record(p, 1, day(2017, 11, 6), A::PublishDissolution).await;
    let dossier = A::CompleteDissolution {
        mode: DissolutionMode::Dossier,
    };
    record(p, 1, day(2017, 12, 15), dossier).await;
    let decision = A::DecideCompulsoryDissolution {
        decided_by: "UBND thị xã Quảng Yên".into(),
        ground: "Không hoạt động 12 tháng liên tục".into(),
        decision: doc("153/QĐ-UBND"),
    };
    record(p, 3, day(2017, 11, 10), decision).await;
    record(p, 3, day(2017, 11, 15), A::PublishDissolution).await;

    // 2018: Hoành Bồ registers one, a union forms in Hạ Long, Tràng An is found inactive
    // and holds its meeting, the compulsory dissolution completes, training, a model.
    let inactive = A::RecordInactivity {
        months_inactive: 6,
        source: "Báo cáo thuế".into(),
    };
    record(p, 10, day(2018, 2, 1), inactive).await;
    record(
        p,
        10,
        day(2018, 3, 1),
        A::RecordGeneralMeeting { annual: true },
    )
    .await;
    register(
        p,
        &code(4),
        day(2018, 3, 1),
        "204",
        7,
        "HTX Lâm nghiệp Thống Nhất",
    )
    .await;
    let elapsed = A::CompleteDissolution {
        mode: DissolutionMode::SixMonthsElapsed,
    };
    record(p, 3, day(2018, 5, 15), elapsed).await;
    register_union(p, 9, day(2018, 6, 1), "193").await;
    for n in [5, 6] {
        let join = A::JoinUnion { union: code(9) };
        record(p, n, day(2018, 7, 1), join).await;
    }
    open_line(
        p,
        &training_line("SO-NNPTNT"),
        600_000_000,
        &[],
        day(2018, 1, 15),
    )
    .await;
    open_line(
        p,
        &training_line("LMHTX"),
        500_000_000,
        &[],
        day(2018, 1, 15),
    )
    .await;
    let east = Region::East;
    let west = Region::West;
    class(
        p,
        "SO-NNPTNT",
        "L01",
        east,
        Some("194"),
        Some((day(2018, 4, 10), 40, 58_000_000)),
    )
    .await;
    let l02 = class(
        p,
        "SO-NNPTNT",
        "L02",
        east,
        Some("200"),
        Some((day(2018, 5, 14), 25, 45_000_000)),
    )
    .await;
    let correct = T::CorrectRecord {
        learners: 32,
        cost: d(47_000_000),
        reason: "Danh sách học viên bổ sung".into(),
    };
    accept(
        &p.training_classes,
        &l02,
        by(&officer(), day(2018, 6, 1), correct),
    )
    .await;
    class(
        p,
        "LMHTX",
        "L01",
        west,
        Some("205"),
        Some((day(2018, 6, 4), 45, 55_000_000)),
    )
    .await;
    let l02 = class(p, "LMHTX", "L02", west, None, None).await;
    let cancel = T::Cancel {
        reason: "Không đủ học viên".into(),
    };
    accept(
        &p.training_classes,
        &l02,
        by(&officer(), day(2018, 8, 1), cancel),
    )
    .await;
    record(p, 6, day(2018, 12, 1), A::DesignateModel { year: 2018 }).await;

    // 2019: Hoành Bồ again, a model there; a revocation starts a dissolution in Quảng Yên.
    register(
        p,
        &code(7),
        day(2019, 6, 1),
        "204",
        7,
        "HTX Miến dong Sơn Dương",
    )
    .await;
    record(p, 7, day(2019, 11, 20), A::DesignateModel { year: 2019 }).await;
    let revoke = A::RevokeCertificate {
        ground: "Kê khai hồ sơ đăng ký không trung thực".into(),
        tax_enforcement: false,
        decision: doc("88/QĐ-SKHĐT"),
    };
    record(p, 12, day(2019, 4, 1), revoke).await;
    record(p, 12, day(2019, 4, 10), A::PublishDissolution).await;

    // 2020: Hoành Bồ merges into Hạ Long; a registration in Hạ Long; a model from Hoành Bồ.
    for (id, command) in seed::hoanh_bo_merger_2020(&clerk()) {
        accept(&p.units, &id, command).await;
    }
    register(
        p,
        &code(8),
        day(2020, 3, 2),
        "193",
        7,
        "HTX Nông sản Đại Yên",
    )
    .await;
    record(p, 4, day(2020, 10, 1), A::DesignateModel { year: 2020 }).await;
}

fn plan(set: &ProjectionSet) -> &PlanProgress {
    set.get::<PlanProgress>().expect("plan progress")
}

fn row<'a>(set: &'a ProjectionSet, year: i32, unit: &str) -> &'a PlanProgressRow {
    plan(set)
        .row(year, unit)
        .unwrap_or_else(|| panic!("no plan row {year}/{unit}"))
}

fn pipeline(set: &ProjectionSet, n: u32) -> Option<&DissolutionRow> {
    set.get::<DissolutionProgress>()
        .expect("dissolution progress")
        .rows
        .get(&code(n).as_str().to_string())
}

fn date(text: &str) -> Option<NaiveDate> {
    Some(text.parse().expect("a date"))
}

/// Every figure of the scenario, from the live tables.
fn check_figures(set: &ProjectionSet) {
    // (year, unit): cooperatives at year end, new, re-registered, dissolved, unions formed.
    let flows: [(i32, &str, [i64; 5]); 14] = [
        (2017, PROVINCE, [6, 2, 1, 1, 0]),
        (2017, "193", [1, 1, 0, 0, 0]),
        (2017, "194", [1, 1, 0, 0, 0]),
        (2017, "205", [1, 0, 0, 1, 0]),
        (2017, "206", [3, 0, 1, 0, 0]),
        (2018, PROVINCE, [6, 1, 0, 1, 1]),
        (2018, "193", [1, 0, 0, 0, 1]),
        (2018, "204", [1, 1, 0, 0, 0]),
        (2018, "206", [2, 0, 0, 1, 0]),
        (2019, PROVINCE, [7, 1, 0, 0, 0]),
        (2019, "204", [2, 1, 0, 0, 0]),
        (2020, PROVINCE, [8, 1, 0, 0, 0]),
        (2020, "193", [4, 1, 0, 0, 0]),
        (2020, "206", [2, 0, 0, 0, 0]),
    ];
    for (year, unit, expected) in flows {
        let r = row(set, year, unit);
        let got = [
            r.cooperatives_year_end,
            r.new_registrations,
            r.re_registrations,
            r.dissolved,
            r.unions_formed,
        ];
        assert_eq!(got, expected, "{year}/{unit}");
    }
    assert!(
        plan(set).row(2020, "204").is_none(),
        "no Hoành Bồ after 2019"
    );
    assert_eq!(row(set, 2019, "204").current_unit, "193");
    assert_eq!(row(set, 2019, "204").unit_name, "Hoành Bồ");
    assert_eq!(row(set, 2018, "193").unions_year_end, 1);
    assert_eq!(row(set, 2020, "193").unions_year_end, 1);
    assert_eq!(row(set, 2018, "205").region.as_deref(), Some("mien-tay"));
    assert_eq!(row(set, 2018, "194").region.as_deref(), Some("mien-dong"));

    // Training in 2018: three classes held (the fourth cancelled), one corrected to 32.
    let p18 = row(set, 2018, PROVINCE);
    assert_eq!(
        [
            p18.training_classes,
            p18.training_learners,
            p18.classes_so_nnptnt,
            p18.learners_so_nnptnt,
            p18.classes_lien_minh,
            p18.learners_lien_minh,
            p18.classes_east,
            p18.learners_east,
            p18.classes_west,
            p18.learners_west,
            p18.classes_outside_30_50,
        ],
        [3, 117, 2, 72, 1, 45, 2, 72, 1, 45, 0]
    );
    assert_eq!(p18.training_cost, 160_000_000);
    assert_eq!(p18.training_funds_assigned, 1_100_000_000);
    assert_eq!(p18.target_training_funds, Some(1_000_000_000));
    assert_eq!(p18.target_training_classes, Some(20));
    assert_eq!(p18.target_cooperatives_by_2020, Some(542));
    assert_eq!(p18.target_new_registrations, Some(50));
    assert_eq!(row(set, 2018, "200").training_learners, 32);
    assert_eq!(row(set, 2018, "200").cooperatives_year_end, 0);
    assert_eq!(row(set, 2018, "205").classes_lien_minh, 1);
    assert_eq!(row(set, 2018, "194").classes_so_nnptnt, 1);
    assert_eq!(row(set, 2018, "194").target_training_classes, None);

    // Model cooperatives: Móng Cái 2018, Hoành Bồ 2019, the same one counted in Hạ Long 2020.
    for (year, unit) in [(2018, "194"), (2019, "204"), (2020, "193")] {
        assert_eq!(row(set, year, unit).model_cooperatives, 1, "{year}/{unit}");
        assert_eq!(row(set, year, PROVINCE).model_cooperatives, 1);
        assert_eq!(row(set, year, PROVINCE).units_with_model, Some(1));
    }
    assert_eq!(row(set, 2017, PROVINCE).model_cooperatives, 0);

    // Every figure traces to entries: the sources of a figure sum to it.
    let sources = &plan(set).sources;
    for r in plan(set).rows.iter() {
        let of = |measure: &str| -> i64 {
            sources
                .iter()
                .filter(|s| s.year == r.year && s.measure == measure)
                .filter(|s| r.unit == PROVINCE || s.unit == r.unit)
                .map(|s| s.value)
                .sum()
        };
        for m in projections::plan_progress::Measure::ALL {
            assert_eq!(
                m.of(r),
                of(m.as_str()),
                "{}/{} {}",
                r.year,
                r.unit,
                m.as_str()
            );
        }
    }
    let new_2018 = sources
        .iter()
        .find(|s| s.year == 2018 && s.unit == "204" && s.measure == "new_registrations")
        .expect("the 2018 registration in Hoành Bồ");
    assert_eq!(
        new_2018.subject,
        format!("cooperative:{}", code(4).as_str())
    );
    assert_eq!(new_2018.positions.len(), 1);

    // The dissolution pipeline.
    let yen_duc = pipeline(set, 1).expect("Yên Đức");
    assert_eq!(
        (
            yen_duc.stage.as_str(),
            yen_duc.outcome.as_str(),
            yen_duc.cause.as_deref()
        ),
        ("dissolved", "dissolved", Some("voluntary"))
    );
    assert!(yen_duc.in_cleanup_2017 && yen_duc.inactive_in_2017);
    assert!(yen_duc.pre_2013_not_re_registered);
    assert_eq!(yen_duc.inactivity_detected_on, date("2017-10-16"));
    assert_eq!(yen_duc.grounds, vec!["inactive".to_string()]);
    assert_eq!(yen_duc.published_on, date("2017-11-06"));
    assert_eq!(yen_duc.dissolution_due_on, date("2018-05-06"));
    assert_eq!(yen_duc.ended_on, date("2017-12-15"));
    assert_eq!(yen_duc.dissolution_mode.as_deref(), Some("dossier"));
    let cam_la = pipeline(set, 2).expect("Cẩm La");
    assert_eq!(
        (
            cam_la.stage.as_str(),
            cam_la.outcome.as_str(),
            cam_la.outcome_on
        ),
        ("closed", "re-registered", date("2017-10-02"))
    );
    assert!(cam_la.in_cleanup_2017 && !cam_la.inactive_in_2017);
    let lien_hoa = pipeline(set, 3).expect("Liên Hoà");
    assert_eq!(lien_hoa.cause.as_deref(), Some("compulsory"));
    assert_eq!(lien_hoa.dissolution_due_on, date("2018-05-15"));
    assert_eq!(lien_hoa.ended_on, date("2018-05-15"));
    assert_eq!(
        lien_hoa.dissolution_mode.as_deref(),
        Some("six-months-elapsed")
    );
    let trang_an = pipeline(set, 10).expect("Tràng An");
    assert_eq!(
        (trang_an.stage.as_str(), trang_an.outcome.as_str()),
        ("closed", "brought-into-line")
    );
    assert!(!trang_an.in_cleanup_2017);
    let hiep_hoa = pipeline(set, 12).expect("Hiệp Hoà");
    assert_eq!(
        (
            hiep_hoa.stage.as_str(),
            hiep_hoa.outcome.as_str(),
            hiep_hoa.cause.as_deref()
        ),
        ("dissolution-published", "pending", Some("revocation"))
    );
    assert_eq!(hiep_hoa.revoked_on, date("2019-04-01"));
    assert_eq!(hiep_hoa.dissolution_due_on, date("2019-10-10"));
    for n in [4, 5, 6, 7, 8, 9] {
        assert!(
            pipeline(set, n).is_none(),
            "HTX {n} never entered the pipeline"
        );
    }
}

/// Catches the live tables up and checks them against a rebuild; returns the digests.
async fn live_equals_rebuild(ledger: &Ledger) -> (ProjectionSet, Vec<Digest>) {
    let db = ledger.database();
    let mut projector = Projector::load(db).await.expect("load");
    projector.catch_up(|_| {}).await.expect("catch up");
    let live = projector.set().digests().expect("digests");
    // Reloaded from the tables, the projections are the same.
    let reloaded = Projector::load(db).await.expect("reload");
    assert_eq!(reloaded.set().digests().unwrap(), live, "tables round-trip");
    let rebuilt = rebuild(db, |_| {})
        .await
        .expect("rebuild")
        .digests()
        .expect("digests");
    assert_eq!(live, rebuilt, "live digests equal a rebuild");
    let names: Vec<&str> = live.iter().map(|d| d.table).collect();
    for table in [
        "dissolution_progress",
        "plan_progress",
        "plan_progress_sources",
    ] {
        assert!(names.contains(&table), "{table} in {names:?}");
    }
    // Internal working state is stored but not digested: digests cover documented tables.
    for table in ["dissolution_state", "plan_progress_state"] {
        assert!(!names.contains(&table), "{table} in {names:?}");
    }
    // The shared domain state is not stored at all: reloading refolded it from the log, and
    // the reloaded projector folds on as the first did.
    assert!(!names.contains(&"cooperative_state"), "{names:?}");
    assert!(!projector.set().shared().is_empty());
    assert!(
        reloaded.set().shared() == projector.set().shared(),
        "every cooperative's state refolded as folded live"
    );
    let set = replay(db, Filter::All, |_| {}).await.expect("replay");
    (set, live)
}

async fn run_scenario(backend: &Backend) -> Vec<Digest> {
    let p = Programme::new(backend.ledger.clone());
    // Part of the scenario, projected half-way, then the rest: the projector resumes.
    seed_units(&p).await;
    let mut projector = Projector::load(backend.ledger.database()).await.unwrap();
    projector.catch_up(|_| {}).await.unwrap();
    scenario(&p).await;
    let (set, digests) = live_equals_rebuild(&backend.ledger).await;
    check_figures(&set);
    digests
}

#[tokio::test]
async fn lifecycle_projections_on_sqlite() {
    run_scenario(&Backend::sqlite().await).await;
}

#[tokio::test]
async fn lifecycle_projections_on_postgres_equal_sqlite() {
    let postgres = run_scenario(&Backend::postgres().await).await;
    let sqlite = run_scenario(&Backend::sqlite().await).await;
    assert_eq!(postgres, sqlite, "the same digests on both backends");
}

/// Time travel: as of 31/12/2017 by legal date; then a registration back-dated to
/// 20/12/2017 but recorded in 2021 changes that view and not what the ledger knew in 2020.
async fn time_travel(backend: &Backend) -> Vec<Digest> {
    let p = Programme::new(backend.ledger.clone());
    seed_units(&p).await;
    scenario(&p).await;
    let db = backend.ledger.database();
    let end_2017 = day(2017, 12, 31);
    let as_of = replay(db, Filter::AsOfDate(end_2017), |_| {})
        .await
        .unwrap();
    let p17 = row(&as_of, 2017, PROVINCE);
    assert_eq!(
        [
            p17.cooperatives_year_end,
            p17.new_registrations,
            p17.dissolved
        ],
        [6, 2, 1]
    );
    assert_eq!(row(&as_of, 2017, "206").cooperatives_year_end, 3);
    assert!(
        plan(&as_of).row(2018, "204").is_none(),
        "nothing known of 2018"
    );
    assert_eq!(row(&as_of, 2018, PROVINCE).training_classes, 0);
    let lien_hoa = pipeline(&as_of, 3).expect("Liên Hoà");
    assert_eq!(lien_hoa.stage, "dissolution-published");
    assert_eq!(lien_hoa.outcome, "pending");
    assert!(pipeline(&as_of, 12).is_none() && pipeline(&as_of, 10).is_none());
    let registry = as_of.get::<Registry>().expect("registry");
    let status = |n: u32| {
        registry
            .cooperatives
            .get(&code(n).as_str().to_string())
            .map(|r| r.status.to_string())
    };
    assert_eq!(status(3).as_deref(), Some("dissolving"));
    assert_eq!(status(1).as_deref(), Some("dissolved"));
    assert_eq!(status(4), None, "registered in 2018");

    let known_2020 = Filter::KnownOn(day(2020, 12, 31));
    let known_before = replay(db, known_2020, |_| {})
        .await
        .unwrap()
        .digests()
        .unwrap();
    let as_of_before = as_of.digests().unwrap();

    // Recorded on 01/3/2021, effective 20/12/2017: a registration in Tiên Yên.
    let recorded = Utc.with_ymd_and_hms(2021, 3, 1, 2, 0, 0).single().unwrap();
    backend.clock.advance_to(recorded);
    register(&p, &code(11), day(2017, 12, 20), "199", 7, "HTX Chè Hà Lâu").await;

    let as_of = replay(db, Filter::AsOfDate(end_2017), |_| {})
        .await
        .unwrap();
    assert_ne!(
        as_of.digests().unwrap(),
        as_of_before,
        "the legal view changes"
    );
    let p17 = row(&as_of, 2017, PROVINCE);
    assert_eq!([p17.cooperatives_year_end, p17.new_registrations], [7, 3]);
    assert_eq!(row(&as_of, 2017, "199").new_registrations, 1);
    let known = replay(db, known_2020, |_| {}).await.unwrap();
    assert_eq!(
        known.digests().unwrap(),
        known_before,
        "what was known in 2020 stays"
    );
    assert!(plan(&known).row(2017, "199").is_none());
    let (live, digests) = live_equals_rebuild(&backend.ledger).await;
    assert_eq!(row(&live, 2017, "199").new_registrations, 1);
    assert_eq!(row(&live, 2020, PROVINCE).cooperatives_year_end, 9);
    digests
}

#[tokio::test]
async fn time_travel_and_a_back_dated_entry_on_sqlite() {
    time_travel(&Backend::sqlite().await).await;
}

#[tokio::test]
async fn time_travel_and_a_back_dated_entry_on_postgres_equal_sqlite() {
    let postgres = time_travel(&Backend::postgres().await).await;
    let sqlite = time_travel(&Backend::sqlite().await).await;
    assert_eq!(postgres, sqlite);
}
