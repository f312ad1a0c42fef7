//! Why a command's address was refused: kept apart from the aggregates it speaks of, which
//! each hold it as a reason of their own.

use crate::rules::{RuleCode, RuleError};

/// Why a command's address was refused. Nothing is loaded or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The address is not a well-formed id of its kind.
    #[error("{what} {id:?} không hợp lệ / invalid {what_en} {id:?}: {reason}")]
    InvalidId {
        rule: RuleCode,
        what: &'static str,
        what_en: &'static str,
        id: String,
        reason: String,
    },
    /// A field of the action names another aggregate than the address.
    #[error(
        "`{field}` là {body:?} nhưng lệnh được gửi tới {address:?}; một lệnh chỉ ghi cho một đối tượng, bỏ trường này hoặc ghi đúng {address:?} / `{field}` names {body:?} but the command is addressed to {address:?}: leave the field out or make it {address:?}"
    )]
    Mismatch {
        field: &'static str,
        address: String,
        body: String,
    },
}

impl RuleError for AddressError {
    fn rule(&self) -> Option<RuleCode> {
        Some(match self {
            AddressError::InvalidId { rule, .. } => *rule,
            AddressError::Mismatch { .. } => RuleCode::Data01,
        })
    }
}
