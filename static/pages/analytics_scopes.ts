/**
 * Analytics "Scopes" tab: transport-scope (region) use from
 * `/api/scope-stats?window=1h|24h|7d` — scoped / unscoped / unknown-scope
 * totals, transmissions per region and the scoped-vs-unscoped series.
 *
 * @module
 */

import { getJson } from "../lib/api.ts";
import { empty, h, kv, replace, table } from "../lib/dom.ts";
import { chart } from "../lib/charts.ts";
import { int } from "../lib/format.ts";
import { buildHash } from "../lib/router.ts";
import type { AnalyticsTab } from "../lib/analytics_tab.ts";

interface ScopeReply {
  window: string;
  summary: { transportTotal: number; scoped: number; unscoped: number; unknownScope: number };
  byRegion: { name: string; count: number }[];
  timeSeries: { t: string; scoped: number; unscoped: number }[];
}

const WINDOWS = ["1h", "24h", "7d"];

/** Renders the Scopes tab into `body`; returns chart disposers. */
async function renderScopes(
  body: HTMLElement,
  q: Record<string, string>,
): Promise<(() => void)[]> {
  const win = WINDOWS.includes(q.scope) ? q.scope : "24h";
  const d = await getJson<ScopeReply>(`/api/scope-stats?window=${win}`);
  const s = d.summary;
  const pct = (n: number) => {
    const all = s.scoped + s.unscoped;
    return all ? ` (${Math.round((n / all) * 100)} %)` : "";
  };
  const series = h("div", { class: "chart" });
  replace(
    body,
    h(
      "div",
      { class: "toolbar" },
      "Scope window: ",
      h(
        "span",
        { class: "seg" },
        WINDOWS.map((w) =>
          h("a", {
            href: buildHash("/analytics", { ...q, scope: w }),
            class: w === win ? "on" : "",
          }, w)
        ),
      ),
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Transport scopes"),
      kv([
        ["Transport-route transmissions", int(s.transportTotal)],
        ["Scoped", int(s.scoped) + pct(s.scoped)],
        ["Unscoped (incl. flood/direct)", int(s.unscoped) + pct(s.unscoped)],
        ["Scope code matching no known region", int(s.unknownScope)],
      ]),
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "By region"),
      d.byRegion.length
        ? table(["Region", "Transmissions"], d.byRegion.map((r) => [r.name, int(r.count)]))
        : empty("No transmission carried a known region scope."),
    ),
    h("div", { class: "panel" }, h("h3", null, "Scoped vs unscoped transport traffic"), series),
  );
  const x = d.timeSeries.map((p) => Date.parse(p.t) / 1000);
  return [
    await chart(series, x, [
      { label: "scoped", color: "#1a7f37", values: d.timeSeries.map((p) => p.scoped) },
      { label: "unscoped", color: "#8b949e", values: d.timeSeries.map((p) => p.unscoped) },
    ], { time: true }),
  ];
}

/** The "Scopes" tab (reads the page's query: window, area). */
export const scopesTab: AnalyticsTab = {
  key: "scopes",
  label: "Scopes",
  render: (body, ctx) => renderScopes(body, ctx.query),
};
