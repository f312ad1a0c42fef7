//! Records that do not change the legal status: content changes (REG-07, REG-09), corrections
//! (REG-14), unions (REG-16), annual information (REG-15), model designations and OCOP
//! ratings (REG-17). Members, meetings and inactivity (REG-03) are in `findings`.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::document::DocumentNumber;
use crate::rules::{Finding, RuleCode};
use crate::services::Services;
use crate::text::nfc;

use super::command::{Address, AnnualInformation, ContentChange, Representative};
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::law::{CHANGE_FILING_DAYS, annual_deadline};
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
        other @ (ContentChange::CharterCapital(_) | ContentChange::Sector(_)) => other,
    }
}

pub(super) fn finding(
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
    // A sector never recorded has nothing to correct: it is recorded by a change of content.
    let Some(previous) = corrected.current_in(&registration.content) else {
        return Err(CooperativeError::NothingToCorrect {
            field: corrected.field().to_string(),
        });
    };
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
