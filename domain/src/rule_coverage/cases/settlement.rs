//! The settlement's rules (FIN-06, FIN-10, FIN-11, FIN-16, DATA-01) on its commands.

use crate::fixtures::{by, cmd, day};
use crate::funding::{BudgetLineId, Settlement, SettlementAction as A, SupportCategory};
use crate::rules::RuleCode as R;

use super::super::fixtures::{line, payer, services, settlement_events, settlement_id};
use super::super::harness::Cases;
use super::super::samples;

fn submit(lines: Vec<BudgetLineId>) -> A {
    A::Submit {
        settlement: settlement_id(),
        lines,
    }
}

pub(in super::super) fn cases(c: &mut Cases) {
    let mut settlement = c.on::<Settlement>(services);
    let on = day(2019, 3, 1);
    // FIN-06: the line's advance of 15/3/2018 is outstanding after 31/01/2019.
    settlement.run(
        R::Fin06,
        vec![],
        cmd(day(2019, 2, 10), submit(vec![line()])),
    );
    // FIN-10: an approved settlement takes only audit findings.
    for action in samples::settlement() {
        if !matches!(action, A::RecordAuditFinding { .. }) {
            settlement.run(R::Fin10, settlement_events(true), cmd(on, action));
        }
    }
    // FIN-11: the payer of the line does not approve its settlement.
    settlement.run(
        R::Fin11,
        settlement_events(false),
        by(&payer(), on, A::Approve),
    );
    // FIN-16: at least one line; nothing before the submission.
    settlement.run(R::Fin16, vec![], cmd(on, submit(vec![])));
    for action in samples::settlement() {
        if !matches!(action, A::Submit { .. }) {
            settlement.run(R::Fin16, vec![], cmd(on, action));
        }
    }
    // DATA-01 in the body: a line of another unit.
    let foreign =
        BudgetLineId::new(2018, "SO-NNPTNT", "NS-TINH", SupportCategory::Processing).unwrap();
    settlement.run(R::Data01, vec![], cmd(on, submit(vec![foreign])));

    let c = settlement.cases;
    // The address: a settlement id that is no `{year}/{unit}`.
    for action in samples::settlement() {
        c.address::<Settlement, _, _>(R::Data01, "SO-KHDT", cmd(on, action));
    }
}
