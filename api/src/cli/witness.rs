//! `htx-ledger witness`: run a C2SP tlog-witness of one or more logs, and read the evidence it
//! kept; `htx-ledger key generate --witness` makes its key.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tlog::note::VerifierKey;
use witness::{Witness, WitnessState};

use super::Outcome;

pub fn key_generate(name: &str, out: &Path) -> anyhow::Result<Outcome> {
    let generated = witness::keys::generate(name, out)?;
    println!(
        "witness private key (keep it secret): {}",
        generated.private_key.display()
    );
    println!(
        "witness verifier key (give it to the logs and the policy): {}",
        generated.verifier_key.display()
    );
    println!("{}", generated.vkey_text);
    Ok(Outcome::Success)
}

/// A log's verifier key, given as its text or as the path of a `.vkey` file.
fn log_key(given: &str) -> anyhow::Result<VerifierKey> {
    let path = Path::new(given);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    } else {
        given.to_owned()
    };
    VerifierKey::parse(text.trim_end())
        .with_context(|| format!("--log {given:?} is not a log's verifier key (name+id+key)"))
}

pub async fn serve(
    bind: std::net::SocketAddr,
    key: &Path,
    logs: &[String],
    state: &str,
) -> anyhow::Result<Outcome> {
    let key = witness::keys::load(key)?;
    let logs = logs
        .iter()
        .map(|given| log_key(given))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let state = WitnessState::open(state).await?;
    let origins: Vec<String> = logs.iter().map(|k| k.name().to_owned()).collect();
    let witness = Arc::new(Witness::new(key.clone(), logs, state.clone()));
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    let addr = listener.local_addr()?;
    println!(
        "witness {} listening on http://{addr} for {}",
        key.witness_key(),
        origins.join(", ")
    );
    tracing::info!(%addr, witness = %key.witness_key(), logs = ?origins, "witness started");
    axum::serve(listener, witness::router(witness))
        .with_graceful_shutdown(crate::http::signal())
        .await?;
    state.close().await;
    Ok(Outcome::Success)
}

/// Prints every kept refusal as a JSON line; exits 1 when there is any.
pub async fn evidence(state: &str) -> anyhow::Result<Outcome> {
    let state = WitnessState::open(state).await?;
    let evidence = state.evidence().await?;
    for item in &evidence {
        println!("{}", serde_json::to_string(item)?);
    }
    state.close().await;
    if evidence.is_empty() {
        eprintln!("no evidence: every refused checkpoint was malformed or not the log's");
        Ok(Outcome::Success)
    } else {
        eprintln!(
            "{} refused checkpoint(s) signed by a log: evidence of a rewrite or a split view",
            evidence.len()
        );
        Ok(Outcome::Refused)
    }
}
