//! Which documents are a rule's legal basis on a date: the table `legal_basis.tsv`, kept beside
//! this file as data (one row a period, with its sources), compiled in and read once.
//!
//! A refusal or finding cites the basis in force on the act's legal date (`effective_date`):
//! an act of 2017 is judged under Luật HTX 2012 and NĐ 193/2013, one of 2025 under Luật HTX
//! 2023 and NĐ 92/2024. Entries already recorded keep the basis they were recorded with.

use std::sync::LazyLock;

use chrono::NaiveDate;

use super::RuleCode;

/// The table as compiled in.
pub const TABLE: &str = include_str!("legal_basis.tsv");

/// One row of the table: `rule`'s basis from `from` to `to` (both inclusive; `None`: open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasisPeriod {
    pub rule: RuleCode,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub basis: &'static str,
    pub source: &'static str,
}

impl BasisPeriod {
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= date) && self.to.is_none_or(|to| date <= to)
    }
}

/// Why the table does not read (a test reads the compiled-in table, so this never reaches a
/// user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("legal_basis.tsv line {line}: {reason}")]
pub struct TableError {
    pub line: usize,
    pub reason: String,
}

fn date(text: &str, line: usize) -> Result<Option<NaiveDate>, TableError> {
    if text == "-" {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|e| TableError {
            line,
            reason: format!("date {text:?}: {e}"),
        })
}

/// Reads `table`: comment lines (`#`) and the header are skipped; every rule's periods must
/// be in order, start open, touch without gaps or overlaps, and end open.
///
/// # Errors
/// A malformed row, an unknown rule, a gap, an overlap, or a rule without periods.
pub fn parse(table: &'static str) -> Result<Vec<BasisPeriod>, TableError> {
    let mut periods: Vec<BasisPeriod> = Vec::new();
    let mut header = false;
    for (index, text) in table.lines().enumerate() {
        let line = index + 1;
        if text.starts_with('#') || text.trim().is_empty() {
            continue;
        }
        if !header {
            header = true;
            continue;
        }
        let fail = |reason: String| TableError { line, reason };
        let fields: Vec<&'static str> = text.split('\t').collect();
        let [rule, from, to, basis, source] = fields[..] else {
            return Err(fail(format!("{} fields, not 5", fields.len())));
        };
        let rule = RuleCode::parse(rule).ok_or_else(|| fail(format!("unknown rule {rule}")))?;
        let period = BasisPeriod {
            rule,
            from: date(from, line)?,
            to: date(to, line)?,
            basis: basis.trim(),
            source: source.trim(),
        };
        if period.basis.is_empty() || period.source.is_empty() {
            return Err(fail("a basis and a source are required".into()));
        }
        match periods.last().filter(|p| p.rule == rule) {
            None => {
                if periods.iter().any(|p| p.rule == rule) {
                    return Err(fail(format!("{rule}'s rows are not together")));
                }
                if let Some(previous) = periods.last().filter(|p| p.to.is_some()) {
                    return Err(fail(format!("{}'s last period is not open", previous.rule)));
                }
                if period.from.is_some() {
                    return Err(fail(format!("{rule}'s first period must start open")));
                }
            }
            Some(previous) => {
                let follows = match (previous.to, period.from) {
                    (Some(to), Some(from)) => to.succ_opt() == Some(from),
                    _ => false,
                };
                if !follows {
                    return Err(fail(format!(
                        "{rule}: a period must start the day after the previous one ends"
                    )));
                }
            }
        }
        if let (Some(from), Some(to)) = (period.from, period.to)
            && to < from
        {
            return Err(fail(format!("{rule}: ends before it starts")));
        }
        periods.push(period);
    }
    if let Some(last) = periods.last().filter(|p| p.to.is_some()) {
        return Err(TableError {
            line: 0,
            reason: format!("{}'s last period is not open", last.rule),
        });
    }
    for rule in RuleCode::ALL {
        if !periods.iter().any(|p| p.rule == *rule) {
            return Err(TableError {
                line: 0,
                reason: format!("{rule} has no legal basis"),
            });
        }
    }
    Ok(periods)
}

static PERIODS: LazyLock<Vec<BasisPeriod>> =
    LazyLock::new(|| parse(TABLE).unwrap_or_else(|e| panic!("{e}")));

/// Every period of the table, by rule and date.
pub fn periods() -> &'static [BasisPeriod] {
    &PERIODS
}

/// `rule`'s basis in force on `date`. The table covers every date for every rule (checked
/// when it is read), so there always is one.
pub fn on(rule: RuleCode, date: NaiveDate) -> &'static str {
    periods()
        .iter()
        .find(|p| p.rule == rule && p.covers(date))
        .map_or("", |p| p.basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_table_reads_and_covers_every_rule_on_every_date() {
        let periods = parse(TABLE).unwrap();
        for rule in RuleCode::ALL {
            for date in [
                day(1997, 3, 1),
                day(2017, 12, 28),
                day(2024, 7, 1),
                day(2030, 1, 1),
            ] {
                let found = periods
                    .iter()
                    .filter(|p| p.rule == *rule && p.covers(date))
                    .count();
                assert_eq!(found, 1, "{rule} on {date}");
            }
        }
    }

    #[test]
    fn an_act_of_2017_is_judged_under_the_2012_law_and_one_of_2025_under_the_2023_law() {
        let b2017 = on(RuleCode::Reg04, day(2017, 12, 28));
        assert!(b2017.contains("Luật HTX 2012"), "{b2017}");
        assert!(b2017.contains("NĐ 193/2013/NĐ-CP"), "{b2017}");
        assert!(
            !b2017.contains("2023") && !b2017.contains("92/2024"),
            "{b2017}"
        );
        let b2025 = on(RuleCode::Reg04, day(2025, 3, 3));
        assert!(b2025.contains("Luật HTX 2023"), "{b2025}");
        assert!(b2025.contains("NĐ 92/2024/NĐ-CP"), "{b2025}");
        // The payment of the issue: 28/12/2017 must not cite NĐ 92/2024.
        let fin04 = on(RuleCode::Fin04, day(2017, 12, 28));
        assert!(!fin04.contains("92/2024"), "{fin04}");
        assert!(fin04.contains("NĐ 193/2013/NĐ-CP"), "{fin04}");
        // FIN-06 for 2018 cited TT 17/2024, not yet in force.
        let fin06 = on(RuleCode::Fin06, day(2019, 1, 31));
        assert!(!fin06.contains("17/2024"), "{fin06}");
        assert!(on(RuleCode::Fin06, day(2025, 1, 31)).contains("TT 17/2024/TT-BTC"));
    }

    #[test]
    fn docs_domain_md_lists_exactly_the_tables_rows() {
        const DOCS: &str = include_str!("../../../docs/domain.md");
        let (_, section) = DOCS
            .split_once("## Legal basis by date")
            .expect("docs/domain.md has the section");
        let shown = |date: Option<NaiveDate>| date.map_or("-".to_string(), |d| d.to_string());
        let documented: Vec<&str> = section
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| rule "))
            .collect();
        let expected: Vec<String> = periods()
            .iter()
            .map(|p| {
                format!(
                    "| {} | {} | {} | {} | {} |",
                    p.rule,
                    shown(p.from),
                    shown(p.to),
                    p.basis,
                    p.source
                )
            })
            .collect();
        assert_eq!(documented, expected);
    }

    #[track_caller]
    fn refused(table: &'static str, expected: &str) {
        let error = parse(table).unwrap_err();
        assert!(error.reason.contains(expected), "{error}");
    }

    #[test]
    fn gaps_overlaps_and_unknown_rules_are_refused() {
        let head = "rule\tfrom\tto\tbasis\tsource\n";
        let gap: &'static str = Box::leak(
            format!("{head}REG-01\t-\t2013-06-30\ta\ts\nREG-01\t2013-07-02\t-\tb\ts\n")
                .into_boxed_str(),
        );
        refused(gap, "the day after");
        let overlap: &'static str = Box::leak(
            format!("{head}REG-01\t-\t2013-06-30\ta\ts\nREG-01\t2013-06-30\t-\tb\ts\n")
                .into_boxed_str(),
        );
        refused(overlap, "the day after");
        let unknown: &'static str =
            Box::leak(format!("{head}REG-99\t-\t-\ta\ts\n").into_boxed_str());
        refused(unknown, "unknown rule");
        let closed: &'static str =
            Box::leak(format!("{head}REG-01\t-\t2013-06-30\ta\ts\n").into_boxed_str());
        refused(closed, "not open");
        let missing: &'static str =
            Box::leak(format!("{head}REG-01\t-\t-\ta\ts\n").into_boxed_str());
        refused(missing, "has no legal basis");
    }
}
