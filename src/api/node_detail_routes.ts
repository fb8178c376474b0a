/**
 * One node: `GET /api/nodes/{pk}`, `/health`, `/neighbors` and `/analytics`.
 * `{pk}` is a full key or a unique hex prefix of at least 8 characters (409
 * when ambiguous). Relay figures come from the exact resolved-hop index.
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { TransmissionView } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { nodeByKey } from "./node_lookup.ts";
import { nodeJson, RELAY_WINDOW_HOURS } from "./node_json.ts";
import { packetRows } from "./packet_rows.ts";
import { intParam, numberParam, stringParam } from "./params.ts";
import { nodeAnalyticsJson } from "./node_analytics.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

const DAY = 86_400_000;
/** Most transmissions examined by `/health` and `/analytics`. */
export const NODE_SCAN_LIMIT = 5000;

/** Path parameter `{pk}`. */
export const pkParam = stringParam({
  in: "path",
  description: "public key, or a unique hex prefix of at least 8 characters",
  maxLength: 64,
});

/** Great-circle distance in km, or null when a position is missing. */
export function distanceKm(a: NodeInfo | undefined, b: NodeInfo | undefined): number | null {
  if (!a || !b || a.lat === null || a.lon === null || b.lat === null || b.lon === null) return null;
  if ((a.lat === 0 && a.lon === 0) || (b.lat === 0 && b.lon === 0)) return null;
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLon = (b.lon - a.lon) * r;
  const h = Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 6371 * Math.asin(Math.sqrt(h)) * 100) / 100;
}

function mean(xs: number[]): number | null {
  return xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null;
}

/** Transmissions involving the node (sent or relayed), newest first. */
function involving(
  ctx: ApiContext,
  n: NodeInfo,
  opts: { sinceMs?: number; withObs?: boolean; limit?: number; roles?: ("sender" | "relay")[] },
): { items: TransmissionView[]; total: number } {
  return ctx.store.listTransmissions(
    { nodeId: n.id, nodeRoles: opts.roles ?? ["sender", "relay"], sinceMs: opts.sinceMs },
    { limit: opts.limit ?? NODE_SCAN_LIMIT },
    opts.withObs ?? false,
  );
}

/** Neighbours of a node from the neighbor graph. */
export function neighborsOf(ctx: ApiContext, n: NodeInfo, minCount: number, minScore: number) {
  const now = ctx.now();
  const graph = ctx.resolver.graph;
  const last = new Map<number, number>();
  for (const e of graph.edges()) {
    if (e.a === n.id) last.set(e.b, e.lastSeenMs);
    else if (e.b === n.id) last.set(e.a, e.lastSeenMs);
  }
  const list = graph.neighbors(n.id, now);
  const top = list.reduce((m, x) => Math.max(m, x.weight), 0);
  let total = 0;
  const neighbors = [];
  for (const x of list) {
    total += x.count;
    const score = top > 0 ? Math.round((x.weight / top) * 1000) / 1000 : 0;
    if (x.count < minCount || score < minScore) continue;
    const other = ctx.nodes.get(x.id);
    const key = ctx.nodes.keyOf(x.id);
    neighbors.push({
      pubkey: key,
      prefix: key.slice(0, 2).toUpperCase(),
      name: other?.name ?? null,
      role: other?.role ?? null,
      count: x.count,
      score,
      weight: Math.round(x.weight * 1000) / 1000,
      last_seen: iso(last.get(x.id)),
      avg_snr: null,
      distance_km: distanceKm(n, other),
      ambiguous: false,
      candidates: [],
    });
  }
  return { neighbors, total_observations: total };
}

/** Route group: one node. */
export function nodeDetailRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/nodes/:pk",
      tag: "nodes",
      summary: "One node with relay liveness and its recent adverts",
      params: { pk: pkParam },
      returns: "{node (+flood_advert_count_7d, relay_window_hours), recentAdverts[<=20]}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        const adverts = ctx.store.listTransmissions(
          { nodeId: n.id, nodeRoles: ["sender"], payloadTypes: [4] },
          { limit: 20 },
        );
        const flood7d = ctx.store.listTransmissionIds({
          nodeId: n.id,
          nodeRoles: ["sender"],
          payloadTypes: [4],
          routeTypes: [1],
          sinceMs: ctx.now() - 7 * DAY,
        }, { limit: 0 }).total;
        return c.json({
          node: {
            ...nodeJson(ctx, n),
            flood_advert_count_7d: flood7d,
            relay_window_hours: RELAY_WINDOW_HOURS,
          },
          recentAdverts: packetRows(ctx, adverts.items),
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/:pk/health",
      tag: "nodes",
      summary: `Traffic statistics of a node (over its latest ${NODE_SCAN_LIMIT} transmissions)`,
      params: { pk: pkParam },
      returns: "{node, stats{...}, observers[], recentPackets[]}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        const now = ctx.now();
        const all = involving(ctx, n, { withObs: true });
        const sent = ctx.store.listTransmissionIds({ nodeId: n.id, nodeRoles: ["sender"] }, {
          limit: 0,
        });
        const snr: number[] = [];
        const rssi: number[] = [];
        const hops: number[] = [];
        let observations = 0;
        let today = 0;
        const obsMap = new Map<
          string,
          {
            id: string;
            name: string | null;
            iata: string | null;
            count: number;
            snr: number[];
            last: number;
          }
        >();
        for (const t of all.items) {
          if (t.firstSeenMs >= now - DAY) today++;
          if (t.best) hops.push(t.best.hops.length);
          for (const o of t.observations ?? []) {
            observations++;
            if (o.snr !== null) snr.push(o.snr);
            if (o.rssi !== null) rssi.push(o.rssi);
            if (!o.observerId) continue;
            let e = obsMap.get(o.observerId);
            if (!e) {
              e = {
                id: o.observerId,
                name: o.observerName,
                iata: o.observerIata,
                count: 0,
                snr: [],
                last: 0,
              };
              obsMap.set(o.observerId, e);
            }
            e.count++;
            if (o.snr !== null) e.snr.push(o.snr);
            e.last = Math.max(e.last, o.timestampMs);
          }
        }
        const observers = [...obsMap.values()].sort((a, b) => b.count - a.count).map((e) => ({
          observer_id: e.id,
          observer_name: e.name,
          iata: e.iata,
          count: e.count,
          packetCount: e.count, // the reference frontend's name for it
          avgSnr: mean(e.snr),
          lastSeen: iso(e.last),
        }));
        return c.json({
          node: nodeJson(ctx, n),
          stats: {
            totalTransmissions: sent.total,
            totalObservations: observations,
            totalPackets: all.total,
            packetsToday: today,
            avgSnr: mean(snr),
            avgRssi: mean(rssi),
            avgHops: mean(hops),
            lastHeard: iso(Math.max(n.lastSeenMs, ctx.store.relayLastSeen(n.id))),
          },
          observers,
          recentPackets: packetRows(ctx, all.items.slice(0, 20)),
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/:pk/neighbors",
      tag: "nodes",
      summary: "Radio neighbours of a node from the neighbor graph",
      params: {
        pk: pkParam,
        min_count: intParam({
          description: "minimum sightings of the link",
          default: 1,
          min: 1,
          max: 1_000_000,
        }),
        min_score: numberParam({
          description: "minimum score (0-1, relative to the strongest link)",
          default: 0,
          min: 0,
          max: 1,
        }),
      },
      returns: "{node, neighbors[...], total_observations}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        const r = neighborsOf(ctx, n, p.min_count, p.min_score);
        return c.json({
          node: { public_key: n.publicKey, name: n.name, lat: n.lat, lon: n.lon },
          ...r,
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/:pk/analytics",
      tag: "nodes",
      summary:
        "Per-node timelines, SNR trend, packet types, observers, hops, peers, activity heatmap",
      params: {
        pk: pkParam,
        days: intParam({ description: "window in days", default: 7, min: 1, max: 365 }),
      },
      returns: "{node, timeRange, activityTimeline[], snrTrend[], packetTypeBreakdown[], " +
        "observerCoverage[], hopDistribution[], peerInteractions[], uptimeHeatmap[], computedStats}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        const now = ctx.now();
        const items = involving(ctx, n, { sinceMs: now - p.days * DAY }).items;
        return c.json(nodeAnalyticsJson(ctx, n, items, p.days, now));
      },
    }),
  ];
}
