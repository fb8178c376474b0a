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
import { empty, h, link, table } from "../lib/dom.ts";
import { int, num, shortKey } from "../lib/format.ts";

interface Topology {
  hopDistribution: Record<string, number> | { hops: number; count: number }[];
  topRepeaters?: { pubkey: string; name: string | null; role?: string; count: number }[];
  topPairs?: {
    a: string;
    b: string;
    nameA: string | null;
    nameB: string | null;
    count: number;
    distance_km?: number | null;
  }[];
  perObserverReach?: {
    observer_id: string;
    observer_name: string | null;
    distinctSenders?: number;
    observations?: number;
    avgHops?: number | null;
  }[];
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

const nodeLink = (pk: string, name: string | null | undefined) =>
  link(`#/nodes/${encodeURIComponent(pk)}`, name || shortKey(pk));

/** The tab. */
export const topologyTab: AnalyticsTab = {
  key: "topology",
  label: "Topology",
  async render(body, ctx) {
    const t = await getJson<Topology>(
      "/api/analytics/topology" + qs({ window: ctx.win || undefined }),
    );
    const hops = hopPairs(t.hopDistribution);
    const c = h("div", { class: "chart" });
    body.replaceChildren(
      panel("Hop-count distribution", c),
      h(
        "div",
        { class: "grid2" },
        panel(
          "Top relays",
          t.topRepeaters?.length
            ? table(
              ["Node", "Role", "Relayed"],
              t.topRepeaters.map((r) => [nodeLink(r.pubkey, r.name), r.role ?? "", int(r.count)]),
            )
            : empty("No relays yet."),
        ),
        panel(
          "Strongest neighbour pairs",
          t.topPairs?.length
            ? table(
              ["A", "B", "Seen", "km"],
              t.topPairs.map((p) => [
                nodeLink(p.a, p.nameA),
                nodeLink(p.b, p.nameB),
                int(p.count),
                num(p.distance_km, 1),
              ]),
            )
            : empty("No neighbour pairs yet."),
        ),
      ),
      panel(
        "Reach per observer",
        t.perObserverReach?.length
          ? table(
            ["Observer", "Distinct senders", "Observations", "Avg hops"],
            t.perObserverReach.map((o) => [
              link(
                `#/observers/${encodeURIComponent(o.observer_id)}`,
                o.observer_name || shortKey(o.observer_id),
              ),
              int(o.distinctSenders),
              int(o.observations),
              num(o.avgHops, 2),
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
