/**
 * Analytics "Distance" tab: link and path distances from resolved hops between
 * positioned nodes (`/api/analytics/distance`): summary with how many links it
 * rests on, per-category statistics, the distance histogram, longest links
 * and longest fully-evidenced paths; the page's shared area selector applies.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { empty, h, kv, link, replace, table } from "../lib/dom.ts";
import { chart } from "../lib/charts.ts";
import { dateTime, int, num, shortKey } from "../lib/format.ts";
import type { AnalyticsTab } from "../lib/analytics_tab.ts";

interface Hop {
  fromName: string;
  fromPk: string;
  toName: string;
  toPk: string;
  dist: number;
  type?: string;
  obsCount?: number;
  timestamp?: string;
}
interface DistanceReply {
  summary: {
    totalHops: number;
    totalPaths: number;
    avgDist: number;
    maxDist: number;
    skippedHops?: number;
    implausibleHops?: number;
  };
  topHops: Hop[];
  topPaths: { hash: string; totalDist: number; hopCount: number; timestamp: string; hops: Hop[] }[];
  catStats: Record<
    string,
    { count: number; avg: number; median: number; min: number; max: number }
  >;
  distHistogram: { bins: { x: number; w: number; count: number }[] } | null;
}

const nodeLink = (pk: string, name: string) =>
  link(`#/nodes/${encodeURIComponent(pk)}`, name || shortKey(pk));

/** Renders the Distance tab into `body`; returns chart disposers. */
async function renderDistance(
  body: HTMLElement,
  win: string,
  area: string | undefined,
): Promise<(() => void)[]> {
  const d = await getJson<DistanceReply>(
    "/api/analytics/distance" + qs({ window: win || undefined, area }),
  );
  const s = d.summary;
  const hist = h("div", { class: "chart" });
  replace(
    body,
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Link distances"),
      kv([
        ["Links measured", int(s.totalHops)],
        ["Hop pairs without evidence (unresolved or unpositioned)", int(s.skippedHops ?? 0)],
        ["Links over 300 km left out (implausible)", int(s.implausibleHops ?? 0)],
        ["Fully measured paths", int(s.totalPaths)],
        ["Average link", `${num(s.avgDist, 2)} km`],
        ["Longest link", `${num(s.maxDist, 2)} km`],
      ]),
      table(
        ["Category", "Links", "Avg km", "Median km", "Max km"],
        Object.entries(d.catStats).map((
          [k, c],
        ) => [k, int(c.count), num(c.avg, 2), num(c.median, 2), num(c.max, 2)]),
      ),
    ),
    h("div", { class: "panel" }, h("h3", null, "Distance histogram (links)"), hist),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Longest links"),
      d.topHops.length
        ? table(
          ["From", "To", "km", "Type", "Seen", "Last"],
          d.topHops.map((x) => [
            nodeLink(x.fromPk, x.fromName),
            nodeLink(x.toPk, x.toName),
            num(x.dist, 2),
            x.type ?? "",
            int(x.obsCount ?? 0),
            dateTime(x.timestamp),
          ]),
        )
        : empty("No link between two positioned, resolved nodes."),
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Longest paths"),
      d.topPaths.length
        ? table(
          ["Packet", "Hops", "Total km", "Route"],
          d.topPaths.map((p) => [
            link(`#/packets?sel=${encodeURIComponent(p.hash)}`, p.hash.slice(0, 8)),
            int(p.hopCount),
            num(p.totalDist, 2),
            p.hops.map((x, i) => (i === 0
              ? [x.fromName || shortKey(x.fromPk), " → ", x.toName || shortKey(x.toPk)]
              : [" → ", x.toName || shortKey(x.toPk)])
            ),
          ]),
        )
        : empty("No fully evidenced path."),
    ),
  );
  const bins = d.distHistogram?.bins ?? [];
  return [
    await chart(hist, bins.map((b) => b.x), [{
      label: "links",
      color: "#2f81f7",
      values: bins.map((b) => b.count),
    }], {
      bars: true,
    }),
  ];
}

/** The "Distance" tab (window and the page's area). */
export const distanceTab: AnalyticsTab = {
  key: "distance",
  label: "Distance",
  area: true,
  render: (body, ctx) => renderDistance(body, ctx.win, ctx.area),
};
