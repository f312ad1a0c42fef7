//! Reference data as events, versioned by validity dates: legal documents, support rule sets
//! with their caps, administrative units and their changes, and the east/west region mapping.
//! These aggregates read nothing else, so their `Services` is `()`.

mod admin_unit;
mod admin_unit_event;
mod caps;
mod error;
mod legal_document;
mod region;
mod rule_set;
pub mod seed;

#[cfg(test)]
mod tests;

pub use admin_unit::{AdministrativeUnit, UnitSnapshot, UnitType};
pub use admin_unit_event::{
    AdministrativeUnitAction, AdministrativeUnitCommand, AdministrativeUnitEvent,
    AdministrativeUnitEventType,
};
pub use caps::{Cap, MemberTier, RuleSetVersion};
pub use error::ReferenceError;
pub use legal_document::{
    LegalDocument, LegalDocumentAction, LegalDocumentCommand, LegalDocumentEvent,
    LegalDocumentEventType,
};
pub use region::{
    Region, RegionMapping, RegionMappingAction, RegionMappingCommand, RegionMappingEvent,
    RegionMappingEventType,
};
pub use rule_set::{
    RuleSetId, SupportRuleSet, SupportRuleSetAction, SupportRuleSetCommand, SupportRuleSetEvent,
    SupportRuleSetEventType,
};
