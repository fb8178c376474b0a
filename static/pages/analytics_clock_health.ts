/**
 * Analytics tab "Clock health": nodes by clock-skew severity (worst first)
 * with their current skew and drift (with an area, its nodes), and the
 * observers' own clock offsets.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { empty, h, link, table } from "../lib/dom.ts";
import { ago, int, num } from "../lib/format.ts";
import {
  figure,
  fmtSkew,
  type NodeSkew,
  SEVERITY_RANK,
  SEVERITY_TEXT,
  severityBadge,
} from "../lib/health_ui.ts";
import type { AnalyticsTab } from "../lib/analytics_tab.ts";

type Dispose = () => void;

/** Most node rows shown. */
const MAX_ROWS = 300;

async function render(body: HTMLElement, area?: string): Promise<Dispose[]> {
  const [nodes, observers] = await Promise.all([
    getJson<NodeSkew[]>("/api/nodes/clock-skew" + qs({ area })),
    getJson<
      { observerID: string; observerName?: string | null; offsetSec: number; samples: number }[]
    >(
      "/api/observers/clock-skew",
    ),
  ]);
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.severity, (counts.get(n.severity) ?? 0) + 1);
  const sorted = nodes.slice().sort((a, b) =>
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    Math.abs(b.recentMedianSkewSec) - Math.abs(a.recentMedianSkewSec)
  );
  body.replaceChildren(
    h(
      "p",
      { class: "mut" },
      "Skew = the time in a node's advert minus the time observers received it, corrected by " +
        "each observer's clock offset; severity comes from the latest adverts.",
    ),
    h(
      "div",
      { class: "cards" },
      Object.keys(SEVERITY_RANK).map((s) => figure(s, int(counts.get(s) ?? 0), `sev-${s}`)),
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, `Nodes, worst first (${int(nodes.length)} with adverts)`),
      sorted.length
        ? h(
          "div",
          { class: "scroll-x" },
          table(
            ["Node", "Role", "Severity", "Skew now", "Drift", "Good", "Last advert"],
            sorted.slice(0, MAX_ROWS).map((n) => [
              link(`#/nodes/${encodeURIComponent(n.pubkey)}`, n.nodeName || n.pubkey.slice(0, 8)),
              n.nodeRole || "—",
              severityBadge(n.severity),
              fmtSkew(n.recentMedianSkewSec),
              n.driftPerDaySec ? `${num(n.driftPerDaySec, 1)} s/d` : "—",
              `${Math.round(n.goodFraction * 100)} %`,
              ago(n.lastObservedTS * 1000),
            ]),
          ),
        )
        : empty("No adverts with a timestamp yet."),
      sorted.length > MAX_ROWS
        ? h("p", { class: "mut" }, `Showing the ${MAX_ROWS} worst of ${int(sorted.length)}.`)
        : null,
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Observer clock offsets"),
      observers.length
        ? table(
          ["Observer", "Offset", "Adverts compared"],
          observers.map((o) => [
            link(
              `#/observers/${encodeURIComponent(o.observerID)}`,
              o.observerName || o.observerID.slice(0, 8),
            ),
            fmtSkew(o.offsetSec),
            int(o.samples),
          ]),
        )
        : empty("Not enough adverts heard by several observers."),
    ),
    h(
      "dl",
      { class: "kv" },
      Object.entries(SEVERITY_TEXT).map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
  );
  return [];
}

/** The "Clock health" tab. */
export const clockHealthTab: AnalyticsTab = {
  key: "clock-health",
  label: "Clock health",
  area: true,
  render: (body, ctx) => render(body, ctx.area),
};
