//! The OpenAPI 3.1 document, generated from [`routes::all`] (the table the router is built
//! from), the domain's action schemas (`utoipa::ToSchema`, feature `openapi` of `domain`) and
//! the projection tables' shapes. Served at `/openapi.json`.

use std::collections::BTreeMap;

use programme::{Declared, OnAggregateType};
use serde_json::{Map, Value, json};
use store::{ColumnKind, TableShape};
use utoipa::ToSchema;

use super::commands::{CommandAccepted, WrittenEntry};
use super::ledger::{ConsistencyProof, Verification};
use super::operation::{json_response, path_param, problem_response, query, schema_ref};
use super::ops::Readiness;
use super::problem::Problem;
use super::witnesses::Witnesses;
use programme::AggregateKind;

use super::operation::{CommandSpec, Endpoint, Route};

/// Collects `T`'s schema and every schema it references into `components`.
fn collect<T: ToSchema>(components: &mut BTreeMap<String, Value>) {
    let mut referenced = Vec::new();
    T::schemas(&mut referenced);
    components.insert(T::name().into_owned(), to_json(T::schema()));
    for (name, schema) in referenced {
        components.insert(name, to_json(schema));
    }
}

fn to_json<S: serde::Serialize>(schema: S) -> Value {
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

/// The name of the schema of `kind`'s actions.
fn action_schema_name(kind: AggregateKind) -> String {
    struct Name;
    impl OnAggregateType for Name {
        type Output = String;
        fn on<A: Declared>(self, _: AggregateKind) -> String {
            <A::Action as ToSchema>::name().into_owned()
        }
    }
    kind.visit(Name)
}

/// Collects the schemas of `kind`'s actions into `components`.
fn collect_actions(kind: AggregateKind, components: &mut BTreeMap<String, Value>) {
    struct Collect<'a>(&'a mut BTreeMap<String, Value>);
    impl OnAggregateType for Collect<'_> {
        type Output = ();
        fn on<A: Declared>(self, _: AggregateKind) {
            collect::<A::Action>(self.0);
        }
    }
    kind.visit(Collect(components));
}

/// The fields of one variant of an externally tagged action enum's schema: the object under
/// the variant's key, or an empty object for a variant without fields.
fn variant_fields(enum_schema: &Value, variant: &str) -> Option<Value> {
    let options = enum_schema.get("oneOf")?.as_array()?;
    for option in options {
        if let Some(fields) = option.pointer(&format!("/properties/{variant}")) {
            return Some(fields.clone());
        }
        let unit = option
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|names| names.iter().any(|n| n == variant));
        if unit {
            return Some(json!({"type": "object", "properties": {}}));
        }
    }
    None
}

/// The body of a command route: the variant's fields beside the envelope's.
fn command_body(spec: &CommandSpec, components: &BTreeMap<String, Value>) -> Value {
    let enum_schema = components
        .get(&action_schema_name(spec.aggregate))
        .cloned()
        .unwrap_or(Value::Null);
    let fields = variant_fields(&enum_schema, spec.action).unwrap_or_else(|| json!({}));
    let envelope = json!({
        "effective_date": {
            "type": "string",
            "format": "date",
            "description": "Ngày hiệu lực: the legal date of the act, in Asia/Ho_Chi_Minh. Back-dating is allowed and recorded."
        },
        "legal_basis": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Căn cứ pháp lý: document numbers of the legal basis, e.g. 31/KH-UBND."
        },
        "documents": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Source documents (decisions, vouchers) by number."
        }
    });
    let mut body = match fields {
        Value::Object(object) if object.get("type") == Some(&json!("object")) => object,
        other => {
            let mut all = Map::new();
            all.insert("allOf".into(), json!([other]));
            all.insert("type".into(), json!("object"));
            all
        }
    };
    let mut properties = body
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    // The fields that repeat the aggregate id come from the path; a body that repeats one
    // must name the same aggregate (422 otherwise).
    let from_path = spec.aggregate.id_fields(spec.action);
    properties.retain(|name, _| !from_path.contains(&name.as_str()));
    let mut merged = envelope.as_object().cloned().unwrap_or_default();
    merged.extend(properties);
    body.insert("properties".into(), Value::Object(merged));
    let mut required = vec![json!("effective_date")];
    if let Some(Value::Array(fields)) = body.get("required") {
        required.extend(
            fields
                .iter()
                .filter(|f| !f.as_str().is_some_and(|f| from_path.contains(&f)))
                .cloned(),
        );
    }
    body.insert("required".into(), Value::Array(required));
    Value::Object(body)
}

fn column_schema(kind: ColumnKind) -> Value {
    match kind {
        ColumnKind::Int => json!({"type": ["integer", "null"], "format": "int64"}),
        ColumnKind::Text => json!({"type": ["string", "null"]}),
        ColumnKind::Bool => json!({"type": ["boolean", "null"]}),
        ColumnKind::Json => json!({"description": "JSON: a list of positions, or a nested value"}),
    }
}

fn row_schema(shape: &TableShape) -> Value {
    let properties: Map<String, Value> = shape
        .columns
        .iter()
        .map(|(name, kind)| ((*name).to_string(), column_schema(*kind)))
        .collect();
    let key: Vec<&str> = shape.columns[..shape.key_columns]
        .iter()
        .map(|(name, _)| *name)
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "description": format!("A row of {} (key: {}). docs/projections.md gives each column's meaning.", shape.name, key.join(", ")),
    })
}

fn operation(route: &Route, components: &BTreeMap<String, Value>) -> Value {
    let mut parameters = Vec::new();
    let mut responses = Map::new();
    let mut body = None;
    let (summary, tag) = match route.endpoint {
        Endpoint::Command(spec) => {
            let from_path = spec.aggregate.id_fields(spec.action);
            let filled = if from_path.is_empty() {
                String::new()
            } else {
                format!(
                    " It also gives the body's {}: leave {} out of the body (a body that names another aggregate is refused, 422).",
                    from_path
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if from_path.len() == 1 { "it" } else { "them" }
                )
            };
            parameters.push(path_param(
                "id",
                json!({"type": "string", "example": spec.aggregate.example_id()}),
                &format!(
                    "{}. Checked (format, check digit) before anything is read; ids holding `/` are URL-encoded (%2F).{filled}",
                    spec.aggregate.id_description()
                ),
            ));
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": "A retry with the same key returns the first response and writes nothing new."
            }));
            body = Some(json!({
                "required": true,
                "content": {"application/json": {"schema": command_body(spec, components)}}
            }));
            responses.insert(
                "200".into(),
                json_response(
                    "Recorded: the entries written",
                    schema_ref("CommandAccepted"),
                ),
            );
            responses.insert(
                "409".into(),
                problem_response("The aggregate kept changing; nothing written"),
            );
            responses.insert("413".into(), problem_response("The body is too large"));
            responses.insert("422".into(), problem_response("Refused by a rule (named, with its legal basis), or not a valid command; nothing written"));
            (
                format!("{} {}", spec.aggregate.aggregate_type(), spec.action),
                spec.aggregate.collection().to_string(),
            )
        }
        Endpoint::Projection { projection, shape } => {
            parameters.push(query(
                "offset",
                json!({"type": "integer", "minimum": 0}),
                "Rows to skip.",
            ));
            parameters.push(query(
                "limit",
                json!({"type": "integer", "minimum": 1, "maximum": super::reads::MAX_LIMIT}),
                "Rows to return (default 100).",
            ));
            parameters.push(query(
                "as_of_position",
                json!({"type": "integer", "minimum": 0}),
                "The state after entry N.",
            ));
            parameters.push(query(
                "as_of_date",
                json!({"type": "string", "format": "date"}),
                "The state with every event effective on or before the date.",
            ));
            parameters.push(query(
                "known_on",
                json!({"type": "string", "format": "date"}),
                "What the ledger knew on the date (recorded on or before it).",
            ));
            for (column, kind) in shape.columns {
                if *kind != ColumnKind::Json {
                    parameters.push(query(
                        column,
                        json!({"type": "string"}),
                        "Only rows whose column equals this value.",
                    ));
                }
            }
            let page = json!({
                "type": "object",
                "required": ["projection", "table", "position", "state", "total", "offset", "limit", "rows"],
                "properties": {
                    "projection": {"type": "string"},
                    "table": {"type": "string"},
                    "position": {"type": "integer", "description": "Entries the state holds"},
                    "state": {"type": "string", "description": "live, or the historical state asked for"},
                    "total": {"type": "integer", "description": "Rows matching the filters"},
                    "offset": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "rows": {"type": "array", "items": row_schema(shape)}
                }
            });
            responses.insert("200".into(), json_response("A page of rows", page));
            (
                format!("Read {projection}/{}", shape.name),
                "projections".to_string(),
            )
        }
        Endpoint::Operation(operation) => {
            let doc = (operation.doc)();
            parameters = doc.parameters;
            responses = doc.responses;
            body = doc.body;
            (doc.summary, doc.tag)
        }
    };
    let mut operation = Map::new();
    operation.insert("summary".into(), json!(summary));
    operation.insert("tags".into(), json!([tag]));
    operation.insert(
        "operationId".into(),
        json!(format!(
            "{}{}",
            route.method.as_str().to_lowercase(),
            route.path.replace(['/', '{', '}', '-', '.'], "_")
        )),
    );
    if !route.roles.is_empty() {
        let roles: Vec<&str> = route.roles.iter().map(|r| r.as_str()).collect();
        operation.insert(
            "description".into(),
            json!(format!("Roles admitted: {}.", roles.join(", "))),
        );
        operation.insert("x-roles".into(), json!(roles));
        operation.insert("security".into(), json!([{"bearer": []}]));
        responses.insert(
            "401".into(),
            problem_response("No token, or one the ledger does not know or has revoked"),
        );
        responses.insert(
            "403".into(),
            problem_response("The person's role may not use this route"),
        );
    } else {
        operation.insert("security".into(), json!([]));
    }
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = body {
        operation.insert("requestBody".into(), body);
    }
    responses.insert("400".into(), problem_response("Malformed request"));
    operation.insert("responses".into(), Value::Object(responses));
    Value::Object(operation)
}

/// The document of `routes` (the service's: `routes::openapi_document`).
pub fn document(routes: &[Route]) -> Value {
    let mut components = BTreeMap::new();
    for kind in AggregateKind::ALL {
        collect_actions(*kind, &mut components);
    }
    collect::<Problem>(&mut components);
    collect::<CommandAccepted>(&mut components);
    collect::<super::batch::BatchRequest>(&mut components);
    collect::<super::batch::BatchAccepted>(&mut components);
    collect::<WrittenEntry>(&mut components);
    collect::<Verification>(&mut components);
    collect::<ConsistencyProof>(&mut components);
    collect::<Readiness>(&mut components);
    collect::<Witnesses>(&mut components);

    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for route in routes {
        paths.entry(route.path.clone()).or_default().insert(
            route.method.as_str().to_lowercase(),
            operation(route, &components),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "htx-ledger",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Sổ cái kiểm toán của Kế hoạch 31/KH-UBND (Quảng Ninh): the compliance and audit ledger of the cooperative development plan. Every command is recorded as a hash-chained entry; errors are RFC 9457 problem details. docs/api.md explains the conventions.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A token from `htx-ledger user add` (htx_…)."}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_in_the_document_resolves() {
        let document = super::super::routes::openapi_document();
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(found.len() > 50);
        for reference in found {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference}"));
            assert!(
                document["components"]["schemas"].get(name).is_some(),
                "{reference} does not resolve"
            );
        }
    }

    #[test]
    fn every_command_body_names_its_action_fields_and_the_legal_date() {
        let document = super::super::routes::openapi_document();
        for spec in super::super::routes::COMMANDS {
            let body = &document["paths"][spec.path()]["post"]["requestBody"]["content"]["application/json"]
                ["schema"];
            assert_eq!(body["required"][0], "effective_date", "{}", spec.path());
            assert!(
                body["properties"]["effective_date"].is_object(),
                "{}",
                spec.path()
            );
        }
        // One with fields: registration.
        let register = &document["paths"]["/api/v1/cooperatives/{id}/register"]["post"]["requestBody"]
            ["content"]["application/json"]["schema"];
        for field in ["kind", "content", "members", "certificate_no", "origin"] {
            assert!(
                register["properties"].get(field).is_some(),
                "register lacks {field}"
            );
        }
        let required: Vec<&str> = register["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(required.contains(&"members"), "{required:?}");
        // The code is the path's id: the body need not carry it (one identity per command).
        assert!(register["properties"].get("code").is_none(), "{register}");
        assert!(!required.contains(&"code"), "{required:?}");
        let id = &document["paths"]["/api/v1/cooperatives/{id}/register"]["post"]["parameters"][0];
        assert_eq!(id["name"], "id");
        assert!(
            id["description"].as_str().unwrap().contains("`code`"),
            "{id}"
        );
    }
}
