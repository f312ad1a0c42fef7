//! Identifiers of the funding aggregates. All are deterministic strings built from their
//! parts, so the API and the store derive the same aggregate id from the same facts:
//!
//! | aggregate | id | example |
//! |---|---|---|
//! | `budget_line` | `{year}/{unit}/{source}/{category}` | `2018/SO-KHDT/NTM-1600/training` |
//! | `support_case` | `{year}/{unit}/{serial}` | `2018/SO-KHDT/HS-0007` |
//! | `training_class` | `{year}/{organiser}/{serial}` | `2018/SO-NNPTNT/L03` |
//! | `settlement` | `{year}/{unit}` | `2018/SO-KHDT` |
//!
//! `unit`, `source`, `organiser` and `serial` are codes of uppercase ASCII letters, digits
//! and dashes (budget units as agreed with Sở Tài chính, e.g. `SO-KHDT`, `UBND-205`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::listed::listed_enum;

listed_enum! {
    /// Support categories of plan 31/KH-UBND sections II.2-II.3.
    pub enum SupportCategory {
        Training => "training",
        Establishment => "establishment",
        Reorganisation => "reorganisation",
        TradePromotion => "trade-promotion",
        ScienceTechnology => "science-technology",
        Credit => "credit",
        LandInfrastructure => "land-infrastructure",
        DisasterRecovery => "disaster-recovery",
        Processing => "processing",
        GraduatePlacement => "graduate-placement",
    }
}

/// Why an identifier was refused (rule DATA-01).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DATA-01 định danh {text:?} không hợp lệ / invalid identifier: {reason}")]
pub struct IdError {
    pub text: String,
    pub reason: &'static str,
}

/// A code segment: uppercase ASCII letters, digits and dashes, starting with a letter or digit.
pub fn check_code(text: &str) -> Result<(), IdError> {
    let ok = !text.is_empty()
        && text.len() <= 40
        && !text.starts_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(IdError {
            text: text.to_string(),
            reason: "mã gồm chữ in hoa ASCII, số, gạch ngang / codes are A-Z, 0-9 and '-'",
        })
    }
}

fn check_year(year: i32, text: &str) -> Result<(), IdError> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(IdError {
            text: text.to_string(),
            reason: "năm ngân sách 2000-2100 / fiscal year 2000-2100",
        })
    }
}

fn parse_year(segment: &str, text: &str) -> Result<i32, IdError> {
    let year = segment.parse().map_err(|_| IdError {
        text: text.to_string(),
        reason: "năm không đọc được / unreadable year",
    })?;
    check_year(year, text)?;
    Ok(year)
}

fn segments<const N: usize>(text: &str) -> Result<[&str; N], IdError> {
    let parts: Vec<&str> = text.split('/').collect();
    <[&str; N]>::try_from(parts).map_err(|_| IdError {
        text: text.to_string(),
        reason: "sai số phần cách bởi '/' / wrong number of '/'-separated parts",
    })
}

macro_rules! string_id {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_id())
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                $name::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_id()
            }
        }
    };
}

/// One budget line: fiscal year × budget unit × funding source × support category.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BudgetLineId {
    pub year: i32,
    pub unit: String,
    pub source: String,
    pub category: SupportCategory,
}

impl BudgetLineId {
    /// # Errors
    /// When a part is not a valid code or year.
    pub fn new(
        year: i32,
        unit: &str,
        source: &str,
        category: SupportCategory,
    ) -> Result<Self, IdError> {
        check_year(year, unit)?;
        check_code(unit)?;
        check_code(source)?;
        Ok(BudgetLineId {
            year,
            unit: unit.to_string(),
            source: source.to_string(),
            category,
        })
    }

    /// # Errors
    /// When `text` is not `{year}/{unit}/{source}/{category}`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let [year, unit, source, category] = segments::<4>(text)?;
        let category = SupportCategory::parse(category).ok_or(IdError {
            text: text.to_string(),
            reason: "hạng mục không rõ / unknown category",
        })?;
        BudgetLineId::new(parse_year(year, text)?, unit, source, category)
    }

    pub fn to_id(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.year, self.unit, self.source, self.category
        )
    }

    /// The settlement this line is settled in.
    pub fn settlement(&self) -> SettlementId {
        SettlementId {
            year: self.year,
            unit: self.unit.clone(),
        }
    }
}

string_id!(BudgetLineId);

/// A settlement: one budget unit's fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SettlementId {
    pub year: i32,
    pub unit: String,
}

impl SettlementId {
    /// # Errors
    /// When a part is not a valid code or year.
    pub fn new(year: i32, unit: &str) -> Result<Self, IdError> {
        check_year(year, unit)?;
        check_code(unit)?;
        Ok(SettlementId {
            year,
            unit: unit.to_string(),
        })
    }

    /// # Errors
    /// When `text` is not `{year}/{unit}`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let [year, unit] = segments::<2>(text)?;
        SettlementId::new(parse_year(year, text)?, unit)
    }

    pub fn to_id(&self) -> String {
        format!("{}/{}", self.year, self.unit)
    }
}

string_id!(SettlementId);

/// A support case or training class: `{year}/{unit}/{serial}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId {
    pub year: i32,
    pub unit: String,
    pub serial: String,
}

impl RecordId {
    /// # Errors
    /// When a part is not a valid code or year.
    pub fn new(year: i32, unit: &str, serial: &str) -> Result<Self, IdError> {
        check_year(year, unit)?;
        check_code(unit)?;
        check_code(serial)?;
        Ok(RecordId {
            year,
            unit: unit.to_string(),
            serial: serial.to_string(),
        })
    }

    /// # Errors
    /// When `text` is not `{year}/{unit}/{serial}`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let [year, unit, serial] = segments::<3>(text)?;
        RecordId::new(parse_year(year, text)?, unit, serial)
    }

    pub fn to_id(&self) -> String {
        format!("{}/{}/{}", self.year, self.unit, self.serial)
    }
}

string_id!(RecordId);

/// The identifiers' JSON schemas: each is a string, read by its `parse` (`try_from = "String"`).
/// Named structs cannot take `value_type`, so these are written out; the patterns are built
/// from [`check_code`], the year's range and [`SupportCategory::ALL`], and accept exactly the
/// texts `parse` accepts.
#[cfg(feature = "openapi")]
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

    use super::{BudgetLineId, RecordId, SettlementId, SupportCategory};

    /// A fiscal year 2000-2100 as `str::parse::<i32>` reads it (a `+` and leading zeros too).
    const YEAR: &str = r"\+?0*(20[0-9]{2}|2100)";
    /// A code segment as [`super::check_code`] accepts it.
    const CODE: &str = "[A-Z0-9][A-Z0-9-]{0,39}";

    pub(crate) fn categories() -> String {
        let names: Vec<&str> = SupportCategory::ALL.iter().map(|c| c.as_str()).collect();
        names.join("|")
    }

    fn text(description: &str, pattern: String, example: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .pattern(Some(pattern))
            .examples([example])
            .into()
    }

    macro_rules! string_schema {
        ($name:ident, $description:literal, $pattern:expr, $example:literal) => {
            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    text($description, $pattern, $example)
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        };
    }

    string_schema!(
        BudgetLineId,
        "Dòng ngân sách / budget line: `{năm ngân sách}/{đơn vị dự toán}/{nguồn vốn}/{hạng mục hỗ trợ}` (fiscal year 2000-2100, budget unit, funding source, support category of plan 31/KH-UBND). Units and sources are codes of A-Z, 0-9 and '-'.",
        format!("^{YEAR}/{CODE}/{CODE}/({})$", categories()),
        "2018/SO-KHDT/NTM-1600/training"
    );
    string_schema!(
        SettlementId,
        "Quyết toán / settlement: one budget unit's fiscal year, `{năm}/{đơn vị}`.",
        format!("^{YEAR}/{CODE}$"),
        "2018/SO-KHDT"
    );
    string_schema!(
        RecordId,
        "Hồ sơ hỗ trợ or lớp đào tạo / support case or training class: `{năm}/{đơn vị}/{số hồ sơ}`.",
        format!("^{YEAR}/{CODE}/{CODE}$"),
        "2018/SO-KHDT/HS-0007"
    );
}

/// What money on a budget line is committed to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Purpose {
    SupportCase(RecordId),
    TrainingClass(RecordId),
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Purpose::SupportCase(id) => write!(f, "support_case {id}"),
            Purpose::TrainingClass(id) => write!(f, "training_class {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_malformed_text() {
        let line = BudgetLineId::parse("2018/SO-KHDT/NTM-1600/training").unwrap();
        assert_eq!(line.to_id(), "2018/SO-KHDT/NTM-1600/training");
        assert_eq!(line.settlement().to_id(), "2018/SO-KHDT");
        assert_eq!(RecordId::parse("2018/SO-NNPTNT/L03").unwrap().serial, "L03");
        for bad in [
            "2018/so-khdt/NTM/training",
            "2018/SO-KHDT/NTM/cooking",
            "18/SO-KHDT/NTM/training",
            "2018/SO KHDT/NTM/training",
            "2018/SO-KHDT/training",
            "2018//NTM/training",
        ] {
            assert!(BudgetLineId::parse(bad).is_err(), "{bad}");
        }
        assert!(SettlementId::parse("2018/SO-KHDT/x").is_err());
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(json, "\"2018/SO-KHDT/NTM-1600/training\"");
        assert_eq!(serde_json::from_str::<BudgetLineId>(&json).unwrap(), line);
    }
}
