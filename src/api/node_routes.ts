/**
 * Node lists: `GET /api/nodes`, `GET /api/nodes/search` and
 * `GET /api/resolve-hops`.
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { limitParam, offsetParam, regionParam, regions } from "./filters.ts";
import { areaNodeIds, areaParam } from "./geo_common.ts";
import { visible } from "./node_lookup.ts";
import { lastHeardMs, nodeJson, nodeJsonBytes, packetCount } from "./node_json.ts";
import { NodeListBodies } from "./node_list_body.ts";
import { csvParam, enumParam, stringParam, timeParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";

const WINDOWS: Record<string, number> = {
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};

/** Most results of `/api/nodes/search`. */
export const SEARCH_LIMIT = 10;

/** Node ids seen (as sender or relay) by observers of the given regions; cached 60 s. */
function nodesInRegions(ctx: ApiContext, iatas: string[]): Set<number> {
  return ctx.cache.get(`nodes-region:${iatas.join(",")}`, 60_000, () => {
    const out = new Set<number>();
    for (const n of ctx.nodes.values()) {
      const hit = ctx.store.listTransmissionIds({ nodeId: n.id, iatas }, { limit: 1 });
      if (hit.ids.length > 0) out.add(n.id);
    }
    return out;
  });
}

/**
 * Nodes sorted by name or by last seen, re-sorted only after the directory
 * changed (it emits an event for every node update).
 */
class NodeOrder {
  #dirty = true;
  #byLastSeen: NodeInfo[] = [];
  #byName: NodeInfo[] | null = null;

  constructor(private readonly ctx: ApiContext) {
    ctx.nodes.onChange(() => {
      this.#dirty = true;
    });
  }

  sorted(by: "name" | "lastSeen"): readonly NodeInfo[] {
    if (this.#dirty) {
      this.#byLastSeen = [...this.ctx.nodes.values()];
      sortNodes(this.ctx, this.#byLastSeen, "lastSeen");
      this.#byName = null;
      this.#dirty = false;
    }
    if (by === "lastSeen") return this.#byLastSeen;
    if (!this.#byName) {
      this.#byName = this.#byLastSeen.slice();
      sortNodes(this.ctx, this.#byName, "name");
    }
    return this.#byName;
  }
}

/** Route group: node lists and hop resolution. */
export function nodeRoutes(ctx: ApiContext): AnyRoute[] {
  const max = ctx.config.listLimits.nodes;
  const order = new NodeOrder(ctx);
  const bodies = new NodeListBodies();
  return [
    route({
      method: "GET",
      path: "/api/nodes",
      tag: "nodes",
      summary: "List nodes with role counts",
      params: {
        limit: limitParam(50, max),
        offset: offsetParam,
        role: stringParam({
          description: "role (repeater, room, companion, sensor, ...)",
          pattern: /^[a-z_0-9-]{1,20}$/,
          expect: "a role name",
          lower: true,
        }),
        search: stringParam({
          description: "name contains (case-insensitive) or key prefix",
          maxLength: 64,
        }),
        before: timeParam({ description: "first_seen <= this time" }),
        lastHeard: enumParam(["1h", "6h", "24h", "7d", "30d"] as const, {
          description: "heard (advert or relay) within this window",
        }),
        sortBy: enumParam(["name", "lastSeen", "packetCount"] as const, {
          description: "sort order (lastSeen and packetCount descending)",
          default: "lastSeen",
        }),
        region: regionParam,
        area: areaParam,
      },
      returns: "{nodes, total, counts{role: n}}",
      handler(c, p) {
        const now = ctx.now();
        const iatas = regions(p.region);
        const inRegion = iatas ? nodesInRegions(ctx, iatas) : null;
        const inArea = areaNodeIds(ctx, p.area);
        const search = p.search?.toLowerCase();
        const heardSince = p.lastHeard ? now - WINDOWS[p.lastHeard] : undefined;
        const counts: Record<string, number> = {};
        const matched: NodeInfo[] = [];
        const sortBy = (p.sortBy ?? "lastSeen") as "name" | "lastSeen" | "packetCount";
        const source = sortBy === "packetCount" ? ctx.nodes.values() : order.sorted(sortBy);
        for (const n of source) {
          if (!visible(ctx, n)) continue;
          if (
            search && !(n.name?.toLowerCase().includes(search) || n.publicKey.startsWith(search))
          ) {
            continue;
          }
          if (p.before !== undefined && !(Date.parse(n.firstSeen) <= p.before)) continue;
          if (heardSince !== undefined && lastHeardMs(ctx, n) < heardSince) continue;
          if (inRegion && !inRegion.has(n.id)) continue;
          if (inArea && !inArea.has(n.id)) continue;
          counts[n.role] = (counts[n.role] ?? 0) + 1;
          if (p.role !== undefined && n.role !== p.role) continue;
          matched.push(n);
        }
        if (sortBy === "packetCount") sortNodes(ctx, matched, sortBy);
        const page = matched.slice(p.offset, p.offset + p.limit);
        // Same bytes as c.json({nodes, total, counts}), from per-node memoised texts.
        const body = bodies.body(
          JSON.stringify(p),
          page.map((n) => nodeJsonBytes(ctx, n, now)),
          `],"total":${matched.length},"counts":${JSON.stringify(counts)}}`,
        );
        return c.body(body, 200, { "Content-Type": "application/json" });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/search",
      tag: "nodes",
      summary: `Up to ${SEARCH_LIMIT} nodes whose name contains q or whose key starts with q`,
      params: { q: stringParam({ description: "search text", maxLength: 64 }) },
      returns: "{nodes}",
      handler(c, p) {
        if (!p.q) return c.json({ nodes: [] });
        const q = p.q.toLowerCase();
        const hits: NodeInfo[] = [];
        for (const n of order.sorted("lastSeen")) {
          if (!visible(ctx, n)) continue;
          if (n.publicKey.startsWith(q) || n.name?.toLowerCase().includes(q)) hits.push(n);
          if (hits.length >= SEARCH_LIMIT) break;
        }
        return c.json({ nodes: hits.slice(0, SEARCH_LIMIT).map((n) => nodeJson(ctx, n)) });
      },
    }),
    route({
      method: "GET",
      path: "/api/resolve-hops",
      tag: "nodes",
      summary: "Resolve hop prefixes to relay nodes with candidates and confidence",
      params: {
        hops: csvParam({
          description: "hop prefixes (2-64 hex characters each)",
          item: /^[0-9a-fA-F]{2,64}$/,
          expect: "2-64 hex characters",
          maxItems: 64,
        }),
        from_node: stringParam({
          description: "originator public key (64 hex)",
          pattern: /^[0-9a-fA-F]{64}$/,
          expect: "a 64-hex public key",
        }),
        observer: stringParam({
          description: "observer id (64 hex)",
          pattern: /^[0-9a-fA-F]{64}$/,
          expect: "a 64-hex observer id",
        }),
      },
      returns:
        "{resolved: {hop: {name, pubkey, ambiguous, candidates, conflicts, bestCandidate, confidence, label}}}",
      handler(c, p) {
        if (!p.hops) throw badRequest(`Missing parameter "hops"`);
        for (const h of p.hops) {
          if (h.length % 2 !== 0) {
            throw badRequest(`Invalid parameter "hops": "${h}" has an odd length`);
          }
        }
        const hops = ctx.resolver.resolveHops(p.hops, {
          fromNode: p.from_node,
          observer: p.observer,
          nowMs: ctx.now(),
        });
        const resolved: Record<string, unknown> = {};
        for (const h of hops) {
          const candidates = h.candidates.map((x) => ({
            name: x.name,
            pubkey: x.pubkey,
            lat: x.lat,
            lon: x.lon,
            affinityScore: x.score,
          }));
          resolved[h.hop] = {
            name: h.name,
            pubkey: h.pubkey,
            ambiguous: h.pubkey === null && candidates.length > 1,
            candidates,
            conflicts: candidates.length > 1 ? candidates.length - 1 : 0,
            bestCandidate: candidates[0]?.pubkey ?? null,
            confidence: h.confidence,
            label: h.label,
          };
        }
        return c.json({ resolved });
      },
    }),
  ];
}

function sortNodes(
  ctx: ApiContext,
  list: NodeInfo[],
  by: "name" | "lastSeen" | "packetCount",
): void {
  if (by === "name") {
    const key = new Map(list.map((n) => [n.id, n.name?.toLowerCase() ?? "\uffff"]));
    list.sort((a, b) => {
      const x = key.get(a.id)!;
      const y = key.get(b.id)!;
      return x < y ? -1 : x > y ? 1 : a.publicKey < b.publicKey ? -1 : 1;
    });
  } else if (by === "packetCount") {
    const count = new Map(list.map((n) => [n.id, packetCount(ctx, n)]));
    list.sort((a, b) => count.get(b.id)! - count.get(a.id)! || b.lastSeenMs - a.lastSeenMs);
  } else {
    list.sort((a, b) => b.lastSeenMs - a.lastSeenMs || (a.publicKey < b.publicKey ? -1 : 1));
  }
}
