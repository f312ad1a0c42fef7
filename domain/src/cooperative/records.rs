//! Records that do not change the legal status: content changes (REG-07, REG-09), corrections
//! (REG-14), members, meetings and inactivity (REG-03), unions (REG-16), annual information
//! (REG-15), model designations and OCOP ratings (REG-17).

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::document::DocumentNumber;
use crate::rules::{Finding, RuleCode};
use crate::services::Services;
use crate::text::nfc;

use super::command::{Address, AnnualInformation, ContentChange, MemberCounts, Representative};
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::law::{
    BELOW_MINIMUM_MONTHS, CHANGE_FILING_DAYS, INACTIVE_MONTHS, NO_ANNUAL_MEETING_MONTHS,
    add_months, annual_deadline,
};
use super::register::require_unit;
use super::state::{Cooperative, FindingGround};
use super::status::{CooperativeKind, CooperativeStatus};

type Decision = Result<Vec<CooperativeEvent>, CooperativeError>;

fn normalised(change: ContentChange) -> ContentChange {
    match change {
        ContentChange::Name(name) => ContentChange::Name(nfc(name.trim())),
        ContentChange::Address(a) => ContentChange::Address(Address::new(&a.text, &a.unit)),
        ContentChange::Representative(r) => {
            ContentChange::Representative(Representative::new(&r.name, &r.title))
        }
        capital @ ContentChange::CharterCapital(_) => capital,
    }
}

fn finding(
    ground: FindingGround,
    rule: RuleCode,
    date: NaiveDate,
    detail: &str,
) -> CooperativeEvent {
    CooperativeEvent::ComplianceFindingRaised {
        finding: Finding::new(rule, date, detail),
        ground,
    }
}

pub(super) async fn change_content(
    coop: &Cooperative,
    date: NaiveDate,
    change: ContentChange,
    decided_on: NaiveDate,
    services: &Services,
) -> Decision {
    let registration = coop.require_open(date)?;
    let change = normalised(change);
    if let ContentChange::Address(address) = &change {
        require_unit(address, date, services).await?;
    }
    if let ContentChange::CharterCapital(proposed) = change {
        let current = registration.content.charter_capital;
        if proposed > current && coop.dissolution.is_some() {
            return Err(CooperativeError::CapitalRaiseWhileDissolving {
                current: current.to_string(),
                proposed: proposed.to_string(),
            });
        }
    }
    let mut events = vec![CooperativeEvent::RegistrationContentChanged {
        change,
        decided_on,
        effective_date: date,
    }];
    let days = (date - decided_on).num_days();
    if days > CHANGE_FILING_DAYS {
        let detail = format!(
            "quyết định {decided_on}, đăng ký {date}: {days} ngày > {CHANGE_FILING_DAYS} / filed {days} days after the change"
        );
        events.push(finding(
            FindingGround::LateChangeFiling { decided_on },
            RuleCode::Reg09,
            date,
            &detail,
        ));
    }
    Ok(events)
}

pub(super) async fn correct(
    coop: &Cooperative,
    date: NaiveDate,
    corrected: ContentChange,
    reason: &str,
    services: &Services,
) -> Decision {
    let registration = coop.registered()?;
    let corrected = normalised(corrected);
    let previous = corrected.current_in(&registration.content);
    if previous == corrected {
        return Err(CooperativeError::NothingToCorrect {
            field: corrected.field().to_string(),
        });
    }
    if let ContentChange::Address(address) = &corrected {
        require_unit(address, registration.address_since, services).await?;
    }
    Ok(vec![CooperativeEvent::RegistrationRecordCorrected {
        previous,
        corrected,
        reason: nfc(reason.trim()),
        effective_date: date,
    }])
}

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

pub(super) async fn join_union(
    coop: &Cooperative,
    date: NaiveDate,
    union: CooperativeCode,
    services: &Services,
) -> Decision {
    let registration = coop.require_open(date)?;
    let refuse = |reason: &str| CooperativeError::UnionMembership {
        union: union.clone(),
        reason: reason.to_string(),
    };
    if registration.kind == CooperativeKind::Union {
        return Err(refuse(
            "chỉ HTX gia nhập liên hiệp / only a cooperative joins a union",
        ));
    }
    if coop.unions.contains(&union) {
        return Err(refuse("đã là thành viên / already a member"));
    }
    let snapshot = services.registry.snapshot_on(&union, date).await?;
    match snapshot {
        Some(s) if s.kind == CooperativeKind::Union && s.status == CooperativeStatus::Active => {
            Ok(vec![CooperativeEvent::UnionJoined {
                union,
                effective_date: date,
            }])
        }
        other => Err(refuse(&format!(
            "không phải liên hiệp HTX đang hoạt động (thấy {:?}) / not an active union",
            other.map(|s| (s.kind, s.status))
        ))),
    }
}

pub(super) fn leave_union(coop: &Cooperative, date: NaiveDate, union: CooperativeCode) -> Decision {
    coop.require_open(date)?;
    if !coop.unions.contains(&union) {
        return Err(CooperativeError::UnionMembership {
            union,
            reason: "không phải thành viên / not a member".to_string(),
        });
    }
    Ok(vec![CooperativeEvent::UnionLeft {
        union,
        effective_date: date,
    }])
}

pub(super) fn annual_information(
    coop: &Cooperative,
    date: NaiveDate,
    year: i32,
    information: AnnualInformation,
) -> Decision {
    coop.require_open(date)?;
    let mut events = vec![CooperativeEvent::AnnualInformationSubmitted {
        year,
        information,
        effective_date: date,
    }];
    let ground = FindingGround::LateAnnualInformation { year };
    if let Some(deadline) = annual_deadline(year)
        && date > deadline
        && !coop.reported.contains(&ground)
    {
        let detail =
            format!("báo cáo năm {year} nộp {date}, hạn {deadline} / filed after {deadline}");
        events.push(finding(ground, RuleCode::Reg15, date, &detail));
    }
    Ok(events)
}

pub(super) fn designate_model(coop: &Cooperative, date: NaiveDate, year: i32) -> Decision {
    coop.require_open(date)?;
    Ok(vec![CooperativeEvent::ModelCooperativeDesignated {
        year,
        effective_date: date,
    }])
}

pub(super) fn rate_ocop(
    coop: &Cooperative,
    date: NaiveDate,
    product: &str,
    stars: u8,
    decision: DocumentNumber,
    valid_until: NaiveDate,
) -> Decision {
    coop.require_open(date)?;
    if !(1..=5).contains(&stars) || valid_until <= date {
        return Err(CooperativeError::InvalidOcopRating {
            stars,
            valid_until,
            effective_date: date,
        });
    }
    Ok(vec![CooperativeEvent::OcopProductRated {
        product: nfc(product.trim()),
        stars,
        decision,
        valid_until,
        effective_date: date,
    }])
}
