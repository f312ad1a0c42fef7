// The JSON API of htx-ledger serve (docs/api.md), with the bearer token the person signed in
// with. The token lives in sessionStorage: it goes when the tab closes or on sign-out.

const TOKEN = "htx.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

async function request(path, asText) {
  const headers = { Accept: asText ? "text/plain, application/jsonl" : "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(path, { headers });
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    throw new ApiError(response.status, problem);
  }
  return asText ? response.text() : response.json();
}

export const getJson = (path) => request(path, false);
export const getText = (path) => request(path, true);

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  return search.toString();
}

/** Every row of a projection table matching `params` (paged 1000 at a time). */
export async function rows(projection, table, params) {
  const all = [];
  let answer = null;
  for (let offset = 0; ; offset += 1000) {
    const q = query({ ...params, limit: 1000, offset });
    answer = await getJson(`/api/v1/projections/${projection}/${table}?${q}`);
    all.push(...answer.rows);
    if (all.length >= answer.total || answer.rows.length === 0) break;
  }
  return { rows: all, state: answer.state, position: answer.position, total: answer.total };
}

/** Saves `text` as a file named `name` through a link to a Blob. */
function save(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Downloads the tlog-proof of entry `position` (auditor, inspector). */
export async function downloadProof(position) {
  const text = await getText(`/api/v1/ledger/proof/${position}`);
  save(`entry-${position}.tlog-proof`, text, "text/plain");
  return text;
}

/** The entry's bytes as stored (without the line's newline). */
export async function entryBytes(position) {
  const text = await getText(`/api/v1/ledger/entries?from=${position}&limit=1`);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/** Downloads the entry's bytes, to check the proof with `htx-ledger verify-proof --entry`. */
export async function downloadEntry(position) {
  save(`entry-${position}.json`, await entryBytes(position), "application/json");
}
