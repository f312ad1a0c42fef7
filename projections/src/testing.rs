//! The projections' test harness: `given(facts)`, the typed domain events of a short log, each
//! with its metadata (legal date, actor, ledger time), folded through a [`ProjectionSet`] as
//! the projector folds them (the shared state first, then every projection; then `settle`),
//! without a database; the folded set gives each projection's typed rows.
//!
//! Events are made short by one helper per event type, grouped by aggregate
//! ([`cooperative`], [`unit`], [`region`], [`line`], [`case`], [`class`], [`settlement`]); each
//! returns a [`Fact`], the event with its aggregate and metadata: the legal date is the one the
//! helper is given, the ledger time 10:00 (Asia/Ho_Chi_Minh) that day unless
//! [`Fact::recorded_on`] says otherwise, the actor a registration clerk.
//!
//! **Coverage that does not rot.** Each projection's tests declare, in a list `FOLDED`, every
//! event type the projection folds with the test that feeds it; their test
//! `every_event_type_it_folds_has_a_test` calls [`assert_folded_types_are_tested`], which
//! 1. finds the event types the projection reacts to: for every event type of
//!    `domain::catalogue` (an exhaustive `match` per aggregate in [`examples`], so a new event
//!    type does not compile without an example, and a test holds the examples to the
//!    catalogue), it folds the example after a small world
//!    ([`world`]) and the example's own context, and sees whether the projection's rows (its
//!    internal tables included) change;
//! 2. fails when one of them is not in `FOLDED`;
//! 3. runs each listed test and fails unless it fed its event type through `given`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use domain::code::CooperativeCode;
use domain::cooperative::{
    Address, AnnualInformation, ContentChange, CooperativeEvent, CooperativeEventType,
    CooperativeKind, DissolutionMode, FindingGround, MemberCounts, Origin, RegistrationContent,
    ReorganisationKind, Representative,
};
use domain::document::DocumentNumber;
use domain::funding::{
    BudgetLineEvent, BudgetLineEventType, BudgetLineId, Eligibility, Purpose, RecordId,
    SettlementEvent, SettlementEventType, SettlementId, SupportCaseEvent, SupportCaseEventType,
    SupportCategory, TrainingClassEvent, TrainingClassEventType,
};
use domain::ledger::{Actor, Role};
use domain::money::Dong;
use domain::people::PersonEventType;
use domain::reference::{
    AdministrativeUnitEvent, AdministrativeUnitEventType, Cap, LegalDocumentEvent,
    LegalDocumentEventType, Region, RegionMappingEvent, RegionMappingEventType, RuleSetId,
    RuleSetVersion, SupportRuleSetEvent, SupportRuleSetEventType, UnitType,
};
use domain::rules::{Finding, RuleCode};
use store::Cell;

use crate::event::{DomainEvent, ProjectedEvent};
use crate::{Projection, ProjectionSet};

/// An event type as the catalogue names it: (aggregate type, event type).
pub type EventType = (&'static str, &'static str);

/// One event of the log to fold, with its aggregate and metadata; its position and sequence
/// are given by its place in [`given`]'s list.
#[derive(Debug, Clone)]
pub struct Fact {
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    pub event_type: &'static str,
    /// The legal date (metadata `effective_date`).
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: Actor,
    pub event: DomainEvent,
}

impl Fact {
    fn new(
        aggregate_type: &'static str,
        aggregate_id: &str,
        event_type: &'static str,
        effective_date: NaiveDate,
        event: DomainEvent,
    ) -> Fact {
        Fact {
            aggregate_type,
            aggregate_id: aggregate_id.to_string(),
            event_type,
            effective_date,
            // 10:00 in Asia/Ho_Chi_Minh on the legal date.
            recorded_at: effective_date
                .and_hms_opt(3, 0, 0)
                .expect("a valid time")
                .and_utc(),
            actor: clerk(),
            event,
        }
    }

    /// Recorded by the ledger on `date` (10:00 in Asia/Ho_Chi_Minh): later than its legal date
    /// for a back-dated entry.
    pub fn recorded_on(mut self, date: NaiveDate) -> Fact {
        self.recorded_at = date.and_hms_opt(3, 0, 0).expect("a valid time").and_utc();
        self
    }

    fn type_name(&self) -> EventType {
        (self.aggregate_type, self.event_type)
    }
}

thread_local! {
    /// While a listed test runs ([`fed_by`]): the event types it fed through [`given`].
    static FED: RefCell<Option<BTreeSet<EventType>>> = const { RefCell::new(None) };
}

/// The projections after folding `facts`, in order, at positions 0, 1, …
pub fn given(facts: impl IntoIterator<Item = Fact>) -> ProjectionSet {
    let mut set = ProjectionSet::new();
    fold(&mut set, facts, 0);
    set.settle();
    set
}

/// Folds `facts` into `set` from position `first` on, as the projector does.
fn fold(set: &mut ProjectionSet, facts: impl IntoIterator<Item = Fact>, first: u64) {
    let mut sequences: BTreeMap<(&str, String), u64> = BTreeMap::new();
    for (position, fact) in (first..).zip(facts) {
        FED.with(|fed| {
            if let Some(fed) = fed.borrow_mut().as_mut() {
                fed.insert(fact.type_name());
            }
        });
        let sequence = sequences
            .entry((fact.aggregate_type, fact.aggregate_id.clone()))
            .or_default();
        *sequence += 1;
        set.apply(&ProjectedEvent {
            position,
            aggregate_type: fact.aggregate_type.to_string(),
            aggregate_id: fact.aggregate_id,
            sequence: *sequence,
            event_type: fact.event_type.to_string(),
            effective_date: fact.effective_date,
            recorded_at: fact.recorded_at,
            actor: fact.actor,
            event: fact.event,
        });
    }
}

/// The event types `test` feeds through [`given`].
fn fed_by(test: fn()) -> BTreeSet<EventType> {
    FED.with(|fed| *fed.borrow_mut() = Some(BTreeSet::new()));
    test();
    FED.with(|fed| fed.borrow_mut().take().unwrap_or_default())
}

/// Fails unless the values `all` of a column's enum are stored as `texts`, in order: serde
/// writes each as `text` gives it (the enum's `as_str`) and reads it back.
#[track_caller]
pub fn assert_stored_text<T>(all: &[T], text: fn(T) -> &'static str, texts: &[&str])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Copy,
{
    let written: Vec<&str> = all.iter().map(|v| text(*v)).collect();
    assert_eq!(written, texts);
    for value in all {
        let json = serde_json::to_value(value).expect("an enum serialises");
        assert_eq!(json, serde_json::Value::from(text(*value)));
        assert_eq!(
            serde_json::from_value::<T>(json).expect("reads back"),
            *value
        );
    }
}

// ---------------------------------------------------------------------------------------
// Values

/// The date y-m-d.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The `n`-th valid cooperative code with the Quảng Ninh prefix 57.
pub fn code(n: u32) -> String {
    cooperative_code(n).as_str().to_string()
}

/// A cooperative code the tests wrote.
pub fn parse_code(text: &str) -> CooperativeCode {
    CooperativeCode::parse(text).expect("a cooperative code")
}

fn cooperative_code(n: u32) -> CooperativeCode {
    (0..)
        .map(|k| format!("5799{:05}", n * 10 + k))
        .find_map(|prefix| CooperativeCode::complete(&prefix))
        .expect("a valid check digit within ten tries")
}

/// An amount in đồng.
pub fn dong(amount: i64) -> Dong {
    Dong::new(amount).expect("a non-negative amount")
}

/// A legal document's number, e.g. `15/QĐ-UBND`.
pub fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).expect("a document number")
}

/// The registration clerk every fact is recorded by unless [`Fact::by`] says otherwise.
pub fn clerk() -> Actor {
    Actor::new("can.bo.dang.ky", Role::Clerk, Some("PTCKH-205"))
}

/// `official` official members, no others.
pub fn members(official: u32) -> MemberCounts {
    MemberCounts {
        official,
        associate: 0,
        member_cooperatives: 0,
    }
}

/// A finding under `rule` on `date`, with the basis in force then.
pub fn finding(rule: RuleCode, date: NaiveDate) -> Finding {
    Finding::new(rule, date, "phát hiện / found")
}

/// The budget line the funding helpers' examples use: `2018/SO-KHDT/NTM-1600/training`.
pub const LINE: &str = "2018/SO-KHDT/NTM-1600/training";
/// A support case: `2018/SO-KHDT/HS-0007`.
pub const CASE: &str = "2018/SO-KHDT/HS-0007";
/// A training class: `2018/SO-NNPTNT/L03`.
pub const CLASS: &str = "2018/SO-NNPTNT/L03";
/// The district whose allocation the helpers' commitments draw on: `UBND-205`.
pub const RECIPIENT: &str = "UBND-205";
/// The settlement of [`LINE`]'s unit and year: `2018/SO-KHDT`.
pub const SETTLEMENT: &str = "2018/SO-KHDT";

/// A budget line's id, e.g. [`LINE`].
pub fn line_id(id: &str) -> BudgetLineId {
    BudgetLineId::parse(id).expect("a budget line id")
}

/// A support case's or training class's id, e.g. [`CASE`].
pub fn record_id(id: &str) -> RecordId {
    RecordId::parse(id).expect("a record id")
}

/// The support case `id` as a commitment's purpose.
pub fn for_case(id: &str) -> Purpose {
    Purpose::SupportCase(record_id(id))
}

/// The training class `id` as a commitment's purpose.
pub fn for_class(id: &str) -> Purpose {
    Purpose::TrainingClass(record_id(id))
}

// ---------------------------------------------------------------------------------------
// Events, by aggregate

/// The `cooperative` aggregate: the aggregate id is the code.
pub mod cooperative {
    use chrono::Datelike;

    use super::*;
    use CooperativeEvent as E;

    /// Any cooperative event of the aggregate `id`, effective on `date`.
    pub fn fact(id: &str, date: NaiveDate, event: CooperativeEvent) -> Fact {
        let kind = event.kind().as_str();
        Fact::new(
            "cooperative",
            id,
            kind,
            date,
            DomainEvent::Cooperative(event),
        )
    }

    /// The content a registration records: name, an address in `unit`, the representative,
    /// 500 000 000 đồng of charter capital, no sector.
    pub fn content(name: &str, unit: &str) -> RegistrationContent {
        RegistrationContent {
            name: name.to_string(),
            address: Address::new("Thôn Đông", unit),
            representative: Representative::new("Nguyễn Văn An", "Giám đốc"),
            charter_capital: dong(500_000_000),
            sector: None,
        }
    }

    /// A new cooperative (HTX) `code`, registered with seven members at an address in `unit`.
    pub fn registered(code: &str, date: NaiveDate, name: &str, unit: &str) -> Fact {
        registered_as(code, date, CooperativeKind::Cooperative, name, unit)
    }

    /// A new cooperative or union `code` of `kind`.
    pub fn registered_as(
        code: &str,
        date: NaiveDate,
        kind: CooperativeKind,
        name: &str,
        unit: &str,
    ) -> Fact {
        let event = E::CooperativeRegistered {
            code: parse_code(code),
            kind,
            content: content(name, unit),
            members: members(7),
            certificate_no: format!("GCN-{code}"),
            legacy_reg_no: None,
            origin: Origin::New,
            governing_law: "Luật HTX 2012".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn re_registered(code: &str, date: NaiveDate) -> Fact {
        let event = E::CooperativeReRegistered {
            members: members(9),
            certificate_no: format!("GCN-2012-{code}"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn changed(code: &str, date: NaiveDate, change: ContentChange) -> Fact {
        let event = E::RegistrationContentChanged {
            change,
            decided_on: date,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn corrected(
        code: &str,
        date: NaiveDate,
        previous: ContentChange,
        now: ContentChange,
    ) -> Fact {
        let event = E::RegistrationRecordCorrected {
            previous,
            corrected: now,
            reason: "nhầm khi nhập / entered wrongly".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn membership(code: &str, date: NaiveDate, official: u32) -> Fact {
        let event = E::MembershipRecorded {
            members: members(official),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn meeting(code: &str, date: NaiveDate) -> Fact {
        let event = E::GeneralMeetingHeld {
            annual: true,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn joined(code: &str, date: NaiveDate, union: &str) -> Fact {
        let union = parse_code(union);
        let event = E::UnionJoined {
            union,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn left(code: &str, date: NaiveDate, union: &str) -> Fact {
        let union = parse_code(union);
        let event = E::UnionLeft {
            union,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn suspended(code: &str, date: NaiveDate, until: NaiveDate) -> Fact {
        let event = E::BusinessSuspended {
            until,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn resumed(code: &str, date: NaiveDate) -> Fact {
        fact(
            code,
            date,
            E::BusinessResumed {
                effective_date: date,
            },
        )
    }

    pub fn not_at_address(code: &str, date: NaiveDate) -> Fact {
        let event = E::NotOperatingAtAddressMarked {
            tax_notice: "TB-01".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn back_at_address(code: &str, date: NaiveDate) -> Fact {
        let event = E::NotOperatingAtAddressCleared {
            tax_notice: "TB-02".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn inactive(code: &str, date: NaiveDate, months: u32) -> Fact {
        let event = E::InactivityDetected {
            months_inactive: months,
            source: "thuế / tax".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn reorganisation(
        code: &str,
        date: NaiveDate,
        kind: ReorganisationKind,
        counterparts: &[&str],
    ) -> Fact {
        let event = E::ReorganisationResolved {
            kind,
            counterparts: codes(counterparts),
            resolution: "NQ-ĐHTV".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn absorbed(code: &str, date: NaiveDate, absorbed: &[&str]) -> Fact {
        let event = E::AbsorptionRegistered {
            absorbed: codes(absorbed),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn divided(code: &str, date: NaiveDate, successors: &[&str]) -> Fact {
        let event = E::CooperativeDivided {
            successors: codes(successors),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn separated(code: &str, date: NaiveDate, new_cooperatives: &[&str]) -> Fact {
        let event = E::CooperativeSeparated {
            new_cooperatives: codes(new_cooperatives),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn consolidated(code: &str, date: NaiveDate, into: &str) -> Fact {
        let into = parse_code(into);
        let event = E::CooperativeConsolidated {
            into,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn merged(code: &str, date: NaiveDate, absorbing: &str) -> Fact {
        let absorbing = parse_code(absorbing);
        let event = E::CooperativeMergedInto {
            absorbing,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn revoked(code: &str, date: NaiveDate, tax_enforcement: bool) -> Fact {
        let event = E::CertificateRevoked {
            ground: "không hoạt động / inactive".to_string(),
            tax_enforcement,
            decision: doc("15/QĐ-UBND"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn revocation_annulled(code: &str, date: NaiveDate) -> Fact {
        let event = E::RevocationAnnulled {
            reason: "đủ điều kiện / eligible".to_string(),
            decision: doc("16/QĐ-UBND"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn dissolution_resolved(code: &str, date: NaiveDate) -> Fact {
        let event = E::VoluntaryDissolutionResolved {
            resolution: "NQ-ĐHTV".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn dissolution_decided(code: &str, date: NaiveDate) -> Fact {
        let event = E::CompulsoryDissolutionDecided {
            decided_by: "UBND-205".to_string(),
            ground: "không hoạt động / inactive".to_string(),
            decision: doc("17/QĐ-UBND"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn published(code: &str, date: NaiveDate) -> Fact {
        fact(
            code,
            date,
            E::DissolutionPublished {
                effective_date: date,
            },
        )
    }

    pub fn dissolution_cancelled(code: &str, date: NaiveDate) -> Fact {
        let event = E::DissolutionResolutionCancelled {
            resolution: "NQ-ĐHTV-2".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn dissolved(code: &str, date: NaiveDate, mode: DissolutionMode) -> Fact {
        let event = E::CooperativeDissolved {
            mode,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn bankruptcy_opened(code: &str, date: NaiveDate) -> Fact {
        let event = E::BankruptcyOpened {
            court: "TAND tỉnh".to_string(),
            decision: "01/QĐ-MTTPS".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn bankrupt(code: &str, date: NaiveDate) -> Fact {
        let event = E::BankruptcyDeclared {
            court: "TAND tỉnh".to_string(),
            decision: "02/QĐ-TBPS".to_string(),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn annual_information(code: &str, date: NaiveDate, year: i32) -> Fact {
        let event = E::AnnualInformationSubmitted {
            year,
            information: AnnualInformation {
                members: members(9),
                workers: 12,
                revenue: dong(900_000_000),
                profit: 40_000_000,
                average_income: dong(5_000_000),
            },
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn model(code: &str, date: NaiveDate, year: i32) -> Fact {
        let event = E::ModelCooperativeDesignated {
            year,
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn ocop(code: &str, date: NaiveDate) -> Fact {
        let event = E::OcopProductRated {
            product: "Chè Hoành Bồ".to_string(),
            stars: 4,
            decision: doc("18/QĐ-UBND"),
            valid_until: day(date.year() + 3, 1, 1),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn found(code: &str, date: NaiveDate, ground: FindingGround) -> Fact {
        let event = E::ComplianceFindingRaised {
            finding: finding(RuleCode::Reg03, date),
            ground,
        };
        fact(code, date, event)
    }

    fn codes(list: &[&str]) -> Vec<CooperativeCode> {
        list.iter().map(|c| parse_code(c)).collect()
    }
}

/// The `administrative_unit` aggregate: the aggregate id is the unit's GSO code.
pub mod unit {
    use super::*;
    use AdministrativeUnitEvent as E;

    pub fn fact(code: &str, date: NaiveDate, event: AdministrativeUnitEvent) -> Fact {
        let kind = event.kind().as_str();
        Fact::new(
            "administrative_unit",
            code,
            kind,
            date,
            DomainEvent::AdministrativeUnit(event),
        )
    }

    /// A district (huyện) `code` named `name`, in force from `date`.
    pub fn established(code: &str, date: NaiveDate, name: &str) -> Fact {
        let event = E::AdministrativeUnitEstablished {
            code: code.to_string(),
            name: name.to_string(),
            unit_type: UnitType::District,
            parent: Some("22".to_string()),
            valid_from: Some(date),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn reclassified(code: &str, date: NaiveDate, name: &str, unit_type: UnitType) -> Fact {
        let event = E::AdministrativeUnitReclassified {
            name: name.to_string(),
            unit_type,
            basis: doc("837/NQ-UBTVQH14"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    /// `code` merged into `into`, its last day the day before `date`.
    pub fn merged(code: &str, date: NaiveDate, into: &str) -> Fact {
        let event = E::AdministrativeUnitMerged {
            into: into.to_string(),
            last_day: date.pred_opt().expect("a day before"),
            basis: doc("837/NQ-UBTVQH14"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn extended(code: &str, date: NaiveDate, absorbed: &str) -> Fact {
        let event = E::AdministrativeUnitExtended {
            absorbed: absorbed.to_string(),
            basis: doc("837/NQ-UBTVQH14"),
            effective_date: date,
        };
        fact(code, date, event)
    }

    pub fn abolished(code: &str, date: NaiveDate) -> Fact {
        let event = E::AdministrativeUnitAbolished {
            last_day: date.pred_opt().expect("a day before"),
            basis: doc("1669/NQ-UBTVQH15"),
            effective_date: date,
        };
        fact(code, date, event)
    }
}

/// The `region_mapping` aggregate.
pub mod region {
    use super::*;

    /// Version `version` of the mapping, from `date`: each (unit, region).
    pub fn defined(date: NaiveDate, version: u32, assignments: &[(&str, Region)]) -> Fact {
        let event = RegionMappingEvent::RegionMappingDefined {
            version,
            valid_from: date,
            assignments: assignments
                .iter()
                .map(|(unit, region)| (unit.to_string(), *region))
                .collect(),
            basis: "31/KH-UBND".to_string(),
            effective_date: date,
        };
        let kind = event.kind().as_str();
        Fact::new(
            "region_mapping",
            domain::reference::seed::REGION_MAPPING_ID,
            kind,
            date,
            DomainEvent::RegionMapping(event),
        )
    }
}

/// The `budget_line` aggregate: `entry` numbers the line's entries (1, 2, …).
pub mod line {
    use super::*;
    use BudgetLineEvent as E;

    pub fn fact(line: &str, date: NaiveDate, event: BudgetLineEvent) -> Fact {
        let kind = event.kind().as_str();
        Fact::new(
            "budget_line",
            line,
            kind,
            date,
            DomainEvent::BudgetLine(event),
        )
    }

    pub fn estimate(line: &str, date: NaiveDate, entry: u32, amount: i64) -> Fact {
        let event = E::EstimateAssigned {
            entry,
            line: line_id(line),
            amount: dong(amount),
            decision: doc("3500/QĐ-UBND"),
            effective_date: date,
        };
        fact(line, date, event)
    }

    pub fn allocated(
        line: &str,
        date: NaiveDate,
        entry: u32,
        recipient: &str,
        amount: i64,
    ) -> Fact {
        let event = E::AllocationMade {
            entry,
            recipient: recipient.to_string(),
            amount: dong(amount),
            effective_date: date,
        };
        fact(line, date, event)
    }

    /// `amount` committed to `purpose` against the allocation to [`RECIPIENT`], for
    /// `beneficiary` when a cooperative receives it.
    pub fn committed(
        line: &str,
        date: NaiveDate,
        entry: u32,
        purpose: Purpose,
        beneficiary: Option<&str>,
        amount: i64,
    ) -> Fact {
        let event = E::SupportCommitted {
            entry,
            purpose,
            recipient: RECIPIENT.to_string(),
            beneficiary: beneficiary.map(parse_code),
            amount: dong(amount),
            approved_by: "nguoi.phe.duyet".to_string(),
            effective_date: date,
        };
        fact(line, date, event)
    }

    pub fn advance(line: &str, date: NaiveDate, entry: u32, purpose: Purpose, amount: i64) -> Fact {
        let event = E::AdvancePaid {
            entry,
            purpose,
            amount: dong(amount),
            reference: format!("UNC-{entry}"),
            paid_by: "ke.toan".to_string(),
            adjustment_period: false,
            effective_date: date,
        };
        fact(line, date, event)
    }

    pub fn advance_settled(
        line: &str,
        date: NaiveDate,
        entry: u32,
        advance: u32,
        amount: i64,
    ) -> Fact {
        let event = E::AdvanceSettled {
            entry,
            advance_entry: advance,
            amount: dong(amount),
            settled_by: "ke.toan".to_string(),
            adjustment_period: false,
            effective_date: date,
        };
        fact(line, date, event)
    }

    pub fn paid(line: &str, date: NaiveDate, entry: u32, purpose: Purpose, amount: i64) -> Fact {
        let event = E::PaymentMade {
            entry,
            purpose,
            amount: dong(amount),
            voucher: format!("PC-{entry}"),
            paid_by: "ke.toan".to_string(),
            adjustment_period: false,
            effective_date: date,
        };
        fact(line, date, event)
    }

    pub fn returned(line: &str, date: NaiveDate, entry: u32, against: u32, amount: i64) -> Fact {
        let event = E::FundsReturned {
            entry,
            against_entry: against,
            amount: dong(amount),
            document: format!("GNT-{entry}"),
            after_settlement: false,
            effective_date: date,
        };
        fact(line, date, event)
    }

    pub fn reversed(line: &str, date: NaiveDate, entry: u32, reverses: u32) -> Fact {
        let event = E::EntryReversed {
            entry,
            reverses,
            reason: "ghi nhầm / recorded in error".to_string(),
            reversed_by: "ke.toan".to_string(),
            effective_date: date,
        };
        fact(line, date, event)
    }

    /// A finding under `rule` about the advance `advance`.
    pub fn found(line: &str, date: NaiveDate, rule: RuleCode, advance: u32) -> Fact {
        let event = E::ComplianceFindingRaised {
            finding: finding(rule, date),
            advance_entry: advance,
        };
        fact(line, date, event)
    }
}

/// The `support_case` aggregate.
pub mod case {
    use super::*;
    use SupportCaseEvent as E;

    pub fn fact(case: &str, date: NaiveDate, event: SupportCaseEvent) -> Fact {
        let kind = event.kind().as_str();
        Fact::new(
            "support_case",
            case,
            kind,
            date,
            DomainEvent::SupportCase(event),
        )
    }

    /// `beneficiary` applies for `requested` đồng on `line`.
    pub fn received(
        case: &str,
        date: NaiveDate,
        line: &str,
        beneficiary: &str,
        requested: i64,
    ) -> Fact {
        let event = E::SupportApplicationReceived {
            case: record_id(case),
            line: line_id(line),
            beneficiary: parse_code(beneficiary),
            category: line_id(line).category,
            requested: dong(requested),
            eligible_cost: dong(requested * 2),
            description: "Hỗ trợ đào tạo / training support".to_string(),
            received_by: "can.bo.chuong.trinh".to_string(),
            effective_date: date,
        };
        fact(case, date, event)
    }

    pub fn approved(case: &str, date: NaiveDate, amount: i64) -> Fact {
        let event = E::SupportApproved {
            amount: dong(amount),
            rule_set: RuleSetId::new(SupportCategory::Training, &doc("01/2017/NQ-HĐND")),
            rule_set_version: 1,
            cap: dong(amount),
            eligibility: Eligibility {
                status: domain::cooperative::CooperativeStatus::Active,
                members: 7,
            },
            approved_by: "nguoi.phe.duyet".to_string(),
            effective_date: date,
        };
        fact(case, date, event)
    }

    pub fn rejected(case: &str, date: NaiveDate) -> Fact {
        let event = E::SupportRejected {
            reason: "không đủ điều kiện / not eligible".to_string(),
            rejected_by: "nguoi.phe.duyet".to_string(),
            effective_date: date,
        };
        fact(case, date, event)
    }
}

/// The `training_class` aggregate.
pub mod class {
    use super::*;
    use TrainingClassEvent as E;

    pub fn fact(class: &str, date: NaiveDate, event: TrainingClassEvent) -> Fact {
        let kind = event.kind().as_str();
        Fact::new(
            "training_class",
            class,
            kind,
            date,
            DomainEvent::TrainingClass(event),
        )
    }

    /// A class on `line` for 40 learners, 60 000 000 đồng, in the district `district`
    /// (miền Đông).
    pub fn planned(class: &str, date: NaiveDate, line: &str, district: &str) -> Fact {
        let event = E::TrainingClassPlanned {
            class: record_id(class),
            line: line_id(line),
            organiser: "SO-NNPTNT".to_string(),
            region: Region::East,
            district: Some(district.to_string()),
            planned_learners: 40,
            planned_cost: dong(60_000_000),
            starts_on: date,
            approved_by: "nguoi.phe.duyet".to_string(),
            effective_date: date,
        };
        fact(class, date, event)
    }

    pub fn held(class: &str, date: NaiveDate, learners: u32, cost: i64) -> Fact {
        let event = E::TrainingClassHeld {
            held_from: date,
            held_to: date,
            learners,
            cost: dong(cost),
            recorded_by: "SO-NNPTNT".to_string(),
            effective_date: date,
        };
        fact(class, date, event)
    }

    pub fn cancelled(class: &str, date: NaiveDate) -> Fact {
        let event = E::TrainingClassCancelled {
            reason: "không đủ học viên / too few learners".to_string(),
            effective_date: date,
        };
        fact(class, date, event)
    }

    pub fn corrected(
        class: &str,
        date: NaiveDate,
        (was_learners, was_cost): (u32, i64),
        learners: u32,
        cost: i64,
    ) -> Fact {
        let event = E::TrainingClassRecordCorrected {
            previous_learners: was_learners,
            previous_cost: dong(was_cost),
            learners,
            cost: dong(cost),
            reason: "nhầm số liệu / wrong figures".to_string(),
            effective_date: date,
        };
        fact(class, date, event)
    }

    pub fn found(class: &str, date: NaiveDate, rule: RuleCode) -> Fact {
        let event = E::ComplianceFindingRaised {
            finding: finding(rule, date),
        };
        fact(class, date, event)
    }
}

/// The `settlement` aggregate.
pub mod settlement {
    use super::*;
    use SettlementEvent as E;

    pub fn fact(settlement: &str, date: NaiveDate, event: SettlementEvent) -> Fact {
        let kind = event.kind().as_str();
        Fact::new(
            "settlement",
            settlement,
            kind,
            date,
            DomainEvent::Settlement(event),
        )
    }

    pub fn submitted(settlement: &str, date: NaiveDate, lines: &[&str]) -> Fact {
        let event = E::SettlementSubmitted {
            settlement: SettlementId::parse(settlement).expect("a settlement id"),
            lines: lines.iter().map(|l| line_id(l)).collect(),
            submitted_by: "ke.toan".to_string(),
            effective_date: date,
        };
        fact(settlement, date, event)
    }

    pub fn appraised(settlement: &str, date: NaiveDate, disallowed: i64) -> Fact {
        let event = E::SettlementAppraised {
            disallowed: dong(disallowed),
            notes: "thẩm định / appraised".to_string(),
            appraised_by: "so.tai.chinh".to_string(),
            effective_date: date,
        };
        fact(settlement, date, event)
    }

    pub fn approved(settlement: &str, date: NaiveDate, approved_by: &str) -> Fact {
        let event = E::SettlementApproved {
            approved_by: approved_by.to_string(),
            effective_date: date,
        };
        fact(settlement, date, event)
    }

    pub fn audit_finding(settlement: &str, date: NaiveDate, amount: i64) -> Fact {
        let event = E::AuditFindingRecorded {
            body: "KTNN".to_string(),
            amount_to_recover: dong(amount),
            note: "chi sai / spent wrongly".to_string(),
            recorded_by: "kiem.toan".to_string(),
            effective_date: date,
        };
        fact(settlement, date, event)
    }

    pub fn found(settlement: &str, date: NaiveDate, rule: RuleCode) -> Fact {
        let event = E::ComplianceFindingRaised {
            finding: finding(rule, date),
        };
        fact(settlement, date, event)
    }
}

/// The case [`CASE`] of `code(1)` on [`LINE`] from application to return: received
/// (100 000 000 đồng asked), approved (90 000 000), then the line's entries from `first` on:
/// the commitment (90 000 000), an advance (50 000 000), its settlement (30 000 000), a
/// payment (40 000 000) and a return of 5 000 000 of the advance; February to June 2018.
pub fn case_cycle(first: u32) -> Vec<Fact> {
    let a = code(1);
    vec![
        case::received(CASE, day(2018, 2, 1), LINE, &a, 100_000_000),
        case::approved(CASE, day(2018, 2, 10), 90_000_000),
        line::committed(
            LINE,
            day(2018, 2, 11),
            first,
            for_case(CASE),
            Some(&a),
            90_000_000,
        ),
        line::advance(LINE, day(2018, 3, 1), first + 1, for_case(CASE), 50_000_000),
        line::advance_settled(LINE, day(2018, 4, 1), first + 2, first + 1, 30_000_000),
        line::paid(LINE, day(2018, 5, 1), first + 3, for_case(CASE), 40_000_000),
        line::returned(LINE, day(2018, 6, 1), first + 4, first + 1, 5_000_000),
    ]
}

// ---------------------------------------------------------------------------------------
// Which event types a projection folds

/// The world every example is folded after: the districts 205 and 193; the cooperative
/// `code(1)`, registered in 2010 (so due to re-register in the 2017 clean-up) in 205, and the
/// union `code(2)`; the budget line [`LINE`] with an estimate (entry 1) and a commitment to the
/// case [`CASE`] for `code(1)` (entry 2), the case received and approved; the class [`CLASS`]
/// planned and committed (entry 3); an advance to the case (entry 4); the settlement of the
/// line submitted.
pub fn world() -> Vec<Fact> {
    let (a, union) = (code(1), code(2));
    vec![
        unit::established("205", day(2008, 1, 1), "Hoành Bồ"),
        unit::established("193", day(2008, 1, 1), "Hạ Long"),
        cooperative::registered(&a, day(2010, 3, 1), "HTX Nông nghiệp Đồng Lâm", "205"),
        cooperative::registered_as(
            &union,
            day(2015, 3, 1),
            CooperativeKind::Union,
            "Liên hiệp HTX Quảng Ninh",
            "193",
        ),
        line::estimate(LINE, day(2018, 1, 15), 1, 1_000_000_000),
        case::received(CASE, day(2018, 2, 1), LINE, &a, 100_000_000),
        case::approved(CASE, day(2018, 2, 10), 100_000_000),
        line::committed(
            LINE,
            day(2018, 2, 11),
            2,
            for_case(CASE),
            Some(&a),
            100_000_000,
        ),
        class::planned(CLASS, day(2018, 3, 1), LINE, "205"),
        line::committed(LINE, day(2018, 3, 2), 3, for_class(CLASS), None, 60_000_000),
        line::advance(LINE, day(2018, 3, 5), 4, for_case(CASE), 30_000_000),
        settlement::submitted(SETTLEMENT, day(2019, 1, 20), &[LINE]),
    ]
}

/// An example of one event type: the facts it needs before it (beyond [`world`]), and itself.
pub struct Example {
    pub before: Vec<Fact>,
    pub fact: Fact,
}

fn alone(fact: Fact) -> Example {
    Example {
        before: Vec::new(),
        fact,
    }
}

fn after(before: Vec<Fact>, fact: Fact) -> Example {
    Example { before, fact }
}

/// An example of every event type of `domain::catalogue`, by (aggregate type, event type).
pub fn examples() -> BTreeMap<EventType, Example> {
    let mut all = BTreeMap::new();
    for t in CooperativeEventType::ALL {
        all.insert(("cooperative", t.as_str()), cooperative_example(*t));
    }
    for t in AdministrativeUnitEventType::ALL {
        all.insert(("administrative_unit", t.as_str()), unit_example(*t));
    }
    for t in RegionMappingEventType::ALL {
        let example = match t {
            RegionMappingEventType::RegionMappingDefined => alone(region::defined(
                day(2017, 1, 1),
                1,
                &[("205", Region::East), ("193", Region::West)],
            )),
        };
        all.insert(("region_mapping", t.as_str()), example);
    }
    for t in BudgetLineEventType::ALL {
        all.insert(("budget_line", t.as_str()), line_example(*t));
    }
    for t in SupportCaseEventType::ALL {
        all.insert(("support_case", t.as_str()), case_example(*t));
    }
    for t in TrainingClassEventType::ALL {
        all.insert(("training_class", t.as_str()), class_example(*t));
    }
    for t in SettlementEventType::ALL {
        all.insert(("settlement", t.as_str()), settlement_example(*t));
    }
    for t in LegalDocumentEventType::ALL {
        all.insert(("legal_document", t.as_str()), legal_document_example(*t));
    }
    for t in SupportRuleSetEventType::ALL {
        all.insert(("support_rule_set", t.as_str()), rule_set_example(*t));
    }
    for t in PersonEventType::ALL {
        // People and tokens are read by the service's directory, never by a projection: the
        // log's decoder gives them to the projections as `DomainEvent::Other`.
        let fact = Fact::new(
            "person",
            "nguoi.moi",
            t.as_str(),
            day(2018, 1, 2),
            DomainEvent::Other,
        );
        all.insert(("person", t.as_str()), alone(fact));
    }
    all
}

fn cooperative_example(t: CooperativeEventType) -> Example {
    use CooperativeEventType as T;
    use cooperative as c;
    let a = code(1);
    let a = a.as_str();
    let union = code(2);
    let d = day(2017, 6, 1);
    let later = day(2017, 9, 1);
    match t {
        T::CooperativeRegistered => alone(c::registered(
            &code(3),
            day(2011, 5, 1),
            "HTX Chè Hoành Bồ",
            "205",
        )),
        T::CooperativeReRegistered => alone(c::re_registered(a, d)),
        T::RegistrationContentChanged => {
            alone(c::changed(a, d, ContentChange::Name("HTX Đồng Lâm".into())))
        }
        T::RegistrationRecordCorrected => alone(c::corrected(
            a,
            d,
            ContentChange::Name("HTX Nông nghiệp Đồng Lâm".into()),
            ContentChange::Name("HTX Nông nghiệp Đồng Lâm Mới".into()),
        )),
        T::MembershipRecorded => alone(c::membership(a, d, 3)),
        T::GeneralMeetingHeld => after(vec![c::inactive(a, d, 12)], c::meeting(a, later)),
        T::UnionJoined => alone(c::joined(a, d, &union)),
        T::UnionLeft => after(vec![c::joined(a, d, &union)], c::left(a, later, &union)),
        T::BusinessSuspended => alone(c::suspended(a, d, day(2018, 1, 1))),
        T::BusinessResumed => after(
            vec![c::suspended(a, d, day(2018, 1, 1))],
            c::resumed(a, later),
        ),
        T::NotOperatingAtAddressMarked => alone(c::not_at_address(a, d)),
        T::NotOperatingAtAddressCleared => {
            after(vec![c::not_at_address(a, d)], c::back_at_address(a, later))
        }
        T::InactivityDetected => alone(c::inactive(a, d, 12)),
        T::ReorganisationResolved => {
            alone(c::reorganisation(a, d, ReorganisationKind::Division, &[]))
        }
        T::AbsorptionRegistered => alone(c::absorbed(a, d, &[&code(4)])),
        T::CooperativeDivided => after(
            vec![c::reorganisation(a, d, ReorganisationKind::Division, &[])],
            c::divided(a, later, &[&code(5), &code(6)]),
        ),
        T::CooperativeSeparated => after(
            vec![c::reorganisation(a, d, ReorganisationKind::Separation, &[])],
            c::separated(a, later, &[&code(5)]),
        ),
        T::CooperativeConsolidated => after(
            vec![c::reorganisation(
                a,
                d,
                ReorganisationKind::Consolidation,
                &[&code(4)],
            )],
            c::consolidated(a, later, &code(5)),
        ),
        T::CooperativeMergedInto => after(
            vec![c::reorganisation(
                a,
                d,
                ReorganisationKind::Merger,
                &[&code(4)],
            )],
            c::merged(a, later, &code(4)),
        ),
        T::CertificateRevoked => alone(c::revoked(a, d, true)),
        T::RevocationAnnulled => after(
            vec![c::revoked(a, d, true)],
            c::revocation_annulled(a, later),
        ),
        T::VoluntaryDissolutionResolved => alone(c::dissolution_resolved(a, d)),
        T::CompulsoryDissolutionDecided => alone(c::dissolution_decided(a, d)),
        T::DissolutionPublished => {
            after(vec![c::dissolution_resolved(a, d)], c::published(a, later))
        }
        T::DissolutionResolutionCancelled => after(
            vec![c::dissolution_resolved(a, d)],
            c::dissolution_cancelled(a, later),
        ),
        T::CooperativeDissolved => after(
            vec![
                c::dissolution_resolved(a, d),
                c::published(a, day(2017, 7, 1)),
            ],
            c::dissolved(a, day(2018, 1, 2), DissolutionMode::SixMonthsElapsed),
        ),
        T::BankruptcyOpened => alone(c::bankruptcy_opened(a, d)),
        T::BankruptcyDeclared => after(vec![c::bankruptcy_opened(a, d)], c::bankrupt(a, later)),
        T::AnnualInformationSubmitted => after(
            vec![c::inactive(a, d, 12)],
            c::annual_information(a, later, 2016),
        ),
        T::ModelCooperativeDesignated => alone(c::model(a, d, 2017)),
        T::OcopProductRated => alone(c::ocop(a, d)),
        T::ComplianceFindingRaised => alone(c::found(
            a,
            d,
            FindingGround::Inactive {
                since: day(2016, 1, 1),
            },
        )),
    }
}

fn unit_example(t: AdministrativeUnitEventType) -> Example {
    use AdministrativeUnitEventType as T;
    let d = day(2020, 1, 1);
    match t {
        T::AdministrativeUnitEstablished => alone(unit::established("206", d, "Uông Bí")),
        T::AdministrativeUnitReclassified => alone(unit::reclassified(
            "205",
            d,
            "Thị xã Hoành Bồ",
            UnitType::Town,
        )),
        T::AdministrativeUnitMerged => alone(unit::merged("205", d, "193")),
        T::AdministrativeUnitExtended => alone(unit::extended("193", d, "205")),
        T::AdministrativeUnitAbolished => alone(unit::abolished("205", d)),
    }
}

fn line_example(t: BudgetLineEventType) -> Example {
    use BudgetLineEventType as T;
    let d = day(2018, 6, 1);
    let a = code(1);
    match t {
        T::EstimateAssigned => alone(line::estimate(LINE, d, 5, 200_000_000)),
        T::AllocationMade => alone(line::allocated(LINE, d, 5, "UBND-205", 200_000_000)),
        T::SupportCommitted => alone(line::committed(
            LINE,
            d,
            5,
            for_case(CASE),
            Some(&a),
            20_000_000,
        )),
        T::AdvancePaid => alone(line::advance(LINE, d, 5, for_case(CASE), 50_000_000)),
        T::AdvanceSettled => alone(line::advance_settled(LINE, d, 5, 4, 30_000_000)),
        T::PaymentMade => alone(line::paid(LINE, d, 5, for_case(CASE), 40_000_000)),
        T::FundsReturned => alone(line::returned(LINE, d, 5, 4, 5_000_000)),
        T::EntryReversed => alone(line::reversed(LINE, d, 5, 2)),
        T::ComplianceFindingRaised => alone(line::found(LINE, d, RuleCode::Fin09, 4)),
    }
}

fn case_example(t: SupportCaseEventType) -> Example {
    use SupportCaseEventType as T;
    let other = "2018/SO-KHDT/HS-0008";
    let received = || case::received(other, day(2018, 5, 1), LINE, &code(1), 20_000_000);
    match t {
        T::SupportApplicationReceived => alone(received()),
        T::SupportApproved => after(
            vec![received()],
            case::approved(other, day(2018, 5, 10), 20_000_000),
        ),
        T::SupportRejected => after(vec![received()], case::rejected(other, day(2018, 5, 10))),
    }
}

fn class_example(t: TrainingClassEventType) -> Example {
    use TrainingClassEventType as T;
    let d = day(2018, 6, 1);
    match t {
        T::TrainingClassPlanned => alone(class::planned("2018/SO-NNPTNT/L04", d, LINE, "193")),
        T::TrainingClassHeld => alone(class::held(CLASS, d, 38, 58_000_000)),
        T::TrainingClassCancelled => alone(class::cancelled(CLASS, d)),
        T::TrainingClassRecordCorrected => after(
            vec![class::held(CLASS, d, 38, 58_000_000)],
            class::corrected(CLASS, day(2018, 6, 20), (38, 58_000_000), 36, 55_000_000),
        ),
        T::ComplianceFindingRaised => alone(class::found(CLASS, d, RuleCode::Fin09)),
    }
}

fn settlement_example(t: SettlementEventType) -> Example {
    use SettlementEventType as T;
    let d = day(2019, 3, 1);
    match t {
        T::SettlementSubmitted => alone(settlement::submitted("2018/UBND-205", d, &[])),
        T::SettlementAppraised => alone(settlement::appraised(SETTLEMENT, d, 0)),
        T::SettlementApproved => alone(settlement::approved(SETTLEMENT, d, "so.tai.chinh")),
        T::AuditFindingRecorded => alone(settlement::audit_finding(SETTLEMENT, d, 5_000_000)),
        T::ComplianceFindingRaised => alone(settlement::found(SETTLEMENT, d, RuleCode::Fin09)),
    }
}

fn legal_document_example(t: LegalDocumentEventType) -> Example {
    use LegalDocumentEventType as T;
    let d = day(2017, 1, 1);
    let number = "31/KH-UBND";
    let fact = |event: LegalDocumentEvent| {
        let kind = event.kind().as_str();
        Fact::new(
            "legal_document",
            number,
            kind,
            d,
            DomainEvent::LegalDocument(event),
        )
    };
    match t {
        T::LegalDocumentRegistered => alone(fact(LegalDocumentEvent::LegalDocumentRegistered {
            number: doc(number),
            title: "Kế hoạch phát triển kinh tế tập thể".to_string(),
            issued_on: d,
            effective_from: d,
            effective_to: None,
            note: None,
            effective_date: d,
        })),
        T::LegalDocumentRepealed => alone(fact(LegalDocumentEvent::LegalDocumentRepealed {
            repealed_by: doc("32/KH-UBND"),
            last_day: d,
            effective_date: d,
        })),
    }
}

fn rule_set_example(t: SupportRuleSetEventType) -> Example {
    use SupportRuleSetEventType as T;
    let d = day(2017, 1, 1);
    let id = RuleSetId::new(SupportCategory::Training, &doc("01/2017/NQ-HĐND"));
    let id = id.as_str();
    let fact = |event: SupportRuleSetEvent| {
        let kind = event.kind().as_str();
        Fact::new(
            "support_rule_set",
            id,
            kind,
            d,
            DomainEvent::SupportRuleSet(event),
        )
    };
    match t {
        T::RuleSetVersionPublished => alone(fact(SupportRuleSetEvent::RuleSetVersionPublished {
            version: RuleSetVersion {
                version: 1,
                category: SupportCategory::Training,
                basis: doc("01/2017/NQ-HĐND"),
                valid_from: d,
                valid_to: None,
                caps: vec![Cap::Amount(dong(100_000_000))],
            },
            effective_date: d,
        })),
        T::RuleSetEnded => alone(fact(SupportRuleSetEvent::RuleSetEnded {
            last_day: d,
            effective_date: d,
        })),
    }
}

/// Every table of the projection `P` in `set` as cells, internal tables included.
fn rows_of<P: Projection + 'static>(set: &ProjectionSet) -> Vec<Vec<Vec<Cell>>> {
    let projection = set.get::<P>().expect("the projection is in the set");
    projection
        .tables()
        .iter()
        .map(|t| t.all_cells().expect("rows make cells"))
        .collect()
}

/// The event types whose example changes `P`'s rows when folded after [`world`] and the
/// example's context.
pub fn reacting<P: Projection + 'static>() -> BTreeSet<EventType> {
    let mut reacting = BTreeSet::new();
    for (event_type, example) in examples() {
        let facts: Vec<Fact> = world().into_iter().chain(example.before).collect();
        let next = facts.len() as u64;
        let mut set = ProjectionSet::new();
        fold(&mut set, facts, 0);
        set.settle();
        let before = rows_of::<P>(&set);
        fold(&mut set, [example.fact], next);
        set.settle();
        if rows_of::<P>(&set) != before {
            reacting.insert(event_type);
        }
    }
    reacting
}

/// Fails unless every event type `P` reacts to ([`reacting`]) is in `folded`, and each test
/// `folded` names feeds its event type through [`given`].
#[track_caller]
pub fn assert_folded_types_are_tested<P: Projection + 'static>(
    folded: &[(&'static str, &'static str, fn())],
) {
    let listed: BTreeSet<EventType> = folded.iter().map(|(a, e, _)| (*a, *e)).collect();
    let untested: Vec<EventType> = reacting::<P>()
        .into_iter()
        .filter(|t| !listed.contains(t))
        .collect();
    assert!(
        untested.is_empty(),
        "{} folds {untested:?}, which no test in FOLDED feeds",
        std::any::type_name::<P>()
    );
    for (aggregate, event_type, test) in folded {
        let fed = fed_by(*test);
        assert!(
            fed.contains(&(*aggregate, *event_type)),
            "the test FOLDED names for {aggregate}/{event_type} does not feed it (it feeds {fed:?})"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_of_the_catalogue_has_one_example_of_its_type() {
        let catalogue: BTreeSet<EventType> = domain::catalogue::aggregates()
            .into_iter()
            .flat_map(|a| {
                a.event_types
                    .into_iter()
                    .map(move |e| (a.aggregate_type, e))
            })
            .collect();
        let examples = examples();
        assert_eq!(examples.keys().copied().collect::<BTreeSet<_>>(), catalogue);
        for (event_type, example) in &examples {
            assert_eq!(example.fact.type_name(), *event_type);
        }
    }

    #[test]
    fn given_folds_the_facts_in_order_from_position_zero_with_their_legal_dates() {
        let a = code(1);
        let set = given([
            cooperative::registered(&a, day(2015, 1, 5), "HTX A", "205"),
            cooperative::membership(&a, day(2015, 6, 1), 9).recorded_on(day(2016, 2, 1)),
        ]);
        let registry = set.get::<crate::registry::Registry>().expect("registry");
        let row = registry.cooperatives.get(&a).expect("a row");
        assert_eq!(row.positions, vec![0, 1]);
        assert_eq!(row.members_official, 9);
        assert_eq!(row.last_effective_date, day(2015, 6, 1));
    }
}
