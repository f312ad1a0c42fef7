//! People and their bearer tokens: `user add`, `user revoke`. The actor recorded is the
//! administrator at this console (the operating-system user), in role `admin`.

use std::sync::Arc;

use anyhow::{Context, bail};
use base64::Engine;
use chrono::{FixedOffset, NaiveDate, Utc};
use cqrs_es::AggregateError;
use domain::command::Command;
use domain::ledger::{Actor, EventMetadata, Role};
use domain::people::{PersonAction, TOKEN_PREFIX, is_valid_user_name, token_hash};
use rand::RngCore;
use store::{Ledger, SystemClock};

use super::Outcome;
use programme::{Programme, execute};

fn today_in_vietnam() -> NaiveDate {
    let vietnam = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    Utc::now().with_timezone(&vietnam).date_naive()
}

fn console_administrator() -> Actor {
    let name = std::env::var("USER")
        .ok()
        .filter(|u| is_valid_user_name(u))
        .unwrap_or_else(|| "console".to_string());
    Actor::new(&format!("os:{name}"), Role::Admin, None)
}

async fn run(
    programme: &Programme,
    user: &str,
    action: PersonAction,
) -> anyhow::Result<Result<(), String>> {
    let actor = console_administrator();
    let date = today_in_vietnam();
    let metadata = EventMetadata::new(actor.clone(), date);
    match execute(
        &programme.people,
        user,
        Command::new(date, actor, action),
        &metadata,
    )
    .await
    {
        Ok(_) => Ok(Ok(())),
        Err(AggregateError::UserError(refusal)) => Ok(Err(refusal.to_string())),
        Err(other) => Err(anyhow::anyhow!("{other}")),
    }
}

/// A new bearer token: `htx_` and 32 random bytes in base64url.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    bytes.fill(0);
    token
}

/// Issues a new bearer token to `user` and returns it (the ledger records only its hash).
///
/// # Errors
/// When the ledger cannot be written; a refusal (an unknown person) is the inner `Err`.
pub(super) async fn issue_token(
    programme: &Programme,
    user: &str,
) -> anyhow::Result<Result<String, String>> {
    let token = new_token();
    let issue = PersonAction::IssueToken {
        token_hash: token_hash(&token),
    };
    Ok(run(programme, user, issue).await?.map(|()| token))
}

/// Adds `user` in `role` unless the ledger has them already (then nothing is written).
///
/// # Errors
/// When the ledger cannot be written or refuses for another reason.
pub(super) async fn ensure_person(
    programme: &Programme,
    user: &str,
    role: Role,
    full_name: &str,
) -> anyhow::Result<()> {
    let add = PersonAction::Add {
        user: user.to_string(),
        full_name: full_name.to_string(),
        role,
        agency: None,
    };
    match run(programme, user, add).await? {
        Ok(()) => Ok(()),
        Err(refusal) if refusal.contains("already exists") => Ok(()),
        Err(refusal) => bail!("adding {user}: {refusal}"),
    }
}

pub async fn add(
    url: &str,
    user: &str,
    role: &str,
    agency: Option<&str>,
    full_name: Option<&str>,
) -> anyhow::Result<Outcome> {
    let Some(role) = Role::parse(role) else {
        let roles: Vec<&str> = Role::ALL.iter().map(Role::as_str).collect();
        bail!("unknown role {role:?}: one of {}", roles.join(", "));
    };
    let ledger = Ledger::open(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let programme = Programme::new(ledger);
    let add = PersonAction::Add {
        user: user.to_string(),
        full_name: full_name.unwrap_or(user).to_string(),
        role,
        agency: agency.map(str::to_string),
    };
    if let Err(refusal) = run(&programme, user, add).await? {
        println!("refused, nothing written: {refusal}");
        return Ok(Outcome::Refused);
    }
    let token = match issue_token(&programme, user).await? {
        Ok(token) => token,
        Err(refusal) => {
            println!("refused: {refusal}");
            return Ok(Outcome::Refused);
        }
    };
    eprintln!(
        "added {user} ({}); the bearer token below is shown once and not stored (only its hash is)",
        role.as_str()
    );
    println!("{token}");
    Ok(Outcome::Success)
}

pub async fn revoke(url: &str, user: &str, reason: &str) -> anyhow::Result<Outcome> {
    let ledger = Ledger::open(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("opening the ledger at {url}"))?;
    let programme = Programme::new(ledger);
    let revoke = PersonAction::RevokeToken {
        token_hash: None,
        reason: reason.to_string(),
    };
    match run(&programme, user, revoke).await? {
        Ok(()) => {
            println!("every active token of {user} is revoked");
            Ok(Outcome::Success)
        }
        Err(refusal) => {
            println!("refused, nothing written: {refusal}");
            Ok(Outcome::Refused)
        }
    }
}
