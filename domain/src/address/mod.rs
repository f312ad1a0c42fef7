//! One identity per command: the aggregate a command is sent to.
//!
//! cqrs-es does not pass the aggregate id to `handle`, so a command whose action repeats the
//! id (a registration's `code`, an estimate's `line`, …) could name one aggregate in its
//! address and another in its body, and the entry would be written under the address with
//! the body's identity (a code registered twice under two aggregate ids, REG-01 bypassed).
//! [`Addressed::check_address`] refuses that before anything is loaded: the address must be a
//! well-formed id of its kind (format, check digit), and every field of the action that names
//! the aggregate must name the same one. The command side runs it before every command, from
//! any caller (HTTP, command line, scenario, batch).
//!
//! [`Addressed::id_fields`] says which fields of an action repeat the id, and their values for
//! a given id, so that a caller (the HTTP service) can fill them from the address alone: the
//! body need not carry the id at all.

use chrono::NaiveDate;
use serde_json::Value;

use crate::code::CooperativeCode;
use crate::cooperative::{Cooperative, CooperativeAction, CooperativeError};
use crate::document::DocumentNumber;
use crate::funding::{
    BudgetLine, BudgetLineAction, BudgetLineError, BudgetLineId, RecordId, Settlement,
    SettlementAction, SettlementError, SettlementId, SupportCase, SupportCaseAction,
    SupportCaseError, SupportCategory, TrainingClass, TrainingClassAction, TrainingClassError,
};
use crate::people::{Person, PersonAction, PersonError, is_valid_user_name};
use crate::reference::{
    AdministrativeUnit, AdministrativeUnitAction, LegalDocument, LegalDocumentAction,
    ReferenceError, RegionMapping, RuleSetId, SupportRuleSet, SupportRuleSetAction,
};
use crate::rules::{Refused, RuleCode, RuleError};

pub mod error;

pub use error::AddressError;

/// An aggregate that knows its own ids: how one is checked, and which fields of its actions
/// repeat it.
pub trait Addressed: cqrs_es::Aggregate {
    /// What the id is, in Vietnamese and English (`mã HTX` / `cooperative code`).
    const ID: (&'static str, &'static str);
    /// The rule a malformed id breaks.
    const ID_RULE: RuleCode = RuleCode::Data01;
    /// A well-formed id of this kind, for documentation.
    const EXAMPLE_ID: &'static str;

    /// Checks `id` as an id of this kind; the reason it is not one.
    ///
    /// # Errors
    /// A bilingual reason.
    fn check_id(id: &str) -> Result<(), String>;

    /// The fields of action `variant` that repeat the aggregate id, each with the JSON value it
    /// takes for aggregate `id`. Empty for actions that do not name their aggregate.
    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)>;

    /// Each field of `command` that names an aggregate, with the id it names (`None`: the
    /// field's text is not an id of this kind at all, which the aggregate's own rules refuse).
    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)>;

    /// Wraps an address refusal of a command dated `effective_date` as this aggregate's error.
    fn refuse(effective_date: NaiveDate, error: AddressError) -> Self::Error;

    /// The legal date of `command`.
    fn date_of(command: &Self::Command) -> NaiveDate;

    /// `id` is a well-formed id of this kind, for a command dated `effective_date` (the date
    /// decides the legal basis cited). Callers that read the action later may check the
    /// address first with this.
    ///
    /// # Errors
    /// [`AddressError::InvalidId`], as this aggregate's error.
    fn check_id_on(id: &str, effective_date: NaiveDate) -> Result<(), Self::Error> {
        Self::check_id(id).map_err(|reason| {
            let (what, what_en) = Self::ID;
            Self::refuse(
                effective_date,
                AddressError::InvalidId {
                    rule: Self::ID_RULE,
                    what,
                    what_en,
                    id: id.to_string(),
                    reason,
                },
            )
        })
    }

    /// `id` is a well-formed id of this kind and every field of `command` naming an aggregate
    /// names `id`.
    ///
    /// # Errors
    /// [`AddressError::InvalidId`] or [`AddressError::Mismatch`], as this aggregate's error.
    fn check_address(id: &str, command: &Self::Command) -> Result<(), Self::Error> {
        Self::check_id_on(id, Self::date_of(command))?;
        for (field, named) in Self::named_ids(command) {
            if let Some(named) = named.filter(|named| named != id) {
                return Err(Self::refuse(
                    Self::date_of(command),
                    AddressError::Mismatch {
                        field,
                        address: id.to_string(),
                        body: named,
                    },
                ));
            }
        }
        Ok(())
    }
}

fn refused<E: RuleError + From<AddressError>>(date: NaiveDate, error: AddressError) -> Refused<E> {
    Refused::new(date, E::from(error))
}

/// The one field `name` that repeats the id.
fn field(name: &'static str, id: &str) -> Vec<(&'static str, Value)> {
    vec![(name, Value::String(id.to_string()))]
}

/// An id that parses must also be written in its one canonical form.
fn canonical<T, E: std::fmt::Display>(
    id: &str,
    parsed: Result<T, E>,
    shown: impl Fn(&T) -> String,
) -> Result<(), String> {
    let parsed = parsed.map_err(|e| e.to_string())?;
    let canonical = shown(&parsed);
    if canonical == id {
        Ok(())
    } else {
        Err(format!(
            "viết đúng dạng chuẩn {canonical:?} / write it in its canonical form {canonical:?}"
        ))
    }
}

impl Addressed for Cooperative {
    const ID: (&'static str, &'static str) = ("mã HTX", "cooperative code");
    const EXAMPLE_ID: &'static str = "5700101235";
    const ID_RULE: RuleCode = RuleCode::Reg01;

    fn check_id(id: &str) -> Result<(), String> {
        canonical(id, CooperativeCode::parse(id), |c| c.as_str().to_string())
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "Register" => field("code", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            CooperativeAction::Register { code, .. } => vec![(
                "code",
                Some(
                    CooperativeCode::parse(code)
                        .map_or_else(|_| code.clone(), |c| c.as_str().to_string()),
                ),
            )],
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<CooperativeError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for BudgetLine {
    const ID: (&'static str, &'static str) = ("dòng dự toán", "budget line");
    const EXAMPLE_ID: &'static str = "2018/SO-KHDT/NTM-1600/training";

    fn check_id(id: &str) -> Result<(), String> {
        canonical(id, BudgetLineId::parse(id), BudgetLineId::to_id)
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "AssignEstimate" => field("line", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            BudgetLineAction::AssignEstimate { line, .. } => vec![("line", Some(line.to_id()))],
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<BudgetLineError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for SupportCase {
    const ID: (&'static str, &'static str) = ("hồ sơ hỗ trợ", "support case");
    const EXAMPLE_ID: &'static str = "2018/SO-KHDT/HS-0007";

    fn check_id(id: &str) -> Result<(), String> {
        canonical(id, RecordId::parse(id), RecordId::to_id)
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "ReceiveApplication" => field("case", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            SupportCaseAction::ReceiveApplication { case, .. } => {
                vec![("case", Some(case.to_id()))]
            }
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<SupportCaseError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for TrainingClass {
    const ID: (&'static str, &'static str) = ("lớp bồi dưỡng", "training class");
    const EXAMPLE_ID: &'static str = "2018/SO-NNPTNT/L03";

    fn check_id(id: &str) -> Result<(), String> {
        canonical(id, RecordId::parse(id), RecordId::to_id)
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "Plan" => field("class", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            TrainingClassAction::Plan { class, .. } => vec![("class", Some(class.to_id()))],
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<TrainingClassError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for Settlement {
    const ID: (&'static str, &'static str) = ("quyết toán", "settlement");
    const EXAMPLE_ID: &'static str = "2018/SO-KHDT";

    fn check_id(id: &str) -> Result<(), String> {
        canonical(id, SettlementId::parse(id), SettlementId::to_id)
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "Submit" => field("settlement", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            SettlementAction::Submit { settlement, .. } => {
                vec![("settlement", Some(settlement.to_id()))]
            }
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<SettlementError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for AdministrativeUnit {
    const ID: (&'static str, &'static str) = ("mã đơn vị hành chính", "administrative unit code");
    const EXAMPLE_ID: &'static str = "193";

    fn check_id(id: &str) -> Result<(), String> {
        let ok = matches!(id.len(), 2 | 3 | 5) && id.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(())
            .ok_or_else(|| "mã GSO 2, 3 hoặc 5 chữ số / GSO codes have 2, 3 or 5 digits".into())
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "Establish" => field("code", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            AdministrativeUnitAction::Establish { code, .. } => vec![("code", Some(code.clone()))],
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<ReferenceError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for LegalDocument {
    const ID: (&'static str, &'static str) = ("số văn bản", "document number");
    const EXAMPLE_ID: &'static str = "899/2017/QĐ-UBND";

    fn check_id(id: &str) -> Result<(), String> {
        canonical(id, DocumentNumber::parse(id), |n| n.canonical().to_string())
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "Register" => field("number", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            // An unreadable number is refused by the aggregate (DATA-01), naming the text.
            LegalDocumentAction::Register { number, .. } => vec![(
                "number",
                DocumentNumber::parse(number)
                    .ok()
                    .map(|n| n.canonical().to_string()),
            )],
            LegalDocumentAction::Repeal { .. } => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<ReferenceError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for SupportRuleSet {
    const ID: (&'static str, &'static str) = ("bộ quy tắc hỗ trợ", "support rule set");
    const EXAMPLE_ID: &'static str = "establishment:899/2017/QĐ-UBND";

    fn check_id(id: &str) -> Result<(), String> {
        RuleSetId::parse(id).map(|_| ()).map_err(|e| e.to_string())
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match (variant, id.split_once(':')) {
            ("PublishVersion", Some((category, basis)))
                if SupportCategory::parse(category).is_some() =>
            {
                vec![
                    ("category", Value::String(category.to_string())),
                    ("basis", Value::String(basis.to_string())),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            SupportRuleSetAction::PublishVersion {
                category, basis, ..
            } => vec![(
                "category, basis",
                Some(RuleSetId::new(*category, basis).to_string()),
            )],
            SupportRuleSetAction::End { .. } => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<ReferenceError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for RegionMapping {
    const ID: (&'static str, &'static str) = ("tên phân vùng", "region mapping name");
    const EXAMPLE_ID: &'static str = "mien-dong-tay";

    fn check_id(id: &str) -> Result<(), String> {
        let ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then_some(()).ok_or_else(|| {
            "chữ thường ASCII, số, gạch ngang (1-64) / lowercase ASCII letters, digits, '-' (1-64)"
                .into()
        })
    }

    fn id_fields(_variant: &str, _id: &str) -> Vec<(&'static str, Value)> {
        Vec::new()
    }

    fn named_ids(_command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        Vec::new()
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<ReferenceError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

impl Addressed for Person {
    const ID: (&'static str, &'static str) = ("tên đăng nhập", "user name");
    const EXAMPLE_ID: &'static str = "nguyen.van.a";

    fn check_id(id: &str) -> Result<(), String> {
        is_valid_user_name(id).then_some(()).ok_or_else(|| {
            "chữ thường ASCII, số, '.', '-', '_' (1-64) / lowercase ASCII letters, digits, '.', '-', '_' (1-64)"
                .into()
        })
    }

    fn id_fields(variant: &str, id: &str) -> Vec<(&'static str, Value)> {
        match variant {
            "Add" => field("user", id),
            _ => Vec::new(),
        }
    }

    fn named_ids(command: &Self::Command) -> Vec<(&'static str, Option<String>)> {
        match &command.action {
            PersonAction::Add { user, .. } => vec![("user", Some(user.clone()))],
            _ => Vec::new(),
        }
    }

    fn refuse(date: NaiveDate, error: AddressError) -> Self::Error {
        refused::<PersonError>(date, error)
    }

    fn date_of(command: &Self::Command) -> NaiveDate {
        command.effective_date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn an_address_must_be_a_canonical_id_of_its_kind() {
        assert!(Cooperative::check_id(code(1).as_str()).is_ok());
        assert!(Cooperative::check_id("5700888021").is_err());
        assert!(Cooperative::check_id("57.00.101.234").is_err());
        assert!(BudgetLine::check_id("2018/SO-KHDT/NTM-1600/training").is_ok());
        assert!(BudgetLine::check_id("2018/SO-KHDT/NTM-1600/cooking").is_err());
        assert!(LegalDocument::check_id("899/2017/QĐ-UBND").is_ok());
        let not_canonical = LegalDocument::check_id("899/2017/qd-ubnd").unwrap_err();
        assert!(
            not_canonical.contains("899/2017/QĐ-UBND"),
            "{not_canonical}"
        );
        assert!(SupportRuleSet::check_id("establishment:899/2017/QĐ-UBND").is_ok());
        assert!(Person::check_id("Cán Bộ").is_err());
        assert!(RegionMapping::check_id("mien-dong-tay").is_ok());
        assert!(AdministrativeUnit::check_id("1934").is_err());
    }

    #[test]
    fn a_body_naming_another_aggregate_is_refused_naming_both() {
        let action = CooperativeAction::Register {
            code: code(2).as_str().to_string(),
            kind: crate::cooperative::CooperativeKind::Cooperative,
            content: content(),
            members: members(7),
            certificate_no: "GCN-01".into(),
            legacy_reg_no: None,
            origin: crate::cooperative::Origin::New,
        };
        let command = cmd(day(2018, 3, 1), action);
        let refused = Cooperative::check_address(code(1).as_str(), &command).unwrap_err();
        assert_eq!(
            refused.reason,
            CooperativeError::Address(AddressError::Mismatch {
                field: "code",
                address: code(1).as_str().to_string(),
                body: code(2).as_str().to_string(),
            })
        );
        assert_eq!(refused.rule(), Some(RuleCode::Data01));
        let message = refused.to_string();
        assert!(
            message.contains(code(1).as_str()) && message.contains(code(2).as_str()),
            "{message}"
        );
        assert!(Cooperative::check_address(code(2).as_str(), &command).is_ok());
        let invalid = Cooperative::check_address("5700888021", &command).unwrap_err();
        assert_eq!(invalid.rule(), Some(RuleCode::Reg01), "{invalid}");
    }

    #[track_caller]
    fn example_is_valid<A: Addressed>() {
        assert_eq!(A::check_id(A::EXAMPLE_ID), Ok(()), "{}", A::EXAMPLE_ID);
    }

    #[test]
    fn every_example_id_is_well_formed() {
        example_is_valid::<Cooperative>();
        example_is_valid::<BudgetLine>();
        example_is_valid::<SupportCase>();
        example_is_valid::<TrainingClass>();
        example_is_valid::<Settlement>();
        example_is_valid::<AdministrativeUnit>();
        example_is_valid::<LegalDocument>();
        example_is_valid::<SupportRuleSet>();
        example_is_valid::<RegionMapping>();
        example_is_valid::<Person>();
    }

    #[test]
    fn the_fields_repeating_an_id_are_filled_from_it() {
        assert_eq!(
            SupportRuleSet::id_fields("PublishVersion", "establishment:899/2017/QĐ-UBND"),
            vec![
                ("category", Value::String("establishment".into())),
                ("basis", Value::String("899/2017/QĐ-UBND".into())),
            ]
        );
        assert_eq!(
            Cooperative::id_fields("Register", "5700101235"),
            vec![("code", Value::String("5700101235".into()))]
        );
        assert!(Cooperative::id_fields("Resume", "5700101235").is_empty());
    }
}
