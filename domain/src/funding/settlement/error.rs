//! Why a settlement command was refused.

use chrono::NaiveDate;

use crate::rules::{RuleCode, RuleError};
use crate::services::LookupError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error("dòng {line} không thuộc quyết toán {settlement} / not a line of this settlement")]
    ForeignLine { line: String, settlement: String },
    #[error("quyết toán không có dòng kinh phí nào / a settlement needs at least one budget line")]
    NoLines,
    #[error("dòng {line} chưa có dự toán / has no estimate")]
    UnknownLine { line: String },
    #[error("đã nộp báo cáo quyết toán / already submitted")]
    AlreadySubmitted,
    #[error("chưa nộp báo cáo quyết toán / not submitted")]
    NotSubmitted,
    #[error("đã thẩm định / already appraised")]
    AlreadyAppraised,
    #[error("chưa thẩm định / not appraised")]
    NotAppraised,
    #[error(
        "quyết toán đã phê duyệt ngày {approved_on}: chỉ còn kết luận kiểm toán và nộp trả / approved: only audit findings and returned funds follow"
    )]
    YearClosed { approved_on: NaiveDate },
    #[error("{actor} đã {did} trên dòng {line} / {actor} already acted on line {line}")]
    SameActor {
        actor: String,
        did: String,
        line: String,
    },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl RuleError for SettlementError {
    /// The rule refused; `None` for a failed lookup.
    fn rule(&self) -> Option<RuleCode> {
        use SettlementError::*;
        Some(match self {
            Address(error) => return error.rule(),
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
