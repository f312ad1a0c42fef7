//! What a registration clerk (or the tax authority, a court, the registration authority)
//! asks the registry to record. Commands are imperative; each travels in a
//! [`crate::command::Command`] with its effective date and actor.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::code::CooperativeCode;
use crate::command::Command;
use crate::document::DocumentNumber;
use crate::money::Dong;
use crate::text::nfc;

use super::status::{CooperativeKind, Sector};

pub type CooperativeCommand = Command<CooperativeAction>;

/// A head-office address, with the administrative unit (GSO code) valid on the date it was
/// registered. History is never rewritten after boundary changes (GEO-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub text: String,
    pub unit: String,
}

impl Address {
    pub fn new(text: &str, unit: &str) -> Self {
        Address {
            text: nfc(text.trim()),
            unit: nfc(unit.trim()),
        }
    }
}

/// The legal representative. Personal ID numbers are not held here (personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Representative {
    pub name: String,
    pub title: String,
}

impl Representative {
    pub fn new(name: &str, title: &str) -> Self {
        Representative {
            name: nfc(name.trim()),
            title: nfc(title.trim()),
        }
    }
}

/// Member counts on a date: official members (the 2012 Law's members), associate members,
/// and, for a union, its member cooperatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberCounts {
    pub official: u32,
    pub associate: u32,
    pub member_cooperatives: u32,
}

impl MemberCounts {
    /// The count the law's minimum applies to for `kind`.
    pub fn counted_for(&self, kind: CooperativeKind) -> u32 {
        match kind {
            CooperativeKind::Cooperative => self.official,
            CooperativeKind::Union => self.member_cooperatives,
        }
    }
}

/// The registered content on a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationContent {
    pub name: String,
    pub address: Address,
    pub representative: Representative,
    pub charter_capital: Dong,
    /// The main sector (ngành nghề chính). Absent from entries recorded before the registry
    /// recorded sectors, and then not serialised, so those entries re-encode to the same bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
}

/// One item of registered content, changed or corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContentChange {
    Name(String),
    Address(Address),
    Representative(Representative),
    CharterCapital(Dong),
    Sector(Sector),
}

impl ContentChange {
    pub fn field(&self) -> &'static str {
        match self {
            ContentChange::Name(_) => "name",
            ContentChange::Address(_) => "address",
            ContentChange::Representative(_) => "representative",
            ContentChange::CharterCapital(_) => "charter_capital",
            ContentChange::Sector(_) => "sector",
        }
    }

    /// The same field's current value in `content`; `None` for a sector not recorded (an
    /// entry made before the registry recorded sectors).
    pub fn current_in(&self, content: &RegistrationContent) -> Option<ContentChange> {
        Some(match self {
            ContentChange::Name(_) => ContentChange::Name(content.name.clone()),
            ContentChange::Address(_) => ContentChange::Address(content.address.clone()),
            ContentChange::Representative(_) => {
                ContentChange::Representative(content.representative.clone())
            }
            ContentChange::CharterCapital(_) => {
                ContentChange::CharterCapital(content.charter_capital)
            }
            ContentChange::Sector(_) => ContentChange::Sector(content.sector?),
        })
    }

    pub(crate) fn apply_to(&self, content: &mut RegistrationContent) {
        match self {
            ContentChange::Name(name) => content.name = nfc(name),
            ContentChange::Address(address) => content.address = address.clone(),
            ContentChange::Representative(r) => content.representative = r.clone(),
            ContentChange::CharterCapital(c) => content.charter_capital = *c,
            ContentChange::Sector(sector) => content.sector = Some(*sector),
        }
    }
}

/// How a cooperative came to exist: newly founded, or as the successor of a reorganisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Origin {
    New,
    Division { predecessor: CooperativeCode },
    Separation { source: CooperativeCode },
    Consolidation { predecessors: Vec<CooperativeCode> },
}

impl Origin {
    /// The cooperatives this one descends from.
    pub fn predecessors(&self) -> Vec<CooperativeCode> {
        match self {
            Origin::New => Vec::new(),
            Origin::Division { predecessor } => vec![predecessor.clone()],
            Origin::Separation { source } => vec![source.clone()],
            Origin::Consolidation { predecessors } => predecessors.clone(),
        }
    }
}

/// Chia, tách, hợp nhất, sáp nhập (Luật HTX 2023 Điều 92-95).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReorganisationKind {
    Division,
    Separation,
    Consolidation,
    Merger,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DissolutionMode {
    /// On the dissolution dossier (hồ sơ giải thể).
    Dossier,
    /// Six months after publication, without dossier or objection.
    SixMonthsElapsed,
}

/// Indicators of the annual information report (Phụ lục I-19, Mẫu VII-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnualInformation {
    pub members: MemberCounts,
    pub workers: u32,
    pub revenue: Dong,
    /// Profit may be negative, so it is plain đồng, not [`Dong`].
    pub profit: i64,
    pub average_income: Dong,
}

/// What one cooperative's registry record (sổ đăng ký HTX) is asked to record (Luật HTX 2023,
/// NĐ 92/2024). The aggregate id is the cooperative code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CooperativeAction {
    /// Register a new cooperative. `code` is the text entered; it is checked here (REG-01).
    Register {
        code: String,
        kind: CooperativeKind,
        content: RegistrationContent,
        members: MemberCounts,
        certificate_no: String,
        legacy_reg_no: Option<String>,
        origin: Origin,
    },
    /// Re-register under the 2012 Law a cooperative registered before 01/7/2013.
    ReRegister {
        members: MemberCounts,
        certificate_no: String,
    },
    ChangeRegisteredContent {
        change: ContentChange,
        decided_on: NaiveDate,
    },
    /// Hiệu đính: fix data entered wrongly. Never a business change.
    CorrectRecord {
        corrected: ContentChange,
        reason: String,
    },
    RecordMembership {
        members: MemberCounts,
    },
    RecordGeneralMeeting {
        annual: bool,
    },
    JoinUnion {
        union: CooperativeCode,
    },
    LeaveUnion {
        union: CooperativeCode,
    },
    Suspend {
        until: NaiveDate,
    },
    Resume,
    MarkNotOperatingAtAddress {
        tax_notice: String,
    },
    ClearNotOperatingAtAddress {
        tax_notice: String,
    },
    RecordInactivity {
        months_inactive: u32,
        source: String,
    },
    /// Raise the findings (REG-03) due on the effective date.
    ReviewCompliance,
    ResolveReorganisation {
        kind: ReorganisationKind,
        counterparts: Vec<CooperativeCode>,
        resolution: String,
    },
    /// The absorbing cooperative registers the merger of `absorbed` into it.
    RegisterAbsorption {
        absorbed: Vec<CooperativeCode>,
    },
    /// End (or, for a separation, conclude) this cooperative's reorganisation.
    CompleteReorganisation {
        successors: Vec<CooperativeCode>,
    },
    RevokeCertificate {
        ground: String,
        tax_enforcement: bool,
        decision: DocumentNumber,
    },
    AnnulRevocation {
        reason: String,
        decision: DocumentNumber,
    },
    ResolveDissolution {
        resolution: String,
    },
    DecideCompulsoryDissolution {
        decided_by: String,
        ground: String,
        decision: DocumentNumber,
    },
    PublishDissolution,
    CancelDissolution {
        resolution: String,
    },
    CompleteDissolution {
        mode: DissolutionMode,
    },
    OpenBankruptcy {
        court: String,
        decision: String,
    },
    DeclareBankruptcy {
        court: String,
        decision: String,
    },
    SubmitAnnualInformation {
        year: i32,
        information: AnnualInformation,
    },
    DesignateModel {
        year: i32,
    },
    RateOcopProduct {
        product: String,
        #[cfg_attr(feature = "openapi", schema(maximum = 255))]
        stars: u8,
        decision: DocumentNumber,
        valid_until: NaiveDate,
    },
}
