//! Each report as a [`Report`] value, from the projections replayed at its checkpoint. Pure.

use std::collections::BTreeMap;

use domain::cooperative::{CooperativeKind, CooperativeStatus, Sector};
use projections::ProjectionSet;
use projections::funding_balances::FundingBalances;
use projections::plan_progress::{PROVINCE, PlanProgress, PlanProgressRow};
use projections::registry::{OriginKind, Registry, RegistryRow};
use projections::settlement_checks::{CheckStatus, SettlementChecks};

use super::{
    Anchor, Cell, CellKind, CheckpointRef, Column, Parameter, Period, Report, Request, Section,
};

const TOTAL: &str = "Tổng cộng / Total";

/// The report `request` asks for, from `set` (replayed at `anchor`).
pub fn build(request: &Request, anchor: Anchor, set: &ProjectionSet) -> Report {
    let (title_vi, title_en, parameters, notes, sections) = match request {
        Request::Settlement { year, unit } => settlement(set, *year, unit.as_deref()),
        Request::Periodic { period } => periodic(set, *period),
        Request::Plan => plan(set),
    };
    Report {
        kind: request.kind().to_string(),
        title_vi,
        title_en,
        checkpoint: CheckpointRef {
            tree_size: anchor.size,
            root: anchor.root.to_base64(),
            cosigned_by: Vec::new(),
        },
        parameters,
        notes,
        sections,
    }
}

type Parts = (String, String, Vec<Parameter>, Vec<String>, Vec<Section>);

fn column(key: &str, vi: &str, en: &str, kind: CellKind) -> Column {
    Column {
        key: key.to_string(),
        vi: vi.to_string(),
        en: en.to_string(),
        kind,
    }
}

fn parameter(name: &str, value: impl Into<String>) -> Parameter {
    Parameter {
        name: name.to_string(),
        value: value.into(),
    }
}

/// The totals row of `rows`: the label in the first column, sums of the count and money
/// columns, the rest empty.
fn totals(columns: &[Column], rows: &[Vec<Cell>]) -> Vec<Cell> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c.kind {
            CellKind::Count | CellKind::Money => {
                Cell::Int(rows.iter().filter_map(|r| r.get(i)?.as_int()).sum())
            }
            _ if i == 0 => Cell::text(TOTAL),
            _ => Cell::Empty,
        })
        .collect()
}

fn section(
    id: &str,
    title_vi: &str,
    title_en: &str,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    with_totals: bool,
) -> Section {
    let totals = with_totals.then(|| totals(&columns, &rows));
    Section {
        id: id.to_string(),
        title_vi: title_vi.to_string(),
        title_en: title_en.to_string(),
        columns,
        rows,
        totals,
    }
}

// ---------------------------------------------------------------------------------------
// Settlement (quyết toán)

/// The money figures of the settlement report, in order: (column, Vietnamese, English).
pub const SETTLEMENT_FIGURES: [(&str, &str, &str); 8] = [
    ("estimate", "Dự toán được giao", "Estimate"),
    ("allocated", "Đã phân bổ", "Allocated"),
    ("paid", "Đã thanh toán", "Paid"),
    ("advanced", "Đã tạm ứng", "Advanced"),
    (
        "advance_outstanding",
        "Tạm ứng chưa thu hồi",
        "Advances outstanding",
    ),
    ("returned", "Đã nộp trả", "Returned"),
    ("available", "Số dư (còn lại)", "Balance"),
    ("findings", "Số phát hiện", "Findings"),
];

fn settlement(set: &ProjectionSet, year: i32, unit: Option<&str>) -> Parts {
    let wanted = |u: &str| unit.is_none_or(|w| w == u);
    let mut lines: BTreeMap<(String, String, String), [i64; 7]> = BTreeMap::new();
    if let Some(funding) = set.get::<FundingBalances>() {
        for row in funding.balances.iter() {
            if row.year != year || !wanted(&row.unit) {
                continue;
            }
            let key = (row.unit.clone(), row.source.clone(), row.category.clone());
            let sums = lines.entry(key).or_default();
            let figures = [
                row.estimate,
                row.allocated,
                row.paid,
                row.advanced,
                row.advance_outstanding,
                row.returned,
                row.available,
            ];
            for (sum, figure) in sums.iter_mut().zip(figures) {
                *sum += figure;
            }
        }
    }
    let checks: Vec<_> = set
        .get::<SettlementChecks>()
        .map(|s| {
            s.checks
                .iter()
                .filter(|c| c.year == year && wanted(&c.unit))
                .collect()
        })
        .unwrap_or_default();
    let findings_of = |u: &str| {
        checks
            .iter()
            .filter(|c| c.unit == u && c.status == CheckStatus::Finding)
            .count() as i64
    };

    let mut columns = vec![
        column("unit", "Đơn vị dự toán", "Budget unit", CellKind::Text),
        column("source", "Nguồn kinh phí", "Funding source", CellKind::Text),
        column(
            "category",
            "Nội dung hỗ trợ",
            "Support category",
            CellKind::Text,
        ),
    ];
    for (key, vi, en) in &SETTLEMENT_FIGURES[..7] {
        columns.push(column(key, vi, en, CellKind::Money));
    }
    let rows: Vec<Vec<Cell>> = lines
        .into_iter()
        .map(|((unit, source, category), sums)| {
            let mut row = vec![Cell::Text(unit), Cell::Text(source), Cell::Text(category)];
            row.extend(sums.into_iter().map(Cell::Int));
            row
        })
        .collect();
    let balances = section(
        "balances",
        "Số liệu kinh phí theo đơn vị, nguồn và nội dung",
        "Funding by unit, source and category",
        columns,
        rows,
        true,
    );

    let columns = vec![
        column("unit", "Đơn vị dự toán", "Budget unit", CellKind::Text),
        column("rule", "Quy tắc", "Rule", CellKind::Text),
        column("name", "Nội dung kiểm tra", "Check", CellKind::Text),
        column("status", "Kết quả", "Result", CellKind::Text),
        column("finding", "Phát hiện", "Finding", CellKind::Text),
        column(
            "legal_basis",
            "Căn cứ pháp lý",
            "Legal basis",
            CellKind::Text,
        ),
        column(
            "positions",
            "Bút toán (vị trí)",
            "Entries (positions)",
            CellKind::Text,
        ),
        column("as_of", "Tính đến ngày", "As of", CellKind::Date),
        column(
            "checked",
            "Số bút toán đã kiểm",
            "Entries checked",
            CellKind::Count,
        ),
        column("findings", "Số phát hiện", "Findings", CellKind::Count),
    ];
    let rows = checks
        .iter()
        .map(|c| {
            let finding = c.status == CheckStatus::Finding;
            vec![
                Cell::text(&c.unit),
                Cell::text(&c.rule),
                Cell::text(&c.name),
                Cell::text(if finding {
                    "Có phát hiện / finding"
                } else {
                    "Đạt / ok"
                }),
                c.finding.clone().map_or(Cell::Empty, Cell::Text),
                Cell::text(&c.legal_basis),
                Cell::Text(
                    c.positions
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                Cell::date(c.as_of),
                Cell::Int(c.checked),
                Cell::Int(i64::from(finding)),
            ]
        })
        .collect();
    let findings = section(
        "findings",
        "Kết quả kiểm tra quyết toán và phát hiện",
        "Settlement checks and findings",
        columns,
        rows,
        true,
    );
    let units: Vec<String> = {
        let mut u: Vec<String> = checks.iter().map(|c| c.unit.clone()).collect();
        u.dedup();
        u
    };
    let notes = vec![
        format!(
            "Số liệu từ funding_balances (cộng các dòng theo huyện) và settlement_checks của năm {year}. / Figures from funding_balances (district rows summed) and settlement_checks of {year}."
        ),
        format!(
            "Đơn vị có phát hiện / units with findings: {}",
            units
                .iter()
                .filter(|u| findings_of(u) > 0)
                .map(|u| format!("{u} ({})", findings_of(u)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    let mut parameters = vec![parameter("year", year.to_string())];
    parameters.push(parameter("unit", unit.unwrap_or("*")));
    (
        format!("Báo cáo quyết toán kinh phí hỗ trợ HTX năm {year}"),
        format!("Settlement report of cooperative support funds, {year}"),
        parameters,
        notes,
        vec![balances, findings],
    )
}

// ---------------------------------------------------------------------------------------
// Periodic (báo cáo định kỳ sáu tháng, năm)

/// Whether a cooperative still stands: not dissolved, bankrupt or ceased (NĐ 92/2024 Điều 27,
/// item 6).
fn standing(row: &RegistryRow) -> bool {
    !row.status.is_terminal()
}

fn periodic(set: &ProjectionSet, period: Period) -> Parts {
    let empty = Registry::default();
    let registry = set.get::<Registry>().unwrap_or(&empty);
    let cooperatives: Vec<&RegistryRow> = registry.cooperatives.iter().collect();
    let in_period = |d: Option<chrono::NaiveDate>| d.is_some_and(|d| period.contains(d));
    let is_new = |r: &RegistryRow| {
        r.kind == CooperativeKind::Cooperative
            && r.origin == OriginKind::New
            && in_period(r.registered_on)
    };
    let is_dissolved =
        |r: &RegistryRow| r.status == CooperativeStatus::Dissolved && in_period(r.status_since);

    // By status.
    let mut statuses: BTreeMap<(i64, String), (String, i64, i64)> = BTreeMap::new();
    for r in &cooperatives {
        let e = statuses
            .entry((r.status_item, r.status.as_str().to_string()))
            .or_insert_with(|| (r.status_label_vi.clone(), 0, 0));
        if r.kind == CooperativeKind::Cooperative {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    }
    let columns = vec![
        column("status", "Tình trạng (mã)", "Status", CellKind::Text),
        column(
            "label_vi",
            "Tình trạng",
            "Status (Vietnamese)",
            CellKind::Text,
        ),
        column(
            "item",
            "Khoản (Đ27 NĐ 92/2024)",
            "Item (Art 27)",
            CellKind::Text,
        ),
        column("htx", "Số HTX", "Cooperatives", CellKind::Count),
        column("unions", "Số liên hiệp HTX", "Unions", CellKind::Count),
    ];
    let rows = statuses
        .into_iter()
        .map(|((item, status), (label, htx, unions))| {
            vec![
                Cell::Text(status),
                Cell::Text(label),
                Cell::Text(item.to_string()),
                Cell::Int(htx),
                Cell::Int(unions),
            ]
        })
        .collect();
    let by_status = section(
        "by_status",
        "Số HTX theo tình trạng pháp lý cuối kỳ",
        "Cooperatives by legal status at the period's end",
        columns,
        rows,
        true,
    );

    // By district.
    let mut districts: BTreeMap<String, [i64; 7]> = BTreeMap::new();
    for r in &cooperatives {
        let d = districts.entry(r.current_unit.clone()).or_default();
        let up = standing(r);
        d[0] += i64::from(up && r.kind == CooperativeKind::Cooperative);
        d[1] += i64::from(up && r.kind != CooperativeKind::Cooperative);
        d[2] += i64::from(r.status == CooperativeStatus::Active);
        d[3] += i64::from(is_new(r));
        d[4] += i64::from(is_dissolved(r));
        if up {
            d[5] += r.members_official;
            d[6] += r.members_associate;
        }
    }
    let columns = vec![
        column("unit", "Mã đơn vị", "Unit code", CellKind::Text),
        column(
            "unit_name",
            "Huyện, thị xã, thành phố",
            "District",
            CellKind::Text,
        ),
        column(
            "htx",
            "HTX đang tồn tại",
            "Cooperatives standing",
            CellKind::Count,
        ),
        column(
            "unions",
            "Liên hiệp HTX đang tồn tại",
            "Unions standing",
            CellKind::Count,
        ),
        column("active", "Đang hoạt động", "Active", CellKind::Count),
        column(
            "new",
            "Thành lập mới trong kỳ",
            "New in the period",
            CellKind::Count,
        ),
        column(
            "dissolved",
            "Giải thể trong kỳ",
            "Dissolved in the period",
            CellKind::Count,
        ),
        column(
            "members_official",
            "Thành viên chính thức",
            "Official members",
            CellKind::Count,
        ),
        column(
            "members_associate",
            "Thành viên liên kết",
            "Associate members",
            CellKind::Count,
        ),
    ];
    let rows = districts
        .into_iter()
        .map(|(unit, d)| {
            let name = registry
                .units
                .get(&unit)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            let mut row = vec![Cell::Text(unit), Cell::Text(name)];
            row.extend(d.into_iter().map(Cell::Int));
            row
        })
        .collect();
    let by_district = section(
        "by_district",
        "Tình hình đăng ký và hoạt động theo địa bàn",
        "Registration and operation by district",
        columns,
        rows,
        true,
    );

    // By sector: every sector the domain lists, in its order, then those recorded none.
    const NOT_RECORDED: &str = "not-recorded";
    let mut sectors: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for r in &cooperatives {
        let key = r.sector.clone().unwrap_or_else(|| NOT_RECORDED.to_string());
        let s = sectors.entry(key).or_default();
        s[0] += i64::from(r.kind == CooperativeKind::Cooperative);
        s[1] += i64::from(r.kind != CooperativeKind::Cooperative);
        s[2] += i64::from(standing(r) && r.kind == CooperativeKind::Cooperative);
        s[3] += i64::from(r.status == CooperativeStatus::Active);
    }
    let mut ordered: Vec<(String, String)> = Sector::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label_vi().to_string()))
        .collect();
    ordered.extend(
        sectors
            .keys()
            .filter(|k| Sector::parse(k).is_none() && k.as_str() != NOT_RECORDED)
            .map(|k| (k.clone(), k.clone())),
    );
    ordered.push((
        NOT_RECORDED.to_string(),
        "chưa ghi / not recorded".to_string(),
    ));
    let columns = vec![
        column("sector", "Ngành nghề (mã)", "Sector", CellKind::Text),
        column(
            "label_vi",
            "Ngành nghề",
            "Sector (Vietnamese)",
            CellKind::Text,
        ),
        column("htx", "Số HTX", "Cooperatives", CellKind::Count),
        column("unions", "Số liên hiệp HTX", "Unions", CellKind::Count),
        column(
            "htx_standing",
            "HTX đang tồn tại",
            "Cooperatives standing",
            CellKind::Count,
        ),
        column("active", "Đang hoạt động", "Active", CellKind::Count),
    ];
    let rows = ordered
        .into_iter()
        .map(|(key, label)| {
            let counts = sectors.get(&key).copied().unwrap_or_default();
            let mut row = vec![Cell::Text(key), Cell::Text(label)];
            row.extend(counts.into_iter().map(Cell::Int));
            row
        })
        .collect();
    let by_sector = section(
        "by_sector",
        "Số HTX theo ngành nghề cuối kỳ",
        "Cooperatives by sector at the period's end",
        columns,
        rows,
        true,
    );

    // Training (year to date).
    let progress = set
        .get::<PlanProgress>()
        .and_then(|p| p.row(period.year, PROVINCE));
    let columns = vec![
        column("organiser", "Đơn vị tổ chức", "Organiser", CellKind::Text),
        column("classes", "Số lớp", "Classes", CellKind::Count),
        column("learners", "Số học viên", "Learners", CellKind::Count),
    ];
    let of = |f: fn(&PlanProgressRow) -> i64| progress.map_or(0, f);
    let rows = vec![
        vec![
            Cell::text("Sở Nông nghiệp và PTNT"),
            Cell::Int(of(|r| r.classes_so_nnptnt)),
            Cell::Int(of(|r| r.learners_so_nnptnt)),
        ],
        vec![
            Cell::text("Liên minh HTX tỉnh"),
            Cell::Int(of(|r| r.classes_lien_minh)),
            Cell::Int(of(|r| r.learners_lien_minh)),
        ],
        vec![
            Cell::text("Đơn vị khác / other"),
            Cell::Int(of(|r| r.classes_other_organiser)),
            Cell::Int(of(|r| r.learners_other_organiser)),
        ],
    ];
    let training = section(
        "training",
        "Bồi dưỡng, tập huấn (lũy kế từ đầu năm đến cuối kỳ)",
        "Training (year to date at the period's end)",
        columns,
        rows,
        true,
    );

    // Summary.
    let count =
        |f: &dyn Fn(&RegistryRow) -> bool| cooperatives.iter().filter(|r| f(r)).count() as i64;
    let sum = |f: fn(&RegistryRow) -> i64| {
        cooperatives
            .iter()
            .filter(|r| standing(r))
            .map(|r| f(r))
            .sum::<i64>()
    };
    let summary_rows: Vec<(&str, &str, &str, i64)> = vec![
        (
            "htx_standing",
            "Số HTX cuối kỳ",
            "Cooperatives at the period's end",
            count(&|r| standing(r) && r.kind == CooperativeKind::Cooperative),
        ),
        (
            "unions_standing",
            "Số liên hiệp HTX cuối kỳ",
            "Unions at the period's end",
            count(&|r| standing(r) && r.kind != CooperativeKind::Cooperative),
        ),
        (
            "new",
            "HTX thành lập mới trong kỳ",
            "New cooperatives in the period",
            count(&is_new),
        ),
        (
            "dissolved",
            "HTX, liên hiệp HTX giải thể trong kỳ",
            "Dissolved in the period",
            count(&is_dissolved),
        ),
        (
            "re_registered",
            "Đăng ký lại theo Luật HTX 2012 trong kỳ",
            "Re-registered under the 2012 Law in the period",
            count(&|r| in_period(r.re_registered_on)),
        ),
        (
            "members_official",
            "Thành viên chính thức",
            "Official members",
            sum(|r| r.members_official),
        ),
        (
            "members_associate",
            "Thành viên liên kết",
            "Associate members",
            sum(|r| r.members_associate),
        ),
        (
            "training_classes",
            "Số lớp bồi dưỡng (lũy kế năm)",
            "Training classes (year to date)",
            of(|r| r.training_classes),
        ),
        (
            "training_learners",
            "Số học viên (lũy kế năm)",
            "Learners (year to date)",
            of(|r| r.training_learners),
        ),
        (
            "training_cost",
            "Kinh phí bồi dưỡng, đồng (lũy kế năm)",
            "Training cost, đồng (year to date)",
            of(|r| r.training_cost),
        ),
    ];
    let columns = vec![
        column("indicator", "Chỉ tiêu (mã)", "Indicator", CellKind::Text),
        column(
            "indicator_vi",
            "Chỉ tiêu",
            "Indicator (Vietnamese)",
            CellKind::Text,
        ),
        column(
            "indicator_en",
            "Chỉ tiêu (tiếng Anh)",
            "Indicator (English)",
            CellKind::Text,
        ),
        column("value", "Số liệu", "Value", CellKind::Count),
    ];
    let rows = summary_rows
        .into_iter()
        .map(|(k, vi, en, v)| vec![Cell::text(k), Cell::text(vi), Cell::text(en), Cell::Int(v)])
        .collect();
    let summary = section("summary", "Tổng hợp", "Summary", columns, rows, false);
    let notes = vec![
        format!(
            "Kỳ báo cáo / period: {} – {}; sổ đăng ký tại ngày cuối kỳ (các bút toán có ngày hiệu lực đến hết kỳ, trong điểm kiểm tra) / the registry as of the period's end (entries effective by then, within the checkpoint).",
            period.start().format("%d/%m/%Y"),
            period.end().format("%d/%m/%Y")
        ),
        "Địa bàn: đơn vị hiện hành tại ngày cuối kỳ (sau sáp nhập) / district: the unit the address belongs to at the period's end.".to_string(),
        "Ngành nghề: ngành nghề chính đã đăng ký; \"chưa ghi\" là HTX đăng ký trước khi sổ ghi ngành nghề / sector: the main sector registered; \"not recorded\" counts cooperatives registered before the registry recorded sectors.".to_string(),
    ];
    (
        format!(
            "Báo cáo tình hình đăng ký và hoạt động của HTX kỳ {}",
            period.label()
        ),
        format!(
            "Report on cooperatives' registration and operation, period {}",
            period.label()
        ),
        vec![
            parameter("period", period.label()),
            parameter("from", period.start().format("%d/%m/%Y").to_string()),
            parameter("to", period.end().format("%d/%m/%Y").to_string()),
        ],
        notes,
        vec![summary, by_status, by_district, by_sector, training],
    )
}

// ---------------------------------------------------------------------------------------
// Plan progress

type Measure = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    fn(&PlanProgressRow) -> i64,
    fn(&PlanProgressRow) -> Option<i64>,
);

/// The indicators of the plan report: (key, Vietnamese, English, unit of measure, actual,
/// target).
pub const PLAN_INDICATORS: [Measure; 10] = [
    (
        "cooperatives_year_end",
        "Số HTX cuối năm (mục tiêu đến 2020)",
        "Cooperatives at year end (target by 2020)",
        "HTX",
        |r| r.cooperatives_year_end,
        |r| r.target_cooperatives_by_2020,
    ),
    (
        "new_registrations",
        "HTX thành lập mới",
        "New cooperatives",
        "HTX",
        |r| r.new_registrations,
        |r| r.target_new_registrations,
    ),
    (
        "unions_formed",
        "Liên hiệp HTX thành lập (mục tiêu cả giai đoạn)",
        "Unions formed (target over the plan)",
        "LH HTX",
        |r| r.unions_formed,
        |r| r.target_unions_by_2020,
    ),
    (
        "dissolved",
        "HTX giải thể",
        "Dissolved",
        "HTX",
        |r| r.dissolved,
        |_| None,
    ),
    (
        "training_classes",
        "Lớp bồi dưỡng",
        "Training classes",
        "lớp",
        |r| r.training_classes,
        |r| r.target_training_classes,
    ),
    (
        "classes_so_nnptnt",
        "Lớp do Sở NN&PTNT tổ chức (miền Đông)",
        "Classes by Sở NN&PTNT (east)",
        "lớp",
        |r| r.classes_so_nnptnt,
        |r| r.target_classes_so_nnptnt_east,
    ),
    (
        "classes_lien_minh",
        "Lớp do Liên minh HTX tổ chức (miền Tây)",
        "Classes by Liên minh HTX (west)",
        "lớp",
        |r| r.classes_lien_minh,
        |r| r.target_classes_lien_minh_west,
    ),
    (
        "training_learners",
        "Học viên",
        "Learners",
        "người",
        |r| r.training_learners,
        |_| None,
    ),
    (
        "training_funds_assigned",
        "Kinh phí bồi dưỡng được giao",
        "Training funds assigned",
        "đồng",
        |r| r.training_funds_assigned,
        |r| r.target_training_funds,
    ),
    (
        "model_cooperatives",
        "HTX điển hình",
        "Model cooperatives",
        "HTX",
        |r| r.model_cooperatives,
        |_| None,
    ),
];

fn plan(set: &ProjectionSet) -> Parts {
    let empty = PlanProgress::default();
    let progress = set.get::<PlanProgress>().unwrap_or(&empty);
    let columns = vec![
        column("year", "Năm", "Year", CellKind::Text),
        column("indicator", "Chỉ tiêu (mã)", "Indicator", CellKind::Text),
        column(
            "indicator_vi",
            "Chỉ tiêu",
            "Indicator (Vietnamese)",
            CellKind::Text,
        ),
        column(
            "indicator_en",
            "Chỉ tiêu (tiếng Anh)",
            "Indicator (English)",
            CellKind::Text,
        ),
        column("measure", "Đơn vị tính", "Unit of measure", CellKind::Text),
        column("target", "Kế hoạch", "Target", CellKind::Count),
        column("actual", "Thực hiện", "Actual", CellKind::Count),
        column("status", "Đánh giá", "Assessment", CellKind::Text),
    ];
    let mut rows = Vec::new();
    for row in progress.rows.iter().filter(|r| r.unit == PROVINCE) {
        for (key, vi, en, measure, actual, target) in PLAN_INDICATORS {
            let (actual, target) = (actual(row), target(row));
            let status = match target {
                Some(t) if actual >= t => "Đạt / met",
                Some(_) => "Chưa đạt / not met",
                None => "",
            };
            rows.push(vec![
                Cell::Text(row.year.to_string()),
                Cell::text(key),
                Cell::text(vi),
                Cell::text(en),
                Cell::text(measure),
                target.map_or(Cell::Empty, Cell::Int),
                Cell::Int(actual),
                Cell::text(status),
            ]);
        }
    }
    let targets = section(
        "targets",
        "Tiến độ thực hiện các chỉ tiêu Kế hoạch 31/KH-UBND (toàn tỉnh)",
        "Progress against the targets of plan 31/KH-UBND (province)",
        columns,
        rows,
        false,
    );
    let columns = vec![
        column("year", "Năm", "Year", CellKind::Text),
        column("unit", "Mã đơn vị", "Unit code", CellKind::Text),
        column(
            "unit_name",
            "Huyện, thị xã, thành phố",
            "District",
            CellKind::Text,
        ),
        column(
            "cooperatives_year_end",
            "Số HTX cuối năm",
            "Cooperatives at year end",
            CellKind::Count,
        ),
        column("new_registrations", "Thành lập mới", "New", CellKind::Count),
        column("dissolved", "Giải thể", "Dissolved", CellKind::Count),
        column(
            "training_classes",
            "Lớp bồi dưỡng",
            "Training classes",
            CellKind::Count,
        ),
        column(
            "model_cooperatives",
            "HTX điển hình",
            "Model cooperatives",
            CellKind::Count,
        ),
    ];
    let rows = progress
        .rows
        .iter()
        .filter(|r| r.unit != PROVINCE)
        .map(|r| {
            vec![
                Cell::Text(r.year.to_string()),
                Cell::text(&r.unit),
                Cell::text(&r.unit_name),
                Cell::Int(r.cooperatives_year_end),
                Cell::Int(r.new_registrations),
                Cell::Int(r.dissolved),
                Cell::Int(r.training_classes),
                Cell::Int(r.model_cooperatives),
            ]
        })
        .collect();
    let by_unit = section(
        "by_unit",
        "Kết quả theo năm và địa bàn",
        "By year and district",
        columns,
        rows,
        false,
    );
    let notes = vec![
        "Số liệu từ plan_progress (dòng toàn tỉnh và dòng theo huyện) tại điểm kiểm tra. / Figures from plan_progress (province and district rows) at the checkpoint.".to_string(),
        "Địa bàn: đơn vị hợp lệ vào ngày của sự kiện (Hoành Bồ 204 trước 2020). / District: the unit valid on the fact's date.".to_string(),
    ];
    (
        "Báo cáo tiến độ thực hiện Kế hoạch 31/KH-UBND phát triển HTX giai đoạn 2017-2020"
            .to_string(),
        "Progress report on plan 31/KH-UBND (cooperative development 2017-2020)".to_string(),
        Vec::new(),
        notes,
        vec![targets, by_unit],
    )
}
