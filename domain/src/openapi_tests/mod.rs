//! The feature `openapi`: every action's schema comes with every schema it references, and
//! says what serde writes. Real actions are serialised and held to their schema by the
//! structural checker in [`checker`]; values serde refuses must be refused by it too.

mod checker;
mod samples;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use proptest::string::string_regex;
use proptest::test_runner::TestRunner;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::{PartialSchema, ToSchema};

use crate::cooperative::CooperativeAction;
use crate::funding::{
    BudgetLineAction, BudgetLineId, RecordId, SettlementAction, SettlementId, SupportCaseAction,
    SupportCategory, TrainingClassAction,
};
use crate::people::PersonAction;
use crate::reference::{
    AdministrativeUnitAction, LegalDocumentAction, RegionMappingAction, RuleSetId,
    SupportRuleSetAction,
};

use checker::Schemas;

/// The action enums, by the name `ToSchema::name` gives each.
fn every_action() -> Vec<Schemas> {
    vec![
        Schemas::of::<CooperativeAction>(),
        Schemas::of::<RegionMappingAction>(),
        Schemas::of::<AdministrativeUnitAction>(),
        Schemas::of::<LegalDocumentAction>(),
        Schemas::of::<SupportRuleSetAction>(),
        Schemas::of::<TrainingClassAction>(),
        Schemas::of::<SettlementAction>(),
        Schemas::of::<BudgetLineAction>(),
        Schemas::of::<SupportCaseAction>(),
        Schemas::of::<PersonAction>(),
    ]
}

/// `json` read as the HTTP service reads a body: from text. (`serde_json::from_value` differs:
/// it refuses a struct variant's fields given as an array, which text may do.)
fn read<T: DeserializeOwned>(json: &Value) -> serde_json::Result<T> {
    serde_json::from_str(&json.to_string())
}

/// A JSON action's variant: a unit variant's string, the single key of the others.
fn variant(json: &Value) -> String {
    match json {
        Value::String(unit) => unit.clone(),
        Value::Object(object) if object.len() == 1 => object.keys().next().unwrap().clone(),
        other => panic!("{other} is not an externally tagged variant"),
    }
}

/// Every sample conforms to `T`'s schema and round-trips through serde; together the samples
/// cover every alternative of the schema's `oneOf`.
#[track_caller]
fn check_actions<T>(samples: Vec<T>)
where
    T: ToSchema + Serialize + DeserializeOwned + PartialEq + Debug,
{
    let schemas = Schemas::of::<T>();
    let mut variants = BTreeSet::new();
    for sample in &samples {
        let json = serde_json::to_value(sample).unwrap();
        if let Err(why) = schemas.check(&json) {
            panic!("{}: the schema refuses {json}: {why}", schemas.name);
        }
        assert_eq!(&read::<T>(&json).unwrap(), sample);
        variants.insert(variant(&json));
    }
    let alternatives = schemas.root["oneOf"].as_array().map_or(0, Vec::len);
    assert_eq!(
        variants.len(),
        alternatives,
        "{}: the samples cover only {variants:?}",
        schemas.name
    );
}

/// `json` is refused by serde and by `T`'s schema alike.
#[track_caller]
fn refused_by_both<T: ToSchema + DeserializeOwned + Debug>(json: Value) {
    let schemas = Schemas::of::<T>();
    assert!(read::<T>(&json).is_err(), "serde accepts {json}");
    assert!(schemas.check(&json).is_err(), "the schema accepts {json}");
}

#[test]
fn every_reference_resolves_and_the_actions_have_their_type_names() {
    let names: Vec<String> = every_action().into_iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "CooperativeAction",
            "RegionMappingAction",
            "AdministrativeUnitAction",
            "LegalDocumentAction",
            "SupportRuleSetAction",
            "TrainingClassAction",
            "SettlementAction",
            "BudgetLineAction",
            "SupportCaseAction",
            "PersonAction",
        ]
    );
    for schemas in every_action() {
        let refs = schemas.refs();
        let dangling: Vec<&String> = refs.iter().filter(|(_, ok)| !ok).map(|(r, _)| r).collect();
        assert!(dangling.is_empty(), "{}: {dangling:?}", schemas.name);
    }
    let cooperative = Schemas::of::<CooperativeAction>();
    let components: Vec<&str> = cooperative.components.keys().map(String::as_str).collect();
    for name in [
        "Address",
        "Dong",
        "DocumentNumber",
        "CooperativeCode",
        "MemberCounts",
    ] {
        assert!(
            components.contains(&name),
            "{name} missing from {components:?}"
        );
    }
}

#[test]
fn a_dangling_reference_is_found() {
    let schemas = Schemas {
        name: "Broken".into(),
        root: json!({"oneOf": [{"$ref": "#/components/schemas/Missing"}]}),
        components: BTreeMap::new(),
    };
    assert_eq!(
        schemas.refs(),
        [("#/components/schemas/Missing".to_string(), false)]
    );
    assert!(schemas.check(&json!("anything")).is_err());
}

#[test]
fn cooperative_actions_conform_to_their_schema() {
    check_actions(samples::cooperative());
}

#[test]
fn reference_actions_conform_to_their_schemas() {
    check_actions(samples::region_mapping());
    check_actions(samples::administrative_units());
    check_actions(samples::legal_documents());
    check_actions(samples::rule_sets());
}

#[test]
fn funding_and_person_actions_conform_to_their_schemas() {
    check_actions(samples::training_classes());
    check_actions(samples::settlements());
    check_actions(samples::budget_lines());
    check_actions(samples::support_cases());
    check_actions(samples::people());
}

#[test]
fn the_checker_refuses_what_serde_refuses() {
    let register = serde_json::to_value(&samples::cooperative()[0]).unwrap();
    let with = |pointer: &str, value: Value| {
        let mut json = register.clone();
        *json.pointer_mut(pointer).unwrap() = value;
        json
    };
    // A field of the wrong type, in a nested struct.
    refused_by_both::<CooperativeAction>(with("/Register/members/official", json!("7")));
    // A missing required field.
    let mut missing = register.clone();
    missing["Register"]
        .as_object_mut()
        .unwrap()
        .remove("certificate_no");
    refused_by_both::<CooperativeAction>(missing);
    // Negative money, an unknown listed value, a wrong nested variant.
    refused_by_both::<CooperativeAction>(with("/Register/content/charter_capital", json!(-1)));
    refused_by_both::<CooperativeAction>(with("/Register/kind", json!("hợp tác xã")));
    refused_by_both::<CooperativeAction>(with("/Register/origin", json!({"Merger": {}})));
    refused_by_both::<CooperativeAction>(with("/Register/code", json!(5700101234_u64)));
    // Unknown variants, impossible dates, out-of-range integers.
    refused_by_both::<CooperativeAction>(json!({"Explode": {}}));
    refused_by_both::<CooperativeAction>(json!("Register"));
    refused_by_both::<CooperativeAction>(json!({"Suspend": {"until": "2019-02-30"}}));
    refused_by_both::<CooperativeAction>(json!({"RateOcopProduct": {
        "product": "Chè", "stars": 256, "valid_until": "2022-01-01",
        "decision": {"raw": "4/QĐ-UBND", "canonical": "04/QĐ-UBND"}}}));
    refused_by_both::<BudgetLineAction>(
        json!({"SettleAdvance": {"advance_entry": -1, "amount": 5}}),
    );
    refused_by_both::<BudgetLineAction>(
        json!({"Commit": {"purpose": {"Case": "2018/SO-KHDT/HS-1"}, "recipient": "205"}}),
    );
    refused_by_both::<PersonAction>(
        json!({"Add": {"user": "u", "full_name": "U", "role": "root", "agency": null}}),
    );
    refused_by_both::<SupportRuleSetAction>(json!({"End": {"last_day": null}}));
    refused_by_both::<RegionMappingAction>(json!({"DefineVersion": {
        "valid_from": "2017-08-31", "basis": "b", "assignments": {"193": "mien-bac"}}}));
}

/// What serde accepts and the schema cannot say, and the reverse. These are the current
/// behaviour, not wishes: a change to either side shows up here.
#[test]
fn what_the_schema_cannot_say() {
    let schemas = Schemas::of::<CooperativeAction>();
    let serde_only = [
        // serde_json reads a unit variant also as `{"Variant": null}`…
        json!({"Resume": null}),
        // …and a struct variant's fields also as an array, in declaration order.
        json!({"Suspend": ["2019-06-01"]}),
        // u32 goes up to 2^32 - 1; utoipa writes `format: int32` (no `non_strict_integers`).
        json!({"RecordMembership": {"members": {"official": 3_000_000_000_u32, "associate": 0, "member_cooperatives": 0}}}),
    ];
    for json in serde_only {
        assert!(read::<CooperativeAction>(&json).is_ok(), "{json}");
        assert!(schemas.check(&json).is_err(), "{json}");
    }
    let schema_only = [
        // The check digit (here 0 for 8), and a canonical form that is not that of `raw`.
        json!({"JoinUnion": {"union": "0100233480"}}),
        json!({"AnnulRevocation": {"reason": "r", "decision": {"raw": "2/QĐ-UBND", "canonical": "03/QĐ-UBND"}}}),
        // An object with a second key besides the variant's.
        json!({"Suspend": {"until": "2019-06-01"}, "Resume": null}),
    ];
    for json in schema_only {
        assert!(read::<CooperativeAction>(&json).is_err(), "{json}");
        assert!(schemas.check(&json).is_ok(), "{json}");
    }
}

/// The identifiers' patterns are exact: every text a pattern allows, serde reads (the reverse
/// holds by construction; the domain has no regex engine to check it here).
#[test]
fn every_text_an_id_pattern_allows_is_read_by_serde() {
    fn pattern<T: PartialSchema>() -> String {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let pattern = schema["pattern"].as_str().unwrap();
        // proptest's generator has no anchors.
        pattern[1..pattern.len() - 1].to_string()
    }
    fn reads<T: DeserializeOwned>(text: &str) -> bool {
        read::<T>(&Value::String(text.to_string())).is_ok()
    }
    type Reads = fn(&str) -> bool;
    let ids: [(String, Reads); 3] = [
        (pattern::<BudgetLineId>(), reads::<BudgetLineId>),
        (pattern::<SettlementId>(), reads::<SettlementId>),
        (pattern::<RecordId>(), reads::<RecordId>),
    ];
    for (pattern, reads) in ids {
        let texts = string_regex(&pattern).unwrap();
        TestRunner::default()
            .run(&texts, |text| {
                proptest::prop_assert!(reads(&text), "{text:?} matches {pattern} but is refused");
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn the_rule_set_id_pattern_names_every_category() {
    let schema = serde_json::to_value(RuleSetId::schema()).unwrap();
    let categories: Vec<&str> = SupportCategory::ALL.iter().map(|c| c.as_str()).collect();
    let expected = format!("^({}):", categories.join("|"));
    assert!(schema["pattern"].as_str().unwrap().starts_with(&expected));
}
