//! The Rules table of `docs/domain.md` held to the code: every (rule, command) pair its "where"
//! column names has a case, and every case is of a pair the table names.
//!
//! [`table`] reads the table (at compile time, like `catalogue` reads the events) and expands
//! each "where" cell over the catalogue of commands, which [`crate::catalogue::commands`]
//! derives from the action enums themselves. The cases ([`cases`], one module per aggregate)
//! go through [`harness::Cases`]: most run the command on a given history with cqrs-es's
//! `TestFramework` (or check its address) and require a refusal under the rule (kind R), a
//! finding under it (kind F) or either (R/F); a few name an existing test instead, which must
//! exist in the file read and mention the rule. The pair a running case covers is read from
//! the command it ran, so a case cannot claim another command than it tried.

mod cases;
mod fixtures;
mod harness;
mod samples;
mod table;

use std::collections::{BTreeMap, BTreeSet};

use crate::rules::RuleCode;

use harness::Source;
use harness::{Cases, Evidence, How};
use table::{Catalogue, CommandName, shown};

const DOC: &str = include_str!("../../../docs/domain.md");

fn all_cases() -> Cases {
    let mut c = Cases::default();
    cases::cooperative::cases(&mut c);
    cases::budget_line::cases(&mut c);
    cases::support_case::cases(&mut c);
    cases::training_class::cases(&mut c);
    cases::settlement::cases(&mut c);
    cases::reference::cases(&mut c);
    c
}

/// Everything that keeps `doc`'s table and `cases` from matching: unreadable cells, unknown
/// commands, rules without a row, kinds that differ from the code, pairs without a case,
/// cases of pairs the table does not list, and failed cases.
fn problems(doc: &str, catalogue: &Catalogue, cases: &Cases) -> Vec<String> {
    let (rows, mut problems) = table::rows(doc, catalogue);
    let mut seen = BTreeSet::new();
    for row in &rows {
        if !seen.insert(row.rule) {
            problems.push(format!("{}: two rows", row.rule));
        }
        let kind = table::kind_text(row.rule.kind());
        if row.kind != kind {
            problems.push(format!(
                "{}: kind {:?} in the table, {kind:?} in the code",
                row.rule, row.kind
            ));
        }
    }
    for rule in RuleCode::ALL {
        if !seen.contains(rule) {
            problems.push(format!("{rule}: no row in the Rules table"));
        }
    }
    let documented: BTreeSet<(RuleCode, CommandName)> = rows
        .iter()
        .flat_map(|row| row.commands.iter().map(|c| (row.rule, c.clone())))
        .collect();
    let mut covered: BTreeMap<(RuleCode, CommandName), Vec<&Evidence>> = BTreeMap::new();
    for evidence in &cases.evidence {
        let (aggregate, action) = &evidence.command;
        let exists = catalogue
            .get(aggregate)
            .is_some_and(|actions| actions.contains(action));
        if !exists {
            problems.push(format!(
                "{}: a case of {} on {}, which is no command",
                evidence.at,
                evidence.rule,
                shown(&evidence.command)
            ));
        }
        covered
            .entry((evidence.rule, evidence.command.clone()))
            .or_default()
            .push(evidence);
    }
    for (rule, command) in &documented {
        if !covered.contains_key(&(*rule, command.clone())) {
            problems.push(format!(
                "{rule} on {}: listed in the table, but no case runs or names a test",
                shown(command)
            ));
        }
    }
    for ((rule, command), evidence) in &covered {
        if !documented.contains(&(*rule, command.clone())) {
            problems.push(format!(
                "{}: a case of {rule} on {}, which the table does not list for that rule",
                evidence[0].at,
                shown(command)
            ));
        }
    }
    problems.extend(cases.failures.iter().cloned());
    problems
}

#[test]
fn every_rule_the_table_lists_for_a_command_is_applied_to_it() {
    let cases = all_cases();
    let problems = problems(DOC, &table::catalogue(), &cases);
    assert!(
        problems.is_empty(),
        "docs/domain.md's Rules table and the code differ:\n{}",
        problems.join("\n")
    );
    let mut pairs: BTreeMap<_, bool> = BTreeMap::new();
    for e in &cases.evidence {
        let ran = pairs.entry((e.rule, e.command.clone())).or_default();
        *ran |= e.how == How::Ran;
    }
    let run = pairs.values().filter(|ran| **ran).count();
    println!(
        "{} (rule, command) pairs: {run} run, {} only named; {} cases",
        pairs.len(),
        pairs.len() - run,
        cases.evidence.len()
    );
}

#[test]
fn the_samples_hold_one_action_of_every_variant() {
    use harness::command_name;
    fn names<A: cqrs_es::Aggregate, Act: serde::Serialize>(actions: Vec<Act>) -> Vec<String> {
        actions
            .iter()
            .map(|a| command_name::<A, Act>(a).1)
            .collect()
    }
    use crate::cooperative::Cooperative;
    use crate::funding::{BudgetLine, Settlement, SupportCase, TrainingClass};
    use crate::people::Person;
    use crate::reference::{AdministrativeUnit, LegalDocument, RegionMapping, SupportRuleSet};
    let samples: BTreeMap<&str, Vec<String>> = BTreeMap::from([
        (
            "cooperative",
            names::<Cooperative, _>(samples::cooperative()),
        ),
        (
            "budget_line",
            names::<BudgetLine, _>(samples::budget_line()),
        ),
        (
            "support_case",
            names::<SupportCase, _>(samples::support_case()),
        ),
        (
            "training_class",
            names::<TrainingClass, _>(samples::training_class()),
        ),
        ("settlement", names::<Settlement, _>(samples::settlement())),
        (
            "legal_document",
            names::<LegalDocument, _>(samples::legal_document()),
        ),
        (
            "support_rule_set",
            names::<SupportRuleSet, _>(samples::support_rule_set()),
        ),
        (
            "administrative_unit",
            names::<AdministrativeUnit, _>(samples::administrative_unit()),
        ),
        (
            "region_mapping",
            names::<RegionMapping, _>(samples::region_mapping()),
        ),
        ("person", names::<Person, _>(samples::person())),
    ]);
    let catalogue = table::catalogue();
    assert_eq!(
        samples.keys().collect::<Vec<_>>(),
        catalogue.keys().collect::<Vec<_>>()
    );
    for (aggregate, actions) in catalogue {
        assert_eq!(samples[aggregate.as_str()], actions, "{aggregate}");
    }
}

/// The check itself: a pair without a case, a case without a pair, an unknown command, an
/// unreadable cell, a wrong kind and a named test that does not exist all show.
#[test]
fn the_check_catches_every_way_the_table_and_the_cases_can_differ() {
    use crate::fixtures::{cmd, day};
    use crate::funding::{SupportCase, SupportCaseAction};
    let catalogue = table::catalogue();
    let doc = |rows: &str| {
        format!(
            "# x\n\n## Rules\n\n| code | kind | vi | en | basis | where |\n|---|---|---|---|---|---|\n{rows}\n## Next\n"
        )
    };
    let row = |code: &str, kind: &str, place: &str| {
        format!("| {code} | {kind} | v | e | b | {place} |\n")
    };
    let reject = || {
        cmd(
            day(2018, 2, 1),
            SupportCaseAction::Reject { reason: "r".into() },
        )
    };
    let services = || crate::testing::InMemoryLookups::seeded().services();
    let only = |problems: Vec<String>, wanted: &str| {
        let relevant: Vec<_> = problems
            .into_iter()
            .filter(|p| !p.contains("no row in the Rules table"))
            .collect();
        assert!(
            relevant.len() == 1 && relevant[0].contains(wanted),
            "wanted only {wanted:?}, got {relevant:#?}"
        );
    };

    let mut cases = Cases::default();
    cases.applies::<SupportCase, _, _>(RuleCode::Fin16, services(), vec![], reject());
    let listed = doc(&row("FIN-16", "R", "`support_case.Reject`"));
    assert!(
        problems(&listed, &catalogue, &cases)
            .iter()
            .all(|p| p.contains("no row in the Rules table"))
    );

    // The table lists a pair no case covers.
    let both = doc(&row(
        "FIN-16",
        "R",
        "`support_case.Reject`, `support_case.Approve`",
    ));
    only(
        problems(&both, &catalogue, &cases),
        "FIN-16 on support_case.Approve: listed in the table, but no case",
    );
    // A case covers a pair the table does not list.
    let other = doc(&row("FIN-16", "R", "`support_case.Approve`"));
    let found = problems(&other, &catalogue, &cases);
    assert!(
        found.iter().any(|p| p
            .contains("a case of FIN-16 on support_case.Reject, which the table does not list")),
        "{found:#?}"
    );
    // The table names a command, or an aggregate, that does not exist; or text that is no term.
    for (place, wanted) in [
        (
            "`support_case.Reject`, `support_case.Withdraw`",
            "support_case has no action \"Withdraw\"",
        ),
        (
            "`support_case.Reject`, `case.Reject`",
            "no aggregate \"case\"",
        ),
        (
            "`support_case.Reject`, `Approve`",
            "`Approve` is not `aggregate.Action`",
        ),
        (
            "`support_case.Reject` except `support_case.Approve`",
            "leaves out support_case.Approve",
        ),
    ] {
        only(
            problems(&doc(&row("FIN-16", "R", place)), &catalogue, &cases),
            wanted,
        );
    }
    // The kind differs from the code's.
    only(
        problems(
            &doc(&row("FIN-16", "F", "`support_case.Reject`")),
            &catalogue,
            &cases,
        ),
        "kind \"F\" in the table, \"R\" in the code",
    );
    // A case that does not show its rule fails, naming the rule, the command and the outcome.
    let mut wrong = Cases::default();
    wrong.applies::<SupportCase, _, _>(RuleCode::Fin04, services(), vec![], reject());
    let found = problems(
        &doc(&row("FIN-04", "R", "`support_case.Reject`")),
        &catalogue,
        &wrong,
    );
    assert!(
        found.iter().any(|p| p.contains("FIN-04 on support_case.Reject: expected a refusal under that rule, got: refused under Some(Fin16)")),
        "{found:#?}"
    );
    // A named test must exist and mention its rule.
    let source = Source {
        path: "x.rs",
        text: "#[test]\nfn shows_it() {\n    assert_eq!(rule, Some(RuleCode::Fin16));\n}\n\nfn other() {\n    RuleCode::Fin04;\n}\n",
    };
    let mut named = Cases::default();
    named.named(RuleCode::Fin16, "support_case.Reject", source, "shows_it");
    assert!(named.failures.is_empty(), "{:?}", named.failures);
    named.named(RuleCode::Fin04, "support_case.Reject", source, "shows_it");
    named.named(RuleCode::Fin16, "support_case.Reject", source, "gone");
    assert_eq!(named.failures.len(), 2, "{:?}", named.failures);
    assert!(
        named.failures[0].contains("x.rs::shows_it does not mention RuleCode::Fin04 or FIN-04")
    );
    assert!(named.failures[1].contains("x.rs has no test fn gone"));
}
