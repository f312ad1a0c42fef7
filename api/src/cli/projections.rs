//! Rebuilding projections, historical states, and their digests.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use projections::projector::{self, Projector};
use projections::{Digest, Filter};
use store::{Database, read_head};

use super::{Outcome, progress};

/// Which state `replay` builds.
pub struct ReplayArgs<'a> {
    pub as_of_position: Option<u64>,
    pub as_of_date: Option<NaiveDate>,
    pub known_on: Option<NaiveDate>,
    pub out: Option<&'a Path>,
}

pub async fn replay(url: &str, args: ReplayArgs<'_>) -> anyhow::Result<Outcome> {
    let filter = match (args.as_of_position, args.as_of_date, args.known_on) {
        (None, None, None) => Filter::All,
        (Some(n), None, None) => Filter::AsOfPosition(n),
        (None, Some(d), None) => Filter::AsOfDate(d),
        (None, None, Some(d)) => Filter::KnownOn(d),
        _ => bail!("give at most one of --as-of-position, --as-of-date, --known-on"),
    };
    let db = open(url).await?;
    let head = read_head(&db).await?.size;
    let bar = progress::entries(head, "replaying");
    if filter == Filter::All && args.out.is_none() {
        // The live projections, rebuilt in place in one transaction.
        let digests = projector::rebuild(&db, |done| bar.set_position(done))
            .await?
            .digests()?;
        bar.finish_and_clear();
        println!("live projections rebuilt from {head} entries");
        print_digests(&digests);
        return Ok(Outcome::Success);
    }
    if let Filter::AsOfPosition(n) = filter
        && n >= head
    {
        bail!(
            "entry {n} is not in the log: it has {head} entries (positions 0 to {})",
            head.saturating_sub(1)
        );
    }
    let set = projector::replay(&db, filter, |done| bar.set_position(done)).await?;
    bar.finish_and_clear();
    let described = match filter {
        Filter::All => format!("the state after all {head} entries"),
        Filter::AsOfPosition(n) => format!("the state after entry {n}"),
        Filter::AsOfDate(d) => format!(
            "the state with every event effective on or before {}",
            d.format("%d/%m/%Y")
        ),
        Filter::KnownOn(d) => format!(
            "what the ledger knew on {} (recorded on or before it)",
            d.format("%d/%m/%Y")
        ),
        Filter::AsOfDateWithin { date, position } => format!(
            "the state with every event effective on or before {} up to entry {position}",
            date.format("%d/%m/%Y")
        ),
    };
    println!("{described} (the live projections are untouched)");
    print_digests(&set.digests()?);
    if let Some(out) = args.out {
        if out.exists() {
            bail!(
                "{} exists; historical states go into a new file",
                out.display()
            );
        }
        let target = Database::open(&format!("sqlite://{}", out.display()))
            .await
            .with_context(|| format!("creating {}", out.display()))?;
        let position = match filter {
            Filter::AsOfPosition(n) => n + 1,
            _ => head,
        };
        projector::write_set(&target, &set, "historical", position).await?;
        target.close().await;
        println!("written to {}", out.display());
    }
    Ok(Outcome::Success)
}

pub async fn digest(url: &str) -> anyhow::Result<Outcome> {
    let db = open(url).await?;
    // Bring the live projections up to the head first, so that the digest is of the log now.
    let mut projector = Projector::load(&db).await?;
    let head = read_head(&db).await?.size;
    let bar = progress::entries(head, "projecting");
    bar.set_position(projector.position());
    projector.catch_up(|done| bar.set_position(done)).await?;
    bar.finish_and_clear();
    let (position, digests) = projector::stored_digests(&db).await?;
    println!("live projections at {position} entries");
    print_digests(&digests);
    Ok(Outcome::Success)
}

/// Checks the stored funding balances against the payment entries in the log (the settlement
/// reconciliation): exit 0 when every figure agrees, 1 naming each difference.
pub async fn reconcile(url: &str) -> anyhow::Result<Outcome> {
    let db = open(url).await?;
    let (position, differences) = projections::funding_balances::reconcile_at(&db).await?;
    if differences.is_empty() {
        println!(
            "đối chiếu khớp / reconciled: the stored paid balances equal the payment entries of the log's first {position} entries"
        );
        return Ok(Outcome::Success);
    }
    println!("KHÔNG KHỚP / DIFFERENCES ({}):", differences.len());
    for difference in &differences {
        println!("  {difference}");
    }
    Ok(Outcome::Refused)
}

fn print_digests(digests: &[Digest]) {
    for digest in digests {
        println!(
            "{:<22} {:<32} {:>9} rows  sha256 {}",
            digest.projection, digest.table, digest.rows, digest.sha256
        );
    }
}

async fn open(url: &str) -> anyhow::Result<Database> {
    Database::open(url)
        .await
        .with_context(|| format!("opening the ledger at {url}"))
}
