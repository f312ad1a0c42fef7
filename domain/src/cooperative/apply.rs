//! How each event changes a cooperative's state. Status and reorganisation events are
//! applied in `lifecycle`.

use chrono::NaiveDate;

use super::command::{ContentChange, MemberCounts};
use super::event::CooperativeEvent;
use super::law::{law_on, sub_months};
use super::state::{Cooperative, OcopRating, Registration};
use super::status::CooperativeStatus;

impl Cooperative {
    fn record_members(&mut self, date: NaiveDate, members: MemberCounts) {
        self.members.insert(date, members);
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
                    if matches!(change, ContentChange::Address(_)) {
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
                let since = sub_months(effective_date, months_inactive);
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
