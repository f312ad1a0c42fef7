//! Status changes: suspension (REG-08), the tax authority's address status, revocation and
//! annulment (REG-13), dissolution (REG-06) and bankruptcy, all through the listed
//! transitions (REG-04).

use chrono::{Days, NaiveDate};

use crate::text::nfc;

use super::command::CooperativeAction;
use super::command::{DissolutionMode, ReorganisationKind};
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::law::{DISSOLUTION_AUTOMATIC_MONTHS, SUSPENSION_MAX_MONTHS, add_months};
use super::state::{Cooperative, Dissolution, DissolutionCause, PendingReorganisation};
use super::status::{CooperativeStatus as S, Transition as T};

type Decision = Result<Vec<CooperativeEvent>, CooperativeError>;

pub(super) fn decide(coop: &Cooperative, date: NaiveDate, action: CooperativeAction) -> Decision {
    use CooperativeAction as A;
    use CooperativeEvent as E;
    let effective_date = date;
    let event = match action {
        A::Suspend { until } => {
            coop.require_transition(T::Suspend, date)?;
            let latest = add_months(date, SUSPENSION_MAX_MONTHS) - Days::new(1);
            if until < date {
                return Err(CooperativeError::SuspensionEndsBeforeStart { from: date, until });
            }
            if until > latest {
                return Err(CooperativeError::SuspensionTooLong {
                    from: date,
                    until,
                    latest,
                });
            }
            E::BusinessSuspended {
                until,
                effective_date,
            }
        }
        A::Resume => {
            coop.require_transition(T::Resume, date)?;
            E::BusinessResumed { effective_date }
        }
        A::MarkNotOperatingAtAddress { tax_notice } => {
            coop.require_transition(T::MarkNotAtAddress, date)?;
            E::NotOperatingAtAddressMarked {
                tax_notice: nfc(tax_notice.trim()),
                effective_date,
            }
        }
        A::ClearNotOperatingAtAddress { tax_notice } => {
            coop.require_transition(T::ClearNotAtAddress, date)?;
            E::NotOperatingAtAddressCleared {
                tax_notice: nfc(tax_notice.trim()),
                effective_date,
            }
        }
        A::RevokeCertificate {
            ground,
            tax_enforcement,
            decision,
        } => {
            let transition = if tax_enforcement {
                T::RevokeForTax
            } else {
                T::RevokeAsSanction
            };
            coop.require_transition(transition, date)?;
            E::CertificateRevoked {
                ground: nfc(ground.trim()),
                tax_enforcement,
                decision,
                effective_date,
            }
        }
        A::AnnulRevocation { reason, decision } => {
            coop.require_open(date)?;
            let status = coop.status_on(date).unwrap_or(S::Active);
            let transition = if status == S::Dissolving {
                let cause = coop.dissolution.as_ref().map(|d| d.cause);
                if cause != Some(DissolutionCause::Revocation) {
                    return Err(CooperativeError::NotRevoked { status });
                }
                T::AnnulSanctionRevocation
            } else {
                T::AnnulTaxRevocation
            };
            coop.require_transition(transition, date)?;
            E::RevocationAnnulled {
                reason: nfc(reason.trim()),
                decision,
                effective_date,
            }
        }
        A::ResolveDissolution { resolution } => {
            coop.require_transition(T::ResolveDissolution, date)?;
            E::VoluntaryDissolutionResolved {
                resolution: nfc(resolution.trim()),
                effective_date,
            }
        }
        A::DecideCompulsoryDissolution {
            decided_by,
            ground,
            decision,
        } => {
            coop.require_transition(T::DecideCompulsoryDissolution, date)?;
            E::CompulsoryDissolutionDecided {
                decided_by: nfc(decided_by.trim()),
                ground: nfc(ground.trim()),
                decision,
                effective_date,
            }
        }
        A::PublishDissolution => {
            let dissolution = dissolving(coop, date)?;
            if dissolution.published_on.is_some() {
                return Err(CooperativeError::DissolutionAlreadyPublished);
            }
            E::DissolutionPublished { effective_date }
        }
        A::CancelDissolution { resolution } => {
            coop.require_transition(T::CancelDissolution, date)?;
            let dissolution = dissolving(coop, date)?;
            let deadline = dissolution
                .published_on
                .map(|p| add_months(p, DISSOLUTION_AUTOMATIC_MONTHS));
            let in_time = deadline.is_none_or(|d| date <= d);
            if dissolution.cause != DissolutionCause::Voluntary || !in_time {
                let deadline = (dissolution.cause == DissolutionCause::Voluntary)
                    .then_some(deadline)
                    .flatten();
                return Err(CooperativeError::CancellationNotAllowed { deadline });
            }
            E::DissolutionResolutionCancelled {
                resolution: nfc(resolution.trim()),
                effective_date,
            }
        }
        A::CompleteDissolution { mode } => {
            coop.require_transition(T::CompleteDissolution, date)?;
            let published_on = dissolving(coop, date)?
                .published_on
                .ok_or(CooperativeError::DissolutionNotPublished)?;
            let earliest = match mode {
                DissolutionMode::Dossier => published_on,
                DissolutionMode::SixMonthsElapsed => {
                    add_months(published_on, DISSOLUTION_AUTOMATIC_MONTHS)
                }
            };
            if date < earliest {
                return Err(CooperativeError::DissolutionTooEarly {
                    published_on,
                    earliest,
                });
            }
            E::CooperativeDissolved {
                mode,
                effective_date,
            }
        }
        A::OpenBankruptcy { court, decision } => {
            coop.require_transition(T::OpenBankruptcy, date)?;
            E::BankruptcyOpened {
                court: nfc(court.trim()),
                decision: nfc(decision.trim()),
                effective_date,
            }
        }
        A::DeclareBankruptcy { court, decision } => {
            coop.require_transition(T::DeclareBankruptcy, date)?;
            E::BankruptcyDeclared {
                court: nfc(court.trim()),
                decision: nfc(decision.trim()),
                effective_date,
            }
        }
        other => unreachable!("not a lifecycle action: {other:?}"),
    };
    Ok(vec![event])
}

/// The dissolution in progress on `date` (REG-06).
fn dissolving(coop: &Cooperative, date: NaiveDate) -> Result<&Dissolution, CooperativeError> {
    coop.require_open(date)?;
    let status = coop.status_on(date).unwrap_or(S::Active);
    match &coop.dissolution {
        Some(d) if status == S::Dissolving => {
            if date < d.started_on {
                return Err(CooperativeError::BeforeLastChange {
                    effective_date: date,
                    last_change: d.started_on,
                });
            }
            Ok(d)
        }
        _ => Err(CooperativeError::NotDissolving { status }),
    }
}

fn start_dissolution(coop: &mut Cooperative, cause: DissolutionCause, date: NaiveDate) {
    coop.dissolution = Some(Dissolution {
        cause,
        started_on: date,
        published_on: None,
    });
    coop.history.push(date, S::Dissolving, None);
}

/// Applies the status and reorganisation events (the others are applied in `state`).
pub(super) fn apply(coop: &mut Cooperative, event: CooperativeEvent) {
    use CooperativeEvent as E;
    match event {
        E::ReorganisationResolved {
            kind,
            counterparts,
            effective_date,
            ..
        } => {
            let status = match kind {
                ReorganisationKind::Division => Some(S::BeingDivided),
                ReorganisationKind::Consolidation => Some(S::BeingConsolidated),
                ReorganisationKind::Merger => Some(S::BeingAbsorbed),
                ReorganisationKind::Separation => None,
            };
            if let Some(status) = status {
                coop.history.push(effective_date, status, None);
            }
            coop.reorganisation = Some(PendingReorganisation {
                kind,
                counterparts,
                resolved_on: effective_date,
            });
        }
        E::AbsorptionRegistered { absorbed, .. } => coop.absorbed.extend(absorbed),
        E::CooperativeSeparated {
            new_cooperatives, ..
        } => {
            coop.successors.extend(new_cooperatives);
            coop.reorganisation = None;
        }
        E::CooperativeDivided {
            successors: ended_into,
            effective_date,
        } => end(coop, ended_into, effective_date),
        E::CooperativeConsolidated {
            into,
            effective_date,
        } => end(coop, vec![into], effective_date),
        E::CooperativeMergedInto {
            absorbing,
            effective_date,
        } => end(coop, vec![absorbing], effective_date),
        E::CertificateRevoked {
            tax_enforcement: true,
            effective_date,
            ..
        } => coop
            .history
            .push(effective_date, S::RevokedForTaxEnforcement, None),
        E::CertificateRevoked { effective_date, .. } => {
            start_dissolution(coop, DissolutionCause::Revocation, effective_date)
        }
        E::VoluntaryDissolutionResolved { effective_date, .. } => {
            start_dissolution(coop, DissolutionCause::Voluntary, effective_date)
        }
        E::CompulsoryDissolutionDecided { effective_date, .. } => {
            start_dissolution(coop, DissolutionCause::Compulsory, effective_date)
        }
        E::DissolutionPublished { effective_date } => {
            if let Some(d) = coop.dissolution.as_mut() {
                d.published_on = Some(effective_date);
            }
        }
        E::RevocationAnnulled { effective_date, .. }
        | E::DissolutionResolutionCancelled { effective_date, .. } => {
            coop.dissolution = None;
            coop.history.push(effective_date, S::Active, None);
        }
        E::CooperativeDissolved { effective_date, .. } => {
            coop.history.push(effective_date, S::Dissolved, None)
        }
        E::BankruptcyOpened { effective_date, .. } => {
            coop.history.push(effective_date, S::InBankruptcy, None)
        }
        E::BankruptcyDeclared { effective_date, .. } => {
            coop.history.push(effective_date, S::Bankrupt, None)
        }
        // The remaining events are applied by `Cooperative::apply_event` before it gets here.
        _ => {}
    }
}

fn end(
    coop: &mut Cooperative,
    successors: Vec<super::super::code::CooperativeCode>,
    date: NaiveDate,
) {
    coop.successors.extend(successors);
    coop.reorganisation = None;
    coop.history.push(date, S::Ceased, None);
}
