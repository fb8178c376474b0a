/**
 * Analytics "My repeaters" tab: the repeaters and rooms marked as mine
 * (favourites), with state, adverts and how much they relayed
 * (`/api/analytics/topology` top relays); with an area, those positioned
 * inside it, saying how many of mine it leaves out.
 *
 * @module
 */

import { qs, tryJson } from "../lib/api.ts";
import { areaNodes } from "../lib/area_filter.ts";
import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { empty, h, link, table } from "../lib/dom.ts";
import { ago, int, liveness, shortKey } from "../lib/format.ts";
import { myNodes } from "../lib/favourites.ts";
import { allNodes, nodeLabel, type NodeLite } from "../lib/node_names.ts";
import { lastHeard, thresholds } from "./nodes.ts";

const STATE = { ok: "active", warn: "degraded", dead: "silent" };

/** The tab. */
export const myRepeatersTab: AnalyticsTab = {
  key: "mine",
  label: "My repeaters",
  area: true,
  async render(body, ctx) {
    const mine = myNodes();
    const isMine = (n: NodeLite) =>
      mine.has(n.public_key.toLowerCase()) && (n.role === "repeater" || n.role === "room");
    const nodes = (ctx.area ? await areaNodes(ctx.area) : await allNodes()).filter(isMine);
    const outside = ctx.area ? (await allNodes()).filter(isMine).length - nodes.length : 0;
    const note = outside > 0
      ? h("p", { class: "mut" }, `${outside} of your repeaters/rooms lie outside the area.`)
      : null;
    if (!nodes.length) {
      body.replaceChildren(
        empty(
          mine.size
            ? `None of your nodes is a repeater or room${ctx.area ? " in this area" : ""}.`
            : "No node is marked as mine yet: open a node and press “☆ Mark as mine”.",
        ),
        h("p", null, link("#/nodes?role=repeater", "Browse repeaters")),
        ...(note ? [note] : []),
      );
      return;
    }
    const topo = await tryJson<{ topRepeaters?: { pubkey: string | null; count: number }[] }>(
      "/api/analytics/topology" + qs({ area: ctx.area }),
    );
    const relayed = new Map(
      (topo?.topRepeaters ?? []).filter((r) => r.pubkey).map((
        r,
      ) => [r.pubkey!.toLowerCase(), r.count]),
    );
    body.replaceChildren(
      panel(
        `My repeaters (${nodes.length})`,
        note,
        table(
          ["Node", "Key", "State", "Last heard", "Adverts", "Relayed (top 20 only)"],
          nodes.map((n) => {
            const st = liveness(lastHeard(n), ...thresholds(n.role));
            return [
              link(`#/nodes/${encodeURIComponent(n.public_key)}`, nodeLabel(n)),
              h("code", null, shortKey(n.public_key)),
              h("span", { class: "st-" + st }, STATE[st]),
              ago(lastHeard(n)),
              int(n.advert_count),
              relayed.has(n.public_key.toLowerCase())
                ? int(relayed.get(n.public_key.toLowerCase()))
                : "—",
            ];
          }),
        ),
      ),
    );
  },
};
