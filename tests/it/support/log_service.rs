//! `htx-ledger serve` as a process of its own on loopback, as the operator runs it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running log service, killed when dropped. What it logs goes to `log_file`.
pub struct LogService {
    pub url: String,
    pub log_file: PathBuf,
    child: Child,
}

impl LogService {
    /// Starts `htx-ledger serve --bind 127.0.0.1:0 ARGS` on the database `url`, with the key
    /// folder `keys`, logging to `log_file`; waits for the address it prints.
    pub fn start(url: &str, keys: &Path, args: &[&str], log_file: &Path) -> LogService {
        let log = std::fs::File::create(log_file).expect("the service's log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .env("DATABASE_URL", url)
            .env("HTX_LEDGER_KEY_DIR", keys)
            .env("HTX_LEDGER_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start htx-ledger serve");
        let stdout = child.stdout.take().expect("its output");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let url = loop {
            line.clear();
            let read = reader.read_line(&mut line).expect("the service's output");
            assert!(
                read > 0,
                "htx-ledger serve stopped before listening: {}",
                std::fs::read_to_string(log_file).unwrap_or_default()
            );
            if let Some(url) = line
                .split_whitespace()
                .find(|word| word.starts_with("http://"))
            {
                break url.trim_end_matches('/').to_string();
            }
        };
        // Keep reading its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        LogService {
            url,
            log_file: log_file.to_path_buf(),
            child,
        }
    }

    /// What the service logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Kills the process, as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LogService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
