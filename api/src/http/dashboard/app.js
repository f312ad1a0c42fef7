// The dashboard's shell: sign-in with a bearer token, the sections the role may read, the
// language switch, the "as of" date, and the page router (location.hash). When a page is
// complete, document.body.dataset.rendered is "1" and dataset.view names the page.

import * as api from "./api.js";
import * as f from "./format.js";
import { t, lang, setLang, applyStatic } from "./i18n.js";
import * as views from "./views.js";
import { h } from "./views.js";

const REGISTRY_READERS = ["clerk", "officer", "approver", "finance", "auditor", "inspector", "dashboard"];
const MONEY_READERS = ["officer", "approver", "finance", "auditor", "inspector", "dashboard"];
const PROOF_READERS = ["auditor", "inspector"];
const ASOF = "htx.asof";

/** The sections, in menu order, and who may open them (docs/api.md, role table). */
const SECTIONS = [
  { id: "plan", need: "registry", view: views.plan },
  { id: "registry", need: "registry", view: views.registry },
  { id: "dissolution", need: "registry", view: views.dissolution },
  { id: "balances", need: "money", view: views.balances },
  { id: "findings", need: "money", view: views.findings },
  { id: "integrity", need: null, view: views.integrity },
];

const ctx = { me: null, can: {}, asOf: sessionStorage.getItem(ASOF), units: new Map(), registryFilters: {} };
const $ = (id) => document.getElementById(id);
let renders = 0;

function allowed(section) {
  return !section.need || ctx.can[section.need];
}

function signedOut(message) {
  api.setToken(null);
  ctx.me = null;
  document.body.classList.remove("signed-in");
  $("signin-error").textContent = message || "";
  $("nav").replaceChildren();
  $("who").textContent = "";
  $("view").replaceChildren();
  done("signin");
}

function done(view) {
  // The first complete page (not the sign-in form): what the first-load measurement reads.
  if (view !== "signin" && performance.getEntriesByName("htx-rendered").length === 0) {
    performance.mark("htx-rendered");
  }
  document.body.dataset.view = view;
  document.body.dataset.rendered = "1";
}

async function signIn(token) {
  api.setToken(token);
  try {
    const me = await api.getJson("/api/v1/me");
    ctx.me = me;
    const role = me.role;
    ctx.can = {
      registry: REGISTRY_READERS.includes(role),
      money: MONEY_READERS.includes(role),
      proofs: PROOF_READERS.includes(role),
      verify: role === "auditor",
    };
    if (ctx.can.registry) {
      const units = await api.rows("registry", "registry_units", {});
      ctx.units = new Map(units.rows.map((u) => [String(u.code), u.name]));
    }
    document.body.classList.add("signed-in");
    return true;
  } catch (error) {
    signedOut(error.status === 401 ? t("signin.unknown") : `${t("error")}: ${error.message}`);
    return false;
  }
}

function drawChrome() {
  applyStatic();
  document.documentElement.lang = lang();
  document.title = t("title");
  $("lang-switch").textContent = lang() === "vi" ? "English" : "Tiếng Việt";
  const shown = ctx.asOf ? t("state.asOf", f.date(ctx.asOf)) : t("state.live");
  $("state-banner").textContent = shown;
  $("state-banner").classList.toggle("historical", Boolean(ctx.asOf));
  $("asof-input").value = ctx.asOf ? f.date(ctx.asOf) : "";
  if (!ctx.me) return;
  $("who").textContent = `${ctx.me.full_name || ctx.me.user} · ${t(`role.${ctx.me.role}`)}`;
  const current = (location.hash.split("/")[1] || "").split("?")[0];
  $("nav").replaceChildren(
    ...SECTIONS.filter(allowed).map((s) =>
      h("a", { href: `#/${s.id}`, "data-testid": `nav-${s.id}`, class: current === s.id ? "active" : "" }, t(`nav.${s.id}`)),
    ),
  );
}

async function render() {
  const mine = ++renders;
  document.body.dataset.rendered = "0";
  drawChrome();
  if (!ctx.me) {
    done("signin");
    return;
  }
  const [, name = "", arg] = location.hash.split("/");
  const root = $("view");
  let view = name;
  try {
    if (name === "coop" && arg) {
      if (!ctx.can.registry) throw new api.ApiError(403, null);
      await views.cooperative(ctx, root, decodeURIComponent(arg));
    } else if (name === "entry" && arg) {
      await views.entry(ctx, root, Number(arg));
    } else {
      const section = SECTIONS.find((s) => s.id === name);
      if (!section) {
        const first = SECTIONS.find(allowed);
        location.replace(`#/${first.id}`);
        return;
      }
      if (!allowed(section)) throw new api.ApiError(403, null);
      await section.view(ctx, root);
    }
  } catch (error) {
    if (mine !== renders) return;
    if (error.status === 401) {
      signedOut(t("signin.expired"));
      return;
    }
    view = "error";
    root.replaceChildren(
      h("h1", {}, t(error.status === 403 ? "forbidden.title" : "error")),
      h("p", { class: error.status === 403 ? "forbidden" : "bad", "data-testid": error.status === 403 ? "forbidden" : "error" }, error.status === 403 ? t("forbidden") : error.message),
    );
  }
  if (mine === renders) done(view);
}

function wire() {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    document.body.dataset.rendered = "0";
    if (await signIn(token)) {
      $("token").value = "";
      if (!location.hash || location.hash === "#/") location.hash = "#/plan";
      await render();
    }
  });
  $("signout").addEventListener("click", () => {
    sessionStorage.removeItem(ASOF);
    ctx.asOf = null;
    signedOut("");
    location.hash = "";
  });
  $("lang-switch").addEventListener("click", () => {
    setLang(lang() === "vi" ? "en" : "vi");
    render();
  });
  $("asof-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("asof-input").value.trim();
    const iso = text ? f.parseDate(text) : null;
    if (text && !iso) {
      $("asof-error").textContent = t("asof.bad");
      return;
    }
    $("asof-error").textContent = "";
    ctx.asOf = iso;
    if (iso) sessionStorage.setItem(ASOF, iso);
    else sessionStorage.removeItem(ASOF);
    render();
  });
  $("asof-clear").addEventListener("click", () => {
    $("asof-input").value = "";
    ctx.asOf = null;
    sessionStorage.removeItem(ASOF);
    render();
  });
  window.addEventListener("hashchange", render);
}

async function boot() {
  wire();
  const token = api.token();
  if (token && !(await signIn(token))) return;
  await render();
}

boot();
