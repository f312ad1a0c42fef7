//! The scenario's parameters: what plan 31/KH-UBND asks for, as figures at scale 1. Each count
//! is multiplied by the scale and rounded ([`scaled`]), never below 1. Tests compute the plan's
//! progress from these constants, independently of the generator.

/// The plan's years.
pub const FIRST_YEAR: i32 = 2017;
pub const LAST_YEAR: i32 = 2020;

/// Cooperatives existing on 01/01/2017, registered before 01/7/2013 (under the 2003 Law).
pub const EXISTING_BEFORE_2013: u32 = 200;
/// Cooperatives existing on 01/01/2017, registered from 01/7/2013 (under the 2012 Law).
pub const EXISTING_SINCE_2013: u32 = 180;
/// Pre-2013 cooperatives, active, that re-register under the 2012 Law only in 2017-2018
/// (after the deadline of 01/7/2016: a REG-05 finding each).
pub const LATE_RE_REGISTRATIONS: u32 = 10;
/// Pre-2013 cooperatives found inactive in the 2017 clean-up, by outcome.
pub const INACTIVE_DISSOLVED_VOLUNTARILY: u32 = 23;
pub const INACTIVE_DISSOLVED_COMPULSORILY: u32 = 17;
pub const INACTIVE_BROUGHT_INTO_LINE: u32 = 17;
/// Active cooperatives that resolve to dissolve each year (completed within the year).
pub const WOUND_UP_PER_YEAR: u32 = 4;
/// Newly established cooperatives per year (the plan: about 50).
pub const NEW_PER_YEAR: u32 = 50;
/// Unions of cooperatives (liên hiệp HTX), registered in 2018.
pub const UNIONS: u32 = 1;
/// Cooperatives that join each union.
pub const UNION_MEMBERS: u32 = 5;
/// Reorganisations of each kind (division, separation, consolidation, merger), in 2019.
pub const REORGANISATIONS_PER_KIND: u32 = 1;
/// Training classes a year per organiser: Sở NN&PTNT (east) and Liên minh HTX (mainly west).
pub const CLASSES_PER_ORGANISER: u32 = 10;
/// Learners per class, on average over a year (each class 30-50, but one of 28 in 2018).
pub const LEARNERS_PER_CLASS_AVERAGE: u32 = 40;
/// What a class costs, on average over a year (20 classes: 1.100.000.000 đ a year).
pub const CLASS_COST_AVERAGE: i64 = 55_000_000;
/// Support applications a year, over all support lines.
pub const SUPPORT_CASES_PER_YEAR: u32 = 280;
/// Applications rejected a year (among the above).
pub const REJECTED_CASES_PER_YEAR: u32 = 6;
/// OCOP ratings a year, from 2018.
pub const OCOP_RATINGS_PER_YEAR: u32 = 15;
/// Registered-content changes filed on time a year.
pub const CONTENT_CHANGES_PER_YEAR: u32 = 15;

/// The scales the scenario accepts: below 0.05 the clean-up has too few cooperatives to draw
/// its outcomes from.
pub const MIN_SCALE: f64 = 0.05;
pub const MAX_SCALE: f64 = 1000.0;

/// `base` at `scale`, rounded half away from zero, at least 1.
pub fn scaled(base: u32, scale: f64) -> u32 {
    ((f64::from(base) * scale).round() as u32).max(1)
}

/// The counts of one run, at one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub before_2013: u32,
    pub since_2013: u32,
    pub late_re_registrations: u32,
    pub voluntary: u32,
    pub compulsory: u32,
    pub into_line: u32,
    pub wound_up_per_year: u32,
    pub new_per_year: u32,
    pub unions: u32,
    pub reorganisations: u32,
    pub classes_per_organiser: u32,
    pub cases_per_year: u32,
    pub rejected_per_year: u32,
    pub ocop_per_year: u32,
    pub changes_per_year: u32,
}

impl Counts {
    pub fn at(scale: f64) -> Counts {
        let s = |base| scaled(base, scale);
        Counts {
            before_2013: s(EXISTING_BEFORE_2013),
            since_2013: s(EXISTING_SINCE_2013),
            late_re_registrations: s(LATE_RE_REGISTRATIONS),
            voluntary: s(INACTIVE_DISSOLVED_VOLUNTARILY),
            compulsory: s(INACTIVE_DISSOLVED_COMPULSORILY),
            into_line: s(INACTIVE_BROUGHT_INTO_LINE),
            wound_up_per_year: s(WOUND_UP_PER_YEAR),
            new_per_year: s(NEW_PER_YEAR),
            unions: s(UNIONS),
            reorganisations: s(REORGANISATIONS_PER_KIND),
            classes_per_organiser: s(CLASSES_PER_ORGANISER),
            cases_per_year: s(SUPPORT_CASES_PER_YEAR),
            rejected_per_year: s(REJECTED_CASES_PER_YEAR),
            ocop_per_year: s(OCOP_RATINGS_PER_YEAR),
            changes_per_year: s(CONTENT_CHANGES_PER_YEAR),
        }
    }

    pub fn inactive(&self) -> u32 {
        self.voluntary + self.compulsory + self.into_line
    }
}
