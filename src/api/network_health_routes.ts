/**
 * Fleet health: `GET /api/nodes/bulk-health?limit=N` (the most recently heard
 * nodes with their traffic statistics and the observers that heard them,
 * CoreScope's shape) and `GET /api/nodes/network-status` (nodes by liveness
 * and role: `total`, `active`, `degraded`, `silent`, `roleCounts`; hopwatch
 * adds `byRole`, observers up/down, packets in the last hour and the biggest
 * changes of the last 24 hours). Both are memoised for a few seconds.
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { limitParam, regionParam, regions } from "./filters.ts";
import { healthOf, livenessOf, livenessThresholds, memoJson } from "./health_common.ts";
import { visible } from "./node_lookup.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";
import { DEFAULT_HEALTH_THRESHOLDS } from "./config_routes.ts";
import { healthChanges } from "./health_changes.ts";
import { areaNodeIds, areaParam } from "./geo_common.ts";

const HOUR = 3_600_000;
/** Most transmissions per node examined by bulk-health. */
const SCAN_LIMIT = 2000;

const mean = (sum: number, n: number) => (n ? sum / n : null);

function bulkEntry(ctx: ApiContext, n: NodeInfo, iatas: string[] | undefined, todayMs: number) {
  const page = ctx.store.listTransmissions(
    { nodeId: n.id, nodeRoles: ["sender"], iatas },
    { limit: SCAN_LIMIT },
  );
  if (iatas && page.total === 0) return null;
  let observations = 0, today = 0, snrSum = 0, snrN = 0, last = 0;
  const byObs = new Map<
    string,
    { name: string | null; snr: number; snrN: number; rssi: number; rssiN: number; count: number }
  >();
  for (const t of page.items) {
    observations += Math.max(1, t.observationCount);
    if (t.firstSeenMs >= todayMs) today++;
    if (t.firstSeenMs > last) last = t.firstSeenMs;
    const b = t.best;
    if (!b) continue;
    if (b.snr !== null) {
      snrSum += b.snr;
      snrN++;
    }
    if (!b.observerId) continue;
    let e = byObs.get(b.observerId);
    if (!e) {
      byObs.set(
        b.observerId,
        e = { name: b.observerName, snr: 0, snrN: 0, rssi: 0, rssiN: 0, count: 0 },
      );
    }
    e.count++;
    if (b.snr !== null) {
      e.snr += b.snr;
      e.snrN++;
    }
    if (b.rssi !== null) {
      e.rssi += b.rssi;
      e.rssiN++;
    }
  }
  return {
    public_key: n.publicKey,
    name: n.name || null,
    role: n.role || null,
    lat: n.lat,
    lon: n.lon,
    stats: {
      totalTransmissions: page.total,
      totalObservations: observations,
      totalPackets: page.total,
      packetsToday: today,
      avgSnr: mean(snrSum, snrN),
      lastHeard: iso(last || n.lastSeenMs),
    },
    observers: [...byObs].sort((a, b) => b[1].count - a[1].count).map(([id, e]) => ({
      observer_id: id,
      observer_name: e.name,
      avgSnr: mean(e.snr, e.snrN),
      avgRssi: mean(e.rssi, e.rssiN),
      packetCount: e.count,
    })),
  };
}

/** Route group: bulk node health and network status. */
export function networkHealthRoutes(ctx: ApiContext): AnyRoute[] {
  const byLastSeen = () =>
    [...ctx.nodes.values()].filter((n) => visible(ctx, n)).sort((a, b) =>
      b.lastSeenMs - a.lastSeenMs
    );
  return [
    route({
      method: "GET",
      path: "/api/nodes/bulk-health",
      tag: "nodes",
      summary: "Traffic statistics of the most recently heard nodes",
      params: {
        limit: limitParam(50, ctx.config.listLimits.bulkHealth),
        region: regionParam,
        area: areaParam,
      },
      returns: "[{public_key, name, role, lat, lon, stats{totalTransmissions, " +
        "totalObservations, totalPackets, packetsToday, avgSnr, lastHeard}, observers[]}]",
      handler(c, p) {
        const iatas = regions(p.region);
        const area = areaNodeIds(ctx, p.area);
        const key = `hw-bulk-health|${p.limit}|${iatas?.join(",") ?? ""}|${p.area ?? ""}`;
        return memoJson(ctx, c, key, 10_000, () => {
          const now = ctx.now();
          const todayMs = now - (now % 86_400_000);
          const out = [];
          for (const n of byLastSeen()) {
            if (area && !area.has(n.id)) continue; // only nodes positioned inside the area
            const e = bulkEntry(ctx, n, iatas, todayMs);
            if (e) out.push(e);
            if (out.length >= p.limit) break;
          }
          return out;
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/network-status",
      tag: "nodes",
      summary: "Nodes by liveness (active / degraded / silent) and role, observers up/down",
      params: {},
      returns: "{total, active, degraded, silent, roleCounts{}, byRole{}, observers{}, " +
        "packetsLastHour, changes[]}",
      handler(c) {
        return memoJson(ctx, c, "hw-network-status", 5_000, () => {
          const now = ctx.now();
          const t = livenessThresholds(ctx);
          const counts = { active: 0, degraded: 0, silent: 0 };
          const roleCounts: Record<string, number> = {};
          const byRole: Record<string, { active: number; degraded: number; silent: number }> = {};
          let total = 0;
          for (const n of ctx.nodes.values()) {
            if (!visible(ctx, n)) continue;
            const role = n.role || "unknown";
            const state = livenessOf(role, n.lastSeenMs > 0 ? now - n.lastSeenMs : Infinity, t);
            total++;
            counts[state]++;
            roleCounts[role] = (roleCounts[role] ?? 0) + 1;
            (byRole[role] ??= { active: 0, degraded: 0, silent: 0 })[state]++;
          }
          const obs = { total: 0, up: 0, stale: 0, down: 0 };
          for (const o of ctx.observers.list()) {
            if (o.inactive) continue;
            const last = Date.parse(o.last_packet_at ?? o.last_seen ?? "");
            const age = Number.isFinite(last) ? now - last : Infinity;
            obs.total++;
            if (age < DEFAULT_HEALTH_THRESHOLDS.observerDegradedMs) obs.up++;
            else if (age < DEFAULT_HEALTH_THRESHOLDS.observerSilentMs) obs.stale++;
            else obs.down++;
          }
          return {
            total,
            ...counts,
            roleCounts,
            byRole,
            observers: obs,
            packetsLastHour: ctx.store.countSince(now - HOUR),
            changes: healthChanges(ctx, healthOf(ctx), now, t),
          };
        });
      },
    }),
  ];
}
