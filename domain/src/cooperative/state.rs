//! The cooperative's state, rebuilt from its events, and the checks every handler shares.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use imbl::OrdMap;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::rules::Finding;

use super::command::{MemberCounts, Origin, RegistrationContent, ReorganisationKind};
use super::error::CooperativeError;
use super::status::{CooperativeKind, CooperativeStatus, StatusHistory, Transition};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Registration {
    pub code: CooperativeCode,
    pub kind: CooperativeKind,
    pub content: RegistrationContent,
    pub address_since: NaiveDate,
    pub registered_on: NaiveDate,
    pub governing_law: String,
    pub certificate_no: String,
    pub origin: Origin,
    pub re_registered_on: Option<NaiveDate>,
}

/// What started a dissolution: the cooperative, an authority, or a revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DissolutionCause {
    Voluntary,
    Compulsory,
    Revocation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Dissolution {
    pub cause: DissolutionCause,
    pub started_on: NaiveDate,
    pub published_on: Option<NaiveDate>,
}

/// A dissolution under way (or completed), as read models show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DissolutionFacts {
    pub cause: DissolutionCause,
    /// The resolution, decision or revocation that started it.
    pub started_on: NaiveDate,
    /// Publication of the "dissolving" status (NĐ 92/2024 Điều 50-51).
    pub published_on: Option<NaiveDate>,
    /// The day the dissolution completes by itself: six months after publication (REG-06).
    pub completes_by: Option<NaiveDate>,
}

/// A reorganisation resolved but not yet completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReorganisation {
    pub kind: ReorganisationKind,
    pub counterparts: Vec<CooperativeCode>,
    pub resolved_on: NaiveDate,
}

/// Why a REG-03/05/09/15 finding was raised. Streak grounds carry their start, so one streak
/// is reported once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FindingGround {
    BelowMinimumMembers { since: NaiveDate },
    NoAnnualMeeting { since: NaiveDate },
    Inactive { since: NaiveDate },
    LateReRegistration,
    LateChangeFiling { decided_on: NaiveDate },
    LateAnnualInformation { year: i32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcopRating {
    pub product: String,
    pub stars: u8,
    pub rated_on: NaiveDate,
    pub valid_until: NaiveDate,
}

/// A registration's dates, law, certificate and origin, as read models show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationFacts {
    pub registered_on: NaiveDate,
    /// The date the current head-office address was registered.
    pub address_since: NaiveDate,
    pub governing_law: String,
    pub certificate_no: String,
    pub origin: Origin,
    pub re_registered_on: Option<NaiveDate>,
}

/// What other aggregates may read about a cooperative (see [`crate::services`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySnapshot {
    pub code: CooperativeCode,
    pub kind: CooperativeKind,
    pub status: CooperativeStatus,
    pub members: MemberCounts,
    pub origin: Origin,
    pub pending_reorganisation: Option<PendingReorganisation>,
    pub absorbed: Vec<CooperativeCode>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cooperative {
    pub(crate) registration: Option<Registration>,
    pub(crate) history: StatusHistory,
    /// Member counts by the date they were recorded for (a later record for the same date
    /// replaces the earlier): persistent, so that a cached cooperative is copied in constant
    /// time however many records it holds.
    #[serde(with = "dated_pairs")]
    pub(crate) members: OrdMap<NaiveDate, MemberCounts>,
    pub(crate) unions: BTreeSet<CooperativeCode>,
    pub(crate) last_annual_meeting: Option<NaiveDate>,
    pub(crate) below_minimum_since: Option<NaiveDate>,
    pub(crate) inactive_since: Option<NaiveDate>,
    pub(crate) reported: BTreeSet<FindingGround>,
    pub(crate) dissolution: Option<Dissolution>,
    pub(crate) reorganisation: Option<PendingReorganisation>,
    pub(crate) absorbed: Vec<CooperativeCode>,
    pub(crate) successors: Vec<CooperativeCode>,
    pub(crate) annual_information: BTreeMap<i32, NaiveDate>,
    pub(crate) model_years: BTreeSet<i32>,
    pub(crate) ocop: Vec<OcopRating>,
    pub(crate) findings: Vec<Finding>,
}

/// Member counts stored as they were before they were held in a map: a list of
/// `[date, counts]` pairs in date order.
mod dated_pairs {
    use chrono::NaiveDate;
    use imbl::OrdMap;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::cooperative::MemberCounts;

    pub fn serialize<S: Serializer>(
        members: &OrdMap<NaiveDate, MemberCounts>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(members.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OrdMap<NaiveDate, MemberCounts>, D::Error> {
        let pairs = Vec::<(NaiveDate, MemberCounts)>::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

impl Cooperative {
    pub fn code(&self) -> Option<&CooperativeCode> {
        self.registration.as_ref().map(|r| &r.code)
    }

    pub fn kind(&self) -> Option<CooperativeKind> {
        self.registration.as_ref().map(|r| r.kind)
    }

    pub fn content(&self) -> Option<&RegistrationContent> {
        self.registration.as_ref().map(|r| &r.content)
    }

    pub fn status_history(&self) -> &StatusHistory {
        &self.history
    }

    /// What the registration says beyond its content, for read models.
    pub fn registration_facts(&self) -> Option<RegistrationFacts> {
        let r = self.registration.as_ref()?;
        Some(RegistrationFacts {
            registered_on: r.registered_on,
            address_since: r.address_since,
            governing_law: r.governing_law.clone(),
            certificate_no: r.certificate_no.clone(),
            origin: r.origin.clone(),
            re_registered_on: r.re_registered_on,
        })
    }

    /// The members recorded last, whatever their date.
    pub fn latest_members(&self) -> Option<MemberCounts> {
        self.members.get_max().map(|(_, counts)| *counts)
    }

    /// The date of the last annual general meeting recorded, if any.
    pub fn last_annual_meeting(&self) -> Option<NaiveDate> {
        self.last_annual_meeting
    }

    /// The years the cooperative was designated a model cooperative.
    pub fn model_years(&self) -> &BTreeSet<i32> {
        &self.model_years
    }

    /// The dissolution started and not cancelled or annulled (kept once dissolved), if any.
    pub fn dissolution(&self) -> Option<DissolutionFacts> {
        let d = self.dissolution.as_ref()?;
        Some(DissolutionFacts {
            cause: d.cause,
            started_on: d.started_on,
            published_on: d.published_on,
            completes_by: d
                .published_on
                .map(|p| super::law::add_months(p, super::law::DISSOLUTION_AUTOMATIC_MONTHS)),
        })
    }

    /// The reorganisation resolved and not yet completed, if any.
    pub fn pending_reorganisation(&self) -> Option<&PendingReorganisation> {
        self.reorganisation.as_ref()
    }

    /// The cooperatives this one absorbed by merger.
    pub fn absorbed(&self) -> &[CooperativeCode] {
        &self.absorbed
    }

    /// The legal status on `date`; `None` before registration.
    pub fn status_on(&self, date: NaiveDate) -> Option<CooperativeStatus> {
        self.history.status_on(date)
    }

    /// The latest recorded status (as of the last change).
    pub fn current_status(&self) -> Option<CooperativeStatus> {
        self.history.periods().last().map(|p| p.status)
    }

    /// The member counts recorded last on or before `date`.
    pub fn members_on(&self, date: NaiveDate) -> Option<MemberCounts> {
        self.members.get_prev(&date).map(|(_, counts)| *counts)
    }

    pub fn unions(&self) -> &BTreeSet<CooperativeCode> {
        &self.unions
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub fn successors(&self) -> &[CooperativeCode] {
        &self.successors
    }

    pub fn ocop_ratings(&self) -> &[OcopRating] {
        &self.ocop
    }

    /// The answer to [`crate::services::RegistryLookup::snapshot_on`].
    pub fn snapshot_on(&self, date: NaiveDate) -> Option<RegistrySnapshot> {
        let registration = self.registration.as_ref()?;
        Some(RegistrySnapshot {
            code: registration.code.clone(),
            kind: registration.kind,
            status: self.status_on(date)?,
            members: self.members_on(date).unwrap_or_default(),
            origin: registration.origin.clone(),
            pending_reorganisation: self.reorganisation.clone(),
            absorbed: self.absorbed.clone(),
        })
    }

    pub(crate) fn registered(&self) -> Result<&Registration, CooperativeError> {
        self.registration
            .as_ref()
            .ok_or(CooperativeError::NotRegistered)
    }

    /// Registered and not ended; `date` not before registration.
    pub(crate) fn require_open(&self, date: NaiveDate) -> Result<&Registration, CooperativeError> {
        let registration = self.registered()?;
        if let Some(status) = self.current_status().filter(|s| s.is_terminal()) {
            return Err(CooperativeError::Terminal { status });
        }
        if date < registration.registered_on {
            return Err(CooperativeError::BeforeLastChange {
                effective_date: date,
                last_change: registration.registered_on,
            });
        }
        Ok(registration)
    }

    /// `transition` allowed on `date`, which is not before the last legal change.
    pub(crate) fn require_transition(
        &self,
        transition: Transition,
        date: NaiveDate,
    ) -> Result<CooperativeStatus, CooperativeError> {
        self.require_open(date)?;
        let last_change = self.history.last_change().unwrap_or(date);
        if date < last_change {
            return Err(CooperativeError::BeforeLastChange {
                effective_date: date,
                last_change,
            });
        }
        let status = self
            .status_on(date)
            .ok_or(CooperativeError::NotRegistered)?;
        if transition.allows(status) {
            Ok(status)
        } else {
            Err(CooperativeError::TransitionNotAllowed { transition, status })
        }
    }
}
