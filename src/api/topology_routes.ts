/**
 * Topology analytics: `/api/analytics/topology` (the reference's shape, see
 * `analytics_topology.ts`) and `/api/analytics/neighbor-graph`.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { ANALYTICS_TTL_MS, windowParams } from "./analytics_common.ts";
import { topologyAggregate } from "./analytics_aggregates.ts";
import { jsonText } from "./aggregate_memo.ts";
import { regionParam, regions } from "./filters.ts";
import { intParam, numberParam, stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

/** Route group: topology. */
export function topologyRoutes(ctx: ApiContext): AnyRoute[] {
  const cached = <T>(key: string, fn: () => T): T => ctx.cache.get(key, ANALYTICS_TTL_MS, fn);
  return [
    route({
      method: "GET",
      path: "/api/analytics/topology",
      tag: "analytics",
      needsIndex: true,
      summary: "Hop distribution, most frequent hops and hop pairs, reach per observer",
      params: windowParams,
      returns: "{uniqueNodes, avgHops, medianHops, maxHops, hopDistribution[], topRepeaters[], " +
        "topPairs[], hopsVsSnr[], observers[], perObserverReach{}, multiObsNodes[], bestPathList[]}",
      handler: (c, p) => jsonText(c, topologyAggregate(ctx, p)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/neighbor-graph",
      tag: "analytics",
      summary: "The neighbour graph: nodes and weighted edges",
      params: {
        min_count: intParam({
          description: "minimum sightings per edge",
          default: 5,
          min: 1,
          max: 1_000_000,
        }),
        min_score: numberParam({
          description: "minimum edge score (0-1)",
          default: 0.1,
          min: 0,
          max: 1,
        }),
        region: regionParam,
        role: stringParam({
          description: "only edges touching a node of this role",
          pattern: /^[a-z_0-9-]{1,20}$/,
          expect: "a role name",
          lower: true,
        }),
      },
      returns:
        "{nodes[{pubkey, name, role, neighbor_count}], edges[{source, target, weight, score, " +
        "bidirectional, avg_snr, ambiguous}], stats}",
      handler(c, p) {
        const iatas = regions(p.region);
        const key = `ngraph|${p.min_count}|${p.min_score}|${iatas?.join(",") ?? ""}|${
          p.role ?? ""
        }`;
        return c.json(cached(key, () => {
          const now = ctx.now();
          const g = ctx.resolver.graph;
          let inRegion: Set<number> | null = null;
          if (iatas) {
            inRegion = new Set();
            for (const n of ctx.nodes.values()) {
              if (ctx.store.listTransmissionIds({ nodeId: n.id, iatas }, { limit: 1 }).ids.length) {
                inRegion.add(n.id);
              }
            }
          }
          const all = [...g.edges()];
          const weights = all.map((e) => g.weight(e.a, e.b, now));
          const top = weights.reduce((m, w) => Math.max(m, w), 0);
          const edges = [];
          const degree = new Map<number, number>();
          for (let i = 0; i < all.length; i++) {
            const e = all[i];
            const score = top > 0 ? Math.round((weights[i] / top) * 1000) / 1000 : 0;
            if (e.count < p.min_count || score < p.min_score) continue;
            if (inRegion && !(inRegion.has(e.a) && inRegion.has(e.b))) continue;
            if (
              p.role && ctx.nodes.get(e.a)?.role !== p.role && ctx.nodes.get(e.b)?.role !== p.role
            ) continue;
            edges.push({
              source: ctx.nodes.keyOf(e.a),
              target: ctx.nodes.keyOf(e.b),
              weight: Math.round(weights[i] * 1000) / 1000,
              count: e.count,
              score,
              bidirectional: true,
              avg_snr: null,
              ambiguous: false,
              last_seen: iso(e.lastSeenMs),
            });
            degree.set(e.a, (degree.get(e.a) ?? 0) + 1);
            degree.set(e.b, (degree.get(e.b) ?? 0) + 1);
          }
          const nodes = [...degree.entries()].map(([id, d]) => {
            const n = ctx.nodes.get(id);
            return {
              pubkey: ctx.nodes.keyOf(id),
              name: n?.name ?? null,
              role: n?.role ?? null,
              lat: n?.lat ?? null,
              lon: n?.lon ?? null,
              neighbor_count: d,
            };
          });
          return {
            nodes,
            edges,
            stats: { nodes: nodes.length, edges: edges.length, totalEdges: all.length },
          };
        }));
      },
    }),
  ];
}
