//! The training class's rules (FIN-09, FIN-13, FIN-16, GEO-01, DATA-01) on its commands.

use crate::fixtures::{clerk, cmd, d, day};
use crate::funding::{
    BudgetLineId, SupportCategory, TrainingClass, TrainingClassAction as A, TrainingClassEvent as E,
};
use crate::reference::Region;
use crate::rules::RuleCode as R;

use super::super::Source;
use super::super::fixtures::{class_id, services, training_line};
use super::super::harness::Cases;
use super::super::samples;

const TESTS: Source = Source {
    path: "domain/src/funding/training/tests.rs",
    text: include_str!("../../funding/training/tests.rs"),
};

fn plan(line: BudgetLineId, district: &str, cost: i64) -> A {
    A::Plan {
        class: class_id(),
        line,
        region: Region::East,
        district: Some(district.into()),
        planned_learners: 40,
        planned_cost: d(cost),
        starts_on: day(2018, 5, 2),
    }
}

fn planned() -> E {
    E::TrainingClassPlanned {
        class: class_id(),
        line: training_line(),
        organiser: "SO-NNPTNT".into(),
        region: Region::East,
        district: Some("203".into()),
        planned_learners: 40,
        planned_cost: d(50_000_000),
        starts_on: day(2018, 5, 2),
        approved_by: clerk().user_id,
        effective_date: day(2018, 3, 1),
    }
}

fn held() -> E {
    E::TrainingClassHeld {
        held_from: day(2018, 5, 2),
        held_to: day(2018, 5, 4),
        learners: 40,
        cost: d(48_000_000),
        recorded_by: clerk().user_id,
        effective_date: day(2018, 5, 5),
    }
}

fn correct(learners: u32) -> A {
    A::CorrectRecord {
        learners,
        cost: d(48_000_000),
        reason: "theo danh sách ký nhận".into(),
    }
}

pub(in super::super) fn cases(c: &mut Cases) {
    let mut class = c.on::<TrainingClass>(services);
    let on = day(2018, 3, 1);
    let after = day(2018, 5, 5);
    // FIN-09: a free class; a correction that changes nothing.
    class.run(R::Fin09, vec![], cmd(on, plan(training_line(), "203", 0)));
    class.run(R::Fin09, vec![planned(), held()], cmd(after, correct(40)));
    // FIN-13: 25 learners, held or corrected to.
    let hold = A::Hold {
        held_from: day(2018, 5, 2),
        held_to: day(2018, 5, 4),
        learners: 25,
        cost: d(48_000_000),
    };
    class.run(R::Fin13, vec![planned()], cmd(after, hold));
    class.run(R::Fin13, vec![planned(), held()], cmd(after, correct(25)));
    // FIN-16: one plan per class; nothing before the plan. That the line must have an estimate
    // is named below.
    class.run(
        R::Fin16,
        vec![planned()],
        cmd(on, plan(training_line(), "203", 1)),
    );
    for action in samples::training_class() {
        if !matches!(action, A::Plan { .. }) {
            class.run(R::Fin16, vec![], cmd(after, action));
        }
    }
    // GEO-01: district 197 does not exist.
    class.run(R::Geo01, vec![], cmd(on, plan(training_line(), "197", 1)));
    // DATA-01 in the body: a line that is not a training line.
    let credit = BudgetLineId::new(2018, "SO-NNPTNT", "NTM-1600", SupportCategory::Credit).unwrap();
    class.run(R::Data01, vec![], cmd(on, plan(credit, "203", 1)));

    // FIN-16 on a line without an estimate, which failed before the line was read.
    let c = class.cases;
    c.named(
        R::Fin16,
        "training_class.Plan",
        TESTS,
        "a_class_is_planned_only_on_a_line_with_an_estimate",
    );
    // The address: a class id that is no `{year}/{organiser}/{serial}`.
    for action in samples::training_class() {
        c.address::<TrainingClass, _, _>(R::Data01, "L03", cmd(on, action));
    }
}
