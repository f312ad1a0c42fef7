//! Lists the scenario draws names from: sectors the plan names, communes and wards of each
//! district-level unit of 2017, people's names, OCOP products. Names are generated from these
//! lists; none is a real cooperative.

use domain::cooperative::Sector;

/// The sectors the scenario draws (the domain's [`Sector`]s the plan names, in sections I and
/// II; none is drawn as `Other`), their name words being the domain's own label.
pub const SECTORS: [Sector; 7] = [
    Sector::Agriculture,
    Sector::MarketManagement,
    Sector::SchoolServices,
    Sector::CleanVegetables,
    Sector::Sanitation,
    Sector::Fishing,
    Sector::TradeAndServices,
];
/// How common each of [`SECTORS`] is among the province's cooperatives (per mille, roughly).
pub const SECTOR_WEIGHTS: [u32; 7] = [38, 7, 5, 10, 8, 16, 16];

/// OCOP products a cooperative of `sector` may have rated.
pub fn products(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::Agriculture => &[
            "Chè Đường Hoa",
            "Miến dong Bình Liêu",
            "Ba kích tím",
            "Mật ong hoa rừng",
            "Gà Tiên Yên",
            "Trà hoa vàng",
            "Gạo nếp cái hoa vàng",
        ],
        Sector::Fishing => &["Chả mực", "Nước mắm", "Sá sùng khô", "Tôm he", "Hàu sữa"],
        Sector::CleanVegetables => &["Rau an toàn", "Nấm sò", "Dưa lưới"],
        Sector::TradeAndServices => &["Rượu mơ", "Bánh gio", "Bánh gật gù"],
        _ => &[],
    }
}

/// District-level units of 2017 (GSO code) with the weight of their share of cooperatives,
/// and communes or wards to name cooperatives after.
pub const DISTRICTS: [(&str, u32, &[&str]); 14] = [
    (
        "193",
        9,
        &[
            "Hà Khánh",
            "Hà Phong",
            "Hà Tu",
            "Hùng Thắng",
            "Việt Hưng",
            "Đại Yên",
            "Bãi Cháy",
        ],
    ),
    (
        "194",
        7,
        &[
            "Hải Xuân",
            "Vạn Ninh",
            "Hải Đông",
            "Quảng Nghĩa",
            "Hải Tiến",
            "Bình Ngọc",
            "Trà Cổ",
        ],
    ),
    (
        "195",
        6,
        &[
            "Cộng Hòa",
            "Cẩm Hải",
            "Dương Huy",
            "Quang Hanh",
            "Mông Dương",
            "Cẩm Thạch",
        ],
    ),
    (
        "196",
        6,
        &[
            "Thượng Yên Công",
            "Phương Đông",
            "Vàng Danh",
            "Nam Khê",
            "Phương Nam",
            "Bắc Sơn",
        ],
    ),
    (
        "198",
        5,
        &[
            "Lục Hồn",
            "Đồng Tâm",
            "Hoành Mô",
            "Đồng Văn",
            "Vô Ngại",
            "Tình Húc",
            "Húc Động",
        ],
    ),
    (
        "199",
        6,
        &[
            "Hải Lạng",
            "Đông Ngũ",
            "Đồng Rui",
            "Phong Dụ",
            "Yên Than",
            "Hà Lâu",
            "Điền Xá",
        ],
    ),
    (
        "200",
        5,
        &[
            "Quảng Tân",
            "Tân Bình",
            "Đại Bình",
            "Quảng Lợi",
            "Dực Yên",
            "Tân Lập",
        ],
    ),
    (
        "201",
        7,
        &[
            "Quảng Long",
            "Quảng Minh",
            "Quảng Chính",
            "Quảng Phong",
            "Đường Hoa",
            "Cái Chiên",
        ],
    ),
    (
        "202",
        4,
        &[
            "Thanh Sơn",
            "Nam Sơn",
            "Đồn Đạc",
            "Thanh Lâm",
            "Lương Mông",
            "Minh Cầm",
        ],
    ),
    (
        "203",
        6,
        &[
            "Đông Xá",
            "Đoàn Kết",
            "Bình Dân",
            "Quan Lạn",
            "Minh Châu",
            "Vạn Yên",
            "Thắng Lợi",
        ],
    ),
    (
        "204",
        5,
        &[
            "Lê Lợi",
            "Thống Nhất",
            "Sơn Dương",
            "Quảng La",
            "Dân Chủ",
            "Tân Dân",
            "Vũ Oai",
        ],
    ),
    (
        "205",
        14,
        &[
            "Yên Đức",
            "Hồng Phong",
            "Tràng An",
            "Bình Dương",
            "Hoàng Quế",
            "An Sinh",
            "Tân Việt",
        ],
    ),
    (
        "206",
        12,
        &[
            "Cẩm La",
            "Liên Hòa",
            "Hiệp Hòa",
            "Sông Khoai",
            "Tiền An",
            "Phong Cốc",
            "Hà An",
        ],
    ),
    ("207", 2, &["Đồng Tiến", "Thanh Lân"]),
];

/// The units of the east (miền Đông) and west (miền Tây) in the seeded mapping; the others
/// (Hạ Long, Cẩm Phả, Hoành Bồ) are unassigned.
pub const EAST: [&str; 8] = ["194", "198", "199", "200", "201", "202", "203", "207"];
pub const WEST: [&str; 3] = ["196", "205", "206"];
pub const UNASSIGNED: [&str; 2] = ["193", "195"];

pub const SURNAMES: [&str; 12] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý",
];
pub const MIDDLE_NAMES: [&str; 6] = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu"];
pub const GIVEN_NAMES: [&str; 20] = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam",
    "Phong", "Quang", "Sơn", "Thắng", "Thủy", "Tuấn", "Vân",
];
