//! Registration (REG-01, REG-02, REG-12 for successors, GEO-01) and re-registration under
//! the 2012 Law (REG-05).

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::rules::{Finding, RuleCode};
use crate::services::Services;
use crate::text::nfc;

use super::command::{
    Address, CooperativeAction, MemberCounts, Origin, RegistrationContent, ReorganisationKind,
    Representative,
};
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::law::{law_on, re_registration_rule};
use super::state::{Cooperative, FindingGround};
use super::status::{CooperativeKind, CooperativeStatus};

pub(super) async fn register(
    coop: &Cooperative,
    date: NaiveDate,
    action: CooperativeAction,
    services: &Services,
) -> Result<Vec<CooperativeEvent>, CooperativeError> {
    let CooperativeAction::Register {
        code,
        kind,
        content,
        members,
        certificate_no,
        legacy_reg_no,
        origin,
    } = action
    else {
        unreachable!("register is called with Register only");
    };
    if let Some(registration) = &coop.registration {
        return Err(CooperativeError::CodeAlreadyUsed {
            code: registration.code.clone(),
            status: coop.current_status().unwrap_or(CooperativeStatus::Active),
        });
    }
    let code = CooperativeCode::parse(&code).map_err(|e| CooperativeError::InvalidCode {
        code: code.clone(),
        reason: e.to_string(),
    })?;
    let content = normalised(content);
    require_unit(&content.address, date, services).await?;
    require_minimum(kind, members, date)?;
    check_origin(&code, kind, &origin, date, services).await?;
    Ok(vec![CooperativeEvent::CooperativeRegistered {
        code,
        kind,
        content,
        members,
        certificate_no: nfc(certificate_no.trim()),
        legacy_reg_no: legacy_reg_no.map(|n| nfc(n.trim())),
        origin,
        governing_law: law_on(date).citation.to_string(),
        effective_date: date,
    }])
}

pub(super) fn re_register(
    coop: &Cooperative,
    date: NaiveDate,
    members: MemberCounts,
    certificate_no: &str,
) -> Result<Vec<CooperativeEvent>, CooperativeError> {
    let registration = coop.require_open(date)?;
    let rule = re_registration_rule();
    if registration.registered_on >= rule.registered_before {
        return Err(CooperativeError::ReRegistrationNotNeeded {
            registered_on: registration.registered_on,
        });
    }
    if let Some(on) = registration.re_registered_on {
        return Err(CooperativeError::AlreadyReRegistered { on });
    }
    if date >= rule.ends_on {
        return Err(CooperativeError::ReRegistrationEnded {
            effective_date: date,
            ends_on: rule.ends_on,
        });
    }
    require_minimum(registration.kind, members, date)?;
    let mut events = vec![CooperativeEvent::CooperativeReRegistered {
        members,
        certificate_no: nfc(certificate_no.trim()),
        effective_date: date,
    }];
    if date > rule.late_after {
        let detail = format!(
            "đăng ký lại ngày {date}, sau hạn {} / re-registered after the deadline",
            rule.late_after
        );
        events.push(CooperativeEvent::ComplianceFindingRaised {
            finding: Finding::new(RuleCode::Reg05, date, &detail),
            ground: FindingGround::LateReRegistration,
        });
    }
    Ok(events)
}

pub(super) fn normalised(content: RegistrationContent) -> RegistrationContent {
    RegistrationContent {
        name: nfc(content.name.trim()),
        address: Address::new(&content.address.text, &content.address.unit),
        representative: Representative::new(
            &content.representative.name,
            &content.representative.title,
        ),
        charter_capital: content.charter_capital,
        sector: content.sector,
    }
}

/// GEO-01: the address's unit is valid on `date`.
pub(super) async fn require_unit(
    address: &Address,
    date: NaiveDate,
    services: &Services,
) -> Result<(), CooperativeError> {
    match services.geography.unit_on(&address.unit, date).await? {
        Some(_) => Ok(()),
        None => Err(CooperativeError::UnitNotValid {
            unit: address.unit.clone(),
            date,
        }),
    }
}

/// REG-02: the minimum of the law in force on `date`.
fn require_minimum(
    kind: CooperativeKind,
    members: MemberCounts,
    date: NaiveDate,
) -> Result<(), CooperativeError> {
    let law = law_on(date);
    match law.minimum_for(kind) {
        Some(required) if members.counted_for(kind) < required => {
            Err(CooperativeError::BelowMinimumMembers {
                kind,
                law: law.citation.to_string(),
                required,
                given: members.counted_for(kind),
            })
        }
        _ => Ok(()),
    }
}

/// REG-12: a successor names predecessors that are reorganising the matching way, of the
/// same kind, and never itself.
async fn check_origin(
    code: &CooperativeCode,
    kind: CooperativeKind,
    origin: &Origin,
    date: NaiveDate,
    services: &Services,
) -> Result<(), CooperativeError> {
    let (expected, statuses): (ReorganisationKind, &[CooperativeStatus]) = match origin {
        Origin::New => return Ok(()),
        Origin::Division { .. } => (
            ReorganisationKind::Division,
            &[CooperativeStatus::BeingDivided],
        ),
        Origin::Separation { .. } => (
            ReorganisationKind::Separation,
            &[
                CooperativeStatus::Active,
                CooperativeStatus::Suspended,
                CooperativeStatus::NotOperatingAtRegisteredAddress,
            ],
        ),
        Origin::Consolidation { predecessors } => {
            let mut distinct = predecessors.clone();
            distinct.sort();
            distinct.dedup();
            if distinct.len() < 2 || distinct.len() != predecessors.len() {
                return Err(CooperativeError::reorganisation(
                    code,
                    "hợp nhất cần ít nhất 2 HTX khác nhau / consolidation needs 2 or more distinct predecessors",
                ));
            }
            (
                ReorganisationKind::Consolidation,
                &[CooperativeStatus::BeingConsolidated],
            )
        }
    };
    for predecessor in origin.predecessors() {
        if &predecessor == code {
            return Err(CooperativeError::reorganisation(
                code,
                "HTX không thể là tiền thân của chính nó / a cooperative cannot descend from itself",
            ));
        }
        let snapshot = services.registry.snapshot_on(&predecessor, date).await?;
        let fits = snapshot.as_ref().is_some_and(|s| {
            s.kind == kind
                && statuses.contains(&s.status)
                && s.pending_reorganisation
                    .as_ref()
                    .is_some_and(|p| p.kind == expected)
        });
        if !fits {
            let reason = format!(
                "tiền thân {predecessor} không đang {expected:?} cùng loại {kind} (thấy {:?}) / \
                 predecessor is not undergoing that reorganisation as the same kind",
                snapshot.map(|s| (s.kind, s.status))
            );
            return Err(CooperativeError::reorganisation(code, &reason));
        }
    }
    Ok(())
}
