//! The `SupportRuleSet` aggregate: the caps one document sets for one support category,
//! versioned by validity dates. Aggregate id = [`RuleSetId`]:
//! `{category}:{canonical document number}`, e.g. `establishment:899/2017/QĐ-UBND`.

use std::fmt;

use chrono::{Days, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::document::DocumentNumber;
use crate::funding::SupportCategory;
use crate::listed::listed_enum;
use crate::rules::Refused;

use super::caps::{Cap, RuleSetVersion};
use super::error::ReferenceError;

/// INVARIANT: `{category}:{canonical document number}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    schema(
        value_type = String,
        pattern = "^(training|establishment|reorganisation|trade-promotion|science-technology|credit|land-infrastructure|disaster-recovery|processing|graduate-placement):[0-9]{2,}[/-]\\S+$",
        description = "Bộ quy tắc hỗ trợ / support rule set: `{hạng mục hỗ trợ}:{số văn bản}`, the support category and the canonical number of the document that sets the caps. The document number must be in canonical form (`899/2017/QĐ-UBND`, not `899/2017/qd-ubnd`).",
        example = "establishment:899/2017/QĐ-UBND"
    )
)]
pub struct RuleSetId(String);

impl RuleSetId {
    pub fn new(category: SupportCategory, basis: &DocumentNumber) -> RuleSetId {
        RuleSetId(format!("{category}:{}", basis.canonical()))
    }

    /// # Errors
    /// When the text is not `{category}:{document number}` in canonical form.
    pub fn parse(text: &str) -> Result<RuleSetId, ReferenceError> {
        let invalid = |reason: &str| ReferenceError::InvalidId {
            id: text.to_string(),
            reason: reason.to_string(),
        };
        let (category, number) = text.split_once(':').ok_or_else(|| invalid("no ':'"))?;
        let category =
            SupportCategory::parse(category).ok_or_else(|| invalid("unknown category"))?;
        let number = DocumentNumber::parse(number)?;
        let id = RuleSetId::new(category, &number);
        if id.0 != text {
            return Err(invalid("not canonical"));
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RuleSetId {
    type Error = ReferenceError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        RuleSetId::parse(&text)
    }
}

impl From<RuleSetId> for String {
    fn from(id: RuleSetId) -> String {
        id.0
    }
}

pub type SupportRuleSetCommand = Command<SupportRuleSetAction>;

/// What one support rule set (mức hỗ trợ: the caps a document sets for a support category)
/// is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SupportRuleSetAction {
    /// Publish a version; a later `valid_from` ends the previous version the day before.
    PublishVersion {
        category: SupportCategory,
        basis: DocumentNumber,
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
        caps: Vec<Cap>,
    },
    End {
        last_day: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SupportRuleSetEvent {
    RuleSetVersionPublished {
        version: RuleSetVersion,
        effective_date: NaiveDate,
    },
    RuleSetEnded {
        last_day: NaiveDate,
        effective_date: NaiveDate,
    },
}

listed_enum! {
    pub enum SupportRuleSetEventType {
        RuleSetVersionPublished => "RuleSetVersionPublished",
        RuleSetEnded => "RuleSetEnded",
    }
}

impl SupportRuleSetEvent {
    pub fn kind(&self) -> SupportRuleSetEventType {
        match self {
            SupportRuleSetEvent::RuleSetVersionPublished { .. } => {
                SupportRuleSetEventType::RuleSetVersionPublished
            }
            SupportRuleSetEvent::RuleSetEnded { .. } => SupportRuleSetEventType::RuleSetEnded,
        }
    }
}

impl DomainEvent for SupportRuleSetEvent {
    fn event_type(&self) -> String {
        self.kind().as_str().to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupportRuleSet {
    versions: Vec<RuleSetVersion>,
}

impl SupportRuleSet {
    /// The answer to [`crate::services::RuleSetLookup::version_on`].
    pub fn version_on(&self, date: NaiveDate) -> Option<RuleSetVersion> {
        self.versions.iter().find(|v| v.in_force_on(date)).cloned()
    }

    pub fn versions(&self) -> &[RuleSetVersion] {
        &self.versions
    }

    fn decide(
        &self,
        command: SupportRuleSetCommand,
    ) -> Result<SupportRuleSetEvent, ReferenceError> {
        let effective_date = command.effective_date;
        match command.action {
            SupportRuleSetAction::PublishVersion {
                category,
                basis,
                valid_from,
                valid_to,
                caps,
            } => {
                if let Some(first) = self.versions.first() {
                    let expected = RuleSetId::new(first.category, &first.basis);
                    let given = RuleSetId::new(category, &basis);
                    if expected != given {
                        return Err(ReferenceError::Mismatch {
                            field: "rule set".into(),
                            expected: expected.to_string(),
                            given: given.to_string(),
                        });
                    }
                }
                let previous = self.versions.last().map(|v| v.valid_from);
                if previous.is_some_and(|p| valid_from <= p) {
                    return Err(ReferenceError::NotAfterPrevious {
                        valid_from,
                        previous,
                    });
                }
                if let Some(to) = valid_to.filter(|to| *to < valid_from) {
                    return Err(ReferenceError::InvalidPeriod {
                        from: Some(valid_from),
                        to,
                    });
                }
                if caps.is_empty() {
                    return Err(ReferenceError::InvalidCaps {
                        reason: "không có mức / no caps".into(),
                    });
                }
                if let Some(reason) = caps.iter().find_map(Cap::problem) {
                    return Err(ReferenceError::InvalidCaps { reason });
                }
                let version = RuleSetVersion {
                    version: u32::try_from(self.versions.len())
                        .unwrap_or(u32::MAX)
                        .saturating_add(1),
                    category,
                    basis,
                    valid_from,
                    valid_to,
                    caps,
                };
                Ok(SupportRuleSetEvent::RuleSetVersionPublished {
                    version,
                    effective_date,
                })
            }
            SupportRuleSetAction::End { last_day } => {
                let current = self.versions.last().ok_or(ReferenceError::NotRecorded)?;
                if let Some(to) = current.valid_to.filter(|to| *to < last_day) {
                    return Err(ReferenceError::AlreadyEnded { last_day: to });
                }
                if last_day < current.valid_from {
                    return Err(ReferenceError::InvalidPeriod {
                        from: Some(current.valid_from),
                        to: last_day,
                    });
                }
                Ok(SupportRuleSetEvent::RuleSetEnded {
                    last_day,
                    effective_date,
                })
            }
        }
    }
}

impl Aggregate for SupportRuleSet {
    const TYPE: &'static str = "support_rule_set";
    type Command = SupportRuleSetCommand;
    type Event = SupportRuleSetEvent;
    type Error = Refused<ReferenceError>;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let date = command.effective_date;
        let event = self.decide(command).map_err(|e| Refused::new(date, e))?;
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            SupportRuleSetEvent::RuleSetVersionPublished { version, .. } => {
                if let Some(previous) = self.versions.last_mut() {
                    let day_before = version.valid_from - Days::new(1);
                    previous.valid_to =
                        Some(previous.valid_to.map_or(day_before, |t| t.min(day_before)));
                }
                self.versions.push(version);
            }
            SupportRuleSetEvent::RuleSetEnded { last_day, .. } => {
                if let Some(current) = self.versions.last_mut() {
                    current.valid_to = Some(last_day);
                }
            }
        }
    }
}
