//! REG-03: members below the minimum for 12 months, no annual meeting for 18 months, or
//! inactivity for 12 months, each streak reported once as a finding.

use chrono::NaiveDate;

use crate::rules::RuleCode;
use crate::text::nfc;

use super::command::MemberCounts;
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::law::{BELOW_MINIMUM_MONTHS, INACTIVE_MONTHS, NO_ANNUAL_MEETING_MONTHS, add_months};
use super::records::finding;
use super::state::{Cooperative, FindingGround};

type Decision = Result<Vec<CooperativeEvent>, CooperativeError>;

/// The REG-03 findings due on `date` and not yet reported.
pub(super) fn due_findings(coop: &Cooperative, date: NaiveDate) -> Vec<CooperativeEvent> {
    let Some(registration) = &coop.registration else {
        return Vec::new();
    };
    let mut due = Vec::new();
    if let Some(since) = coop.below_minimum_since
        && date >= add_months(since, BELOW_MINIMUM_MONTHS)
    {
        let detail = format!(
            "dưới số thành viên tối thiểu từ {since} / below the minimum members since {since}"
        );
        due.push((FindingGround::BelowMinimumMembers { since }, detail));
    }
    let last_meeting = coop
        .last_annual_meeting
        .unwrap_or(registration.registered_on);
    if date >= add_months(last_meeting, NO_ANNUAL_MEETING_MONTHS) {
        let detail = format!(
            "không họp đại hội thường niên từ {last_meeting} / no annual meeting since {last_meeting}"
        );
        due.push((
            FindingGround::NoAnnualMeeting {
                since: last_meeting,
            },
            detail,
        ));
    }
    if let Some(since) = coop.inactive_since
        && date >= add_months(since, INACTIVE_MONTHS)
    {
        let detail = format!("không hoạt động từ {since} / inactive since {since}");
        due.push((FindingGround::Inactive { since }, detail));
    }
    due.into_iter()
        .filter(|(ground, _)| !coop.reported.contains(ground))
        .map(|(ground, detail)| finding(ground, RuleCode::Reg03, date, &detail))
        .collect()
}

/// `event` followed by the findings of the kind `keep` that are due after it.
fn with_due(
    coop: &Cooperative,
    date: NaiveDate,
    event: CooperativeEvent,
    keep: fn(&FindingGround) -> bool,
) -> Vec<CooperativeEvent> {
    let mut after = coop.clone();
    after.apply_event(event.clone());
    let mut events = vec![event];
    events.extend(due_findings(&after, date).into_iter().filter(
        |e| matches!(e, CooperativeEvent::ComplianceFindingRaised { ground, .. } if keep(ground)),
    ));
    events
}

pub(super) fn membership(coop: &Cooperative, date: NaiveDate, members: MemberCounts) -> Decision {
    coop.require_open(date)?;
    let event = CooperativeEvent::MembershipRecorded {
        members,
        effective_date: date,
    };
    Ok(with_due(coop, date, event, |g| {
        matches!(g, FindingGround::BelowMinimumMembers { .. })
    }))
}

pub(super) fn meeting(coop: &Cooperative, date: NaiveDate, annual: bool) -> Decision {
    coop.require_open(date)?;
    let mut events: Vec<CooperativeEvent> = if annual {
        due_findings(coop, date)
            .into_iter()
            .filter(|e| {
                matches!(
                    e,
                    CooperativeEvent::ComplianceFindingRaised {
                        ground: FindingGround::NoAnnualMeeting { .. },
                        ..
                    }
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    events.insert(
        0,
        CooperativeEvent::GeneralMeetingHeld {
            annual,
            effective_date: date,
        },
    );
    Ok(events)
}

pub(super) fn inactivity(
    coop: &Cooperative,
    date: NaiveDate,
    months: u32,
    source: &str,
) -> Decision {
    coop.require_open(date)?;
    let event = CooperativeEvent::InactivityDetected {
        months_inactive: months,
        source: nfc(source.trim()),
        effective_date: date,
    };
    Ok(with_due(coop, date, event, |g| {
        matches!(g, FindingGround::Inactive { .. })
    }))
}

pub(super) fn review(coop: &Cooperative, date: NaiveDate) -> Decision {
    coop.require_open(date)?;
    Ok(due_findings(coop, date))
}
