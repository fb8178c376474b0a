/**
 * Analytics "Topology" tab: hop-count distribution, the busiest relays, the
 * strongest neighbour pairs and each observer's reach
 * (`/api/analytics/topology`).
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { chart } from "../lib/charts.ts";
import { empty, h, kv, link, table } from "../lib/dom.ts";
import { int, num, shortKey } from "../lib/format.ts";

/** The part of `/api/analytics/topology` the tab reads. */
export interface Topology {
  hopDistribution: Record<string, number> | { hops: number; count: number }[];
  uniqueNodes?: number;
  avgHops?: number;
  medianHops?: number;
  maxHops?: number;
  topRepeaters?: {
    pubkey: string | null;
    hop?: string;
    name: string | null;
    role?: string;
    count: number;
  }[];
  topPairs?: {
    a?: string;
    b?: string;
    pubkeyA?: string | null;
    pubkeyB?: string | null;
    hopA?: string;
    hopB?: string;
    nameA: string | null;
    nameB: string | null;
    count: number;
    distance_km?: number | null;
  }[];
  hopsVsSnr?: { hops: number; count: number; avgSnr: number }[];
  perObserverReach?:
    | {
      observer_id: string;
      observer_name: string | null;
      distinctSenders?: number;
      observations?: number;
      avgHops?: number | null;
    }[]
    | Record<
      string,
      { observer_name: string | null; rings?: { hops: number; nodes: unknown[] }[] }
    >;
}

/** Per-observer reach rows from either shape: name, nodes heard, nearest and farthest ring. */
export function reachRows(
  r: Topology["perObserverReach"],
): { id: string; name: string | null; nodes: number; maxHops: number | null }[] {
  if (!r) return [];
  if (Array.isArray(r)) {
    return r.map((o) => ({
      id: o.observer_id,
      name: o.observer_name,
      nodes: o.distinctSenders ?? 0,
      maxHops: o.avgHops ?? null,
    }));
  }
  return Object.entries(r).map(([id, o]) => {
    const rings = Array.isArray(o?.rings) ? o.rings : [];
    return {
      id,
      name: o?.observer_name ?? null,
      nodes: rings.reduce((s, x) => s + (Array.isArray(x.nodes) ? x.nodes.length : 0), 0),
      maxHops: rings.length ? Math.max(...rings.map((x) => Number(x.hops) || 0)) : null,
    };
  }).sort((a, b) => b.nodes - a.nodes);
}

/** Hop distribution as sorted `[hops, count]` pairs, from either shape (object or array). */
export function hopPairs(d: Topology["hopDistribution"] | undefined): [number, number][] {
  if (!d) return [];
  const pairs: [number, number][] = Array.isArray(d)
    ? d.map((x) => [Number(x.hops), Number(x.count)])
    : Object.entries(d).map(([k, v]) => [Number(k), Number(v)]);
  return pairs.filter(([k, v]) => Number.isFinite(k) && Number.isFinite(v)).sort((a, b) =>
    a[0] - b[0]
  );
}

const nodeLink = (pk: string | null | undefined, name: string | null | undefined, hop?: string) =>
  pk
    ? link(`#/nodes/${encodeURIComponent(pk)}`, name || shortKey(pk))
    : h("span", null, name || (hop ? hop.toUpperCase() : "?"));

/** The tab. */
export const topologyTab: AnalyticsTab = {
  key: "topology",
  label: "Topology",
  area: true,
  async render(body, ctx) {
    const t = await getJson<Topology>(
      "/api/analytics/topology" + qs({ window: ctx.win || undefined, area: ctx.area }),
    );
    const hops = hopPairs(t.hopDistribution);
    const reach = reachRows(t.perObserverReach);
    const c = h("div", { class: "chart" });
    const summary = t.uniqueNodes !== undefined
      ? panel(
        "Summary",
        kv([
          ["Nodes seen in paths", int(t.uniqueNodes)],
          ["Average hops", num(t.avgHops, 2)],
          ["Median hops", num(t.medianHops, 1)],
          ["Longest path", int(t.maxHops)],
        ]),
      )
      : null;
    body.replaceChildren(
      ...(summary ? [summary] : []),
      panel("Hop-count distribution", c),
      h(
        "div",
        { class: "grid2" },
        panel(
          "Top relays",
          t.topRepeaters?.length
            ? table(
              ["Node", "Relayed"],
              t.topRepeaters.map((r) => [nodeLink(r.pubkey, r.name, r.hop), int(r.count)]),
            )
            : empty("No relays yet."),
        ),
        panel(
          "Strongest neighbour pairs",
          t.topPairs?.length
            ? table(
              ["A", "B", "Seen", "km"],
              t.topPairs.map((p) => [
                nodeLink(p.pubkeyA ?? p.a, p.nameA, p.hopA),
                nodeLink(p.pubkeyB ?? p.b, p.nameB, p.hopB),
                int(p.count),
                num(p.distance_km, 1),
              ]),
            )
            : empty("No neighbour pairs yet."),
        ),
      ),
      panel(
        "Reach per observer",
        reach.length
          ? table(
            ["Observer", "Nodes heard", "Farthest ring (hops)"],
            reach.map((o) => [
              link(`#/observers/${encodeURIComponent(o.id)}`, o.name || shortKey(o.id)),
              int(o.nodes),
              num(o.maxHops, 1),
            ]),
          )
          : empty("No observers yet."),
      ),
    );
    return [
      await chart(c, hops.map(([k]) => k), [{
        label: "packets",
        color: "#2f81f7",
        values: hops.map(([, v]) => v),
      }], { bars: true }),
    ];
  },
};
