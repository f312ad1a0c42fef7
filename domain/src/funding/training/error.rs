//! Why a training-class command was refused.

use chrono::NaiveDate;

use crate::rules::RuleCode;
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainingClassError {
    #[error("{}", RuleCode::Data01.refusal(&format!("dòng {line} không phải kinh phí đào tạo năm {year} / not a training line of {year}")))]
    NotTrainingLine { line: String, year: i32 },
    #[error("{}", RuleCode::Fin16.refusal(&format!("lớp {class} đã lập kế hoạch / already planned")))]
    AlreadyPlanned { class: String },
    #[error("{}", RuleCode::Fin16.refusal("lớp chưa lập kế hoạch / the class is not planned"))]
    NotPlanned,
    #[error("{}", RuleCode::Fin16.refusal("lớp đã tổ chức / the class was already held"))]
    AlreadyHeld,
    #[error("{}", RuleCode::Fin16.refusal("lớp chưa tổ chức / the class has not been held"))]
    NotHeld,
    #[error("{}", RuleCode::Fin16.refusal("lớp đã huỷ / the class was cancelled"))]
    Cancelled,
    #[error("{}", RuleCode::Fin16.refusal(&format!("từ {from} đến {to} không hợp lệ / the class ends before it starts")))]
    InvalidDates { from: NaiveDate, to: NaiveDate },
    #[error("{}", RuleCode::Fin09.refusal("kinh phí phải lớn hơn 0 / the cost must be positive"))]
    ZeroAmount,
    #[error("{}", RuleCode::Fin09.refusal("số liệu không đổi, không có gì để điều chỉnh / nothing to correct"))]
    NothingToCorrect,
    #[error("{}", RuleCode::Geo01.refusal(&format!("đơn vị {unit} không có hiệu lực ngày {date} / unit not valid on {date}")))]
    UnitNotValid { unit: String, date: NaiveDate },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl TrainingClassError {
    /// The rule refused; `None` for a failed lookup.
    pub fn rule(&self) -> Option<RuleCode> {
        use TrainingClassError::*;
        Some(match self {
            NotTrainingLine { .. } => RuleCode::Data01,
            AlreadyPlanned { .. }
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
