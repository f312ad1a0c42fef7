//! What the registry recorded: past-tense facts with stable type names and versions.

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::document::DocumentNumber;
use crate::listed::listed_enum;
use crate::rules::Finding;

use super::command::{
    AnnualInformation, ContentChange, DissolutionMode, MemberCounts, Origin, RegistrationContent,
    ReorganisationKind,
};
use super::state::FindingGround;
use super::status::CooperativeKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CooperativeEvent {
    CooperativeRegistered {
        code: CooperativeCode,
        kind: CooperativeKind,
        content: RegistrationContent,
        members: MemberCounts,
        certificate_no: String,
        legacy_reg_no: Option<String>,
        origin: Origin,
        governing_law: String,
        effective_date: NaiveDate,
    },
    CooperativeReRegistered {
        members: MemberCounts,
        certificate_no: String,
        effective_date: NaiveDate,
    },
    RegistrationContentChanged {
        change: ContentChange,
        decided_on: NaiveDate,
        effective_date: NaiveDate,
    },
    RegistrationRecordCorrected {
        previous: ContentChange,
        corrected: ContentChange,
        reason: String,
        effective_date: NaiveDate,
    },
    MembershipRecorded {
        members: MemberCounts,
        effective_date: NaiveDate,
    },
    GeneralMeetingHeld {
        annual: bool,
        effective_date: NaiveDate,
    },
    UnionJoined {
        union: CooperativeCode,
        effective_date: NaiveDate,
    },
    UnionLeft {
        union: CooperativeCode,
        effective_date: NaiveDate,
    },
    BusinessSuspended {
        until: NaiveDate,
        effective_date: NaiveDate,
    },
    BusinessResumed {
        effective_date: NaiveDate,
    },
    NotOperatingAtAddressMarked {
        tax_notice: String,
        effective_date: NaiveDate,
    },
    NotOperatingAtAddressCleared {
        tax_notice: String,
        effective_date: NaiveDate,
    },
    InactivityDetected {
        months_inactive: u32,
        source: String,
        effective_date: NaiveDate,
    },
    ReorganisationResolved {
        kind: ReorganisationKind,
        counterparts: Vec<CooperativeCode>,
        resolution: String,
        effective_date: NaiveDate,
    },
    AbsorptionRegistered {
        absorbed: Vec<CooperativeCode>,
        effective_date: NaiveDate,
    },
    CooperativeDivided {
        successors: Vec<CooperativeCode>,
        effective_date: NaiveDate,
    },
    CooperativeSeparated {
        new_cooperatives: Vec<CooperativeCode>,
        effective_date: NaiveDate,
    },
    CooperativeConsolidated {
        into: CooperativeCode,
        effective_date: NaiveDate,
    },
    CooperativeMergedInto {
        absorbing: CooperativeCode,
        effective_date: NaiveDate,
    },
    CertificateRevoked {
        ground: String,
        tax_enforcement: bool,
        decision: DocumentNumber,
        effective_date: NaiveDate,
    },
    RevocationAnnulled {
        reason: String,
        decision: DocumentNumber,
        effective_date: NaiveDate,
    },
    VoluntaryDissolutionResolved {
        resolution: String,
        effective_date: NaiveDate,
    },
    CompulsoryDissolutionDecided {
        decided_by: String,
        ground: String,
        decision: DocumentNumber,
        effective_date: NaiveDate,
    },
    DissolutionPublished {
        effective_date: NaiveDate,
    },
    DissolutionResolutionCancelled {
        resolution: String,
        effective_date: NaiveDate,
    },
    CooperativeDissolved {
        mode: DissolutionMode,
        effective_date: NaiveDate,
    },
    BankruptcyOpened {
        court: String,
        decision: String,
        effective_date: NaiveDate,
    },
    BankruptcyDeclared {
        court: String,
        decision: String,
        effective_date: NaiveDate,
    },
    AnnualInformationSubmitted {
        year: i32,
        information: AnnualInformation,
        effective_date: NaiveDate,
    },
    ModelCooperativeDesignated {
        year: i32,
        effective_date: NaiveDate,
    },
    OcopProductRated {
        product: String,
        stars: u8,
        decision: DocumentNumber,
        valid_until: NaiveDate,
        effective_date: NaiveDate,
    },
    ComplianceFindingRaised {
        finding: Finding,
        ground: FindingGround,
    },
}

listed_enum! {
    /// The stored `event_type` of every [`CooperativeEvent`].
    pub enum CooperativeEventType {
        CooperativeRegistered => "CooperativeRegistered",
        CooperativeReRegistered => "CooperativeReRegistered",
        RegistrationContentChanged => "RegistrationContentChanged",
        RegistrationRecordCorrected => "RegistrationRecordCorrected",
        MembershipRecorded => "MembershipRecorded",
        GeneralMeetingHeld => "GeneralMeetingHeld",
        UnionJoined => "UnionJoined",
        UnionLeft => "UnionLeft",
        BusinessSuspended => "BusinessSuspended",
        BusinessResumed => "BusinessResumed",
        NotOperatingAtAddressMarked => "NotOperatingAtAddressMarked",
        NotOperatingAtAddressCleared => "NotOperatingAtAddressCleared",
        InactivityDetected => "InactivityDetected",
        ReorganisationResolved => "ReorganisationResolved",
        AbsorptionRegistered => "AbsorptionRegistered",
        CooperativeDivided => "CooperativeDivided",
        CooperativeSeparated => "CooperativeSeparated",
        CooperativeConsolidated => "CooperativeConsolidated",
        CooperativeMergedInto => "CooperativeMergedInto",
        CertificateRevoked => "CertificateRevoked",
        RevocationAnnulled => "RevocationAnnulled",
        VoluntaryDissolutionResolved => "VoluntaryDissolutionResolved",
        CompulsoryDissolutionDecided => "CompulsoryDissolutionDecided",
        DissolutionPublished => "DissolutionPublished",
        DissolutionResolutionCancelled => "DissolutionResolutionCancelled",
        CooperativeDissolved => "CooperativeDissolved",
        BankruptcyOpened => "BankruptcyOpened",
        BankruptcyDeclared => "BankruptcyDeclared",
        AnnualInformationSubmitted => "AnnualInformationSubmitted",
        ModelCooperativeDesignated => "ModelCooperativeDesignated",
        OcopProductRated => "OcopProductRated",
        ComplianceFindingRaised => "ComplianceFindingRaised",
    }
}

impl CooperativeEvent {
    pub fn kind(&self) -> CooperativeEventType {
        use CooperativeEvent as E;
        use CooperativeEventType as T;
        match self {
            E::CooperativeRegistered { .. } => T::CooperativeRegistered,
            E::CooperativeReRegistered { .. } => T::CooperativeReRegistered,
            E::RegistrationContentChanged { .. } => T::RegistrationContentChanged,
            E::RegistrationRecordCorrected { .. } => T::RegistrationRecordCorrected,
            E::MembershipRecorded { .. } => T::MembershipRecorded,
            E::GeneralMeetingHeld { .. } => T::GeneralMeetingHeld,
            E::UnionJoined { .. } => T::UnionJoined,
            E::UnionLeft { .. } => T::UnionLeft,
            E::BusinessSuspended { .. } => T::BusinessSuspended,
            E::BusinessResumed { .. } => T::BusinessResumed,
            E::NotOperatingAtAddressMarked { .. } => T::NotOperatingAtAddressMarked,
            E::NotOperatingAtAddressCleared { .. } => T::NotOperatingAtAddressCleared,
            E::InactivityDetected { .. } => T::InactivityDetected,
            E::ReorganisationResolved { .. } => T::ReorganisationResolved,
            E::AbsorptionRegistered { .. } => T::AbsorptionRegistered,
            E::CooperativeDivided { .. } => T::CooperativeDivided,
            E::CooperativeSeparated { .. } => T::CooperativeSeparated,
            E::CooperativeConsolidated { .. } => T::CooperativeConsolidated,
            E::CooperativeMergedInto { .. } => T::CooperativeMergedInto,
            E::CertificateRevoked { .. } => T::CertificateRevoked,
            E::RevocationAnnulled { .. } => T::RevocationAnnulled,
            E::VoluntaryDissolutionResolved { .. } => T::VoluntaryDissolutionResolved,
            E::CompulsoryDissolutionDecided { .. } => T::CompulsoryDissolutionDecided,
            E::DissolutionPublished { .. } => T::DissolutionPublished,
            E::DissolutionResolutionCancelled { .. } => T::DissolutionResolutionCancelled,
            E::CooperativeDissolved { .. } => T::CooperativeDissolved,
            E::BankruptcyOpened { .. } => T::BankruptcyOpened,
            E::BankruptcyDeclared { .. } => T::BankruptcyDeclared,
            E::AnnualInformationSubmitted { .. } => T::AnnualInformationSubmitted,
            E::ModelCooperativeDesignated { .. } => T::ModelCooperativeDesignated,
            E::OcopProductRated { .. } => T::OcopProductRated,
            E::ComplianceFindingRaised { .. } => T::ComplianceFindingRaised,
        }
    }

    /// Events a terminal cooperative may still take (REG-04): corrections and findings.
    pub fn is_allowed_after_end(&self) -> bool {
        matches!(
            self,
            CooperativeEvent::RegistrationRecordCorrected { .. }
                | CooperativeEvent::ComplianceFindingRaised { .. }
        )
    }
}

impl DomainEvent for CooperativeEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}
