/**
 * `GET /api/debug/affinity` (API key): hopwatch's neighbour-graph evidence in
 * the reference's debug shape. `edges` are the learned links (sightings,
 * decayed weight, score relative to the strongest); with `prefix` the
 * resolver's answer for that hop prefix is added to `resolutions` with every
 * candidate's posterior; `stats` summarises the graph (memoised 60 s).
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { ANALYTICS_TTL_MS } from "./analytics_common.ts";
import { round3 } from "./analytics_shapes.ts";
import { intParam, stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

/** Route group: resolver debug. */
export function affinityRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/debug/affinity",
      tag: "admin",
      summary: "Neighbour-graph edges and the resolver's answer for a hop prefix",
      auth: true,
      params: {
        prefix: stringParam({
          description: "a hop prefix (1-3 bytes): edges of its nodes and its resolution",
          pattern: /^([0-9a-f]{2}){1,3}$/,
          expect: "1-3 hex bytes",
          lower: true,
        }),
        node: stringParam({
          description: "only edges touching this public key",
          pattern: /^[0-9a-f]{64}$/,
          expect: "a 64-hex public key",
          lower: true,
        }),
        limit: intParam({
          description: "most edges",
          default: 500,
          min: 1,
          max: 5000,
          clamp: true,
        }),
      },
      returns: "{edges[{nodeA, nodeAName, nodeB, nodeBName, prefix, weight, observationCount, " +
        "lastSeen, firstSeen, score, observers[], ambiguous}], resolutions[], stats}",
      handler(c, p) {
        const now = ctx.now();
        const g = ctx.resolver.graph;
        const all = ctx.cache.get("affinity-edges", ANALYTICS_TTL_MS, () => {
          const edges = [...g.edges()].map((e) => ({ ...e, w: g.weight(e.a, e.b, now) }));
          return edges.sort((x, y) => y.w - x.w);
        });
        const top = all[0]?.w ?? 0;
        const keyA = (id: number) => ctx.nodes.keyOf(id);
        const edges = all.filter((e) => {
          if (p.node && keyA(e.a) !== p.node && keyA(e.b) !== p.node) return false;
          if (p.prefix && !keyA(e.a).startsWith(p.prefix) && !keyA(e.b).startsWith(p.prefix)) {
            return false;
          }
          return true;
        }).slice(0, p.limit).map((e) => ({
          nodeA: keyA(e.a),
          nodeAName: ctx.nodes.get(e.a)?.name ?? "",
          nodeB: keyA(e.b),
          nodeBName: ctx.nodes.get(e.b)?.name ?? "",
          prefix: keyA(e.b).slice(0, 2),
          weight: e.count,
          observationCount: e.count,
          lastSeen: iso(e.lastSeenMs),
          firstSeen: null,
          score: top > 0 ? round3(e.w / top) : 0,
          observers: [],
          ambiguous: false,
        }));
        const resolutions = p.prefix
          ? ctx.resolver.resolveHops([p.prefix], { nowMs: now }).map((h) => ({
            prefix: p.prefix,
            chosen: h.pubkey ?? "",
            chosenName: h.name ?? "",
            confidence: h.label,
            confidenceScore: h.confidence,
            candidates: h.candidates.map((x) => ({
              pubkey: x.pubkey,
              name: x.name ?? "",
              score: x.score,
            })),
            method: "hopwatch-resolver",
          }))
          : [];
        const nodes = new Set<number>();
        for (const e of all) {
          nodes.add(e.a);
          nodes.add(e.b);
        }
        return c.json({
          edges,
          resolutions,
          stats: {
            totalEdges: all.length,
            totalNodes: nodes.size,
            resolvedCount: resolutions.filter((r) => r.chosen).length,
            ambiguousCount: resolutions.filter((r) => !r.chosen && r.candidates.length > 1)
              .length,
            unresolvedCount: resolutions.filter((r) => !r.chosen).length,
            avgConfidence: resolutions.length
              ? round3(
                resolutions.reduce((a, r) => a + r.confidenceScore, 0) / resolutions.length,
              )
              : 0,
            coldStartCoverage: 0,
            cacheAge: "",
            lastRebuild: "",
          },
        });
      },
    }),
  ];
}
