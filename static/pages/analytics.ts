/**
 * `#/analytics`: packets over time by type, SNR/RSSI and hop-count
 * distributions, top sub-paths, hash-size use and a prefix-collision table.
 *
 * @module
 */

import { getJson, qs, supports } from "../lib/api.ts";
import { empty, errorBox, h, link, loading, replace, table, tabs } from "../lib/dom.ts";
import { chart, histogram, PALETTE, TYPE_COLORS } from "../lib/charts.ts";
import { hopsOf, int, typeName, WINDOWS, windowSince } from "../lib/format.ts";
import { allNodes } from "../lib/node_names.ts";
import type { PacketRow } from "../lib/packet_source.ts";
import { buildHash, queryObject, type RouteCtx } from "../lib/router.ts";
import type { AnalyticsTab } from "../lib/analytics_tab.ts";
import { topologyTab } from "./analytics_topology.ts";
import { channelsTab } from "./analytics_channels.ts";
import { nodesTab } from "./analytics_nodes.ts";
import { myRepeatersTab } from "./analytics_my_repeaters.ts";
import { neighborGraphTab } from "./analytics_neighbor_graph.ts";
import { rolesTab } from "./analytics_roles.ts";
import { prefixToolTab } from "./analytics_prefix_tool.ts";
import { distanceTab } from "./analytics_distance.ts";
import { scopesTab } from "./analytics_scopes.ts";
import { rfHealthTab } from "./analytics_rf_health.ts";
import { clockHealthTab } from "./analytics_clock_health.ts";
import { analyticsAreaControl, BUILTIN_AREA_TABS, knownArea } from "../lib/analytics_area.ts";
import { areaHashes, areaOverview, areaRf } from "./analytics_area_builtin.ts";
import { nodeHashFacts } from "../lib/hash_facts.ts";

/** Tabs defined in their own modules, after the built-in ones (one line each). */
const TABS: AnalyticsTab[] = [
  topologyTab,
  channelsTab,
  nodesTab,
  myRepeatersTab,
  distanceTab,
  neighborGraphTab,
  rfHealthTab,
  clockHealthTab,
  rolesTab,
  scopesTab,
  prefixToolTab,
];

type Dispose = () => void;

function panel(title: string, ...body: (Node | string | null)[]): HTMLElement {
  return h("div", { class: "panel" }, h("h3", null, title), ...body);
}

/** Hash size (bytes per hop) from a raw packet's path byte, or 0. */
export function pathHashSize(raw: string | undefined): number {
  if (!raw || raw.length < 4) return 0;
  const route = parseInt(raw.slice(0, 2), 16) & 3;
  const at = route === 0 || route === 3 ? 5 : 1;
  const b = parseInt(raw.slice(at * 2, at * 2 + 2), 16);
  if (!Number.isFinite(b) || (b & 0x3f) === 0) return 0;
  return (b >> 6) + 1;
}

async function overview(body: HTMLElement, rows: PacketRow[], win: string): Promise<Dispose[]> {
  const times = rows.map((r) => Date.parse(r.first_seen)).filter(Number.isFinite);
  const span = times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
  const bucket = win === "1h" || span <= 3 * 3600 ? 300 : span <= 3 * 86400 ? 3600 : 6 * 3600;
  const byType = new Map<number, Map<number, number>>();
  const xs = new Set<number>();
  for (const r of rows) {
    const t = Math.floor(Date.parse(r.first_seen) / 1000 / bucket) * bucket;
    if (!Number.isFinite(t)) continue;
    xs.add(t);
    let m = byType.get(r.payload_type);
    if (!m) byType.set(r.payload_type, m = new Map());
    m.set(t, (m.get(t) ?? 0) + 1);
  }
  const x = [...xs].sort((a, b) => a - b);
  const types = [...byType.entries()].sort((a, b) => b[1].size - a[1].size);
  const hops = histogram(rows.map((r) => hopsOf(r.path_json).length), 1);
  const c1 = h("div", { class: "chart" });
  const c2 = h("div", { class: "chart" });
  replace(
    body,
    panel(`Packets over time by type (${int(rows.length)} packets)`, c1),
    panel("Hop-count distribution", c2),
  );
  return [
    await chart(
      c1,
      x,
      types.map(([t, m], i) => ({
        label: typeName(t),
        color: TYPE_COLORS[t] ?? PALETTE[i % PALETTE.length],
        values: x.map((v) => m.get(v) ?? 0),
      })),
      { time: true },
    ),
    await chart(c2, hops.x, [{ label: "packets", color: "#2f81f7", values: hops.counts }], {
      bars: true,
    }),
  ];
}

async function rf(body: HTMLElement, rows: PacketRow[]): Promise<Dispose[]> {
  const snr = rows.map((r) => r.snr).filter((v): v is number => typeof v === "number");
  const rssi = rows.map((r) => r.rssi).filter((v): v is number => typeof v === "number");
  const hs = histogram(snr, 1);
  const hr = histogram(rssi, 5);
  const c1 = h("div", { class: "chart" });
  const c2 = h("div", { class: "chart" });
  replace(
    body,
    panel(`SNR distribution (dB, ${int(snr.length)} samples)`, c1),
    panel(`RSSI distribution (dBm, ${int(rssi.length)} samples)`, c2),
  );
  return [
    await chart(c1, hs.x, [{ label: "SNR", color: "#1a9b4b", values: hs.counts }], { bars: true }),
    await chart(c2, hr.x, [{ label: "RSSI", color: "#8250df", values: hr.counts }], { bars: true }),
  ];
}

async function subpaths(body: HTMLElement, win: string) {
  if (!(await supports("/api/analytics/subpaths"))) {
    return replace(body, empty("This server does not compute sub-paths yet."));
  }
  const r = await getJson<{ subpaths: Record<string, unknown>[]; totalPaths: number }>(
    "/api/analytics/subpaths" + qs({ minLen: 2, maxLen: 5, limit: 50, window: win || undefined }),
  );
  const list = r.subpaths ?? [];
  replace(
    body,
    panel(
      `Top sub-paths (${int(r.totalPaths)} paths)`,
      list.length
        ? table(
          ["Sub-path", "Names", "Count"],
          list.map((s) => {
            const path = Array.isArray(s.path)
              ? s.path.join(" › ")
              : Array.isArray(s.hops)
              ? s.hops.join(" › ")
              : String(s.path ?? s.key ?? "");
            const names = Array.isArray(s.names)
              ? s.names.map((n) => n ?? "?").join(" › ")
              : String(s.rawHops ?? "");
            return [h("code", null, path), names, int(s.count)];
          }),
        )
        : empty("No sub-paths yet."),
    ),
  );
}

async function hashes(body: HTMLElement, rows: PacketRow[]): Promise<Dispose[]> {
  const nodes = await allNodes();
  const pktSizes = new Map<number, number>();
  for (const r of rows) {
    const s = pathHashSize(r.raw_hex);
    if (s) pktSizes.set(s, (pktSizes.get(s) ?? 0) + 1);
  }
  const { nodeSizes, infra, shared: coll } = nodeHashFacts(nodes);
  const two = new Set<string>();
  const dup2 = new Set<string>();
  for (const n of infra) {
    const p = n.public_key.slice(0, 4);
    if (two.has(p)) dup2.add(p);
    two.add(p);
  }
  const sizes = [1, 2, 3];
  replace(
    body,
    h(
      "div",
      { class: "grid2" },
      panel(
        "Hash size in packet paths",
        table(["Bytes per hop", "Packets"], sizes.map((s) => [`${s}`, int(pktSizes.get(s) ?? 0)])),
      ),
      panel(
        "Hash size advertised by nodes",
        table(["Bytes", "Nodes"], sizes.map((s) => [`${s}`, int(nodeSizes.get(s) ?? 0)])),
      ),
    ),
    panel(
      `1-byte prefix collisions among ${
        int(infra.length)
      } repeaters/rooms: ${coll.length} prefixes shared (${dup2.size} 2-byte collisions)`,
      coll.length
        ? table(
          ["Prefix", "Nodes", "Names"],
          coll.map(([p, v]) => [
            h("code", null, p),
            String(v.length),
            v.map((
              n,
              i,
            ) => [
              i ? ", " : "",
              link(
                `#/nodes/${encodeURIComponent(n.public_key)}`,
                n.name || n.public_key.slice(0, 8),
              ),
            ]),
          ]),
        )
        : empty("No collisions."),
    ),
  );
  return [];
}

/** Mounts the analytics page. */
export function analyticsPage(el: HTMLElement, ctx: RouteCtx) {
  let q = queryObject(ctx.query);
  let disposers: Dispose[] = [];
  let sample: { win: string; rows: Promise<PacketRow[]> } | null = null;
  const bar = h("div");
  const body = h("div");
  el.append(h("h2", null, "Analytics"), bar, body);

  const rowsFor = (win: string) => {
    if (!sample || sample.win !== win) {
      sample = {
        win,
        rows: getJson<{ packets: PacketRow[] }>(
          "/api/packets" + qs({ limit: 10000, since: windowSince(win) }),
        ).then((r) => r.packets ?? []),
      };
    }
    return sample.rows;
  };

  let shown = 0;
  /**
   * Draws the selected tab. Each call renders into its own element: when the
   * user switches again before an older render's requests return, the older
   * one finishes into a detached element and its disposers run at once.
   */
  async function show() {
    for (const d of disposers) d();
    disposers = [];
    const mine = ++shown;
    const out = h("div");
    let made: Dispose[] = [];
    const tab = q.tab ?? "overview";
    const win = q.window ?? "";
    const mod = TABS.find((t) => t.key === tab);
    const area = q.area ?? "";
    const aware = mod ? !!mod.area : BUILTIN_AREA_TABS.has(tab);
    replace(
      bar,
      tabs(
        [["overview", "Overview"], ["rf", "SNR / RSSI"], ["subpaths", "Sub-paths"], [
          "hashes",
          "Hash sizes & collisions",
        ], ...TABS.map((t): [string, string] => [t.key, t.label])],
        tab,
        (k) => buildHash("/analytics", { ...q, tab: k }),
      ),
      h(
        "div",
        { class: "toolbar" },
        "Window: ",
        h(
          "span",
          { class: "seg" },
          WINDOWS.map(([k, label]) =>
            h("a", {
              href: buildHash("/analytics", { ...q, window: k || undefined }),
              class: k === win ? "on" : "",
            }, k ? label : area && aware ? "All" : "Latest 10k")
          ),
        ),
        analyticsAreaControl(q, aware),
      ),
    );
    replace(body, out);
    replace(out, loading("Computing"));
    try {
      if (aware && !(await knownArea(area))) {
        return replace(out, empty(`No area "${area}" is configured: choose one above.`));
      }
      if (mod) {
        made = (await mod.render(out, {
          win,
          since: windowSince(win),
          rows: () => rowsFor(win),
          query: q,
          area: aware && area ? area : undefined,
        })) ?? [];
      } else if (tab === "subpaths") await subpaths(out, win);
      else if (area) {
        const f = tab === "rf" ? areaRf : tab === "hashes" ? areaHashes : areaOverview;
        made = await f(out, area, win);
      } else {
        const rows = await rowsFor(win);
        if (tab === "rf") made = await rf(out, rows);
        else if (tab === "hashes") made = await hashes(out, rows);
        else made = await overview(out, rows, win);
      }
    } catch (e) {
      replace(out, errorBox(e));
    }
    if (mine === shown) disposers = made;
    else for (const d of made) d();
  }
  show();
  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      show();
    },
    destroy() {
      for (const d of disposers) d();
    },
  };
}
