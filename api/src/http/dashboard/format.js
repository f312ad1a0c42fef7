// Formats as the province writes them: dates dd/mm/yyyy, money "1.000.000 đ", counts "1.234".

/** "2017-12-31" (or an ISO timestamp) → "31/12/2017"; "" for nothing. */
export function date(iso) {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso);
}

/** An ISO timestamp (UTC) → "31/12/2017 08:30 UTC". */
export function dateTime(iso) {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso));
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]} UTC` : String(iso);
}

/** "31/12/2017" → "2017-12-31", or null when it is not a real day. */
export function parseDate(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
    return null;
  }
  return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** An integer with '.' between thousands: 1234567 → "1.234.567". */
export function number(value) {
  if (value === null || value === undefined || value === "") return "";
  const n = Math.trunc(Number(value));
  if (!Number.isFinite(n)) return String(value);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return (n < 0 ? "-" : "") + digits;
}

/** Whole đồng: 1000000 → "1.000.000 đ". */
export function money(value) {
  if (value === null || value === undefined || value === "") return "";
  return `${number(value)} đ`;
}

/** Reads a number written by number() or money() back: "1.234.567 đ" → 1234567. */
export function readNumber(text) {
  const digits = String(text).replace(/[^\d-]/g, "");
  return digits === "" ? null : Number(digits);
}

/** Folds Vietnamese for search: lower case, no tone or vowel marks, đ → d ("Hoà" = "hòa" = "hoa"). */
export function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase();
}

/** A JSON column arrives as a list or as its text. */
export function list(value) {
  if (Array.isArray(value)) return value;
  if (typeof value === "string" && value.startsWith("[")) {
    try {
      return JSON.parse(value);
    } catch {
      return [];
    }
  }
  return [];
}
