//! `htx-ledger report …`: a report computed at a checkpoint, written to `--out`.

use std::path::Path;

use anyhow::Context;
use store::{Database, read_head};

use super::{Outcome, progress};
use reports::{self, AnchorChoice, Format, ReportError, Request};

/// Where the report is computed from and where it goes.
pub struct ReportArgs<'a> {
    pub format: &'a str,
    pub out: &'a Path,
    pub checkpoint_size: Option<u64>,
    pub checkpoint_file: Option<&'a Path>,
    pub policy: Option<&'a Path>,
}

pub async fn report(url: &str, request: Request, args: ReportArgs<'_>) -> anyhow::Result<Outcome> {
    let format = Format::parse(args.format)?;
    let choice = match (args.checkpoint_size, args.checkpoint_file) {
        (Some(size), None) => AnchorChoice::Size(size),
        (None, Some(file)) => AnchorChoice::Note(
            std::fs::read_to_string(file)
                .with_context(|| format!("reading the checkpoint {}", file.display()))?,
        ),
        (None, None) => AnchorChoice::Latest,
        (Some(_), Some(_)) => anyhow::bail!("give --checkpoint-size or --checkpoint, not both"),
    };
    let policy = args.policy.map(super::tlog::read_policy).transpose()?;
    let db = Database::open(url)
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let bar = progress::entries(read_head(&db).await?.size, "replaying");
    let result = reports::compute(&db, &request, &choice, policy.as_ref(), |done| {
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let built = match result {
        Ok(built) => built,
        Err(
            refusal @ (ReportError::RootMismatch { .. }
            | ReportError::NotWitnessed { .. }
            | ReportError::NoWitnessedCheckpoint),
        ) => {
            println!("refused, nothing written: {refusal}");
            return Ok(Outcome::Refused);
        }
        Err(error) => return Err(error.into()),
    };
    let bytes = reports::write::write(&built, format)?;
    write_atomically(args.out, &bytes)?;
    println!(
        "{} report written to {} ({} bytes), computed at checkpoint: tree size {}, root {}",
        request.kind(),
        args.out.display(),
        bytes.len(),
        built.checkpoint.tree_size,
        built.checkpoint.root
    );
    for cosigner in &built.checkpoint.cosigned_by {
        println!(
            "witnessed: cosigned by {} at {}",
            cosigner.witness, cosigner.cosigned_at
        );
    }
    Ok(Outcome::Success)
}

/// Writes beside the target, then renames: `out` is either the whole report or untouched.
fn write_atomically(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = out
        .file_name()
        .with_context(|| format!("{} is not a file name", out.display()))?;
    let mut partial = name.to_os_string();
    partial.push(".partial");
    let temporary = out.with_file_name(partial);
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, out).with_context(|| format!("writing {}", out.display()))
}
