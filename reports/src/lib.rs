//! The reports of plan 31/KH-UBND (docs/reports.md): settlement (quyết toán), the six-monthly
//! and annual report on registration and operation (báo cáo định kỳ), and progress against the
//! plan's targets. Each is computed from the projections replayed at a checkpoint, states that
//! checkpoint's tree size and root, and is written as XLSX, CSV or JSON.
//!
//! - [`Report`]: the value (title, checkpoint, parameters, sections of typed cells);
//! - [`build`]: a [`Report`] from a [`projections::ProjectionSet`] (pure);
//! - [`write`]: the three file formats;
//! - [`compute`]: the checkpoint resolved, the projections replayed, the report built.
//!
//! A report holds no generation time: the same checkpoint and parameters give the same bytes.

pub mod build;
pub mod write;

use chrono::{Datelike, NaiveDate};
use projections::projector::{self, ProjectorError};
use projections::{Filter, ProjectionSet};
use serde::{Deserialize, Serialize};
use store::{Database, StoreError, checkpoint, tree, witnessed};
use tlog::Hash;
use tlog::policy::Policy;

/// Why a report could not be made. Nothing is written then.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "no signed checkpoint: a report is computed from one; sign one with `htx-ledger checkpoint` first"
    )]
    NoCheckpoint,
    #[error("no stored checkpoint of tree size {0}; `htx-ledger verify` lists them")]
    NoSuchCheckpoint(u64),
    #[error("the checkpoint file is not a signed checkpoint note: {0}")]
    CheckpointFile(String),
    #[error(
        "the ledger's tree of {size} entries has root {found}, not the checkpoint's {expected}: this is not the same log"
    )]
    RootMismatch {
        size: u64,
        expected: String,
        found: String,
    },
    #[error("the log has fewer than {0} entries: it does not reach the checkpoint")]
    LogShorter(u64),
    #[error(
        "no checkpoint holds the policy's quorum of witnesses yet: a report under a policy is computed from a witnessed checkpoint"
    )]
    NoWitnessedCheckpoint,
    #[error("the checkpoint of tree size {size} is not witnessed under the policy: {reason}")]
    NotWitnessed { size: u64, reason: String },
    #[error("bad period {0:?}: give a year (2018) or a half-year (2018-H1, 2018-H2)")]
    BadPeriod(String),
    #[error("bad format {0:?}: give xlsx, csv or json")]
    BadFormat(String),
    #[error("bad year {0:?}: give a fiscal year such as 2018")]
    BadYear(String),
    #[error("writing the {format} file: {detail}")]
    Write {
        format: &'static str,
        detail: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Projector(#[from] ProjectorError),
}

impl ReportError {
    /// The input was wrong (a bad parameter), as opposed to the ledger or the machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ReportError::BadPeriod(_) | ReportError::BadFormat(_) | ReportError::BadYear(_)
        )
    }
}

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
    Json,
}

impl Format {
    /// # Errors
    /// [`ReportError::BadFormat`] for anything but `xlsx`, `csv`, `json`.
    pub fn parse(text: &str) -> Result<Format, ReportError> {
        match text {
            "xlsx" => Ok(Format::Xlsx),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(ReportError::BadFormat(text.to_string())),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// A reporting period: a year or one of its halves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    /// 1 or 2 for a half-year; none for the year.
    pub half: Option<u8>,
}

impl Period {
    /// `2018`, `2018-H1` or `2018-H2` (years 1900-9999).
    ///
    /// # Errors
    /// [`ReportError::BadPeriod`] naming the accepted forms.
    pub fn parse(text: &str) -> Result<Period, ReportError> {
        let bad = || ReportError::BadPeriod(text.to_string());
        let (year, half) = match text.split_once('-') {
            None => (text, None),
            Some((year, "H1" | "h1")) => (year, Some(1)),
            Some((year, "H2" | "h2")) => (year, Some(2)),
            Some(_) => return Err(bad()),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if year < 1900 {
            return Err(bad());
        }
        Ok(Period { year, half })
    }

    pub fn start(self) -> NaiveDate {
        let month = if self.half == Some(2) { 7 } else { 1 };
        ymd(self.year, month, 1)
    }

    pub fn end(self) -> NaiveDate {
        if self.half == Some(1) {
            ymd(self.year, 6, 30)
        } else {
            ymd(self.year, 12, 31)
        }
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// As given: `2018-H1`, `2018`.
    pub fn label(self) -> String {
        match self.half {
            Some(h) => format!("{}-H{h}", self.year),
            None => self.year.to_string(),
        }
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// Parses a fiscal year (1900-9999).
///
/// # Errors
/// [`ReportError::BadYear`].
pub fn parse_year(text: &str) -> Result<i32, ReportError> {
    match text.parse::<i32>() {
        Ok(year) if (1900..=9999).contains(&year) => Ok(year),
        _ => Err(ReportError::BadYear(text.to_string())),
    }
}

/// Which report, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Settlement { year: i32, unit: Option<String> },
    Periodic { period: Period },
    Plan,
}

impl Request {
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Settlement { .. } => "settlement",
            Request::Periodic { .. } => "periodic",
            Request::Plan => "plan",
        }
    }

    /// A file name for downloads: `settlement-2018.xlsx`.
    pub fn file_name(&self, format: Format) -> String {
        let stem = match self {
            Request::Settlement {
                year,
                unit: Some(unit),
            } => format!("settlement-{year}-{unit}"),
            Request::Settlement { year, unit: None } => format!("settlement-{year}"),
            Request::Periodic { period } => format!("periodic-{}", period.label()),
            Request::Plan => "plan".to_string(),
        };
        let safe: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}.{}", format.extension())
    }
}

/// The checkpoint a report is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    pub size: u64,
    pub root: Hash,
}

/// Which checkpoint to compute from.
#[derive(Debug, Clone)]
pub enum AnchorChoice {
    /// The latest signed checkpoint stored in the ledger.
    Latest,
    /// A stored checkpoint of this tree size.
    Size(u64),
    /// A signed checkpoint note (e.g. from an audit bundle's `checkpoints/`): its root is
    /// checked against the ledger's own tree at its size. Its signature is not checked here
    /// (`htx-ledger verify-bundle` does that).
    Note(String),
}

/// The (size, root) to compute from.
///
/// # Errors
/// No checkpoint, no such checkpoint, a note that does not parse, or a tree whose root differs.
pub async fn resolve(db: &Database, choice: &AnchorChoice) -> Result<Anchor, ReportError> {
    let stored = match choice {
        AnchorChoice::Latest => checkpoint::latest(db)
            .await?
            .ok_or(ReportError::NoCheckpoint)?,
        AnchorChoice::Size(size) => checkpoint::at_size(db, *size)
            .await?
            .ok_or(ReportError::NoSuchCheckpoint(*size))?,
        AnchorChoice::Note(note) => {
            let (text, _) =
                tlog::note::split(note).map_err(|e| ReportError::CheckpointFile(e.to_string()))?;
            let parsed = tlog::note::Checkpoint::parse(text)
                .map_err(|e| ReportError::CheckpointFile(e.to_string()))?;
            let anchor = Anchor {
                size: parsed.size,
                root: parsed.root,
            };
            check_root(db, anchor).await?;
            return Ok(anchor);
        }
    };
    Ok(Anchor {
        size: stored.size,
        root: stored.root,
    })
}

async fn check_root(db: &Database, anchor: Anchor) -> Result<(), ReportError> {
    if store::read_head(db).await?.size < anchor.size {
        return Err(ReportError::LogShorter(anchor.size));
    }
    let found = tree::root(db, anchor.size).await?;
    if found != anchor.root {
        return Err(ReportError::RootMismatch {
            size: anchor.size,
            expected: anchor.root.to_base64(),
            found: found.to_base64(),
        });
    }
    Ok(())
}

/// A witness that cosigned the checkpoint a report was computed at, and when (the time its
/// cosignature states, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cosigner {
    pub witness: String,
    pub cosigned_at: String,
}

/// The witnesses of a witnessed checkpoint, as a report names them.
pub fn cosigners(witnessed: &tlog::policy::Witnessed) -> Vec<Cosigner> {
    witnessed
        .cosigned
        .iter()
        .map(|c| Cosigner {
            witness: c.witness.clone(),
            cosigned_at: i64::try_from(c.timestamp)
                .ok()
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map_or_else(
                    || c.timestamp.to_string(),
                    |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
        })
        .collect()
}

/// The (size, root) to compute from under `policy`, and the witnesses that cosigned it: the
/// latest witnessed checkpoint by default; a chosen one must hold the quorum itself.
///
/// # Errors
/// As [`resolve`], and [`ReportError::NoWitnessedCheckpoint`] or
/// [`ReportError::NotWitnessed`] when the quorum does not hold.
pub async fn resolve_witnessed(
    db: &Database,
    choice: &AnchorChoice,
    policy: &Policy,
) -> Result<(Anchor, Vec<Cosigner>), ReportError> {
    let refused = |size: u64, refusal: tlog::policy::PolicyRefusal| ReportError::NotWitnessed {
        size,
        reason: refusal.to_string(),
    };
    let (anchor, witnessed) = match choice {
        AnchorChoice::Latest => {
            let latest = witnessed::latest(db, policy)
                .await?
                .ok_or(ReportError::NoWitnessedCheckpoint)?;
            let anchor = Anchor {
                size: latest.checkpoint.size,
                root: latest.checkpoint.root,
            };
            (anchor, latest.witnessed)
        }
        AnchorChoice::Size(size) => {
            let checked = witnessed::at_size(db, policy, *size)
                .await?
                .ok_or(ReportError::NoSuchCheckpoint(*size))?
                .map_err(|refusal| refused(*size, refusal))?;
            let anchor = Anchor {
                size: checked.checkpoint.size,
                root: checked.checkpoint.root,
            };
            (anchor, checked.witnessed)
        }
        AnchorChoice::Note(note) => {
            let anchor = resolve(db, choice).await?;
            let witnessed = policy
                .check(note)
                .map_err(|refusal| refused(anchor.size, refusal))?;
            (anchor, witnessed)
        }
    };
    let cosigners = cosigners(&witnessed);
    Ok((anchor, cosigners))
}

/// The events a report reads: those within the checkpoint, and for the periodic report only
/// those effective by the period's end.
pub fn filter(request: &Request, anchor: Anchor) -> Option<Filter> {
    let last = anchor.size.checked_sub(1)?;
    Some(match request {
        Request::Periodic { period } => Filter::AsOfDateWithin {
            date: period.end(),
            position: last,
        },
        _ => Filter::AsOfPosition(last),
    })
}

/// Resolves the checkpoint, replays the projections at it and builds the report.
///
/// # Errors
/// [`ReportError`]: no checkpoint, the log unreadable.
///
/// With a `policy`, the checkpoint must hold its quorum of witnesses (the latest witnessed one
/// by default) and the report names who cosigned it.
pub async fn compute(
    db: &Database,
    request: &Request,
    choice: &AnchorChoice,
    policy: Option<&Policy>,
    progress: impl FnMut(u64),
) -> Result<Report, ReportError> {
    let (anchor, cosigners) = match policy {
        Some(policy) => resolve_witnessed(db, choice, policy).await?,
        None => (resolve(db, choice).await?, Vec::new()),
    };
    let set = match filter(request, anchor) {
        Some(filter) => projector::replay(db, filter, progress).await?,
        None => ProjectionSet::new(),
    };
    let mut report = build::build(request, anchor, &set);
    report.checkpoint.cosigned_by = cosigners;
    Ok(report)
}

/// A report: what it is, the checkpoint it was computed from, its parameters and its sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `settlement`, `periodic` or `plan`.
    pub kind: String,
    pub title_vi: String,
    pub title_en: String,
    pub checkpoint: CheckpointRef,
    pub parameters: Vec<Parameter>,
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
}

/// The checkpoint: tree size and base64 root (as in the C2SP note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRef {
    pub tree_size: u64,
    pub root: String,
    /// The witnesses whose cosignatures of the checkpoint held the policy's quorum, when the
    /// report was computed under a policy (absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosigned_by: Vec<Cosigner>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: String,
}

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// A short id (`balances`, `findings`, …), also the CSV section marker.
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// The totals row (same columns), when the section has one.
    pub totals: Option<Vec<Cell>>,
}

impl Section {
    /// The index of column `key`.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub key: String,
    pub vi: String,
    pub en: String,
    pub kind: CellKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    Text,
    Count,
    /// Whole đồng.
    Money,
    Date,
}

/// A cell. In JSON: text and dates (`YYYY-MM-DD`) are strings, counts and money integers,
/// an empty cell null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Int(i64),
    Text(String),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn date(d: Option<NaiveDate>) -> Cell {
        match d {
            Some(d) => Cell::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())),
            None => Cell::Empty,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: Option<(NaiveDate, NaiveDate)>) {
        let parsed = Period::parse(text).ok().map(|p| (p.start(), p.end()));
        assert_eq!(parsed, expected, "{text}");
    }

    #[test]
    fn periods_are_a_year_or_one_of_its_halves() {
        check("2018-H1", Some((ymd(2018, 1, 1), ymd(2018, 6, 30))));
        check("2018-H2", Some((ymd(2018, 7, 1), ymd(2018, 12, 31))));
        check("2018", Some((ymd(2018, 1, 1), ymd(2018, 12, 31))));
        for bad in [
            "2018-H3",
            "2018-",
            "18",
            "-2018",
            "2018-Q1",
            "",
            "２０１８",
            "0999",
            "2018-H1x",
        ] {
            check(bad, None);
        }
        let message = Period::parse("2018-H3").unwrap_err().to_string();
        assert!(
            message.contains("2018-H1") && message.contains("2018-H2"),
            "{message}"
        );
    }

    #[test]
    fn formats_and_years_are_checked() {
        assert_eq!(Format::parse("xlsx").ok(), Some(Format::Xlsx));
        assert!(Format::parse("pdf").is_err());
        assert_eq!(parse_year("2018").ok(), Some(2018));
        assert!(parse_year("20x8").is_err() && parse_year("-1").is_err());
    }
}
