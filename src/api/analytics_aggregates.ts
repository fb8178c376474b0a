/**
 * The memoised analytics aggregates, one function per endpoint and selection
 * (key = endpoint + window selection), kept as encoded JSON (large
 * answers are not re-serialised per request) and shared by the routes and the
 * warm-up of the default selections. Also the two small aggregates computed here:
 * nodes per role and the relayed-airtime share per payload type.
 *
 * @module
 */

import { PAYLOAD_TYPE_NAMES } from "../meshcore/mod.ts";
import type { ApiContext } from "./deps.ts";
import {
  ANALYTICS_TTL_MS,
  scan,
  windowFilter,
  windowKey,
  type WindowValues,
} from "./analytics_common.ts";
import { memoAggregate, warmAggregates } from "./aggregate_memo.ts";
import { computeRf } from "./analytics_rf.ts";
import { computeTopology } from "./analytics_topology.ts";
import { computeChannels } from "./analytics_channels.ts";
import { computeHashCollisions, computeHashSizes } from "./analytics_hash.ts";
import { buildSubpathIndex, type SubpathIndex } from "./analytics_subpaths.ts";
import { DEFAULT_PRESET, timeOnAirNs } from "./lora_airtime.ts";
import { areaNodeIds } from "./geo_common.ts";

/** Default selections (no region, no window) are kept 300 s like the reference's snapshot. */
export const DEFAULT_TTL_MS = 300_000;

function ttlOf(p?: WindowValues): number {
  const windowed = p &&
    (p.region || p.area || p.window || p.from !== undefined || p.to !== undefined);
  return windowed ? ANALYTICS_TTL_MS : DEFAULT_TTL_MS;
}

const memo = <T>(ctx: ApiContext, key: string, fn: () => T, p?: WindowValues): T =>
  memoAggregate(ctx, key, ttlOf(p), fn);

const encoder = new TextEncoder();

/** A memoised aggregate serialised and encoded once: the routes send these bytes as is. */
const memoJson = (ctx: ApiContext, key: string, fn: () => unknown, p?: WindowValues): Uint8Array =>
  memo(ctx, `${key}|json`, () => encoder.encode(JSON.stringify(fn())), p);

/** `/api/analytics/rf` of a selection. */
export function rfAggregate(ctx: ApiContext, p: WindowValues): Uint8Array {
  return memoJson(ctx, windowKey("rf", p), () => computeRf(ctx, p), p);
}

/** `/api/analytics/topology` of a selection. */
export function topologyAggregate(
  ctx: ApiContext,
  p: WindowValues,
): Uint8Array {
  return memoJson(ctx, windowKey("topology", p), () => computeTopology(ctx, p), p);
}

/** `/api/analytics/channels` of a selection. */
export function channelsAggregate(
  ctx: ApiContext,
  p: WindowValues,
): Uint8Array {
  return memoJson(ctx, windowKey("channels", p), () => computeChannels(ctx, p), p);
}

/** `/api/analytics/hash-sizes` of a selection. */
export function hashSizesAggregate(
  ctx: ApiContext,
  p: WindowValues,
): Uint8Array {
  return memoJson(ctx, windowKey("hash-sizes", p), () => computeHashSizes(ctx, p), p);
}

/** `/api/analytics/hash-collisions`. */
export function hashCollisionsAggregate(
  ctx: ApiContext,
  iatas?: string[],
  area?: string,
): Uint8Array {
  const key = `hash-collisions|${iatas?.join(",") ?? ""}|${area ?? ""}`;
  const nodes = areaNodeIds(ctx, area);
  return memoJson(ctx, key, () => computeHashCollisions(ctx, iatas, nodes), {
    region: iatas,
    area,
  });
}

/** The sub-path index of a selection. */
export function subpathIndexAggregate(ctx: ApiContext, p: WindowValues): SubpathIndex {
  return memo(ctx, windowKey("subpath-index", p), () => buildSubpathIndex(ctx, p), p);
}

/** Nodes per role (the reference's clock-skew columns stay 0). */
export function rolesAggregate(ctx: ApiContext): Uint8Array {
  return memoJson(ctx, "roles", () => {
    const counts = new Map<string, number>();
    for (const n of ctx.nodes.values()) {
      const role = n.role.trim().toLowerCase() || "unknown";
      counts.set(role, (counts.get(role) ?? 0) + 1);
    }
    const roles = [...counts.entries()].map(([role, nodeCount]) => ({
      role,
      nodeCount,
      withSkew: 0,
      meanAbsSkewSec: 0,
      medianAbsSkewSec: 0,
      okCount: 0,
      warningCount: 0,
      criticalCount: 0,
      absurdCount: 0,
      noClockCount: 0,
    })).sort((a, b) => b.nodeCount - a.nodeCount || (a.role < b.role ? -1 : 1));
    return { totalNodes: ctx.nodes.size, roles };
  });
}

/** Distinct resolved relays per transmission id, from the forward membership index. */
function relayCounts(ctx: ApiContext): { get(id: number): number } {
  let max = 0;
  for (const list of ctx.store.idx.relay) {
    if (!list) continue;
    for (const id of list.view()) if (id > max) max = id;
  }
  if (max > 20_000_000) {
    // Sparse ids (a long-lived database): a map instead of a 40 MB+ array.
    const m = new Map<number, number>();
    for (const list of ctx.store.idx.relay) {
      if (!list) continue;
      for (const id of list.view()) m.set(id, (m.get(id) ?? 0) + 1);
    }
    return { get: (id) => m.get(id) ?? 0 };
  }
  const counts = new Uint16Array(max + 1);
  for (const list of ctx.store.idx.relay) {
    if (!list) continue;
    for (const id of list.view()) if (counts[id] < 65535) counts[id]++;
  }
  return { get: (id) => (id >= 0 && id <= max ? counts[id] : 0) };
}

/** Relayed airtime per payload type: time on air x distinct resolved relays. */
export function airtimeAggregate(ctx: ApiContext, p: WindowValues): Uint8Array {
  return memoJson(ctx, windowKey("airtime", p), () => {
    const relays = memo(ctx, "relay-counts", () => relayCounts(ctx));
    const buckets = new Map<number, { count: number; score: number }>();
    let totalCount = 0;
    let totalScore = 0;
    scan(ctx, windowFilter(ctx, p), false, (tx) => {
      const b = buckets.get(tx.payloadType) ?? { count: 0, score: 0 };
      const score = timeOnAirNs(tx.rawHex.length >> 1) * relays.get(tx.id);
      b.count++;
      b.score += score;
      totalCount++;
      totalScore += score;
      buckets.set(tx.payloadType, b);
    });
    const rows = [...buckets.entries()].map(([type, b]) => ({
      payload_type: PAYLOAD_TYPE_NAMES[type] === "UNKNOWN" ? "UNK" : PAYLOAD_TYPE_NAMES[type],
      type,
      count: b.count,
      count_pct: totalCount ? (b.count / totalCount) * 100 : 0,
      score: b.score,
      airtime_pct: totalScore ? (b.score / totalScore) * 100 : 0,
    })).sort((a, b) =>
      b.airtime_pct - a.airtime_pct || b.count - a.count ||
      (a.payload_type < b.payload_type ? -1 : 1)
    );
    return {
      rows,
      total_count: totalCount,
      total_score: totalScore,
      preset: DEFAULT_PRESET,
      window: p.window ?? "",
      cached: false,
    };
  }, p);
}

/**
 * Stores above this many transmissions are not warmed (their first
 * computations take seconds and would hold the event loop); they compute on
 * the first request instead.
 */
export const WARM_MAX_TX = 20_000;

/** Computes the default (no region, no window) aggregates once, in the background. */
export function warmDefaultAggregates(ctx: ApiContext): void {
  if (ctx.store.txCount > WARM_MAX_TX) return;
  const all: WindowValues = {};
  warmAggregates(ctx, [
    () => rfAggregate(ctx, all),
    () => topologyAggregate(ctx, all),
    () => channelsAggregate(ctx, all),
    () => hashSizesAggregate(ctx, all),
    () => hashCollisionsAggregate(ctx),
    () => airtimeAggregate(ctx, all),
    () => rolesAggregate(ctx),
    () => subpathIndexAggregate(ctx, all),
  ]);
}
