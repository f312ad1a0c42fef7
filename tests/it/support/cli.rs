//! Running the `htx-ledger` binary as a user would.

use std::path::Path;
use std::process::Command;

/// Runs `htx-ledger ARGS` on the database at `url`, with the key folder `key_dir` (or none) and
/// every log line on, so that tests can also check what is logged. Returns the exit code and
/// standard output followed by standard error.
pub fn htx_ledger(url: &str, key_dir: Option<&Path>, args: &[&str]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_htx-ledger"));
    command
        .args(args)
        .env("DATABASE_URL", url)
        .env("HTX_LEDGER_LOG", "trace");
    match key_dir {
        Some(dir) => command.env("HTX_LEDGER_KEY_DIR", dir),
        None => command.env_remove("HTX_LEDGER_KEY_DIR"),
    };
    let output = command.output().expect("run htx-ledger");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}
