/**
 * `GET /api/nodes/{pk}/paths`: the paths that really went through a node.
 *
 * Candidates come from the exact resolved-hop membership index (a
 * transmission appears only when one of its observations resolved a hop to
 * THIS key; a node sharing a 1- or 2-byte prefix never contributes), plus
 * transmissions whose observation has no resolved hop at all and whose raw hop
 * equals a prefix that belongs to this node alone among relays. Candidates are
 * grouped by hop signature (the chosen observation's raw hops; resolved and
 * prefix-only matches apart), sorted by last seen then count, and only the 50
 * shown groups get names: ONE batched `resolvedPathsFor` call fetches their
 * representative observations' resolved paths (LRU, then SQL).
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { nodeByKey } from "./node_lookup.ts";
import { pkParam } from "./node_detail_routes.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";
import { LRUCache } from "lru-cache";
import {
  GROUP_MEMBERS,
  type GroupMember,
  NodePathIndex,
  type PathGroup,
  type PathGroups,
} from "../store/path_groups.ts";

/** Most path groups returned. */
export const MAX_PATHS = 50;
function keyBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Hop sizes (1-3) whose prefix of `n`'s key no other relay-capable node shares. */
export function uniquePrefixSizes(ctx: ApiContext, n: NodeInfo, pk: Uint8Array): number[] {
  const out: number[] = [];
  for (const size of [1, 2, 3] as const) {
    const ids = ctx.resolver.table.candidates(pk, 0, size);
    if (ids.length === 1 && ids[0] === n.id) out.push(size);
  }
  return out;
}

/** Nodes whose path index is kept between requests. */
export const PATH_INDEX_CACHE = 64;

/**
 * Per-node path indexes, updated incrementally on each request (only new
 * candidate transmissions are scanned) and rebuilt when a candidate vanished
 * or the node's unique prefixes changed.
 */
export class PathIndexCache {
  readonly #lru = new LRUCache<number, NodePathIndex>({ max: PATH_INDEX_CACHE });
  readonly #ctx: ApiContext;

  /** Creates an empty cache over the context's store. */
  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Current groups of node `n`. */
  groups(n: NodeInfo, limit: number): PathGroups {
    const pk = keyBytes(n.publicKey);
    const unique = uniquePrefixSizes(this.#ctx, n, pk);
    let idx = this.#lru.get(n.id);
    if (!idx || idx.uniqueKey !== unique.join(",") || !idx.update()) {
      idx = new NodePathIndex(this.#ctx.store, n.id, pk, unique);
      idx.update();
      this.#lru.set(n.id, idx);
    }
    return idx.result(limit);
  }
}

/** Route group: paths through a node. */
export function nodePathRoutes(ctx: ApiContext): AnyRoute[] {
  const cache = new PathIndexCache(ctx);
  return [
    route({
      method: "GET",
      path: "/api/nodes/:pk/paths",
      tag: "nodes",
      summary: "Paths through a node (exact resolved hops; unique prefixes for unresolved hops)",
      params: { pk: pkParam },
      needsIndex: true,
      returns:
        "{node{public_key, name, lat, lon}, paths[<=50]{hops[{prefix, name, pubkey, lat, lon}], " +
        "count, lastSeen, sampleHash}, totalPaths, totalTransmissions}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        return c.json(pathsThrough(ctx, n, cache));
      },
    }),
  ];
}

/** Computes the paths response for node `n` (through `cache` when given). */
export function pathsThrough(ctx: ApiContext, n: NodeInfo, cache?: PathIndexCache) {
  const res = (cache ?? new PathIndexCache(ctx)).groups(n, MAX_PATHS);
  // Representatives: the most recent member; resolved groups are verified to name the node
  // (one batched resolved-path fetch per attempt, at most GROUP_MEMBERS attempts).
  const reps = new Map<PathGroup, GroupMember>();
  const resolvedOf = new Map<number, (string | null)[] | null>();
  for (let attempt = 0; attempt < GROUP_MEMBERS; attempt++) {
    const need: number[] = [];
    for (const g of res.top) {
      if (reps.has(g)) continue;
      const m = g.members[attempt];
      if (!m) continue;
      if (!g.resolved) reps.set(g, m);
      else need.push(m.obsId);
    }
    if (need.length === 0) break;
    for (const [id, v] of ctx.store.resolvedPathsFor(need)) resolvedOf.set(id, v);
    for (const g of res.top) {
      const m = g.members[attempt];
      if (!reps.has(g) && g.resolved && m && resolvedOf.get(m.obsId)?.includes(n.publicKey)) {
        reps.set(g, m);
      }
    }
  }
  const paths = res.top.map((g) => {
    const rep = reps.get(g) ?? g.members[0];
    const hops = ctx.store.getObservation(rep.obsId)?.hops ?? [];
    const keys = g.resolved ? resolvedOf.get(rep.obsId) ?? null : null;
    return {
      hops: hops.map((prefix, i) =>
        hopJson(ctx, n, prefix, keys ? keys[i] ?? null : null, g.resolved)
      ),
      count: g.count,
      lastSeen: iso(g.lastMs),
      sampleHash: ctx.store.getByTxId(rep.txId, false)?.hash ?? null,
      resolved: g.resolved,
    };
  });
  return {
    node: { public_key: n.publicKey, name: n.name, lat: n.lat, lon: n.lon },
    paths,
    totalPaths: res.totalGroups,
    totalTransmissions: res.totalTransmissions,
    uniquePrefixTransmissions: res.prefixTransmissions,
  };
}

function hopJson(
  ctx: ApiContext,
  n: NodeInfo,
  prefix: string,
  key: string | null,
  resolved: boolean,
) {
  let pubkey = key;
  if (!resolved) {
    const lower = prefix.toLowerCase();
    if (n.publicKey.startsWith(lower)) pubkey = n.publicKey;
    else if (lower.length <= 6) {
      const bytes = keyBytes(lower);
      const ids = ctx.resolver.table.candidates(bytes, 0, bytes.length as 1 | 2 | 3);
      pubkey = ids.length === 1 ? ctx.nodes.keyOf(ids[0]) : null;
    }
  }
  const node = pubkey ? ctx.nodes.byKey(pubkey) : undefined;
  return {
    prefix,
    name: node?.name ?? null,
    pubkey,
    lat: node?.lat ?? null,
    lon: node?.lon ?? null,
  };
}
