//! The command line: `htx-ledger <command>`.
//!
//! Exit codes follow grep's convention so that scripts can tell the cases apart:
//! 0 success (the log is intact, the proof valid), 1 an alteration was found, a proof or
//! bundle did not verify, or an import or a checkpoint was refused,
//! 2 the command could not run (bad usage, database unreachable, I/O error).

mod demo;
mod ledger;
mod mirror;
mod people;
mod progress;
mod projections;
mod record;
mod report;
mod serve;
mod tlog;
mod witness;

use std::path::PathBuf;
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

    /// The folder of the log's keys: `.key` private keys sign checkpoints, `.vkey` verifier
    /// keys check them.
    #[arg(long, env = "HTX_LEDGER_KEY_DIR", global = true)]
    pub key_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations.
    Migrate,
    /// Re-read every entry, re-hash it and check the chain, positions and sequences; recompute
    /// the Merkle root at every signed checkpoint and check the signatures (with --key-dir).
    Verify {
        /// Start from this signed checkpoint, already trusted: check that the log extends it,
        /// then only the entries added since.
        #[arg(long, value_name = "CHECKPOINTFILE")]
        since: Option<PathBuf>,
        /// A C2SP tlog-policy file: its log keys check the checkpoints' signatures (in place of
        /// --key-dir), and a checkpoint must hold its quorum of witnesses' cosignatures; says
        /// the latest witnessed checkpoint, who cosigned it and when.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Write the log as JSON lines (--out), or an audit bundle that verifies offline (--bundle).
    Export {
        /// The JSON-lines file to write.
        #[arg(long, required_unless_present_any = ["bundle", "tiles"], conflicts_with_all = ["bundle", "tiles"])]
        out: Option<PathBuf>,
        /// The folder to write the audit bundle into: entries, checkpoints, keys, README.
        #[arg(long, value_name = "DIR", conflicts_with = "tiles")]
        bundle: Option<PathBuf>,
        /// The folder to write the log into as C2SP tlog-tiles at the latest signed
        /// checkpoint (checkpoint, tile/…), for any static file server to serve.
        #[arg(long, value_name = "DIR")]
        tiles: Option<PathBuf>,
        /// With --bundle: the tlog-policy the log's checkpoints are witnessed under, copied
        /// into the bundle as policy.txt (the auditor still checks with a copy obtained
        /// independently). With --tiles: export at the latest checkpoint its quorum cosigned.
        #[arg(long, conflicts_with = "out")]
        policy: Option<PathBuf>,
    },
    /// Rebuild a log from an export into an empty ledger; refuses a file that does not verify.
    Import {
        /// The JSON-lines file written by `export`.
        file: PathBuf,
    },
    /// Record a file of commands (JSON lines, each as `POST /api/v1/batch` lists them) as
    /// one batch: every command or none, bad lines named by number; a file recorded again
    /// writes nothing.
    Record {
        /// The JSON-lines file: `{"collection", "id", "action", "body"}` a line.
        #[arg(long)]
        file: PathBuf,
        /// The person the commands are recorded as (added with `user add`); each command's
        /// route must admit their role.
        #[arg(long = "as", value_name = "USER")]
        user: String,
    },
    /// Fill the ledger with the deterministic scenario of plan 31/KH-UBND (2017-2020), through
    /// the programme's commands; safe to repeat, resumable.
    Demo {
        /// The scenario's seed: the same seed gives the same entries, byte for byte.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Multiplies the cooperatives and the funding activity (100: over 1,000,000 entries).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Stop after the steps recorded on this day (dd/mm/yyyy or YYYY-MM-DD); run again to
        /// go on.
        #[arg(long, value_name = "DATE", value_parser = legal_date)]
        until: Option<chrono::NaiveDate>,
    },
    /// Run the HTTP service: JSON under /api/v1/, /openapi.json, /healthz, /readyz, /metrics.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Fill an empty ledger with the demonstration scenario first, sign a checkpoint, add
        /// one person per role and print their tokens.
        #[arg(long)]
        demo: bool,
        /// The scenario's scale with --demo (0.05-1000; smaller is quicker).
        #[arg(long, default_value_t = 1.0, requires = "demo")]
        demo_scale: f64,
        /// The most projector lag, in entries, at which /readyz says ready.
        #[arg(long, default_value_t = 10_000)]
        max_lag: u64,
        /// Sign a checkpoint when the log grew and this many seconds passed (with a signing
        /// key in --key-dir).
        #[arg(long, default_value_t = 60)]
        checkpoint_every: u64,
        /// A C2SP tlog-policy file naming the log, its witnesses (with their URLs) and the
        /// quorum: each signed checkpoint is sent to the witnesses, and only checkpoints the
        /// quorum cosigned are published (docs/trust.md).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Serve the tiles' entry bundles (/tlog/tile/entries/…) to anyone, without a token:
        /// only for a log whose entries (which name people) the operator decided to publish.
        /// By default they need a role that may read entries (auditor, inspector, mirror).
        #[arg(long)]
        public_entries: bool,
        /// With --policy: a witness that has not cosigned for this many seconds while a
        /// checkpoint waits raises the alarm (/readyz answers 503).
        #[arg(long, default_value_t = 30, requires = "policy")]
        witness_alarm_after: u64,
        /// With --policy: the longest one request to a witness may take, in seconds.
        #[arg(long, default_value_t = 10, requires = "policy")]
        witness_timeout: u64,
    },
    /// People and their bearer tokens (recorded in the ledger as hashes).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the log's signing keys, and witnesses' keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// A witness (C2SP tlog-witness): cosigns a log's checkpoints only if each extends the
    /// last it cosigned. What Sở Tài chính, Kho bạc or Kiểm toán Nhà nước run.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
    /// Sign a checkpoint of the log now (after checking that it extends the latest) and print
    /// the signed note.
    Checkpoint,
    /// Print the C2SP tlog-proof that entry N is in a signed checkpoint.
    Proof {
        /// The entry's position.
        #[arg(long)]
        position: u64,
        /// The tree size of a stored checkpoint; the latest by default.
        #[arg(long)]
        size: Option<u64>,
        /// Also write the entry's bytes to this file, for `verify-proof --entry`.
        #[arg(long, value_name = "FILE")]
        entry_out: Option<PathBuf>,
        /// A C2SP tlog-policy file: the proof ends at the latest checkpoint its quorum
        /// cosigned, carries the cosignatures, and names the policy in its `extra` line.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Print the RFC 9162 consistency proof between two tree sizes, one base64 hash per line.
    Consistency {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
    },
    /// Check one tlog-proof offline, with the log's verifier key and the entry's bytes.
    VerifyProof {
        /// The .tlog-proof file.
        file: PathBuf,
        /// The log's verifier key file (.vkey); repeat for several. Not needed with --policy,
        /// which names the log's keys.
        #[arg(long, required_unless_present = "policy")]
        vkey: Vec<PathBuf>,
        /// A C2SP tlog-policy file: the checkpoint must be signed by one of its logs and
        /// cosigned by its quorum of witnesses.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The entry's bytes, as written by `proof --entry-out`.
        #[arg(long)]
        entry: PathBuf,
    },
    /// Rebuild the projections from position 0 (the live tables, in one transaction), or build
    /// a historical state without touching them, and print every table's digest.
    Replay {
        /// The state after entry N.
        #[arg(long, value_name = "N", group = "as_of")]
        as_of_position: Option<u64>,
        /// The state with every event effective (legal date) on or before D (dd/mm/yyyy or
        /// YYYY-MM-DD).
        #[arg(long, value_name = "D", group = "as_of", value_parser = legal_date)]
        as_of_date: Option<chrono::NaiveDate>,
        /// What the ledger knew on D: every event recorded on or before it (dd/mm/yyyy or
        /// YYYY-MM-DD).
        #[arg(long, value_name = "D", group = "as_of", value_parser = legal_date)]
        known_on: Option<chrono::NaiveDate>,
        /// Also write the historical state's tables into this new SQLite file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The live projections' digests (after catching up with the log).
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Write a report computed at a signed checkpoint (docs/reports.md): XLSX, CSV or JSON.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Keep an auditor's own verified copy of the log in this ledger (--database-url): fetch
    /// its C2SP tlog-tiles, check the checkpoint against the policy and against what is held
    /// (a fork is kept as evidence), verify every entry and the signed root, then store.
    Mirror {
        /// The tile prefix: the service's http://host/tlog/ or a static server of
        /// `export --tiles`.
        #[arg(long, value_name = "URL")]
        from: String,
        /// A C2SP tlog-policy file: the log's key, the witnesses and the quorum a checkpoint
        /// must hold to be copied.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// The bearer token of a person with role mirror (or auditor, inspector), for the
        /// service's entry bundles.
        #[arg(long, env = "HTX_LEDGER_MIRROR_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Where a fork's evidence is written (default: `mirror-evidence` beside the SQLite
        /// file, else in the working folder).
        #[arg(long, value_name = "DIR")]
        evidence: Option<PathBuf>,
        /// Keep following the log: a round every --interval seconds, until interrupted.
        #[arg(long)]
        follow: bool,
        /// Seconds between rounds with --follow.
        #[arg(long, default_value_t = 30, requires = "follow")]
        interval: u64,
    },
    /// Check an audit bundle offline: no database, no network.
    VerifyBundle {
        /// The bundle's folder.
        dir: PathBuf,
        /// The log's verifier key file (.vkey), obtained independently; repeat for several.
        /// Not needed with --policy, which names the log's keys.
        #[arg(long, required_unless_present = "policy")]
        vkey: Vec<PathBuf>,
        /// A C2SP tlog-policy file, obtained independently: the bundle's latest checkpoint
        /// must be cosigned by its quorum of witnesses.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

/// A date as the command line prints it (`31/12/2017`, days and months with or without a
/// leading zero) or in ISO form (`2017-12-31`).
///
/// # Errors
/// A text that is neither, in Vietnamese and English.
pub fn legal_date(text: &str) -> Result<chrono::NaiveDate, String> {
    let text = text.trim();
    chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .map_err(|_| {
            format!(
                "{text:?} không phải ngày dd/mm/yyyy hoặc YYYY-MM-DD / is not a date dd/mm/yyyy or YYYY-MM-DD (e.g. 31/12/2017 or 2017-12-31)"
            )
        })
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person and print a new bearer token once, alone on the last line.
    Add {
        /// The user name (lowercase letters, digits, '.', '-', '_').
        name: String,
        /// clerk, officer, approver, finance, auditor, inspector, dashboard, mirror or admin.
        #[arg(long)]
        role: String,
        /// The agency's code, for agency staff.
        #[arg(long)]
        agency: Option<String>,
        /// The person's full name (defaults to the user name).
        #[arg(long)]
        full_name: Option<String>,
    },
    /// Revoke every active token of a person.
    Revoke {
        name: String,
        /// Why (recorded in the ledger).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Print a SHA-256 digest of every projection table (docs/projections.md says how it is
    /// computed), so that two auditors can compare results.
    Digest,
    /// Check the stored funding balances against the payment entries in the log.
    Reconcile,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Settlement (quyết toán): per unit, funding source and category, the estimate,
    /// allocated, paid, advanced, returned and balance; the checks and findings with their
    /// legal basis.
    Settlement {
        /// The fiscal year, e.g. 2018.
        #[arg(long)]
        year: String,
        /// Only this budget unit (e.g. SO-KHDT).
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        output: ReportOutput,
    },
    /// The six-monthly or annual report on registration and operation (districts to Sở KH&ĐT).
    Periodic {
        /// 2018-H1 (01/01-30/06), 2018-H2 (01/07-31/12) or 2018 (the year).
        #[arg(long)]
        period: String,
        #[command(flatten)]
        output: ReportOutput,
    },
    /// Progress against the targets of plan 31/KH-UBND.
    Plan {
        #[command(flatten)]
        output: ReportOutput,
    },
}

/// Where a report goes and which checkpoint it is computed from.
#[derive(Debug, clap::Args)]
pub struct ReportOutput {
    /// xlsx, csv or json.
    #[arg(long)]
    pub format: String,
    /// The file to write (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// A stored checkpoint's tree size (default: the latest signed checkpoint).
    #[arg(long, value_name = "N", conflicts_with = "checkpoint")]
    pub checkpoint_size: Option<u64>,
    /// A signed checkpoint file (e.g. an audit bundle's checkpoints/N.checkpoint): its root
    /// must equal this ledger's tree root at its size.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// A C2SP tlog-policy file: compute at the latest checkpoint its quorum of witnesses
    /// cosigned (or check that the chosen one is), and state who cosigned it and when.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Write a new Ed25519 signing key (readable by its owner only) and its .vkey.
    Generate {
        /// The log's name, e.g. quangninh.gov.vn/htx-ledger: the first line of every checkpoint.
        /// With --witness, the witness's name, e.g. stc.quangninh.gov.vn/witness.
        #[arg(long, visible_alias = "name")]
        origin: String,
        /// The folder to write the key files into.
        #[arg(long)]
        out: PathBuf,
        /// A witness's cosigning key (C2SP tlog-cosignature, key type 0x04), written as
        /// .witness-key and .witness-vkey, rather than a log's signing key.
        #[arg(long)]
        witness: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Serve POST /add-checkpoint and GET /<origin hash>/checkpoint.
    Serve {
        /// The address to listen on (port 0: one the system picks, printed at start).
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: std::net::SocketAddr,
        /// The witness's private key file (.witness-key).
        #[arg(long)]
        key: PathBuf,
        /// A log to witness: its verifier key, as text or a .vkey file; its name is the origin.
        #[arg(long = "log", value_name = "VKEY", required = true)]
        logs: Vec<String>,
        /// The witness's own database: sqlite://FILE or postgres://…
        #[arg(long, default_value = "sqlite://htx-witness.db")]
        state: String,
    },
    /// Print the evidence kept: every refused checkpoint that a log had validly signed (exit
    /// 1 when there is any).
    Evidence {
        /// The witness's own database: sqlite://FILE or postgres://…
        #[arg(long, default_value = "sqlite://htx-witness.db")]
        state: String,
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
    init_tracing(matches!(
        cli.command,
        Command::Serve { .. } | Command::Witness { .. }
    ));
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
    let url = cli.database_url.as_str();
    let key_dir = cli.key_dir.as_deref();
    match cli.command {
        Command::Migrate => ledger::migrate(url).await,
        Command::Verify { since, policy } => {
            tlog::verify(url, key_dir, since.as_deref(), policy.as_deref()).await
        }
        Command::Export {
            out: Some(out),
            bundle: None,
            tiles: None,
            ..
        } => ledger::export(url, &out).await,
        Command::Export {
            bundle: Some(dir),
            policy,
            ..
        } => tlog::export_bundle(url, key_dir, &dir, policy.as_deref()).await,
        Command::Export {
            tiles: Some(dir),
            policy,
            ..
        } => tlog::export_tiles(url, &dir, policy.as_deref()).await,
        Command::Export { .. } => anyhow::bail!("pass --out FILE, --bundle DIR or --tiles DIR"),
        Command::Import { file } => ledger::import(url, &file).await,
        Command::Record { file, user } => record::record(url, &file, &user).await,
        Command::Demo { seed, scale, until } => {
            let options = scenario::Options { seed, scale, until };
            demo::demo(url, options).await
        }
        Command::Key {
            command:
                KeyCommand::Generate {
                    origin,
                    out,
                    witness: false,
                },
        } => tlog::key_generate(&origin, &out),
        Command::Key {
            command:
                KeyCommand::Generate {
                    origin,
                    out,
                    witness: true,
                },
        } => witness::key_generate(&origin, &out),
        Command::Witness {
            command:
                WitnessCommand::Serve {
                    bind,
                    key,
                    logs,
                    state,
                },
        } => witness::serve(bind, &key, &logs, &state).await,
        Command::Witness {
            command: WitnessCommand::Evidence { state },
        } => witness::evidence(&state).await,
        Command::Checkpoint => tlog::checkpoint(url, key_dir).await,
        Command::Proof {
            position,
            size,
            entry_out,
            policy,
        } => {
            let args = tlog::ProofArgs {
                position,
                size,
                entry_out: entry_out.as_deref(),
                policy: policy.as_deref(),
            };
            tlog::proof(url, args).await
        }
        Command::Consistency { from, to } => tlog::consistency(url, from, to).await,
        Command::VerifyProof {
            file,
            vkey,
            policy,
            entry,
        } => tlog::verify_proof(&file, &vkey, policy.as_deref(), &entry),
        Command::VerifyBundle { dir, vkey, policy } => {
            tlog::verify_bundle(&dir, &vkey, policy.as_deref())
        }
        Command::Report { command } => run_report(url, command).await,
        Command::Mirror {
            from,
            policy,
            token,
            evidence,
            follow,
            interval,
        } => {
            let args = mirror::MirrorArgs {
                from: &from,
                policy: &policy,
                token,
                evidence: evidence.as_deref(),
                follow,
                interval: std::time::Duration::from_secs(interval.max(1)),
            };
            mirror::mirror(url, args).await
        }
        Command::Replay {
            as_of_position,
            as_of_date,
            known_on,
            out,
        } => {
            let args = projections::ReplayArgs {
                as_of_position,
                as_of_date,
                known_on,
                out: out.as_deref(),
            };
            projections::replay(url, args).await
        }
        Command::Projections {
            command: ProjectionsCommand::Digest,
        } => projections::digest(url).await,
        Command::Projections {
            command: ProjectionsCommand::Reconcile,
        } => projections::reconcile(url).await,
        Command::Serve {
            bind,
            demo,
            demo_scale,
            max_lag,
            checkpoint_every,
            policy,
            public_entries,
            witness_alarm_after,
            witness_timeout,
        } => {
            let args = serve::ServeArgs {
                bind,
                demo,
                demo_scale,
                max_lag,
                checkpoint_every: std::time::Duration::from_secs(checkpoint_every.max(1)),
                policy,
                public_entries,
                witnessing: witnessing::Options {
                    unreachable_alarm: std::time::Duration::from_secs(witness_alarm_after),
                    timeout: std::time::Duration::from_secs(witness_timeout.max(1)),
                    ..witnessing::Options::default()
                },
            };
            serve::serve(url, key_dir, args).await
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    agency,
                    full_name,
                },
        } => people::add(url, &name, &role, agency.as_deref(), full_name.as_deref()).await,
        Command::User {
            command: UserCommand::Revoke { name, reason },
        } => people::revoke(url, &name, &reason).await,
    }
}

async fn run_report(url: &str, command: ReportCommand) -> anyhow::Result<Outcome> {
    use reports::{Period, Request, parse_year};
    let (request, output) = match command {
        ReportCommand::Settlement { year, unit, output } => {
            let year = parse_year(&year)?;
            (Request::Settlement { year, unit }, output)
        }
        ReportCommand::Periodic { period, output } => {
            let period = Period::parse(&period)?;
            (Request::Periodic { period }, output)
        }
        ReportCommand::Plan { output } => (Request::Plan, output),
    };
    let args = report::ReportArgs {
        format: &output.format,
        out: &output.out,
        checkpoint_size: output.checkpoint_size,
        checkpoint_file: output.checkpoint.as_deref(),
        policy: output.policy.as_deref(),
    };
    report::report(url, request, args).await
}

/// Logs to stderr, filtered by `HTX_LEDGER_LOG`. The service logs one JSON line a request
/// (request id, method, route, status, latency) by default.
fn init_tracing(service: bool) {
    let default = if service {
        "warn,htx_ledger::http=info,witness=info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("HTX_LEDGER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if service {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_read_as_the_command_line_prints_it_or_in_iso_form() {
        let day = chrono::NaiveDate::from_ymd_opt(2017, 12, 31).unwrap();
        assert_eq!(legal_date("31/12/2017"), Ok(day));
        assert_eq!(legal_date("2017-12-31"), Ok(day));
        assert_eq!(
            legal_date("1/2/2018"),
            Ok(chrono::NaiveDate::from_ymd_opt(2018, 2, 1).unwrap())
        );
        let refused = legal_date("31.12.2017").unwrap_err();
        assert!(
            refused.contains("dd/mm/yyyy") && refused.contains("YYYY-MM-DD"),
            "{refused}"
        );
        let cli = Cli::try_parse_from(["htx-ledger", "replay", "--as-of-date", "31/12/2017"])
            .expect("dd/mm/yyyy on the command line");
        assert!(matches!(
            cli.command,
            Command::Replay {
                as_of_date: Some(d),
                ..
            } if d == day
        ));
    }
}
