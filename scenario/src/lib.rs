//! The demonstration scenario (`htx-ledger demo`): plan 31/KH-UBND played from 2017 to the
//! settlements of 2020 through the programme's own commands.
//!
//! - [`generate`] is pure: (seed, scale) → the ordered steps, each a domain command with its
//!   actor, effective date, recording day and ledger time ([`step`]), and the answer the domain
//!   is expected to give. Numbers come from [`rng`] (SplitMix64, written out here so that they
//!   never change with a dependency's version).
//! - [`run`] executes the steps on a ledger opened with a [`store::SteppingClock`] ([`open`]):
//!   the steps expected accepted in batches ([`programme::Batch`], one plan year's, at most
//!   1,000 a commit), each recorded no earlier than its step's time; an expected refusal alone
//!   through [`programme::execute`], the clock moved to its time first. Each entry gets the
//!   time it would get alone: the same seed gives the same entries, byte for byte, on either
//!   backend. Each step's metadata
//!   carries the idempotency key `demo:v<version>:<seed>:<scale>:<step>`; a run starts after the
//!   step of the log's last entry, so it can be cut (`until`) and resumed, and a second run is a
//!   no-op.
//!
//! The scenario is versioned ([`VERSION`]): a version plays the same steps as the one before
//! but its entries' bytes differ, so a ledger recorded by another version is refused, not
//! continued. Version 1 (keys `demo:<seed>:<scale>:<step>`, no version) recorded every finding
//! with one fixed legal basis per rule; version 2 records the basis in force on each finding's
//! legal date (`domain::rules::basis`).

pub mod generate;
pub mod names;
pub mod params;
pub mod rng;
mod runner;
pub mod step;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use domain::rules::RuleCode;
use store::{Ledger, SteppingClock, StoreError};

use programme::Programme;

pub use generate::Scenario;
pub use runner::run;

/// What to play.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub seed: u64,
    /// Multiplies the cooperatives and the funding activity ([`params::scaled`]).
    pub scale: f64,
    /// Play only the steps recorded on or before this day.
    pub until: Option<NaiveDate>,
}

/// The scenario's version, recorded in every step's idempotency key. See the module's doc for
/// what each version changed.
pub const VERSION: u32 = 2;

impl Options {
    /// The idempotency key of step `index`.
    pub fn key(&self, index: u64) -> String {
        format!("{}{index}", self.key_prefix())
    }

    /// `demo:v<version>:<seed>:<scale>:`.
    pub fn key_prefix(&self) -> String {
        format!("demo:v{VERSION}:{}:{}:", self.seed, self.scale)
    }
}

/// A ledger opened for the scenario: its programme, and the clock the runner moves.
pub struct Demo {
    pub programme: Programme,
    pub clock: Arc<SteppingClock>,
}

/// Opens (and migrates) the ledger at `url` with a [`SteppingClock`] for the scenario.
///
/// # Errors
/// As for [`Ledger::open`].
pub async fn open(url: &str) -> Result<Demo, StoreError> {
    let start = Utc
        .with_ymd_and_hms(2017, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid instant");
    let clock = Arc::new(SteppingClock::new(start, chrono::Duration::microseconds(1)));
    let ledger = Ledger::open(url, clock.clone()).await?;
    Ok(Demo {
        programme: Programme::new(ledger),
        clock,
    })
}

/// A command the domain refused, as the scenario expects: shown to the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub step: u64,
    pub effective_date: NaiveDate,
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    pub rule: RuleCode,
    /// The refusal's own message: rule code, names, values and legal basis.
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub options: Options,
    /// Steps in the whole scenario.
    pub steps_total: u64,
    /// The first step this run played (the steps before it were already in the ledger).
    pub resumed_at: u64,
    /// Steps played by this run (accepted or refused).
    pub steps_run: u64,
    pub entries_before: u64,
    pub entries_after: u64,
    pub refusals: Vec<Refusal>,
    /// Every step of the scenario is now in the ledger.
    pub complete: bool,
}

impl Report {
    /// The run changed nothing: everything asked for was already there. (Steps that write
    /// nothing, such as an expected refusal just after the last entry, may be played again.)
    pub fn nothing_to_do(&self) -> bool {
        self.entries_after == self.entries_before
    }
}

/// Why the scenario did not run, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "quy mô (scale) {scale} ngoài khoảng {}-{} / scale outside {}-{}",
        params::MIN_SCALE,
        params::MAX_SCALE,
        params::MIN_SCALE,
        params::MAX_SCALE
    )]
    Scale { scale: f64 },
    #[error("quy mô quá nhỏ: thiếu {what} / the scale is too small for the scenario")]
    PoolTooSmall { what: &'static str },
    #[error(
        "sổ cái đã chứa kịch bản mẫu khác ({found}), không ghi gì / the ledger holds another demo \
         scenario ({found}, asked for {asked}); nothing written. Use an empty ledger \
         (--database-url) or the same --seed and --scale."
    )]
    OtherScenario { found: String, asked: String },
    #[error(
        "sổ cái đã chứa kịch bản mẫu phiên bản {found}, chương trình này chạy phiên bản {asked}, \
         không ghi gì / the ledger holds version {found} of the demo scenario and this program \
         plays version {asked} (its entries differ byte for byte); nothing written. Use an empty \
         ledger (--database-url)."
    )]
    OtherVersion { found: u32, asked: u32 },
    #[error(
        "sổ cái đã có {entries} bút toán không thuộc kịch bản mẫu, không ghi gì / the ledger holds \
         {entries} entries that are not from the demo scenario; nothing written. Use an empty \
         ledger (--database-url)."
    )]
    ForeignLedger { entries: u64 },
    #[error(
        "bước {step} ({target}) bị từ chối ngoài kịch bản / step refused unexpectedly: {message}"
    )]
    Refused {
        step: u64,
        target: String,
        message: String,
    },
    #[error(
        "bước {step} ({target}) được chấp nhận, kịch bản chờ từ chối theo {rule} / step accepted, expected a refusal under {rule}"
    )]
    NotRefused {
        step: u64,
        target: String,
        rule: RuleCode,
    },
    #[error("bước {step} ({target}) lỗi kỹ thuật / technical failure: {message}")]
    Technical {
        step: u64,
        target: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How far a run is, after each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Steps done, counting those already in the ledger.
    pub done: u64,
    pub total: u64,
    pub recorded_on: NaiveDate,
    /// Entries this run has written so far.
    pub entries_written: u64,
}
