//! Every route of the service, with the roles it admits: the one table the router, the
//! OpenAPI document and the role × route test are all built from.

use axum::http::Method;
use domain::ledger::Role;
pub use programme::AggregateKind;

use super::operation::Operation;
pub use super::operation::{CommandSpec, Endpoint, ReportKind, Route, kebab};
use super::{auth, batch, dashboard, ledger, openapi, ops, reads, reports, tiles, witnesses};
use projections::ProjectionSet;

use Role::{Admin, Approver, Auditor, Clerk, Dashboard, Finance, Inspector, Mirror, Officer};

/// Every role: routes any signed-in person may use.
pub const EVERYONE: &[Role] = &Role::ALL;
/// No role: the route is public (health, metrics, the OpenAPI document).
pub const PUBLIC: &[Role] = &[];

const fn command(
    aggregate: AggregateKind,
    action: &'static str,
    roles: &'static [Role],
) -> CommandSpec {
    CommandSpec {
        aggregate,
        action,
        roles,
    }
}

use AggregateKind as K;

/// Every command of the domain, with who records it. Registration clerks (cán bộ đăng ký)
/// record the lifecycle; programme officers (cán bộ chương trình) the money, the cases, the
/// classes and the reference data; approvers decide support; the Department of Finance
/// appraises and approves settlements; auditors record audit findings; administrators manage
/// people.
pub const COMMANDS: &[CommandSpec] = &[
    command(K::Cooperative, "Register", &[Clerk]),
    command(K::Cooperative, "ReRegister", &[Clerk]),
    command(K::Cooperative, "ChangeRegisteredContent", &[Clerk]),
    command(K::Cooperative, "CorrectRecord", &[Clerk]),
    command(K::Cooperative, "RecordMembership", &[Clerk]),
    command(K::Cooperative, "RecordGeneralMeeting", &[Clerk]),
    command(K::Cooperative, "JoinUnion", &[Clerk]),
    command(K::Cooperative, "LeaveUnion", &[Clerk]),
    command(K::Cooperative, "Suspend", &[Clerk]),
    command(K::Cooperative, "Resume", &[Clerk]),
    command(K::Cooperative, "MarkNotOperatingAtAddress", &[Clerk]),
    command(K::Cooperative, "ClearNotOperatingAtAddress", &[Clerk]),
    command(K::Cooperative, "RecordInactivity", &[Clerk]),
    command(K::Cooperative, "ReviewCompliance", &[Clerk]),
    command(K::Cooperative, "ResolveReorganisation", &[Clerk]),
    command(K::Cooperative, "RegisterAbsorption", &[Clerk]),
    command(K::Cooperative, "CompleteReorganisation", &[Clerk]),
    command(K::Cooperative, "RevokeCertificate", &[Clerk]),
    command(K::Cooperative, "AnnulRevocation", &[Clerk]),
    command(K::Cooperative, "ResolveDissolution", &[Clerk]),
    command(K::Cooperative, "DecideCompulsoryDissolution", &[Clerk]),
    command(K::Cooperative, "PublishDissolution", &[Clerk]),
    command(K::Cooperative, "CancelDissolution", &[Clerk]),
    command(K::Cooperative, "CompleteDissolution", &[Clerk]),
    command(K::Cooperative, "OpenBankruptcy", &[Clerk]),
    command(K::Cooperative, "DeclareBankruptcy", &[Clerk]),
    command(K::Cooperative, "SubmitAnnualInformation", &[Clerk]),
    command(K::Cooperative, "DesignateModel", &[Officer]),
    command(K::Cooperative, "RateOcopProduct", &[Officer]),
    command(K::SupportCase, "ReceiveApplication", &[Officer]),
    command(K::SupportCase, "Approve", &[Approver]),
    command(K::SupportCase, "Reject", &[Approver]),
    command(K::TrainingClass, "Plan", &[Officer]),
    command(K::TrainingClass, "Hold", &[Officer]),
    command(K::TrainingClass, "Cancel", &[Officer]),
    command(K::TrainingClass, "CorrectRecord", &[Officer]),
    command(K::BudgetLine, "AssignEstimate", &[Officer]),
    command(K::BudgetLine, "Allocate", &[Officer]),
    command(K::BudgetLine, "Commit", &[Officer]),
    command(K::BudgetLine, "PayAdvance", &[Officer]),
    command(K::BudgetLine, "SettleAdvance", &[Officer]),
    command(K::BudgetLine, "MakePayment", &[Officer]),
    command(K::BudgetLine, "ReturnFunds", &[Officer]),
    command(K::BudgetLine, "Reverse", &[Officer]),
    command(K::BudgetLine, "ReviewAdvances", &[Officer]),
    command(K::Settlement, "Submit", &[Officer]),
    command(K::Settlement, "Appraise", &[Finance]),
    command(K::Settlement, "Approve", &[Finance]),
    command(K::Settlement, "RecordAuditFinding", &[Auditor]),
    command(K::AdministrativeUnit, "Establish", &[Officer]),
    command(K::AdministrativeUnit, "Reclassify", &[Officer]),
    command(K::AdministrativeUnit, "MergeInto", &[Officer]),
    command(K::AdministrativeUnit, "Absorb", &[Officer]),
    command(K::AdministrativeUnit, "Abolish", &[Officer]),
    command(K::RegionMapping, "DefineVersion", &[Officer]),
    command(K::LegalDocument, "Register", &[Officer]),
    command(K::LegalDocument, "Repeal", &[Officer]),
    command(K::SupportRuleSet, "PublishVersion", &[Officer]),
    command(K::SupportRuleSet, "End", &[Officer]),
    command(K::Person, "Add", &[Admin]),
    command(K::Person, "IssueToken", &[Admin]),
    command(K::Person, "RevokeToken", &[Admin]),
];

/// The projections of the registry side: for everyone who works with cooperatives.
pub const REGISTRY_SIDE: [&str; 3] = ["registry", "dissolution_progress", "plan_progress"];
/// The projections of money (balances, settlement checks, what each cooperative received):
/// not for registration clerks.
pub const MONEY_SIDE: [&str; 3] = [
    "funding_balances",
    "settlement_checks",
    "beneficiary_history",
];

/// Who reads a projection (see [`REGISTRY_SIDE`] and [`MONEY_SIDE`]).
pub fn projection_readers(projection: &str) -> &'static [Role] {
    if REGISTRY_SIDE.contains(&projection) {
        &[
            Clerk, Officer, Approver, Finance, Auditor, Inspector, Dashboard,
        ]
    } else {
        &[Officer, Approver, Finance, Auditor, Inspector, Dashboard]
    }
}

/// Who downloads the settlement report: those who prepare, appraise and audit settlements.
pub const SETTLEMENT_REPORT_READERS: &[Role] = &[Officer, Finance, Auditor];

fn route(method: Method, path: &str, roles: &'static [Role], endpoint: Endpoint) -> Route {
    Route {
        method,
        path: path.to_string(),
        roles,
        endpoint,
    }
}

/// Who sends commands: every role some command route admits (a batch checks each command's
/// own roles).
pub const COMMAND_SENDERS: &[Role] = &[Clerk, Officer, Approver, Finance, Auditor, Admin];

/// Every route of the service.
pub fn all() -> Vec<Route> {
    let mut routes = vec![
        route(
            Method::POST,
            "/api/v1/batch",
            COMMAND_SENDERS,
            Endpoint::Operation(&batch::BATCH),
        ),
        route(
            Method::GET,
            "/healthz",
            PUBLIC,
            Endpoint::Operation(&ops::HEALTHZ),
        ),
        route(
            Method::GET,
            "/readyz",
            PUBLIC,
            Endpoint::Operation(&ops::READYZ),
        ),
        route(
            Method::GET,
            "/metrics",
            PUBLIC,
            Endpoint::Operation(&ops::METRICS),
        ),
        route(
            Method::GET,
            "/openapi.json",
            PUBLIC,
            Endpoint::Operation(&OPENAPI),
        ),
        route(
            Method::GET,
            "/api/v1/me",
            EVERYONE,
            Endpoint::Operation(&auth::ME),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/checkpoint",
            EVERYONE,
            Endpoint::Operation(&ledger::LATEST_CHECKPOINT),
        ),
        route(
            Method::POST,
            "/api/v1/ledger/checkpoint",
            &[Admin],
            Endpoint::Operation(&ledger::SIGN_CHECKPOINT),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/witnesses",
            &[Auditor, Inspector, Dashboard, Admin],
            Endpoint::Operation(&witnesses::WITNESSES),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/entries",
            &[Auditor, Inspector],
            Endpoint::Operation(&ledger::ENTRIES),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/proof/{position}",
            &[Auditor, Inspector],
            Endpoint::Operation(&ledger::PROOF),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/consistency",
            &[Auditor, Inspector],
            Endpoint::Operation(&ledger::CONSISTENCY),
        ),
        route(
            Method::GET,
            "/tlog/checkpoint",
            PUBLIC,
            Endpoint::Operation(&tiles::CHECKPOINT),
        ),
        route(
            Method::GET,
            tiles::ENTRY_BUNDLE_PATH,
            &[Auditor, Inspector, Mirror],
            Endpoint::Operation(&tiles::ENTRY_BUNDLE),
        ),
        route(
            Method::GET,
            "/tlog/tile/{level}/{*path}",
            PUBLIC,
            Endpoint::Operation(&tiles::LEVEL_TILE),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/verify",
            &[Auditor],
            Endpoint::Operation(&ledger::VERIFY),
        ),
        route(
            Method::GET,
            "/api/v1/projections/digests",
            &[Finance, Auditor, Inspector, Dashboard],
            Endpoint::Operation(&reads::DIGESTS),
        ),
        route(
            Method::GET,
            "/api/v1/reports/settlement",
            SETTLEMENT_REPORT_READERS,
            Endpoint::Operation(&reports::SETTLEMENT),
        ),
        route(
            Method::GET,
            "/api/v1/reports/periodic",
            projection_readers("registry"),
            Endpoint::Operation(&reports::PERIODIC),
        ),
        route(
            Method::GET,
            "/api/v1/reports/plan",
            projection_readers("plan_progress"),
            Endpoint::Operation(&reports::PLAN),
        ),
        route(
            Method::GET,
            "/api/v1/ledger/verification",
            EVERYONE,
            Endpoint::Operation(&ledger::LAST_VERIFICATION),
        ),
        route(
            Method::GET,
            "/api/v1/cooperatives/{id}/history",
            projection_readers("registry"),
            Endpoint::Operation(&ledger::COOPERATIVE_HISTORY),
        ),
        route(
            Method::GET,
            "/",
            PUBLIC,
            Endpoint::Operation(&dashboard::PAGE),
        ),
        route(
            Method::GET,
            "/assets/{file}",
            PUBLIC,
            Endpoint::Operation(&dashboard::ASSET),
        ),
    ];
    for projection in ProjectionSet::new().projections() {
        for table in projection.tables() {
            if table.is_internal() {
                continue;
            }
            let name = projection.name();
            routes.push(route(
                Method::GET,
                &format!("/api/v1/projections/{name}/{}", table.shape().name),
                projection_readers(name),
                Endpoint::Projection {
                    projection: name,
                    shape: table.shape(),
                },
            ));
        }
    }
    for spec in COMMANDS {
        routes.push(route(
            Method::POST,
            &spec.path(),
            spec.roles,
            Endpoint::Command(spec),
        ));
    }
    routes
}

/// `GET /openapi.json`: this document.
pub const OPENAPI: Operation = Operation {
    handler: |filter| {
        axum::routing::on(filter, || async {
            axum::response::IntoResponse::into_response(axum::Json(openapi_document()))
        })
    },
    doc: || {
        super::operation::Doc::new("OpenAPI document", "operations").response(
            "200",
            super::operation::json_response("This document", serde_json::json!({"type": "object"})),
        )
    },
};

/// The OpenAPI document of every route of the service, served at `/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    openapi::document(&all())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_admits_exactly_the_roles_some_command_admits() {
        let mut senders: Vec<Role> = COMMANDS
            .iter()
            .flat_map(|c| c.roles.iter().copied())
            .collect();
        senders.sort_by_key(|r| r.as_str());
        senders.dedup();
        let mut admitted = COMMAND_SENDERS.to_vec();
        admitted.sort_by_key(|r| r.as_str());
        assert_eq!(admitted, senders);
    }

    #[test]
    fn action_names_become_kebab_case_path_segments() {
        assert_eq!(kebab("ReRegister"), "re-register");
        assert_eq!(kebab("Resume"), "resume");
        assert_eq!(kebab("RateOcopProduct"), "rate-ocop-product");
    }

    #[test]
    fn every_projection_is_on_one_side() {
        // A projection named on neither side would fall to the money side silently (as
        // dissolution_progress once did, hiding it from clerks).
        for projection in ProjectionSet::new().projections() {
            let name = projection.name();
            assert!(
                REGISTRY_SIDE.contains(&name) != MONEY_SIDE.contains(&name),
                "{name} is on neither side, or on both"
            );
        }
    }

    #[test]
    fn no_two_routes_share_a_method_and_path() {
        let routes = all();
        let mut seen = std::collections::HashSet::new();
        for route in &routes {
            assert!(
                seen.insert((route.method.clone(), route.path.clone())),
                "{} {} twice",
                route.method,
                route.path
            );
        }
    }
}
