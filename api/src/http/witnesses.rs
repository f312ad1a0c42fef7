//! `GET /api/v1/ledger/witnesses` (`serve --policy`): the policy's witnesses as the log sees
//! them, the latest witnessed checkpoint with who cosigned it and when, and the latest signed
//! size; and the witnesses' alarms as `/readyz` reports them.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use serde::Serialize;
use witnessing::{Alarm, WitnessStatus, Witnessing};

use super::AppState;
use super::operation::{Doc, Operation, json_response, problem_response, schema_ref};
use super::problem::Problem;

/// An alarm a witness holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WitnessAlarm {
    /// The witness's name in the policy.
    pub witness: String,
    /// `inconsistent` (422: it refuses the log's checkpoint as inconsistent with what it
    /// cosigned), `misconfigured` (403, 404, or no valid cosignature) or `unreachable`.
    pub kind: String,
    pub since: chrono::DateTime<chrono::Utc>,
    /// Vietnamese / English.
    pub message: String,
}

impl WitnessAlarm {
    fn of(witness: &str, alarm: &Alarm) -> WitnessAlarm {
        WitnessAlarm {
            witness: witness.to_owned(),
            kind: alarm.kind.as_str().to_owned(),
            since: alarm.since,
            message: alarm.message.clone(),
        }
    }
}

/// Every alarm the witnesses hold (none without a policy).
pub fn alarms(state: &AppState) -> Vec<WitnessAlarm> {
    state.witnessing.as_ref().map_or_else(Vec::new, |w| {
        w.alarms()
            .iter()
            .map(|(name, alarm)| WitnessAlarm::of(name, alarm))
            .collect()
    })
}

/// A cosignature of the witnessed checkpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cosigner {
    /// The witness's name in the policy.
    pub witness: String,
    /// The time its cosignature states (seconds since the Unix epoch, and as a date).
    pub timestamp: u64,
    pub time: Option<chrono::DateTime<chrono::Utc>>,
}

/// The latest checkpoint the policy's quorum cosigned: the one the service publishes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessedView {
    pub size: u64,
    /// The root hash, base64.
    pub root: String,
    /// The signed note with the cosignatures.
    pub note: String,
    pub cosigners: Vec<Cosigner>,
}

/// What `GET /api/v1/ledger/witnesses` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Witnesses {
    /// The policy's witnesses, in its order.
    pub witnesses: Vec<WitnessStatus>,
    /// None until the quorum cosigned a checkpoint.
    pub witnessed: Option<WitnessedView>,
    /// The latest checkpoint the log signed, witnessed or not.
    pub latest_signed_size: Option<u64>,
}

fn view(witnessing: &Witnessing) -> Witnesses {
    let witnesses = witnessing.status();
    let witnessed = witnessing.published().map(|p| WitnessedView {
        size: p.checkpoint.size,
        root: p.checkpoint.root.to_base64(),
        note: p.checkpoint.note,
        cosigners: p
            .witnessed
            .cosigned
            .iter()
            .map(|c| Cosigner {
                witness: c.witness.clone(),
                timestamp: c.timestamp,
                time: i64::try_from(c.timestamp)
                    .ok()
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
            })
            .collect(),
    });
    Witnesses {
        witnesses,
        witnessed,
        latest_signed_size: witnessing.latest_signed().map(|c| c.size),
    }
}

/// `GET /api/v1/ledger/witnesses`.
pub fn witnesses(state: &AppState) -> Result<Response, Problem> {
    let witnessing = state.witnessing.as_ref().ok_or_else(|| {
        Problem::not_found(
            "dịch vụ chạy không có chính sách nhân chứng / the service runs without a witness policy (serve --policy)",
        )
    })?;
    Ok(axum::Json(view(witnessing)).into_response())
}

pub const WITNESSES: Operation = Operation {
    handler: |filter| {
        on(filter, |State(state): State<Arc<AppState>>| async move {
            witnesses(&state)
        })
    },
    doc: || {
        Doc::new("Witnesses", "ledger")
            .response(
                "200",
                json_response(
                    "The policy's witnesses, the latest witnessed checkpoint and its cosigners",
                    schema_ref("Witnesses"),
                ),
            )
            .response("404", problem_response("The service runs without a policy"))
    },
};
