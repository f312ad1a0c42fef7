//! The Rules table of `docs/domain.md`, read as data: each row's code, kind and the commands
//! its "where" column names.
//!
//! The "where" cell names commands in backticks: `` `aggregate.Action` `` (the aggregate's
//! `TYPE` and the action's variant name) or `` `aggregate.*` `` (every action of that
//! aggregate). Terms after the word "except" are left out of those before it. Any other text
//! is a comment for people; any other backticked text is an error, so that the column stays
//! machine-readable.

use std::collections::{BTreeMap, BTreeSet};

use crate::rules::{RuleCode, RuleKind};

/// A command: the aggregate type and the action's variant name.
pub(super) type CommandName = (String, String);

pub(super) fn shown((aggregate, action): &CommandName) -> String {
    format!("{aggregate}.{action}")
}

/// The commands of the domain: aggregate type → its actions.
pub(super) type Catalogue = BTreeMap<String, Vec<String>>;

pub(super) fn catalogue() -> Catalogue {
    crate::catalogue::commands()
        .into_iter()
        .map(|a| {
            let actions = a.actions.iter().map(|s| s.to_string()).collect();
            (a.aggregate_type.to_string(), actions)
        })
        .collect()
}

/// One row of the Rules table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    pub rule: RuleCode,
    /// The "kind" column as written: `R`, `F` or `R/F`.
    pub kind: String,
    pub commands: BTreeSet<CommandName>,
}

/// The rows of the table under the heading `## Rules` of `doc`, or what is wrong with them.
pub(super) fn rows(doc: &str, catalogue: &Catalogue) -> (Vec<Row>, Vec<String>) {
    let mut problems = Vec::new();
    let Some((_, section)) = doc.split_once("\n## Rules\n") else {
        return (Vec::new(), vec!["no section \"## Rules\"".into()]);
    };
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some(rule) = cells.first().and_then(|c| RuleCode::parse(c)) else {
            continue; // the header and the separator
        };
        let [_, kind, _, _, _, place] = cells[..] else {
            problems.push(format!("{rule}: {} cells, expected 6", cells.len()));
            continue;
        };
        let (commands, errors) = expand(place, catalogue);
        problems.extend(errors.into_iter().map(|e| format!("{rule}: {e}")));
        rows.push(Row {
            rule,
            kind: kind.to_string(),
            commands,
        });
    }
    (rows, problems)
}

/// The kind column's text for a rule's kind.
pub(super) fn kind_text(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Refusal => "R",
        RuleKind::Finding => "F",
        RuleKind::RefusalAndFinding => "R/F",
    }
}

/// The commands a "where" cell names, and what in it cannot be read.
pub(super) fn expand(cell: &str, catalogue: &Catalogue) -> (BTreeSet<CommandName>, Vec<String>) {
    let (included, excluded) = match cell.split_once(" except ") {
        Some((included, excluded)) => (included, excluded),
        None => (cell, ""),
    };
    let mut errors = Vec::new();
    let mut terms = |text: &str| -> BTreeSet<CommandName> {
        let mut commands = BTreeSet::new();
        for term in text.split('`').skip(1).step_by(2) {
            match term_commands(term, catalogue) {
                Ok(found) => commands.extend(found),
                Err(error) => errors.push(error),
            }
        }
        commands
    };
    let mut commands = terms(included);
    let left_out = terms(excluded);
    if commands.is_empty() && errors.is_empty() {
        errors.push(format!("names no command: {cell:?}"));
    }
    for command in &left_out {
        if !commands.remove(command) {
            errors.push(format!(
                "leaves out {}, which it does not name",
                shown(command)
            ));
        }
    }
    (commands, errors)
}

/// The commands one backticked term names.
fn term_commands(term: &str, catalogue: &Catalogue) -> Result<Vec<CommandName>, String> {
    let Some((aggregate, action)) = term.split_once('.') else {
        return Err(format!(
            "`{term}` is not `aggregate.Action` or `aggregate.*`"
        ));
    };
    let Some(actions) = catalogue.get(aggregate) else {
        return Err(format!("`{term}`: no aggregate {aggregate:?}"));
    };
    let name = |action: &str| (aggregate.to_string(), action.to_string());
    if action == "*" {
        return Ok(actions.iter().map(|a| name(a)).collect());
    }
    if actions.iter().any(|a| a == action) {
        Ok(vec![name(action)])
    } else {
        Err(format!("`{term}`: {aggregate} has no action {action:?}"))
    }
}
