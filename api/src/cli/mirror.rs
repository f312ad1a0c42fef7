//! `htx-ledger mirror`: an auditor's own verified copy of the log, fetched as C2SP
//! tlog-tiles (the `mirror` crate), written into the ledger of `--database-url`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use mirror::{MirrorError, Progress, Round, Source, mirror_once};
use store::Database;
use tlog::policy::Policy;

use super::Outcome;

/// What `htx-ledger mirror` was given.
pub struct MirrorArgs<'a> {
    pub from: &'a str,
    pub policy: &'a Path,
    pub token: Option<String>,
    pub evidence: Option<&'a Path>,
    pub follow: bool,
    pub interval: Duration,
}

/// The default evidence folder: `mirror-evidence` beside an SQLite file, else in the working
/// folder.
fn default_evidence(url: &str) -> PathBuf {
    let file = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    match file.map(Path::new).and_then(Path::parent) {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join("mirror-evidence"),
        _ => PathBuf::from("mirror-evidence"),
    }
}

pub async fn mirror(url: &str, args: MirrorArgs<'_>) -> anyhow::Result<Outcome> {
    let policy = super::tlog::read_policy(args.policy)?;
    let source = Source::new(args.from, args.token)?;
    let evidence = args
        .evidence
        .map_or_else(|| default_evidence(url), Path::to_path_buf);
    // A new SQLite file for the copy is made with large pages (store's docs say why).
    Database::create_for_copies(url)
        .await
        .with_context(|| format!("making the mirror's ledger at {url}"))?;
    let db = Database::open(url)
        .await
        .with_context(|| format!("opening the mirror's ledger at {url}"))?;
    loop {
        match round(&db, &source, &policy, &evidence).await {
            Ok(()) if !args.follow => return Ok(Outcome::Success),
            Ok(()) => {}
            Err(error) if args.follow && error.is_transient() => {
                eprintln!("warning: {error}; trying again in {:?}", args.interval);
            }
            Err(error) if error.is_refusal() => {
                eprintln!("REFUSED: {error}");
                return Ok(Outcome::Refused);
            }
            Err(error) => return Err(error.into()),
        }
        tokio::select! {
            () = tokio::time::sleep(args.interval) => {}
            () = crate::http::signal() => return Ok(Outcome::Success),
        }
    }
}

async fn round(
    db: &Database,
    source: &Source,
    policy: &Policy,
    evidence: &Path,
) -> Result<(), MirrorError> {
    let started = Instant::now();
    let mut last_said = Instant::now();
    let report = |p: Progress| {
        if last_said.elapsed() >= Duration::from_secs(1) || p.done == p.total {
            let rate = p.done as f64 / started.elapsed().as_secs_f64().max(1e-6);
            eprintln!(
                "mirror: {}/{} entries verified and written ({rate:.0} entries/s)",
                p.done, p.total
            );
            last_said = Instant::now();
        }
    };
    match mirror_once(db, source, policy, evidence, report).await? {
        Round::UpToDate { size } => {
            println!("up to date: the mirror holds the log's checkpoint of size {size}");
        }
        Round::Behind { served, held } => println!(
            "the log serves an older checkpoint (size {served}), consistent with the {held} entries held; nothing to do"
        ),
        Round::Grown { from, to, cosigned } => {
            let seconds = started.elapsed().as_secs_f64();
            let witnesses: Vec<&str> = cosigned.iter().map(|c| c.witness.as_str()).collect();
            println!(
                "mirrored entries {from}..{to} ({} entries, {:.0} entries/s), verified against the checkpoint of size {to}{}",
                to - from,
                (to - from) as f64 / seconds.max(1e-6),
                if witnesses.is_empty() {
                    String::new()
                } else {
                    format!(", cosigned by {}", witnesses.join(", "))
                }
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_evidence;
    use std::path::PathBuf;

    #[test]
    fn evidence_goes_beside_an_sqlite_file() {
        assert_eq!(
            default_evidence("sqlite:///var/lib/audit/mirror.db"),
            PathBuf::from("/var/lib/audit/mirror-evidence")
        );
        assert_eq!(
            default_evidence("sqlite://mirror.db"),
            PathBuf::from("mirror-evidence")
        );
        assert_eq!(
            default_evidence("postgres://db/audit"),
            PathBuf::from("mirror-evidence")
        );
    }
}
