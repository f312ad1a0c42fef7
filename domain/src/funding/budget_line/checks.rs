//! The checks budget-line commands share: amounts (FIN-09), dates (FIN-08), the closed year
//! (FIN-10), the beneficiary's status (FIN-04), room on the commitment and the allocation
//! (FIN-03, FIN-01, for spending and for commitments), who pays (FIN-11), and overdue advances
//! (FIN-06).

use chrono::NaiveDate;

use crate::cooperative::CooperativeStatus;
use crate::funding::ids::{BudgetLineId, Purpose};
use crate::money::Dong;
use crate::rules::{Finding, RuleCode};
use crate::services::Services;

use super::error::BudgetLineError as Error;
use super::event::BudgetLineEvent as E;
use super::state::{BudgetLine, Commitment};

/// The last day of the adjustment period of `year` (31/01 of the next year).
pub fn adjustment_period_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 1, 31).unwrap_or(NaiveDate::MAX)
}

pub(super) fn positive(amount: Dong) -> Result<(), Error> {
    if amount.is_zero() {
        Err(Error::ZeroAmount)
    } else {
        Ok(())
    }
}

/// FIN-08: spending dated within the fiscal year or its adjustment period. Returns whether
/// the date falls in the adjustment period.
pub(super) fn in_fiscal_year(id: &BudgetLineId, date: NaiveDate) -> Result<bool, Error> {
    let start = NaiveDate::from_ymd_opt(id.year, 1, 1).unwrap_or(NaiveDate::MIN);
    if date < start || date > adjustment_period_end(id.year) {
        return Err(Error::OutsideFiscalYear {
            date,
            year: id.year,
        });
    }
    Ok(date > NaiveDate::from_ymd_opt(id.year, 12, 31).unwrap_or(NaiveDate::MAX))
}

/// FIN-10: the approval date of the unit's settlement for the year, if approved.
pub(super) async fn closed_on(
    id: &BudgetLineId,
    services: &Services,
) -> Result<Option<NaiveDate>, Error> {
    let settlement = services.funding.settlement(&id.settlement()).await?;
    Ok(settlement.and_then(|s| s.approved_on))
}

pub(super) async fn require_open_year(id: &BudgetLineId, services: &Services) -> Result<(), Error> {
    match closed_on(id, services).await? {
        Some(approved_on) => Err(Error::YearClosed {
            settlement: id.settlement().to_id(),
            approved_on,
        }),
        None => Ok(()),
    }
}

/// FIN-04: the beneficiary, if any, is active on `date`.
pub(super) async fn require_active(
    c: &Commitment,
    date: NaiveDate,
    services: &Services,
) -> Result<(), Error> {
    let Some(code) = &c.beneficiary else {
        return Ok(());
    };
    let status = services.registry.status_on(code, date).await?;
    if status == Some(CooperativeStatus::Active) {
        Ok(())
    } else {
        Err(Error::BeneficiaryNotActive {
            code: code.clone(),
            date,
            status,
        })
    }
}

/// FIN-01 and FIN-03: `extra` more spending fits the commitment and the recipient's allocation.
pub(super) fn require_room(line: &BudgetLine, c: &Commitment, extra: Dong) -> Result<(), Error> {
    let committed = c.paid.checked_add(c.outstanding)?.checked_add(extra)?;
    if committed > c.amount {
        return Err(Error::CapExceeded {
            purpose: c.purpose.clone(),
            approved: c.amount,
            paid: c.paid,
            outstanding: c.outstanding,
            requested: extra,
        });
    }
    let spent = line.spent(&c.recipient);
    let allocated = line.allocation(&c.recipient);
    if spent
        .paid
        .checked_add(spent.outstanding)?
        .checked_add(extra)?
        > allocated
    {
        return Err(Error::AllocationExceeded {
            recipient: c.recipient.clone(),
            allocated,
            paid: spent.paid,
            outstanding: spent.outstanding,
            requested: extra,
        });
    }
    Ok(())
}

/// FIN-01 for commitments: with `extra` more committed, what `recipient`'s allocation (here
/// `allocated`) must cover still fits it. That is what a payment's check counts (money paid and
/// advances outstanding) and, besides, the part of each of the recipient's open (not reversed)
/// commitments not yet paid or advanced: an open commitment reserves its whole approved amount,
/// of which FIN-03 lets no more be spent.
pub(super) fn require_commitment_room(
    line: &BudgetLine,
    recipient: &str,
    allocated: Dong,
    extra: Dong,
) -> Result<(), Error> {
    let spent = line.spent(recipient);
    let committed = line.reserved(recipient);
    let total = spent
        .paid
        .checked_add(spent.outstanding)?
        .checked_add(committed)?
        .checked_add(extra)?;
    if total > allocated {
        return Err(Error::CommitmentsExceedAllocation {
            recipient: recipient.to_string(),
            allocated,
            paid: spent.paid,
            outstanding: spent.outstanding,
            committed,
            requested: extra,
        });
    }
    Ok(())
}

/// An advance or payment of `amount` for `purpose` by `actor`: FIN-08, FIN-11, FIN-03,
/// FIN-01, FIN-04 in that order. Returns whether it falls in the adjustment period.
pub(super) async fn spend(
    line: &BudgetLine,
    id: &BudgetLineId,
    purpose: &Purpose,
    amount: Dong,
    date: NaiveDate,
    actor: &str,
    services: &Services,
) -> Result<bool, Error> {
    positive(amount)?;
    let adjustment_period = in_fiscal_year(id, date)?;
    let c = line
        .commitment(purpose)
        .ok_or_else(|| Error::NotCommitted {
            purpose: purpose.clone(),
        })?;
    if c.approved_by == actor {
        return Err(Error::SameActor {
            actor: actor.to_string(),
        });
    }
    require_room(line, c, amount)?;
    require_active(c, date, services).await?;
    Ok(adjustment_period)
}

/// FIN-06: advances still outstanding after 31/01 of the next year, each reported once.
pub(super) fn review_advances(line: &BudgetLine, id: &BudgetLineId, date: NaiveDate) -> Vec<E> {
    let deadline = adjustment_period_end(id.year);
    if date <= deadline {
        return Vec::new();
    }
    line.open_advances
        .iter()
        .filter(|&&no| !line.reported_advances.contains(&no))
        .filter_map(|&no| line.entry(no))
        .map(|e| {
            let detail = format!(
                "tạm ứng {} ngày {} còn {} sau {deadline} / advance still outstanding after {deadline}",
                e.no, e.effective_date, e.outstanding
            );
            E::ComplianceFindingRaised { finding: Finding::new(RuleCode::Fin06, date, &detail), advance_entry: e.no }
        })
        .collect()
}
