/**
 * `GET /api/nodes/:pk/reach?days=` in CoreScope's shape: who hears the node
 * and whom it hears, from resolved relay paths in the window. For every
 * observation whose resolved path holds the node: the resolved predecessor is
 * heard by it (`we_hear`; a zero-hop ADVERT's sender when it is first), the
 * resolved successor hears it (`they_hear`), and when it is the last hop the
 * observer heard it directly (`direct_observers`, with average SNR). Hops left
 * unresolved contribute nothing; distances only between positioned nodes.
 * Importance is the node's neighbour-graph degree and rank. Memoised 30 s.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { daysParam, fullPkParam, hasPosition, haversineKm, heardResolver } from "./geo_common.ts";
import { nodeByKey, visible } from "./node_lookup.ts";
import type { NodeInfo } from "../store/node_directory.ts";

const DAY = 86_400_000;
/**
 * Most transmissions examined per request (newest first, every observation of each): the
 * answer's `scan` says how many matched and how many were read.
 */
export const REACH_SCAN_LIMIT = 1_000;
/** Most observations (their resolved paths) read per request. */
export const REACH_OBS_LIMIT = 10_000;

interface ObsAgg {
  name: string;
  count: number;
  snrSum: number;
  snrN: number;
}

function pos(n: NodeInfo | undefined): { lat: number | null; lon: number | null } {
  return hasPosition(n) ? { lat: n.lat, lon: n.lon } : { lat: null, lon: null };
}

function distance(a: NodeInfo, b: NodeInfo | undefined): number | null {
  if (!hasPosition(a) || !hasPosition(b)) return null;
  return Math.round(haversineKm(a.lat, a.lon, b.lat, b.lon) * 100) / 100;
}

function degreeTable(ctx: ApiContext): { deg: Map<number, number>; sorted: number[] } {
  return ctx.cache.get("reach-degrees", 60_000, () => {
    const deg = new Map<number, number>();
    for (const e of ctx.resolver.graph.edges()) {
      deg.set(e.a, (deg.get(e.a) ?? 0) + 1);
      deg.set(e.b, (deg.get(e.b) ?? 0) + 1);
    }
    const sorted = [...deg.values()].sort((a, b) => b - a);
    return { deg, sorted };
  });
}

/** Computes the reach answer of one node (see the module doc). */
export function computeReach(ctx: ApiContext, self: NodeInfo, days: number) {
  const since = ctx.now() - days * DAY;
  const page = ctx.store.listTransmissions(
    { nodeId: self.id, nodeRoles: ["relay"], sinceMs: since },
    { limit: REACH_SCAN_LIMIT },
    true,
  );
  // newest first, until the observation budget is spent
  let budget = REACH_OBS_LIMIT;
  let used = 0;
  while (used < page.items.length && budget > 0) {
    budget -= page.items[used].observations?.length ?? 0;
    used++;
  }
  page.items.length = used;
  const obsIds: number[] = [];
  for (const tx of page.items) for (const o of tx.observations ?? []) obsIds.push(o.id);
  const paths = ctx.store.resolvedPathsFor(obsIds);
  const we = new Map<string, number>(), they = new Map<string, number>();
  const obs = new Map<string, ObsAgg>();
  const me = self.publicKey;
  const bump = (m: Map<string, number>, k: string | null | undefined) => {
    if (k && k !== me) m.set(k, (m.get(k) ?? 0) + 1);
  };
  let relay = 0;
  for (const tx of page.items) {
    for (const o of tx.observations ?? []) {
      if (o.timestampMs < since) continue;
      const path = paths.get(o.id);
      if (!path) continue;
      let hit = false;
      for (let i = 0; i < path.length; i++) {
        if (path[i] !== me) continue;
        hit = true;
        if (i > 0) bump(we, path[i - 1]);
        else if (tx.payloadType === 4) bump(we, tx.fromPubkey?.toLowerCase());
        if (i < path.length - 1) bump(they, path[i + 1]);
        else if (o.observerId) {
          const ob = o.observerId.toLowerCase();
          if (ob === me) continue;
          bump(they, ob);
          const a = obs.get(ob) ?? { name: o.observerName ?? "", count: 0, snrSum: 0, snrN: 0 };
          a.count++;
          if (o.snr !== null) {
            a.snrSum += o.snr;
            a.snrN++;
          }
          obs.set(ob, a);
        }
      }
      if (hit) relay++;
    }
  }
  const info = (pk: string) => {
    const n = ctx.nodes.byKey(pk);
    return n && visible(ctx, n) ? n : undefined;
  };
  let bidir = 0;
  const links = [...new Set([...we.keys(), ...they.keys()])].map((pk) => {
    const n = info(pk);
    const w = we.get(pk) ?? 0, t = they.get(pk) ?? 0;
    const b = w > 0 && t > 0;
    if (b) bidir++;
    return {
      pubkey: pk,
      name: n?.name ?? "",
      role: n?.role ?? "",
      ...pos(n),
      we_hear: w,
      they_hear: t,
      bottleneck: Math.min(w, t),
      bidir: b,
      distance_km: distance(self, n),
    };
  });
  links.sort((a, b) =>
    Number(b.bidir) - Number(a.bidir) || b.bottleneck - a.bottleneck ||
    (b.we_hear + b.they_hear) - (a.we_hear + a.they_hear)
  );
  const direct = [...obs.entries()].map(([pk, a]) => {
    const n = info(pk);
    return {
      pubkey: pk,
      name: n?.name ?? a.name,
      count: a.count,
      avg_snr: a.snrN > 0 ? Math.round((a.snrSum / a.snrN) * 100) / 100 : null,
      ...pos(n),
      distance_km: distance(self, n),
    };
  }).sort((a, b) => b.count - a.count);
  const { deg, sorted } = degreeTable(ctx);
  const degree = deg.get(self.id) ?? 0;
  let rank = 0;
  if (degree > 0) {
    rank = 1;
    while (rank - 1 < sorted.length && sorted[rank - 1] > degree) rank++;
  }
  const resolve = heardResolver(ctx);
  const tokens = [4, 6].map((len) => me.slice(0, len))
    .filter((t) => resolve(t).key === me).map((t) => t.toUpperCase());
  return {
    node: {
      pubkey: me,
      name: self.name ?? "",
      role: self.role,
      ...pos(self),
      first_seen: self.firstSeen,
    },
    window: { days, since: new Date(since).toISOString().replace(/\.\d{3}Z$/, "Z") },
    reliable_tokens: tokens,
    importance: {
      neighbor_degree: degree,
      degree_rank: rank,
      nodes_with_edges: deg.size,
      relay_observations: relay,
      bidirectional_links: bidir,
      direct_observers: direct.length,
    },
    direct_observers: direct,
    links,
    scan: {
      transmissions: page.total,
      examined: page.items.length,
      observations: obsIds.length,
      limit: REACH_SCAN_LIMIT,
    },
  };
}

/** The reach route. */
export function reachRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/nodes/:pk/reach",
      tag: "nodes",
      summary: "Who hears the node and whom it hears, from resolved relay paths",
      params: {
        pk: fullPkParam,
        days: daysParam,
      },
      needsIndex: true,
      returns:
        "{node, window{days, since}, reliable_tokens, importance{...}, direct_observers[], links[]}",
      handler(c, p) {
        const self = nodeByKey(ctx, p.pk);
        const body = ctx.cache.get(
          `reach:${self.publicKey}:${p.days}`,
          30_000,
          () => computeReach(ctx, self, p.days),
        );
        return c.json(body);
      },
    }),
  ];
}
