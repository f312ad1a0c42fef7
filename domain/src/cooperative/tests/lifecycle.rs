use crate::cooperative::{
    CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E,
    CooperativeStatus as S, Transition,
};
use crate::fixtures::*;

use super::seeded;

pub(super) fn suspended() -> E {
    E::BusinessSuspended {
        until: day(2018, 12, 31),
        effective_date: day(2018, 1, 1),
    }
}

pub(super) fn voluntary() -> E {
    E::VoluntaryDissolutionResolved {
        resolution: "NQ".into(),
        effective_date: day(2018, 3, 1),
    }
}

pub(super) fn published() -> E {
    E::DissolutionPublished {
        effective_date: day(2018, 3, 5),
    }
}

pub(super) fn revoked(tax: bool) -> E {
    E::CertificateRevoked {
        ground: "Điều 103(1)(b)".into(),
        tax_enforcement: tax,
        decision: doc("12/QĐ-UBND"),
        effective_date: day(2018, 3, 1),
    }
}

pub(super) fn not_allowed(transition: Transition, status: S) -> Error {
    Error::TransitionNotAllowed { transition, status }
}

#[test]
fn suspends_for_at_most_12_months() {
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 1, 1),
            A::Suspend {
                until: day(2018, 12, 31),
            },
        ))
        .then_expect_events(vec![suspended()]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 1, 1),
            A::Suspend {
                until: day(2019, 1, 1),
            },
        ))
        .then_expect_refusal(Error::SuspensionTooLong {
            from: day(2018, 1, 1),
            until: day(2019, 1, 1),
            latest: day(2018, 12, 31),
        });
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 1, 1),
            A::Suspend {
                until: day(2017, 12, 1),
            },
        ))
        .then_expect_refusal(Error::SuspensionEndsBeforeStart {
            from: day(2018, 1, 1),
            until: day(2017, 12, 1),
        });
    seeded()
        .given(vec![htx(1), suspended()])
        .when(cmd(
            day(2018, 2, 1),
            A::Suspend {
                until: day(2018, 6, 1),
            },
        ))
        .then_expect_refusal(not_allowed(Transition::Suspend, S::Suspended));
    seeded()
        .given(vec![htx(1), suspended()])
        .when(cmd(
            day(2017, 12, 1),
            A::Suspend {
                until: day(2017, 12, 20),
            },
        ))
        .then_expect_refusal(Error::BeforeLastChange {
            effective_date: day(2017, 12, 1),
            last_change: day(2018, 1, 1),
        });
}

#[test]
fn resumes_only_a_suspension_in_force() {
    seeded()
        .given(vec![htx(1), suspended()])
        .when(cmd(day(2018, 6, 1), A::Resume))
        .then_expect_events(vec![E::BusinessResumed {
            effective_date: day(2018, 6, 1),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 6, 1), A::Resume))
        .then_expect_refusal(not_allowed(Transition::Resume, S::Active));
    // The suspension lapsed on 31/12/2018: the cooperative is active again.
    seeded()
        .given(vec![htx(1), suspended()])
        .when(cmd(day(2019, 1, 2), A::Resume))
        .then_expect_refusal(not_allowed(Transition::Resume, S::Active));
}

#[test]
fn the_tax_authority_marks_and_clears_not_operating_at_the_address() {
    let marked = E::NotOperatingAtAddressMarked {
        tax_notice: "TB-1".into(),
        effective_date: day(2018, 5, 1),
    };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 5, 1),
            A::MarkNotOperatingAtAddress {
                tax_notice: "TB-1".into(),
            },
        ))
        .then_expect_events(vec![marked.clone()]);
    seeded()
        .given(vec![htx(1), marked])
        .when(cmd(
            day(2018, 7, 1),
            A::ClearNotOperatingAtAddress {
                tax_notice: "TB-2".into(),
            },
        ))
        .then_expect_events(vec![E::NotOperatingAtAddressCleared {
            tax_notice: "TB-2".into(),
            effective_date: day(2018, 7, 1),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2018, 7, 1),
            A::ClearNotOperatingAtAddress {
                tax_notice: "TB-2".into(),
            },
        ))
        .then_expect_refusal(not_allowed(Transition::ClearNotAtAddress, S::Active));
    seeded()
        .given(vec![htx(1), suspended()])
        .when(cmd(
            day(2018, 2, 1),
            A::MarkNotOperatingAtAddress {
                tax_notice: "TB-1".into(),
            },
        ))
        .then_expect_refusal(not_allowed(Transition::MarkNotAtAddress, S::Suspended));
}

#[test]
fn revokes_a_certificate_for_tax_enforcement_or_as_a_sanction() {
    let action = |tax| A::RevokeCertificate {
        ground: "Điều 103(1)(b)".into(),
        tax_enforcement: tax,
        decision: doc("12/QĐ-UBND"),
    };
    for tax in [true, false] {
        seeded()
            .given(vec![htx(1)])
            .when(cmd(day(2018, 3, 1), action(tax)))
            .then_expect_events(vec![revoked(tax)]);
    }
    seeded()
        .given(vec![htx(1), voluntary()])
        .when(cmd(day(2018, 4, 1), action(false)))
        .then_expect_refusal(not_allowed(Transition::RevokeAsSanction, S::Dissolving));
}
