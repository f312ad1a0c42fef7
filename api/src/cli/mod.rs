//! The command line: `htx-ledger <command>`.
//!
//! Exit codes follow grep's convention so that scripts can tell the cases apart:
//! 0 success (the log is intact), 1 an alteration was found or an import refused,
//! 2 the command could not run (bad usage, database unreachable, I/O error).

mod ledger;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// htx-ledger: the compliance and audit ledger of Quảng Ninh's cooperative development plan
/// (Kế hoạch 31/KH-UBND).
#[derive(Debug, Parser)]
#[command(name = "htx-ledger", version, about)]
pub struct Cli {
    /// The database: sqlite://PATH (the default is a file in the working folder) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = store::DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations.
    Migrate,
    /// Re-read every entry, re-hash it and check the chain, positions and sequences.
    Verify,
    /// Write the log as JSON lines: each line one entry's canonical bytes, exactly as hashed.
    Export {
        /// The file to write.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Rebuild a log from an export into an empty ledger; refuses a file that does not verify.
    Import {
        /// The JSON-lines file written by `export`.
        file: std::path::PathBuf,
    },
}

/// What a command concluded, mapped to the exit code.
pub enum Outcome {
    Success,
    /// The log or the input was found wanting (exit 1).
    Refused,
}

/// Parses the arguments, runs the command and returns the process's exit code.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Refused) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs one parsed command.
///
/// # Errors
/// When the command could not run at all.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Migrate => ledger::migrate(&cli.database_url).await,
        Command::Verify => ledger::verify(&cli.database_url).await,
        Command::Export { out } => ledger::export(&cli.database_url, &out).await,
        Command::Import { file } => ledger::import(&cli.database_url, &file).await,
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HTX_LEDGER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
