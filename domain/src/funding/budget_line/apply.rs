//! How each budget-line event moves the balances. Events were checked when decided, so the
//! arithmetic here saturates instead of failing (a replay must never panic).

use crate::money::Dong;

use super::event::BudgetLineEvent as E;
use super::state::{BudgetLine, Commitment, EntryKind, LineEntry};

pub(super) fn plus(a: Dong, b: Dong) -> Dong {
    a.checked_add(b).unwrap_or(a)
}

pub(super) fn minus(a: Dong, b: Dong) -> Dong {
    a.saturating_sub(b)
}

/// Signed movement of one purpose's paid and outstanding amounts.
#[derive(Clone, Copy)]
pub(super) enum Move {
    Up(Dong),
    Down(Dong),
    None,
}

impl Move {
    fn on(self, value: Dong) -> Dong {
        match self {
            Move::Up(d) => plus(value, d),
            Move::Down(d) => minus(value, d),
            Move::None => value,
        }
    }
}

/// Moves the commitment of the entry's purpose, and its recipient's spending.
pub(super) fn shift(line: &mut BudgetLine, entry: u32, paid: Move, outstanding: Move) {
    let Some(purpose) = line.entry(entry).and_then(|e| e.purpose.clone()) else {
        return;
    };
    let Some(&i) = line.open_commitments.get(&purpose) else {
        return;
    };
    let Some(recipient) = update_commitment(line, i, |c| {
        c.paid = paid.on(c.paid);
        c.outstanding = outstanding.on(c.outstanding);
    }) else {
        return;
    };
    let spent = line.spent.entry(recipient).or_default();
    spent.paid = paid.on(spent.paid);
    spent.outstanding = outstanding.on(spent.outstanding);
}

/// What an open commitment reserves beyond what was paid or advanced on it (none once
/// reversed): its part of [`BudgetLine::reserved`].
fn reserve(c: &Commitment) -> Dong {
    if c.reversed {
        return Dong::ZERO;
    }
    c.amount
        .saturating_sub(c.paid.checked_add(c.outstanding).unwrap_or(c.amount))
}

/// Changes commitment `i` by `change`, keeping the indexes true: what its recipient's open
/// commitments reserve, and the purpose's open commitment once it is reversed. Answers the
/// commitment's recipient.
pub(super) fn update_commitment(
    line: &mut BudgetLine,
    i: usize,
    change: impl FnOnce(&mut Commitment),
) -> Option<String> {
    let c = line.commitments.get_mut(i)?;
    let before = reserve(c);
    change(c);
    let after = reserve(c);
    let reserved = line.reserved.entry(c.recipient.clone()).or_default();
    *reserved = plus(minus(*reserved, before), after);
    if c.reversed && line.open_commitments.get(&c.purpose) == Some(&i) {
        line.open_commitments.remove(&c.purpose);
    }
    Some(c.recipient.clone())
}

/// Rebuilds the indexes of a line read back from its stored form, as applying its events
/// would have left them.
pub(super) fn rebuild_indexes(line: &mut BudgetLine) {
    for (i, c) in line.commitments.iter().enumerate() {
        line.approvers.insert(c.approved_by.clone());
        if !c.reversed {
            line.open_commitments.insert(c.purpose.clone(), i);
            let reserved = line.reserved.entry(c.recipient.clone()).or_default();
            *reserved = plus(*reserved, reserve(c));
        }
    }
    for e in line.entries.iter() {
        if e.kind == EntryKind::Advance && !e.reversed && !e.outstanding.is_zero() {
            line.open_advances.insert(e.no);
        }
    }
}

/// Changes entry `no` by `change`, keeping the set of open advances true.
pub(super) fn update_entry(line: &mut BudgetLine, no: u32, change: impl FnOnce(&mut LineEntry)) {
    let Some(e) = line.entries.get_mut(index(no)) else {
        return;
    };
    change(e);
    if e.kind == EntryKind::Advance {
        if e.reversed || e.outstanding.is_zero() {
            line.open_advances.remove(&no);
        } else {
            line.open_advances.insert(no);
        }
    }
}

fn push(line: &mut BudgetLine, entry: LineEntry) {
    if entry.kind == EntryKind::Advance && !entry.outstanding.is_zero() {
        line.open_advances.insert(entry.no);
    }
    line.entries.push_back(entry);
}

fn entry(no: u32, kind: EntryKind, amount: Dong, date: chrono::NaiveDate) -> LineEntry {
    LineEntry {
        no,
        kind,
        amount,
        recipient: None,
        purpose: None,
        against: None,
        effective_date: date,
        reversed: false,
        outstanding: Dong::ZERO,
        returned: Dong::ZERO,
    }
}

fn recipient_of(line: &BudgetLine, purpose: &crate::funding::ids::Purpose) -> Option<String> {
    line.commitment(purpose).map(|c| c.recipient.clone())
}

pub(super) fn apply(line: &mut BudgetLine, event: E) {
    match event {
        E::EstimateAssigned {
            entry: no,
            line: id,
            amount,
            effective_date,
            ..
        } => {
            line.id.get_or_insert(id);
            line.estimate = plus(line.estimate, amount);
            push(line, entry(no, EntryKind::Estimate, amount, effective_date));
        }
        E::AllocationMade {
            entry: no,
            recipient,
            amount,
            effective_date,
        } => {
            let allocation = line.allocations.entry(recipient.clone()).or_default();
            *allocation = plus(*allocation, amount);
            line.allocated = plus(line.allocated, amount);
            push(
                line,
                LineEntry {
                    recipient: Some(recipient),
                    ..entry(no, EntryKind::Allocation, amount, effective_date)
                },
            );
        }
        E::SupportCommitted {
            entry: no,
            purpose,
            recipient,
            beneficiary,
            amount,
            approved_by,
            effective_date,
        } => {
            let reserved = line.reserved.entry(recipient.clone()).or_default();
            *reserved = plus(*reserved, amount);
            line.open_commitments
                .insert(purpose.clone(), line.commitments.len());
            line.approvers.insert(approved_by.clone());
            line.commitments.push_back(Commitment {
                entry: no,
                purpose: purpose.clone(),
                recipient: recipient.clone(),
                beneficiary,
                amount,
                approved_by,
                paid: Dong::ZERO,
                outstanding: Dong::ZERO,
                reversed: false,
            });
            push(
                line,
                LineEntry {
                    recipient: Some(recipient),
                    purpose: Some(purpose),
                    ..entry(no, EntryKind::Commitment, amount, effective_date)
                },
            );
        }
        E::AdvancePaid {
            entry: no,
            purpose,
            amount,
            paid_by,
            effective_date,
            ..
        } => {
            line.payers.insert(paid_by);
            let recipient = recipient_of(line, &purpose);
            push(
                line,
                LineEntry {
                    recipient,
                    purpose: Some(purpose),
                    outstanding: amount,
                    ..entry(no, EntryKind::Advance, amount, effective_date)
                },
            );
            shift(line, no, Move::None, Move::Up(amount));
        }
        E::AdvanceSettled {
            entry: no,
            advance_entry,
            amount,
            settled_by,
            effective_date,
            ..
        } => {
            line.payers.insert(settled_by);
            let (recipient, purpose) = source(line, advance_entry);
            update_entry(line, advance_entry, |advance| {
                advance.outstanding = minus(advance.outstanding, amount);
            });
            push(
                line,
                LineEntry {
                    recipient,
                    purpose,
                    against: Some(advance_entry),
                    ..entry(no, EntryKind::AdvanceSettlement, amount, effective_date)
                },
            );
            shift(line, no, Move::Up(amount), Move::Down(amount));
        }
        E::PaymentMade {
            entry: no,
            purpose,
            amount,
            paid_by,
            effective_date,
            ..
        } => {
            line.payers.insert(paid_by);
            let recipient = recipient_of(line, &purpose);
            push(
                line,
                LineEntry {
                    recipient,
                    purpose: Some(purpose),
                    ..entry(no, EntryKind::Payment, amount, effective_date)
                },
            );
            shift(line, no, Move::Up(amount), Move::None);
        }
        E::FundsReturned {
            entry: no,
            against_entry,
            amount,
            effective_date,
            ..
        } => {
            let (recipient, purpose) = source(line, against_entry);
            push(
                line,
                LineEntry {
                    recipient,
                    purpose,
                    against: Some(against_entry),
                    ..entry(no, EntryKind::Return, amount, effective_date)
                },
            );
            give_back(line, against_entry, amount, true);
            shift_back(line, no, against_entry, amount, true);
        }
        E::EntryReversed {
            entry: no,
            reverses,
            effective_date,
            ..
        } => {
            let target = line.entry(reverses).cloned();
            push(
                line,
                LineEntry {
                    against: Some(reverses),
                    ..entry(no, EntryKind::Reversal, Dong::ZERO, effective_date)
                },
            );
            if let Some(target) = target {
                super::reverse::undo(line, &target);
            }
        }
        E::ComplianceFindingRaised {
            finding,
            advance_entry,
        } => {
            line.reported_advances.insert(advance_entry);
            line.findings.push_back(finding);
        }
    }
}

pub(super) fn index(no: u32) -> usize {
    (no as usize).saturating_sub(1)
}

fn source(line: &BudgetLine, no: u32) -> (Option<String>, Option<crate::funding::ids::Purpose>) {
    line.entry(no)
        .map(|e| (e.recipient.clone(), e.purpose.clone()))
        .unwrap_or_default()
}

/// A return (`back = true`) or the reversal of a return (`back = false`) against `source`.
pub(super) fn give_back(line: &mut BudgetLine, source: u32, amount: Dong, back: bool) {
    update_entry(line, source, |src| match (src.kind, back) {
        (EntryKind::Advance, true) => src.outstanding = minus(src.outstanding, amount),
        (EntryKind::Advance, false) => src.outstanding = plus(src.outstanding, amount),
        (_, true) => src.returned = plus(src.returned, amount),
        (_, false) => src.returned = minus(src.returned, amount),
    });
}

/// Moves the balances for a return recorded as entry `no` against `source`.
pub(super) fn shift_back(line: &mut BudgetLine, no: u32, source: u32, amount: Dong, back: bool) {
    let is_advance = line
        .entry(source)
        .is_some_and(|e| e.kind == EntryKind::Advance);
    let m = if back {
        Move::Down(amount)
    } else {
        Move::Up(amount)
    };
    if is_advance {
        shift(line, no, Move::None, m);
    } else {
        shift(line, no, m, Move::None);
    }
}
