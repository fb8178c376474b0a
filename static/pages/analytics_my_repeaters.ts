/**
 * Analytics "My repeaters" tab: the repeaters and rooms marked as mine
 * (favourites), with state, adverts and how much they relayed
 * (`/api/analytics/topology` top relays).
 *
 * @module
 */

import { tryJson } from "../lib/api.ts";
import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { empty, h, link, table } from "../lib/dom.ts";
import { ago, int, liveness, shortKey } from "../lib/format.ts";
import { myNodes } from "../lib/favourites.ts";
import { allNodes, nodeLabel } from "../lib/node_names.ts";
import { lastHeard, thresholds } from "./nodes.ts";

const STATE = { ok: "active", warn: "degraded", dead: "silent" };

/** The tab. */
export const myRepeatersTab: AnalyticsTab = {
  key: "mine",
  label: "My repeaters",
  async render(body) {
    const mine = myNodes();
    const nodes = (await allNodes()).filter((n) =>
      mine.has(n.public_key.toLowerCase()) && (n.role === "repeater" || n.role === "room")
    );
    if (!nodes.length) {
      body.replaceChildren(
        empty(
          mine.size
            ? "None of your nodes is a repeater or room."
            : "No node is marked as mine yet: open a node and press “☆ Mark as mine”.",
        ),
        h("p", null, link("#/nodes?role=repeater", "Browse repeaters")),
      );
      return;
    }
    const topo = await tryJson<{ topRepeaters?: { pubkey: string | null; count: number }[] }>(
      "/api/analytics/topology",
    );
    const relayed = new Map(
      (topo?.topRepeaters ?? []).filter((r) => r.pubkey).map((
        r,
      ) => [r.pubkey!.toLowerCase(), r.count]),
    );
    body.replaceChildren(
      panel(
        `My repeaters (${nodes.length})`,
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
