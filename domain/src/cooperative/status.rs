//! Legal statuses (NĐ 92/2024 Điều 27), the listed transitions between them (REG-04), and the
//! status history that answers "status on date D".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::listed::listed_enum;

listed_enum! {
    /// Hợp tác xã or liên hiệp hợp tác xã.
    pub enum CooperativeKind {
        /// Hợp tác xã (HTX).
        Cooperative => "htx",
        /// Liên hiệp hợp tác xã: a union whose members are cooperatives.
        Union => "lien-hiep-htx",
    }
}

listed_enum! {
    /// A cooperative's main sector (ngành nghề, lĩnh vực hoạt động chính), as plan 31/KH-UBND
    /// names them, and `Other` for any sector the plan does not name.
    pub enum Sector {
        /// Nông nghiệp.
        Agriculture => "agriculture",
        /// Quản lý chợ.
        MarketManagement => "market-management",
        /// Dịch vụ trường học.
        SchoolServices => "school-services",
        /// Rau an toàn.
        CleanVegetables => "clean-vegetables",
        /// Vệ sinh môi trường.
        Sanitation => "sanitation",
        /// Thủy sản.
        Fishing => "fishing",
        /// Thương mại dịch vụ.
        TradeAndServices => "trade-and-services",
        /// Khác: a sector the plan does not name.
        Other => "other",
    }
}

impl Sector {
    /// The sector as the plan names it.
    pub const fn label_vi(self) -> &'static str {
        match self {
            Sector::Agriculture => "Nông nghiệp",
            Sector::MarketManagement => "Quản lý chợ",
            Sector::SchoolServices => "Dịch vụ trường học",
            Sector::CleanVegetables => "Rau an toàn",
            Sector::Sanitation => "Vệ sinh môi trường",
            Sector::Fishing => "Thủy sản",
            Sector::TradeAndServices => "Thương mại dịch vụ",
            Sector::Other => "Khác",
        }
    }
}

listed_enum! {
    /// A cooperative's legal status. Items 4 and 6 of Điều 27 are split by cause so the
    /// registry can show why a cooperative is winding up or has ended.
    pub enum CooperativeStatus {
        Active => "active",
        Suspended => "suspended",
        RevokedForTaxEnforcement => "revoked-for-tax-enforcement",
        Dissolving => "dissolving",
        BeingDivided => "being-divided",
        BeingConsolidated => "being-consolidated",
        BeingAbsorbed => "being-absorbed",
        InBankruptcy => "in-bankruptcy",
        Dissolved => "dissolved",
        Bankrupt => "bankrupt",
        Ceased => "ceased",
        NotOperatingAtRegisteredAddress => "not-operating-at-registered-address",
    }
}

impl CooperativeStatus {
    /// The item of NĐ 92/2024 Điều 27 this status is.
    pub const fn article_27_item(self) -> u8 {
        use CooperativeStatus::*;
        match self {
            Active => 1,
            Suspended => 2,
            RevokedForTaxEnforcement => 3,
            Dissolving | BeingDivided | BeingConsolidated | BeingAbsorbed => 4,
            InBankruptcy => 5,
            Dissolved | Bankrupt | Ceased => 6,
            NotOperatingAtRegisteredAddress => 7,
        }
    }

    /// The status as dangkykinhdoanh.gov.vn names it.
    pub const fn label_vi(self) -> &'static str {
        match self.article_27_item() {
            1 => "Đang hoạt động",
            2 => "Tạm ngừng kinh doanh",
            3 => "Bị thu hồi do cưỡng chế về quản lý thuế",
            4 => "Đang làm thủ tục giải thể, bị chia, bị hợp nhất, được sáp nhập",
            5 => "Đang làm thủ tục phá sản",
            6 => "Đã giải thể, phá sản, chấm dứt tồn tại",
            _ => "Không hoạt động tại địa chỉ đã đăng ký",
        }
    }

    /// Dissolved, bankrupt or ceased: only corrections may follow (REG-04).
    pub const fn is_terminal(self) -> bool {
        self.article_27_item() == 6
    }

    /// A status (or its absence) as refusals show it: the registry's Vietnamese label and the
    /// stored code, e.g. `Đã giải thể, phá sản, chấm dứt tồn tại (dissolved)`.
    pub fn shown(status: Option<CooperativeStatus>) -> String {
        match status {
            Some(status) => format!("{} ({status})", status.label_vi()),
            None => "chưa đăng ký (not registered)".to_string(),
        }
    }
}

use CooperativeStatus::*;

/// Statuses from which a cooperative may start winding up or be sanctioned.
const GOING: &[CooperativeStatus] = &[Active, Suspended, NotOperatingAtRegisteredAddress];

listed_enum! {
    /// The status transitions the ledger records. Each names where it may start and where it
    /// leads; anything else is refused under REG-04.
    pub enum Transition {
        Suspend => "suspend",
        Resume => "resume",
        MarkNotAtAddress => "mark-not-at-address",
        ClearNotAtAddress => "clear-not-at-address",
        ResolveDivision => "resolve-division",
        ResolveConsolidation => "resolve-consolidation",
        ResolveAbsorption => "resolve-absorption",
        EndByReorganisation => "end-by-reorganisation",
        RevokeForTax => "revoke-for-tax",
        RevokeAsSanction => "revoke-as-sanction",
        AnnulTaxRevocation => "annul-tax-revocation",
        AnnulSanctionRevocation => "annul-sanction-revocation",
        ResolveDissolution => "resolve-dissolution",
        DecideCompulsoryDissolution => "decide-compulsory-dissolution",
        CancelDissolution => "cancel-dissolution",
        CompleteDissolution => "complete-dissolution",
        OpenBankruptcy => "open-bankruptcy",
        DeclareBankruptcy => "declare-bankruptcy",
    }
}

impl Transition {
    pub const fn allowed_from(self) -> &'static [CooperativeStatus] {
        use Transition::*;
        match self {
            Suspend | MarkNotAtAddress => &[Active],
            Resume => &[Suspended],
            ClearNotAtAddress => &[NotOperatingAtRegisteredAddress],
            ResolveDivision | ResolveConsolidation | ResolveAbsorption | RevokeForTax
            | RevokeAsSanction | ResolveDissolution => GOING,
            EndByReorganisation => &[BeingDivided, BeingConsolidated, BeingAbsorbed],
            DecideCompulsoryDissolution => &[
                Active,
                Suspended,
                NotOperatingAtRegisteredAddress,
                RevokedForTaxEnforcement,
            ],
            AnnulTaxRevocation => &[RevokedForTaxEnforcement],
            AnnulSanctionRevocation | CancelDissolution | CompleteDissolution => &[Dissolving],
            OpenBankruptcy => &[
                Active,
                Suspended,
                NotOperatingAtRegisteredAddress,
                RevokedForTaxEnforcement,
                Dissolving,
            ],
            DeclareBankruptcy => &[InBankruptcy],
        }
    }

    pub const fn target(self) -> CooperativeStatus {
        use Transition::*;
        match self {
            Suspend => Suspended,
            Resume
            | ClearNotAtAddress
            | AnnulTaxRevocation
            | AnnulSanctionRevocation
            | CancelDissolution => Active,
            MarkNotAtAddress => NotOperatingAtRegisteredAddress,
            ResolveDivision => BeingDivided,
            ResolveConsolidation => BeingConsolidated,
            ResolveAbsorption => BeingAbsorbed,
            EndByReorganisation => Ceased,
            RevokeForTax => RevokedForTaxEnforcement,
            RevokeAsSanction | ResolveDissolution | DecideCompulsoryDissolution => Dissolving,
            CompleteDissolution => Dissolved,
            OpenBankruptcy => InBankruptcy,
            DeclareBankruptcy => Bankrupt,
        }
    }

    pub fn allows(self, from: CooperativeStatus) -> bool {
        self.allowed_from().contains(&from)
    }
}

/// One entry of the status history: `status` from `from` on; a suspension also ends after
/// `until`, when the cooperative is active again without a further event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPeriod {
    pub from: NaiveDate,
    pub status: CooperativeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

/// The statuses by effective date.
///
/// INVARIANT: `from` dates never decrease (commands dated before the last change are refused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusHistory(Vec<StatusPeriod>);

impl StatusHistory {
    /// The status on `date`; `None` before registration.
    pub fn status_on(&self, date: NaiveDate) -> Option<CooperativeStatus> {
        let period = self.0.iter().rev().find(|p| p.from <= date)?;
        match period.until {
            Some(until) if date > until => Some(Active),
            _ => Some(period.status),
        }
    }

    /// The date of the last recorded change.
    pub fn last_change(&self) -> Option<NaiveDate> {
        self.0.last().map(|p| p.from)
    }

    pub fn periods(&self) -> &[StatusPeriod] {
        &self.0
    }

    pub(crate) fn push(
        &mut self,
        from: NaiveDate,
        status: CooperativeStatus,
        until: Option<NaiveDate>,
    ) {
        self.0.push(StatusPeriod {
            from,
            status,
            until,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn answers_status_on_a_date_including_a_lapsed_suspension() {
        let mut history = StatusHistory::default();
        history.push(day(2015, 3, 1), Active, None);
        history.push(day(2017, 1, 1), Suspended, Some(day(2017, 6, 30)));
        history.push(day(2018, 2, 1), Dissolving, None);
        assert_eq!(history.status_on(day(2015, 2, 28)), None);
        assert_eq!(history.status_on(day(2015, 3, 1)), Some(Active));
        assert_eq!(history.status_on(day(2017, 6, 30)), Some(Suspended));
        assert_eq!(history.status_on(day(2017, 7, 1)), Some(Active));
        assert_eq!(history.status_on(day(2018, 2, 1)), Some(Dissolving));
        assert_eq!(history.last_change(), Some(day(2018, 2, 1)));
    }

    #[test]
    fn terminal_statuses_are_item_6_and_admit_no_transition() {
        for status in CooperativeStatus::ALL {
            assert_eq!(status.is_terminal(), status.article_27_item() == 6);
            if status.is_terminal() {
                assert!(
                    Transition::ALL.iter().all(|t| !t.allows(*status)),
                    "{status}"
                );
            }
        }
        assert_eq!(
            Bankrupt.label_vi(),
            "Đã giải thể, phá sản, chấm dứt tồn tại"
        );
    }

    #[test]
    fn no_transition_leads_back_to_where_it_started_except_through_active() {
        for t in Transition::ALL {
            assert!(!t.allows(t.target()), "{t} loops on {}", t.target());
        }
    }
}
