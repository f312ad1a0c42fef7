//! The rules of a budget line: FIN-01/02/03 on its own balances (FIN-01 for commitments as for
//! spending), FIN-04 and FIN-10 through the services, FIN-08 on dates, FIN-09 on compensating
//! entries, FIN-11 on who pays, FIN-16 on the order of steps.

use chrono::NaiveDate;

use crate::funding::ids::{BudgetLineId, check_code};
use crate::money::Dong;
use crate::services::Services;
use crate::text::nfc;

use super::checks::{
    closed_on, in_fiscal_year, positive, require_active, require_commitment_room,
    require_open_year, review_advances, spend,
};
use super::command::{BudgetLineAction as A, BudgetLineCommand};
use super::error::BudgetLineError as Error;
use super::event::BudgetLineEvent as E;
use super::state::{BudgetLine, Commitment, EntryKind};

type Decision = Result<Vec<E>, Error>;

pub(super) async fn decide(
    line: &BudgetLine,
    command: BudgetLineCommand,
    services: &Services,
) -> Decision {
    let date = command.effective_date;
    let actor = command.actor.user_id.clone();
    let entry = line.next_entry();
    if let A::AssignEstimate {
        line: id,
        amount,
        decision,
    } = command.action
    {
        if let Some(existing) = &line.id
            && existing != &id
        {
            return Err(Error::LineMismatch {
                expected: existing.to_id(),
                given: id.to_id(),
            });
        }
        require_open_year(&id, services).await?;
        positive(amount)?;
        line.estimate.checked_add(amount)?;
        return Ok(vec![E::EstimateAssigned {
            entry,
            line: id,
            amount,
            decision,
            effective_date: date,
        }]);
    }
    let id = line.id.clone().ok_or(Error::NotOpened)?;
    match command.action {
        A::ReturnFunds {
            against_entry,
            amount,
            document,
        } => {
            positive(amount)?;
            let source = line.entry(against_entry).ok_or(Error::UnknownEntry {
                entry: against_entry,
            })?;
            let remaining = match source.kind {
                _ if source.reversed => Dong::ZERO,
                EntryKind::Advance => source.outstanding,
                EntryKind::Payment | EntryKind::AdvanceSettlement => {
                    source.amount.checked_sub(source.returned)?
                }
                _ => {
                    return Err(Error::WrongEntry {
                        entry: against_entry,
                        expected: "tạm ứng hoặc thanh toán / an advance or a payment".into(),
                    });
                }
            };
            if amount > remaining {
                return Err(Error::ExceedsRemaining {
                    entry: against_entry,
                    remaining,
                    requested: amount,
                });
            }
            let after_settlement = closed_on(&id, services).await?.is_some();
            Ok(vec![E::FundsReturned {
                entry,
                against_entry,
                amount,
                document: nfc(document.trim()),
                after_settlement,
                effective_date: date,
            }])
        }
        A::ReviewAdvances => Ok(review_advances(line, &id, date)),
        action => {
            require_open_year(&id, services).await?;
            decide_open(line, &id, action, date, actor, entry, services).await
        }
    }
}

async fn decide_open(
    line: &BudgetLine,
    id: &BudgetLineId,
    action: A,
    date: NaiveDate,
    actor: String,
    entry: u32,
    services: &Services,
) -> Decision {
    let effective_date = date;
    match action {
        A::Allocate { recipient, amount } => {
            check_code(&recipient)?;
            positive(amount)?;
            if recipient.bytes().all(|b| b.is_ascii_digit())
                && services
                    .geography
                    .unit_on(&recipient, date)
                    .await?
                    .is_none()
            {
                return Err(Error::UnitNotValid {
                    unit: recipient,
                    date,
                });
            }
            if line.allocated.checked_add(amount)? > line.estimate {
                return Err(Error::EstimateExceeded {
                    estimate: line.estimate,
                    allocated: line.allocated,
                    requested: amount,
                });
            }
            Ok(vec![E::AllocationMade {
                entry,
                recipient,
                amount,
                effective_date,
            }])
        }
        A::Commit { purpose, recipient } => {
            let approved = services.funding.approved_purpose(&purpose).await?;
            let approved = approved.ok_or_else(|| Error::NotApproved {
                purpose: purpose.clone(),
            })?;
            if &approved.line != id {
                return Err(Error::PurposeOnOtherLine {
                    purpose,
                    line: approved.line.to_id(),
                });
            }
            if line.commitment(&purpose).is_some() {
                return Err(Error::AlreadyCommitted { purpose });
            }
            if !line.allocations.contains_key(&recipient) {
                return Err(Error::NoAllocation { recipient });
            }
            let allocated = line.allocation(&recipient);
            require_commitment_room(line, &recipient, allocated, approved.amount)?;
            let commitment = Commitment {
                entry,
                purpose: purpose.clone(),
                recipient: recipient.clone(),
                beneficiary: approved.beneficiary.clone(),
                amount: approved.amount,
                approved_by: approved.approved_by.clone(),
                paid: Dong::ZERO,
                outstanding: Dong::ZERO,
                reversed: false,
            };
            require_active(&commitment, date, services).await?;
            Ok(vec![E::SupportCommitted {
                entry,
                purpose,
                recipient,
                beneficiary: approved.beneficiary,
                amount: approved.amount,
                approved_by: approved.approved_by,
                effective_date,
            }])
        }
        A::PayAdvance {
            purpose,
            amount,
            reference,
        } => {
            let adjustment_period =
                spend(line, id, &purpose, amount, date, &actor, services).await?;
            Ok(vec![E::AdvancePaid {
                entry,
                purpose,
                amount,
                reference: nfc(reference.trim()),
                paid_by: actor,
                adjustment_period,
                effective_date,
            }])
        }
        A::MakePayment {
            purpose,
            amount,
            voucher,
        } => {
            let adjustment_period =
                spend(line, id, &purpose, amount, date, &actor, services).await?;
            Ok(vec![E::PaymentMade {
                entry,
                purpose,
                amount,
                voucher: nfc(voucher.trim()),
                paid_by: actor,
                adjustment_period,
                effective_date,
            }])
        }
        A::SettleAdvance {
            advance_entry,
            amount,
        } => {
            positive(amount)?;
            let adjustment_period = in_fiscal_year(id, date)?;
            let advance = line.entry(advance_entry).ok_or(Error::UnknownEntry {
                entry: advance_entry,
            })?;
            if advance.kind != EntryKind::Advance || advance.reversed {
                return Err(Error::WrongEntry {
                    entry: advance_entry,
                    expected: "tạm ứng còn hiệu lực / an advance not reversed".into(),
                });
            }
            if amount > advance.outstanding {
                return Err(Error::ExceedsRemaining {
                    entry: advance_entry,
                    remaining: advance.outstanding,
                    requested: amount,
                });
            }
            let purpose = advance.purpose.clone().ok_or(Error::UnknownEntry {
                entry: advance_entry,
            })?;
            let c = line
                .commitment(&purpose)
                .ok_or(Error::NotCommitted { purpose })?;
            if c.approved_by == actor {
                return Err(Error::SameActor { actor });
            }
            Ok(vec![E::AdvanceSettled {
                entry,
                advance_entry,
                amount,
                settled_by: actor,
                adjustment_period,
                effective_date,
            }])
        }
        A::Reverse {
            entry: target,
            reason,
        } => {
            super::reverse::check(line, target)?;
            Ok(vec![E::EntryReversed {
                entry,
                reverses: target,
                reason: nfc(reason.trim()),
                reversed_by: actor,
                effective_date,
            }])
        }
        A::AssignEstimate { .. } | A::ReturnFunds { .. } | A::ReviewAdvances => {
            unreachable!("decided before the year is checked")
        }
    }
}
