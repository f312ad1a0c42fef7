//! The rules the ledger enforces or reports, each with a stable code, a name in Vietnamese and
//! English, and its legal basis. Codes follow section 9 of the domain research (`REG-n` ->
//! `REG-0n`); codes it lacked were added (REG-15, REG-16, REG-17, FIN-16, REF-01, DATA-01).
//!
//! Refusals ([`RuleKind::Refusal`]) reject a command with an error naming the rule; findings
//! ([`RuleKind::Finding`]) accept it and record a [`Finding`] that projections list.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::listed::listed_enum;

pub mod basis;
use crate::text::nfc;

listed_enum! {
    /// A rule's stable code.
    pub enum RuleCode {
        Reg01 => "REG-01",
        Reg02 => "REG-02",
        Reg03 => "REG-03",
        Reg04 => "REG-04",
        Reg05 => "REG-05",
        Reg06 => "REG-06",
        Reg07 => "REG-07",
        Reg08 => "REG-08",
        Reg09 => "REG-09",
        Reg12 => "REG-12",
        Reg13 => "REG-13",
        Reg14 => "REG-14",
        Reg15 => "REG-15",
        Reg16 => "REG-16",
        Reg17 => "REG-17",
        Fin01 => "FIN-01",
        Fin02 => "FIN-02",
        Fin03 => "FIN-03",
        Fin04 => "FIN-04",
        Fin06 => "FIN-06",
        Fin08 => "FIN-08",
        Fin09 => "FIN-09",
        Fin10 => "FIN-10",
        Fin11 => "FIN-11",
        Fin13 => "FIN-13",
        Fin16 => "FIN-16",
        Geo01 => "GEO-01",
        Ref01 => "REF-01",
        Data01 => "DATA-01",
    }
}

/// Whether a rule rejects commands, or accepts them and raises a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Refusal,
    Finding,
    /// Refuses some cases and raises a finding for others (REG-05: late re-registration).
    RefusalAndFinding,
}

impl RuleCode {
    pub const fn kind(self) -> RuleKind {
        use RuleCode::*;
        match self {
            Reg03 | Reg09 | Reg15 | Fin06 | Fin13 => RuleKind::Finding,
            Reg05 => RuleKind::RefusalAndFinding,
            Reg01 | Reg02 | Reg04 | Reg06 | Reg07 | Reg08 | Reg12 | Reg13 | Reg14 | Reg16
            | Reg17 | Fin01 | Fin02 | Fin03 | Fin04 | Fin08 | Fin09 | Fin10 | Fin11 | Fin16
            | Geo01 | Ref01 | Data01 => RuleKind::Refusal,
        }
    }

    /// The rule's name: Vietnamese, then English.
    pub const fn name(self) -> (&'static str, &'static str) {
        use RuleCode::*;
        match self {
            Reg01 => (
                "Mã số HTX hợp lệ, không trùng, không dùng lại",
                "cooperative code valid, unique, never reused",
            ),
            Reg02 => (
                "Số thành viên tối thiểu khi đăng ký",
                "minimum members at registration",
            ),
            Reg03 => (
                "Căn cứ thu hồi/giải thể bắt buộc",
                "grounds for revocation or compulsory dissolution",
            ),
            Reg04 => (
                "Chỉ chuyển tình trạng pháp lý theo quy định",
                "only listed legal-status transitions",
            ),
            Reg05 => (
                "Đăng ký lại theo Luật HTX 2012",
                "re-registration under the 2012 Law",
            ),
            Reg06 => ("Hoàn tất giải thể", "completion of dissolution"),
            Reg07 => (
                "Cấm tăng vốn khi đang giải thể",
                "no capital raising once dissolution started",
            ),
            Reg08 => (
                "Tạm ngừng kinh doanh tối đa 12 tháng",
                "suspension of at most 12 months",
            ),
            Reg09 => (
                "Đăng ký thay đổi quá 10 ngày",
                "registration change filed after 10 days",
            ),
            Reg12 => (
                "Tổ chức lại HTX (chia, tách, hợp nhất, sáp nhập)",
                "reorganisation lineage",
            ),
            Reg13 => (
                "Thu hồi giấy chứng nhận và khôi phục",
                "certificate revocation and annulment",
            ),
            Reg14 => (
                "Hiệu đính không thay đổi nội dung pháp lý",
                "corrections change no legal content",
            ),
            Reg15 => (
                "Báo cáo tình hình hoạt động hằng năm trễ hạn",
                "annual information filed late",
            ),
            Reg16 => (
                "Gia nhập, ra khỏi liên hiệp HTX",
                "joining and leaving a union",
            ),
            Reg17 => ("Xếp hạng sản phẩm OCOP", "OCOP product rating"),
            Fin01 => (
                "Chi không vượt dự toán được phân bổ",
                "payments and outstanding advances within the allocation",
            ),
            Fin02 => (
                "Phân bổ không vượt dự toán được giao",
                "allocations within the assigned estimate",
            ),
            Fin03 => (
                "Mức hỗ trợ không vượt mức tối đa",
                "support within the cap of the rule set in force",
            ),
            Fin04 => (
                "Chỉ hỗ trợ HTX đang hoạt động",
                "support only to an active cooperative",
            ),
            Fin06 => (
                "Tạm ứng chưa thanh toán sau 31/01",
                "advance not cleared by 31 January",
            ),
            Fin08 => (
                "Chi trong năm ngân sách và thời gian chỉnh lý",
                "spending within the fiscal year and its adjustment period",
            ),
            Fin09 => (
                "Bút toán điều chỉnh tham chiếu bút toán gốc",
                "compensating entries reference an open original",
            ),
            Fin10 => (
                "Năm đã phê duyệt quyết toán",
                "fiscal year closed by an approved settlement",
            ),
            Fin11 => ("Tách bạch nhiệm vụ", "separation of duties"),
            Fin13 => (
                "Lớp bồi dưỡng 30-50 học viên",
                "training classes of 30-50 learners",
            ),
            Fin16 => ("Trình tự hồ sơ, thanh quyết toán", "funding steps in order"),
            Geo01 => (
                "Đơn vị hành chính có hiệu lực vào ngày sự kiện",
                "administrative unit valid on the date",
            ),
            Ref01 => ("Hiệu lực dữ liệu tham chiếu", "validity of reference data"),
            Data01 => (
                "Định danh, số hiệu chuẩn hoá",
                "canonical identifiers and document numbers",
            ),
        }
    }

    /// The legal basis in force on `date` (the act's legal date), as cited in the rule's
    /// refusals and findings: the table of [`basis`]. `[K]` marks a citation the research
    /// could not confirm.
    pub fn legal_basis_on(self, date: NaiveDate) -> &'static str {
        basis::on(self, date)
    }

    /// The message of a refusal under this rule for an act dated `date`: code, both names, the
    /// offending values (`detail`) and the legal basis in force on that date.
    pub fn refusal_on(self, date: NaiveDate, detail: &str) -> String {
        let (vi, en) = self.name();
        format!(
            "{self} {vi} / {en}: {detail} (căn cứ / legal basis: {})",
            self.legal_basis_on(date)
        )
    }
}

/// A domain error that may name the rule it enforces (`None` for a technical failure, such as
/// a failed lookup). Its `Display` is the detail: the offending values, in Vietnamese and
/// English; [`Refused`] adds the rule's names and the legal basis of the act's date.
pub trait RuleError: std::error::Error + 'static {
    fn rule(&self) -> Option<RuleCode>;
}

/// An aggregate's refusal of a command: why (`reason`), and the command's legal date, which
/// decides the legal basis cited. Every aggregate's `Error` is a `Refused<…Error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused<E> {
    pub reason: E,
    pub effective_date: NaiveDate,
}

/// The reason type of a refusal type: `Refused<E>` → `E` (see [`crate::command::Envelope`]).
pub trait Refusal {
    type Reason: RuleError;
}

impl<E: RuleError> Refusal for Refused<E> {
    type Reason = E;
}

impl<E: RuleError> Refused<E> {
    pub fn new(effective_date: NaiveDate, reason: E) -> Self {
        Refused {
            reason,
            effective_date,
        }
    }

    /// The rule refused; `None` for a technical failure.
    pub fn rule(&self) -> Option<RuleCode> {
        self.reason.rule()
    }

    /// The legal basis in force on the command's date, for a refusal under a rule.
    pub fn legal_basis(&self) -> Option<&'static str> {
        self.rule()
            .map(|rule| rule.legal_basis_on(self.effective_date))
    }
}

impl<E: RuleError> std::fmt::Display for Refused<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason.rule() {
            Some(rule) => {
                f.write_str(&rule.refusal_on(self.effective_date, &self.reason.to_string()))
            }
            None => write!(f, "{}", self.reason),
        }
    }
}

impl<E: RuleError> std::error::Error for Refused<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

/// A compliance finding: a command that was accepted although it breaks a rule of kind
/// [`RuleKind::Finding`]. Stored in the event, so later changes to the rule table do not
/// rewrite what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleCode,
    pub legal_basis: String,
    /// What was found, with the values (dates, counts) that break the rule.
    pub detail: String,
    pub effective_date: NaiveDate,
}

impl Finding {
    pub fn new(rule: RuleCode, effective_date: NaiveDate, detail: &str) -> Finding {
        Finding {
            rule,
            legal_basis: rule.legal_basis_on(effective_date).to_string(),
            detail: nfc(detail),
            effective_date,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in RuleCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            let (prefix, number) = code.as_str().split_once('-').unwrap();
            assert!(["REG", "FIN", "GEO", "REF", "DATA"].contains(&prefix));
            assert_eq!(number.len(), 2);
            assert_eq!(RuleCode::parse(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn a_refusal_names_the_rule_in_both_languages_and_its_basis() {
        let date = NaiveDate::from_ymd_opt(2018, 3, 1).unwrap();
        let message = RuleCode::Reg02.refusal_on(date, "HTX cần 7, có 5");
        assert_eq!(
            message,
            "REG-02 Số thành viên tối thiểu khi đăng ký / minimum members at registration: \
             HTX cần 7, có 5 (căn cứ / legal basis: Luật HTX 2012 Điều 3)"
        );
        let later = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        assert!(
            RuleCode::Reg02
                .refusal_on(later, "HTX cần 5, có 4")
                .ends_with("(căn cứ / legal basis: Luật HTX 2023 Điều 4)")
        );
    }

    #[test]
    fn findings_store_their_basis_and_serialise_the_code() {
        let date = NaiveDate::from_ymd_opt(2017, 9, 1).unwrap();
        let finding = Finding::new(RuleCode::Fin13, date, "25 học viên");
        assert_eq!(finding.legal_basis, "Kế hoạch 31/KH-UBND mục II.2");
        let json = serde_json::to_value(&finding).unwrap();
        assert_eq!(json["rule"], "FIN-13");
        assert_eq!(serde_json::from_value::<Finding>(json).unwrap(), finding);
    }
}
