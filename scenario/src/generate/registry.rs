//! The registry's storylines: the cooperatives existing in 2017 (loaded with their past
//! registrations, re-registrations and last annual meetings), the 2017 clean-up, new
//! cooperatives, wind-ups, the union, the four reorganisations, annual meetings and
//! information, model cooperatives, OCOP ratings, registration changes and a correction.

use chrono::{Datelike, Days, NaiveDate};
use domain::code::CooperativeCode;
use domain::cooperative::{
    Address, AnnualInformation, ContentChange, CooperativeAction as A, CooperativeKind,
    DissolutionMode, MemberCounts, Origin, RegistrationContent, ReorganisationKind as K,
    Representative, Sector,
};
use domain::document::DocumentNumber;
use domain::money::Dong;
use domain::reference::seed::UNITS_2017;
use domain::rules::RuleCode;

use super::people::clerk;
use super::{Coop, Fate, Rank, World, add_months, after, by, day, some_day};
use crate::ScenarioError;
use crate::names::{
    DISTRICTS, GIVEN_NAMES, MIDDLE_NAMES, SECTOR_WEIGHTS, SECTORS, SURNAMES, products,
};
use crate::params::{FIRST_YEAR, UNION_MEMBERS};
use crate::rng::Rng;
use crate::step::StepCommand;

/// Which existing cooperatives play which part (indices into `World::coops`).
#[derive(Debug, Default)]
pub(crate) struct Roles {
    voluntary: Vec<usize>,
    compulsory: Vec<usize>,
    into_line: Vec<usize>,
    late: Vec<usize>,
    /// Per year, the cooperatives wound up that year.
    pub wound_up: Vec<(i32, Vec<usize>)>,
    division: Vec<usize>,
    consolidation: Vec<(usize, usize)>,
    merged: Vec<usize>,
}

const CLEANUP: &str = "Rà soát HTX năm 2017 theo Kế hoạch 31/KH-UBND";

fn dong(amount: i64) -> Dong {
    Dong::new(amount).expect("a non-negative amount")
}

fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).expect("a document number")
}

fn unit_name(unit: &str) -> &'static str {
    UNITS_2017
        .iter()
        .find(|(code, _, _)| *code == unit)
        .map_or("Quảng Ninh", |(_, name, _)| name)
}

/// The unit an address names on `date`: Hoành Bồ's communes belong to Hạ Long from 2020.
pub(crate) fn unit_on(unit: &'static str, date: NaiveDate) -> &'static str {
    if unit == "204" && date >= day(2020, 1, 1) {
        "193"
    } else {
        unit
    }
}

fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(&SURNAMES),
        rng.pick(&MIDDLE_NAMES),
        rng.pick(&GIVEN_NAMES)
    )
}

fn cooperative(world: &mut World, coop: usize, on: NaiveDate, rank: Rank, action: A) {
    let c = &world.coops[coop];
    let command = by(&clerk(unit_on(c.unit, on)), on, action);
    let id = c.code.as_str().to_string();
    world.push(on, rank, StepCommand::Cooperative(id, command));
}

/// A cooperative action recorded on `recorded_on` with effect from `effective`.
fn back_dated(
    world: &mut World,
    coop: usize,
    recorded_on: NaiveDate,
    effective: NaiveDate,
    action: A,
) {
    let c = &world.coops[coop];
    let command = by(&clerk(c.unit), effective, action);
    let id = c.code.as_str().to_string();
    world.push(
        recorded_on,
        Rank::Registry,
        StepCommand::Cooperative(id, command),
    );
}

/// A finding step: accepted, with the rule the finding names (for the reader only).
fn with_finding(world: &mut World, coop: usize, on: NaiveDate, action: A, _rule: RuleCode) {
    cooperative(world, coop, on, Rank::Registry, action);
}

/// Creates a cooperative (not yet registered in the ledger) in a district drawn by weight.
fn new_coop(world: &mut World, rng: &mut Rng, registered_on: NaiveDate, fate: Fate) -> usize {
    let weights: Vec<u32> = DISTRICTS.iter().map(|(_, w, _)| *w).collect();
    let (unit, _, places) = DISTRICTS[rng.weighted(&weights)];
    let sector = SECTORS[rng.weighted(&SECTOR_WEIGHTS)];
    let place = *rng.pick(places);
    let name = world.new_name("HTX", sector, place);
    let code = world.new_code();
    world.coops.push(Coop {
        code,
        unit,
        sector,
        name,
        registered_on,
        members: rng.between(7, 40) as u32,
        fate,
        reports_from: registered_on.year() + 1,
        ends_in: None,
        income_2016: rng.between(28, 45) * 100_000,
    });
    world.coops.len() - 1
}

fn registration(world: &World, coop: usize, rng: &mut Rng, origin: Origin, legacy: bool) -> A {
    let c = &world.coops[coop];
    let unit = unit_on(c.unit, c.registered_on);
    let village = rng.between(1, 12);
    A::Register {
        code: c.code.as_str().to_string(),
        kind: CooperativeKind::Cooperative,
        content: RegistrationContent {
            name: c.name.clone(),
            address: Address::new(&format!("Thôn {village}, {}", place_of(&c.name)), unit),
            representative: Representative::new(&person(rng), "Giám đốc"),
            charter_capital: dong(rng.between(10, 200) * 10_000_000),
            sector: Some(c.sector),
        },
        members: MemberCounts {
            official: c.members,
            associate: 0,
            member_cooperatives: 0,
        },
        certificate_no: c.code.as_str().to_string(),
        legacy_reg_no: legacy.then(|| format!("{}.07.{:06}", unit, rng.below(1_000_000))),
        origin,
    }
}

/// The commune or ward in a cooperative's name ("HTX Thủy sản Quan Lạn 2" → "Quan Lạn").
fn place_of(name: &str) -> String {
    DISTRICTS
        .iter()
        .flat_map(|(_, _, places)| places.iter())
        .find(|p| name.contains(**p))
        .map_or_else(|| "Quảng Ninh".to_string(), |p| (*p).to_string())
}

fn register(world: &mut World, coop: usize, rng: &mut Rng, recorded_on: NaiveDate, origin: Origin) {
    let legacy = world.coops[coop].registered_on < day(2013, 7, 1);
    let action = registration(world, coop, rng, origin, legacy);
    let c = &world.coops[coop];
    let command = by(
        &clerk(unit_on(c.unit, c.registered_on)),
        c.registered_on,
        action,
    );
    let id = c.code.as_str().to_string();
    world.push(
        recorded_on,
        Rank::Registration,
        StepCommand::Cooperative(id, command),
    );
}

fn members(official: u32) -> MemberCounts {
    MemberCounts {
        official,
        associate: 0,
        member_cooperatives: 0,
    }
}

/// The cooperatives existing on 01/01/2017, loaded into the ledger in January and February
/// 2017 with their past registration, re-registration and last annual meeting (back-dated).
pub(super) fn existing(world: &mut World) -> Result<(), ScenarioError> {
    let counts = world.counts;
    let mut rng = world.rng("existing", FIRST_YEAR);
    let mut before: Vec<usize> = (0..counts.before_2013)
        .map(|_| {
            let on = some_day(&mut rng, day(2004, 7, 1), day(2013, 6, 20));
            new_coop(world, &mut rng, on, Fate::Stable)
        })
        .collect();
    let mut since: Vec<usize> = (0..counts.since_2013)
        .map(|_| {
            let on = some_day(&mut rng, day(2013, 7, 1), day(2016, 12, 20));
            new_coop(world, &mut rng, on, Fate::Stable)
        })
        .collect();
    let needed_before = counts.inactive() + counts.late_re_registrations + 1;
    let needed_since = counts.wound_up_per_year * 4 + counts.reorganisations * 4 + 1;
    if (before.len() as u32) < needed_before || (since.len() as u32) < needed_since {
        return Err(ScenarioError::PoolTooSmall {
            what: "HTX hiện có / existing cooperatives",
        });
    }
    before.sort_by_key(|i| world.coops[*i].registered_on);
    since.sort_by_key(|i| world.coops[*i].registered_on);
    let mut roles = Roles::default();
    let mut drawn = before.clone();
    rng.shuffle(&mut drawn);
    let mut take = |n: u32, v: &mut Vec<usize>| v.extend(drawn.drain(..n as usize));
    take(counts.voluntary, &mut roles.voluntary);
    take(counts.compulsory, &mut roles.compulsory);
    take(counts.into_line, &mut roles.into_line);
    take(counts.late_re_registrations, &mut roles.late);
    let mut drawn = since.clone();
    rng.shuffle(&mut drawn);
    for year in FIRST_YEAR..=super::LAST_YEAR {
        let n = counts.wound_up_per_year as usize;
        roles.wound_up.push((year, drawn.drain(..n).collect()));
    }
    let n = counts.reorganisations as usize;
    roles.division = drawn.drain(..n).collect();
    for _ in 0..n {
        let pair: Vec<usize> = drawn.drain(..2).collect();
        roles.consolidation.push((pair[0], pair[1]));
    }
    roles.merged = drawn.drain(..n).collect();
    for &i in roles
        .voluntary
        .iter()
        .chain(&roles.compulsory)
        .chain(&roles.into_line)
    {
        world.coops[i].fate = Fate::Inactive;
        world.coops[i].reports_from = 2018;
    }
    for &i in &roles.voluntary {
        world.coops[i].ends_in = Some(2017);
    }
    for &i in &roles.compulsory {
        world.coops[i].ends_in = Some(2018);
    }
    for (year, coops) in &roles.wound_up {
        for &i in coops {
            world.coops[i].fate = Fate::WoundUp;
            world.coops[i].ends_in = Some(*year);
        }
    }
    for &i in roles
        .division
        .iter()
        .chain(&roles.merged)
        .chain(roles.consolidation.iter().flat_map(|(a, b)| [a, b]))
    {
        world.coops[i].fate = Fate::Reorganised;
        world.coops[i].ends_in = Some(2019);
    }
    // The load: oldest registrations first, spread over the working days to 24/02/2017.
    let mut order: Vec<usize> = before.iter().chain(&since).copied().collect();
    order.sort_by_key(|i| (world.coops[*i].registered_on, *i));
    let total = order.len() as u64;
    let late: Vec<usize> = roles.late.clone();
    for (k, &i) in order.iter().enumerate() {
        let recorded_on = super::working(day(2017, 1, 4) + Days::new(k as u64 * 51 / total));
        register(world, i, &mut rng, recorded_on, Origin::New);
        let c = world.coops[i].clone();
        let pre_2013 = c.registered_on < day(2013, 7, 1);
        if pre_2013 && c.fate != Fate::Inactive && !late.contains(&i) {
            let on = some_day(&mut rng, day(2014, 3, 1), day(2016, 6, 20));
            let action = A::ReRegister {
                members: members(c.members),
                certificate_no: c.code.as_str().to_string(),
            };
            back_dated(world, i, recorded_on, on, action);
        }
        if c.fate != Fate::Inactive && c.registered_on < day(2016, 1, 1) {
            let on = some_day(&mut rng, day(2016, 3, 1), day(2016, 4, 28));
            back_dated(
                world,
                i,
                recorded_on,
                on,
                A::RecordGeneralMeeting { annual: true },
            );
        }
    }
    world.roles = roles;
    Ok(())
}

/// The 2017 clean-up: inactive cooperatives detected, then dissolved voluntarily, dissolved
/// compulsorily (complete six months after publication, in 2018), or brought back into line
/// (late re-registration, members recorded, an annual meeting). Also the active cooperatives
/// that re-register late.
pub(super) fn cleanup_2017(world: &mut World) {
    let mut rng = world.rng("cleanup", 2017);
    let roles = std::mem::take(&mut world.roles);
    for &i in roles
        .voluntary
        .iter()
        .chain(&roles.compulsory)
        .chain(&roles.into_line)
    {
        let on = some_day(&mut rng, day(2017, 9, 18), day(2017, 10, 13));
        let detected = A::RecordInactivity {
            months_inactive: rng.between(13, 48) as u32,
            source: CLEANUP.into(),
        };
        with_finding(world, i, on, detected, RuleCode::Reg03);
    }
    for &i in &roles.voluntary {
        let resolved = some_day(&mut rng, day(2017, 10, 20), day(2017, 11, 10));
        let resolution = A::ResolveDissolution {
            resolution: "Nghị quyết Đại hội thành viên về giải thể tự nguyện".into(),
        };
        cooperative(world, i, resolved, Rank::Registry, resolution);
        let published = after(resolved, rng.below(5) + 3);
        cooperative(world, i, published, Rank::Registry, A::PublishDissolution);
        let done = some_day(&mut rng, day(2017, 12, 1), day(2017, 12, 20));
        let dossier = A::CompleteDissolution {
            mode: DissolutionMode::Dossier,
        };
        cooperative(world, i, done, Rank::Registry, dossier);
    }
    for &i in &roles.compulsory {
        let unit = world.coops[i].unit;
        let decided = some_day(&mut rng, day(2017, 10, 25), day(2017, 11, 15));
        let decision = A::DecideCompulsoryDissolution {
            decided_by: format!("UBND {}", unit_name(unit)),
            ground: "Không hoạt động 12 tháng liên tục (Luật HTX 2012 Điều 54)".into(),
            decision: doc(&format!("{}/QĐ-UBND", rng.between(1500, 4999))),
        };
        cooperative(world, i, decided, Rank::Registry, decision);
        let published = after(decided, 5);
        cooperative(world, i, published, Rank::Registry, A::PublishDissolution);
        let elapsed = super::working(add_months(published, 6));
        let done = A::CompleteDissolution {
            mode: DissolutionMode::SixMonthsElapsed,
        };
        cooperative(world, i, elapsed, Rank::Registry, done);
    }
    for &i in &roles.into_line {
        let on = some_day(&mut rng, day(2017, 11, 1), day(2017, 11, 30));
        let official = world.coops[i].members.max(7);
        let re_register = A::ReRegister {
            members: members(official),
            certificate_no: world.coops[i].code.as_str().to_string(),
        };
        with_finding(world, i, on, re_register, RuleCode::Reg05);
        let membership = A::RecordMembership {
            members: members(official),
        };
        cooperative(world, i, after(on, 2), Rank::Registry, membership);
        let meeting = A::RecordGeneralMeeting { annual: true };
        with_finding(world, i, after(on, 7), meeting, RuleCode::Reg03);
    }
    for &i in &roles.late {
        let on = some_day(&mut rng, day(2017, 9, 5), day(2018, 6, 29));
        let re_register = A::ReRegister {
            members: members(world.coops[i].members),
            certificate_no: world.coops[i].code.as_str().to_string(),
        };
        with_finding(world, i, on, re_register, RuleCode::Reg05);
    }
    world.roles = roles;
}

/// Stable cooperatives registered before `date` (indices), optionally in one unit.
pub(crate) fn stable(world: &World, before: NaiveDate, unit: Option<&str>) -> Vec<usize> {
    world
        .coops
        .iter()
        .enumerate()
        .filter(|(_, c)| c.fate == Fate::Stable && c.registered_on < before)
        .filter(|(_, c)| unit.is_none_or(|u| c.unit == u))
        .map(|(i, _)| i)
        .collect()
}

/// Draws `n` distinct items of `pool` (all of them if fewer).
pub(crate) fn draw(rng: &mut Rng, pool: &[usize], n: usize) -> Vec<usize> {
    let mut pool = pool.to_vec();
    let n = n.min(pool.len());
    for i in 0..n {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

pub(super) fn year(world: &mut World, year: i32) -> Result<(), ScenarioError> {
    new_cooperatives(world, year);
    wind_ups(world, year);
    if year == 2018 {
        unions(world)?;
    }
    if year == 2019 {
        reorganisations(world)?;
    }
    annual_cycle(world, year);
    if year == 2018 || year == 2020 {
        models(world, year);
    }
    if year >= 2018 {
        ocop(world, year);
    }
    changes(world, year)?;
    Ok(())
}

fn new_cooperatives(world: &mut World, year: i32) {
    let mut rng = world.rng("new", year);
    for k in 0..world.counts.new_per_year {
        let on = some_day(&mut rng, day(year, 1, 5), day(year, 12, 18));
        // One new cooperative of 2018 is registered with its representative's name mistyped,
        // corrected (hiệu đính) six weeks later with effect from the registration.
        let typo = year == 2018 && k < world.counts.changes_per_year.min(1);
        let fate = if typo { Fate::Corrected } else { Fate::Stable };
        let i = new_coop(world, &mut rng, on, fate);
        world.coops[i].members = rng.between(7, 30) as u32;
        let mut action = registration(world, i, &mut rng, Origin::New, false);
        if typo {
            let A::Register { content, .. } = &mut action else {
                unreachable!("a registration");
            };
            let right = content.representative.clone();
            let mut wrong = right.name.clone();
            wrong.pop();
            content.representative = Representative::new(&wrong, &right.title);
            let fix = A::CorrectRecord {
                corrected: ContentChange::Representative(right),
                reason: format!(
                    "Hiệu đính tên người đại diện nhập sai khi đăng ký ngày {} / typo at registration",
                    on.format("%d/%m/%Y")
                ),
            };
            back_dated(world, i, after(on, 42), on, fix);
        }
        let c = &world.coops[i];
        let command = by(&clerk(unit_on(c.unit, on)), on, action);
        let id = c.code.as_str().to_string();
        world.push(
            on,
            Rank::Registration,
            StepCommand::Cooperative(id, command),
        );
    }
}

fn wind_ups(world: &mut World, year: i32) {
    let mut rng = world.rng("wind-up", year);
    let coops: Vec<usize> = world
        .roles
        .wound_up
        .iter()
        .find(|(y, _)| *y == year)
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    for i in coops {
        let resolved = some_day(&mut rng, day(year, 9, 4), day(year, 10, 13));
        let resolution = A::ResolveDissolution {
            resolution: "Nghị quyết Đại hội thành viên: giải thể do hết thời hạn hoạt động".into(),
        };
        cooperative(world, i, resolved, Rank::Registry, resolution);
        let published = after(resolved, 5);
        cooperative(world, i, published, Rank::Registry, A::PublishDissolution);
        let done = some_day(&mut rng, day(year, 11, 15), day(year, 12, 15));
        let dossier = A::CompleteDissolution {
            mode: DissolutionMode::Dossier,
        };
        cooperative(world, i, done, Rank::Registry, dossier);
    }
}

fn unions(world: &mut World) -> Result<(), ScenarioError> {
    let mut rng = world.rng("unions", 2018);
    for u in 0..world.counts.unions {
        let on = some_day(&mut rng, day(2018, 6, 5), day(2018, 6, 29));
        let name = if u == 0 {
            "Liên hiệp HTX Nông nghiệp Quảng Ninh".to_string()
        } else {
            format!("Liên hiệp HTX Nông nghiệp Quảng Ninh {}", u + 1)
        };
        let code = world.new_code();
        let pool = stable(world, day(2018, 1, 1), None);
        let joining = draw(&mut rng, &pool, UNION_MEMBERS as usize);
        if joining.len() < UNION_MEMBERS as usize {
            return Err(ScenarioError::PoolTooSmall {
                what: "thành viên liên hiệp / union members",
            });
        }
        world.coops.push(Coop {
            code: code.clone(),
            unit: "193",
            sector: Sector::Agriculture,
            name: name.clone(),
            registered_on: on,
            members: 0,
            fate: Fate::Union,
            reports_from: i32::MAX,
            ends_in: None,
            income_2016: 0,
        });
        let action = A::Register {
            code: code.as_str().to_string(),
            kind: CooperativeKind::Union,
            content: RegistrationContent {
                name,
                address: Address::new("Số 2 đường Nguyễn Văn Cừ, phường Hồng Hải", "193"),
                representative: Representative::new(
                    &person(&mut rng),
                    "Chủ tịch Hội đồng quản trị",
                ),
                charter_capital: dong(2_000_000_000),
                sector: Some(Sector::Agriculture),
            },
            members: MemberCounts {
                official: 0,
                associate: 0,
                member_cooperatives: UNION_MEMBERS,
            },
            certificate_no: code.as_str().to_string(),
            legacy_reg_no: None,
            origin: Origin::New,
        };
        let command = by(&clerk("193"), on, action);
        world.push(
            on,
            Rank::Registration,
            StepCommand::Cooperative(code.as_str().into(), command),
        );
        for i in joining {
            let join = A::JoinUnion {
                union: code.clone(),
            };
            cooperative(world, i, after(on, rng.below(20) + 5), Rank::Registry, join);
        }
    }
    Ok(())
}

/// A successor of a reorganisation, registered on `on` in `unit` with `origin`.
fn successor(
    world: &mut World,
    rng: &mut Rng,
    like: usize,
    on: NaiveDate,
    origin: Origin,
) -> CooperativeCode {
    let (unit, sector) = (world.coops[like].unit, world.coops[like].sector);
    let place = place_of(&world.coops[like].name);
    let name = world.new_name("HTX", sector, &place);
    let code = world.new_code();
    world.coops.push(Coop {
        code: code.clone(),
        unit,
        sector,
        name,
        registered_on: on,
        members: rng.between(7, 20) as u32,
        fate: Fate::Stable,
        reports_from: on.year() + 1,
        ends_in: None,
        income_2016: rng.between(28, 45) * 100_000,
    });
    let i = world.coops.len() - 1;
    register(world, i, rng, on, origin);
    code
}

fn resolution(kind: K) -> String {
    let what = match kind {
        K::Division => "chia HTX",
        K::Separation => "tách HTX",
        K::Consolidation => "hợp nhất HTX",
        K::Merger => "sáp nhập HTX",
    };
    format!("Nghị quyết Đại hội thành viên về việc {what}")
}

fn resolve(
    world: &mut World,
    i: usize,
    on: NaiveDate,
    kind: K,
    counterparts: Vec<CooperativeCode>,
) {
    let action = A::ResolveReorganisation {
        kind,
        counterparts,
        resolution: resolution(kind),
    };
    cooperative(world, i, on, Rank::Registry, action);
}

fn complete(world: &mut World, i: usize, on: NaiveDate, successors: Vec<CooperativeCode>) {
    cooperative(
        world,
        i,
        on,
        Rank::Registry,
        A::CompleteReorganisation { successors },
    );
}

/// One reorganisation of each kind per scale unit, in 2019.
fn reorganisations(world: &mut World) -> Result<(), ScenarioError> {
    let mut rng = world.rng("reorganisations", 2019);
    let roles = std::mem::take(&mut world.roles);
    let pool = stable(world, day(2018, 1, 1), None);
    let n = roles.division.len();
    let partners = draw(&mut rng, &pool, 2 * n);
    if partners.len() < 2 * n {
        return Err(ScenarioError::PoolTooSmall {
            what: "HTX tổ chức lại / reorganised cooperatives",
        });
    }
    for r in 0..n {
        let d0 = some_day(&mut rng, day(2019, 5, 6), day(2019, 5, 31));
        let (at20, at30) = (after(d0, 20), after(d0, 30));
        // Division: the predecessor ceases once both new cooperatives are registered.
        let a = roles.division[r];
        resolve(world, a, d0, K::Division, vec![]);
        let predecessor = world.coops[a].code.clone();
        let b = successor(
            world,
            &mut rng,
            a,
            at20,
            Origin::Division {
                predecessor: predecessor.clone(),
            },
        );
        let c = successor(world, &mut rng, a, at20, Origin::Division { predecessor });
        complete(world, a, at30, vec![b, c]);
        // Separation: the source goes on.
        let a = partners[2 * r];
        resolve(world, a, d0, K::Separation, vec![]);
        let source = world.coops[a].code.clone();
        let b = successor(world, &mut rng, a, at20, Origin::Separation { source });
        complete(world, a, at30, vec![b]);
        // Consolidation: two cooperatives end into a new one.
        let (a1, a2) = roles.consolidation[r];
        let (c1, c2) = (world.coops[a1].code.clone(), world.coops[a2].code.clone());
        resolve(world, a1, d0, K::Consolidation, vec![c2.clone()]);
        resolve(world, a2, after(d0, 1), K::Consolidation, vec![c1.clone()]);
        let into = successor(
            world,
            &mut rng,
            a1,
            at20,
            Origin::Consolidation {
                predecessors: vec![c1, c2],
            },
        );
        complete(world, a1, at30, vec![into.clone()]);
        complete(world, a2, at30, vec![into]);
        // Merger: one cooperative absorbed by an active one.
        let (a, absorbing) = (roles.merged[r], partners[2 * r + 1]);
        let target = world.coops[absorbing].code.clone();
        resolve(world, a, d0, K::Merger, vec![target.clone()]);
        let absorbed = vec![world.coops[a].code.clone()];
        cooperative(
            world,
            absorbing,
            at20,
            Rank::Registry,
            A::RegisterAbsorption { absorbed },
        );
        complete(world, a, at30, vec![target]);
    }
    world.roles = roles;
    Ok(())
}

/// Annual general meetings (March-April) and annual information (November to 11 December)
/// of every cooperative that reports that year; one cooperative files 2020's late.
fn annual_cycle(world: &mut World, year: i32) {
    let mut rng = world.rng("annual", year);
    let late: Vec<usize> = if year == 2020 {
        let pool = stable(world, day(2020, 1, 1), None);
        draw(
            &mut rng,
            &pool,
            world.counts.changes_per_year.min(1) as usize,
        )
    } else {
        Vec::new()
    };
    for i in 0..world.coops.len() {
        let c = &world.coops[i];
        if !c.reports_in(year) || c.registered_on >= day(year, 1, 1) {
            continue;
        }
        let meeting = some_day(&mut rng, day(year, 3, 1), day(year, 4, 28));
        cooperative(
            world,
            i,
            meeting,
            Rank::Registry,
            A::RecordGeneralMeeting { annual: true },
        );
        let c = &mut world.coops[i];
        c.members += rng.below(4) as u32;
        let official = c.members;
        let growth = 100 + 8 * i64::from(year - 2016);
        let income = c.income_2016 * growth / 100 / 1000 * 1000;
        let workers = official / 2 + rng.below(10) as u32 + 1;
        let revenue = rng.between(5, 200) * 50_000_000;
        let profit = revenue * rng.between(-2, 8) / 100;
        let information = AnnualInformation {
            members: members(official),
            workers,
            revenue: dong(revenue),
            profit,
            average_income: dong(income),
        };
        let filed = if late.contains(&i) {
            some_day(&mut rng, day(year, 12, 21), day(year, 12, 29))
        } else {
            some_day(&mut rng, day(year, 11, 2), day(year, 12, 11))
        };
        let submit = A::SubmitAnnualInformation { year, information };
        cooperative(world, i, filed, Rank::Registry, submit);
    }
}

/// One or two model cooperatives (HTX điển hình) per district-level unit.
fn models(world: &mut World, year: i32) {
    let mut rng = world.rng("models", year);
    for (unit, _, _) in DISTRICTS {
        if unit_on(unit, day(year, 12, 1)) != unit {
            continue;
        }
        let pool = stable(world, day(year, 1, 1), Some(unit));
        let n = 1 + rng.below(2) as usize;
        for i in draw(&mut rng, &pool, n) {
            let on = some_day(&mut rng, day(year, 12, 14), day(year, 12, 24));
            cooperative(world, i, on, Rank::Registry, A::DesignateModel { year });
        }
    }
}

fn ocop(world: &mut World, year: i32) {
    let mut rng = world.rng("ocop", year);
    let pool: Vec<usize> = stable(world, day(year, 1, 1), None)
        .into_iter()
        .filter(|i| !products(world.coops[*i].sector).is_empty())
        .collect();
    for i in draw(&mut rng, &pool, world.counts.ocop_per_year as usize) {
        let on = some_day(&mut rng, day(year, 6, 3), day(year, 11, 29));
        let product = *rng.pick(products(world.coops[i].sector));
        let rate = A::RateOcopProduct {
            product: product.to_string(),
            stars: if rng.chance(25) { 4 } else { 3 },
            decision: doc(&format!("{}/QĐ-UBND", rng.between(1000, 4999))),
            valid_until: add_months(on, 36),
        };
        cooperative(world, i, on, Rank::Registry, rate);
    }
}

/// Representatives changed and filed within 10 days; in 2018, one filed 45 days late
/// (a REG-09 finding).
fn changes(world: &mut World, year: i32) -> Result<(), ScenarioError> {
    let mut rng = world.rng("changes", year);
    let pool = stable(world, day(year, 1, 1), None);
    let n = world.counts.changes_per_year as usize;
    let chosen = draw(&mut rng, &pool, n + 1);
    if chosen.len() < n + 1 {
        return Err(ScenarioError::PoolTooSmall {
            what: "HTX đổi người đại diện / representative changes",
        });
    }
    for (k, i) in chosen.into_iter().enumerate() {
        let late = k == n;
        if late && year != 2018 {
            continue;
        }
        let on = some_day(&mut rng, day(year, 3, 1), day(year, 11, 27));
        let days = if late { 45 } else { rng.below(7) + 2 };
        let decided_on = on - Days::new(days);
        let change = A::ChangeRegisteredContent {
            change: ContentChange::Representative(Representative::new(
                &person(&mut rng),
                "Giám đốc",
            )),
            decided_on,
        };
        if late {
            with_finding(world, i, on, change, RuleCode::Reg09);
        } else {
            cooperative(world, i, on, Rank::Registry, change);
        }
    }
    Ok(())
}
