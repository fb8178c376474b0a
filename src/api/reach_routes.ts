/**
 * `GET /api/nodes/:pk/reach?days=` in CoreScope's shape: who hears the node
 * and whom it hears, from resolved relay paths in the window. For every
 * observation whose resolved path holds the node: the resolved predecessor is
 * heard by it (`we_hear`; a zero-hop ADVERT's sender when it is first), the
 * resolved successor hears it (`they_hear`), and when it is the last hop the
 * observer heard it directly (`direct_observers`, with average SNR). Hops left
 * unresolved contribute nothing; distances only between positioned nodes.
 * Importance is the node's neighbour-graph degree and rank. The sums are exact
 * for the stated window (observations at or after `since`, whole seconds) and
 * come from the reach index (`src/store/reach_index.ts`): whole 6-hour buckets
 * from its summaries, the edge bucket read through the node's relay list. A
 * load feeds the index nothing; until the background build after it is over
 * (`src/store/reach_build.ts`) the same tally comes from a bounded windowed
 * scan (`reach_scan.ts`) and the answer says what it read in `scan`. Memoised
 * 30 s.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { daysParam, fullPkParam, hasPosition, haversineKm, heardResolver } from "./geo_common.ts";
import { nodeByKey, visible } from "./node_lookup.ts";
import type { NodeInfo } from "../store/node_directory.ts";
import { type ReachTally, scanReach } from "./reach_scan.ts";

const DAY = 86_400_000;

const cmp = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;

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

/** The tally of `self` from the reach index (see the module doc). */
function indexReach(ctx: ApiContext, self: NodeInfo, since: number): ReachTally {
  const sums = ctx.store.reachSums(self.id, since);
  const me = self.publicKey;
  const tally: ReachTally = { relay: sums.relay, we: new Map(), they: new Map(), obs: new Map() };
  const add = (m: Map<string, number>, k: string | undefined, n: number) => {
    if (k && k !== me) m.set(k, (m.get(k) ?? 0) + n);
  };
  for (const [id, n] of sums.we) add(tally.we, ctx.store.nodes.keyOf(id), n);
  for (const [id, n] of sums.they) add(tally.they, ctx.store.nodes.keyOf(id), n);
  const observers = ctx.store.observers;
  for (const [ob, [count, snrSum, snrN]] of sums.direct) {
    const k = observers.ids[ob]?.toLowerCase();
    if (!k || k === me) continue;
    add(tally.they, k, count);
    const a = tally.obs.get(k) ??
      { name: observers.names[ob] ?? "", count: 0, snrSum: 0, snrN: 0 };
    a.count += count;
    a.snrSum += snrSum;
    a.snrN += snrN;
    tally.obs.set(k, a);
  }
  return tally;
}

/**
 * Computes the reach answer of one node: from the reach index once it is built, else from the
 * windowed scan, whose answer adds the hopwatch-only `scan` field (see the module doc).
 */
export function computeReach(ctx: ApiContext, self: NodeInfo, days: number) {
  // whole seconds, as `window.since` states it
  const since = Math.floor((ctx.now() - days * DAY) / 1000) * 1000;
  const scanned = ctx.store.reach.ready ? null : scanReach(ctx, self, since);
  const { relay, we, they, obs } = scanned?.tally ?? indexReach(ctx, self, since);
  const me = self.publicKey;
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
    (b.we_hear + b.they_hear) - (a.we_hear + a.they_hear) || cmp(a.pubkey, b.pubkey)
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
  }).sort((a, b) => b.count - a.count || cmp(a.pubkey, b.pubkey));
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
    ...(scanned ? { scan: scanned.scan } : {}),
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
        "{node, window{days, since}, reliable_tokens, importance{...}, direct_observers[], links[], " +
        "scan{} while the reach index builds after a load}",
      handler(c, p) {
        const self = nodeByKey(ctx, p.pk);
        const body = ctx.cache.get(
          `reach:${self.publicKey}:${p.days}:${ctx.store.reach.ready ? "index" : "scan"}`,
          30_000,
          () => computeReach(ctx, self, p.days),
        );
        return c.json(body);
      },
    }),
  ];
}
