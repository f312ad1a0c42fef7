//! The rules the ledger enforces or reports, each with a stable code, a name in Vietnamese and
//! English, and its legal basis. Codes follow section 9 of the domain research (`REG-n` ->
//! `REG-0n`); codes it lacked were added (REG-15, REG-16, REG-17, FIN-16, REF-01, DATA-01).
//!
//! Refusals ([`RuleKind::Refusal`]) reject a command with an error naming the rule; findings
//! ([`RuleKind::Finding`]) accept it and record a [`Finding`] that projections list.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::listed::listed_enum;
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

    /// The legal basis, as cited in the rule's error messages and findings. `[K]` marks a
    /// citation the research could not confirm.
    pub const fn legal_basis(self) -> &'static str {
        use RuleCode::*;
        match self {
            Reg01 => "Luật HTX 2023 Điều 46; NĐ 92/2024/NĐ-CP Điều 14",
            Reg02 => "Luật HTX 2012 Điều 3; Luật HTX 2023 Điều 4",
            Reg03 => "Luật HTX 2012 Điều 54; Luật HTX 2023 Điều 103",
            Reg04 => "NĐ 92/2024/NĐ-CP Điều 27",
            Reg05 => "Luật HTX 2012 Điều 62 [K]; NĐ 193/2013/NĐ-CP; Luật HTX 2023 Điều 115",
            Reg06 => "Luật HTX 2023 Điều 98-99; NĐ 92/2024/NĐ-CP Điều 50-51",
            Reg07 => "Luật HTX 2023 Điều 100",
            Reg08 => "Luật HTX 2023 Điều 96; NĐ 92/2024/NĐ-CP Điều 47",
            Reg09 => "Luật HTX 2023 Điều 47",
            Reg12 => "Luật HTX 2023 Điều 92-95",
            Reg13 => "Luật HTX 2023 Điều 103; NĐ 92/2024/NĐ-CP Điều 53, 56",
            Reg14 => "NĐ 92/2024/NĐ-CP Điều 26",
            Reg15 => "TT 01/2020/TT-BKHĐT; TT 09/2024/TT-BKHĐT Điều 6",
            Reg16 => "Luật HTX 2012 Điều 3; Luật HTX 2023 Điều 4",
            Reg17 => "QĐ 1048/QĐ-TTg 2019; QĐ 148/QĐ-TTg 2023",
            Fin01 => "Luật NSNN 83/2015/QH13 Điều 12",
            Fin02 => "Luật NSNN 83/2015/QH13 Điều 49-50",
            Fin03 => "TT 340/2016/TT-BTC; TT 124/2021/TT-BTC Điều 3",
            Fin04 => "NĐ 92/2024/NĐ-CP Điều 27; TT 340/2016/TT-BTC Điều 9-10",
            Fin06 => "NĐ 163/2016/NĐ-CP Điều 42; TT 17/2024/TT-BTC Điều 6",
            Fin08 => "Luật NSNN 83/2015/QH13 Điều 14",
            Fin09 => "Luật NSNN 83/2015/QH13 Điều 13; TT 17/2024/TT-BTC Điều 4",
            Fin10 => "Luật NSNN 83/2015/QH13 Điều 65-68; TT 17/2024/TT-BTC Điều 4",
            Fin11 => "Luật Kế toán 88/2015/QH13 [K]; EU Reg. 907/2014 Annex I (analogue)",
            Fin13 => "Kế hoạch 31/KH-UBND mục II.2",
            Fin16 => "Luật NSNN 83/2015/QH13 Điều 65-68; TT 124/2021/TT-BTC Điều 14-16",
            Geo01 => "NĐ 92/2024/NĐ-CP Điều 46; NQ 1679/NQ-UBTVQH15",
            Ref01 => "Luật Ban hành VBQPPL 80/2015/QH13 [K]",
            Data01 => "NĐ 30/2020/NĐ-CP Phụ lục I",
        }
    }

    /// The message of a refusal under this rule: code, both names, the offending values
    /// (`detail`) and the legal basis.
    pub fn refusal(self, detail: &str) -> String {
        let (vi, en) = self.name();
        format!(
            "{self} {vi} / {en}: {detail} (căn cứ / legal basis: {})",
            self.legal_basis()
        )
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
            legal_basis: rule.legal_basis().to_string(),
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
        let message = RuleCode::Reg02.refusal("HTX cần 7, có 5");
        assert_eq!(
            message,
            "REG-02 Số thành viên tối thiểu khi đăng ký / minimum members at registration: \
             HTX cần 7, có 5 (căn cứ / legal basis: Luật HTX 2012 Điều 3; Luật HTX 2023 Điều 4)"
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
