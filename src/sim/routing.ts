/**
 * Flood propagation and direct routes over the relay graph.
 *
 * A flood from an originator is a shortest-path tree over the relays with
 * randomised link weights (4–6 per hop, so near-shortest paths with
 * variation) and a forwarding mask (about 7 % of relays do not rebroadcast a
 * given flood). A relay's chain (first hop … itself) is the path its
 * rebroadcast carries. Each originator has {@linkcode VARIANTS} tree variants;
 * a tree is a pure function of (seed, originator, variant), so a cache miss
 * recomputes exactly the same tree.
 *
 * Direct routes are chains in the sender's flood tree (the route a flood
 * discovered), ending at a relay next to the destination.
 *
 * @module
 */

import type { Mesh } from "./mesh.ts";

/** Number of tree variants per originator. */
export const VARIANTS = 4;
/** Depth value of relays the flood never reached. */
export const UNREACHED = 255;

/** One flood tree over relay indexes. */
export interface FloodTree {
  /** Parent relay index; -1 for the root relay and for first hops of a non-relay originator. */
  readonly parent: Int32Array;
  /** Hops from the originator: 0 = the originator itself (a relay), 1 = first hop; 255 = unreached. */
  readonly depth: Uint8Array;
  /** 1 when the relay rebroadcasts (it still receives and can be heard only if 1). */
  readonly forwards: Uint8Array;
}

/** Flood trees with an LRU cache, and route helpers. */
export class Router {
  readonly #mesh: Mesh;
  readonly #salt: number;
  readonly #cache = new Map<number, FloodTree>();
  readonly #maxCache: number;
  #dist: Int32Array;
  #buckets: number[][] = [];

  /** A router for `mesh`; `seed` salts the link weights. */
  constructor(mesh: Mesh, seed: number, cacheBytes = 256 * 1024 * 1024) {
    this.#mesh = mesh;
    this.#salt = mix(seed ^ 0x5bd1e995);
    const per = Math.max(1, mesh.relays.length * 6);
    this.#maxCache = Math.max(16, Math.floor(cacheBytes / per));
    this.#dist = new Int32Array(mesh.relays.length);
  }

  /** The flood tree of `origin` (node index), variant `v` (0 … VARIANTS-1). */
  tree(origin: number, v: number): FloodTree {
    const key = origin * VARIANTS + v;
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const t = this.#build(origin, v);
    this.#cache.set(key, t);
    if (this.#cache.size > this.#maxCache) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    return t;
  }

  /** Node indexes of the chain first hop … relay `r` (relay index), excluding a relay originator. */
  chain(tree: FloodTree, r: number): number[] {
    const out: number[] = [];
    const relays = this.#mesh.relays;
    let x = r;
    while (x >= 0 && tree.depth[x] > 0) {
      out.push(relays[x]);
      x = tree.parent[x];
    }
    return out.reverse();
  }

  /**
   * The direct route from `from` to `to` (node indexes) as learned from a
   * flood of `from`: the relays strictly between them, or `undefined` when
   * the flood did not reach `to`.
   */
  route(from: number, to: number, v: number): number[] | undefined {
    const mesh = this.#mesh;
    const tree = this.tree(from, v);
    const dst = mesh.nodes[to];
    if (dst.relay) {
      const d = tree.depth[dst.relayIndex];
      if (d === UNREACHED) return undefined;
      const c = this.chain(tree, dst.relayIndex);
      c.pop();
      return c;
    }
    let best = -1;
    for (const nb of dst.neighbors) {
      const r = mesh.nodes[nb].relayIndex;
      if (r < 0 || tree.depth[r] === UNREACHED || !tree.forwards[r]) continue;
      if (best < 0 || tree.depth[r] < tree.depth[best]) best = r;
    }
    return best < 0 ? undefined : this.chain(tree, best);
  }

  #build(origin: number, v: number): FloodTree {
    const mesh = this.#mesh;
    const R = mesh.relays.length;
    const parent = new Int32Array(R).fill(-1);
    const depth = new Uint8Array(R).fill(UNREACHED);
    const forwards = new Uint8Array(R);
    const dist = this.#dist.fill(0x7fffffff);
    const buckets = this.#buckets;
    const salt = mix(this.#salt ^ Math.imul(origin + 1, 0x9e3779b1) ^ Math.imul(v + 1, 0x85ebca77));
    for (let r = 0; r < R; r++) {
      forwards[r] = (mix(salt ^ Math.imul(r + 1, 0x27d4eb2f)) % 100) >= 7 ? 1 : 0;
    }
    const push = (r: number, d: number) => {
      (buckets[d] ??= []).push(r);
    };
    const o = mesh.nodes[origin];
    if (o.relay) {
      dist[o.relayIndex] = 0;
      depth[o.relayIndex] = 0;
      forwards[o.relayIndex] = 1;
      push(o.relayIndex, 0);
    } else {
      for (const nb of o.neighbors) {
        const r = mesh.nodes[nb].relayIndex;
        if (r < 0) continue;
        const w = 4 + (mix(salt ^ Math.imul(nb + 7, 0x165667b1)) % 3);
        if (w < dist[r]) {
          dist[r] = w;
          depth[r] = 1;
          push(r, w);
        }
      }
    }
    const start = mesh.relayAdjStart, adj = mesh.relayAdj;
    for (let d = 0; d < buckets.length; d++) {
      const b = buckets[d];
      if (!b) continue;
      for (let i = 0; i < b.length; i++) {
        const u = b[i];
        if (dist[u] !== d || !forwards[u] || depth[u] >= 63) continue;
        for (let k = start[u]; k < start[u + 1]; k++) {
          const x = adj[k];
          const w = 4 +
            (mix(salt ^ Math.imul(u + 1, 0xc2b2ae3d) ^ Math.imul(x + 1, 0x2545f491)) % 3);
          const nd = d + w;
          if (nd < dist[x]) {
            dist[x] = nd;
            parent[x] = u;
            depth[x] = depth[u] + 1;
            push(x, nd);
          }
        }
      }
      b.length = 0;
    }
    return { parent, depth, forwards };
  }
}

/** A 32-bit integer hash (murmur3 finaliser), returning an unsigned value. */
export function mix(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
