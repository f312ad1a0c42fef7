//! The ledger's own commands: migrate, export, import.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use anyhow::Context;
use store::Database;
use store::export::{self, ImportError};
use store::verify::recorded_size;

use super::{Outcome, progress};

pub async fn migrate(url: &str) -> anyhow::Result<Outcome> {
    let applied = Database::migrate(url)
        .await
        .with_context(|| format!("migrating {url}"))?;
    println!("migrations applied: {applied}");
    Ok(Outcome::Success)
}

pub async fn export(url: &str, out: &Path) -> anyhow::Result<Outcome> {
    let db = open(url).await?;
    let bar = progress::entries(recorded_size(&db).await?, "exporting");
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut writer = BufWriter::new(file);
    let count = export::export_jsonl(&db, &mut writer, |done| bar.set_position(done)).await?;
    bar.finish_and_clear();
    println!("exported {count} entries to {}", out.display());
    Ok(Outcome::Success)
}

pub async fn import(url: &str, file: &Path) -> anyhow::Result<Outcome> {
    let db = open(url).await?;
    let bar = progress::entries(0, "importing");
    let open_file = || File::open(file).map(BufReader::new);
    let result = export::import_jsonl(&db, open_file, |done| bar.set_position(done)).await;
    bar.finish_and_clear();
    match result {
        Ok(chain) => {
            println!("imported {} entries, head {}", chain.size, chain.head);
            Ok(Outcome::Success)
        }
        Err(refusal @ (ImportError::Invalid { .. } | ImportError::NotEmpty(_))) => {
            println!("refused, nothing written: {refusal}");
            Ok(Outcome::Refused)
        }
        Err(ImportError::Store(error)) => {
            Err(error).with_context(|| format!("importing {}", file.display()))
        }
    }
}

async fn open(url: &str) -> anyhow::Result<Database> {
    Database::open(url)
        .await
        .with_context(|| format!("opening the ledger at {url}"))
}
