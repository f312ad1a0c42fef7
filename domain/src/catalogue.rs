//! Every aggregate type with every event type it stores, and every rule code: the lists the
//! documentation (`docs/domain.md`) must match. Each list is generated from the declaration of
//! its enum (see `listed_enum!`), and each event maps to its type by an exhaustive `match`, so
//! a new event or rule cannot be left out.

use cqrs_es::Aggregate;

use crate::cooperative::{Cooperative, CooperativeEventType};
use crate::funding::{
    BudgetLine, BudgetLineEventType, Settlement, SettlementEventType, SupportCase,
    SupportCaseEventType, TrainingClass, TrainingClassEventType,
};
use crate::people::{Person, PersonEventType};
use crate::reference::{
    AdministrativeUnit, AdministrativeUnitEventType, LegalDocument, LegalDocumentEventType,
    RegionMapping, RegionMappingEventType, SupportRuleSet, SupportRuleSetEventType,
};
use crate::rules::RuleCode;

/// One aggregate type and the event types it stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateEvents {
    pub aggregate_type: &'static str,
    pub event_types: Vec<&'static str>,
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().copied().map(name).collect()
}

/// Every aggregate of the domain with its event types, in documentation order.
pub fn aggregates() -> Vec<AggregateEvents> {
    let entry = |aggregate_type, event_types| AggregateEvents {
        aggregate_type,
        event_types,
    };
    vec![
        entry(
            Cooperative::TYPE,
            names(CooperativeEventType::ALL, CooperativeEventType::as_str),
        ),
        entry(
            BudgetLine::TYPE,
            names(BudgetLineEventType::ALL, BudgetLineEventType::as_str),
        ),
        entry(
            SupportCase::TYPE,
            names(SupportCaseEventType::ALL, SupportCaseEventType::as_str),
        ),
        entry(
            TrainingClass::TYPE,
            names(TrainingClassEventType::ALL, TrainingClassEventType::as_str),
        ),
        entry(
            Settlement::TYPE,
            names(SettlementEventType::ALL, SettlementEventType::as_str),
        ),
        entry(
            LegalDocument::TYPE,
            names(LegalDocumentEventType::ALL, LegalDocumentEventType::as_str),
        ),
        entry(
            SupportRuleSet::TYPE,
            names(
                SupportRuleSetEventType::ALL,
                SupportRuleSetEventType::as_str,
            ),
        ),
        entry(
            AdministrativeUnit::TYPE,
            names(
                AdministrativeUnitEventType::ALL,
                AdministrativeUnitEventType::as_str,
            ),
        ),
        entry(
            RegionMapping::TYPE,
            names(RegionMappingEventType::ALL, RegionMappingEventType::as_str),
        ),
        entry(
            Person::TYPE,
            names(PersonEventType::ALL, PersonEventType::as_str),
        ),
    ]
}

/// Every rule code, in documentation order.
pub fn rule_codes() -> Vec<&'static str> {
    names(RuleCode::ALL, RuleCode::as_str)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const DOC: &str = include_str!("../../docs/domain.md");

    /// The event types listed in the table under the heading "### `{aggregate_type}`": the
    /// backticked first cell of each row.
    fn documented_events(aggregate_type: &str) -> BTreeSet<String> {
        let heading = format!("### `{aggregate_type}`");
        let section = DOC
            .split_once(&heading)
            .unwrap_or_else(|| panic!("docs/domain.md has no heading {heading}"))
            .1;
        let section = section.split("\n#").next().unwrap_or_default();
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_string())
            .filter(|name| name.chars().next().is_some_and(char::is_uppercase))
            .collect()
    }

    /// Rule codes listed as the first cell of the rules table rows: "| REG-01 |".
    fn documented_rules() -> BTreeSet<String> {
        DOC.lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|rest| rest.split_once(' '))
            .map(|(first, _)| first.to_string())
            .filter(|code| RuleCode::parse(code).is_some() || looks_like_rule(code))
            .collect()
    }

    fn looks_like_rule(text: &str) -> bool {
        text.split_once('-').is_some_and(|(prefix, number)| {
            ["REG", "FIN", "GEO", "REF", "DATA"].contains(&prefix)
                && number.len() == 2
                && number.bytes().all(|b| b.is_ascii_digit())
        })
    }

    #[test]
    fn every_event_type_is_documented_and_every_documented_event_exists() {
        for aggregate in aggregates() {
            let code: BTreeSet<String> = aggregate
                .event_types
                .iter()
                .map(|s| s.to_string())
                .collect();
            let docs = documented_events(aggregate.aggregate_type);
            let missing_in_docs: Vec<_> = code.difference(&docs).collect();
            let missing_in_code: Vec<_> = docs.difference(&code).collect();
            assert!(
                missing_in_docs.is_empty() && missing_in_code.is_empty(),
                "{}: not documented {missing_in_docs:?}; documented but not in code {missing_in_code:?}",
                aggregate.aggregate_type
            );
        }
    }

    #[test]
    fn every_rule_code_is_documented_and_every_documented_rule_exists() {
        let code: BTreeSet<String> = rule_codes().into_iter().map(str::to_string).collect();
        let docs = documented_rules();
        let missing_in_docs: Vec<_> = code.difference(&docs).collect();
        let missing_in_code: Vec<_> = docs.difference(&code).collect();
        assert!(
            missing_in_docs.is_empty(),
            "rules not documented: {missing_in_docs:?}"
        );
        assert!(
            missing_in_code.is_empty(),
            "documented rules not in code: {missing_in_code:?}"
        );
    }

    #[test]
    fn aggregate_and_event_names_are_unique_within_their_scope() {
        let all = aggregates();
        let types: BTreeSet<_> = all.iter().map(|a| a.aggregate_type).collect();
        assert_eq!(types.len(), all.len());
        for aggregate in all {
            let events: BTreeSet<_> = aggregate.event_types.iter().collect();
            assert_eq!(
                events.len(),
                aggregate.event_types.len(),
                "{}",
                aggregate.aggregate_type
            );
        }
    }
}
