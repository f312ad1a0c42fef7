//! `htx-ledger witness serve` as a process of its own on loopback, as a witness operator runs
//! it; and the checkpoints a log would send it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tlog::merkle::{self, Frontier, Subtree};
use tlog::note::{Checkpoint, SigningKey};

/// A running witness process, killed when dropped.
pub struct WitnessProcess {
    pub url: String,
    child: Child,
}

impl WitnessProcess {
    /// Starts `htx-ledger witness serve` with the key file `key`, witnessing the log of
    /// `log_vkey` (a file), its state at `state`; waits for the address it prints.
    pub fn start(key: &Path, log_vkey: &Path, state: &str) -> WitnessProcess {
        WitnessProcess::start_at("127.0.0.1:0", key, log_vkey, state)
    }

    /// As [`WitnessProcess::start`], listening on `bind` (e.g. the address of a witness that
    /// was stopped, to restart it where the log knows it).
    pub fn start_at(bind: &str, key: &Path, log_vkey: &Path, state: &str) -> WitnessProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
            .args(["witness", "serve", "--bind", bind, "--key"])
            .arg(key)
            .arg("--log")
            .arg(log_vkey)
            .args(["--state", state])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start htx-ledger witness serve");
        let stdout = child.stdout.take().expect("its output");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the witness says where it listens");
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        WitnessProcess { url, child }
    }

    /// Kills the process (as a crash would: nothing is flushed on the way out).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Generates a witness key with the CLI in `dir`; returns (private key file, vkey text).
pub fn generate_witness_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let out = dir.to_str().expect("a UTF-8 path");
    let (code, output) = super::cli::htx_ledger(
        "sqlite::memory:",
        None,
        &["key", "generate", "--witness", "--name", name, "--out", out],
    );
    assert_eq!(code, 0, "{output}");
    let private = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "witness-key"))
        .expect("a .witness-key file");
    let vkey = output
        .lines()
        .find(|l| l.starts_with(name))
        .expect("the vkey line")
        .to_string();
    (private, vkey)
}

/// The leaves of a log of `size` entries, as the tests' log writes them; `rewritten` replaces
/// the leaf at that position (a history rewritten by its owner).
pub fn leaves(size: u64, rewritten: Option<u64>) -> Vec<tlog::Hash> {
    (0..size)
        .map(|i| match rewritten {
            Some(r) if r == i => merkle::leaf_hash(b"rewritten by the owner"),
            _ => merkle::leaf_hash(format!("entry {i}").as_bytes()),
        })
        .collect()
}

/// The root of `leaves`, and every complete subtree for proofs.
pub fn tree(leaves: &[tlog::Hash]) -> (tlog::Hash, std::collections::HashMap<Subtree, tlog::Hash>) {
    let mut frontier = Frontier::new();
    for leaf in leaves {
        frontier.push(*leaf, |_, _| {});
    }
    (frontier.root(), merkle::subtrees_of(leaves))
}

/// The signed checkpoint of `leaves` by `key`.
pub fn checkpoint(key: &SigningKey, leaves: &[tlog::Hash]) -> String {
    Checkpoint {
        origin: key.name().to_string(),
        size: leaves.len() as u64,
        root: tree(leaves).0,
        extensions: Vec::new(),
    }
    .sign(&[key])
    .unwrap()
}

/// The add-checkpoint body from `old` to all of `leaves`.
pub fn add_checkpoint(key: &SigningKey, old: u64, leaves: &[tlog::Hash]) -> String {
    let proof = if old == 0 {
        Vec::new()
    } else {
        let plan = merkle::consistency_plan(old, leaves.len() as u64).unwrap();
        plan.resolve(&tree(leaves).1).unwrap()
    };
    tlog::witness::AddCheckpoint {
        old_size: old,
        proof,
        note: checkpoint(key, leaves),
    }
    .to_body()
}
