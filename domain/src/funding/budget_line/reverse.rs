//! FIN-09: a reversal undoes one open entry exactly, and only when undoing it keeps every
//! balance rule (FIN-01, FIN-02, FIN-03) true: an allocation is not reversed below what its
//! recipient has spent or committed.

use crate::money::Dong;

use super::apply::{Move, give_back, minus, shift, shift_back, update_commitment, update_entry};

use super::error::BudgetLineError as Error;
use super::state::{BudgetLine, EntryKind, LineEntry};

pub(super) fn check(line: &BudgetLine, target: u32) -> Result<(), Error> {
    let entry = line
        .entry(target)
        .ok_or(Error::UnknownEntry { entry: target })?;
    let refuse = |reason: &str| {
        Err(Error::CannotReverse {
            entry: target,
            reason: reason.to_string(),
        })
    };
    if entry.reversed {
        return refuse("đã điều chỉnh / already reversed");
    }
    match entry.kind {
        EntryKind::Reversal => {
            refuse("không điều chỉnh bút toán điều chỉnh / a reversal is not reversed")
        }
        EntryKind::Estimate => {
            let estimate = line.estimate.checked_sub(entry.amount)?;
            if line.allocated > estimate {
                return Err(Error::EstimateExceeded {
                    estimate,
                    allocated: line.allocated,
                    requested: Dong::ZERO,
                });
            }
            Ok(())
        }
        EntryKind::Allocation => {
            let recipient = entry.recipient.clone().unwrap_or_default();
            let allocated = line.allocation(&recipient).checked_sub(entry.amount)?;
            let spent = line.spent(&recipient);
            if spent.paid.checked_add(spent.outstanding)? > allocated {
                return Err(Error::AllocationExceeded {
                    recipient,
                    allocated,
                    paid: spent.paid,
                    outstanding: spent.outstanding,
                    requested: Dong::ZERO,
                });
            }
            // What is committed and not yet spent stays covered too.
            super::checks::require_commitment_room(line, &recipient, allocated, Dong::ZERO)
        }
        EntryKind::Commitment => {
            let open = entry
                .purpose
                .as_ref()
                .and_then(|p| line.commitment(p))
                .filter(|c| c.entry == target)
                .is_some_and(|c| !c.paid.is_zero() || !c.outstanding.is_zero());
            if open {
                return refuse(
                    "còn tạm ứng/thanh toán, điều chỉnh chúng trước / reverse its advances and payments first",
                );
            }
            Ok(())
        }
        EntryKind::Advance if entry.outstanding != entry.amount => {
            refuse("tạm ứng đã thanh toán hoặc nộp trả một phần / partly settled or returned")
        }
        EntryKind::AdvanceSettlement | EntryKind::Payment if !entry.returned.is_zero() => {
            refuse("đã có nộp trả, điều chỉnh nộp trả trước / reverse its returns first")
        }
        EntryKind::Advance | EntryKind::AdvanceSettlement | EntryKind::Payment => Ok(()),
        EntryKind::Return => {
            // Undoing a return spends the money again: it must fit.
            let purpose = entry.purpose.clone();
            let commitment = purpose.as_ref().and_then(|p| line.commitment(p));
            match commitment {
                Some(c) => super::checks::require_room(line, c, entry.amount),
                None => refuse("không còn cam kết chi / its commitment no longer exists"),
            }
        }
    }
}

/// Applies `EntryReversed`: undoes `target`'s effect on the balances.
pub(super) fn undo(line: &mut BudgetLine, target: &LineEntry) {
    update_entry(line, target.no, |t| {
        t.reversed = true;
        if t.kind == EntryKind::Advance {
            t.outstanding = Dong::ZERO;
        }
    });
    let amount = target.amount;
    match target.kind {
        EntryKind::Estimate => line.estimate = minus(line.estimate, amount),
        EntryKind::Allocation => {
            if let Some(r) = &target.recipient
                && let Some(allocation) = line.allocations.get_mut(r)
            {
                *allocation = minus(*allocation, amount);
            }
            line.allocated = minus(line.allocated, amount);
        }
        EntryKind::Commitment => {
            let open = target
                .purpose
                .as_ref()
                .and_then(|p| line.open_commitments.get(p));
            if let Some(&i) = open
                && line
                    .commitments
                    .get(i)
                    .is_some_and(|c| c.entry == target.no)
            {
                update_commitment(line, i, |c| c.reversed = true);
            }
        }
        EntryKind::Advance => shift(line, target.no, Move::None, Move::Down(target.outstanding)),
        EntryKind::AdvanceSettlement => {
            if let Some(advance) = target.against {
                give_back(line, advance, amount, false);
            }
            shift(line, target.no, Move::Down(amount), Move::Up(amount));
        }
        EntryKind::Payment => shift(line, target.no, Move::Down(amount), Move::None),
        EntryKind::Return => {
            if let Some(source) = target.against {
                give_back(line, source, amount, false);
                shift_back(line, target.no, source, amount, false);
            }
        }
        EntryKind::Reversal => {}
    }
}
