/**
 * Analytics "Nodes" tab: nodes by role and state, the most frequent
 * advertisers and the newest nodes (from the node directory; with an area,
 * the nodes positioned inside it).
 *
 * @module
 */

import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { empty, h, link, table } from "../lib/dom.ts";
import { ago, dateTime, hasLoc, int, liveness, ROLES, toMs } from "../lib/format.ts";
import { allNodes, nodeLabel, type NodeLite } from "../lib/node_names.ts";
import { areaNodes } from "../lib/area_filter.ts";
import { lastHeard, thresholds } from "./nodes.ts";

/** Counts per role: total, active, degraded, silent, with a location. */
export function roleStates(nodes: NodeLite[]) {
  const out = new Map<
    string,
    { total: number; ok: number; warn: number; dead: number; loc: number }
  >();
  for (const n of nodes) {
    const r = out.get(n.role) ?? { total: 0, ok: 0, warn: 0, dead: 0, loc: 0 };
    r.total++;
    r[liveness(lastHeard(n), ...thresholds(n.role))]++;
    if (hasLoc(n.lat, n.lon)) r.loc++;
    out.set(n.role, r);
  }
  return out;
}

const nodeLink = (n: NodeLite) => link(`#/nodes/${encodeURIComponent(n.public_key)}`, nodeLabel(n));

/** The tab. */
export const nodesTab: AnalyticsTab = {
  key: "nodes",
  label: "Nodes",
  area: true,
  async render(body, ctx) {
    const nodes = ctx.area ? await areaNodes(ctx.area) : await allNodes();
    const states = roleStates(nodes);
    const roles = [...new Set([...ROLES, ...states.keys()])].filter((r) => states.has(r));
    const top = nodes.slice().sort((a, b) => (b.advert_count ?? 0) - (a.advert_count ?? 0)).slice(
      0,
      20,
    );
    const newest = nodes.slice().sort((a, b) => toMs(b.first_seen) - toMs(a.first_seen)).slice(
      0,
      20,
    );
    body.replaceChildren(
      panel(
        `Nodes by role and state (${int(nodes.length)} nodes${ctx.area ? " in the area" : ""})`,
        roles.length
          ? table(
            ["Role", "Total", "Active", "Degraded", "Silent", "With location"],
            roles.map((r) => {
              const s = states.get(r)!;
              return [
                link(`#/nodes?role=${encodeURIComponent(r)}`, r),
                int(s.total),
                int(s.ok),
                int(s.warn),
                int(s.dead),
                int(s.loc),
              ];
            }),
          )
          : empty("No nodes yet."),
      ),
      h(
        "div",
        { class: "grid2" },
        panel(
          "Most adverts",
          top.length
            ? table(
              ["Node", "Role", "Adverts", "Last heard"],
              top.map((n) => [
                nodeLink(n),
                n.role,
                int(n.advert_count),
                ago(lastHeard(n)),
              ]),
            )
            : empty("No nodes."),
        ),
        panel(
          "Newest nodes",
          newest.length
            ? table(
              ["Node", "Role", "First seen"],
              newest.map((n) => [nodeLink(n), n.role, dateTime(n.first_seen)]),
            )
            : empty("No nodes."),
        ),
      ),
    );
  },
};
