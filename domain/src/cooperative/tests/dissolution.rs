use crate::cooperative::{
    Cooperative, CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E,
    CooperativeStatus as S, DissolutionMode, Transition,
};
use crate::fixtures::*;

use super::lifecycle::{not_allowed, published, revoked, suspended, voluntary};
use super::seeded;

#[test]
fn annuls_a_revocation_but_not_a_voluntary_dissolution() {
    let action = A::AnnulRevocation {
        reason: "cơ quan thuế đề nghị".into(),
        decision: doc("13/QĐ-UBND"),
    };
    let annulled = E::RevocationAnnulled {
        reason: "cơ quan thuế đề nghị".into(),
        decision: doc("13/QĐ-UBND"),
        effective_date: day(2018, 4, 1),
    };
    for tax in [true, false] {
        seeded()
            .given(vec![htx(1), revoked(tax)])
            .when(cmd(day(2018, 4, 1), action.clone()))
            .then_expect_events(vec![annulled.clone()]);
    }
    seeded()
        .given(vec![htx(1), voluntary()])
        .when(cmd(day(2018, 4, 1), action.clone()))
        .then_expect_refusal(Error::NotRevoked {
            status: S::Dissolving,
        });
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 4, 1), action))
        .then_expect_refusal(not_allowed(Transition::AnnulTaxRevocation, S::Active));
}

#[test]
fn resolves_a_voluntary_dissolution_or_decides_a_compulsory_one() {
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 3, 1),
            A::ResolveDissolution {
                resolution: "NQ".into(),
            },
        ))
        .then_expect_events(vec![voluntary()]);
    let opened = E::BankruptcyOpened {
        court: "TAND".into(),
        decision: "01".into(),
        effective_date: day(2018, 1, 1),
    };
    seeded()
        .given(vec![htx(1), opened])
        .when(cmd(
            day(2018, 3, 1),
            A::ResolveDissolution {
                resolution: "NQ".into(),
            },
        ))
        .then_expect_refusal(not_allowed(Transition::ResolveDissolution, S::InBankruptcy));
    let compulsory = A::DecideCompulsoryDissolution {
        decided_by: "UBND huyện".into(),
        ground: "không hoạt động".into(),
        decision: doc("20/QĐ-UBND"),
    };
    seeded()
        .given(vec![htx(1), revoked(true)])
        .when(cmd(day(2018, 5, 1), compulsory.clone()))
        .then_expect_events(vec![E::CompulsoryDissolutionDecided {
            decided_by: "UBND huyện".into(),
            ground: "không hoạt động".into(),
            decision: doc("20/QĐ-UBND"),
            effective_date: day(2018, 5, 1),
        }]);
    seeded()
        .given(vec![htx(1), voluntary()])
        .when(cmd(day(2018, 5, 1), compulsory))
        .then_expect_refusal(not_allowed(
            Transition::DecideCompulsoryDissolution,
            S::Dissolving,
        ));
}

#[test]
fn publishes_a_dissolution_once() {
    seeded()
        .given(vec![htx(1), voluntary()])
        .when(cmd(day(2018, 3, 5), A::PublishDissolution))
        .then_expect_events(vec![published()]);
    seeded()
        .given(vec![htx(1), voluntary(), published()])
        .when(cmd(day(2018, 3, 6), A::PublishDissolution))
        .then_expect_refusal(Error::DissolutionAlreadyPublished);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 3, 6), A::PublishDissolution))
        .then_expect_refusal(Error::NotDissolving { status: S::Active });
}

#[test]
fn cancels_only_a_voluntary_dissolution_within_6_months_of_publication() {
    let action = A::CancelDissolution {
        resolution: "NQ huỷ".into(),
    };
    seeded()
        .given(vec![htx(1), voluntary(), published()])
        .when(cmd(day(2018, 9, 5), action.clone()))
        .then_expect_events(vec![E::DissolutionResolutionCancelled {
            resolution: "NQ huỷ".into(),
            effective_date: day(2018, 9, 5),
        }]);
    seeded()
        .given(vec![htx(1), voluntary(), published()])
        .when(cmd(day(2018, 9, 6), action.clone()))
        .then_expect_refusal(Error::CancellationNotAllowed {
            deadline: Some(day(2018, 9, 5)),
        });
    seeded()
        .given(vec![htx(1), revoked(false)])
        .when(cmd(day(2018, 4, 1), action))
        .then_expect_refusal(Error::CancellationNotAllowed { deadline: None });
}

#[test]
fn dissolves_on_the_dossier_or_6_months_after_publication() {
    let dossier = A::CompleteDissolution {
        mode: DissolutionMode::Dossier,
    };
    let automatic = A::CompleteDissolution {
        mode: DissolutionMode::SixMonthsElapsed,
    };
    seeded()
        .given(vec![htx(1), voluntary(), published()])
        .when(cmd(day(2018, 4, 1), dossier.clone()))
        .then_expect_events(vec![E::CooperativeDissolved {
            mode: DissolutionMode::Dossier,
            effective_date: day(2018, 4, 1),
        }]);
    seeded()
        .given(vec![htx(1), voluntary(), published()])
        .when(cmd(day(2018, 9, 5), automatic.clone()))
        .then_expect_events(vec![E::CooperativeDissolved {
            mode: DissolutionMode::SixMonthsElapsed,
            effective_date: day(2018, 9, 5),
        }]);
    seeded()
        .given(vec![htx(1), voluntary(), published()])
        .when(cmd(day(2018, 9, 4), automatic))
        .then_expect_refusal(Error::DissolutionTooEarly {
            published_on: day(2018, 3, 5),
            earliest: day(2018, 9, 5),
        });
    seeded()
        .given(vec![htx(1), voluntary()])
        .when(cmd(day(2018, 4, 1), dossier.clone()))
        .then_expect_refusal(Error::DissolutionNotPublished);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 4, 1), dossier))
        .then_expect_refusal(not_allowed(Transition::CompleteDissolution, S::Active));
}

#[test]
fn bankruptcy_is_opened_then_declared() {
    let open = A::OpenBankruptcy {
        court: "TAND tỉnh".into(),
        decision: "05/QĐ-MTTPS".into(),
    };
    let opened = E::BankruptcyOpened {
        court: "TAND tỉnh".into(),
        decision: "05/QĐ-MTTPS".into(),
        effective_date: day(2019, 1, 1),
    };
    seeded()
        .given(vec![htx(1), voluntary()])
        .when(cmd(day(2019, 1, 1), open.clone()))
        .then_expect_events(vec![opened.clone()]);
    let declare = A::DeclareBankruptcy {
        court: "TAND tỉnh".into(),
        decision: "09/QĐ-TBPS".into(),
    };
    seeded()
        .given(vec![htx(1), opened.clone()])
        .when(cmd(day(2019, 6, 1), declare.clone()))
        .then_expect_events(vec![E::BankruptcyDeclared {
            court: "TAND tỉnh".into(),
            decision: "09/QĐ-TBPS".into(),
            effective_date: day(2019, 6, 1),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2019, 6, 1), declare))
        .then_expect_refusal(not_allowed(Transition::DeclareBankruptcy, S::Active));
    seeded()
        .given(vec![htx(1), opened])
        .when(cmd(day(2019, 6, 1), open))
        .then_expect_refusal(not_allowed(Transition::OpenBankruptcy, S::InBankruptcy));
}

#[test]
fn the_status_history_answers_status_on_any_date() {
    let mut coop = Cooperative::default();
    for event in [htx(1), suspended(), voluntary(), published()] {
        coop.apply_event(event);
    }
    coop.apply_event(E::CooperativeDissolved {
        mode: DissolutionMode::Dossier,
        effective_date: day(2018, 4, 1),
    });
    assert_eq!(coop.status_on(day(2017, 8, 31)), None);
    assert_eq!(coop.status_on(day(2017, 12, 31)), Some(S::Active));
    assert_eq!(coop.status_on(day(2018, 2, 1)), Some(S::Suspended));
    assert_eq!(coop.status_on(day(2018, 3, 2)), Some(S::Dissolving));
    assert_eq!(coop.status_on(day(2018, 4, 1)), Some(S::Dissolved));
    assert_eq!(coop.current_status(), Some(S::Dissolved));
}
