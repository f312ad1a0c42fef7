//! Refusals every command but registration shares: an unregistered cooperative (REG-04),
//! an ended one (REG-04: only corrections), and a date before registration.

use crate::cooperative::{
    AnnualInformation, ContentChange, CooperativeAction as A, CooperativeError as Error,
    CooperativeStatus, DissolutionMode, ReorganisationKind,
};
use crate::fixtures::*;

use super::records::dissolved;
use super::seeded;

/// Every action but `Register`, with plausible arguments.
fn every_action() -> Vec<A> {
    vec![
        A::ReRegister {
            members: members(7),
            certificate_no: "GCN".into(),
        },
        A::ChangeRegisteredContent {
            change: ContentChange::Name("HTX Mới".into()),
            decided_on: day(2019, 1, 1),
        },
        A::RecordMembership {
            members: members(7),
        },
        A::RecordGeneralMeeting { annual: true },
        A::JoinUnion { union: code(9) },
        A::LeaveUnion { union: code(9) },
        A::Suspend {
            until: day(2019, 6, 1),
        },
        A::Resume,
        A::MarkNotOperatingAtAddress {
            tax_notice: "t".into(),
        },
        A::ClearNotOperatingAtAddress {
            tax_notice: "t".into(),
        },
        A::RecordInactivity {
            months_inactive: 3,
            source: "s".into(),
        },
        A::ReviewCompliance,
        A::ResolveReorganisation {
            kind: ReorganisationKind::Division,
            counterparts: vec![],
            resolution: "NQ".into(),
        },
        A::RegisterAbsorption {
            absorbed: vec![code(2)],
        },
        A::CompleteReorganisation {
            successors: vec![code(2), code(3)],
        },
        A::RevokeCertificate {
            ground: "g".into(),
            tax_enforcement: false,
            decision: doc("1/QĐ-UBND"),
        },
        A::AnnulRevocation {
            reason: "r".into(),
            decision: doc("2/QĐ-UBND"),
        },
        A::ResolveDissolution {
            resolution: "NQ".into(),
        },
        A::DecideCompulsoryDissolution {
            decided_by: "UBND".into(),
            ground: "g".into(),
            decision: doc("3/QĐ-UBND"),
        },
        A::PublishDissolution,
        A::CancelDissolution {
            resolution: "NQ".into(),
        },
        A::CompleteDissolution {
            mode: DissolutionMode::Dossier,
        },
        A::OpenBankruptcy {
            court: "TAND".into(),
            decision: "1".into(),
        },
        A::DeclareBankruptcy {
            court: "TAND".into(),
            decision: "2".into(),
        },
        A::SubmitAnnualInformation {
            year: 2019,
            information: AnnualInformation {
                members: members(7),
                workers: 1,
                revenue: d(1),
                profit: 0,
                average_income: d(1),
            },
        },
        A::DesignateModel { year: 2019 },
        A::RateOcopProduct {
            product: "p".into(),
            stars: 3,
            decision: doc("4/QĐ-UBND"),
            valid_until: day(2022, 1, 1),
        },
    ]
}

#[test]
fn an_unregistered_cooperative_takes_no_command_but_registration() {
    let mut actions = every_action();
    actions.push(A::CorrectRecord {
        corrected: ContentChange::Name("x".into()),
        reason: "r".into(),
    });
    for action in actions {
        seeded()
            .given_no_previous_events()
            .when(cmd(day(2019, 1, 2), action))
            .then_expect_refusal(Error::NotRegistered);
    }
}

#[test]
fn an_ended_cooperative_takes_only_corrections() {
    for action in every_action() {
        seeded()
            .given(dissolved())
            .when(cmd(day(2019, 1, 2), action))
            .then_expect_refusal(Error::Terminal {
                status: CooperativeStatus::Dissolved,
            });
    }
}

#[test]
fn nothing_is_dated_before_the_registration() {
    for action in every_action() {
        seeded()
            .given(vec![htx(1)])
            .when(cmd(day(2017, 8, 31), action))
            .then_expect_refusal(Error::BeforeLastChange {
                effective_date: day(2017, 8, 31),
                last_change: day(2017, 9, 1),
            });
    }
}
