//! Seed data as commands: `(aggregate id, command)` pairs that the store executes in order.
//! No file I/O: the facts are here, each with its source in the domain research.
//!
//! Not seeded: support caps (the texts of TT 340/2016, NQ 45/2016 and QĐ 899/2017 were not
//! retrieved); load them with [`super::SupportRuleSetAction::PublishVersion`] once confirmed.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::command::Command;
use crate::document::DocumentNumber;
use crate::ledger::Actor;

use super::admin_unit::UnitType;
use super::admin_unit_event::{AdministrativeUnitAction as U, AdministrativeUnitCommand};
use super::legal_document::{LegalDocumentAction, LegalDocumentCommand};
use super::region::{Region, RegionMappingAction, RegionMappingCommand};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

fn doc(number: &str) -> DocumentNumber {
    DocumentNumber::parse(number).expect("seed document numbers parse")
}

/// The 14 district-level units of 2017 with their GSO codes (research §4.1), under
/// province 22. They existed before the ledger's records begin (`valid_from: None`).
pub const UNITS_2017: [(&str, &str, UnitType); 14] = [
    ("193", "Hạ Long", UnitType::City),
    ("194", "Móng Cái", UnitType::City),
    ("195", "Cẩm Phả", UnitType::City),
    ("196", "Uông Bí", UnitType::City),
    ("198", "Bình Liêu", UnitType::District),
    ("199", "Tiên Yên", UnitType::District),
    ("200", "Đầm Hà", UnitType::District),
    ("201", "Hải Hà", UnitType::District),
    ("202", "Ba Chẽ", UnitType::District),
    ("203", "Vân Đồn", UnitType::District),
    ("204", "Hoành Bồ", UnitType::District),
    ("205", "Đông Triều", UnitType::Town),
    ("206", "Quảng Yên", UnitType::Town),
    ("207", "Cô Tô", UnitType::District),
];

/// Quảng Ninh (22) and its 14 district-level units, as of 01/01/2017.
pub fn administrative_units_2017(actor: &Actor) -> Vec<(String, AdministrativeUnitCommand)> {
    let establish = |code: &str, name: &str, unit_type, parent: Option<&str>| {
        let action = U::Establish {
            code: code.to_string(),
            name: name.to_string(),
            unit_type,
            parent: parent.map(str::to_string),
            valid_from: None,
        };
        (
            code.to_string(),
            Command::new(day(2017, 1, 1), actor.clone(), action),
        )
    };
    let mut commands = vec![establish("22", "Quảng Ninh", UnitType::Province, None)];
    for (code, name, unit_type) in UNITS_2017 {
        commands.push(establish(code, name, unit_type, Some("22")));
    }
    commands
}

/// Hoành Bồ (204) merged into Hạ Long (193) on 01/01/2020 (research §4.3; the resolution
/// number 837/NQ-UBTVQH14 is unconfirmed).
pub fn hoanh_bo_merger_2020(actor: &Actor) -> Vec<(String, AdministrativeUnitCommand)> {
    let basis = doc("837/NQ-UBTVQH14");
    let on = day(2020, 1, 1);
    vec![
        (
            "204".to_string(),
            Command::new(
                on,
                actor.clone(),
                U::MergeInto {
                    into: "193".into(),
                    basis: basis.clone(),
                },
            ),
        ),
        (
            "193".to_string(),
            Command::new(
                on,
                actor.clone(),
                U::Absorb {
                    absorbed: "204".into(),
                    basis,
                },
            ),
        ),
    ]
}

/// Thị xã Đông Triều became a city on 01/11/2024 (NQ 1199/NQ-UBTVQH15, research §4.3).
pub fn dong_trieu_city_2024(actor: &Actor) -> Vec<(String, AdministrativeUnitCommand)> {
    let action = U::Reclassify {
        name: "Đông Triều".into(),
        unit_type: UnitType::City,
        basis: doc("1199/NQ-UBTVQH15"),
    };
    vec![(
        "205".to_string(),
        Command::new(day(2024, 11, 1), actor.clone(), action),
    )]
}

/// The district level abolished nationwide on 01/7/2025 (NQ 76/2025/UBTVQH15, research
/// §4.3): the 13 units left after 2020 end on 30/6/2025. Commune-level units are not seeded.
pub fn district_level_abolition_2025(actor: &Actor) -> Vec<(String, AdministrativeUnitCommand)> {
    UNITS_2017
        .iter()
        .filter(|(code, _, _)| *code != "204")
        .map(|(code, _, _)| {
            let action = U::Abolish {
                basis: doc("76/2025/UBTVQH15"),
            };
            (
                code.to_string(),
                Command::new(day(2025, 7, 1), actor.clone(), action),
            )
        })
        .collect()
}

/// The aggregate id of the east/west mapping.
pub const REGION_MAPPING_ID: &str = "mien-dong-tay";

/// The east/west split in common usage (research §4.2, unconfirmed): Hạ Long, Cẩm Phả and
/// Hoành Bồ stay unassigned until the client confirms.
pub fn region_mapping_2017(actor: &Actor) -> (String, RegionMappingCommand) {
    let east = ["194", "198", "199", "200", "201", "202", "203", "207"];
    let west = ["196", "205", "206"];
    let mut assignments: BTreeMap<String, Region> = BTreeMap::new();
    for code in east {
        assignments.insert(code.into(), Region::East);
    }
    for code in west {
        assignments.insert(code.into(), Region::West);
    }
    for code in ["193", "195", "204"] {
        assignments.insert(code.into(), Region::Unassigned);
    }
    let action = RegionMappingAction::DefineVersion {
        valid_from: day(2017, 8, 31),
        assignments,
        basis: "31/KH-UBND dùng 'miền Đông/miền Tây' không định nghĩa; cách dùng thông thường, chưa xác nhận / usage not confirmed".into(),
    };
    (
        REGION_MAPPING_ID.to_string(),
        Command::new(day(2017, 8, 31), actor.clone(), action),
    )
}

/// The documents the plan rests on. `effective_from` is the signing date where the research
/// found no effective date; those rows say so in `note`.
pub fn legal_documents(actor: &Actor) -> Vec<(String, LegalDocumentCommand)> {
    const UNCONFIRMED: &str = "ngày hiệu lực chưa xác nhận, lấy ngày ký / effective date not confirmed: signing date used";
    type Row<'a> = (
        &'a str,
        &'a str,
        NaiveDate,
        NaiveDate,
        Option<NaiveDate>,
        Option<&'a str>,
    );
    let rows: [Row; 12] = [
        (
            "31/KH-UBND",
            "Kế hoạch phát triển hợp tác xã trên địa bàn tỉnh Quảng Ninh giai đoạn 2017-2020",
            day(2017, 8, 31),
            day(2017, 8, 31),
            Some(day(2020, 12, 31)),
            Some(UNCONFIRMED),
        ),
        (
            "23/2012/QH13",
            "Luật Hợp tác xã 2012",
            day(2012, 11, 20),
            day(2013, 7, 1),
            Some(day(2024, 6, 30)),
            None,
        ),
        (
            "17/2023/QH15",
            "Luật Hợp tác xã 2023",
            day(2023, 6, 20),
            day(2024, 7, 1),
            None,
            None,
        ),
        (
            "193/2013/NĐ-CP",
            "Nghị định quy định chi tiết một số điều của Luật Hợp tác xã",
            day(2013, 11, 21),
            day(2014, 1, 27),
            None,
            Some(
                "kế hoạch 31/KH-UBND ghi ngày 11/11/2013; văn bản ngày 21/11/2013 / the plan misdates it",
            ),
        ),
        (
            "92/2024/NĐ-CP",
            "Nghị định về đăng ký hợp tác xã",
            day(2024, 7, 18),
            day(2024, 7, 18),
            None,
            None,
        ),
        (
            "03/2014/TT-BKHĐT",
            "Thông tư hướng dẫn đăng ký HTX và chế độ báo cáo",
            day(2014, 5, 26),
            day(2014, 5, 26),
            None,
            Some(UNCONFIRMED),
        ),
        (
            "2261/QĐ-TTg",
            "Chương trình hỗ trợ phát triển HTX giai đoạn 2015-2020",
            day(2014, 12, 15),
            day(2014, 12, 15),
            None,
            Some(UNCONFIRMED),
        ),
        (
            "1600/QĐ-TTg",
            "Chương trình MTQG xây dựng nông thôn mới giai đoạn 2016-2020",
            day(2016, 8, 16),
            day(2016, 8, 16),
            None,
            Some(UNCONFIRMED),
        ),
        (
            "340/2016/TT-BTC",
            "Mức hỗ trợ và cơ chế tài chính hỗ trợ bồi dưỡng nguồn nhân lực, thành lập mới, tổ chức lại HTX",
            day(2016, 12, 29),
            day(2016, 12, 29),
            Some(day(2022, 2, 13)),
            Some(UNCONFIRMED),
        ),
        (
            "124/2021/TT-BTC",
            "Mức hỗ trợ và cơ chế tài chính hỗ trợ phát triển HTX 2021-2025",
            day(2021, 12, 30),
            day(2022, 2, 14),
            None,
            None,
        ),
        (
            "45/2016/NQ-HĐND",
            "Nghị quyết của HĐND tỉnh Quảng Ninh về chính sách nông nghiệp",
            day(2016, 12, 7),
            day(2016, 12, 7),
            None,
            Some(UNCONFIRMED),
        ),
        (
            "899/2017/QĐ-UBND",
            "Quyết định của UBND tỉnh Quảng Ninh thực hiện NQ 45/2016/NQ-HĐND",
            day(2017, 3, 29),
            day(2017, 3, 29),
            None,
            Some(UNCONFIRMED),
        ),
    ];
    rows.into_iter()
        .map(
            |(number, title, issued_on, effective_from, effective_to, note)| {
                let id = doc(number).canonical().to_string();
                let action = LegalDocumentAction::Register {
                    number: number.into(),
                    title: title.into(),
                    issued_on,
                    effective_from,
                    effective_to,
                    note: note.map(str::to_string),
                };
                (id, Command::new(issued_on, actor.clone(), action))
            },
        )
        .collect()
}
