//! Why a settlement command was refused.

use chrono::NaiveDate;

use crate::rules::RuleCode;
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    #[error("{}", RuleCode::Data01.refusal(&format!("dòng {line} không thuộc quyết toán {settlement} / not a line of this settlement")))]
    ForeignLine { line: String, settlement: String },
    #[error("{}", RuleCode::Fin16.refusal("quyết toán không có dòng kinh phí nào / a settlement needs at least one budget line"))]
    NoLines,
    #[error("{}", RuleCode::Fin16.refusal(&format!("dòng {line} chưa có dự toán / has no estimate")))]
    UnknownLine { line: String },
    #[error("{}", RuleCode::Fin16.refusal("đã nộp báo cáo quyết toán / already submitted"))]
    AlreadySubmitted,
    #[error("{}", RuleCode::Fin16.refusal("chưa nộp báo cáo quyết toán / not submitted"))]
    NotSubmitted,
    #[error("{}", RuleCode::Fin16.refusal("đã thẩm định / already appraised"))]
    AlreadyAppraised,
    #[error("{}", RuleCode::Fin16.refusal("chưa thẩm định / not appraised"))]
    NotAppraised,
    #[error("{}", RuleCode::Fin10.refusal(&format!("quyết toán đã phê duyệt ngày {approved_on}: chỉ còn kết luận kiểm toán và nộp trả / approved: only audit findings and returned funds follow")))]
    YearClosed { approved_on: NaiveDate },
    #[error("{}", RuleCode::Fin11.refusal(&format!("{actor} đã {did} trên dòng {line} / {actor} already acted on line {line}")))]
    SameActor {
        actor: String,
        did: String,
        line: String,
    },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl SettlementError {
    /// The rule refused; `None` for a failed lookup.
    pub fn rule(&self) -> Option<RuleCode> {
        use SettlementError::*;
        Some(match self {
            ForeignLine { .. } => RuleCode::Data01,
            NoLines
            | UnknownLine { .. }
            | AlreadySubmitted
            | NotSubmitted
            | AlreadyAppraised
            | NotAppraised => RuleCode::Fin16,
            YearClosed { .. } => RuleCode::Fin10,
            SameActor { .. } => RuleCode::Fin11,
            Lookup(_) => return None,
        })
    }
}
