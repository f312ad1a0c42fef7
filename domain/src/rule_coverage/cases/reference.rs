//! The reference data's rules (REF-01, DATA-01) on the commands of legal documents, rule sets,
//! administrative units and the region mapping, and the address of a person's commands.

use std::collections::BTreeMap;

use crate::fixtures::{cmd, day, doc};
use crate::funding::SupportCategory;
use crate::people::Person;
use crate::reference::{
    AdministrativeUnit, AdministrativeUnitAction as U, AdministrativeUnitEvent, LegalDocument,
    LegalDocumentAction as D, Region, RegionMapping, RegionMappingAction as M, RegionMappingEvent,
    SupportRuleSet, SupportRuleSetAction as S, UnitType,
};
use crate::rules::RuleCode as R;

use super::super::harness::Cases;
use super::super::samples;

pub(in super::super) fn cases(c: &mut Cases) {
    let on = day(2018, 3, 1);
    // REF-01: validity periods well formed; recorded once; changes only after they exist and
    // in date order.
    let register = |number: &str, effective_to| D::Register {
        number: number.into(),
        title: "Quy định hỗ trợ HTX".into(),
        issued_on: day(2017, 3, 30),
        effective_from: day(2017, 4, 10),
        effective_to,
        note: None,
    };
    let ended_before_it_began = register("899/2017/QĐ-UBND", Some(day(2017, 1, 1)));
    c.applies::<LegalDocument, _, _>(R::Ref01, (), vec![], cmd(on, ended_before_it_began));
    let repeal = D::Repeal {
        repealed_by: "12/2021/QĐ-UBND".into(),
        last_day: day(2021, 6, 30),
    };
    c.applies::<LegalDocument, _, _>(R::Ref01, (), vec![], cmd(on, repeal));
    let no_caps = S::PublishVersion {
        category: SupportCategory::Establishment,
        basis: doc("340/2016/TT-BTC"),
        valid_from: day(2017, 3, 1),
        valid_to: None,
        caps: vec![],
    };
    c.applies::<SupportRuleSet, _, _>(R::Ref01, (), vec![], cmd(on, no_caps));
    let end = S::End {
        last_day: day(2022, 2, 13),
    };
    c.applies::<SupportRuleSet, _, _>(R::Ref01, (), vec![], cmd(on, end));
    let established = AdministrativeUnitEvent::AdministrativeUnitEstablished {
        code: "193".into(),
        name: "Thành phố Hạ Long".into(),
        unit_type: UnitType::City,
        parent: Some("22".into()),
        valid_from: None,
        effective_date: day(2017, 1, 1),
    };
    for action in samples::administrative_unit() {
        // Established twice; any change of a unit never established.
        let given = match action {
            U::Establish { .. } => vec![established.clone()],
            _ => vec![],
        };
        c.applies::<AdministrativeUnit, _, _>(R::Ref01, (), given, cmd(on, action));
    }
    let first = RegionMappingEvent::RegionMappingDefined {
        version: 1,
        valid_from: day(2017, 9, 1),
        assignments: BTreeMap::new(),
        basis: "31/KH-UBND".into(),
        effective_date: day(2017, 9, 1),
    };
    let earlier = M::DefineVersion {
        valid_from: day(2017, 1, 1),
        assignments: BTreeMap::new(),
        basis: "31/KH-UBND".into(),
    };
    c.applies::<RegionMapping, _, _>(R::Ref01, (), vec![first], cmd(on, earlier));

    // DATA-01 in the body: document numbers and unit codes that cannot be read.
    let unreadable = register("không số", None);
    c.applies::<LegalDocument, _, _>(R::Data01, (), vec![], cmd(on, unreadable));
    let repealed_by_nothing = D::Repeal {
        repealed_by: "?".into(),
        last_day: day(2021, 6, 30),
    };
    c.applies::<LegalDocument, _, _>(R::Data01, (), vec![], cmd(on, repealed_by_nothing));
    let badly_coded = U::Establish {
        code: "1934".into(),
        name: "x".into(),
        unit_type: UnitType::District,
        parent: None,
        valid_from: None,
    };
    c.applies::<AdministrativeUnit, _, _>(R::Data01, (), vec![], cmd(on, badly_coded));
    let districts = BTreeMap::from([("19".to_string(), Region::East)]);
    let short_code = M::DefineVersion {
        valid_from: day(2017, 1, 1),
        assignments: districts,
        basis: "31/KH-UBND".into(),
    };
    c.applies::<RegionMapping, _, _>(R::Data01, (), vec![], cmd(on, short_code));

    // The address of every command: ids that are not ids of their kind.
    for action in samples::legal_document() {
        c.address::<LegalDocument, _, _>(R::Data01, "899/2017/qd-ubnd", cmd(on, action));
    }
    for action in samples::support_rule_set() {
        c.address::<SupportRuleSet, _, _>(R::Data01, "establishment", cmd(on, action));
    }
    for action in samples::administrative_unit() {
        c.address::<AdministrativeUnit, _, _>(R::Data01, "1934", cmd(on, action));
    }
    for action in samples::region_mapping() {
        c.address::<RegionMapping, _, _>(R::Data01, "Miền Đông", cmd(on, action));
    }
    for action in samples::person() {
        c.address::<Person, _, _>(R::Data01, "Cán Bộ", cmd(on, action));
    }
}
