/**
 * `#/perf`: server diagnostics from `/api/perf` (per-endpoint timings, sorted
 * by total time) and `/api/perf/io`, `/api/perf/sqlite`,
 * `/api/perf/write-sources`, refreshed every 5 seconds while shown.
 *
 * @module
 */

import { supports, tryJson } from "../lib/api.ts";
import { type Child, empty, h, kv, replace, table } from "../lib/dom.ts";
import { int, num } from "../lib/format.ts";

interface EndpointStat {
  count?: number;
  avgMs?: number;
  p50Ms?: number;
  p95Ms?: number;
  maxMs?: number;
}

const SOURCES: [string, string][] = [
  ["/api/perf/io", "Disk and process I/O"],
  ["/api/perf/sqlite", "SQLite"],
  ["/api/perf/write-sources", "Write sources"],
];

/** Renders a JSON value as text or nested key/value lists (depth-limited). */
export function jsonView(v: unknown, depth = 0): Child {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? int(v) : num(v, 2);
  if (typeof v !== "object") return String(v);
  if (depth > 3) return "…";
  if (Array.isArray(v)) {
    if (!v.length) return "—";
    if (v.every((x) => x === null || typeof x !== "object")) return v.map(String).join(", ");
    const keys = [...new Set(v.slice(0, 50).flatMap((x) => Object.keys(x ?? {})))].slice(0, 10);
    return table(
      keys,
      v.slice(0, 50).map((x) => keys.map((k) => jsonView((x as Record<string, unknown>)?.[k], 4))),
    );
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return "—";
  return kv(entries.map(([k, x]) => [k, jsonView(x, depth + 1)]));
}

function endpointsTable(eps: Record<string, EndpointStat>): HTMLElement {
  const rows = Object.entries(eps).sort((a, b) =>
    (b[1].count ?? 0) * (b[1].avgMs ?? 0) - (a[1].count ?? 0) * (a[1].avgMs ?? 0)
  );
  if (!rows.length) return empty("No requests timed yet.");
  return table(
    ["Endpoint", "Count", "Avg ms", "P50 ms", "P95 ms", "Max ms", "Total ms"],
    rows.map(([path, s]) => [
      h("code", { class: (s.p95Ms ?? 0) > 200 ? "bad" : "" }, path),
      int(s.count),
      num(s.avgMs, 1),
      num(s.p50Ms, 1),
      num(s.p95Ms, 1),
      num(s.maxMs, 1),
      int(Math.round((s.count ?? 0) * (s.avgMs ?? 0))),
    ]),
  );
}

/** Mounts the perf page. */
export function perfPage(el: HTMLElement) {
  const body = h("div");
  const stamp = h("span", { class: "mut" });
  el.append(h("div", { class: "toolbar" }, h("h2", null, "Performance"), stamp), body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let alive = true;

  async function refresh() {
    const have = await Promise.all(
      ["/api/perf", ...SOURCES.map(([p]) => p)].map((p) => supports(p)),
    );
    const [perf, ...more] = await Promise.all(
      ["/api/perf", ...SOURCES.map(([p]) => p)].map((p, i) =>
        have[i] ? tryJson<Record<string, unknown>>(p) : Promise.resolve(null)
      ),
    );
    if (!alive) return;
    const parts: Child[] = [];
    if (perf) {
      const { endpoints, ...rest } = perf;
      parts.push(
        h("div", { class: "panel" }, h("h3", null, "Server"), jsonView(rest)),
        h(
          "div",
          { class: "panel" },
          h("h3", null, "Endpoints (sorted by total time)"),
          endpointsTable((endpoints ?? {}) as Record<string, EndpointStat>),
        ),
      );
    }
    SOURCES.forEach(([, title], i) => {
      if (more[i]) {
        parts.push(h("div", { class: "panel" }, h("h3", null, title), jsonView(more[i])));
      }
    });
    replace(body, parts.length ? parts : empty("This server does not report performance figures."));
    stamp.textContent = `updated ${new Date().toLocaleTimeString()}`;
    if (alive) timer = setTimeout(refresh, 5000);
  }
  refresh();
  return {
    destroy() {
      alive = false;
      clearTimeout(timer);
    },
  };
}
