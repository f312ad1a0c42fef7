//! `htx-ledger demo`: fills the ledger with the deterministic scenario of plan 31/KH-UBND.

use std::time::Instant;

use anyhow::Context;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};

use super::Outcome;
use scenario::{self, Options, Report, ScenarioError};

pub async fn demo(url: &str, options: Options) -> anyhow::Result<Outcome> {
    let demo = scenario::open(url)
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "kịch bản (scenario) {msg} [{bar:40}] {pos}/{len} bước/steps ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let mut shown_day: Option<NaiveDate> = None;
    // Per plan year: (seconds at its first and last step, entries written by then).
    let mut years: BTreeMap<i32, YearRun> = BTreeMap::new();
    let mut last = (0.0, 0);
    let result = scenario::run(&demo, &options, |p| {
        let now = started.elapsed().as_secs_f64();
        let year = years.entry(p.recorded_on.year()).or_insert(YearRun {
            from: last,
            to: last,
            steps: 0,
        });
        year.to = (now, p.entries_written);
        year.steps += 1;
        last = (now, p.entries_written);
        if bar.length() != Some(p.total) {
            bar.set_length(p.total);
        }
        bar.set_position(p.done);
        if shown_day != Some(p.recorded_on) {
            shown_day = Some(p.recorded_on);
            bar.set_message(p.recorded_on.format("%d/%m/%Y").to_string());
        }
    })
    .await;
    bar.finish_and_clear();
    demo.programme.ledger.database().close().await;
    match result {
        Ok(report) => {
            print_report(&report, started.elapsed().as_secs_f64());
            print_years(&years);
            Ok(Outcome::Success)
        }
        Err(
            refusal @ (ScenarioError::OtherScenario { .. }
            | ScenarioError::OtherVersion { .. }
            | ScenarioError::ForeignLedger { .. }
            | ScenarioError::Scale { .. }
            | ScenarioError::PoolTooSmall { .. }),
        ) => {
            println!("từ chối (refused): {refusal}");
            Ok(Outcome::Refused)
        }
        Err(error) => Err(error).context("the demo scenario stopped"),
    }
}

/// What a run did in one plan year (by the steps' recording days).
struct YearRun {
    /// (seconds since the start, entries written) when the year began and at its last step.
    from: (f64, u64),
    to: (f64, u64),
    steps: u64,
}

fn print_years(years: &BTreeMap<i32, YearRun>) {
    if years.len() < 2 {
        return;
    }
    println!("Theo năm (by year):");
    for (year, run) in years {
        let seconds = run.to.0 - run.from.0;
        let entries = run.to.1 - run.from.1;
        let rate = if seconds > 0.0 {
            format!("{:.0}", entries as f64 / seconds)
        } else {
            "-".into()
        };
        println!(
            "  {year}: {} bút toán (entries), {} bước (steps), {seconds:.1} giây (s), {rate} bút toán/giây (entries/s)",
            grouped(entries),
            grouped(run.steps)
        );
    }
}

/// 1234567 → "1.234.567", as Vietnamese documents write numbers.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn print_report(report: &Report, seconds: f64) {
    let o = &report.options;
    println!(
        "Kịch bản mẫu Kế hoạch 31/KH-UBND (demo scenario): seed {}, quy mô (scale) {}",
        o.seed, o.scale
    );
    if report.nothing_to_do() {
        println!(
            "Không có gì thay đổi (nothing to do): sổ cái đã có {} bút toán (entries) của kịch bản này{}.",
            grouped(report.entries_after),
            if report.complete {
                ", đủ toàn bộ (complete)"
            } else {
                ""
            }
        );
        print_refusals(report);
        return;
    }
    if report.resumed_at > 0 {
        println!(
            "Tiếp tục từ bước (resumed at step) {}",
            grouped(report.resumed_at)
        );
    }
    println!(
        "Đã ghi (written): {} bút toán (entries) trong {} bước (steps), {:.1} giây (s)",
        grouped(report.entries_after - report.entries_before),
        grouped(report.steps_run),
        seconds
    );
    println!(
        "Sổ cái có (ledger holds): {} bút toán; bước {}/{}{}",
        grouped(report.entries_after),
        grouped(report.resumed_at + report.steps_run),
        grouped(report.steps_total),
        match (report.complete, o.until) {
            (true, _) => " — đủ kịch bản (complete)".to_string(),
            (false, Some(until)) => format!(" — đến ngày (until) {}", until.format("%d/%m/%Y")),
            (false, None) => String::new(),
        }
    );
    print_refusals(report);
}

fn print_refusals(report: &Report) {
    if !report.refusals.is_empty() {
        println!(
            "Lệnh bị từ chối theo đúng quy tắc, không ghi gì (refused, as the rules require; nothing written):"
        );
        for r in &report.refusals {
            println!(
                "  - {} {} {}: {}",
                r.effective_date.format("%d/%m/%Y"),
                r.aggregate_type,
                r.aggregate_id,
                r.message
            );
        }
    }
}
