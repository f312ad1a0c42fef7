//! Why the registry refused a command. Every variant but [`CooperativeError::Lookup`] names
//! its rule, the rule's legal basis, and the offending values.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::rules::{RuleCode, RuleError};
use crate::services::LookupError;

use super::status::{CooperativeKind, CooperativeStatus, Transition};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CooperativeError {
    /// The command names another aggregate than the one it is sent to, or a malformed id.
    #[error("{0}")]
    Address(#[from] crate::address::error::AddressError),
    #[error("mã {code:?} không hợp lệ / invalid code: {reason}")]
    InvalidCode { code: String, reason: String },
    #[error("mã {code} đã được cấp, tình trạng {status} / code already issued, status {status}")]
    CodeAlreadyUsed {
        code: CooperativeCode,
        status: CooperativeStatus,
    },
    #[error(
        "{kind} cần ít nhất {required}, có {given} theo {law} / needs at least {required}, has {given}"
    )]
    BelowMinimumMembers {
        kind: CooperativeKind,
        law: String,
        required: u32,
        given: u32,
    },
    #[error("HTX chưa đăng ký / the cooperative is not registered")]
    NotRegistered,
    #[error("HTX đã chấm dứt ({status}), chỉ nhận hiệu đính / ended ({status}): only corrections")]
    Terminal { status: CooperativeStatus },
    #[error("không thể {transition} khi đang {status} / cannot {transition} while {status}")]
    TransitionNotAllowed {
        transition: Transition,
        status: CooperativeStatus,
    },
    #[error(
        "ngày {effective_date} trước thay đổi pháp lý gần nhất {last_change} / dated before the last legal change"
    )]
    BeforeLastChange {
        effective_date: NaiveDate,
        last_change: NaiveDate,
    },
    #[error(
        "đăng ký ngày {registered_on}, không trước 01/7/2013 / registered on {registered_on}, not before 01/7/2013"
    )]
    ReRegistrationNotNeeded { registered_on: NaiveDate },
    #[error("đã đăng ký lại ngày {on} / already re-registered on {on}")]
    AlreadyReRegistered { on: NaiveDate },
    #[error(
        "ngày {effective_date}: từ {ends_on} không đăng ký lại / no re-registration from {ends_on}"
    )]
    ReRegistrationEnded {
        effective_date: NaiveDate,
        ends_on: NaiveDate,
    },
    #[error("không đang giải thể (tình trạng {status}) / not dissolving ({status})")]
    NotDissolving { status: CooperativeStatus },
    #[error("chưa thông báo đang giải thể / the dissolution has not been published")]
    DissolutionNotPublished,
    #[error("đã thông báo giải thể / the dissolution is already published")]
    DissolutionAlreadyPublished,
    #[error(
        "công bố {published_on}, sớm nhất {earliest} / automatic dissolution not before {earliest}"
    )]
    DissolutionTooEarly {
        published_on: NaiveDate,
        earliest: NaiveDate,
    },
    #[error(
        "chỉ huỷ được nghị quyết giải thể tự nguyện đến {deadline:?} / only a voluntary resolution, until {deadline:?}"
    )]
    CancellationNotAllowed { deadline: Option<NaiveDate> },
    #[error(
        "đang giải thể, vốn điều lệ {current} -> {proposed} / no capital increase while dissolving"
    )]
    CapitalRaiseWhileDissolving { current: String, proposed: String },
    #[error(
        "tạm ngừng từ {from} đến {until}, tối đa đến {latest} / suspension from {from} to {until}, at most to {latest}"
    )]
    SuspensionTooLong {
        from: NaiveDate,
        until: NaiveDate,
        latest: NaiveDate,
    },
    #[error("ngày kết thúc {until} trước ngày bắt đầu {from} / ends before it starts")]
    SuspensionEndsBeforeStart { from: NaiveDate, until: NaiveDate },
    #[error("{code}: {reason}")]
    Reorganisation { code: String, reason: String },
    #[error(
        "đang giải thể nhưng không do thu hồi (tình trạng {status}) / not dissolving because of a revocation"
    )]
    NotRevoked { status: CooperativeStatus },
    #[error("{field} không đổi, không có gì để hiệu đính / {field} unchanged: nothing to correct")]
    NothingToCorrect { field: String },
    #[error("{union}: {reason}")]
    UnionMembership {
        union: CooperativeCode,
        reason: String,
    },
    #[error(
        "{stars} sao, hạn {valid_until}, ngày {effective_date} / {stars} stars valid until {valid_until}: stars 1-5 and a future expiry"
    )]
    InvalidOcopRating {
        stars: u8,
        valid_until: NaiveDate,
        effective_date: NaiveDate,
    },
    #[error("đơn vị {unit} không có hiệu lực ngày {date} / unit {unit} not valid on {date}")]
    UnitNotValid { unit: String, date: NaiveDate },
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl RuleError for CooperativeError {
    /// The rule refused; `None` for a failed lookup (a technical error).
    fn rule(&self) -> Option<RuleCode> {
        use CooperativeError::*;
        Some(match self {
            Address(error) => return error.rule(),
            InvalidCode { .. } | CodeAlreadyUsed { .. } => RuleCode::Reg01,
            BelowMinimumMembers { .. } => RuleCode::Reg02,
            NotRegistered
            | Terminal { .. }
            | TransitionNotAllowed { .. }
            | BeforeLastChange { .. } => RuleCode::Reg04,
            ReRegistrationNotNeeded { .. }
            | AlreadyReRegistered { .. }
            | ReRegistrationEnded { .. } => RuleCode::Reg05,
            NotDissolving { .. }
            | DissolutionNotPublished
            | DissolutionAlreadyPublished
            | DissolutionTooEarly { .. }
            | CancellationNotAllowed { .. } => RuleCode::Reg06,
            CapitalRaiseWhileDissolving { .. } => RuleCode::Reg07,
            SuspensionTooLong { .. } | SuspensionEndsBeforeStart { .. } => RuleCode::Reg08,
            Reorganisation { .. } => RuleCode::Reg12,
            NotRevoked { .. } => RuleCode::Reg13,
            NothingToCorrect { .. } => RuleCode::Reg14,
            UnionMembership { .. } => RuleCode::Reg16,
            InvalidOcopRating { .. } => RuleCode::Reg17,
            UnitNotValid { .. } => RuleCode::Geo01,
            Lookup(_) => return None,
        })
    }
}

impl CooperativeError {
    pub(crate) fn reorganisation(code: &CooperativeCode, reason: &str) -> Self {
        CooperativeError::Reorganisation {
            code: code.to_string(),
            reason: reason.to_string(),
        }
    }
}
