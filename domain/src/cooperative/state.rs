//! The cooperative's state, rebuilt from its events, and the checks every handler shares.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::rules::Finding;

use super::command::{MemberCounts, Origin, RegistrationContent, ReorganisationKind};
use super::error::CooperativeError;
use super::event::CooperativeEvent;
use super::law::law_on;
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
    pub(crate) members: Vec<(NaiveDate, MemberCounts)>,
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
        self.members
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .map(|(_, counts)| *counts)
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

    fn record_members(&mut self, date: NaiveDate, members: MemberCounts) {
        self.members.push((date, members));
        self.members.sort_by_key(|(from, _)| *from);
        let Some(registration) = &self.registration else {
            return;
        };
        let minimum = law_on(date).minimum_for(registration.kind);
        let below = minimum.is_some_and(|m| members.counted_for(registration.kind) < m);
        self.below_minimum_since = if below {
            Some(self.below_minimum_since.unwrap_or(date))
        } else {
            None
        };
    }

    fn change_status(&mut self, date: NaiveDate, status: CooperativeStatus) {
        self.history.push(date, status, None);
    }

    pub(crate) fn apply_event(&mut self, event: CooperativeEvent) {
        use CooperativeEvent as E;
        use CooperativeStatus as S;
        match event {
            E::CooperativeRegistered {
                code,
                kind,
                content,
                members,
                certificate_no,
                origin,
                governing_law,
                effective_date,
                ..
            } => {
                self.registration = Some(Registration {
                    code,
                    kind,
                    content,
                    address_since: effective_date,
                    registered_on: effective_date,
                    governing_law,
                    certificate_no,
                    origin,
                    re_registered_on: None,
                });
                self.change_status(effective_date, S::Active);
                self.record_members(effective_date, members);
            }
            E::CooperativeReRegistered {
                members,
                certificate_no,
                effective_date,
            } => {
                if let Some(r) = self.registration.as_mut() {
                    r.re_registered_on = Some(effective_date);
                    r.certificate_no = certificate_no;
                    r.governing_law = law_on(effective_date).citation.to_string();
                }
                self.record_members(effective_date, members);
            }
            E::RegistrationContentChanged {
                change,
                effective_date,
                ..
            }
            | E::RegistrationRecordCorrected {
                corrected: change,
                effective_date,
                ..
            } => {
                if let Some(r) = self.registration.as_mut() {
                    if matches!(change, super::command::ContentChange::Address(_)) {
                        r.address_since = effective_date;
                    }
                    change.apply_to(&mut r.content);
                }
            }
            E::MembershipRecorded {
                members,
                effective_date,
            } => self.record_members(effective_date, members),
            E::GeneralMeetingHeld {
                annual,
                effective_date,
            } => {
                if annual {
                    self.last_annual_meeting = self.last_annual_meeting.max(Some(effective_date));
                }
                self.inactive_since = None;
            }
            E::UnionJoined { union, .. } => {
                self.unions.insert(union);
            }
            E::UnionLeft { union, .. } => {
                self.unions.remove(&union);
            }
            E::BusinessSuspended {
                until,
                effective_date,
            } => self.history.push(effective_date, S::Suspended, Some(until)),
            E::BusinessResumed { effective_date }
            | E::NotOperatingAtAddressCleared { effective_date, .. } => {
                self.change_status(effective_date, S::Active)
            }
            E::NotOperatingAtAddressMarked { effective_date, .. } => {
                self.change_status(effective_date, S::NotOperatingAtRegisteredAddress)
            }
            E::InactivityDetected {
                months_inactive,
                effective_date,
                ..
            } => {
                let since = super::law::sub_months(effective_date, months_inactive);
                self.inactive_since = Some(self.inactive_since.map_or(since, |s| s.min(since)));
            }
            E::AnnualInformationSubmitted {
                year,
                information,
                effective_date,
            } => {
                self.annual_information.insert(year, effective_date);
                self.record_members(effective_date, information.members);
                self.inactive_since = None;
            }
            E::ModelCooperativeDesignated { year, .. } => {
                self.model_years.insert(year);
            }
            E::OcopProductRated {
                product,
                stars,
                valid_until,
                effective_date,
                ..
            } => self.ocop.push(OcopRating {
                product,
                stars,
                rated_on: effective_date,
                valid_until,
            }),
            E::ComplianceFindingRaised { finding, ground } => {
                self.reported.insert(ground);
                self.findings.push(finding);
            }
            other => super::lifecycle::apply(self, other),
        }
    }
}
