//! Why reference data was refused (REF-01, DATA-01).

use chrono::NaiveDate;

use crate::document::DocumentNumberError;
use crate::rules::RuleCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("{}", RuleCode::Data01.refusal(&.0.to_string()))]
    InvalidDocumentNumber(#[from] DocumentNumberError),
    #[error("{}", RuleCode::Data01.refusal(&format!("định danh {id:?} không hợp lệ / invalid identifier: {reason}")))]
    InvalidId { id: String, reason: String },
    #[error("{}", RuleCode::Ref01.refusal(&format!("{id} đã được ghi / already recorded")))]
    AlreadyRecorded { id: String },
    #[error("{}", RuleCode::Ref01.refusal("chưa được ghi / not recorded yet"))]
    NotRecorded,
    #[error("{}", RuleCode::Ref01.refusal(&format!("hiệu lực từ {from:?} đến {to} không hợp lệ / invalid validity period")))]
    InvalidPeriod {
        from: Option<NaiveDate>,
        to: NaiveDate,
    },
    #[error("{}", RuleCode::Ref01.refusal(&format!("phiên bản từ {valid_from} không sau phiên bản trước từ {previous:?} / a version must start after the previous one")))]
    NotAfterPrevious {
        valid_from: NaiveDate,
        previous: Option<NaiveDate>,
    },
    #[error("{}", RuleCode::Ref01.refusal(&format!("đã hết hiệu lực từ sau {last_day} / already ended after {last_day}")))]
    AlreadyEnded { last_day: NaiveDate },
    #[error("{}", RuleCode::Ref01.refusal(&format!("mức hỗ trợ không hợp lệ / invalid caps: {reason}")))]
    InvalidCaps { reason: String },
    #[error("{}", RuleCode::Ref01.refusal(&format!("{field}: cần {expected}, nhận {given} / expected {expected}, got {given}")))]
    Mismatch {
        field: String,
        expected: String,
        given: String,
    },
}

impl ReferenceError {
    pub fn rule(&self) -> RuleCode {
        match self {
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
        }
    }
}
