//! What every entry carries beside its payload: who, under which legal basis, effective when.
//!
//! cqrs-es passes metadata as a `HashMap<String, String>`; the ledger keeps one typed
//! [`EventMetadata`] under [`METADATA_KEY`], encoded as JSON, and writes it into the entry as a
//! JSON object.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::text::nfc;

/// The key of cqrs-es's metadata map under which the ledger's metadata travels.
pub const METADATA_KEY: &str = "htx-ledger/metadata";

/// The roles people act in. Stored as lowercase words in every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Registration clerk (cán bộ đăng ký): records lifecycle changes.
    Clerk,
    /// Programme or finance officer (cán bộ chương trình): records estimates, cases, payments.
    Officer,
    /// Approves support (người phê duyệt).
    Approver,
    /// Department of Finance (Sở Tài chính): appraises and approves settlements.
    Finance,
    /// Finance auditor (kiểm toán viên): reads and verifies.
    Auditor,
    /// Inspector (thanh tra): verifies single entries.
    Inspector,
    /// Dashboards: read projections.
    Dashboard,
    /// An auditor's mirror (bản sao của kiểm toán): reads the entry bundles to keep a
    /// verified copy of the whole log (`htx-ledger mirror`).
    Mirror,
    /// Administrator: people, keys, checkpoints.
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Clerk,
        Role::Officer,
        Role::Approver,
        Role::Finance,
        Role::Auditor,
        Role::Inspector,
        Role::Dashboard,
        Role::Mirror,
        Role::Admin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Officer => "officer",
            Role::Approver => "approver",
            Role::Finance => "finance",
            Role::Auditor => "auditor",
            Role::Inspector => "inspector",
            Role::Dashboard => "dashboard",
            Role::Mirror => "mirror",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The authenticated person who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

impl Actor {
    pub fn new(user_id: &str, role: Role, agency: Option<&str>) -> Self {
        Actor {
            user_id: nfc(user_id),
            role,
            agency: agency.map(nfc),
        }
    }
}

/// The metadata of one command's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMetadata {
    pub actor: Actor,
    /// The legal date of the fact, in Asia/Ho_Chi_Minh (ngày hiệu lực).
    pub effective_date: NaiveDate,
    /// Document numbers of the legal basis, e.g. `31/KH-UBND`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<String>,
    /// Source documents (decisions, dossiers) as document references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl EventMetadata {
    pub fn new(actor: Actor, effective_date: NaiveDate) -> Self {
        EventMetadata {
            actor,
            effective_date,
            legal_basis: Vec::new(),
            documents: Vec::new(),
            request_id: None,
            idempotency_key: None,
        }
    }

    pub fn with_legal_basis(mut self, basis: &str) -> Self {
        self.legal_basis.push(nfc(basis));
        self
    }

    pub fn with_document(mut self, document: &str) -> Self {
        self.documents.push(nfc(document));
        self
    }

    pub fn with_request_id(mut self, id: &str) -> Self {
        self.request_id = Some(nfc(id));
        self
    }

    pub fn with_idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(nfc(key));
        self
    }

    /// The map that cqrs-es's `execute_with_metadata` takes.
    pub fn to_map(&self) -> HashMap<String, String> {
        let json = serde_json::to_string(self).expect("metadata is plain data");
        HashMap::from([(METADATA_KEY.to_string(), json)])
    }

    /// # Errors
    /// When the map has no ledger metadata, or it does not parse.
    pub fn from_map(map: &HashMap<String, String>) -> Result<Self, MetadataError> {
        let json = map.get(METADATA_KEY).ok_or(MetadataError::Missing)?;
        serde_json::from_str(json).map_err(|e| MetadataError::Invalid(e.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("the command carries no ledger metadata (actor, effective date)")]
    Missing,
    #[error("the ledger metadata is invalid: {0}")]
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_cqrs_map() {
        let meta = EventMetadata::new(
            Actor::new("nguyen.van.a", Role::Clerk, Some("PTCKH-205")),
            NaiveDate::from_ymd_opt(2017, 9, 1).unwrap(),
        )
        .with_legal_basis("31/KH-UBND")
        .with_request_id("r-1");
        assert_eq!(EventMetadata::from_map(&meta.to_map()).unwrap(), meta);
        assert_eq!(
            serde_json::to_value(&meta).unwrap(),
            serde_json::json!({
                "actor": {"user_id": "nguyen.van.a", "role": "clerk", "agency": "PTCKH-205"},
                "effective_date": "2017-09-01",
                "legal_basis": ["31/KH-UBND"],
                "request_id": "r-1"
            })
        );
    }

    #[test]
    fn missing_metadata_is_refused() {
        assert_eq!(
            EventMetadata::from_map(&HashMap::new()),
            Err(MetadataError::Missing)
        );
    }

    #[test]
    fn text_is_stored_in_nfc() {
        // "Hoà" with a combining grave accent (NFD) becomes the precomposed form.
        let actor = Actor::new("Hoa\u{0300}", Role::Officer, None);
        assert_eq!(actor.user_id, "Hoà");
    }
}
