//! A route's behaviour, declared in one place: its handler and what the OpenAPI document says
//! of it, side by side in the module that serves it (`ledger::PROOF`, `ops::READYZ`, …). The
//! route table (`routes::all`) names the method, the path, the roles and the [`Operation`];
//! the router and the document are both built from that table. Command routes and projection
//! reads are generated from the domain's actions and the projections' tables instead.

use std::sync::Arc;

use axum::routing::{MethodFilter, MethodRouter};
use serde_json::{Map, Value, json};

use axum::http::Method;
use domain::ledger::Role;
use programme::AggregateKind;
use store::TableShape;

use super::AppState;

/// What the document says of one operation: summary, tag, parameters, responses (the roles'
/// 401 and 403, and 400, are added for every route).
pub struct Doc {
    pub summary: String,
    pub tag: String,
    pub parameters: Vec<Value>,
    pub responses: Map<String, Value>,
    /// The request body (`requestBody`), if the route reads one.
    pub body: Option<Value>,
}

impl Doc {
    pub fn new(summary: &str, tag: &str) -> Doc {
        Doc {
            summary: summary.to_string(),
            tag: tag.to_string(),
            parameters: Vec::new(),
            responses: Map::new(),
            body: None,
        }
    }

    /// The route reads a JSON body of `schema`.
    pub fn body(mut self, schema: Value) -> Doc {
        self.body = Some(json!({
            "required": true,
            "content": {"application/json": {"schema": schema}}
        }));
        self
    }

    pub fn parameter(mut self, parameter: Value) -> Doc {
        self.parameters.push(parameter);
        self
    }

    pub fn response(mut self, status: &str, response: Value) -> Doc {
        self.responses.insert(status.to_string(), response);
        self
    }
}

/// One route's handler and description.
pub struct Operation {
    /// The handler, for the route's method.
    pub handler: fn(MethodFilter) -> MethodRouter<Arc<AppState>>,
    /// What the OpenAPI document says of it.
    pub doc: fn() -> Doc,
}

/// An optional query parameter.
pub fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

/// A required query parameter.
pub fn required_query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": true, "schema": schema, "description": description})
}

pub fn path_param(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema, "description": description})
}

pub fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

pub fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

pub fn text_response(description: &str, media: &str) -> Value {
    json!({"description": description, "content": {media: {"schema": {"type": "string"}}}})
}

pub fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// One command route: an action of an aggregate.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub aggregate: AggregateKind,
    /// The action's variant name, as serde reads it (`Register`).
    pub action: &'static str,
    pub roles: &'static [Role],
}

impl CommandSpec {
    pub fn path(&self) -> String {
        format!(
            "/api/v1/{}/{{id}}/{}",
            self.aggregate.collection(),
            kebab(self.action)
        )
    }
}

/// `ReRegister` → `re-register`.
pub fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a route does, for the router and the OpenAPI document.
#[derive(Clone, Copy)]
pub enum Endpoint {
    /// One action of an aggregate (generated: one per action of the domain).
    Command(&'static CommandSpec),
    /// A projection table's rows (generated: one per table).
    Projection {
        projection: &'static str,
        shape: &'static TableShape,
    },
    /// Any other route: its handler and its description, declared together in the module
    /// that serves it.
    Operation(&'static Operation),
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Command(spec) => f.debug_tuple("Command").field(spec).finish(),
            Endpoint::Projection { projection, shape } => f
                .debug_struct("Projection")
                .field("projection", projection)
                .field("table", &shape.name)
                .finish(),
            Endpoint::Operation(operation) => f
                .debug_tuple("Operation")
                .field(&(operation.doc)().summary)
                .finish(),
        }
    }
}

/// The reports of issue 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Settlement,
    Periodic,
    Plan,
}

/// One route: method, path (axum's `{param}` syntax), the roles it admits, what it does.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: String,
    pub roles: &'static [Role],
    pub endpoint: Endpoint,
}
