/**
 * Analytics "Roles" tab: nodes per role with clock-skew health
 * (`/api/analytics/roles`), or plain role counts from the node directory when
 * the server does not offer that endpoint.
 *
 * @module
 */

import { getJson, qs, supports } from "../lib/api.ts";
import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { empty, link, table } from "../lib/dom.ts";
import { int, num } from "../lib/format.ts";
import { allNodes } from "../lib/node_names.ts";

interface RoleStats {
  role: string;
  nodeCount: number;
  withSkew?: number;
  meanAbsSkewSec?: number;
  medianAbsSkewSec?: number;
  okCount?: number;
  warningCount?: number;
  criticalCount?: number;
  absurdCount?: number;
  noClockCount?: number;
}

const roleLink = (r: string) => link(`#/nodes?role=${encodeURIComponent(r)}`, r || "(none)");

/** The tab. */
export const rolesTab: AnalyticsTab = {
  key: "roles",
  label: "Roles",
  async render(body, ctx) {
    if (await supports("/api/analytics/roles")) {
      const r = await getJson<{ totalNodes: number; roles: RoleStats[] }>(
        "/api/analytics/roles" + qs({ window: ctx.win || undefined }),
      );
      const roles = r.roles ?? [];
      body.replaceChildren(panel(
        `Roles (${int(r.totalNodes)} nodes)`,
        roles.length
          ? table(
            [
              "Role",
              "Nodes",
              "With clock",
              "Mean |skew| s",
              "Median |skew| s",
              "OK",
              "Warning",
              "Critical",
              "Absurd",
              "No clock",
            ],
            roles.map((x) => [
              roleLink(x.role),
              int(x.nodeCount),
              int(x.withSkew),
              num(x.meanAbsSkewSec, 1),
              num(x.medianAbsSkewSec, 1),
              int(x.okCount),
              int(x.warningCount),
              int(x.criticalCount),
              int(x.absurdCount),
              int(x.noClockCount),
            ]),
          )
          : empty("No nodes yet."),
      ));
      return;
    }
    const counts = new Map<string, number>();
    const nodes = await allNodes();
    for (const n of nodes) counts.set(n.role, (counts.get(n.role) ?? 0) + 1);
    body.replaceChildren(panel(
      `Roles (${int(nodes.length)} nodes)`,
      counts.size
        ? table(
          ["Role", "Nodes", "Share"],
          [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([r, c]) => [
            roleLink(r),
            int(c),
            `${num((c / nodes.length) * 100, 1)} %`,
          ]),
        )
        : empty("No nodes yet."),
    ));
  },
};
