// The pages of the dashboard. Each takes the context (who is signed in, what they may read,
// the "as of" date, the units' names) and the element to fill, reads the JSON API and draws.
// Figures the end-to-end test reads carry data-testid and their raw value in data-value.

import * as api from "./api.js";
import { bars, hbars } from "./charts.js";
import * as f from "./format.js";
import { t, lang } from "./i18n.js";

/** Makes an element: h("td", {class: "n", "data-testid": "x"}, child, "text", …). */
export function h(name, attrs, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const table = (head, body, attrs) =>
  h("div", { class: "table-wrap" }, h("table", attrs || {}, h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, c)))), h("tbody", {}, body)));

const num = (value, testid, money) =>
  h("td", { class: "n", "data-testid": testid, "data-value": value ?? "" }, money ? f.money(value) : f.number(value));

const section = (titleKey, ...children) => h("section", { class: "card" }, h("h2", {}, t(titleKey)), ...children);

/** The "as of" banner of a page that follows the date control. */
function stateBanner(ctx, answerState) {
  const text = ctx.asOf ? t("state.asOf", f.date(ctx.asOf)) : t("state.live");
  return h("p", { class: ctx.asOf ? "banner historical" : "banner", "data-testid": "page-state", "data-state": answerState || "" }, text);
}

function positionLink(ctx, position) {
  return h("a", { href: `#/entry/${position}`, class: "position", "data-testid": "position-link", "data-position": position }, `#${position}`);
}

const unitName = (ctx, code) => (code === "province" ? t("province") : ctx.units.get(String(code)) || code || "");

// --- Plan progress -------------------------------------------------------------------

const PLAN_MEASURES = [
  ["cooperatives_year_end", "target_cooperatives_by_2020"],
  ["new_registrations", "target_new_registrations"],
  ["re_registrations", null],
  ["dissolved", null],
  ["unions_year_end", "target_unions_by_2020"],
  ["unions_formed", null],
  ["training_classes", "target_training_classes"],
  ["classes_so_nnptnt", "target_classes_so_nnptnt_east"],
  ["classes_lien_minh", "target_classes_lien_minh_west"],
  ["training_learners", null],
  ["classes_outside_30_50", null],
  ["training_cost", null, true],
  ["training_funds_assigned", "target_training_funds", true],
  ["model_cooperatives", null],
  ["units_with_model", null],
];

const DISTRICT_MEASURES = ["cooperatives_year_end", "new_registrations", "re_registrations", "dissolved", "training_classes", "training_learners", "model_cooperatives"];

export async function plan(ctx, root) {
  const { rows } = await api.rows("plan_progress", "plan_progress", {});
  const province = rows.filter((r) => r.unit === "province").sort((a, b) => a.year - b.year);
  const years = province.map((r) => r.year);
  const last = province[province.length - 1] || {};
  const targetOf = (measure, target) => (target ? last[target] ?? province.find((r) => r[target] != null)?.[target] : null);

  const head = [t("plan.measure"), ...years.map(String), t("plan.target")];
  const body = PLAN_MEASURES.map(([measure, target, money]) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, t(`m.${measure}`)),
      province.map((r) => num(r[measure], `plan-${r.year}-${measure}`, money)),
      target ? num(targetOf(measure, target), `plan-target-${measure}`, money) : h("td", {}, ""),
    ),
  );

  const charts = h(
    "div",
    { class: "charts" },
    bars({
      title: t("m.cooperatives_year_end"),
      labels: years.map(String),
      series: [{ label: t("m.cooperatives_year_end"), values: province.map((r) => r.cooperatives_year_end) }],
      target: { value: targetOf("", "target_cooperatives_by_2020") || 542, label: t("plan.target2020") },
      format: f.number,
    }),
    bars({
      title: t("m.new_registrations"),
      labels: years.map(String),
      series: [
        { label: t("m.new_registrations"), values: province.map((r) => r.new_registrations) },
        { label: t("m.dissolved"), values: province.map((r) => r.dissolved) },
      ],
      target: { value: targetOf("", "target_new_registrations") || 50, label: t("plan.targetYear") },
      format: f.number,
    }),
    bars({
      title: t("m.training_classes"),
      labels: years.map(String),
      series: [
        { label: t("m.classes_so_nnptnt"), values: province.map((r) => r.classes_so_nnptnt) },
        { label: t("m.classes_lien_minh"), values: province.map((r) => r.classes_lien_minh) },
        { label: t("m.training_classes"), values: province.map((r) => r.training_classes) },
      ],
      target: { value: targetOf("", "target_training_classes") || 20, label: t("plan.targetYear") },
      format: f.number,
    }),
  );

  const districtBox = h("div", {});
  const yearSelect = h("select", { "data-testid": "plan-year", onchange: () => drawDistricts(Number(yearSelect.value)) }, years.map((y) => h("option", { value: y }, String(y))));
  yearSelect.value = String(years[years.length - 1] || "");
  function drawDistricts(year) {
    const districts = rows.filter((r) => r.year === year && r.unit !== "province").sort((a, b) => String(a.unit).localeCompare(String(b.unit)));
    districtBox.replaceChildren(
      hbars({
        title: `${t("m.cooperatives_year_end")} ${year}`,
        items: districts.map((r) => ({ label: r.unit_name || unitName(ctx, r.unit), value: r.cooperatives_year_end })),
        format: f.number,
      }),
      table(
        [t("col.district"), t("col.region"), ...DISTRICT_MEASURES.map((m) => t(`m.${m}`))],
        districts.map((r) =>
          h(
            "tr",
            { "data-testid": "plan-district-row", "data-unit": r.unit },
            h("th", { scope: "row" }, `${r.unit_name || unitName(ctx, r.unit)} (${r.unit})`),
            h("td", {}, r.region ? t(`region.${r.region}`) : ""),
            DISTRICT_MEASURES.map((m) => num(r[m], `plan-${year}-${r.unit}-${m}`)),
          ),
        ),
      ),
    );
  }
  drawDistricts(Number(yearSelect.value));

  root.replaceChildren(
    h("h1", {}, t("nav.plan")),
    h("p", { class: "lead" }, t("plan.lead")),
    section("plan.province", charts, table(head, body, { "data-testid": "plan-table" })),
    section("plan.districts", h("label", {}, t("col.year"), " ", yearSelect), districtBox),
  );
}

// --- Registry ------------------------------------------------------------------------

/** The sectors the registry records (`registry.sector`, the domain's stored names), in the
 * domain's order; a cooperative registered before sectors were recorded has none. */
const SECTORS = ["agriculture", "market-management", "school-services", "clean-vegetables", "sanitation", "fishing", "trade-and-services", "other"];
const NO_SECTOR = "not-recorded";

/** The sector filter's key of a registry row: its `sector` column, or "not recorded". */
export const sectorOf = (row) => row.sector || NO_SECTOR;

const statusLabel = (row) => (lang() === "vi" && row.status_label_vi ? row.status_label_vi : t(`status.${row.status}`));

const PAGE = 50;

export async function registry(ctx, root) {
  const answer = await api.rows("registry", "registry", { as_of_date: ctx.asOf });
  const all = answer.rows.map((r) => ({ ...r, _folded: f.fold(`${r.code} ${r.name} ${r.address} ${r.representative}`), _sector: sectorOf(r) }));
  const filters = ctx.registryFilters;
  const option = (value, label) => h("option", { value }, label);
  const uniq = (values) => [...new Set(values)].filter((v) => v !== null && v !== undefined && v !== "").sort();

  const search = h("input", { type: "search", placeholder: t("registry.searchHint"), "data-testid": "registry-search", value: filters.q || "" });
  const district = h("select", { "data-testid": "filter-district" }, option("", t("all.districts")), uniq(all.map((r) => r.current_unit)).map((u) => option(u, `${unitName(ctx, u)} (${u})`)));
  const statuses = new Map(all.map((r) => [r.status, t(`status.${r.status}`)]));
  const status = h("select", { "data-testid": "filter-status" }, option("", t("all.statuses")), [...statuses].sort().map(([code, label]) => option(code, label)));
  const sector = h("select", { "data-testid": "filter-sector" }, option("", t("all.sectors")), [...SECTORS, NO_SECTOR].map((k) => option(k, t(`sector.${k}`))));
  district.value = filters.district || "";
  status.value = filters.status || "";
  sector.value = filters.sector || "";

  const count = h("p", { class: "count" });
  const tbody = h("tbody", {});
  const pager = h("div", { class: "pager" });
  const chartBox = h("div", {});
  let page = 0;

  function matching() {
    const q = f.fold(search.value.trim());
    return all.filter(
      (r) =>
        (!q || r._folded.includes(q)) &&
        (!district.value || r.current_unit === district.value) &&
        (!status.value || r.status === status.value) &&
        (!sector.value || r._sector === sector.value),
    );
  }

  function draw() {
    Object.assign(filters, { q: search.value, district: district.value, status: status.value, sector: sector.value });
    const found = matching();
    const pages = Math.max(1, Math.ceil(found.length / PAGE));
    page = Math.min(page, pages - 1);
    count.replaceChildren(
      h("span", { "data-testid": "registry-count", "data-value": found.length }, f.number(found.length)),
      ` / ${f.number(all.length)} ${t("registry.cooperatives")}`,
    );
    tbody.replaceChildren(
      ...found.slice(page * PAGE, (page + 1) * PAGE).map((r) =>
        h(
          "tr",
          { "data-testid": "registry-row", "data-code": r.code },
          h("td", {}, h("a", { href: `#/coop/${r.code}`, "data-testid": "coop-link" }, r.code)),
          h("td", { class: "name" }, r.name),
          h("td", {}, h("span", { class: `status status-${r.status}` }, statusLabel(r))),
          h("td", {}, unitName(ctx, r.current_unit)),
          h("td", {}, t(`sector.${r._sector}`)),
          h("td", { "data-testid": "registered-on" }, f.date(r.registered_on)),
          h("td", { class: "n" }, f.number(r.members_official)),
          h("td", { class: "n" }, f.money(r.charter_capital)),
        ),
      ),
    );
    pager.replaceChildren(
      h("button", { type: "button", disabled: page === 0, onclick: () => { page -= 1; draw(); } }, t("prev")),
      h("span", {}, t("page", page + 1, pages)),
      h("button", { type: "button", disabled: page >= pages - 1, onclick: () => { page += 1; draw(); } }, t("next")),
    );
    const byStatus = new Map();
    for (const r of found) byStatus.set(statusLabel(r), (byStatus.get(statusLabel(r)) || 0) + 1);
    chartBox.replaceChildren(hbars({ title: t("registry.byStatus"), items: [...byStatus].map(([label, value]) => ({ label, value })), format: f.number }));
  }

  for (const event of ["input", "change"]) search.addEventListener(event, () => { page = 0; draw(); });
  for (const select of [district, status, sector]) select.addEventListener("change", () => { page = 0; draw(); });
  draw();

  root.replaceChildren(
    h("h1", {}, t("nav.registry")),
    stateBanner(ctx, answer.state),
    section(
      "registry.list",
      h("div", { class: "filters" }, search, district, status, sector),
      count,
      h("div", { class: "table-wrap" }, h("table", { "data-testid": "registry-table" },
        h("thead", {}, h("tr", {}, ["col.code", "col.name", "col.status", "col.district", "col.sector", "col.registered", "col.members", "col.capital"].map((k) => h("th", {}, t(k))))),
        tbody)),
      pager,
    ),
    section("registry.byStatus", chartBox),
  );
}

// --- A cooperative -------------------------------------------------------------------

export async function cooperative(ctx, root, code) {
  const [found, history] = await Promise.all([
    api.rows("registry", "registry", { code }),
    api.getJson(`/api/v1/cooperatives/${encodeURIComponent(code)}/history`),
  ]);
  const r = found.rows[0] || { code };
  const link = (c) => h("a", { href: `#/coop/${c}` }, c);
  const facts = [
    ["col.name", r.name],
    ["col.status", r.status ? `${statusLabel(r)} (${t("since")} ${f.date(r.status_since)})` : ""],
    ["col.address", r.address],
    ["col.district", unitName(ctx, r.current_unit)],
    ["col.representative", [r.representative, r.representative_title].filter(Boolean).join(", ")],
    ["col.members", f.number(r.members_official)],
    ["col.capital", f.money(r.charter_capital)],
    ["col.registered", f.date(r.registered_on)],
    ["col.reRegistered", f.date(r.re_registered_on)],
    ["col.certificate", r.certificate_no],
    ["col.predecessors", f.list(r.predecessors).map(link)],
    ["col.successors", f.list(r.successors).map(link)],
  ];
  const entries = history.entries.map((e) =>
    h(
      "tr",
      { "data-testid": "history-row", "data-position": e.position },
      h("td", {}, positionLink(ctx, e.position)),
      h("td", { class: "n" }, e.sequence),
      h("td", {}, f.date(e.effective_date)),
      h("td", {}, f.dateTime(e.recorded_at)),
      h("td", {}, h("code", {}, e.event_type)),
      h("td", {}, `${e.actor?.user_id || ""} (${t(`role.${e.actor?.role}`)})`),
      h("td", {}, h("details", {}, h("summary", {}, t("details")), h("pre", {}, JSON.stringify({ ...e.payload, legal_basis: e.legal_basis, documents: e.documents }, null, 2)))),
    ),
  );
  const parts = [
    h("p", {}, h("a", { href: "#/registry" }, `← ${t("nav.registry")}`)),
    h("h1", { "data-testid": "coop-title" }, `${r.name || ""} (${code})`),
    h("p", { class: "banner" }, t("state.liveCoop")),
    section("coop.facts", h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]))),
    section(
      "coop.history",
      h("p", {}, t("coop.historyLead", history.entries.length)),
      table([t("col.position"), t("col.sequence"), t("col.effective"), t("col.recorded"), t("col.event"), t("col.actor"), ""], entries, { "data-testid": "history-table" }),
    ),
  ];
  if (ctx.can.money) {
    const support = await api.rows("beneficiary_history", "beneficiary_history", { cooperative: code });
    parts.push(
      section(
        "coop.support",
        support.rows.length === 0
          ? h("p", {}, t("none"))
          : table(
              [t("col.case"), t("col.year"), t("col.source"), t("col.category"), t("col.status"), t("b.approved"), t("b.paid"), t("b.returned")],
              support.rows.map((s) =>
                h("tr", {}, h("td", {}, s.case_id), h("td", {}, s.year), h("td", {}, s.source), h("td", {}, t(`cat.${s.category}`)), h("td", {}, t(`case.${s.status}`)), num(s.approved, null, true), num(s.paid, null, true), num(s.returned, null, true)),
              ),
            ),
      ),
    );
  }
  root.replaceChildren(...parts);
}

// --- Dissolution pipeline ------------------------------------------------------------

const STAGES = ["re-registration-due", "inactivity-detected", "grounds-found", "revoked-for-tax", "dissolution-started", "dissolution-published", "in-bankruptcy", "dissolved", "bankrupt", "reorganised", "closed"];

export async function dissolution(ctx, root) {
  const { rows } = await api.rows("dissolution_progress", "dissolution_progress", {});
  const count = (pred) => rows.filter(pred).length;
  const stageSelect = h("select", { "data-testid": "filter-stage" }, h("option", { value: "" }, t("all.stages")), STAGES.map((s) => h("option", { value: s }, t(`stage.${s}`))));
  const truthy = (v) => v === true || v === 1 || v === "true";
  const cleanup = rows.filter((r) => truthy(r.in_cleanup_2017));
  const today = new Date().toISOString().slice(0, 10);
  const days = (due) => (due ? Math.round((Date.parse(due) - Date.parse(today)) / 86400000) : null);
  const tbody = h("tbody", {});
  function draw() {
    const shown = rows.filter((r) => !stageSelect.value || r.stage === stageSelect.value);
    tbody.replaceChildren(
      ...shown.map((r) =>
        h(
          "tr",
          { "data-testid": "dissolution-row" },
          h("td", {}, h("a", { href: `#/coop/${r.code}` }, r.code)),
          h("td", {}, r.name),
          h("td", {}, unitName(ctx, r.current_unit)),
          h("td", {}, t(`stage.${r.stage}`)),
          h("td", {}, f.date(r.stage_since)),
          h("td", {}, r.cause ? t(`cause.${r.cause}`) : ""),
          h("td", {}, f.date(r.published_on)),
          h("td", {}, f.date(r.dissolution_due_on)),
          h("td", { class: "n" }, r.stage === "dissolution-published" ? f.number(days(r.dissolution_due_on)) : ""),
          h("td", {}, t(`outcome.${r.outcome}`)),
          h("td", {}, f.date(r.outcome_on)),
        ),
      ),
    );
  }
  stageSelect.addEventListener("change", draw);
  draw();
  const outcomes = new Map();
  for (const r of cleanup) outcomes.set(r.outcome, (outcomes.get(r.outcome) || 0) + 1);
  root.replaceChildren(
    h("h1", {}, t("nav.dissolution")),
    section(
      "diss.pipeline",
      h("p", {}, t("diss.total"), " ", h("strong", { "data-testid": "dissolution-count", "data-value": rows.length }, f.number(rows.length))),
      hbars({ title: t("diss.pipeline"), items: STAGES.map((s) => ({ label: t(`stage.${s}`), value: count((r) => r.stage === s) })).filter((i) => i.value > 0), format: f.number }),
    ),
    section(
      "diss.cleanup",
      h("p", {}, t("diss.cleanupLead", f.number(cleanup.length), f.number(count((r) => truthy(r.inactive_in_2017))), f.number(count((r) => truthy(r.pre_2013_not_re_registered))))),
      hbars({ title: t("diss.cleanup"), items: [...outcomes].map(([o, value]) => ({ label: t(`outcome.${o}`), value })), format: f.number }),
    ),
    section(
      "diss.list",
      h("div", { class: "filters" }, stageSelect),
      h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, ["col.code", "col.name", "col.district", "col.stage", "col.since", "col.cause", "col.published", "col.due", "col.daysLeft", "col.outcome", "col.outcomeOn"].map((k) => h("th", {}, t(k))))), tbody)),
      h("p", { class: "note" }, t("diss.note")),
    ),
  );
}

// --- Funding balances ----------------------------------------------------------------

const MONEY = ["estimate", "allocated", "approved", "committed", "advanced", "advance_outstanding", "advance_overdue", "paid", "returned", "available"];

export async function balances(ctx, root) {
  const answer = await api.rows("funding_balances", "funding_balances", { as_of_date: ctx.asOf });
  const rows = answer.rows;
  const uniq = (key) => [...new Set(rows.map((r) => r[key]))].sort();
  const select = (key, allKey, label) => h("select", { "data-testid": `filter-${key}` }, h("option", { value: "" }, t(allKey)), uniq(key).map((v) => h("option", { value: v }, label(v))));
  const year = select("year", "all.years", String);
  const source = select("source", "all.sources", String);
  const category = select("category", "all.categories", (c) => t(`cat.${c}`));
  const box = h("div", {});
  const sum = (list) => {
    const out = Object.fromEntries(MONEY.map((m) => [m, 0]));
    for (const r of list) for (const m of MONEY) out[m] += Number(r[m]) || 0;
    return out;
  };
  function draw() {
    const shown = rows.filter((r) => (!year.value || String(r.year) === year.value) && (!source.value || r.source === source.value) && (!category.value || r.category === category.value));
    const years = [...new Set(shown.map((r) => r.year))].sort();
    const perYear = years.map((y) => sum(shown.filter((r) => r.year === y)));
    const groups = new Map();
    for (const r of shown) {
      const key = `${r.year}|${r.source}|${r.category}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(r);
    }
    const total = sum(shown);
    box.replaceChildren(
      bars({
        title: t("bal.chart"),
        labels: years.map(String),
        series: ["estimate", "allocated", "paid", "available"].map((m, i) => ({ label: t(`b.${m}`), values: perYear.map((p) => p[m]), i })),
        format: (v) => f.number(Math.round(v / 1e6)) + " tr",
      }),
      table(
        [t("col.year"), t("col.source"), t("col.category"), ...MONEY.map((m) => t(`b.${m}`))],
        [
          ...[...groups].map(([key, list]) => {
            const [y, s, c] = key.split("|");
            const g = sum(list);
            return h("tr", { "data-testid": "balance-row" }, h("td", {}, y), h("td", {}, s), h("td", {}, t(`cat.${c}`)), MONEY.map((m) => num(g[m], null, true)));
          }),
          h("tr", { class: "total" }, h("th", { colspan: 3 }, t("total")), MONEY.map((m) => num(total[m], `balance-total-${m}`, true))),
        ],
        { "data-testid": "balances-table" },
      ),
    );
  }
  for (const s of [year, source, category]) s.addEventListener("change", draw);
  draw();
  root.replaceChildren(
    h("h1", {}, t("nav.balances")),
    stateBanner(ctx, answer.state),
    section("bal.title", h("div", { class: "filters" }, year, source, category), box),
    h("p", { class: "note" }, t("bal.note")),
  );
}

// --- Settlement findings -------------------------------------------------------------

export async function findings(ctx, root) {
  const { rows } = await api.rows("settlement_checks", "settlement_checks", {});
  const showAll = h("input", { type: "checkbox", "data-testid": "findings-all" });
  const box = h("div", {});
  function draw() {
    const shown = rows.filter((r) => showAll.checked || r.status === "finding");
    const perRule = new Map();
    for (const r of rows.filter((x) => x.status === "finding")) perRule.set(r.rule, (perRule.get(r.rule) || 0) + 1);
    box.replaceChildren(
      hbars({ title: t("find.perRule"), items: [...perRule].sort().map(([label, value]) => ({ label, value })), format: f.number }),
      table(
        [t("col.unit"), t("col.year"), t("col.rule"), t("col.status"), t("col.finding"), t("col.basis"), t("col.entries")],
        shown.map((r) =>
          h(
            "tr",
            { "data-testid": "finding-row", class: r.status === "finding" ? "finding" : "" },
            h("td", {}, r.unit),
            h("td", {}, r.year),
            h("td", {}, h("strong", {}, r.rule), h("br"), h("small", {}, r.name)),
            h("td", {}, t(`check.${r.status}`)),
            h("td", {}, r.finding || r.summary || ""),
            h("td", {}, h("small", {}, r.legal_basis)),
            h("td", {}, f.list(r.positions).slice(0, 30).map((p) => [positionLink(ctx, p), " "]), f.list(r.positions).length > 30 ? `… (${f.list(r.positions).length})` : ""),
          ),
        ),
        { "data-testid": "findings-table" },
      ),
    );
  }
  showAll.addEventListener("change", draw);
  draw();
  const count = rows.filter((r) => r.status === "finding").length;
  root.replaceChildren(
    h("h1", {}, t("nav.findings")),
    section("find.title", h("p", {}, t("find.lead", f.number(count), f.number(rows.length))), h("label", {}, showAll, " ", t("find.showAll")), box),
  );
}

// --- One entry -----------------------------------------------------------------------

function proofButtons(ctx, position, status) {
  const run = (what) => async () => {
    status.textContent = t("working");
    try {
      await what(position);
      status.textContent = t("proof.done", position);
      status.dataset.done = String(position);
    } catch (error) {
      status.textContent = error.status === 403 ? t("forbidden") : `${t("error")}: ${error.message}`;
    }
  };
  return h(
    "div",
    { class: "buttons" },
    h("button", { type: "button", "data-testid": "proof-download", onclick: run(api.downloadProof) }, t("proof.download")),
    h("button", { type: "button", "data-testid": "entry-download", onclick: run(api.downloadEntry) }, t("proof.entry")),
  );
}

export async function entry(ctx, root, position) {
  const parts = [h("h1", {}, t("entry.title", position))];
  if (!ctx.can.proofs) {
    parts.push(h("p", { class: "forbidden" }, t("entry.noRole")));
  } else {
    const bytes = await api.entryBytes(position);
    let pretty = bytes;
    try {
      pretty = JSON.stringify(JSON.parse(bytes), null, 2);
    } catch {
      pretty = bytes;
    }
    const status = h("p", { "data-testid": "proof-status", class: "status-line" });
    parts.push(section("entry.proof", h("p", {}, t("entry.proofLead")), proofButtons(ctx, position, status), status), section("entry.bytes", h("pre", { "data-testid": "entry-json" }, pretty)));
  }
  root.replaceChildren(...parts);
}

// --- Integrity -----------------------------------------------------------------------

export async function integrity(ctx, root) {
  const checkpointBox = h("div", {});
  try {
    const note = await api.getText("/api/v1/ledger/checkpoint");
    const [origin, size, rootHash] = note.split("\n");
    checkpointBox.append(
      h("dl", { class: "facts" },
        h("dt", {}, t("int.origin")), h("dd", {}, origin),
        h("dt", {}, t("int.size")), h("dd", { "data-testid": "checkpoint-size", "data-value": size }, f.number(size)),
        h("dt", {}, t("int.root")), h("dd", {}, h("code", { "data-testid": "checkpoint-root" }, rootHash))),
      h("details", {}, h("summary", {}, t("int.note")), h("pre", { "data-testid": "checkpoint-note" }, note)),
    );
  } catch (error) {
    if (error.status !== 404) throw error;
    checkpointBox.append(h("p", {}, t("int.noCheckpoint")));
  }

  // The witnesses (serve --policy): who cosigned the published checkpoint and when, and
  // each witness as the log sees it, with its alarm. Without a policy the route answers 404.
  const witnessBox = h("div", { "data-testid": "witnesses" });
  try {
    const w = await api.getJson("/api/v1/ledger/witnesses");
    const cosigners = w.witnessed ? w.witnessed.cosigners : [];
    const pending = w.latest_signed_size !== null && w.latest_signed_size !== undefined && (!w.witnessed || w.latest_signed_size > w.witnessed.size);
    witnessBox.append(
      w.witnessed
        ? h("p", { class: "ok", "data-testid": "witnessed-size", "data-value": w.witnessed.size }, t("int.witnessedAt", f.number(w.witnessed.size)))
        : h("p", { class: "bad", "data-testid": "witnessed-size", "data-value": "none" }, t("int.noWitnessed")),
      pending ? h("p", { class: "note", "data-testid": "pending-size", "data-value": w.latest_signed_size }, t("int.pending", f.number(w.latest_signed_size))) : null,
      table([t("int.witness"), t("int.cosignedAt")],
        cosigners.map((c) => h("tr", { "data-testid": "cosigner", "data-value": c.witness },
          h("td", {}, c.witness), h("td", {}, c.time ? f.dateTime(c.time) : String(c.timestamp)))),
        { "data-testid": "cosigners" }),
      h("h3", {}, t("int.witnesses")),
      table([t("int.witness"), t("int.key"), t("int.held"), t("int.lastCosigned"), t("int.alarm")],
        w.witnesses.map((v) => h("tr", { "data-testid": "witness", "data-value": v.name, "data-alarm": v.alarm ? v.alarm.kind : "" },
          h("td", {}, v.name),
          h("td", {}, h("code", {}, v.key)),
          num(v.held_size, "witness-held"),
          h("td", {}, v.cosigned_size === null || v.cosigned_size === undefined ? "—" : `${f.number(v.cosigned_size)}${v.cosigned_at ? ` (${f.dateTime(v.cosigned_at)})` : ""}`),
          h("td", { class: v.alarm ? "bad" : "ok" }, v.alarm ? `${t(`int.alarm.${v.alarm.kind}`)}: ${v.alarm.message}` : t("int.noAlarm"))))),
    );
  } catch (error) {
    if (error.status === 404) witnessBox.append(h("p", { class: "note", "data-testid": "witnessed-size", "data-value": "no-policy" }, t("int.noPolicy")));
    else if (error.status === 403) witnessBox.append(h("p", { class: "note" }, t("forbidden")));
    else throw error;
  }

  const verificationBox = h("div", { "data-testid": "verification" });
  async function drawVerification() {
    let v = null;
    try {
      v = await api.getJson("/api/v1/ledger/verification");
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    if (!v) {
      verificationBox.replaceChildren(h("p", { "data-testid": "verification-result", "data-value": "none" }, t("int.noVerification")));
      return;
    }
    verificationBox.replaceChildren(
      h("p", { class: v.intact ? "ok" : "bad", "data-testid": "verification-result", "data-value": v.intact ? "intact" : "altered" }, v.intact ? t("int.intact") : t("int.altered")),
      h("dl", { class: "facts" },
        h("dt", {}, t("int.checkedAt")), h("dd", {}, f.dateTime(v.checked_at)),
        h("dt", {}, t("int.entries")), h("dd", {}, f.number(v.size)),
        h("dt", {}, t("int.checkpoints")), h("dd", {}, f.number(v.checkpoints_checked)),
        h("dt", {}, t("int.signatures")), h("dd", {}, v.signatures_checked ? t("yes") : t("no")),
        v.head ? [h("dt", {}, t("int.head")), h("dd", {}, h("code", {}, v.head))] : null,
        v.finding ? [h("dt", {}, t("int.finding")), h("dd", {}, `${v.finding_kind}: ${v.finding}`)] : null),
    );
  }
  await drawVerification();
  const runStatus = h("span", { class: "status-line" });
  const run = ctx.can.verify
    ? h("p", {}, h("button", { type: "button", "data-testid": "run-verification", onclick: async () => {
        runStatus.textContent = t("working");
        try {
          await api.getJson("/api/v1/ledger/verify");
          await drawVerification();
          runStatus.textContent = "";
        } catch (error) {
          runStatus.textContent = `${t("error")}: ${error.message}`;
        }
      } }, t("int.run")), " ", runStatus)
    : h("p", { class: "note" }, t("int.runRole"));

  const proofParts = [];
  if (ctx.can.proofs) {
    const input = h("input", { type: "number", min: 0, step: 1, "data-testid": "proof-position", placeholder: "0" });
    const status = h("p", { "data-testid": "proof-status", class: "status-line" });
    const form = h("form", { class: "filters", onsubmit: (e) => e.preventDefault() }, h("label", {}, t("int.proofOf"), " ", input));
    const buttons = proofButtons(ctx, null, status);
    for (const button of buttons.querySelectorAll("button")) {
      const which = button.dataset.testid === "proof-download" ? api.downloadProof : api.downloadEntry;
      button.replaceWith(h("button", { type: "button", "data-testid": button.dataset.testid, onclick: async () => {
        const n = Number(input.value);
        if (input.value === "" || !Number.isInteger(n) || n < 0) {
          status.textContent = t("int.badPosition");
          return;
        }
        status.textContent = t("working");
        try {
          await which(n);
          status.textContent = t("proof.done", n);
          status.dataset.done = String(n);
        } catch (error) {
          status.textContent = error.status === 403 ? t("forbidden") : `${t("error")}: ${error.message}`;
        }
      } }, button.textContent));
    }
    form.append(buttons);
    proofParts.push(section("int.proof", h("p", {}, t("int.proofLead")), form, status));
  } else {
    proofParts.push(section("int.proof", h("p", { class: "note" }, t("int.proofRole"))));
  }

  root.replaceChildren(
    h("h1", {}, t("nav.integrity")),
    section("int.checkpoint", checkpointBox),
    section("int.witnessing", witnessBox),
    section("int.verification", verificationBox, run),
    ...proofParts,
  );
}
