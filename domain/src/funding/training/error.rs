//! Why a training-class command was refused.

use chrono::NaiveDate;

use crate::rules::{RuleCode, RuleError};
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainingClassError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error("dòng {line} không phải kinh phí đào tạo năm {year} / not a training line of {year}")]
    NotTrainingLine { line: String, year: i32 },
    #[error("dòng {line} chưa được giao dự toán / no estimate assigned to line {line}")]
    LineNotOpened { line: String },
    #[error("lớp {class} đã lập kế hoạch / already planned")]
    AlreadyPlanned { class: String },
    #[error("lớp chưa lập kế hoạch / the class is not planned")]
    NotPlanned,
    #[error("lớp đã tổ chức / the class was already held")]
    AlreadyHeld,
    #[error("lớp chưa tổ chức / the class has not been held")]
    NotHeld,
    #[error("lớp đã huỷ / the class was cancelled")]
    Cancelled,
    #[error("từ {from} đến {to} không hợp lệ / the class ends before it starts")]
    InvalidDates { from: NaiveDate, to: NaiveDate },
    #[error("kinh phí phải lớn hơn 0 / the cost must be positive")]
    ZeroAmount,
    #[error("số liệu không đổi, không có gì để điều chỉnh / nothing to correct")]
    NothingToCorrect,
    #[error("đơn vị {unit} không có hiệu lực ngày {date} / unit not valid on {date}")]
    UnitNotValid { unit: String, date: NaiveDate },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl RuleError for TrainingClassError {
    /// The rule refused; `None` for a failed lookup.
    fn rule(&self) -> Option<RuleCode> {
        use TrainingClassError::*;
        Some(match self {
            Address(error) => return error.rule(),
            NotTrainingLine { .. } => RuleCode::Data01,
            LineNotOpened { .. }
            | AlreadyPlanned { .. }
            | NotPlanned
            | AlreadyHeld
            | NotHeld
            | Cancelled
            | InvalidDates { .. } => RuleCode::Fin16,
            ZeroAmount | NothingToCorrect => RuleCode::Fin09,
            UnitNotValid { .. } => RuleCode::Geo01,
            Lookup(_) => return None,
        })
    }
}
