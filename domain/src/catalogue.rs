//! Every aggregate type with every event type it stores and every action (command) it takes,
//! and every rule code: the lists the documentation (`docs/domain.md`) must match. Each list
//! is generated from the declaration of its enum (see `listed_enum!`; actions: serde's own
//! list of the enum's variants), and each event maps to its type by an exhaustive `match`, so
//! a new event, action or rule cannot be left out.

use cqrs_es::Aggregate;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::cooperative::{Cooperative, CooperativeAction, CooperativeEventType};
use crate::funding::{
    BudgetLine, BudgetLineAction, BudgetLineEventType, Settlement, SettlementAction,
    SettlementEventType, SupportCase, SupportCaseAction, SupportCaseEventType, TrainingClass,
    TrainingClassAction, TrainingClassEventType,
};
use crate::people::{Person, PersonAction, PersonEventType};
use crate::reference::{
    AdministrativeUnit, AdministrativeUnitAction, AdministrativeUnitEventType, LegalDocument,
    LegalDocumentAction, LegalDocumentEventType, RegionMapping, RegionMappingAction,
    RegionMappingEventType, SupportRuleSet, SupportRuleSetAction, SupportRuleSetEventType,
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

/// One aggregate type and the actions it takes: the variants of its action enum, as stored
/// and routed (`Register`, `Approve`, …). A command is named `{aggregate_type}.{action}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateActions {
    pub aggregate_type: &'static str,
    pub actions: &'static [&'static str],
}

/// Every aggregate of the domain with its actions, in documentation order.
pub fn commands() -> Vec<AggregateActions> {
    fn entry<A: Aggregate, Action: DeserializeOwned>() -> AggregateActions {
        AggregateActions {
            aggregate_type: A::TYPE,
            actions: variants::<Action>(),
        }
    }
    vec![
        entry::<Cooperative, CooperativeAction>(),
        entry::<BudgetLine, BudgetLineAction>(),
        entry::<SupportCase, SupportCaseAction>(),
        entry::<TrainingClass, TrainingClassAction>(),
        entry::<Settlement, SettlementAction>(),
        entry::<LegalDocument, LegalDocumentAction>(),
        entry::<SupportRuleSet, SupportRuleSetAction>(),
        entry::<AdministrativeUnit, AdministrativeUnitAction>(),
        entry::<RegionMapping, RegionMappingAction>(),
        entry::<Person, PersonAction>(),
    ]
}

/// The variant names serde's derived `Deserialize` of enum `T` declares (empty for a type
/// that is not deserialised as an enum).
pub fn variants<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut seen = None;
    // Always an error: the deserializer only records the list it is handed.
    let _ = T::deserialize(VariantNames(&mut seen));
    seen.unwrap_or(&[])
}

/// A deserializer that holds no data: asked for an enum, it records the enum's variants.
struct VariantNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for VariantNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(variants);
        Err(de::Error::custom("variants recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
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
    fn every_aggregate_lists_its_actions() {
        let with_events: Vec<_> = aggregates().iter().map(|a| a.aggregate_type).collect();
        let with_actions: Vec<_> = commands().iter().map(|a| a.aggregate_type).collect();
        assert_eq!(with_events, with_actions);
        for aggregate in commands() {
            let actions: BTreeSet<_> = aggregate.actions.iter().collect();
            assert!(!actions.is_empty(), "{}", aggregate.aggregate_type);
            assert_eq!(actions.len(), aggregate.actions.len());
        }
        let support_case = &commands()[2];
        assert_eq!(
            support_case.actions,
            ["ReceiveApplication", "Approve", "Reject"]
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
