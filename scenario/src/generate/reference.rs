//! Reference data: the 14 units of 2017, the legal documents in force, the east/west mapping
//! (recorded on the plan's date), the support rule sets, and the Hoành Bồ merger of 2020.

use domain::document::DocumentNumber;
use domain::funding::SupportCategory;
use domain::reference::{Cap, RuleSetId, SupportRuleSetAction, seed};

use super::people::admin;
use super::{Rank, World, by, day};
use crate::step::StepCommand;

/// The first working day of 2017: the ledger starts.
fn start() -> chrono::NaiveDate {
    day(2017, 1, 3)
}

/// The rule sets the scenario approves support under: (category, basis, valid from, valid to).
/// Their caps were not retrieved (see `reference::seed`): each version caps support at the
/// eligible cost (100 %), which every approval must respect anyway.
pub(crate) fn rule_sets() -> Vec<(SupportCategory, &'static str, chrono::NaiveDate)> {
    use SupportCategory as C;
    vec![
        (C::Establishment, "340/2016/TT-BTC", day(2017, 1, 1)),
        (C::Reorganisation, "340/2016/TT-BTC", day(2017, 1, 1)),
        (C::ScienceTechnology, "2261/QĐ-TTg", day(2017, 1, 1)),
        (C::TradePromotion, "899/2017/QĐ-UBND", day(2017, 3, 29)),
        (C::Processing, "899/2017/QĐ-UBND", day(2017, 3, 29)),
        (C::LandInfrastructure, "899/2017/QĐ-UBND", day(2017, 3, 29)),
    ]
}

pub(crate) fn rule_set_id(category: SupportCategory) -> RuleSetId {
    let (_, basis, _) = rule_sets()
        .into_iter()
        .find(|(c, _, _)| *c == category)
        .expect("a rule set for every supported category");
    RuleSetId::new(category, &doc(basis))
}

fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).expect("a document number")
}

pub(super) fn initial(world: &mut World) {
    let actor = admin();
    for (id, command) in seed::administrative_units_2017(&actor) {
        world.push(start(), Rank::Reference, StepCommand::Unit(id, command));
    }
    for (id, command) in seed::legal_documents(&actor) {
        // Only what exists during the plan; the plan itself is recorded on its own date.
        let issued = command.effective_date;
        if issued > day(2020, 12, 31) {
            continue;
        }
        let on = issued.max(start());
        world.push(on, Rank::Reference, StepCommand::LegalDocument(id, command));
    }
    let (id, command) = seed::region_mapping_2017(&actor);
    let on = command.effective_date;
    world.push(on, Rank::Reference, StepCommand::Region(id, command));
    for (category, basis, valid_from) in rule_sets() {
        let id = RuleSetId::new(category, &doc(basis));
        let publish = SupportRuleSetAction::PublishVersion {
            category,
            basis: doc(basis),
            valid_from,
            valid_to: Some(day(2022, 2, 13)).filter(|_| basis == "340/2016/TT-BTC"),
            caps: vec![Cap::ShareOfCost {
                basis_points: 10_000,
            }],
        };
        let on = valid_from.max(start());
        let command = by(&actor, valid_from, publish);
        world.push(
            on,
            Rank::Reference,
            StepCommand::RuleSet(id.as_str().to_string(), command),
        );
    }
}

pub(super) fn merger_2020(world: &mut World) {
    for (id, command) in seed::hoanh_bo_merger_2020(&admin()) {
        world.push(
            day(2020, 1, 2),
            Rank::Reference,
            StepCommand::Unit(id, command),
        );
    }
}
