//! A small structural JSON Schema checker for the keywords utoipa writes for the actions:
//! `$ref`, `oneOf`/`anyOf`/`allOf`, `type`, `enum`, `properties`, `required`,
//! `additionalProperties`, `propertyNames`, `items`, `minimum`/`maximum`, and the formats `date`, `int32` and
//! `int64`. `pattern` is not checked (the domain has no regex engine); annotations are
//! skipped. Any other keyword is an error, so that a schema is never passed by a keyword the
//! checker does not understand.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};
use utoipa::ToSchema;

const REF_PREFIX: &str = "#/components/schemas/";

/// Keywords that describe and never constrain (and `pattern`, see the module doc).
const ANNOTATIONS: [&str; 6] = [
    "description",
    "example",
    "examples",
    "title",
    "default",
    "pattern",
];

/// A type's schema and every schema it references (`ToSchema::schemas`), as JSON.
pub(super) struct Schemas {
    pub(super) name: String,
    pub(super) root: Value,
    pub(super) components: BTreeMap<String, Value>,
}

impl Schemas {
    pub(super) fn of<T: ToSchema>() -> Schemas {
        let mut collected = Vec::new();
        T::schemas(&mut collected);
        let name = T::name().into_owned();
        let root = serde_json::to_value(T::schema()).unwrap();
        let mut components = BTreeMap::from([(name.clone(), root.clone())]);
        for (component, schema) in collected {
            let schema = serde_json::to_value(schema).unwrap();
            if let Some(before) = components.insert(component.clone(), schema.clone()) {
                assert_eq!(before, schema, "{component} collected twice, differently");
            }
        }
        Schemas {
            name,
            root,
            components,
        }
    }

    /// Every `$ref` in the root or a component, and whether it names a collected schema.
    pub(super) fn refs(&self) -> Vec<(String, bool)> {
        let mut refs = Vec::new();
        for schema in std::iter::once(&self.root).chain(self.components.values()) {
            collect_refs(schema, &mut refs);
        }
        refs.into_iter()
            .map(|r| {
                let found = self.resolve(&r).is_ok();
                (r, found)
            })
            .collect()
    }

    /// Whether `value` conforms to the root schema; the error says where and why not.
    pub(super) fn check(&self, value: &Value) -> Result<(), String> {
        self.check_at(&self.root, value, "$")
    }

    fn resolve(&self, reference: &str) -> Result<&Value, String> {
        reference
            .strip_prefix(REF_PREFIX)
            .and_then(|name| self.components.get(name))
            .ok_or_else(|| format!("$ref {reference} names no collected schema"))
    }

    fn check_at(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let schema = schema
            .as_object()
            .ok_or_else(|| format!("{at}: schema is not an object"))?;
        for (keyword, rule) in schema {
            match keyword.as_str() {
                "$ref" => self.check_at(self.resolve(text(rule)?)?, value, at)?,
                "oneOf" | "anyOf" | "allOf" => self.check_alternatives(keyword, rule, value, at)?,
                "type" => check_type(rule, value, at)?,
                "enum" if !list(rule)?.contains(value) => {
                    return Err(format!("{at}: {value} is not one of {rule}"));
                }
                "enum" => {}
                "required" | "properties" | "additionalProperties" => {
                    if let Value::Object(object) = value {
                        self.check_object(keyword, rule, schema, object, at)?;
                    }
                }
                "propertyNames" => {
                    for name in value.as_object().into_iter().flat_map(Map::keys) {
                        let key = Value::String(name.clone());
                        self.check_at(rule, &key, &format!("{at} key {name:?}"))?;
                    }
                }
                "items" => {
                    if let Value::Array(items) = value {
                        for (i, item) in items.iter().enumerate() {
                            self.check_at(rule, item, &format!("{at}[{i}]"))?;
                        }
                    }
                }
                "minimum" | "maximum" => check_bound(keyword, rule, value, at)?,
                "format" => check_format(text(rule)?, value, at)?,
                annotation if ANNOTATIONS.contains(&annotation) => {}
                unknown => return Err(format!("{at}: keyword {unknown:?} unknown to the checker")),
            }
        }
        Ok(())
    }

    fn check_alternatives(
        &self,
        keyword: &str,
        rule: &Value,
        value: &Value,
        at: &str,
    ) -> Result<(), String> {
        let results: Vec<Result<(), String>> = list(rule)?
            .iter()
            .map(|alternative| self.check_at(alternative, value, at))
            .collect();
        let matching = results.iter().filter(|r| r.is_ok()).count();
        let ok = match keyword {
            "oneOf" => matching == 1,
            "anyOf" => matching >= 1,
            _ => matching == results.len(),
        };
        if ok {
            return Ok(());
        }
        let why: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        Err(format!(
            "{at}: {matching} of {} {keyword} alternatives match {value} ({})",
            why.len() + matching,
            why.join("; ")
        ))
    }

    fn check_object(
        &self,
        keyword: &str,
        rule: &Value,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
    ) -> Result<(), String> {
        let properties = schema.get("properties").and_then(Value::as_object);
        match keyword {
            "required" => {
                for name in list(rule)? {
                    if !object.contains_key(text(name)?) {
                        return Err(format!("{at}: required property {name} is missing"));
                    }
                }
            }
            "properties" => {
                for (name, property) in properties.into_iter().flatten() {
                    if let Some(field) = object.get(name) {
                        self.check_at(property, field, &format!("{at}.{name}"))?;
                    }
                }
            }
            _ => {
                let listed = |name: &String| properties.is_some_and(|p| p.contains_key(name));
                for (name, field) in object.iter().filter(|(name, _)| !listed(name)) {
                    match rule {
                        Value::Bool(false) => {
                            return Err(format!("{at}: property {name} is not allowed"));
                        }
                        Value::Bool(true) => {}
                        additional => self.check_at(additional, field, &format!("{at}.{name}"))?,
                    }
                }
            }
        }
        Ok(())
    }
}

fn collect_refs(schema: &Value, refs: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => refs.push(r.clone()),
                    // Examples are values, not schemas.
                    ("example" | "examples", _) => {}
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

fn text(rule: &Value) -> Result<&str, String> {
    rule.as_str()
        .ok_or_else(|| format!("{rule} is not a string"))
}

fn list(rule: &Value) -> Result<&Vec<Value>, String> {
    rule.as_array()
        .ok_or_else(|| format!("{rule} is not an array"))
}

fn check_type(rule: &Value, value: &Value, at: &str) -> Result<(), String> {
    let allowed: Vec<&str> = match rule {
        Value::String(one) => vec![one.as_str()],
        many => list(many)?.iter().map(text).collect::<Result<_, _>>()?,
    };
    let is = |name: &str| match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    };
    if allowed.iter().any(|name| is(name)) {
        Ok(())
    } else {
        Err(format!("{at}: {value} is not of type {rule}"))
    }
}

fn check_bound(keyword: &str, rule: &Value, value: &Value, at: &str) -> Result<(), String> {
    let (Some(bound), Some(number)) = (rule.as_f64(), value.as_f64()) else {
        return Ok(());
    };
    let within = if keyword == "minimum" {
        number >= bound
    } else {
        number <= bound
    };
    if within {
        Ok(())
    } else {
        Err(format!("{at}: {value} is outside {keyword} {rule}"))
    }
}

fn check_format(format: &str, value: &Value, at: &str) -> Result<(), String> {
    let ok = match (format, value) {
        ("date", Value::String(date)) => NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        ("int32", Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        ("int64", Value::Number(n)) => n.as_i64().is_some(),
        // A format applies to its own type only.
        ("date", _) | ("int32" | "int64", _) => true,
        (unknown, _) => return Err(format!("{at}: format {unknown:?} unknown to the checker")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{at}: {value} is not a {format}"))
    }
}
