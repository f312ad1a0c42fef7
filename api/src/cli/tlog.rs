//! The verifiable log's commands: keys, checkpoints, proofs, bundles, and their offline
//! checks.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use futures::TryStreamExt;
use store::bundle::{self, BundleError};
use store::checkpoint::{self, CheckpointError};
use store::keys::{self, KeyRing};
use store::verify::{DuplicateCode, Finding, recorded_size, verify_ledger};
use store::{Database, SystemClock, tree, witnessed};
use tlog::note::VerifierKey;
use tlog::policy::{Policy, PolicyRefusal};
use tlog::proof_file::ProofFile;

use super::{Outcome, progress};

pub fn key_generate(origin: &str, out: &Path) -> anyhow::Result<Outcome> {
    let generated = keys::generate(origin, out)?;
    println!(
        "private key (keep it secret): {}",
        generated.private_key.display()
    );
    println!(
        "verifier key (publish it):    {}",
        generated.verifier_key.display()
    );
    println!("{}", generated.vkey_text);
    Ok(Outcome::Success)
}

fn key_ring(key_dir: Option<&Path>) -> anyhow::Result<KeyRing> {
    let dir = key_dir.context(
        "no key folder: pass --key-dir DIR or set HTX_LEDGER_KEY_DIR (create one with `htx-ledger key generate`)",
    )?;
    Ok(KeyRing::load(dir)?)
}

pub async fn checkpoint(url: &str, key_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    let keys = key_ring(key_dir)?;
    let db = open(url).await?;
    match checkpoint::create(&db, &keys, &SystemClock).await {
        Ok(signed) => {
            if !signed.new {
                eprintln!(
                    "the log has not grown since the latest checkpoint ({} entries); printing that one",
                    signed.checkpoint.size
                );
            }
            print!("{}", signed.checkpoint.note);
            Ok(Outcome::Success)
        }
        Err(error @ CheckpointError::Store(_)) => Err(error.into()),
        Err(error @ (CheckpointError::NoSigningKey | CheckpointError::Signing(_))) => {
            Err(error.into())
        }
        Err(refusal) => {
            eprintln!("REFUSED, nothing signed: {refusal}");
            Ok(Outcome::Refused)
        }
    }
}

/// What `htx-ledger proof` is asked for.
pub struct ProofArgs<'a> {
    pub position: u64,
    pub size: Option<u64>,
    pub entry_out: Option<&'a Path>,
    pub policy: Option<&'a Path>,
}

pub async fn proof(url: &str, args: ProofArgs<'_>) -> anyhow::Result<Outcome> {
    let ProofArgs {
        position,
        size,
        entry_out,
        policy,
    } = args;
    let policy_text = policy
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        })
        .transpose()?;
    let policy = policy.map(read_policy).transpose()?;
    let db = open(url).await?;
    let signed = match (size, &policy) {
        (Some(size), None) => checkpoint::at_size(&db, size).await?.with_context(|| {
            format!("no checkpoint was signed at tree size {size}; run `htx-ledger checkpoint` or pick a stored size")
        })?,
        (None, None) => checkpoint::latest(&db)
            .await?
            .context("no checkpoint has been signed yet: run `htx-ledger checkpoint` first")?,
        (Some(size), Some(policy)) => match witnessed::at_size(&db, policy, size).await? {
            None => bail!("no checkpoint was signed at tree size {size}"),
            Some(Err(refusal)) => {
                println!("REFUSED: the checkpoint of tree size {size} is not witnessed: {refusal}");
                return Ok(Outcome::Refused);
            }
            Some(Ok(witnessed)) => witnessed.checkpoint,
        },
        (None, Some(policy)) => match witnessed::latest(&db, policy).await? {
            Some(witnessed) => witnessed.checkpoint,
            None => {
                println!(
                    "REFUSED: no checkpoint holds the policy's quorum of witnesses yet; nothing to prove against"
                );
                return Ok(Outcome::Refused);
            }
        },
    };
    if position >= signed.size {
        bail!(
            "entry {position} is not in the checkpoint of {} entries; sign a newer checkpoint first",
            signed.size
        );
    }
    let hashes = tree::inclusion_proof(&db, position, signed.size).await?;
    let signed = witnessed::cosigned(&db, signed).await?;
    let file = ProofFile {
        index: position,
        // The policy travels with the proof, unauthenticated (tlog-proof's `extra`): the
        // inspector checks against a copy obtained independently, and is told if it differs.
        extra: policy_text.map(|text| extra_policy(&text)),
        proof: hashes,
        checkpoint_note: signed.note,
    };
    if let Some(path) = entry_out {
        let row = store::stream_log(&db, position)
            .try_next()
            .await?
            .filter(|row| row.position == position as i64)
            .with_context(|| format!("entry {position} is missing from the log"))?;
        std::fs::write(path, &row.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    print!("{}", file.to_text());
    Ok(Outcome::Success)
}

/// What a proof file's `extra` holds when it names the policy: this prefix, then the policy
/// file's text.
pub const EXTRA_POLICY_PREFIX: &str = "htx-ledger/tlog-policy\n";

fn extra_policy(text: &str) -> Vec<u8> {
    format!("{EXTRA_POLICY_PREFIX}{text}").into_bytes()
}

/// The policy a proof file names in its `extra` line, if it names one.
fn policy_named_by(file: &ProofFile) -> Option<String> {
    let extra = std::str::from_utf8(file.extra.as_deref()?).ok()?;
    extra.strip_prefix(EXTRA_POLICY_PREFIX).map(str::to_owned)
}

pub async fn consistency(url: &str, from: u64, to: u64) -> anyhow::Result<Outcome> {
    let db = open(url).await?;
    let hashes = tree::consistency_proof(&db, from, to).await?;
    let mut out = std::io::stdout().lock();
    for hash in hashes {
        writeln!(out, "{}", hash.to_base64())?;
    }
    Ok(Outcome::Success)
}

fn read_vkeys(paths: &[PathBuf]) -> anyhow::Result<Vec<VerifierKey>> {
    if paths.is_empty() {
        bail!("pass the log's verifier key with --vkey FILE");
    }
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            VerifierKey::parse(text.trim_end())
                .with_context(|| format!("{} is not a verifier key", path.display()))
        })
        .collect()
}

/// Reads a tlog-policy file.
pub(crate) fn read_policy(path: &Path) -> anyhow::Result<Policy> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Policy::parse(&text).with_context(|| format!("{} is not a tlog-policy", path.display()))
}

/// The log keys to check with: the given `.vkey` files, or else the policy's logs.
fn log_keys(vkeys: &[PathBuf], policy: Option<&Policy>) -> anyhow::Result<Vec<VerifierKey>> {
    match policy {
        Some(policy) if vkeys.is_empty() => {
            Ok(policy.logs().iter().map(|l| l.key.clone()).collect())
        }
        _ => read_vkeys(vkeys),
    }
}

/// Says which witnesses cosigned a checkpoint and when, or why the policy's quorum does not
/// hold; `false` in that case.
fn report_witnesses(policy: &Policy, note_text: &str) -> bool {
    let at = |timestamp: u64| {
        i64::try_from(timestamp)
            .ok()
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map_or_else(
                || format!("{timestamp} s"),
                |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            )
    };
    match policy.check(note_text) {
        Ok(witnessed) => {
            if policy.needs_no_cosignature() {
                println!("witnessed: the policy needs no cosignature (quorum none)");
            }
            for cosigned in &witnessed.cosigned {
                println!(
                    "cosigned by {} at {}",
                    cosigned.witness,
                    at(cosigned.timestamp)
                );
            }
            for bad in &witnessed.bad_cosignatures {
                println!("warning: the cosignature line of {bad} does not verify");
            }
            true
        }
        Err(PolicyRefusal::NoQuorum { cosigned, known }) => {
            for c in &cosigned {
                println!("cosigned by {} at {}", c.witness, at(c.timestamp));
            }
            println!(
                "INVALID: the policy's quorum does not hold: {} of its {known} witnesses cosigned this checkpoint",
                cosigned.len()
            );
            false
        }
        Err(refusal) => {
            println!("INVALID: {refusal}");
            false
        }
    }
}

pub fn verify_proof(
    file: &Path,
    vkeys: &[PathBuf],
    policy: Option<&Path>,
    entry: &Path,
) -> anyhow::Result<Outcome> {
    let policy_path = policy;
    let policy = policy.map(read_policy).transpose()?;
    let keys = log_keys(vkeys, policy.as_ref())?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let bytes = std::fs::read(entry).with_context(|| format!("reading {}", entry.display()))?;
    let parsed = match ProofFile::parse(&text) {
        Ok(parsed) => parsed,
        Err(error) => {
            println!(
                "INVALID: {} is not a tlog-proof file: {error}",
                file.display()
            );
            return Ok(Outcome::Refused);
        }
    };
    if let (Some(named), Some(path)) = (policy_named_by(&parsed), policy_path) {
        let trusted = std::fs::read_to_string(path).unwrap_or_default();
        if Policy::parse(&named).ok() != policy {
            println!(
                "note: the proof names a policy that differs from {}; it is checked against yours only",
                path.display()
            );
        } else if named != trusted {
            println!("note: the proof names the same policy as yours, written differently");
        }
    }
    match parsed.verify_entry(&bytes, &keys, None) {
        Ok(_)
            if policy
                .as_ref()
                .is_some_and(|policy| !report_witnesses(policy, &parsed.checkpoint_note)) =>
        {
            Ok(Outcome::Refused)
        }
        Ok(verified) => {
            let checkpoint = &verified.checkpoint.checkpoint;
            println!(
                "VALID: entry {} is in log {} at tree size {} (root {})",
                verified.index,
                checkpoint.origin,
                checkpoint.size,
                checkpoint.root.to_base64()
            );
            let signers: Vec<String> = verified
                .checkpoint
                .note
                .verified_by
                .iter()
                .map(ToString::to_string)
                .collect();
            println!("signed by: {}", signers.join(", "));
            println!("leaf hash: {}", verified.leaf_hash.to_hex());
            if let Ok(entry) = domain::ledger::Entry::parse_canonical(&bytes) {
                println!(
                    "entry: {} {}/{} #{} recorded {}",
                    entry.event_type,
                    entry.aggregate_type,
                    entry.aggregate_id,
                    entry.sequence,
                    entry.recorded_at.to_rfc3339()
                );
            }
            Ok(Outcome::Success)
        }
        Err(error) => {
            println!("INVALID: {error}");
            Ok(Outcome::Refused)
        }
    }
}

pub async fn verify(
    url: &str,
    key_dir: Option<&Path>,
    since: Option<&Path>,
    policy: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let policy = policy.map(read_policy).transpose()?;
    let keys: Option<Vec<VerifierKey>> = match (key_dir, &policy) {
        (Some(dir), _) => Some(KeyRing::load(dir)?.verifiers().to_vec()),
        (None, Some(policy)) => Some(policy.logs().iter().map(|l| l.key.clone()).collect()),
        (None, None) => None,
    };
    let since_note = since
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        })
        .transpose()?;
    if since_note.is_some() && keys.is_none() {
        bail!("--since needs the log's verifier key: pass --key-dir or --policy");
    }
    let db = open(url).await?;
    let bar = progress::entries(recorded_size(&db).await?, "verifying");
    let result = verify_ledger(&db, keys.as_deref(), since_note.as_deref(), |done| {
        bar.set_position(done)
    })
    .await
    .context("reading the log")?;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            println!(
                "intact: {} entries, head {}",
                report.chain.size, report.chain.head
            );
            if report.started_at > 0 {
                println!(
                    "checked from the trusted checkpoint of {} entries: the log extends it",
                    report.started_at
                );
            }
            match report.latest_checkpoint {
                Some((size, root)) => println!(
                    "checkpoints: {} roots recomputed; latest {size} entries, root {}; signatures {}",
                    report.checkpoints_checked,
                    root.to_base64(),
                    if report.signatures_checked {
                        "verified"
                    } else {
                        "NOT checked (pass --key-dir or --policy)"
                    }
                ),
                None => println!("checkpoints: none signed yet"),
            }
            // Data warnings: the chain is intact, so the exit code stays 0.
            for duplicate in &report.duplicate_codes {
                println!(
                    "CẢNH BÁO dữ liệu / data WARNING ({}): {}",
                    DuplicateCode::RULE.as_str(),
                    duplicate.warning()
                );
            }
            if !report.duplicate_codes.is_empty() {
                println!(
                    "{} mã số HTX bị đăng ký trùng; sổ đăng ký giữ lần đăng ký đầu tiên / {} \
                     codes registered more than once; the registry keeps each first \
                     registration and lists the others in registry_duplicate_registrations",
                    report.duplicate_codes.len(),
                    report.duplicate_codes.len()
                );
            }
            match &policy {
                Some(policy) => {
                    report_witnessed_ledger(&db, policy, report.latest_checkpoint).await
                }
                None => Ok(Outcome::Success),
            }
        }
        Err(found) => {
            print_finding(&found);
            Ok(Outcome::Refused)
        }
    }
}

/// Under a policy: the latest checkpoint its quorum cosigned, who cosigned it and when, and
/// whether later checkpoints are still waiting for their witnesses. Refused when no
/// checkpoint holds the quorum.
async fn report_witnessed_ledger(
    db: &Database,
    policy: &Policy,
    latest: Option<(u64, tlog::Hash)>,
) -> anyhow::Result<Outcome> {
    let Some(witnessed) = witnessed::latest(db, policy).await? else {
        if let Some((size, _)) = latest {
            let stored = checkpoint::at_size(db, size).await?;
            if let Some(stored) = stored {
                let cosigned = witnessed::cosigned(db, stored).await?;
                report_witnesses(policy, &cosigned.note);
            }
        }
        println!(
            "INVALID: no checkpoint of this ledger holds the policy's quorum of witnesses: nothing here is witnessed"
        );
        return Ok(Outcome::Refused);
    };
    println!(
        "witnessed: the checkpoint of {} entries (root {}) holds the policy's quorum",
        witnessed.checkpoint.size,
        witnessed.checkpoint.root.to_base64()
    );
    report_witnesses(policy, &witnessed.checkpoint.note);
    if let Some((size, _)) = latest
        && size > witnessed.checkpoint.size
    {
        println!(
            "not yet witnessed: the signed checkpoint of {size} entries has no quorum yet; entries {}..{size} are covered by the log's signature only",
            witnessed.checkpoint.size
        );
    }
    Ok(Outcome::Success)
}

fn print_finding(found: &Finding) {
    match found {
        Finding::Chain(error) => {
            println!("ALTERED at position {}: {}", error.position, error.problem);
        }
        Finding::Checkpoint { size, problem } => {
            println!(
                "ALTERED: checkpoint of {size} entries ({}): {problem}",
                found.kind()
            );
        }
        Finding::NoCheckpoint => println!("UNVERIFIABLE ({}): {found}", found.kind()),
    }
}

pub async fn export_tiles(url: &str, dir: &Path, policy: Option<&Path>) -> anyhow::Result<Outcome> {
    let policy = policy.map(read_policy).transpose()?;
    let db = open(url).await?;
    let bar = progress::entries(0, "writing tiles");
    let written = store::tiles::export_tiles(&db, dir, policy.as_ref(), |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await;
    bar.finish_and_clear();
    let written = written?;
    println!(
        "tiles written to {}: {} tiles at the checkpoint of size {} (C2SP tlog-tiles; serve the folder as is)",
        dir.display(),
        written.tiles,
        written.size
    );
    Ok(Outcome::Success)
}

pub async fn export_bundle(
    url: &str,
    key_dir: Option<&Path>,
    dir: &Path,
    policy: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let keys = key_ring(key_dir)?;
    let policy = policy
        .map(|path| -> anyhow::Result<String> {
            read_policy(path)?;
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        })
        .transpose()?;
    let db = open(url).await?;
    let bar = progress::entries(recorded_size(&db).await?, "exporting");
    let summary = bundle::write_bundle(&db, dir, &keys, policy.as_deref(), |done| {
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let summary = match summary {
        Ok(summary) => summary,
        Err(BundleError::Store(error)) => return Err(error.into()),
        Err(error) => bail!("{error}"),
    };
    println!(
        "audit bundle written to {}: {} entries, {} checkpoints, {} keys",
        dir.display(),
        summary.entries,
        summary.checkpoints,
        summary.keys
    );
    if summary.checkpoints == 0 {
        eprintln!(
            "warning: no checkpoint is signed yet, so the bundle cannot be verified; run `htx-ledger checkpoint` and export again"
        );
    }
    Ok(Outcome::Success)
}

pub fn verify_bundle(
    dir: &Path,
    vkeys: &[PathBuf],
    policy: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let policy = policy.map(read_policy).transpose()?;
    let keys = log_keys(vkeys, policy.as_ref())?;
    let bar = progress::entries(0, "verifying");
    let result = bundle::verify_bundle(dir, &keys, |done| bar.set_position(done));
    bar.finish_and_clear();
    match result? {
        Ok(report) => {
            println!("intact: {} entries", report.entries);
            for (size, root) in &report.checkpoints {
                println!("checkpoint {size}: root {root} recomputed, signature verified");
            }
            if let Some(policy) = &policy {
                if let Some(named) = bundle::named_policy(dir)?
                    && Policy::parse(&named).ok().as_ref() != Some(policy)
                {
                    println!(
                        "note: the bundle's {} differs from your policy; checked against yours only",
                        bundle::POLICY_FILE
                    );
                }
                let note = bundle::latest_checkpoint_note(dir)?.unwrap_or_default();
                if !report_witnesses(policy, &note) {
                    return Ok(Outcome::Refused);
                }
                println!("witnessed: the latest checkpoint holds the policy's quorum");
            }
            Ok(Outcome::Success)
        }
        Err(found) => {
            print_finding(&found);
            Ok(Outcome::Refused)
        }
    }
}

async fn open(url: &str) -> anyhow::Result<Database> {
    Database::open(url)
        .await
        .with_context(|| format!("opening the ledger at {url}"))
}
