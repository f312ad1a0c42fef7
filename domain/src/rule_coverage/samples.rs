//! One plausible action of every variant of every aggregate, on the ids of [`super::fixtures`]:
//! what the cases that apply to every command of an aggregate (REG-04, FIN-10, FIN-16, the
//! address) run. A test holds the lists to the catalogue, so a new action needs a sample.

use std::collections::BTreeMap;

use crate::cooperative::{
    AnnualInformation, ContentChange, CooperativeAction as C, CooperativeKind, DissolutionMode,
    Origin, ReorganisationKind,
};
use crate::fixtures::{code, content, d, day, doc, members};
use crate::funding::{
    BudgetLineAction as L, SettlementAction as S, SupportCaseAction as K, TrainingClassAction as T,
};
use crate::ledger::Role;
use crate::people::PersonAction as P;
use crate::reference::{
    AdministrativeUnitAction as U, Cap, LegalDocumentAction as D, Region, RegionMappingAction as M,
    SupportRuleSetAction as R, UnitType,
};

use super::fixtures::{case, case_id, class_id, line, rule_set, settlement_id, training_line};

pub(super) fn cooperative() -> Vec<C> {
    vec![
        C::Register {
            code: code(1).as_str().to_string(),
            kind: CooperativeKind::Cooperative,
            content: content(),
            members: members(7),
            certificate_no: "GCN-01".into(),
            legacy_reg_no: None,
            origin: Origin::New,
        },
        C::ReRegister {
            members: members(7),
            certificate_no: "GCN".into(),
        },
        C::ChangeRegisteredContent {
            change: ContentChange::Name("HTX Mới".into()),
            decided_on: day(2019, 1, 1),
        },
        C::CorrectRecord {
            corrected: ContentChange::Name("HTX Yên Đức".into()),
            reason: "nhập nhầm".into(),
        },
        C::RecordMembership {
            members: members(7),
        },
        C::RecordGeneralMeeting { annual: true },
        C::JoinUnion { union: code(9) },
        C::LeaveUnion { union: code(9) },
        C::Suspend {
            until: day(2019, 6, 1),
        },
        C::Resume,
        C::MarkNotOperatingAtAddress {
            tax_notice: "t".into(),
        },
        C::ClearNotOperatingAtAddress {
            tax_notice: "t".into(),
        },
        C::RecordInactivity {
            months_inactive: 3,
            source: "s".into(),
        },
        C::ReviewCompliance,
        C::ResolveReorganisation {
            kind: ReorganisationKind::Division,
            counterparts: vec![],
            resolution: "NQ".into(),
        },
        C::RegisterAbsorption {
            absorbed: vec![code(2)],
        },
        C::CompleteReorganisation {
            successors: vec![code(2), code(3)],
        },
        C::RevokeCertificate {
            ground: "g".into(),
            tax_enforcement: false,
            decision: doc("1/QĐ-UBND"),
        },
        C::AnnulRevocation {
            reason: "r".into(),
            decision: doc("2/QĐ-UBND"),
        },
        C::ResolveDissolution {
            resolution: "NQ".into(),
        },
        C::DecideCompulsoryDissolution {
            decided_by: "UBND".into(),
            ground: "g".into(),
            decision: doc("3/QĐ-UBND"),
        },
        C::PublishDissolution,
        C::CancelDissolution {
            resolution: "NQ".into(),
        },
        C::CompleteDissolution {
            mode: DissolutionMode::Dossier,
        },
        C::OpenBankruptcy {
            court: "TAND".into(),
            decision: "1".into(),
        },
        C::DeclareBankruptcy {
            court: "TAND".into(),
            decision: "2".into(),
        },
        C::SubmitAnnualInformation {
            year: 2019,
            information: AnnualInformation {
                members: members(7),
                workers: 1,
                revenue: d(1),
                profit: 0,
                average_income: d(1),
            },
        },
        C::DesignateModel { year: 2019 },
        C::RateOcopProduct {
            product: "p".into(),
            stars: 3,
            decision: doc("4/QĐ-UBND"),
            valid_until: day(2022, 1, 1),
        },
    ]
}

/// On [`line`], for case HS-1; entry 4 is an advance in [`super::fixtures::spent_line`].
pub(super) fn budget_line() -> Vec<L> {
    vec![
        L::AssignEstimate {
            line: line(),
            amount: d(1_000_000),
            decision: doc("899/2017/QĐ-UBND"),
        },
        L::Allocate {
            recipient: "205".into(),
            amount: d(1),
        },
        L::Commit {
            purpose: case("HS-1"),
            recipient: "205".into(),
        },
        L::PayAdvance {
            purpose: case("HS-1"),
            amount: d(1),
            reference: "TU".into(),
        },
        L::SettleAdvance {
            advance_entry: 4,
            amount: d(1),
        },
        L::MakePayment {
            purpose: case("HS-1"),
            amount: d(1),
            voucher: "GRDT".into(),
        },
        L::ReturnFunds {
            against_entry: 4,
            amount: d(1),
            document: "C2-05a".into(),
        },
        L::Reverse {
            entry: 4,
            reason: "r".into(),
        },
        L::ReviewAdvances,
    ]
}

pub(super) fn support_case() -> Vec<K> {
    vec![
        K::ReceiveApplication {
            case: case_id("HS-1"),
            line: line(),
            beneficiary: code(1),
            requested: d(30_000_000),
            eligible_cost: d(40_000_000),
            description: "Hỗ trợ thành lập mới".into(),
        },
        K::Approve {
            amount: d(30_000_000),
            rule_set: rule_set(),
        },
        K::Reject {
            reason: "thiếu hồ sơ".into(),
        },
    ]
}

pub(super) fn training_class() -> Vec<T> {
    vec![
        T::Plan {
            class: class_id(),
            line: training_line(),
            region: Region::East,
            district: Some("203".into()),
            planned_learners: 40,
            planned_cost: d(50_000_000),
            starts_on: day(2018, 5, 2),
        },
        T::Hold {
            held_from: day(2018, 5, 2),
            held_to: day(2018, 5, 4),
            learners: 40,
            cost: d(48_000_000),
        },
        T::Cancel {
            reason: "không đủ học viên".into(),
        },
        T::CorrectRecord {
            learners: 41,
            cost: d(48_000_000),
            reason: "nhập nhầm".into(),
        },
    ]
}

pub(super) fn settlement() -> Vec<S> {
    vec![
        S::Submit {
            settlement: settlement_id(),
            lines: vec![line()],
        },
        S::Appraise {
            disallowed: d(0),
            notes: "đạt".into(),
        },
        S::Approve,
        S::RecordAuditFinding {
            body: "Kiểm toán nhà nước".into(),
            amount_to_recover: d(1_000_000),
            note: "chi sai".into(),
        },
    ]
}

pub(super) fn legal_document() -> Vec<D> {
    vec![
        D::Register {
            number: "899/2017/QĐ-UBND".into(),
            title: "Quy định hỗ trợ HTX".into(),
            issued_on: day(2017, 3, 30),
            effective_from: day(2017, 4, 10),
            effective_to: None,
            note: None,
        },
        D::Repeal {
            repealed_by: "12/2021/QĐ-UBND".into(),
            last_day: day(2021, 6, 30),
        },
    ]
}

pub(super) fn support_rule_set() -> Vec<R> {
    vec![
        R::PublishVersion {
            category: crate::funding::SupportCategory::Establishment,
            basis: doc("340/2016/TT-BTC"),
            valid_from: day(2017, 3, 1),
            valid_to: None,
            caps: vec![Cap::Amount(d(30_000_000))],
        },
        R::End {
            last_day: day(2022, 2, 13),
        },
    ]
}

pub(super) fn administrative_unit() -> Vec<U> {
    vec![
        U::Establish {
            code: "193".into(),
            name: "Thành phố Hạ Long".into(),
            unit_type: UnitType::City,
            parent: Some("22".into()),
            valid_from: None,
        },
        U::Reclassify {
            name: "Thành phố Đông Triều".into(),
            unit_type: UnitType::City,
            basis: doc("1199/NQ-UBTVQH15"),
        },
        U::MergeInto {
            into: "193".into(),
            basis: doc("837/NQ-UBTVQH14"),
        },
        U::Absorb {
            absorbed: "204".into(),
            basis: doc("837/NQ-UBTVQH14"),
        },
        U::Abolish {
            basis: doc("76/2025/UBTVQH15"),
        },
    ]
}

pub(super) fn region_mapping() -> Vec<M> {
    vec![M::DefineVersion {
        valid_from: day(2017, 1, 1),
        assignments: BTreeMap::from([("203".to_string(), Region::East)]),
        basis: "31/KH-UBND".into(),
    }]
}

pub(super) fn person() -> Vec<P> {
    vec![
        P::Add {
            user: "can.bo".into(),
            full_name: "Cán bộ".into(),
            role: Role::Clerk,
            agency: Some("PTCKH-205".into()),
        },
        P::IssueToken {
            token_hash: "0".repeat(64),
        },
        P::RevokeToken {
            token_hash: None,
            reason: "nghỉ việc".into(),
        },
    ]
}
