// Hand-written SVG charts: grouped vertical bars with an optional target line, and
// horizontal bars. Colours come from app.css (.series-0 …), so the charts follow the page.

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/**
 * Grouped bars. `labels`: one per group; `series`: [{label, values}]; `target`:
 * {value, label} draws a dashed line; `format` writes a value.
 */
export function bars({ title, labels, series, target, format = String, height = 260 }) {
  const width = Math.max(420, labels.length * (series.length * 26 + 24) + 80);
  const pad = { top: 28, right: 16, bottom: 48, left: 64 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const all = series.flatMap((s) => s.values).concat(target ? [target.value] : []);
  const max = niceMax(Math.max(0, ...all.map(Number).filter(Number.isFinite)));
  const y = (v) => pad.top + plotH - (plotH * Math.max(0, v)) / max;
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "aria-label": title,
  });
  svg.append(el("title", {}, title));
  for (let i = 0; i <= 5; i += 1) {
    const v = (max * i) / 5;
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(el("text", { x: pad.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, format(v)));
  }
  const groupW = plotW / Math.max(1, labels.length);
  const barW = Math.min(28, (groupW - 12) / Math.max(1, series.length));
  labels.forEach((label, g) => {
    const x0 = pad.left + g * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, i) => {
      const v = Number(s.values[g]) || 0;
      const rect = el("rect", {
        x: x0 + i * barW,
        y: y(v),
        width: Math.max(1, barW - 2),
        height: Math.max(0, pad.top + plotH - y(v)),
        class: `bar series-${i}`,
      });
      rect.append(el("title", {}, `${label} · ${s.label}: ${format(v)}`));
      svg.append(rect);
    });
    svg.append(
      el("text", { x: pad.left + g * groupW + groupW / 2, y: height - pad.bottom + 16, class: "axis", "text-anchor": "middle" }, label),
    );
  });
  if (target) {
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(target.value), y2: y(target.value), class: "target" }));
    svg.append(el("text", { x: width - pad.right, y: y(target.value) - 5, class: "target-label", "text-anchor": "end" }, `${target.label}: ${format(target.value)}`));
  }
  let lx = pad.left;
  series.forEach((s, i) => {
    svg.append(el("rect", { x: lx, y: height - 18, width: 10, height: 10, class: `series-${i}` }));
    svg.append(el("text", { x: lx + 14, y: height - 9, class: "legend" }, s.label));
    lx += 24 + s.label.length * 7;
  });
  return svg;
}

/** Horizontal bars, one per item: [{label, value}]. */
export function hbars({ title, items, format = String }) {
  const rowH = 22;
  const pad = { top: 8, right: 90, left: 170 };
  const width = 640;
  const height = pad.top * 2 + items.length * rowH;
  const max = niceMax(Math.max(0, ...items.map((i) => Number(i.value) || 0)));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
  svg.append(el("title", {}, title));
  items.forEach((item, k) => {
    const y = pad.top + k * rowH;
    const w = ((width - pad.left - pad.right) * (Number(item.value) || 0)) / max;
    svg.append(el("text", { x: pad.left - 8, y: y + 15, class: "axis", "text-anchor": "end" }, item.label));
    const rect = el("rect", { x: pad.left, y: y + 3, width: Math.max(1, w), height: rowH - 6, class: "bar series-0" });
    rect.append(el("title", {}, `${item.label}: ${format(item.value)}`));
    svg.append(rect);
    svg.append(el("text", { x: pad.left + w + 6, y: y + 15, class: "value" }, format(item.value)));
  });
  return svg;
}
