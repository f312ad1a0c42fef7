//! `htx-ledger record --file COMMANDS.jsonl --as USER`: a file of commands (a registry
//! migration, thousands of back-dated commands) recorded as one batch: each line one command
//! as `POST /api/v1/batch` lists them (`{"collection", "id", "action", "body"}`), decided in
//! order by its rules, as person USER (whose role each command's route must admit), then
//! written in one commit. A bad line (not JSON, no such command, a role not admitted, a body
//! not read, a refusal) is named by its line number and nothing is written. The same file
//! recorded again writes nothing: the batch is remembered under the file's SHA-256.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use sha2::{Digest, Sha256};
use store::{Ledger, Remember, StoreError, SystemClock};

use super::Outcome;
use crate::http::RequestId;
use crate::http::auth::PeopleDirectory;
use crate::http::batch::{BatchCommand, decide_all, resolve};
use crate::http::problem::Problem;
use programme::Programme;

/// A line of the file that cannot be recorded: its number and why.
fn refuse(line: usize, why: &str) -> anyhow::Result<Outcome> {
    println!("từ chối, không ghi gì (refused, nothing written): dòng / line {line}: {why}");
    Ok(Outcome::Refused)
}

/// The line of the command a problem names.
fn line_of(problem: &Problem, lines: &[usize]) -> usize {
    problem
        .command()
        .and_then(|i| lines.get(i))
        .copied()
        .unwrap_or_default()
}

fn shown(problem: &Problem) -> String {
    match problem.rule {
        Some(rule) => format!("{} ({})", problem.detail, rule.as_str()),
        None => problem.detail.clone(),
    }
}

pub async fn record(url: &str, file: &Path, user: &str) -> anyhow::Result<Outcome> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        println!(
            "từ chối (refused): tệp không phải UTF-8 / the file is not UTF-8; nothing written"
        );
        return Ok(Outcome::Refused);
    };
    let mut commands = Vec::new();
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<BatchCommand>(line) {
            Ok(command) => {
                commands.push(command);
                lines.push(n + 1);
            }
            Err(e) => {
                return refuse(
                    n + 1,
                    &format!(
                        "cần một lệnh {{\"collection\", \"id\", \"action\", \"body\"}} / expected a command {{\"collection\", \"id\", \"action\", \"body\"}}: {e}"
                    ),
                );
            }
        }
    }
    if commands.is_empty() {
        println!(
            "từ chối (refused): tệp không có lệnh nào / the file holds no command; nothing written"
        );
        return Ok(Outcome::Refused);
    }
    let ledger = Ledger::open(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let outcome = record_commands(&ledger, &bytes, commands, &lines, user).await;
    ledger.database().close().await;
    outcome
}

async fn record_commands(
    ledger: &Ledger,
    bytes: &[u8],
    commands: Vec<BatchCommand>,
    lines: &[usize],
    user: &str,
) -> anyhow::Result<Outcome> {
    let people = PeopleDirectory::load(ledger.database()).await?;
    let Some(person) = people.person(user) else {
        println!(
            "từ chối (refused): sổ cái không có người dùng {user} / the ledger has no person {user} (htx-ledger user add); nothing written"
        );
        return Ok(Outcome::Refused);
    };
    let resolved = match resolve(commands, &person) {
        Ok(resolved) => resolved,
        Err(problem) => return refuse(line_of(&problem, lines), &shown(&problem)),
    };
    let sha256 = hex::encode(Sha256::digest(bytes));
    let key = format!("record:{sha256}");
    let db = ledger.database();
    if let Some(first) =
        store::service::remembered_response(db, &person.actor.user_id, &key).await?
    {
        println!(
            "Không có gì thay đổi (nothing to do): tệp này đã được ghi (this file was recorded before): {}",
            first.response
        );
        return Ok(Outcome::Success);
    }
    let programme = Programme::new(ledger.clone());
    let request_id = RequestId(format!("record-{}", &sha256[..16]));
    let total = resolved.len();
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        let bar = super::progress::commands(total as u64, "xét lệnh (deciding)");
        let ledger_key = |index: usize| Some(format!("{key}#{}", lines[index]));
        let decided = decide_all(
            &programme,
            &person,
            &request_id,
            &resolved,
            ledger_key,
            |_| bar.inc(1),
        )
        .await;
        bar.finish_and_clear();
        let batch = match decided {
            Ok(batch) => batch,
            Err(problem) => return refuse(line_of(&problem, lines), &shown(&problem)),
        };
        let remember = Remember {
            user_id: person.actor.user_id.clone(),
            key: key.clone(),
            request_sha256: sha256.clone(),
            respond: Arc::new(move |written: &[store::Written]| {
                let (first, last) = (written.first(), written.last());
                let summary = serde_json::json!({
                    "commands": total,
                    "entries": written.len(),
                    "first_position": first.map(|w| w.at.position),
                    "last_position": last.map(|w| w.at.position),
                });
                (200, summary.to_string())
            }),
        };
        match batch.commit(Some(remember)).await {
            Ok(written) => {
                let entries: Vec<&store::Written> = written.iter().flatten().collect();
                println!(
                    "Đã ghi (written): {} bút toán (entries) từ {total} lệnh (commands) trong một lần ghi (one commit), {:.1} giây (s){}",
                    entries.len(),
                    started.elapsed().as_secs_f64(),
                    match (entries.first(), entries.last()) {
                        (Some(a), Some(b)) =>
                            format!("; vị trí (positions) {}-{}", a.at.position, b.at.position),
                        _ => String::new(),
                    }
                );
                return Ok(Outcome::Success);
            }
            Err(StoreError::Conflict { .. }) if attempt < programme::CONFLICT_RETRIES => {
                attempt += 1;
            }
            Err(error) => {
                return Err(error)
                    .context("the batch was not written; nothing of it is in the ledger");
            }
        }
    }
}
