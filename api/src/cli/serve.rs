//! `htx-ledger serve`: the HTTP service; with `--demo`, on the demonstration scenario, with a
//! signing key, a signed checkpoint and one person per role, whose tokens it prints.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use domain::ledger::Role;
use store::keys::KeyRing;
use store::{Ledger, SystemClock};

use super::Outcome;
use crate::http::{self, ServeOptions};
use programme::Programme;

/// The key folder `--demo` uses when none is given: beside the default database file.
pub const DEMO_KEY_DIR: &str = "htx-ledger-keys";
/// The log's name in the demonstration's checkpoints.
pub const DEMO_ORIGIN: &str = "demo.htx-ledger.quangninh.gov.vn/log";

pub struct ServeArgs {
    pub bind: SocketAddr,
    pub demo: bool,
    pub demo_scale: f64,
    pub max_lag: u64,
    pub checkpoint_every: Duration,
    /// `--policy`: witness the checkpoints and publish only witnessed ones.
    pub policy: Option<PathBuf>,
    /// `--public-entries`: the tiles' entry bundles served to anyone.
    pub public_entries: bool,
    pub witnessing: witnessing::Options,
}

fn demo_keys(key_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = key_dir.map_or_else(|| PathBuf::from(DEMO_KEY_DIR), Path::to_path_buf);
    let has_key = std::fs::read_dir(&dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "key"))
    });
    if !has_key {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let generated = store::keys::generate(DEMO_ORIGIN, &dir)?;
        eprintln!(
            "demo: generated a signing key in {} (verifier key: {})",
            dir.display(),
            generated.verifier_key.display()
        );
    }
    Ok(dir)
}

/// Whether `serve --demo` ran on this ledger before: the scenario is complete and its people
/// added after it (so the scenario's own resume check, which reads the last entry, no longer
/// applies).
async fn served_before(url: &str) -> anyhow::Result<bool> {
    let db = store::Database::open(url)
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let people = http::auth::PeopleDirectory::load(&db).await?;
    let known = people.knows(&format!("demo.{}", Role::Admin.as_str()));
    db.close().await;
    Ok(known)
}

/// One person per role for the demonstration, with a fresh token each.
async fn demo_people(programme: &Programme) -> anyhow::Result<Vec<(Role, String, String)>> {
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let user = format!("demo.{}", role.as_str());
        super::people::ensure_person(programme, &user, role, &format!("Demo {}", role.as_str()))
            .await?;
        let token = super::people::issue_token(programme, &user)
            .await?
            .map_err(|refusal| anyhow::anyhow!("issuing a token to {user}: {refusal}"))?;
        tokens.push((role, user, token));
    }
    Ok(tokens)
}

pub async fn serve(url: &str, key_dir: Option<&Path>, args: ServeArgs) -> anyhow::Result<Outcome> {
    let policy = args
        .policy
        .as_deref()
        .map(super::tlog::read_policy)
        .transpose()?;
    let key_dir = if args.demo {
        if served_before(url).await? {
            eprintln!("demo: the scenario was played and served before; issuing fresh tokens");
        } else {
            let options = scenario::Options {
                seed: 1,
                scale: args.demo_scale,
                until: None,
            };
            if let Outcome::Refused = super::demo::demo(url, options).await? {
                anyhow::bail!("the demo scenario cannot be played on {url}: use an empty ledger");
            }
        }
        Some(demo_keys(key_dir)?)
    } else {
        key_dir.map(Path::to_path_buf)
    };
    let keys = key_dir
        .as_deref()
        .map(KeyRing::load)
        .transpose()?
        .map(Arc::new);
    if let (Some(policy), Some(keys)) = (&policy, &keys)
        && !policy
            .logs()
            .iter()
            .any(|log| keys.verifiers().contains(&log.key))
    {
        anyhow::bail!(
            "chính sách không có khóa của sổ này / the policy names none of this log's keys ({}): witnessed checkpoints could never be published; put the log's .vkey on its `log` line",
            keys.verifiers()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let ledger = Ledger::open(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let mut tokens = Vec::new();
    if args.demo {
        let programme = Programme::new(ledger.clone());
        tokens = demo_people(&programme).await?;
        if let Some(keys) = &keys {
            store::checkpoint::create(ledger.database(), keys, &SystemClock).await?;
        }
    }
    let options = ServeOptions {
        bind: args.bind,
        max_lag: args.max_lag,
        poll: Duration::from_millis(500),
        checkpoint_every: args.checkpoint_every,
        policy,
        public_entries: args.public_entries,
        witnessing: args.witnessing,
    };
    eprintln!("htx-ledger: reading the projections…");
    let running = http::start(ledger, keys, &options, true).await?;
    println!("htx-ledger serving on http://{}/", running.addr);
    println!("  OpenAPI: http://{}/openapi.json", running.addr);
    if let Some(witnessing) = &running.state.witnessing {
        let names: Vec<String> = witnessing.status().into_iter().map(|w| w.name).collect();
        println!(
            "  publishing witnessed checkpoints only; witnesses: {}",
            names.join(", ")
        );
    }
    if !tokens.is_empty() {
        println!("Bearer tokens (shown once; Authorization: Bearer <token>):");
        for (role, user, token) in &tokens {
            println!("  {:<10} {:<16} {token}", role.as_str(), user);
        }
    }
    running.wait().await?;
    Ok(Outcome::Success)
}
