//! Why reference data was refused (REF-01, DATA-01).

use chrono::NaiveDate;

use crate::document::DocumentNumberError;
use crate::rules::{RuleCode, RuleError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error("{0}")]
    InvalidDocumentNumber(#[from] DocumentNumberError),
    #[error("định danh {id:?} không hợp lệ / invalid identifier: {reason}")]
    InvalidId { id: String, reason: String },
    #[error("{id} đã được ghi / already recorded")]
    AlreadyRecorded { id: String },
    #[error("chưa được ghi / not recorded yet")]
    NotRecorded,
    #[error("hiệu lực từ {from:?} đến {to} không hợp lệ / invalid validity period")]
    InvalidPeriod {
        from: Option<NaiveDate>,
        to: NaiveDate,
    },
    #[error(
        "phiên bản từ {valid_from} không sau phiên bản trước từ {previous:?} / a version must start after the previous one"
    )]
    NotAfterPrevious {
        valid_from: NaiveDate,
        previous: Option<NaiveDate>,
    },
    #[error("đã hết hiệu lực từ sau {last_day} / already ended after {last_day}")]
    AlreadyEnded { last_day: NaiveDate },
    #[error("mức hỗ trợ không hợp lệ / invalid caps: {reason}")]
    InvalidCaps { reason: String },
    #[error("{field}: cần {expected}, nhận {given} / expected {expected}, got {given}")]
    Mismatch {
        field: String,
        expected: String,
        given: String,
    },
}

impl RuleError for ReferenceError {
    fn rule(&self) -> Option<RuleCode> {
        Some(match self {
            ReferenceError::Address(error) => return error.rule(),
            ReferenceError::InvalidDocumentNumber(_) | ReferenceError::InvalidId { .. } => {
                RuleCode::Data01
            }
            ReferenceError::AlreadyRecorded { .. }
            | ReferenceError::NotRecorded
            | ReferenceError::InvalidPeriod { .. }
            | ReferenceError::NotAfterPrevious { .. }
            | ReferenceError::AlreadyEnded { .. }
            | ReferenceError::InvalidCaps { .. }
            | ReferenceError::Mismatch { .. } => RuleCode::Ref01,
        })
    }
}
