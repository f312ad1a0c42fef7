//! The envelope every command travels in: the legal date and the acting person.
//!
//! cqrs-es passes no metadata to `handle`, so rules that look at who acts (separation of
//! duties) or when the act takes legal effect read them from here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::Actor;

/// An action of an aggregate (`A`), with its effective date and actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command<A> {
    /// The legal date (ngày hiệu lực) in Asia/Ho_Chi_Minh. Back-dating is allowed.
    pub effective_date: NaiveDate,
    /// Who acts. The API must pass the same actor as in the entry's metadata.
    pub actor: Actor,
    pub action: A,
}

impl<A> Command<A> {
    pub fn new(effective_date: NaiveDate, actor: Actor, action: A) -> Self {
        Command {
            effective_date,
            actor,
            action,
        }
    }
}

/// The action type of a command type: `Command<A>` → `A` (for code generic over aggregates,
/// which knows an aggregate's `Command` only as an associated type).
pub trait Envelope {
    type Action;
}

impl<A> Envelope for Command<A> {
    type Action = A;
}
