//! Division, separation, consolidation and merger (REG-12). Each predecessor resolves the
//! reorganisation, successors register naming their predecessors ([`super::Origin`]), and
//! each predecessor then ends at its own moment:
//! - division: once every successor is registered (the predecessor ceases);
//! - separation: the source continues; the step only records the new cooperatives;
//! - consolidation: once the new cooperative is registered (each predecessor ceases);
//! - merger: once the absorbing cooperative has registered the absorption.

use chrono::NaiveDate;

use crate::code::CooperativeCode;
use crate::services::Services;
use crate::text::nfc;

use super::command::{CooperativeAction, Origin, ReorganisationKind as K};
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::state::Cooperative;
use super::status::{CooperativeStatus as S, Transition as T};

type Decision = Result<Vec<CooperativeEvent>, CooperativeError>;

const GOING: [S; 3] = [S::Active, S::Suspended, S::NotOperatingAtRegisteredAddress];

pub(super) async fn decide(
    coop: &Cooperative,
    date: NaiveDate,
    action: CooperativeAction,
    services: &Services,
) -> Decision {
    let me = coop.require_open(date)?.code.clone();
    let fail = |reason: &str| Err(CooperativeError::reorganisation(&me, reason));
    match action {
        CooperativeAction::ResolveReorganisation {
            kind,
            counterparts,
            resolution,
        } => {
            match kind {
                K::Division => coop
                    .require_transition(T::ResolveDivision, date)
                    .map(drop)?,
                K::Consolidation => coop
                    .require_transition(T::ResolveConsolidation, date)
                    .map(drop)?,
                K::Merger => coop
                    .require_transition(T::ResolveAbsorption, date)
                    .map(drop)?,
                K::Separation => {
                    coop.require_open(date)?;
                    let status = coop.status_on(date).unwrap_or(S::Active);
                    if !GOING.contains(&status) {
                        return fail(&format!(
                            "tách khi đang {status} / separation while {status}"
                        ));
                    }
                }
            }
            if coop.reorganisation.is_some() {
                return fail("đã có tổ chức lại đang thực hiện / a reorganisation is pending");
            }
            let expected = match kind {
                K::Division | K::Separation => 0..=0,
                K::Consolidation => 1..=usize::MAX,
                K::Merger => 1..=1,
            };
            if !expected.contains(&counterparts.len()) {
                return fail(&format!(
                    "{kind:?}: {} bên liên quan / wrong number of counterparts",
                    counterparts.len()
                ));
            }
            let allowed: &[S] = match kind {
                K::Consolidation => &[
                    S::Active,
                    S::Suspended,
                    S::NotOperatingAtRegisteredAddress,
                    S::BeingConsolidated,
                ],
                _ => &[S::Active],
            };
            for other in &counterparts {
                same_kind_in(coop, other, allowed, date, services).await?;
            }
            Ok(vec![CooperativeEvent::ReorganisationResolved {
                kind,
                counterparts,
                resolution: nfc(resolution.trim()),
                effective_date: date,
            }])
        }
        CooperativeAction::RegisterAbsorption { absorbed } => {
            coop.require_open(date)?;
            if coop.status_on(date) != Some(S::Active) || absorbed.is_empty() {
                return fail(
                    "bên nhận sáp nhập phải đang hoạt động và có HTX bị sáp nhập / the absorbing cooperative must be active and absorb someone",
                );
            }
            for other in &absorbed {
                if coop.absorbed.contains(other) {
                    return fail(&format!("{other} đã được sáp nhập / already absorbed"));
                }
                let snapshot =
                    same_kind_in(coop, other, &[S::BeingAbsorbed], date, services).await?;
                let names_me = snapshot
                    .pending_reorganisation
                    .is_some_and(|p| p.kind == K::Merger && p.counterparts.contains(&me));
                if !names_me {
                    return fail(&format!(
                        "{other} không nghị quyết sáp nhập vào HTX này / did not resolve to merge into this cooperative"
                    ));
                }
            }
            Ok(vec![CooperativeEvent::AbsorptionRegistered {
                absorbed,
                effective_date: date,
            }])
        }
        CooperativeAction::CompleteReorganisation { successors } => {
            let Some(pending) = coop.reorganisation.clone() else {
                return fail("không có tổ chức lại đang thực hiện / no reorganisation pending");
            };
            if pending.kind == K::Separation {
                coop.require_open(date)?;
            } else {
                coop.require_transition(T::EndByReorganisation, date)?;
            }
            let mut distinct = successors.clone();
            distinct.sort();
            distinct.dedup();
            let count_ok = distinct.len() == successors.len()
                && match pending.kind {
                    K::Division => successors.len() >= 2,
                    K::Separation => !successors.is_empty(),
                    K::Consolidation | K::Merger => successors.len() == 1,
                };
            if !count_ok || successors.contains(&me) {
                return fail(&format!(
                    "{:?}: người kế thừa {successors:?} không hợp lệ / invalid successors",
                    pending.kind
                ));
            }
            for successor in &successors {
                let snapshot = services.registry.snapshot_on(successor, date).await?;
                let Some(snapshot) = snapshot else {
                    return fail(&format!(
                        "{successor} chưa đăng ký / not registered on {date}"
                    ));
                };
                let descends = match (&pending.kind, &snapshot.origin) {
                    (K::Division, Origin::Division { predecessor }) => predecessor == &me,
                    (K::Separation, Origin::Separation { source }) => source == &me,
                    (K::Consolidation, Origin::Consolidation { predecessors }) => {
                        predecessors.contains(&me)
                    }
                    (K::Merger, _) => {
                        pending.counterparts.contains(successor) && snapshot.absorbed.contains(&me)
                    }
                    _ => false,
                };
                if !descends {
                    return fail(&format!(
                        "{successor} không kế thừa HTX này / does not descend from this cooperative"
                    ));
                }
            }
            let effective_date = date;
            Ok(vec![match pending.kind {
                K::Division => CooperativeEvent::CooperativeDivided {
                    successors,
                    effective_date,
                },
                K::Separation => CooperativeEvent::CooperativeSeparated {
                    new_cooperatives: successors,
                    effective_date,
                },
                K::Consolidation => CooperativeEvent::CooperativeConsolidated {
                    into: successors[0].clone(),
                    effective_date,
                },
                K::Merger => CooperativeEvent::CooperativeMergedInto {
                    absorbing: successors[0].clone(),
                    effective_date,
                },
            }])
        }
        other => unreachable!("not a reorganisation action: {other:?}"),
    }
}

/// `other` is a different cooperative of the same kind, in one of `statuses` on `date`.
async fn same_kind_in(
    coop: &Cooperative,
    other: &CooperativeCode,
    statuses: &[S],
    date: NaiveDate,
    services: &Services,
) -> Result<super::RegistrySnapshot, CooperativeError> {
    let me = coop.registered()?;
    if other == &me.code {
        return Err(CooperativeError::reorganisation(
            &me.code,
            "không thể tổ chức lại với chính mình / cannot reorganise with itself",
        ));
    }
    match services.registry.snapshot_on(other, date).await? {
        Some(s) if s.kind == me.kind && statuses.contains(&s.status) => Ok(s),
        seen => Err(CooperativeError::reorganisation(
            &me.code,
            &format!(
                "{other} không cùng loại {} hoặc tình trạng không phù hợp (thấy {:?}) / not the same kind or not in a fitting status",
                me.kind,
                seen.map(|s| (s.kind, s.status))
            ),
        )),
    }
}
