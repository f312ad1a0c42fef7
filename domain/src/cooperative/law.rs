//! Which cooperative law governs a date, and the periods the rules count.
//!
//! Confirmed facts are constants; facts the research marked `[K]` (unconfirmed) are rows of
//! data returned by functions, with `confirmed: false`, so they can be replaced without
//! touching the rules.

use chrono::{Months, NaiveDate};

use super::status::CooperativeKind;

/// A cooperative law and the minimums it sets at registration (REG-02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CooperativeLaw {
    pub citation: &'static str,
    pub in_force_from: NaiveDate,
    /// Minimum (official) members of a cooperative; `None` when not known to the ledger.
    pub min_members: Option<u32>,
    /// Minimum member cooperatives of a union; `None` when not known to the ledger.
    pub min_member_cooperatives: Option<u32>,
    pub confirmed: bool,
}

impl CooperativeLaw {
    pub fn minimum_for(&self, kind: CooperativeKind) -> Option<u32> {
        match kind {
            CooperativeKind::Cooperative => self.min_members,
            CooperativeKind::Union => self.min_member_cooperatives,
        }
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

/// The laws by date. The 2003 Law's minimums were not retrieved: registrations dated before
/// 01/7/2013 are recorded without a member check.
pub fn cooperative_laws() -> Vec<CooperativeLaw> {
    vec![
        CooperativeLaw {
            citation: "Luật HTX 18/2003/QH11",
            in_force_from: day(2004, 7, 1),
            min_members: None,
            min_member_cooperatives: None,
            confirmed: false,
        },
        CooperativeLaw {
            citation: "Luật HTX 23/2012/QH13",
            in_force_from: day(2013, 7, 1),
            min_members: Some(7),
            min_member_cooperatives: Some(4),
            confirmed: true,
        },
        CooperativeLaw {
            citation: "Luật HTX 17/2023/QH15",
            in_force_from: day(2024, 7, 1),
            min_members: Some(5),
            min_member_cooperatives: Some(3),
            confirmed: true,
        },
    ]
}

/// The law in force on `date` (the earliest row for dates before it).
pub fn law_on(date: NaiveDate) -> CooperativeLaw {
    let laws = cooperative_laws();
    laws.iter()
        .rev()
        .find(|law| law.in_force_from <= date)
        .unwrap_or(&laws[0])
        .clone()
}

/// The transition of Luật HTX 2012 Điều 62 (REG-05).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReRegistrationRule {
    /// Only cooperatives registered before this date re-register.
    pub registered_before: NaiveDate,
    /// Re-registrations dated after this are accepted with a finding (36 months, `[K]`).
    pub late_after: NaiveDate,
    /// From this date the 2023 Law applies: no re-registration (Điều 115).
    pub ends_on: NaiveDate,
    pub confirmed: bool,
}

pub fn re_registration_rule() -> ReRegistrationRule {
    ReRegistrationRule {
        registered_before: day(2013, 7, 1),
        late_after: day(2016, 7, 1),
        ends_on: day(2024, 7, 1),
        confirmed: false,
    }
}

/// The deadline for a year's annual information (REG-15), by the circular in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualDeadline {
    pub from_year: i32,
    pub month: u32,
    pub day: u32,
    pub basis: &'static str,
}

/// The known deadlines. TT 03/2014's deadline for years before 2020 was not retrieved, so
/// those years have none and raise no lateness finding.
pub fn annual_deadlines() -> Vec<AnnualDeadline> {
    vec![
        AnnualDeadline {
            from_year: 2020,
            month: 12,
            day: 15,
            basis: "TT 01/2020/TT-BKHĐT",
        },
        AnnualDeadline {
            from_year: 2024,
            month: 12,
            day: 15,
            basis: "TT 09/2024/TT-BKHĐT Điều 6",
        },
    ]
}

pub fn annual_deadline(year: i32) -> Option<NaiveDate> {
    annual_deadlines()
        .into_iter()
        .rev()
        .find(|d| d.from_year <= year)
        .and_then(|d| NaiveDate::from_ymd_opt(year, d.month, d.day))
}

/// Suspension notices last at most 12 months (Luật HTX 2023 Điều 96).
pub const SUSPENSION_MAX_MONTHS: u32 = 12;
/// Registration changes are filed within 10 days of the change (Điều 47).
pub const CHANGE_FILING_DAYS: i64 = 10;
/// Grounds for revocation (Điều 103(1)): below minimum members for 12 months, no annual
/// general meeting for 18 months, inactive for 12 months without notice.
pub const BELOW_MINIMUM_MONTHS: u32 = 12;
pub const NO_ANNUAL_MEETING_MONTHS: u32 = 18;
pub const INACTIVE_MONTHS: u32 = 12;
/// A dissolution completes by itself 6 months after publication (NĐ 92/2024 Điều 50).
pub const DISSOLUTION_AUTOMATIC_MONTHS: u32 = 6;

/// `date` plus `months`, clamped to the end of the month.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// `date` minus `months`, clamped to the end of the month.
pub fn sub_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_law_in_force_follows_the_effective_date() {
        assert_eq!(law_on(day(2013, 6, 30)).min_members, None);
        assert_eq!(law_on(day(2013, 7, 1)).min_members, Some(7));
        assert_eq!(
            law_on(day(2013, 7, 1)).minimum_for(CooperativeKind::Union),
            Some(4)
        );
        assert_eq!(law_on(day(2024, 6, 30)).min_members, Some(7));
        assert_eq!(law_on(day(2024, 7, 1)).min_members, Some(5));
        assert_eq!(
            law_on(day(2024, 7, 1)).minimum_for(CooperativeKind::Union),
            Some(3)
        );
        assert_eq!(law_on(day(1999, 1, 1)).citation, "Luật HTX 18/2003/QH11");
    }

    #[test]
    fn annual_deadlines_exist_only_where_known() {
        assert_eq!(annual_deadline(2019), None);
        assert_eq!(annual_deadline(2021), Some(day(2021, 12, 15)));
        assert_eq!(add_months(day(2017, 8, 31), 6), day(2018, 2, 28));
    }
}
