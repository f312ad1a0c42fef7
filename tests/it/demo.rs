//! The demo scenario (`htx-ledger demo`): its ledger verifies; the plan's figures, computed
//! here from the scenario's parameters, match what the ledger holds; the same seed gives the
//! same head on SQLite and PostgreSQL; a run cut with `until` and resumed equals one run;
//! a second run changes nothing; another seed or another ledger is refused.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use futures::TryStreamExt;
use scenario::params::{self as p, LAST_YEAR};
use scenario::{self, Options, Report, ScenarioError};
use serde_json::Value;
use store::export::export_jsonl;
use store::verify::verify_log;
use store::{Database, read_head, stream_log};

use crate::support::backends::TestLedger;
use crate::support::cli::htx_ledger;
use crate::support::programme::head_size;

fn options(seed: u64, scale: f64, until: Option<NaiveDate>) -> Options {
    Options { seed, scale, until }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn play(url: &str, options: &Options) -> Result<Report, ScenarioError> {
    let demo = scenario::open(url).await.expect("open the ledger");
    let report = scenario::run(&demo, options, |_| {}).await;
    demo.programme.ledger.database().close().await;
    report
}

async fn exported(db: &Database) -> Vec<u8> {
    let mut out = Vec::new();
    export_jsonl(db, &mut out, |_| {}).await.expect("export");
    out
}

/// One entry, as the tests read it back.
struct Event {
    aggregate_type: String,
    aggregate_id: String,
    event_type: String,
    payload: Value,
    effective: NaiveDate,
    recorded: NaiveDate,
}

async fn events(db: &Database) -> Vec<Event> {
    let rows: Vec<_> = stream_log(db, 0).try_collect().await.expect("read the log");
    rows.iter()
        .map(|row| {
            let entry: Value = serde_json::from_slice(&row.bytes).expect("an entry");
            let event_type = entry["event_type"].as_str().unwrap().to_string();
            let date = |v: &Value| {
                NaiveDate::parse_from_str(&v.as_str().unwrap()[..10], "%Y-%m-%d").unwrap()
            };
            Event {
                aggregate_type: row.aggregate_type.clone(),
                aggregate_id: row.aggregate_id.clone(),
                payload: entry["payload"][&event_type].clone(),
                effective: date(&entry["metadata"]["effective_date"]),
                recorded: date(&entry["recorded_at"]),
                event_type,
            }
        })
        .collect()
}

/// The scale's count of `base`, as the scenario's parameters define it (rounded, at least 1).
fn s(base: u32, scale: f64) -> i64 {
    ((f64::from(base) * scale).round() as i64).max(1)
}

#[derive(Debug, Default, PartialEq)]
struct Year {
    alive_at_end: i64,
    new: i64,
    dissolved: i64,
    classes: i64,
    learners: i64,
    training_funds: i64,
}

/// The plan's figures per year, from the parameters alone.
fn expected(scale: f64) -> BTreeMap<i32, Year> {
    let mut alive = s(p::EXISTING_BEFORE_2013, scale) + s(p::EXISTING_SINCE_2013, scale);
    let reorganisations = s(p::REORGANISATIONS_PER_KIND, scale);
    let classes = 2 * s(p::CLASSES_PER_ORGANISER, scale);
    let mut years = BTreeMap::new();
    for year in p::FIRST_YEAR..=LAST_YEAR {
        let new = s(p::NEW_PER_YEAR, scale);
        let wound_up = s(p::WOUND_UP_PER_YEAR, scale);
        let dissolved = wound_up
            + match year {
                2017 => s(p::INACTIVE_DISSOLVED_VOLUNTARILY, scale),
                // Compulsory dissolutions complete six months after publication.
                2018 => s(p::INACTIVE_DISSOLVED_COMPULSORILY, scale),
                _ => 0,
            };
        // 2019: a division (1 ends, 2 begin), a separation (1 begins), a consolidation
        // (2 end, 1 begins) and a merger (1 ends), per scale unit.
        let (successors, ceased) = if year == 2019 {
            (4 * reorganisations, 4 * reorganisations)
        } else {
            (0, 0)
        };
        alive += new + successors - dissolved - ceased;
        years.insert(
            year,
            Year {
                alive_at_end: alive,
                new,
                dissolved,
                classes,
                learners: classes * i64::from(p::LEARNERS_PER_CLASS_AVERAGE),
                training_funds: classes * p::CLASS_COST_AVERAGE,
            },
        );
    }
    years
}

/// The same figures, counted from the ledger's entries.
fn counted(events: &[Event]) -> BTreeMap<i32, Year> {
    let mut years: BTreeMap<i32, Year> = (p::FIRST_YEAR..=LAST_YEAR)
        .map(|y| (y, Year::default()))
        .collect();
    let mut began = Vec::new();
    let mut ended = Vec::new();
    let mut class_learners: BTreeMap<&str, i64> = BTreeMap::new();
    for e in events {
        let year = e.effective.year();
        match (e.aggregate_type.as_str(), e.event_type.as_str()) {
            ("cooperative", "CooperativeRegistered") if e.payload["kind"] == "htx" => {
                began.push(e.effective);
                if e.payload["origin"] == "New" && year >= p::FIRST_YEAR {
                    years.get_mut(&year).unwrap().new += 1;
                }
            }
            ("cooperative", "CooperativeDissolved") => {
                ended.push(e.effective);
                years.get_mut(&year).unwrap().dissolved += 1;
            }
            (
                "cooperative",
                "CooperativeDivided" | "CooperativeConsolidated" | "CooperativeMergedInto",
            ) => ended.push(e.effective),
            ("training_class", "TrainingClassHeld" | "TrainingClassRecordCorrected") => {
                class_learners.insert(&e.aggregate_id, e.payload["learners"].as_i64().unwrap());
            }
            ("budget_line", "PaymentMade") if e.aggregate_id.ends_with("/training") => {
                let line_year: i32 = e.aggregate_id[..4].parse().unwrap();
                years.get_mut(&line_year).unwrap().training_funds +=
                    e.payload["amount"].as_i64().unwrap();
            }
            _ => {}
        }
    }
    for (class, learners) in class_learners {
        let year = years.get_mut(&class[..4].parse::<i32>().unwrap()).unwrap();
        year.classes += 1;
        year.learners += learners;
    }
    for (year, figures) in &mut years {
        let end = day(*year, 12, 31);
        let count = |dates: &[NaiveDate]| dates.iter().filter(|d| **d <= end).count() as i64;
        figures.alive_at_end = count(&began) - count(&ended);
    }
    years
}

fn findings<'a>(events: &'a [Event], rule: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| {
            e.event_type == "ComplianceFindingRaised" && e.payload["finding"]["rule"] == rule
        })
        .collect()
}

#[tokio::test]
async fn the_demo_ledger_verifies_and_holds_the_plans_figures() {
    const SCALE: f64 = 0.25;
    let test = TestLedger::postgres().await;
    let report = play(&test.url, &options(2017, SCALE, None))
        .await
        .expect("the scenario runs");
    assert!(report.complete, "{report:?}");
    let db = &test.ledger.database().clone();
    let verified = verify_log(db, |_| {})
        .await
        .expect("read")
        .expect("the log verifies");
    assert_eq!(verified.size, report.entries_after);
    assert_eq!(verified.size, head_size(&test.ledger).await);

    let events = events(db).await;
    let counted = counted(&events);
    let plan = expected(SCALE);
    for year in p::FIRST_YEAR..=LAST_YEAR {
        assert_eq!(counted[&year], plan[&year], "plan figures of {year}");
    }
    assert!(
        expected(1.0)
            .values()
            .all(|y| y.classes == 20 && y.training_funds >= 1_000_000_000),
        "at scale 1 the plan's 20 classes and 1 tỷ đồng a year"
    );
    // The plan-progress projection is held to the same figures.
    let mut projector = projections::projector::Projector::load(db).await.unwrap();
    projector.catch_up(|_| {}).await.unwrap();
    let progress = projector
        .set()
        .get::<projections::plan_progress::PlanProgress>()
        .expect("the plan-progress projection");
    for year in p::FIRST_YEAR..=LAST_YEAR {
        let row = progress
            .rows
            .get(&(year, "province".to_string()))
            .unwrap_or_else(|| panic!("no province row for {year}"));
        let projected = Year {
            alive_at_end: row.cooperatives_year_end,
            new: row.new_registrations,
            dissolved: row.dissolved,
            classes: row.training_classes,
            learners: row.training_learners,
            training_funds: row.training_cost,
        };
        assert_eq!(projected, plan[&year], "plan progress projection, {year}");
    }
    let unions = events.iter().filter(|e| {
        e.event_type == "CooperativeRegistered" && e.payload["kind"] == "lien-hiep-htx"
    });
    assert_eq!(unions.count() as i64, s(p::UNIONS, SCALE));

    // The imperfections the checks must find.
    let small: Vec<_> = findings(&events, "FIN-13");
    assert_eq!(small.len(), 1, "one class outside 30-50");
    assert!(
        small[0].payload["finding"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("28 ")
    );
    assert!(
        !findings(&events, "FIN-06").is_empty(),
        "an advance not cleared by 31/01"
    );
    assert_eq!(
        findings(&events, "REG-09").len(),
        1,
        "a late registration change"
    );
    assert_eq!(
        findings(&events, "REG-05").len() as i64,
        s(p::LATE_RE_REGISTRATIONS, SCALE) + s(p::INACTIVE_BROUGHT_INTO_LINE, SCALE)
    );
    assert!(
        !findings(&events, "REG-15").is_empty(),
        "2020's annual information filed late"
    );
    let back_dated: Vec<_> = events
        .iter()
        .filter(|e| e.event_type.ends_with("RecordCorrected") && e.effective < e.recorded)
        .collect();
    assert_eq!(
        back_dated.len(),
        2,
        "a registry and a class record corrected, back-dated"
    );
    assert_eq!(report.refusals.len(), 1);
    let refusal = &report.refusals[0];
    assert_eq!(refusal.rule, domain::rules::RuleCode::Fin04);
    assert!(
        refusal.message.contains("căn cứ / legal basis"),
        "{}",
        refusal.message
    );
    assert!(
        refusal.message.contains("(dissolved)"),
        "{}",
        refusal.message
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_head_on_sqlite_and_postgres() {
    let options = options(42, 0.1, Some(day(2018, 6, 30)));
    let (sqlite, postgres) = (TestLedger::sqlite().await, TestLedger::postgres().await);
    let a = play(&sqlite.url, &options).await.expect("SQLite");
    let b = play(&postgres.url, &options).await.expect("PostgreSQL");
    assert_eq!(a.entries_after, b.entries_after);
    assert!(a.entries_after > 500, "{a:?}");
    let (ha, hb) = (
        read_head(sqlite.ledger.database()).await.unwrap(),
        read_head(postgres.ledger.database()).await.unwrap(),
    );
    assert_eq!(ha, hb, "the same head hash");
    assert!(exported(sqlite.ledger.database()).await == exported(postgres.ledger.database()).await);
}

#[tokio::test]
async fn a_run_cut_and_resumed_equals_one_run_and_a_second_run_changes_nothing() {
    let (one, cut) = (TestLedger::postgres().await, TestLedger::postgres().await);
    let full = play(&one.url, &options(5, 0.1, None))
        .await
        .expect("one run");
    assert!(full.complete && full.resumed_at == 0);
    let first = play(&cut.url, &options(5, 0.1, Some(day(2018, 12, 31))))
        .await
        .expect("until");
    assert!(!first.complete);
    let second = play(&cut.url, &options(5, 0.1, None))
        .await
        .expect("resumed");
    assert_eq!(second.resumed_at, first.steps_run);
    assert!(second.complete);
    assert!(
        exported(one.ledger.database()).await == exported(cut.ledger.database()).await,
        "cut at 31/12/2018 and resumed: the same ledger, byte for byte"
    );

    let before = exported(one.ledger.database()).await;
    let again = play(&one.url, &options(5, 0.1, None)).await.expect("again");
    assert!(again.nothing_to_do() && again.complete, "{again:?}");
    assert_eq!(again.entries_after, full.entries_after);
    assert!(
        exported(one.ledger.database()).await == before,
        "nothing written"
    );
}

#[tokio::test]
async fn another_seed_or_another_ledger_is_refused_writing_nothing() {
    let test = TestLedger::sqlite().await;
    play(&test.url, &options(1, 0.05, Some(day(2017, 1, 31))))
        .await
        .expect("a first run");
    let size = head_size(&test.ledger).await;
    let other = play(&test.url, &options(2, 0.05, None)).await;
    assert!(
        matches!(other, Err(ScenarioError::OtherScenario { .. })),
        "{other:?}"
    );
    let scale = play(&test.url, &options(1, 0.1, None)).await;
    assert!(
        matches!(scale, Err(ScenarioError::OtherScenario { .. })),
        "{scale:?}"
    );
    assert_eq!(head_size(&test.ledger).await, size, "nothing written");

    let foreign = TestLedger::sqlite().await;
    let tallies = foreign.tallies();
    tallies
        .execute_with_metadata(
            "t-1",
            store::testing::record(1, "x"),
            store::testing::metadata(1),
        )
        .await
        .expect("a foreign entry");
    let refused = play(&foreign.url, &options(1, 0.05, None)).await;
    assert!(
        matches!(refused, Err(ScenarioError::ForeignLedger { entries: 1 })),
        "{refused:?}"
    );
    assert_eq!(head_size(&foreign.ledger).await, 1, "nothing written");

    // A ledger recorded by version 1 of the scenario (its keys carry no version) is refused:
    // version 2 records other bytes, so going on would mix two scenarios.
    let old = TestLedger::sqlite().await;
    let metadata = domain::ledger::EventMetadata::new(
        domain::ledger::Actor::new("can.bo.dang.ky", domain::ledger::Role::Clerk, None),
        day(2017, 1, 2),
    )
    .with_idempotency_key("demo:1:0.05:0");
    old.tallies()
        .execute_with_metadata("t-1", store::testing::record(1, "x"), metadata.to_map())
        .await
        .expect("an entry keyed as version 1 keyed its steps");
    let refused = play(&old.url, &options(1, 0.05, None)).await;
    assert!(
        matches!(
            refused,
            Err(ScenarioError::OtherVersion {
                found: 1,
                asked: scenario::VERSION
            })
        ),
        "{refused:?}"
    );
    assert_eq!(head_size(&old.ledger).await, 1, "nothing written");
}

#[test]
fn the_demo_command_shows_the_refused_payment_and_repeats_as_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.sqlite3").display());
    let args = [
        "demo",
        "--seed",
        "3",
        "--scale",
        "0.05",
        "--until",
        "2017-12-31",
    ];
    let (code, out) = htx_ledger(&url, None, &args);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("FIN-04") && out.contains("căn cứ / legal basis"),
        "{out}"
    );
    let (code, out) = htx_ledger(&url, None, &args);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing to do"), "{out}");
    let (code, out) = htx_ledger(&url, None, &["demo", "--seed", "4", "--scale", "0.05"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nothing written"), "{out}");
}

/// Regression: a resumed demo on PostgreSQL wrote its last steps and then never exited. The
/// appender kept the connection of its last write until the next one, and closing the pool
/// waits for every connection: it now gives the connection back after a second without
/// appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_demo_on_postgres_exits_once_written() {
    let db = crate::support::pg::TestDb::create().await;
    let url = db.url.clone();
    let finished = tokio::task::spawn_blocking(move || {
        let (code, out) = htx_ledger(
            &url,
            None,
            &["demo", "--scale", "0.2", "--until", "2020-12-31"],
        );
        assert_eq!(code, 0, "{out}");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
            .args(["demo", "--scale", "0.2"])
            .env("DATABASE_URL", &url)
            .env_remove("HTX_LEDGER_KEY_DIR")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start htx-ledger demo");
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(60) {
            if let Some(status) = child.try_wait().expect("poll the demo") {
                return Some(status.code());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    })
    .await
    .unwrap();
    assert_eq!(
        finished,
        Some(Some(0)),
        "the resumed demo did not exit within 60 s"
    );
    let ledger = Database::connect(&db.url).await.unwrap();
    assert_eq!(read_head(&ledger).await.unwrap().size, 2_407);
}
