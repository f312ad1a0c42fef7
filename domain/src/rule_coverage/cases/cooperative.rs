//! The registry's rules (REG-01 … REG-17, GEO-01, DATA-01) on cooperative commands.

use crate::cooperative::{
    Address, AnnualInformation, ContentChange, Cooperative, CooperativeAction as A,
    CooperativeEvent as E, CooperativeKind, MemberCounts, Origin, ReorganisationKind,
};
use crate::fixtures::{cmd, code, content, d, day, doc, htx, members, registered};
use crate::rules::RuleCode as R;
use crate::testing::InMemoryLookups;

use super::super::harness::Cases;
use super::super::samples;

fn register(n: u32, members: MemberCounts, origin: Origin) -> A {
    A::Register {
        code: code(n).as_str().to_string(),
        kind: CooperativeKind::Cooperative,
        content: content(),
        members,
        certificate_no: "GCN-01".into(),
        legacy_reg_no: None,
        origin,
    }
}

fn dissolving() -> Vec<E> {
    vec![
        htx(1),
        E::VoluntaryDissolutionResolved {
            resolution: "NQ".into(),
            effective_date: day(2018, 1, 10),
        },
    ]
}

pub(in super::super) fn cases(c: &mut Cases) {
    let lookups = InMemoryLookups::seeded();
    let mut co = c.on::<Cooperative>(|| lookups.services());

    // REG-01: the code is issued once.
    co.run(
        R::Reg01,
        vec![htx(1)],
        cmd(day(2018, 3, 1), register(1, members(7), Origin::New)),
    );
    // REG-02: 7 members under the 2012 Law, at registration and at re-registration.
    co.run(
        R::Reg02,
        vec![],
        cmd(day(2018, 3, 1), register(1, members(6), Origin::New)),
    );
    let old = registered(
        &code(1),
        CooperativeKind::Cooperative,
        day(2010, 5, 1),
        members(7),
    );
    co.run(
        R::Reg02,
        vec![old.clone()],
        cmd(
            day(2014, 3, 1),
            A::ReRegister {
                members: members(5),
                certificate_no: "GCN-2014".into(),
            },
        ),
    );
    // REG-03: below the minimum for 12 months, no annual meeting for 18, inactive for 12.
    let below = E::MembershipRecorded {
        members: members(4),
        effective_date: day(2018, 1, 10),
    };
    co.run(
        R::Reg03,
        vec![htx(1), below],
        cmd(
            day(2019, 1, 15),
            A::RecordMembership {
                members: members(4),
            },
        ),
    );
    co.run(
        R::Reg03,
        vec![htx(1)],
        cmd(day(2019, 4, 1), A::RecordGeneralMeeting { annual: true }),
    );
    co.run(
        R::Reg03,
        vec![htx(1)],
        cmd(
            day(2019, 1, 1),
            A::RecordInactivity {
                months_inactive: 12,
                source: "rà soát".into(),
            },
        ),
    );
    co.run(
        R::Reg03,
        vec![htx(1)],
        cmd(day(2019, 4, 1), A::ReviewCompliance),
    );
    // REG-04: nothing but a registration for a code not registered.
    for action in samples::cooperative() {
        if !matches!(action, A::Register { .. }) {
            co.run(R::Reg04, vec![], cmd(day(2019, 1, 2), action));
        }
    }
    // REG-05: only a cooperative registered before 01/7/2013; late after 01/7/2016.
    let re_register = || A::ReRegister {
        members: members(7),
        certificate_no: "GCN-2017".into(),
    };
    co.run(R::Reg05, vec![htx(1)], cmd(day(2018, 1, 2), re_register()));
    co.run(R::Reg05, vec![old], cmd(day(2017, 1, 2), re_register()));
    // REG-06: publish, cancel and complete only a dissolution under way, in order.
    co.run(
        R::Reg06,
        vec![htx(1)],
        cmd(day(2018, 2, 1), A::PublishDissolution),
    );
    let compulsory = vec![
        htx(1),
        E::CompulsoryDissolutionDecided {
            decided_by: "UBND".into(),
            ground: "g".into(),
            decision: doc("3/QĐ-UBND"),
            effective_date: day(2018, 1, 10),
        },
    ];
    co.run(
        R::Reg06,
        compulsory,
        cmd(
            day(2018, 2, 1),
            A::CancelDissolution {
                resolution: "NQ".into(),
            },
        ),
    );
    co.run(
        R::Reg06,
        dissolving(),
        cmd(
            day(2018, 2, 1),
            A::CompleteDissolution {
                mode: crate::cooperative::DissolutionMode::Dossier,
            },
        ),
    );
    // REG-07: no capital increase while dissolving.
    co.run(
        R::Reg07,
        dissolving(),
        cmd(
            day(2018, 2, 1),
            A::ChangeRegisteredContent {
                change: ContentChange::CharterCapital(d(900_000_000)),
                decided_on: day(2018, 2, 1),
            },
        ),
    );
    // REG-08: at most 12 months.
    co.run(
        R::Reg08,
        vec![htx(1)],
        cmd(
            day(2018, 1, 1),
            A::Suspend {
                until: day(2019, 1, 1),
            },
        ),
    );
    // REG-09: filed 31 days after the decision.
    co.run(
        R::Reg09,
        vec![htx(1)],
        cmd(
            day(2018, 2, 1),
            A::ChangeRegisteredContent {
                change: ContentChange::Name("HTX Dịch vụ Yên Đức".into()),
                decided_on: day(2018, 1, 1),
            },
        ),
    );
    // REG-12: successors of a predecessor that is not reorganising; a merger into nobody; an
    // absorption of nobody; completing nothing.
    co.run(
        R::Reg12,
        vec![],
        cmd(
            day(2018, 3, 1),
            register(
                3,
                members(7),
                Origin::Division {
                    predecessor: code(2),
                },
            ),
        ),
    );
    co.run(
        R::Reg12,
        vec![htx(1)],
        cmd(
            day(2018, 3, 1),
            A::ResolveReorganisation {
                kind: ReorganisationKind::Merger,
                counterparts: vec![],
                resolution: "NQ".into(),
            },
        ),
    );
    co.run(
        R::Reg12,
        vec![htx(1)],
        cmd(day(2018, 3, 1), A::RegisterAbsorption { absorbed: vec![] }),
    );
    co.run(
        R::Reg12,
        vec![htx(1)],
        cmd(
            day(2018, 3, 1),
            A::CompleteReorganisation {
                successors: vec![code(2)],
            },
        ),
    );
    // REG-13: annul only a revocation.
    co.run(
        R::Reg13,
        dissolving(),
        cmd(
            day(2018, 2, 1),
            A::AnnulRevocation {
                reason: "r".into(),
                decision: doc("2/QĐ-UBND"),
            },
        ),
    );
    // REG-14: a correction must change the field.
    co.run(
        R::Reg14,
        vec![htx(1)],
        cmd(
            day(2018, 2, 1),
            A::CorrectRecord {
                corrected: ContentChange::Name(content().name),
                reason: "r".into(),
            },
        ),
    );
    // REG-15: the 2020 report after 15/12/2020.
    co.run(
        R::Reg15,
        vec![htx(1)],
        cmd(
            day(2020, 12, 20),
            A::SubmitAnnualInformation {
                year: 2020,
                information: AnnualInformation {
                    members: members(7),
                    workers: 5,
                    revenue: d(1_000_000_000),
                    profit: 10_000_000,
                    average_income: d(4_000_000),
                },
            },
        ),
    );
    // REG-16: join only a registered union; leave only one it is in.
    co.run(
        R::Reg16,
        vec![htx(1)],
        cmd(day(2018, 2, 1), A::JoinUnion { union: code(9) }),
    );
    co.run(
        R::Reg16,
        vec![htx(1)],
        cmd(day(2018, 2, 1), A::LeaveUnion { union: code(9) }),
    );
    // REG-17: 1-5 stars.
    co.run(
        R::Reg17,
        vec![htx(1)],
        cmd(
            day(2018, 2, 1),
            A::RateOcopProduct {
                product: "Chè Bình Liêu".into(),
                stars: 6,
                decision: doc("4/QĐ-UBND"),
                valid_until: day(2021, 2, 1),
            },
        ),
    );
    // GEO-01: unit 999 does not exist.
    let nowhere = || Address::new("Thôn Đông", "999");
    let mut elsewhere = register(1, members(7), Origin::New);
    if let A::Register { content, .. } = &mut elsewhere {
        content.address = nowhere();
    }
    co.run(R::Geo01, vec![], cmd(day(2018, 3, 1), elsewhere));
    co.run(
        R::Geo01,
        vec![htx(1)],
        cmd(
            day(2018, 3, 1),
            A::ChangeRegisteredContent {
                change: ContentChange::Address(nowhere()),
                decided_on: day(2018, 3, 1),
            },
        ),
    );
    co.run(
        R::Geo01,
        vec![htx(1)],
        cmd(
            day(2018, 3, 1),
            A::CorrectRecord {
                corrected: ContentChange::Address(nowhere()),
                reason: "nhập nhầm".into(),
            },
        ),
    );

    // The address: a cooperative code with a wrong check digit (REG-01); a registration whose
    // body names another code (DATA-01).
    let c = co.cases;
    for action in samples::cooperative() {
        c.address::<Cooperative, _, _>(R::Reg01, "5700888021", cmd(day(2018, 3, 1), action));
    }
    c.address::<Cooperative, _, _>(
        R::Data01,
        code(2).as_str(),
        cmd(day(2018, 3, 1), register(1, members(7), Origin::New)),
    );
}
