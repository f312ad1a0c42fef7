//! Real commands' actions, at least one of every variant: the reference seed data as it is
//! recorded, and plausible programme commands built from the shared fixtures.

use crate::cooperative::{
    Address, AnnualInformation, ContentChange, CooperativeAction as C, CooperativeKind,
    DissolutionMode, Origin, RegistrationContent, ReorganisationKind, Representative, Sector,
};
use crate::fixtures::{clerk, code, content, d, day, doc, members, union_members};
use crate::funding::{
    BudgetLineAction as L, BudgetLineId, Purpose, RecordId, SettlementAction as S, SettlementId,
    SupportCaseAction as K, SupportCategory, TrainingClassAction as T,
};
use crate::ledger::Role;
use crate::people::PersonAction as P;
use crate::reference::{
    AdministrativeUnitAction, Cap, LegalDocumentAction, MemberTier, RegionMappingAction, RuleSetId,
    SupportRuleSetAction, seed,
};

pub(super) fn cooperative() -> Vec<C> {
    let register = |code: String, kind, members, origin, legacy_reg_no: Option<&str>| C::Register {
        code,
        kind,
        content: content(),
        members,
        certificate_no: "5701000123".into(),
        legacy_reg_no: legacy_reg_no.map(str::to_string),
        origin,
    };
    let cooperative = CooperativeKind::Cooperative;
    vec![
        register(
            "57 0010 1234".into(),
            cooperative,
            members(7),
            Origin::New,
            None,
        ),
        register(
            code(4).to_string(),
            cooperative,
            members(9),
            Origin::Division {
                predecessor: code(1),
            },
            Some("22.07.000123"),
        ),
        register(
            code(5).to_string(),
            cooperative,
            members(7),
            Origin::Separation { source: code(2) },
            None,
        ),
        register(
            code(6).to_string(),
            CooperativeKind::Union,
            union_members(4),
            Origin::Consolidation {
                predecessors: vec![code(7), code(8)],
            },
            None,
        ),
        C::ReRegister {
            members: members(7),
            certificate_no: "GCN-2014-07".into(),
        },
        C::ChangeRegisteredContent {
            change: ContentChange::Name("Hợp tác xã Dịch vụ Yên Đức".into()),
            decided_on: day(2019, 1, 1),
        },
        C::ChangeRegisteredContent {
            change: ContentChange::Address(Address::new("Thôn Tây, xã Yên Đức", "205")),
            decided_on: day(2019, 3, 1),
        },
        C::ChangeRegisteredContent {
            change: ContentChange::CharterCapital(d(800_000_000)),
            decided_on: day(2020, 1, 2),
        },
        C::ChangeRegisteredContent {
            change: ContentChange::Sector(Sector::CleanVegetables),
            decided_on: day(2020, 6, 1),
        },
        C::Register {
            code: code(9).to_string(),
            kind: cooperative,
            content: RegistrationContent {
                sector: Some(Sector::Fishing),
                ..content()
            },
            members: members(7),
            certificate_no: "5701000129".into(),
            legacy_reg_no: None,
            origin: Origin::New,
        },
        C::CorrectRecord {
            corrected: ContentChange::Representative(Representative::new(
                "Nguyễn Văn Ân",
                "Giám đốc",
            )),
            reason: "nhập sai dấu / accent entered wrongly".into(),
        },
        C::RecordMembership {
            members: members(12),
        },
        C::RecordGeneralMeeting { annual: true },
        C::JoinUnion { union: code(9) },
        C::LeaveUnion { union: code(9) },
        C::Suspend {
            until: day(2019, 6, 1),
        },
        C::Resume,
        C::MarkNotOperatingAtAddress {
            tax_notice: "123/TB-CCT".into(),
        },
        C::ClearNotOperatingAtAddress {
            tax_notice: "130/TB-CCT".into(),
        },
        C::RecordInactivity {
            months_inactive: 12,
            source: "Chi cục Thuế".into(),
        },
        C::ReviewCompliance,
        C::ResolveReorganisation {
            kind: ReorganisationKind::Merger,
            counterparts: vec![code(2)],
            resolution: "NQ ĐHTV 02/2020".into(),
        },
        C::RegisterAbsorption {
            absorbed: vec![code(2), code(3)],
        },
        C::CompleteReorganisation { successors: vec![] },
        C::RevokeCertificate {
            ground: "cưỡng chế thuế".into(),
            tax_enforcement: true,
            decision: doc("1/QĐ-UBND"),
        },
        C::AnnulRevocation {
            reason: "đã nộp đủ thuế".into(),
            decision: doc("2/QĐ-UBND"),
        },
        C::ResolveDissolution {
            resolution: "NQ ĐHTV 01/2021".into(),
        },
        C::DecideCompulsoryDissolution {
            decided_by: "UBND huyện".into(),
            ground: "Điều 57".into(),
            decision: doc("3/2021/QĐ-UBND"),
        },
        C::PublishDissolution,
        C::CancelDissolution {
            resolution: "NQ ĐHTV 02/2021".into(),
        },
        C::CompleteDissolution {
            mode: DissolutionMode::SixMonthsElapsed,
        },
        C::OpenBankruptcy {
            court: "TAND tỉnh Quảng Ninh".into(),
            decision: "01/2022/QĐ-MTTPS".into(),
        },
        C::DeclareBankruptcy {
            court: "TAND tỉnh Quảng Ninh".into(),
            decision: "05/2022/QĐ-TBPS".into(),
        },
        C::SubmitAnnualInformation {
            year: 2019,
            information: AnnualInformation {
                members: members(7),
                workers: 12,
                revenue: d(1_200_000_000),
                profit: -35_000_000,
                average_income: d(4_500_000),
            },
        },
        C::DesignateModel { year: 2020 },
        C::RateOcopProduct {
            product: "Chè Đường Hoa".into(),
            stars: 4,
            decision: doc("4/QĐ-UBND"),
            valid_until: day(2022, 1, 1),
        },
    ]
}

pub(super) fn region_mapping() -> Vec<RegionMappingAction> {
    vec![seed::region_mapping_2017(&clerk()).1.action]
}

pub(super) fn administrative_units() -> Vec<AdministrativeUnitAction> {
    let actor = clerk();
    [
        seed::administrative_units_2017(&actor),
        seed::hoanh_bo_merger_2020(&actor),
        seed::dong_trieu_city_2024(&actor),
        seed::district_level_abolition_2025(&actor),
    ]
    .into_iter()
    .flatten()
    .map(|(_, command)| command.action)
    .chain([AdministrativeUnitAction::Establish {
        code: "06970".into(),
        name: "Phường Đông Triều".into(),
        unit_type: crate::reference::UnitType::Ward,
        parent: Some("205".into()),
        valid_from: Some(day(2025, 7, 1)),
    }])
    .collect()
}

pub(super) fn legal_documents() -> Vec<LegalDocumentAction> {
    seed::legal_documents(&clerk())
        .into_iter()
        .map(|(_, command)| command.action)
        .chain([LegalDocumentAction::Repeal {
            repealed_by: "12/KH-UBND".into(),
            last_day: day(2020, 12, 31),
        }])
        .collect()
}

pub(super) fn rule_sets() -> Vec<SupportRuleSetAction> {
    vec![
        SupportRuleSetAction::PublishVersion {
            category: SupportCategory::Establishment,
            basis: doc("899/2017/QD-UBND"),
            valid_from: day(2017, 4, 10),
            valid_to: Some(day(2020, 12, 31)),
            caps: vec![
                Cap::Amount(d(30_000_000)),
                Cap::ShareOfCost {
                    basis_points: 5_000,
                },
                Cap::PerMemberTier(vec![
                    MemberTier {
                        min_members: 7,
                        cap: d(15_000_000),
                    },
                    MemberTier {
                        min_members: 50,
                        cap: d(30_000_000),
                    },
                ]),
            ],
        },
        SupportRuleSetAction::PublishVersion {
            category: SupportCategory::Training,
            basis: doc("124/2021/TT-BTC"),
            valid_from: day(2022, 1, 1),
            valid_to: None,
            caps: vec![Cap::ShareOfCost {
                basis_points: 10_000,
            }],
        },
        SupportRuleSetAction::End {
            last_day: day(2025, 6, 30),
        },
    ]
}

fn line() -> BudgetLineId {
    BudgetLineId::new(2018, "SO-KHDT", "NTM-1600", SupportCategory::Training).unwrap()
}

fn case() -> RecordId {
    RecordId::new(2018, "SO-KHDT", "HS-0007").unwrap()
}

fn class() -> RecordId {
    RecordId::new(2018, "SO-NNPTNT", "L03").unwrap()
}

pub(super) fn training_classes() -> Vec<T> {
    let plan = |district: Option<&str>| T::Plan {
        class: class(),
        line: line(),
        region: crate::reference::Region::West,
        district: district.map(str::to_string),
        planned_learners: 40,
        planned_cost: d(60_000_000),
        starts_on: day(2018, 5, 2),
    };
    vec![
        plan(Some("205")),
        plan(None),
        T::Hold {
            held_from: day(2018, 5, 2),
            held_to: day(2018, 5, 6),
            learners: 38,
            cost: d(57_000_000),
        },
        T::Cancel {
            reason: "không đủ học viên / too few learners".into(),
        },
        T::CorrectRecord {
            learners: 39,
            cost: d(58_500_000),
            reason: "danh sách ký nhận / sign-in sheet".into(),
        },
    ]
}

pub(super) fn settlements() -> Vec<S> {
    vec![
        S::Submit {
            settlement: SettlementId::new(2018, "SO-KHDT").unwrap(),
            lines: vec![line()],
        },
        S::Appraise {
            disallowed: d(1_500_000),
            notes: "chứng từ thiếu / missing vouchers".into(),
        },
        S::Approve,
        S::RecordAuditFinding {
            body: "Kiểm toán Nhà nước".into(),
            amount_to_recover: d(1_500_000),
            note: "thu hồi / recover".into(),
        },
    ]
}

pub(super) fn budget_lines() -> Vec<L> {
    vec![
        L::AssignEstimate {
            line: line(),
            amount: d(2_000_000_000),
            decision: doc("3125/QĐ-UBND"),
        },
        L::Allocate {
            recipient: "205".into(),
            amount: d(500_000_000),
        },
        L::Commit {
            purpose: Purpose::SupportCase(case()),
            recipient: "205".into(),
        },
        L::PayAdvance {
            purpose: Purpose::TrainingClass(class()),
            amount: d(20_000_000),
            reference: "UNC 0012".into(),
        },
        L::SettleAdvance {
            advance_entry: 4,
            amount: d(20_000_000),
        },
        L::MakePayment {
            purpose: Purpose::SupportCase(case()),
            amount: d(15_000_000),
            voucher: "PC 0031".into(),
        },
        L::ReturnFunds {
            against_entry: 6,
            amount: d(1_000_000),
            document: "GNT 0002".into(),
        },
        L::Reverse {
            entry: 7,
            reason: "nhập trùng / entered twice".into(),
        },
        L::ReviewAdvances,
    ]
}

pub(super) fn support_cases() -> Vec<K> {
    vec![
        K::ReceiveApplication {
            case: case(),
            line: line(),
            beneficiary: code(1),
            requested: d(30_000_000),
            eligible_cost: d(60_000_000),
            description: "Hỗ trợ thành lập mới / establishment support".into(),
        },
        K::Approve {
            amount: d(15_000_000),
            rule_set: RuleSetId::new(SupportCategory::Establishment, &doc("899/2017/QĐ-UBND")),
        },
        K::Reject {
            reason: "không đủ điều kiện / not eligible".into(),
        },
    ]
}

pub(super) fn people() -> Vec<P> {
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    vec![
        P::Add {
            user: "can.bo.dang.ky".into(),
            full_name: "Trần Thị Bình".into(),
            role: Role::Clerk,
            agency: Some("PTCKH-205".into()),
        },
        P::Add {
            user: "admin".into(),
            full_name: "Quản trị".into(),
            role: Role::Admin,
            agency: None,
        },
        P::IssueToken {
            token_hash: hash.into(),
        },
        P::RevokeToken {
            token_hash: Some(hash.into()),
            reason: "máy bị mất / lost laptop".into(),
        },
        P::RevokeToken {
            token_hash: None,
            reason: "nghỉ việc / left".into(),
        },
    ]
}
