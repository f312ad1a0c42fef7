//! The `Cooperative` aggregate: one HTX or union of cooperatives, identified by its 10-digit
//! code (aggregate id = the code, e.g. `5700101235`).
//!
//! It holds the registered content, the status history by effective date (so it answers
//! "status on date D"), members, union memberships, reorganisation lineage, dissolution and
//! bankruptcy progress, annual information, model designations and OCOP ratings.

mod apply;
mod command;
mod error;
mod event;
mod findings;
mod law;
mod lifecycle;
mod records;
mod register;
mod reorganisation;
mod state;
mod status;

#[cfg(test)]
mod tests;

pub use command::{
    Address, AnnualInformation, ContentChange, CooperativeAction, CooperativeCommand,
    DissolutionMode, MemberCounts, Origin, RegistrationContent, ReorganisationKind, Representative,
};
pub use error::CooperativeError;
pub use event::{CooperativeEvent, CooperativeEventType};
pub use law::{
    AnnualDeadline, CooperativeLaw, ReRegistrationRule, annual_deadline, annual_deadlines,
    cooperative_laws, law_on, re_registration_rule,
};
pub use state::{
    Cooperative, DissolutionCause, DissolutionFacts, FindingGround, OcopRating,
    PendingReorganisation, RegistrationFacts, RegistrySnapshot,
};
pub use status::{
    CooperativeKind, CooperativeStatus, Sector, StatusHistory, StatusPeriod, Transition,
};

use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

use crate::rules::Refused;
use crate::services::Services;

impl Aggregate for Cooperative {
    const TYPE: &'static str = "cooperative";
    type Command = CooperativeCommand;
    type Event = CooperativeEvent;
    type Error = Refused<CooperativeError>;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let events = self
            .decide(command, services)
            .await
            .map_err(|e| Refused::new(date, e))?;
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.apply_event(event);
    }
}

impl Cooperative {
    /// The events `command` leads to, or the rule it breaks. Nothing is changed.
    async fn decide(
        &self,
        command: CooperativeCommand,
        services: &Services,
    ) -> Result<Vec<CooperativeEvent>, CooperativeError> {
        use CooperativeAction as A;
        let date = command.effective_date;
        match command.action {
            A::Register { .. } => register::register(self, date, command.action, services).await,
            A::ReRegister {
                members,
                certificate_no,
            } => register::re_register(self, date, members, &certificate_no),
            A::ChangeRegisteredContent { change, decided_on } => {
                records::change_content(self, date, change, decided_on, services).await
            }
            A::CorrectRecord { corrected, reason } => {
                records::correct(self, date, corrected, &reason, services).await
            }
            A::RecordMembership { members } => findings::membership(self, date, members),
            A::RecordGeneralMeeting { annual } => findings::meeting(self, date, annual),
            A::JoinUnion { union } => records::join_union(self, date, union, services).await,
            A::LeaveUnion { union } => records::leave_union(self, date, union),
            A::RecordInactivity {
                months_inactive,
                source,
            } => findings::inactivity(self, date, months_inactive, &source),
            A::ReviewCompliance => findings::review(self, date),
            A::SubmitAnnualInformation { year, information } => {
                records::annual_information(self, date, year, information)
            }
            A::DesignateModel { year } => records::designate_model(self, date, year),
            A::RateOcopProduct {
                product,
                stars,
                decision,
                valid_until,
            } => records::rate_ocop(self, date, &product, stars, decision, valid_until),
            A::ResolveReorganisation { .. }
            | A::RegisterAbsorption { .. }
            | A::CompleteReorganisation { .. } => {
                reorganisation::decide(self, date, command.action, services).await
            }
            action => lifecycle::decide(self, date, action),
        }
    }
}
