use crate::cooperative::{
    AnnualInformation, CooperativeAction as A, CooperativeError as Error, CooperativeEvent as E,
    CooperativeStatus, FindingGround,
};
use crate::fixtures::*;
use crate::rules::{Finding, RuleCode};

use super::records::dissolved;
use super::seeded;

fn information() -> AnnualInformation {
    AnnualInformation {
        members: members(8),
        workers: 12,
        revenue: d(2_000_000_000),
        profit: -5_000_000,
        average_income: d(60_000_000),
    }
}

#[test]
fn annual_information_is_accepted_and_flagged_after_the_known_deadline() {
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2019, 12, 20),
            A::SubmitAnnualInformation {
                year: 2019,
                information: information(),
            },
        ))
        .then_expect_events(vec![E::AnnualInformationSubmitted {
            year: 2019,
            information: information(),
            effective_date: day(2019, 12, 20),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(
            day(2021, 12, 16),
            A::SubmitAnnualInformation {
                year: 2021,
                information: information(),
            },
        ))
        .then_expect_events(vec![
            E::AnnualInformationSubmitted {
                year: 2021,
                information: information(),
                effective_date: day(2021, 12, 16),
            },
            E::ComplianceFindingRaised {
                finding: Finding::new(
                    RuleCode::Reg15,
                    day(2021, 12, 16),
                    "báo cáo năm 2021 nộp 2021-12-16, hạn 2021-12-15 / filed after 2021-12-15",
                ),
                ground: FindingGround::LateAnnualInformation { year: 2021 },
            },
        ]);
    seeded()
        .given(dissolved())
        .when(cmd(
            day(2021, 12, 1),
            A::SubmitAnnualInformation {
                year: 2021,
                information: information(),
            },
        ))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
}

#[test]
fn designates_a_model_cooperative() {
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 12, 1), A::DesignateModel { year: 2018 }))
        .then_expect_events(vec![E::ModelCooperativeDesignated {
            year: 2018,
            effective_date: day(2018, 12, 1),
        }]);
    seeded()
        .given_no_previous_events()
        .when(cmd(day(2018, 12, 1), A::DesignateModel { year: 2018 }))
        .then_expect_refusal(Error::NotRegistered);
    seeded()
        .given(dissolved())
        .when(cmd(day(2018, 12, 1), A::DesignateModel { year: 2018 }))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
}

#[test]
fn rates_an_ocop_product_with_1_to_5_stars_and_a_future_expiry() {
    let rate = |stars, valid_until| A::RateOcopProduct {
        product: "Mật ong Yên Đức".into(),
        stars,
        decision: doc("3401/QĐ-UBND"),
        valid_until,
    };
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 8, 31), rate(4, day(2021, 8, 31))))
        .then_expect_events(vec![E::OcopProductRated {
            product: "Mật ong Yên Đức".into(),
            stars: 4,
            decision: doc("3401/QĐ-UBND"),
            valid_until: day(2021, 8, 31),
            effective_date: day(2018, 8, 31),
        }]);
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 8, 31), rate(6, day(2021, 8, 31))))
        .then_expect_refusal(Error::InvalidOcopRating {
            stars: 6,
            valid_until: day(2021, 8, 31),
            effective_date: day(2018, 8, 31),
        });
    seeded()
        .given(vec![htx(1)])
        .when(cmd(day(2018, 8, 31), rate(3, day(2018, 8, 31))))
        .then_expect_refusal(Error::InvalidOcopRating {
            stars: 3,
            valid_until: day(2018, 8, 31),
            effective_date: day(2018, 8, 31),
        });
    seeded()
        .given(dissolved())
        .when(cmd(day(2018, 8, 31), rate(3, day(2021, 8, 31))))
        .then_expect_refusal(Error::Terminal {
            status: CooperativeStatus::Dissolved,
        });
}
