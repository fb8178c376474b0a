/**
 * The Analytics page's built-in tabs (Overview, SNR / RSSI, Hash sizes &
 * collisions) while an area is selected. Without an area they count a packet
 * sample (`/api/packets`), but `/api/packets?area=` keeps only the area's
 * ADVERTs (the list rule), so here they read the server's area-filtered
 * analytics instead and say which rule each figure follows:
 *
 * - `/api/analytics/rf?area=`: transmissions sent from the area (ADVERTs whose
 *   originator is positioned inside it) — packets per hour, payload types,
 *   SNR and RSSI over their observations;
 * - `/api/analytics/topology?area=`: transmissions relayed by a node of the
 *   area (resolved hops) — hop counts;
 * - `/api/analytics/hash-sizes?area=`: path hash sizes of the area's ADVERTs
 *   and of the packets whose originator is unknown (every non-ADVERT);
 * - `/api/analytics/hash-collisions?area=` and `/api/nodes?area=`: the nodes
 *   positioned inside the area.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { areaNodes } from "../lib/area_filter.ts";
import { panel } from "../lib/analytics_tab.ts";
import { chart } from "../lib/charts.ts";
import { empty, h, kv, link, replace, table } from "../lib/dom.ts";
import { int, num } from "../lib/format.ts";
import { hopPairs, type Topology } from "./analytics_topology.ts";
import { nodeHashFacts } from "../lib/hash_facts.ts";

type Dispose = () => void;

interface Bins {
  bins: { x: number; w: number; count: number }[];
}
interface Five {
  min: number;
  max: number;
  avg: number;
  median: number;
}
/** The part of `/api/analytics/rf` these views read. */
interface RfReply {
  totalPackets: number;
  totalAllPackets: number;
  totalTransmissions: number;
  snr: Five;
  rssi: Five;
  snrValues: Bins;
  rssiValues: Bins;
  packetsPerHour: { hour: string; count: number }[];
  payloadTypes: { type: number; name: string; count: number }[];
}
interface CollisionSize {
  stats?: { nodes_for_byte?: number };
  collisions?: { prefix: string; appearances: number; classification: string }[];
}

const sum = (b: Bins) => b.bins.reduce((a, x) => a + x.count, 0);

function binChart(el: HTMLElement, b: Bins, label: string, color: string): Promise<Dispose> {
  return chart(el, b.bins.map((x) => Math.round(x.x * 10) / 10), [{
    label,
    color,
    values: b.bins.map((x) => x.count),
  }], { bars: true });
}

/**
 * Hourly counts (`YYYY-MM-DDTHH` keys) summed into hours, days or weeks so a
 * long span still draws visible bars; x in unix seconds.
 */
export function overTime(
  perHour: { hour: string; count: number }[],
): { x: number[]; counts: number[]; unit: string } {
  const pts = perHour.map((p) => [Date.parse(p.hour + ":00:00Z") / 1000, p.count])
    .filter(([t]) => Number.isFinite(t));
  const span = pts.length ? pts[pts.length - 1][0] - pts[0][0] : 0;
  const [size, unit] = span <= 3 * 86400
    ? [3600, "hour"]
    : span <= 90 * 86400
    ? [86400, "day"]
    : [7 * 86400, "week"];
  const m = new Map<number, number>();
  for (const [t, c] of pts) {
    const b = Math.floor(t / size) * size;
    m.set(b, (m.get(b) ?? 0) + c);
  }
  const x = [...m.keys()].sort((a, b) => a - b);
  return { x, counts: x.map((t) => m.get(t)!), unit };
}

/** Overview for area `area`: packets per hour and payload types sent from it, hop counts. */
export async function areaOverview(body: HTMLElement, area: string, win: string) {
  const sel = qs({ area, window: win || undefined });
  const [rf, topo] = await Promise.all([
    getJson<RfReply>("/api/analytics/rf" + sel),
    getJson<Topology>("/api/analytics/topology" + sel),
  ]);
  const perBucket = overTime(rf.packetsPerHour);
  const hops = hopPairs(topo.hopDistribution);
  const c1 = h("div", { class: "chart" });
  const c2 = h("div", { class: "chart" });
  replace(
    body,
    panel(
      `Packets sent from the area over time (${int(rf.totalTransmissions)} transmissions)`,
      h(
        "p",
        { class: "mut" },
        `ADVERTs whose originator is positioned inside the area, per ${perBucket.unit}.`,
      ),
      c1,
    ),
    h(
      "div",
      { class: "grid2" },
      panel(
        "Payload types sent from the area",
        rf.payloadTypes.length
          ? table(["Type", "Transmissions"], rf.payloadTypes.map((t) => [t.name, int(t.count)]))
          : empty("No packet from this area."),
      ),
      panel(
        `Hop-count distribution (${int(hops.reduce((a, [, v]) => a + v, 0))} packets relayed ` +
          "by the area's nodes)",
        c2,
      ),
    ),
  );
  return [
    await chart(c1, perBucket.x, [{
      label: "transmissions",
      color: "#2f81f7",
      values: perBucket.counts,
    }], { time: true, bars: true }),
    await chart(c2, hops.map(([k]) => k), [{
      label: "packets",
      color: "#2f81f7",
      values: hops.map(([, v]) => v),
    }], { bars: true }),
  ];
}

/** SNR / RSSI for area `area`: the observations of the packets sent from it. */
export async function areaRf(body: HTMLElement, area: string, win: string) {
  const rf = await getJson<RfReply>(
    "/api/analytics/rf" + qs({ area, window: win || undefined }),
  );
  const c1 = h("div", { class: "chart" });
  const c2 = h("div", { class: "chart" });
  const stats = (f: Five, unit: string) =>
    `${num(f.min, 1)} … ${num(f.max, 1)} ${unit} (median ${num(f.median, 1)})`;
  replace(
    body,
    panel(
      "Signal of the packets sent from the area",
      kv([
        ["Transmissions", int(rf.totalTransmissions)],
        ["Observations", int(rf.totalAllPackets)],
        ["SNR", sum(rf.snrValues) ? stats(rf.snr, "dB") : "—"],
        ["RSSI", sum(rf.rssiValues) ? stats(rf.rssi, "dBm") : "—"],
      ]),
    ),
    panel(`SNR distribution (dB, ${int(sum(rf.snrValues))} samples)`, c1),
    panel(`RSSI distribution (dBm, ${int(sum(rf.rssiValues))} samples)`, c2),
  );
  return [
    await binChart(c1, rf.snrValues, "SNR", "#1a9b4b"),
    await binChart(c2, rf.rssiValues, "RSSI", "#8250df"),
  ];
}

/** Hash sizes and collisions for area `area`: its nodes, and paths of the packets it sent. */
export async function areaHashes(body: HTMLElement, area: string, win: string) {
  const [sizes, coll, nodes] = await Promise.all([
    getJson<{ total: number; distribution: Record<string, number> }>(
      "/api/analytics/hash-sizes" + qs({ area, window: win || undefined }),
    ),
    getJson<{ by_size: Record<string, CollisionSize> }>(
      "/api/analytics/hash-collisions" + qs({ area }),
    ),
    areaNodes(area),
  ]);
  const { nodeSizes, infra, shared } = nodeHashFacts(nodes);
  const bytes = [1, 2, 3];
  replace(
    body,
    h(
      "div",
      { class: "grid2" },
      panel(
        `Hash size in packet paths (${int(sizes.total)} packets with hops)`,
        h("p", { class: "mut" }, "ADVERTs from the area, and packets whose sender is unknown."),
        table(["Bytes per hop", "Packets"], bytes.map((s) => [`${s}`, int(sizes.distribution[s])])),
      ),
      panel(
        `Hash size advertised by the area's ${int(nodes.length)} nodes`,
        table(["Bytes", "Nodes"], bytes.map((s) => [`${s}`, int(nodeSizes.get(s) ?? 0)])),
      ),
    ),
    panel(
      `Repeaters colliding at the hash size they use`,
      table(
        ["Hash size", "Repeaters using it", "Prefixes shared"],
        bytes.map((s) => {
          const b = coll.by_size?.[s];
          return [`${s} byte`, int(b?.stats?.nodes_for_byte ?? 0), int(b?.collisions?.length ?? 0)];
        }),
      ),
    ),
    panel(
      `1-byte prefix collisions among the area's ${int(infra.length)} repeaters/rooms: ` +
        `${shared.length} prefixes shared`,
      shared.length
        ? table(
          ["Prefix", "Nodes", "Names"],
          shared.map(([p, v]) => [
            h("code", null, p),
            String(v.length),
            v.map((n, i) => [
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
  return [] as Dispose[];
}
