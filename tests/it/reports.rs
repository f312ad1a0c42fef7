//! The reports of issue 8 (docs/reports.md), through the `htx-ledger` binary and the service:
//! their figures equal the projections replayed at the checkpoint they state; recomputed from
//! an audit bundle they are the same bytes; bad input writes nothing.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx, open_workbook, open_workbook_from_rs};
use chrono::NaiveDate;
use domain::ledger::Role;
use projections::funding_balances::FundingBalances;
use projections::plan_progress::{PROVINCE, PlanProgress};
use projections::projector;
use projections::registry::Registry;
use projections::settlement_checks::SettlementChecks;
use projections::{Filter, ProjectionSet};
use reports::build::PLAN_INDICATORS;
use reports::write::{ROOT_LABEL, TREE_SIZE_LABEL};
use reports::{Cell, Report};
use store::{Database, checkpoint};

use crate::support::cli::htx_ledger;
use crate::support::keys::write_key;
use crate::support::programme::seed_units;
use crate::support::server::{TestServer, problem};

const TOTAL: &str = "Tổng cộng / Total";

fn run(url: &str, keys: Option<&Path>, args: &[&str]) -> String {
    let (code, out) = htx_ledger(url, keys, args);
    assert_eq!(code, 0, "htx-ledger {args:?}: {out}");
    out
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

fn number(cell: &Data) -> i64 {
    match cell {
        Data::Float(f) => *f as i64,
        Data::Int(i) => *i,
        other => panic!("not a number: {other:?}"),
    }
}

/// The checkpoint sheet's (size, root).
fn xlsx_checkpoint(sheet: &Range<Data>) -> (u64, String) {
    let value = |label: &str| {
        sheet
            .rows()
            .find(|row| text(&row[0]) == label)
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("no {label} row"))
    };
    (
        number(&value(TREE_SIZE_LABEL)) as u64,
        text(&value(ROOT_LABEL)),
    )
}

fn totals_row(sheet: &Range<Data>) -> Vec<Data> {
    sheet
        .rows()
        .find(|row| text(&row[0]) == TOTAL)
        .expect("a totals row")
        .to_vec()
}

async fn replayed(db: &Database, filter: Filter) -> ProjectionSet {
    projector::replay(db, filter, |_| {}).await.expect("replay")
}

/// A CSV report's section `id`: its data rows and totals row, as strings.
fn csv_section(bytes: &[u8], id: &str) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect();
    let start = records
        .iter()
        .position(|r| r[0] == format!("[{id}]"))
        .unwrap_or_else(|| panic!("no section {id}"));
    records[start + 3..]
        .iter()
        .take_while(|r| !(r.len() == 1 && r[0].is_empty()))
        .cloned()
        .collect()
}

fn csv_meta(bytes: &[u8], label: &str) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{label},")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {label}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_state_their_checkpoint_match_the_projections_and_recompute_from_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    write_key(&keys, 1);
    let url = format!("sqlite://{}", dir.path().join("ledger.sqlite3").display());
    run(&url, None, &["demo", "--seed", "3", "--scale", "0.05"]);
    run(&url, Some(&keys), &["checkpoint"]);
    // Entries after the checkpoint are not in the reports.
    run(
        &url,
        None,
        &["user", "add", "late.clerk", "--role", "clerk"],
    );

    let db = Database::open(&url).await.unwrap();
    let signed = checkpoint::latest(&db)
        .await
        .unwrap()
        .expect("a checkpoint");
    let (size, root) = (signed.size, signed.root.to_base64());
    let at_checkpoint = replayed(&db, Filter::AsOfPosition(size - 1)).await;

    // 1. Settlement, XLSX: totals against funding_balances and settlement_checks of 2018.
    let xlsx_path = dir.path().join("settlement-2018.xlsx");
    let path = xlsx_path.to_str().unwrap();
    let out = run(
        &url,
        None,
        &[
            "report",
            "settlement",
            "--year",
            "2018",
            "--format",
            "xlsx",
            "--out",
            path,
        ],
    );
    assert!(out.contains(&root), "{out}");
    let mut workbook: Xlsx<_> = open_workbook(&xlsx_path).expect("the XLSX opens");
    assert_eq!(
        workbook.sheet_names(),
        vec!["checkpoint", "balances", "findings"]
    );
    let sheet = workbook.worksheet_range("checkpoint").unwrap();
    assert_eq!(xlsx_checkpoint(&sheet), (size, root.clone()));
    let balances = workbook.worksheet_range("balances").unwrap();
    let headers: Vec<String> = balances.rows().nth(2).unwrap().iter().map(text).collect();
    assert_eq!(headers[0], "Đơn vị dự toán");
    assert_eq!(headers[5], "Đã thanh toán");
    let funding = at_checkpoint.get::<FundingBalances>().unwrap();
    let rows: Vec<_> = funding.balances.iter().filter(|r| r.year == 2018).collect();
    assert!(rows.iter().any(|r| r.paid > 0), "the demo paid in 2018");
    let expected: Vec<i64> = vec![
        rows.iter().map(|r| r.estimate).sum(),
        rows.iter().map(|r| r.allocated).sum(),
        rows.iter().map(|r| r.paid).sum(),
        rows.iter().map(|r| r.advanced).sum(),
        rows.iter().map(|r| r.advance_outstanding).sum(),
        rows.iter().map(|r| r.returned).sum(),
        rows.iter().map(|r| r.available).sum(),
    ];
    let totals: Vec<i64> = totals_row(&balances)[3..10].iter().map(number).collect();
    assert_eq!(totals, expected, "estimate … balance");
    let checks = at_checkpoint.get::<SettlementChecks>().unwrap();
    let found = checks
        .checks
        .iter()
        .filter(|c| c.year == 2018 && c.status == "finding")
        .count() as i64;
    assert!(found > 0, "the demo has findings in 2018");
    let findings = workbook.worksheet_range("findings").unwrap();
    assert_eq!(number(&totals_row(&findings)[9]), found);
    assert_eq!(
        findings.rows().count() - 5,
        checks.checks.iter().filter(|c| c.year == 2018).count(),
        "one row per check, below the titles and headers, above the totals"
    );

    // 2. Periodic, CSV: the registry and plan_progress as of 31/12/2018, within the checkpoint.
    let csv_path = dir.path().join("periodic-2018.csv");
    run(
        &url,
        None,
        &[
            "report",
            "periodic",
            "--period",
            "2018",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&csv_path).unwrap();
    assert_eq!(csv_meta(&bytes, TREE_SIZE_LABEL), size.to_string());
    assert_eq!(csv_meta(&bytes, ROOT_LABEL), root);
    let end = NaiveDate::from_ymd_opt(2018, 12, 31).unwrap();
    let as_of = replayed(
        &db,
        Filter::AsOfDateWithin {
            date: end,
            position: size - 1,
        },
    )
    .await;
    let progress = as_of
        .get::<PlanProgress>()
        .unwrap()
        .row(2018, PROVINCE)
        .unwrap();
    let summary: BTreeMap<String, i64> = csv_section(&bytes, "summary")
        .into_iter()
        .map(|r| (r[0].clone(), r[3].parse().unwrap()))
        .collect();
    assert_eq!(summary["htx_standing"], progress.cooperatives_year_end);
    assert_eq!(summary["new"], progress.new_registrations);
    assert_eq!(summary["training_classes"], progress.training_classes);
    assert_eq!(summary["training_learners"], progress.training_learners);
    assert_eq!(summary["dissolved"], progress.dissolved);
    assert!(progress.cooperatives_year_end > 0 && progress.new_registrations > 0);
    let registry = as_of.get::<Registry>().unwrap();
    let by_status = csv_section(&bytes, "by_status");
    let (total, rows) = by_status.split_last().unwrap();
    assert_eq!(total[0], TOTAL);
    let listed: i64 = total[3].parse::<i64>().unwrap() + total[4].parse::<i64>().unwrap();
    assert_eq!(listed, registry.cooperatives.len() as i64);
    assert!(rows.iter().any(|r| r[0] == "active"));
    let by_district = csv_section(&bytes, "by_district");
    let total = by_district.last().unwrap();
    assert_eq!(
        total[2].parse::<i64>().unwrap(),
        progress.cooperatives_year_end
    );
    assert_eq!(total[5].parse::<i64>().unwrap(), progress.new_registrations);
    // By sector: each row's counts are the registry rows of that sector (NULL: "not-recorded"),
    // and the totals are the registry's.
    let by_sector = csv_section(&bytes, "by_sector");
    let (total, rows) = by_sector.split_last().unwrap();
    assert_eq!(total[0], TOTAL);
    let listed: i64 = total[2].parse::<i64>().unwrap() + total[3].parse::<i64>().unwrap();
    assert_eq!(listed, registry.cooperatives.len() as i64);
    for row in rows {
        let of_sector: Vec<_> = registry
            .cooperatives
            .iter()
            .filter(|r| r.sector.as_deref().unwrap_or("not-recorded") == row[0])
            .collect();
        let htx = of_sector.iter().filter(|r| r.kind == "htx").count() as i64;
        let unions = of_sector.len() as i64 - htx;
        let active = of_sector.iter().filter(|r| r.status == "active").count() as i64;
        assert_eq!(row[2].parse::<i64>().unwrap(), htx, "{row:?}");
        assert_eq!(row[3].parse::<i64>().unwrap(), unions, "{row:?}");
        assert_eq!(row[5].parse::<i64>().unwrap(), active, "{row:?}");
    }
    assert!(
        rows.iter()
            .any(|r| r[0] == "agriculture" && r[2].parse::<i64>().unwrap() > 0),
        "the demo records sectors"
    );
    assert_eq!(
        total[4].parse::<i64>().unwrap(),
        progress.cooperatives_year_end
    );

    // 3. Plan, JSON: the targets section against plan_progress's province rows.
    let plan_path = dir.path().join("plan.json");
    run(
        &url,
        None,
        &[
            "report",
            "plan",
            "--format",
            "json",
            "--out",
            plan_path.to_str().unwrap(),
        ],
    );
    let plan_bytes = std::fs::read(&plan_path).unwrap();
    let plan: Report = serde_json::from_slice(&plan_bytes).unwrap();
    assert_eq!(
        (plan.checkpoint.tree_size, plan.checkpoint.root.clone()),
        (size, root.clone())
    );
    let targets = &plan.sections[0];
    let progress = at_checkpoint.get::<PlanProgress>().unwrap();
    let (year, indicator, actual) = (
        targets.column("year").unwrap(),
        targets.column("indicator").unwrap(),
        targets.column("actual").unwrap(),
    );
    let mut compared = 0;
    for row in &targets.rows {
        let (Cell::Text(y), Cell::Text(key)) = (&row[year], &row[indicator]) else {
            panic!("{row:?}");
        };
        let measure = PLAN_INDICATORS.iter().find(|m| m.0 == key).unwrap();
        let expected = (measure.4)(progress.row(y.parse().unwrap(), PROVINCE).unwrap());
        assert_eq!(row[actual], Cell::Int(expected), "{y} {key}");
        compared += 1;
    }
    assert_eq!(compared, 4 * PLAN_INDICATORS.len(), "2017-2020");

    // 4. From the audit bundle: import its entries into an empty ledger, compute at its
    // checkpoint file: the same bytes.
    let bundle = dir.path().join("bundle");
    run(
        &url,
        Some(&keys),
        &["export", "--bundle", bundle.to_str().unwrap()],
    );
    let copy = format!("sqlite://{}", dir.path().join("copy.sqlite3").display());
    run(
        &copy,
        None,
        &["import", bundle.join("entries.jsonl").to_str().unwrap()],
    );
    let note = bundle
        .join("checkpoints")
        .join(format!("{size}.checkpoint"));
    let again = dir.path().join("plan-again.json");
    run(
        &copy,
        None,
        &[
            "report",
            "plan",
            "--format",
            "json",
            "--out",
            again.to_str().unwrap(),
            "--checkpoint",
            note.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read(&again).unwrap(),
        plan_bytes,
        "the same report"
    );
    for (kind, args) in [
        ("settlement", vec!["--year", "2018"]),
        ("periodic", vec!["--period", "2018-H1"]),
    ] {
        let original = dir.path().join(format!("{kind}.json"));
        let recomputed = dir.path().join(format!("{kind}-again.json"));
        let mut a = vec!["report", kind];
        a.extend(&args);
        a.extend(["--format", "json", "--out", original.to_str().unwrap()]);
        run(&url, None, &a);
        let mut b = vec!["report", kind];
        b.extend(&args);
        b.extend(["--format", "json", "--out", recomputed.to_str().unwrap()]);
        b.extend(["--checkpoint", note.to_str().unwrap()]);
        run(&copy, None, &b);
        assert_eq!(
            std::fs::read(&original).unwrap(),
            std::fs::read(&recomputed).unwrap(),
            "{kind}"
        );
    }
    // A checkpoint the copy's tree does not match is refused, nothing written.
    let forged = dir.path().join("forged.checkpoint");
    let text = std::fs::read_to_string(&note).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    let refused = dir.path().join("refused.json");
    let (code, out) = htx_ledger(
        &copy,
        None,
        &[
            "report",
            "plan",
            "--format",
            "json",
            "--out",
            refused.to_str().unwrap(),
            "--checkpoint",
            forged.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not the same log"), "{out}");
    assert!(!refused.exists());
    db.close().await;
}

#[test]
fn bad_input_or_no_checkpoint_writes_nothing_and_an_empty_year_is_still_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    write_key(&keys, 1);
    let url = format!("sqlite://{}", dir.path().join("ledger.sqlite3").display());
    let out_file = dir.path().join("report.json");
    let out = out_file.to_str().unwrap();
    run(&url, None, &["migrate"]);
    run(&url, None, &["user", "add", "someone", "--role", "clerk"]);

    let (code, text) = htx_ledger(
        &url,
        None,
        &["report", "plan", "--format", "json", "--out", out],
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("htx-ledger checkpoint"), "{text}");
    assert!(!out_file.exists());

    run(&url, Some(&keys), &["checkpoint"]);
    for args in [
        vec![
            "report", "periodic", "--period", "2018-H3", "--format", "json", "--out", out,
        ],
        vec![
            "report", "periodic", "--period", "18", "--format", "json", "--out", out,
        ],
        vec![
            "report", "periodic", "--period", "2018", "--format", "pdf", "--out", out,
        ],
        vec![
            "report",
            "settlement",
            "--year",
            "twenty",
            "--format",
            "csv",
            "--out",
            out,
        ],
        vec![
            "report",
            "plan",
            "--format",
            "json",
            "--out",
            out,
            "--checkpoint-size",
            "99",
        ],
    ] {
        let (code, text) = htx_ledger(&url, None, &args);
        assert_eq!(code, 2, "{args:?}: {text}");
        assert!(!out_file.exists(), "{args:?}");
        if args.contains(&"2018-H3") {
            assert!(
                text.contains("2018-H1") && text.contains("2018-H2"),
                "{text}"
            );
        }
    }
    run(
        &url,
        None,
        &[
            "report",
            "settlement",
            "--year",
            "2030",
            "--format",
            "json",
            "--out",
            out,
        ],
    );
    let report: Report = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert!(report.sections.iter().all(|s| s.rows.is_empty()));
    assert_eq!(report.sections[0].totals.as_ref().unwrap()[3], Cell::Int(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_download_over_http_with_their_roles() {
    let server = TestServer::postgres().await;
    let programme = programme::Programme::new(server.test.ledger.clone());
    seed_units(&programme).await;
    let path = "/api/v1/reports/plan?format=xlsx";
    problem(server.get(Role::Dashboard, path).await, 404).await;
    let signed = server
        .post(
            Role::Admin,
            "/api/v1/ledger/checkpoint",
            serde_json::json!({}),
        )
        .await;
    assert!(signed.status().is_success());

    let response = server.get(Role::Dashboard, path).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"plan.xlsx\""
    );
    let size: u64 = response.headers()["x-checkpoint-size"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let db = server.test.ledger.database();
    let stored = checkpoint::latest(db).await.unwrap().unwrap();
    assert_eq!(size, stored.size);
    let bytes = response.bytes().await.unwrap();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.worksheet_range("checkpoint").unwrap();
    assert_eq!(
        xlsx_checkpoint(&sheet),
        (stored.size, stored.root.to_base64())
    );

    let csv = server
        .get(
            Role::Clerk,
            "/api/v1/reports/periodic?period=2018-H2&format=csv",
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    problem(
        server
            .get(
                Role::Clerk,
                "/api/v1/reports/settlement?year=2018&format=json",
            )
            .await,
        403,
    )
    .await;
    problem(
        server
            .get(
                Role::Finance,
                "/api/v1/reports/periodic?period=2018-H3&format=json",
            )
            .await,
        400,
    )
    .await;
    let json = server
        .get(
            Role::Finance,
            "/api/v1/reports/settlement?year=2018&format=json",
        )
        .await;
    assert_eq!(json.status(), 200);
    let report: Report = json.json().await.unwrap();
    assert_eq!(report.checkpoint.tree_size, stored.size);
    server.stop().await;
}
