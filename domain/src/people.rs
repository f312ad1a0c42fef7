//! The people who use the ledger, their role, and their bearer tokens.
//!
//! Aggregate `person`, id = the person's user name (lowercase letters, digits, `.`, `-`, `_`).
//! Only an administrator adds people and issues or revokes tokens. The ledger records only a
//! token's SHA-256 hash, never the token: whoever reads the log cannot sign in with it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::ledger::Role;
use crate::listed::listed_enum;
use crate::rules::{Refused, RuleCode, RuleError};
use crate::text::nfc;

pub type PersonCommand = Command<PersonAction>;

/// What an administrator records about one person who uses the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PersonAction {
    /// Add a person with one role and, for agency staff, the agency's code. `user` is the
    /// aggregate id the command is sent to.
    Add {
        user: String,
        full_name: String,
        role: Role,
        agency: Option<String>,
    },
    /// Record a new bearer token by its hash (lowercase hex SHA-256 of the token text).
    IssueToken { token_hash: String },
    /// Revoke one token, or every active token when `token_hash` is `None`.
    RevokeToken {
        token_hash: Option<String>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PersonEvent {
    PersonAdded {
        user: String,
        full_name: String,
        role: Role,
        agency: Option<String>,
        effective_date: NaiveDate,
    },
    TokenIssued {
        token_hash: String,
        effective_date: NaiveDate,
    },
    TokenRevoked {
        token_hash: String,
        reason: String,
        effective_date: NaiveDate,
    },
}

listed_enum! {
    pub enum PersonEventType {
        PersonAdded => "PersonAdded",
        TokenIssued => "TokenIssued",
        TokenRevoked => "TokenRevoked",
    }
}

impl PersonEvent {
    pub fn kind(&self) -> PersonEventType {
        match self {
            PersonEvent::PersonAdded { .. } => PersonEventType::PersonAdded,
            PersonEvent::TokenIssued { .. } => PersonEventType::TokenIssued,
            PersonEvent::TokenRevoked { .. } => PersonEventType::TokenRevoked,
        }
    }
}

impl DomainEvent for PersonEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error(
        "chỉ quản trị viên được quản lý người dùng / only an administrator manages people (actor role: {0})"
    )]
    NotAdministrator(&'static str),
    #[error(
        "tên đăng nhập {0:?} không hợp lệ / invalid user name: use lowercase letters, digits, '.', '-', '_' (1-64)"
    )]
    InvalidName(String),
    #[error("họ tên không được để trống / the full name is empty")]
    EmptyFullName,
    #[error("người dùng {0} đã có / person {0} already exists")]
    AlreadyAdded(String),
    #[error("người dùng chưa được thêm / the person has not been added")]
    NotAdded,
    #[error("mã băm token không hợp lệ / a token hash is 64 lowercase hex digits")]
    InvalidTokenHash,
    #[error("token đã được cấp / that token is already recorded")]
    TokenExists,
    #[error("không có token đang hiệu lực phù hợp / no matching active token")]
    NoActiveToken,
}

/// People are not governed by a rule of the programme: their refusals name none.
impl RuleError for PersonError {
    fn rule(&self) -> Option<RuleCode> {
        match self {
            PersonError::Address(error) => error.rule(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub user: String,
    pub full_name: String,
    pub role: Role,
    pub agency: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    record: Option<PersonRecord>,
    /// Token hash → whether it is still active.
    tokens: BTreeMap<String, bool>,
}

impl Person {
    pub fn record(&self) -> Option<&PersonRecord> {
        self.record.as_ref()
    }

    /// Whether `token_hash` is one of this person's active tokens.
    pub fn has_active_token(&self, token_hash: &str) -> bool {
        self.tokens.get(token_hash).copied().unwrap_or(false)
    }

    pub fn active_tokens(&self) -> impl Iterator<Item = &str> {
        self.tokens
            .iter()
            .filter(|(_, active)| **active)
            .map(|(hash, _)| hash.as_str())
    }
}

/// Bearer tokens: `htx_` and 43 base64url characters (32 random bytes, made by the caller).
pub const TOKEN_PREFIX: &str = "htx_";

/// The hash the ledger records for `token`: lowercase hex SHA-256 of its text.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `name` may be a user name.
pub fn is_valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn is_token_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Aggregate for Person {
    const TYPE: &'static str = "person";
    type Command = PersonCommand;
    type Event = PersonEvent;
    type Error = Refused<PersonError>;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        self.decide_and_write(command, sink)
            .await
            .map_err(|e| Refused::new(date, e))
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            PersonEvent::PersonAdded {
                user,
                full_name,
                role,
                agency,
                ..
            } => {
                self.record = Some(PersonRecord {
                    user,
                    full_name,
                    role,
                    agency,
                });
            }
            PersonEvent::TokenIssued { token_hash, .. } => {
                self.tokens.insert(token_hash, true);
            }
            PersonEvent::TokenRevoked { token_hash, .. } => {
                self.tokens.insert(token_hash, false);
            }
        }
    }
}

impl Person {
    /// Decides `command` and writes its events to `sink`.
    async fn decide_and_write(
        &mut self,
        command: PersonCommand,
        sink: &EventSink<Self>,
    ) -> Result<(), PersonError> {
        if command.actor.role != Role::Admin {
            return Err(PersonError::NotAdministrator(command.actor.role.as_str()));
        }
        let effective_date = command.effective_date;
        let event = match command.action {
            PersonAction::Add {
                user,
                full_name,
                role,
                agency,
            } => {
                if let Some(record) = &self.record {
                    return Err(PersonError::AlreadyAdded(record.user.clone()));
                }
                if !is_valid_user_name(&user) {
                    return Err(PersonError::InvalidName(user));
                }
                let full_name = nfc(full_name.trim());
                if full_name.is_empty() {
                    return Err(PersonError::EmptyFullName);
                }
                PersonEvent::PersonAdded {
                    user,
                    full_name,
                    role,
                    agency: agency.map(|a| nfc(a.trim())).filter(|a| !a.is_empty()),
                    effective_date,
                }
            }
            PersonAction::IssueToken { token_hash } => {
                self.record.as_ref().ok_or(PersonError::NotAdded)?;
                if !is_token_hash(&token_hash) {
                    return Err(PersonError::InvalidTokenHash);
                }
                if self.tokens.contains_key(&token_hash) {
                    return Err(PersonError::TokenExists);
                }
                PersonEvent::TokenIssued {
                    token_hash,
                    effective_date,
                }
            }
            PersonAction::RevokeToken { token_hash, reason } => {
                self.record.as_ref().ok_or(PersonError::NotAdded)?;
                let revoked: Vec<String> = match token_hash {
                    Some(hash) if self.has_active_token(&hash) => vec![hash],
                    Some(_) => Vec::new(),
                    None => self.active_tokens().map(str::to_string).collect(),
                };
                if revoked.is_empty() {
                    return Err(PersonError::NoActiveToken);
                }
                let reason = nfc(reason.trim());
                for token_hash in revoked {
                    let event = PersonEvent::TokenRevoked {
                        token_hash,
                        reason: reason.clone(),
                        effective_date,
                    };
                    sink.write(event, self).await;
                }
                return Ok(());
            }
        };
        sink.write(event, self).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;

    use super::*;
    use crate::ledger::Actor;
    use crate::testing::ExpectRefusal;

    type Fixture = TestFramework<Person>;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn admin(action: PersonAction) -> PersonCommand {
        Command::new(day(), Actor::new("quan.tri", Role::Admin, None), action)
    }

    fn added() -> PersonEvent {
        PersonEvent::PersonAdded {
            user: "can.bo.dang.ky".into(),
            full_name: "Nguyễn Thị Hoà".into(),
            role: Role::Clerk,
            agency: Some("PTCKH-205".into()),
            effective_date: day(),
        }
    }

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn an_administrator_adds_a_person_and_issues_a_token_by_its_hash() {
        Fixture::with(())
            .given_no_previous_events()
            .when(admin(PersonAction::Add {
                user: "can.bo.dang.ky".into(),
                full_name: " Nguyễn Thị Hoà ".into(),
                role: Role::Clerk,
                agency: Some("PTCKH-205".into()),
            }))
            .then_expect_events(vec![added()]);
        Fixture::with(())
            .given(vec![added()])
            .when(admin(PersonAction::IssueToken {
                token_hash: HASH.into(),
            }))
            .then_expect_events(vec![PersonEvent::TokenIssued {
                token_hash: HASH.into(),
                effective_date: day(),
            }]);
    }

    #[test]
    fn only_an_administrator_manages_people() {
        let clerk = Command::new(
            day(),
            Actor::new("can.bo", Role::Clerk, None),
            PersonAction::IssueToken {
                token_hash: HASH.into(),
            },
        );
        Fixture::with(())
            .given(vec![added()])
            .when(clerk)
            .then_expect_refusal(PersonError::NotAdministrator("clerk"));
    }

    #[test]
    fn bad_names_hashes_and_repeats_are_refused() {
        Fixture::with(())
            .given_no_previous_events()
            .when(admin(PersonAction::Add {
                user: "Cán Bộ".into(),
                full_name: "x".into(),
                role: Role::Clerk,
                agency: None,
            }))
            .then_expect_refusal(PersonError::InvalidName("Cán Bộ".into()));
        Fixture::with(())
            .given(vec![added()])
            .when(admin(PersonAction::IssueToken {
                token_hash: "not-a-hash".into(),
            }))
            .then_expect_refusal(PersonError::InvalidTokenHash);
        Fixture::with(())
            .given(vec![added()])
            .when(admin(PersonAction::RevokeToken {
                token_hash: None,
                reason: "rời cơ quan".into(),
            }))
            .then_expect_refusal(PersonError::NoActiveToken);
    }

    #[test]
    fn revoking_without_a_hash_revokes_every_active_token() {
        let other = "a".repeat(64);
        Fixture::with(())
            .given(vec![
                added(),
                PersonEvent::TokenIssued {
                    token_hash: HASH.into(),
                    effective_date: day(),
                },
                PersonEvent::TokenIssued {
                    token_hash: other.clone(),
                    effective_date: day(),
                },
            ])
            .when(admin(PersonAction::RevokeToken {
                token_hash: None,
                reason: "rời cơ quan".into(),
            }))
            .then_expect_events(vec![
                PersonEvent::TokenRevoked {
                    token_hash: HASH.into(),
                    reason: "rời cơ quan".into(),
                    effective_date: day(),
                },
                PersonEvent::TokenRevoked {
                    token_hash: other,
                    reason: "rời cơ quan".into(),
                    effective_date: day(),
                },
            ]);
    }
}
