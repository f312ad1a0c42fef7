//! Verifying the stored log: every entry re-read, re-hashed and re-linked, in position order,
//! and the Merkle root recomputed at every signed checkpoint.
//!
//! While the entries stream by, one data check that is not about the chain: a cooperative
//! code registered by more than one entry (rule REG-01, a code is never reused). The command
//! side refuses it, but ledgers written before that refusal may hold such entries; they are
//! immutable, so [`verify_ledger`] reports them as warnings ([`DuplicateCode`]) beside an
//! intact chain. Only the `CooperativeRegistered` entries of the `cooperative` aggregates have
//! their payload's `code` read.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;

use domain::ledger::{
    ChainVerifier, EntryError, LeafHash, Prepared, Problem, RowColumns, StoredRow, VerifiedChain,
    VerifyError,
};
use domain::rules::RuleCode;
use futures::TryStreamExt;
use serde::Deserialize;
use tlog::Hash;
use tlog::merkle::{self, Frontier, Subtree};
use tlog::note::{Checkpoint, VerifierKey, open_checkpoint};

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::checkpoints::{self, StoredCheckpoint};
use crate::sql::log::{LogFilter, read_entries, read_head, stream_log};
use crate::sql::rows::{Head, LogRow};
use crate::sql::tree::read_subtrees;
use crate::tree;

/// Rows handed from the reader to the checker at a time.
const CHUNK: usize = 2_048;

/// Checks the whole log against its recorded head. `progress` is called with the number of
/// entries checked so far, every few thousand entries and at the end.
///
/// Reading and checking overlap: rows are read on the async runtime and checked on a thread
/// of their own, a chunk at a time.
///
/// The outer `Result` says whether the log could be read; the inner one what was found.
///
/// # Errors
/// When the database cannot be read.
pub async fn verify_log(
    db: &Database,
    progress: impl FnMut(u64),
) -> Result<Result<VerifiedChain, VerifyError>, StoreError> {
    let head = read_head(db).await?;
    let outcome = check_chain(
        db,
        head,
        ChainVerifier::new(),
        Frontier::new(),
        Vec::new(),
        Registrations::default(),
        progress,
    )
    .await?;
    Ok(outcome
        .map(|checked| checked.chain)
        .map_err(|finding| match finding {
            Finding::Chain(error) => error,
            Finding::Checkpoint { .. } | Finding::NoCheckpoint => {
                unreachable!("no checkpoints were given")
            }
        }))
}

/// What [`verify_ledger`] found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    #[error("{0}")]
    Chain(VerifyError),
    #[error("checkpoint of tree size {size}: {problem}")]
    Checkpoint {
        size: u64,
        problem: CheckpointProblem,
    },
    #[error("there is no signed checkpoint: nothing ties the entries to what the log signed")]
    NoCheckpoint,
}

impl Finding {
    /// A short name of the kind of problem, for scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::Chain(error) => error.problem.kind(),
            Finding::Checkpoint { problem, .. } => match problem {
                CheckpointProblem::Signature(_) => "checkpoint-signature",
                CheckpointProblem::ColumnsDiffer => "checkpoint-columns",
                CheckpointProblem::BeyondLog { .. } => "truncated-below-checkpoint",
                CheckpointProblem::RootMismatch { .. } => "checkpoint-root",
                CheckpointProblem::NotExtended(_) => "not-consistent-with-trusted-checkpoint",
            },
            Finding::NoCheckpoint => "no-checkpoint",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointProblem {
    #[error("its signature does not verify with the given keys: {0}")]
    Signature(String),
    #[error("the size or root stored beside it differs from its signed note")]
    ColumnsDiffer,
    #[error("it was signed for more entries than the log now has ({log}): entries were removed")]
    BeyondLog { log: u64 },
    #[error(
        "it signed root {signed}, but the stored entries give {computed}: entries were altered"
    )]
    RootMismatch { signed: String, computed: String },
    #[error("the log does not extend the trusted checkpoint: {0}")]
    NotExtended(String),
}

/// What [`verify_ledger`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerReport {
    pub chain: VerifiedChain,
    /// Where checking started: 0, or the size of the trusted checkpoint given.
    pub started_at: u64,
    /// Checkpoints whose root was recomputed from the entries.
    pub checkpoints_checked: usize,
    /// Whether their signatures were checked (verifier keys were given).
    pub signatures_checked: bool,
    /// The latest stored checkpoint, size and root.
    pub latest_checkpoint: Option<(u64, Hash)>,
    /// Data warnings, not chain problems: every cooperative code registered by more than one
    /// entry (REG-01), in the order of its first registration. With `since`, the
    /// registrations below the trusted checkpoint are read too (not re-verified), so that a
    /// code reused across it is found.
    pub duplicate_codes: Vec<DuplicateCode>,
}

/// A cooperative code registered by more than one entry: a data warning under rule REG-01
/// (a code is unique and never reused). The chain may be intact; the entries are immutable,
/// and the registry projection keeps the first registration's row and lists the others in
/// `registry_duplicate_registrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCode {
    pub code: String,
    /// Every entry that registered it, in position order: (position, aggregate id).
    pub registrations: Vec<(u64, String)>,
    /// The legal date of the first registration that reused the code: the act the rule is
    /// judged on, and so the date of the legal basis cited.
    pub reused_on: NaiveDate,
}

impl DuplicateCode {
    /// The rule it breaks.
    pub const RULE: RuleCode = RuleCode::Reg01;

    /// The positions of its registrations, in order.
    pub fn positions(&self) -> Vec<u64> {
        self.registrations.iter().map(|(p, _)| *p).collect()
    }

    /// The warning, in Vietnamese and English, naming the code, every position that
    /// registered it (with its aggregate), the rule and its legal basis.
    pub fn warning(&self) -> String {
        let rule = Self::RULE;
        let (vi, en) = rule.name();
        let at = self
            .registrations
            .iter()
            .map(|(position, aggregate)| format!("{position} (cooperative/{aggregate})"))
            .collect::<Vec<_>>()
            .join(", ");
        let n = self.registrations.len();
        format!(
            "mã số HTX {code} được đăng ký {n} lần / cooperative code {code} registered {n} \
             times, vị trí / positions {at}; vi phạm / breaks {rule} {vi} / {en} (căn cứ / \
             legal basis: {basis})",
            code = self.code,
            rule = rule.as_str(),
            basis = rule.legal_basis_on(self.reused_on),
        )
    }
}

/// The registrations seen, per code, to find codes registered more than once.
#[derive(Debug, Default)]
struct Registrations {
    by_code: HashMap<String, Vec<(u64, String, NaiveDate)>>,
}

impl Registrations {
    fn note(&mut self, (code, date): (String, NaiveDate), position: u64, aggregate_id: &str) {
        self.by_code
            .entry(code)
            .or_default()
            .push((position, aggregate_id.to_string(), date));
    }

    /// Every code registered more than once, in the order of its first registration.
    fn duplicates(self) -> Vec<DuplicateCode> {
        let mut found: Vec<DuplicateCode> = self
            .by_code
            .into_iter()
            .filter(|(_, registrations)| registrations.len() > 1)
            .map(|(code, mut registrations)| {
                registrations.sort_unstable();
                DuplicateCode {
                    code,
                    reused_on: registrations[1].2,
                    registrations: registrations
                        .into_iter()
                        .map(|(position, aggregate, _)| (position, aggregate))
                        .collect(),
                }
            })
            .collect();
        found.sort_by_key(|d| d.registrations.first().map(|(p, _)| *p));
        found
    }
}

/// The code a `CooperativeRegistered` entry registers, with its legal date; `None` for any
/// other entry. Only the event type is read from the others (the payload is skipped).
fn registered_code(aggregate_type: &str, bytes: &[u8]) -> Option<(String, NaiveDate)> {
    #[derive(Deserialize)]
    struct EventType<'a> {
        #[serde(borrow)]
        event_type: Cow<'a, str>,
    }
    #[derive(Deserialize)]
    struct Registered {
        payload: RegisteredPayload,
    }
    #[derive(Deserialize)]
    struct RegisteredPayload {
        #[serde(rename = "CooperativeRegistered")]
        registered: RegisteredCode,
    }
    #[derive(Deserialize)]
    struct RegisteredCode {
        code: String,
        effective_date: NaiveDate,
    }
    if aggregate_type != "cooperative" {
        return None;
    }
    let kind: EventType<'_> = serde_json::from_slice(bytes).ok()?;
    if kind.event_type != "CooperativeRegistered" {
        return None;
    }
    let entry: Registered = serde_json::from_slice(bytes).ok()?;
    let registered = entry.payload.registered;
    Some((registered.code, registered.effective_date))
}

/// The registrations below `below`, read (not verified) to seed a check that starts there.
async fn registrations_below(db: &Database, below: u64) -> Result<Registrations, StoreError> {
    let mut registrations = Registrations::default();
    if below == 0 {
        return Ok(registrations);
    }
    #[derive(Deserialize)]
    struct Aggregate {
        aggregate_id: String,
    }
    let mut rows = read_entries(db, LogFilter::of_type("cooperative").below(below));
    while let Some((position, bytes)) = rows.try_next().await? {
        if let Some(code) = registered_code("cooperative", &bytes) {
            let id = serde_json::from_slice::<Aggregate>(&bytes)
                .map(|a| a.aggregate_id)
                .unwrap_or_default();
            registrations.note(code, position, &id);
        }
    }
    Ok(registrations)
}

/// Checks the log and its checkpoints: every entry re-hashed and re-linked, the Merkle root
/// recomputed at every stored checkpoint size, and (when `keys` are given) every checkpoint's
/// signature.
///
/// With `since`, a signed checkpoint the auditor already trusts: the latest stored checkpoint
/// must be consistent with it (an RFC 9162 consistency proof from the stored tree), and only
/// the entries after it are read, starting from its root and from the hash of its last entry
/// (proved included in it).
///
/// # Errors
/// When the database cannot be read.
pub async fn verify_ledger(
    db: &Database,
    keys: Option<&[VerifierKey]>,
    since: Option<&str>,
    progress: impl FnMut(u64),
) -> Result<Result<LedgerReport, Finding>, StoreError> {
    let head = read_head(db).await?;
    let stored = checkpoints::all(db).await?;
    for checkpoint in &stored {
        if let Err(problem) = check_note(checkpoint, keys) {
            return Ok(Err(Finding::Checkpoint {
                size: checkpoint.size,
                problem,
            }));
        }
    }
    let latest = stored.last().map(|c| (c.size, c.root));
    let (verifier, frontier) = match since {
        None => (ChainVerifier::new(), Frontier::new()),
        Some(note) => match resume_from(db, keys, note, latest).await? {
            Ok(start) => start,
            Err(finding) => return Ok(Err(finding)),
        },
    };
    let started_at = frontier.size();
    let roots: Vec<(u64, Hash)> = stored
        .iter()
        .filter(|c| c.size > started_at)
        .map(|c| (c.size, c.root))
        .collect();
    let checked = roots.len();
    let registrations = registrations_below(db, started_at).await?;
    let outcome = check_chain(db, head, verifier, frontier, roots, registrations, progress).await?;
    Ok(outcome.map(|done| LedgerReport {
        chain: done.chain,
        started_at,
        checkpoints_checked: checked,
        signatures_checked: keys.is_some(),
        latest_checkpoint: latest,
        duplicate_codes: done.duplicate_codes,
    }))
}

/// Checks a stored checkpoint's note against its columns, and its signature when keys are
/// given.
fn check_note(
    checkpoint: &StoredCheckpoint,
    keys: Option<&[VerifierKey]>,
) -> Result<(), CheckpointProblem> {
    let stated = match keys {
        Some(keys) => {
            open_checkpoint(&checkpoint.note, keys, None)
                .map_err(|e| CheckpointProblem::Signature(e.to_string()))?
                .checkpoint
        }
        None => {
            let (text, _) = tlog::note::split(&checkpoint.note)
                .map_err(|e| CheckpointProblem::Signature(e.to_string()))?;
            Checkpoint::parse(text).map_err(|e| CheckpointProblem::Signature(e.to_string()))?
        }
    };
    if stated.size != checkpoint.size || stated.root != checkpoint.root {
        return Err(CheckpointProblem::ColumnsDiffer);
    }
    Ok(())
}

/// The verifier and tree edge to continue from a trusted checkpoint, once the log is shown to
/// extend it.
async fn resume_from(
    db: &Database,
    keys: Option<&[VerifierKey]>,
    note: &str,
    latest: Option<(u64, Hash)>,
) -> Result<Result<(ChainVerifier, Frontier), Finding>, StoreError> {
    let not_extended = |size: u64, why: String| {
        Err(Finding::Checkpoint {
            size,
            problem: CheckpointProblem::NotExtended(why),
        })
    };
    let Some(keys) = keys else {
        return Ok(not_extended(
            0,
            "a trusted checkpoint can only be checked with the log's verifier key (--key-dir)"
                .into(),
        ));
    };
    let trusted = match open_checkpoint(note, keys, None) {
        Ok(opened) => opened.checkpoint,
        Err(e) => return Ok(not_extended(0, format!("it does not verify: {e}"))),
    };
    let (size, root) = (trusted.size, trusted.root);
    let Some((latest_size, latest_root)) = latest else {
        return Ok(not_extended(
            size,
            "the log has no checkpoint to compare".into(),
        ));
    };
    if latest_size < size {
        return Ok(not_extended(
            size,
            format!("the log's latest checkpoint is of {latest_size} entries, fewer"),
        ));
    }
    let proof = match tree::consistency_proof(db, size, latest_size).await {
        Ok(proof) => proof,
        Err(StoreError::NotInLog(why)) => return Ok(not_extended(size, why)),
        Err(e) => return Err(e),
    };
    if let Err(e) = merkle::verify_consistency(size, latest_size, &proof, &root, &latest_root) {
        return Ok(not_extended(
            size,
            format!("no consistency with the latest checkpoint ({latest_size}): {e}"),
        ));
    }
    // The tree's right edge at the trusted size, checked against its root.
    let wanted = Frontier::subtrees_for(size);
    let found = read_subtrees(db, &wanted).await?;
    let hashes: Option<Vec<Hash>> = wanted.iter().map(|s| found.get(s).copied()).collect();
    let frontier = match hashes.map(|h| Frontier::restore(size, h)) {
        Some(Ok(frontier)) if frontier.root() == root => frontier,
        _ => {
            return Ok(not_extended(
                size,
                "the stored tree does not give its root".into(),
            ));
        }
    };
    // The hash the next entry must link to: the last leaf, proved included in the root.
    let prev_hash = if size == 0 {
        LeafHash::GENESIS
    } else {
        let last = Subtree {
            level: 0,
            index: size - 1,
        };
        let leaf = read_subtrees(db, &[last]).await?.get(&last).copied();
        let proof = tree::inclusion_proof(db, size - 1, size).await?;
        match leaf {
            Some(leaf)
                if merkle::verify_inclusion(&leaf, size - 1, size, &proof, &root).is_ok() =>
            {
                LeafHash::from_bytes(*leaf.as_bytes())
            }
            _ => {
                return Ok(not_extended(
                    size,
                    "its last entry is not the one stored".into(),
                ));
            }
        }
    };
    Ok(Ok((ChainVerifier::resume(size, prev_hash), frontier)))
}

/// What [`check_chain`] established.
struct Checked {
    chain: VerifiedChain,
    duplicate_codes: Vec<DuplicateCode>,
}

/// Streams the log from the verifier's position to the head, checking each entry and the
/// root at each of `roots` (sizes ascending), and noting each cooperative registration beside
/// those already in `registrations`.
async fn check_chain(
    db: &Database,
    head: Head,
    mut verifier: ChainVerifier,
    mut frontier: Frontier,
    roots: Vec<(u64, Hash)>,
    mut registrations: Registrations,
    mut progress: impl FnMut(u64),
) -> Result<Result<Checked, Finding>, StoreError> {
    let from = verifier.size();
    let (chunks, mut receiver) = tokio::sync::mpsc::channel::<Vec<LogRow>>(4);
    let (checked, mut checked_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let checker = tokio::task::spawn_blocking(move || {
        let mut roots = roots.into_iter().peekable();
        let mut check_roots = |frontier: &Frontier| -> Result<(), Finding> {
            while let Some(&(size, signed)) = roots.peek() {
                if size > frontier.size() {
                    break;
                }
                roots.next();
                let computed = frontier.root();
                if size == frontier.size() && computed != signed {
                    return Err(Finding::Checkpoint {
                        size,
                        problem: CheckpointProblem::RootMismatch {
                            signed: signed.to_base64(),
                            computed: computed.to_base64(),
                        },
                    });
                }
            }
            Ok(())
        };
        check_roots(&frontier)?;
        while let Some(chunk) = receiver.blocking_recv() {
            // Hashing and parsing are independent per row: half the chunk on a second thread.
            // So is reading the code of a cooperative registration.
            let (first, second) = chunk.split_at(chunk.len() / 2);
            let prepare = |r: &LogRow| {
                (
                    Prepared::of(&stored(r)),
                    registered_code(&r.aggregate_type, &r.bytes),
                )
            };
            let prepared: Vec<(Prepared, Option<(String, NaiveDate)>)> =
                std::thread::scope(|scope| {
                    let other = scope.spawn(|| second.iter().map(prepare).collect::<Vec<_>>());
                    let mut prepared: Vec<_> = first.iter().map(prepare).collect();
                    prepared.extend(other.join().unwrap_or_default());
                    prepared
                });
            if prepared.len() != chunk.len() {
                return Err(Finding::Chain(VerifyError {
                    position: verifier.size(),
                    problem: Problem::Malformed(EntryError::Malformed(
                        "a checking thread failed".into(),
                    )),
                }));
            }
            for (row, (prepared, code)) in chunk.iter().zip(prepared) {
                let position = verifier.size();
                let leaf = verifier
                    .push_prepared(stored(row), prepared)
                    .map_err(Finding::Chain)?;
                if let Some(code) = code {
                    registrations.note(code, position, &row.aggregate_id);
                }
                frontier.push(tree::leaf(&leaf), |_, _| {});
                check_roots(&frontier)?;
            }
            let _ = checked.send(verifier.size());
        }
        let log_size = verifier.size();
        let chain = verifier
            .finish(Some((head.size, head.hash)))
            .map_err(Finding::Chain)?;
        // A checkpoint beyond the end: the log was cut back below what was signed.
        if let Some((size, _)) = roots.next() {
            return Err(Finding::Checkpoint {
                size,
                problem: CheckpointProblem::BeyondLog { log: log_size },
            });
        }
        Ok(Checked {
            chain,
            duplicate_codes: registrations.duplicates(),
        })
    });
    let mut rows = stream_log(db, from);
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(row) = rows.try_next().await? {
        chunk.push(row);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if chunks.send(full).await.is_err() {
                break; // the checker stopped at a problem
            }
            while let Ok(done) = checked_rx.try_recv() {
                progress(done);
            }
        }
    }
    drop(rows);
    if !chunk.is_empty() {
        let _ = chunks.send(chunk).await;
    }
    drop(chunks);
    let result = checker
        .await
        .map_err(|e| StoreError::Corrupt(format!("the checker failed: {e}")))?;
    while let Ok(done) = checked_rx.try_recv() {
        progress(done);
    }
    Ok(result)
}

/// The number of entries the recorded head claims, for sizing a progress bar.
///
/// # Errors
/// When the database cannot be read.
pub async fn recorded_size(db: &Database) -> Result<u64, StoreError> {
    Ok(read_head(db).await?.size)
}

fn stored(row: &LogRow) -> StoredRow<'_> {
    StoredRow {
        position: u64::try_from(row.position).unwrap_or(u64::MAX),
        bytes: &row.bytes,
        stored_leaf_hash: Some(&row.leaf_hash),
        columns: Some(RowColumns {
            aggregate_type: &row.aggregate_type,
            aggregate_id: &row.aggregate_id,
            sequence: u64::try_from(row.sequence).unwrap_or(0),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(aggregate_id: &str, event_type: &str, payload: &str) -> Vec<u8> {
        format!(
            r#"{{"aggregate_id":"{aggregate_id}","aggregate_type":"cooperative","event_type":"{event_type}","event_version":"1","metadata":{{}},"payload":{{"{event_type}":{payload}}},"position":0,"prev_hash":"00","recorded_at":"2021-01-04T03:00:00Z","sequence":1}}"#
        )
        .into_bytes()
    }

    #[test]
    fn only_a_cooperative_registration_has_its_code_read() {
        let registered = entry(
            "5700888020",
            "CooperativeRegistered",
            r#"{"code":"5700888012","effective_date":"2018-03-01","kind":"htx"}"#,
        );
        assert_eq!(
            registered_code("cooperative", &registered),
            Some((
                "5700888012".to_string(),
                NaiveDate::from_ymd_opt(2018, 3, 1).unwrap()
            ))
        );
        assert_eq!(registered_code("tally", &registered), None);
        let other = entry(
            "5700888012",
            "MembershipRecorded",
            r#"{"code":"5700888012"}"#,
        );
        assert_eq!(registered_code("cooperative", &other), None);
    }

    #[test]
    fn a_code_registered_twice_is_one_warning_naming_every_position() {
        let mut seen = Registrations::default();
        let on = |d| NaiveDate::from_ymd_opt(2018, 3, d).unwrap();
        seen.note(("5700000117".into(), on(20)), 40, "5700000205");
        seen.note(("5700000125".into(), on(1)), 12, "5700000125");
        seen.note(("5700000117".into(), on(2)), 3, "5700000117");
        seen.note(("5700000133".into(), on(3)), 7, "5700000133");
        seen.note(("5700000133".into(), on(4)), 9, "5700000141");
        let found = seen.duplicates();
        let codes: Vec<&str> = found.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["5700000117", "5700000133"], "by first registration");
        assert_eq!(found[0].positions(), [3, 40]);
        assert_eq!(
            found[0].reused_on,
            on(20),
            "judged on the date of the reuse"
        );
        let warning = found[0].warning();
        for expected in [
            "5700000117",
            "3 (cooperative/5700000117), 40 (cooperative/5700000205)",
            "REG-01",
            "được đăng ký 2 lần",
            "registered 2 times",
            RuleCode::Reg01.legal_basis_on(on(20)),
        ] {
            assert!(warning.contains(expected), "{expected:?}: {warning}");
        }
    }
}
