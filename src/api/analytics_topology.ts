/**
 * `/api/analytics/topology` in the reference's shape, over the best
 * observation of each selected transmission: hop-count distribution and
 * summary, top relays (exact resolved-hop index), most frequent adjacent hop
 * pairs (named when the prefix is unique), SNR by hop count, and per observer the hops it hears at each
 * distance ("rings"), hops heard by several observers, and the closest
 * observer of each hop.
 *
 * @module
 */

import { roleCanRelay } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { scan, windowFilter, type WindowValues } from "./analytics_common.ts";
import { HopNamer } from "./hop_names.ts";
import { activeSince, visible } from "./node_lookup.ts";

type Named = { name: string | null; pubkey: string | null };

/** The `/api/analytics/topology` answer. */
export interface TopologyAnalytics {
  uniqueNodes: number;
  avgHops: number;
  medianHops: number;
  maxHops: number;
  hopDistribution: { hops: number; count: number }[];
  topRepeaters: ({ hop: string; count: number } & Named)[];
  topPairs: {
    hopA: string;
    hopB: string;
    count: number;
    nameA: string | null;
    nameB: string | null;
    pubkeyA: string | null;
    pubkeyB: string | null;
  }[];
  hopsVsSnr: { hops: number; count: number; avgSnr: number }[];
  observers: { id: string; name: string }[];
  perObserverReach: Record<string, { observer_name: string; rings: unknown[] }>;
  multiObsNodes: ({ hop: string; observers: unknown[] } & Named)[];
  bestPathList: ({
    hop: string;
    minDist: number;
    observer_id: string;
    observer_name: string;
  } & Named)[];
}

interface Reach {
  min: number;
  max: number;
  count: number;
}

/**
 * The 20 nodes relaying the most selected transmissions, from the exact
 * resolved-hop membership index (every observation counts, not only the
 * best one); `hop` is the key's first byte as it appears in 1-byte paths.
 */
function exactRelays(ctx: ApiContext, p: WindowValues): TopologyAnalytics["topRepeaters"] {
  const { area, ...filter } = windowFilter(ctx, p, "relay");
  const everything = filter.sinceMs === undefined && filter.untilMs === undefined &&
    !filter.iatas;
  const out: TopologyAnalytics["topRepeaters"] = [];
  for (const n of ctx.nodes.values()) {
    if (!roleCanRelay(n.role) && !n.canRelay) continue;
    // With an area, only its nodes (each counts every selected transmission it relayed).
    if (area && !area.nodes.has(n.id)) continue;
    // No selection: the membership list's size is the count.
    const count = everything ? ctx.store.idx.relay[n.id]?.size ?? 0 : ctx.store.listTransmissionIds(
      { ...filter, nodeId: n.id, nodeRoles: ["relay"] },
      { limit: 0 },
    ).total;
    if (count > 0) {
      out.push({
        hop: n.publicKey.slice(0, 2).toUpperCase(),
        count,
        name: n.name,
        pubkey: n.publicKey,
      });
    }
  }
  return out.sort((a, b) => b.count - a.count || (a.pubkey! < b.pubkey! ? -1 : 1)).slice(0, 20);
}

/** Computes the topology analytics of a window selection. */
export function computeTopology(ctx: ApiContext, p: WindowValues): TopologyAnalytics {
  const namer = new HopNamer(ctx);
  const hopCounts = new Map<number, number>();
  const all: number[] = [];
  const hopSnr = new Map<number, { n: number; sum: number }>();
  const pairFreq = new Map<string, number>();
  const obsNames = new Map<string, string>();
  const perObs = new Map<string, Map<string, Reach>>();
  const filter = windowFilter(ctx, p, "relay");
  // With an area: transmissions relayed by one of its nodes (resolved-hop index);
  // only hops naming one of its nodes count in the hop and pair tables.
  const inArea = areaHopTest(namer, filter.area?.nodes);
  scan(ctx, filter, false, (tx) => {
    const best = tx.best;
    const hops = best?.hops ?? [];
    if (!best || hops.length === 0) return;
    const n = hops.length;
    hopCounts.set(n, (hopCounts.get(n) ?? 0) + 1);
    all.push(n);
    if (best.snr !== null) {
      const e = hopSnr.get(n) ?? { n: 0, sum: 0 };
      e.n++;
      e.sum += best.snr;
      hopSnr.set(n, e);
    }
    for (let i = 0; i + 1 < n; i++) {
      if (!inArea(hops[i]) || !inArea(hops[i + 1])) continue;
      const [a, b] = hops[i] < hops[i + 1] ? [hops[i], hops[i + 1]] : [hops[i + 1], hops[i]];
      const k = `${a}|${b}`;
      pairFreq.set(k, (pairFreq.get(k) ?? 0) + 1);
    }
    const oid = best.observerId ?? "";
    if (oid) obsNames.set(oid, best.observerName ?? oid);
    let m = perObs.get(oid);
    if (!m) perObs.set(oid, m = new Map());
    hops.forEach((h, i) => {
      if (!inArea(h)) return;
      const dist = n - i;
      const r = m.get(h);
      if (!r) m.set(h, { min: dist, max: dist, count: 1 });
      else {
        if (dist < r.min) r.min = dist;
        if (dist > r.max) r.max = dist;
        r.count++;
      }
    });
  });
  all.sort((a, b) => a - b);
  const top = <K>(m: Map<K, number>, k: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  const obsName = (id: string) => obsNames.get(id) || id;
  const perObserverReach: TopologyAnalytics["perObserverReach"] = {};
  const cross = new Map<
    string,
    { observer_id: string; observer_name: string; minDist: number; count: number }[]
  >();
  const bestPath = new Map<
    string,
    { minDist: number; observer_id: string; observer_name: string }
  >();
  for (const [oid, m] of perObs) {
    const rings = new Map<number, unknown[]>();
    for (const [hop, r] of [...m.entries()].sort((a, b) => b[1].count - a[1].count)) {
      const name = obsName(oid);
      const list = cross.get(hop) ?? [];
      list.push({ observer_id: oid, observer_name: name, minDist: r.min, count: r.count });
      cross.set(hop, list);
      const bp = bestPath.get(hop);
      if (!bp || r.min < bp.minDist) {
        bestPath.set(hop, { minDist: r.min, observer_id: oid, observer_name: name });
      }
      if (r.min > 15) continue;
      const ring = rings.get(r.min) ?? [];
      ring.push({
        hop,
        ...namer.named(hop),
        count: r.count,
        distRange: r.min !== r.max ? `${r.min}-${r.max}` : null,
      });
      rings.set(r.min, ring);
    }
    perObserverReach[oid] = {
      observer_name: obsName(oid),
      rings: [...rings.entries()].sort((a, b) => a[0] - b[0]).map(([hops, nodes]) => ({
        hops,
        nodes,
      })),
    };
  }
  return {
    uniqueNodes: activeNodeCount(ctx),
    avgHops: all.length ? all.reduce((a, b) => a + b, 0) / all.length : 0,
    medianHops: all.length ? all[all.length >> 1] : 0,
    maxHops: all.length ? all[all.length - 1] : 0,
    hopDistribution: [...hopCounts.entries()].filter(([h]) => h <= 25).sort((a, b) => a[0] - b[0])
      .map(([hops, count]) => ({ hops, count })),
    topRepeaters: exactRelays(ctx, p),
    topPairs: top(pairFreq, 15).map(([k, count]) => {
      const [hopA, hopB] = k.split("|");
      const a = namer.named(hopA);
      const b = namer.named(hopB);
      return {
        hopA,
        hopB,
        count,
        nameA: a.name,
        nameB: b.name,
        pubkeyA: a.pubkey,
        pubkeyB: b.pubkey,
      };
    }),
    hopsVsSnr: [...hopSnr.entries()].filter(([h]) => h <= 20).sort((a, b) => a[0] - b[0])
      .map(([hops, e]) => ({ hops, count: e.n, avgSnr: e.sum / e.n })),
    observers: [...obsNames.entries()].map(([id, name]) => ({ id, name: name || id })),
    perObserverReach,
    multiObsNodes: [...cross.entries()].filter(([, l]) => l.length > 1)
      .sort((a, b) => b[1].length - a[1].length).slice(0, 50)
      .map(([hop, l]) => ({
        hop,
        ...namer.named(hop),
        observers: l.sort((a, b) => a.minDist - b.minDist),
      })),
    bestPathList: [...bestPath.entries()].sort((a, b) => a[1].minDist - b[1].minDist).slice(0, 50)
      .map(([hop, bp]) => ({ hop, ...namer.named(hop), ...bp })),
  };
}

/**
 * Whether a path hop resolves (unique prefix) to a node of `area`; always true
 * without an area. (The namer memoises.)
 */
export function areaHopTest(
  namer: HopNamer,
  area: ReadonlySet<number> | undefined,
): (hop: string) => boolean {
  if (!area) return () => true;
  return (hop) => {
    const n = namer.node(hop);
    return !!n && area.has(n.id);
  };
}

/**
 * Nodes heard within `retention.nodeDays`, the figure `/api/stats` calls
 * `totalNodes` (the reference's `uniqueNodes` is that same count).
 */
function activeNodeCount(ctx: ApiContext): number {
  const since = activeSince(ctx);
  let n = 0;
  for (const node of ctx.nodes.values()) if (visible(ctx, node) && node.lastSeenMs >= since) n++;
  return n;
}
