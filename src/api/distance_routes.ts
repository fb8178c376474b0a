/**
 * `GET /api/analytics/distance` in CoreScope's shape (summary, topHops,
 * topPaths, catStats, distHistogram, distOverTime), from evidence only: a link
 * is two consecutive hops of a resolved path (an ADVERT's originator counts as
 * the first) whose nodes are both known and positioned. An unresolved hop or a
 * node without a position contributes no link, and a path counts only when
 * every one of its links is evidenced. `summary.skippedHops` says how many hop
 * pairs had no evidence and `summary.implausibleHops` how many measured over
 * {@linkcode MAX_LINK_KM} (left out, as the reference does); every figure
 * carries the count of links behind it.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";
import {
  ANALYTICS_TTL_MS,
  scan,
  windowFilter,
  windowKey,
  windowParams,
} from "./analytics_common.ts";
import { areaNodeIds, areaParam, hasPosition, haversineKm } from "./geo_common.ts";
import { visible } from "./node_lookup.ts";
import type { NodeInfo } from "../store/node_directory.ts";

const r2 = (x: number) => Math.round(x * 100) / 100;
/** Links longer than this are implausible (a wrong position or resolution) and left out. */
export const MAX_LINK_KM = 300;
const RELAY = new Set(["repeater", "room", "room_server"]);

interface PairAgg {
  a: NodeInfo;
  b: NodeInfo;
  dist: number;
  snrs: number[];
  obs: number;
  hash: string;
  at: number;
}

function category(a: NodeInfo, b: NodeInfo): string {
  const ra = RELAY.has(a.role), rb = RELAY.has(b.role);
  return ra && rb ? "R↔R" : ra || rb ? "C↔R" : "C↔C";
}

function stats(values: number[]) {
  if (values.length === 0) return { count: 0, avg: 0, median: 0, min: 0, max: 0 };
  const s = values.slice().sort((x, y) => x - y);
  const sum = s.reduce((x, y) => x + y, 0);
  return {
    count: s.length,
    avg: r2(sum / s.length),
    median: r2(s[s.length >> 1]),
    min: r2(s[0]),
    max: r2(s[s.length - 1]),
  };
}

/** Computes the distance analytics (see the module doc). */
export function computeDistance(
  ctx: ApiContext,
  filter: Parameters<typeof scan>[1],
  area?: Set<number>,
) {
  const hops: { d: number; cat: string; hour: string }[] = [];
  const pairs = new Map<string, PairAgg>();
  const paths: { hash: string; total: number; at: number; hops: [NodeInfo, NodeInfo, number][] }[] =
    [];
  let skipped = 0;
  let implausible = 0;
  const txs: {
    hash: string;
    at: number;
    from: string | null;
    obsId: number;
    snr: number | null;
  }[] = [];
  scan(ctx, filter, false, (tx) => {
    if (tx.best && tx.best.hops.length > 0) {
      txs.push({
        hash: tx.hash,
        at: tx.firstSeenMs,
        from: tx.payloadType === 4 ? tx.fromPubkey : null,
        obsId: tx.best.id,
        snr: tx.best.snr,
      });
    }
  });
  const resolved = ctx.store.resolvedPathsFor(txs.map((t) => t.obsId));
  const node = (pk: string | null | undefined) => {
    if (!pk) return undefined;
    const n = ctx.nodes.byKey(pk);
    return n && visible(ctx, n) && hasPosition(n) ? n : undefined;
  };
  for (const t of txs) {
    const path = resolved.get(t.obsId);
    if (!path) {
      skipped += 1;
      continue;
    }
    const chain = t.from ? [t.from.toLowerCase(), ...path] : path;
    const links: [NodeInfo, NodeInfo, number][] = [];
    let complete = true;
    for (let i = 1; i < chain.length; i++) {
      const a = node(chain[i - 1]), b = node(chain[i]);
      if (!a || !b || a.id === b.id) {
        complete = false;
        skipped++;
        continue;
      }
      if (area && !(area.has(a.id) && area.has(b.id))) {
        complete = false;
        continue;
      }
      const d = r2(haversineKm(a.lat!, a.lon!, b.lat!, b.lon!));
      if (d > MAX_LINK_KM) {
        complete = false;
        implausible++;
        continue;
      }
      links.push([a, b, d]);
      const hour = new Date(t.at).toISOString().slice(0, 13);
      hops.push({ d, cat: category(a, b), hour });
      const key = a.id < b.id ? `${a.id}-${b.id}` : `${b.id}-${a.id}`;
      const p = pairs.get(key) ?? { a, b, dist: d, snrs: [], obs: 0, hash: t.hash, at: t.at };
      p.obs++;
      if (t.snr !== null && i === chain.length - 1) p.snrs.push(t.snr);
      if (t.at >= p.at) {
        p.at = t.at;
        p.hash = t.hash;
      }
      pairs.set(key, p);
    }
    if (complete && links.length > 0) {
      paths.push({
        hash: t.hash,
        total: r2(links.reduce((s, l) => s + l[2], 0)),
        at: t.at,
        hops: links,
      });
    }
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const topHops = [...pairs.values()].sort((x, y) => y.dist - x.dist).slice(0, 20).map((p) => {
    const s = p.snrs.slice().sort((x, y) => x - y);
    return {
      fromName: p.a.name ?? "",
      fromPk: p.a.publicKey,
      toName: p.b.name ?? "",
      toPk: p.b.publicKey,
      dist: p.dist,
      type: category(p.a, p.b),
      bestSnr: s.length ? s[s.length - 1] : null,
      medianSnr: s.length ? s[s.length >> 1] : null,
      obsCount: p.obs,
      hash: p.hash,
      timestamp: iso(p.at),
    };
  });
  paths.sort((x, y) => y.total - x.total);
  const topPaths = paths.slice(0, 20).map((p) => ({
    hash: p.hash,
    totalDist: p.total,
    hopCount: p.hops.length,
    timestamp: iso(p.at),
    hops: p.hops.map(([a, b, d]) => ({
      fromName: a.name ?? "",
      fromPk: a.publicKey,
      toName: b.name ?? "",
      toPk: b.publicKey,
      dist: d,
    })),
  }));
  const catStats: Record<string, ReturnType<typeof stats>> = {};
  for (const cat of ["R↔R", "C↔R", "C↔C"]) {
    catStats[cat] = stats(hops.filter((h) => h.cat === cat).map((h) => h.d));
  }
  const all = hops.map((h) => h.d);
  let distHistogram: unknown = null;
  if (all.length) {
    let min = Infinity, max = -Infinity;
    for (const d of all) {
      if (d < min) min = d;
      if (d > max) max = d;
    }
    const w = (max - min) / 25 || 1;
    const counts = new Array(25).fill(0);
    for (const d of all) counts[Math.max(0, Math.min(24, Math.floor((d - min) / w)))]++;
    distHistogram = {
      bins: counts.map((count, i) => ({
        x: Math.round((min + i * w) * 10) / 10,
        w: Math.round(w * 10) / 10,
        count,
      })),
      min,
      max,
    };
  }
  const byHour = new Map<string, number[]>();
  for (const h of hops) {
    const list = byHour.get(h.hour);
    if (list) list.push(h.d);
    else byHour.set(h.hour, [h.d]);
  }
  const distOverTime = [...byHour.keys()].sort().map((hour) => {
    const v = byHour.get(hour)!;
    return { hour, avg: r2(v.reduce((s, x) => s + x, 0) / v.length), count: v.length };
  });
  return {
    summary: {
      totalHops: all.length,
      totalPaths: paths.length,
      avgDist: all.length ? r2(all.reduce((s, x) => s + x, 0) / all.length) : 0,
      maxDist: all.reduce((m, x) => (x > m ? x : m), 0),
      skippedHops: skipped,
      implausibleHops: implausible,
    },
    topHops,
    topPaths,
    catStats,
    distHistogram,
    distOverTime,
  };
}

/** The distance analytics route. */
export function distanceRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/analytics/distance",
      tag: "analytics",
      summary: "Link and path distances from resolved hops between positioned nodes",
      params: { ...windowParams, area: areaParam },
      needsIndex: true,
      returns: "{summary, topHops[], topPaths[], catStats, distHistogram, distOverTime[]}",
      handler(c, p) {
        const filter = windowFilter(ctx, { ...p, area: undefined }); // area applies per hop here
        const area = areaNodeIds(ctx, p.area);
        return c.json(
          ctx.cache.get(
            windowKey("distance", p, p.area ?? ""),
            ANALYTICS_TTL_MS,
            () => computeDistance(ctx, filter, area),
          ),
        );
      },
    }),
  ];
}
