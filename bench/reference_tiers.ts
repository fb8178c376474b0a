/**
 * The reference's live multi-tier hop resolver (data-model §6C), rebuilt from
 * the spec's description as a *baseline* for the resolver benchmark: how often
 * are its answers right on a database whose true paths are known? The CoreScope
 * fixture's stored `resolved_path` values are this resolver's output (this
 * baseline reproduces 2,149 of its 2,166 named hops, `fixture_agreement_test.ts`), so
 * its precision bounds how far agreeing with the fixture can be a virtue.
 *
 * Per hop, with context keys observer, originator and the previous resolved hop:
 * 0 `no_match`; 1 `unique_prefix`; 2 `neighbor_affinity` (best edge to a context
 * key scored `min(1, count/100) * recency * 1/3`, accepted with count >= 3 and
 * 3x the runner-up); 3 `geo_proximity` (GPS candidate nearest the centroid of
 * the context nodes with GPS); 4 `gps_preference` (most adverts among GPS
 * candidates, smallest key on ties); 5 `observation_count_fallback` (the same
 * over all candidates). Approximations, stated: candidates are hopwatch's
 * relay-capable prefix table (the reference's set: repeaters and rooms minus
 * non-relaying observers); the edge graph is the one hopwatch learns (unique
 * hops and anchors only, like the reference's edge builder); recency is the
 * decayed weight over the raw count (same 168 h half-life); the distinct-
 * observer factor is taken as 1/3 (one observer), which scales every score
 * alike and leaves the 3x ratio test unchanged.
 *
 * @module
 */

import type { NodeDirectory } from "../src/store/node_directory.ts";
import type { NeighborGraph } from "../src/resolve/neighbor_graph.ts";
import type { PrefixTable } from "../src/resolve/prefix_table.ts";

/** Tier names, indexed by tier number. */
export const TIER_NAMES = [
  "no_match",
  "unique_prefix",
  "neighbor_affinity",
  "geo_proximity",
  "gps_preference",
  "observation_count_fallback",
] as const;

/** Context of one path, as node ids (-1 = none). */
export interface TierContext {
  observerId: number;
  originatorId: number;
  nowMs: number;
}

/** The reference's multi-tier resolver over hopwatch's tables. */
export class ReferenceTiers {
  /** Node id per hop of the last path (-1 = null). */
  readonly ids = new Int32Array(64);
  /** Tier per hop of the last path. */
  readonly tiers = new Uint8Array(64);

  /** Creates the baseline over the directory, prefix table and learned graph. */
  constructor(
    readonly dir: NodeDirectory,
    readonly table: PrefixTable,
    readonly graph: NeighborGraph,
  ) {}

  /** Resolves `hopCount` hops of `size` bytes; results in `ids` and `tiers`. */
  resolve(hops: Uint8Array, size: 1 | 2 | 3, hopCount: number, ctx: TierContext): void {
    let prev = -1;
    for (let i = 0; i < hopCount; i++) {
      const cands = this.table.candidates(hops, i * size, size);
      const context = [ctx.observerId, ctx.originatorId, prev].filter((id) => id >= 0);
      let pick = -1, tier = 0;
      if (cands.length === 1) {
        pick = cands[0];
        tier = 1;
      } else if (cands.length > 1) {
        pick = this.#affinity(cands, context, ctx.nowMs);
        if (pick >= 0) tier = 2;
        else {
          pick = this.#nearestToCentroid(cands, context);
          tier = pick >= 0 ? 3 : 0;
        }
        if (pick < 0) {
          const gps = Array.from(cands).filter((c) => this.#hasGps(c));
          pick = this.#mostAdverts(gps.length > 0 ? gps : Array.from(cands));
          tier = gps.length > 0 ? 4 : 5;
        }
      }
      this.ids[i] = pick;
      this.tiers[i] = tier;
      if (pick >= 0) prev = pick;
    }
  }

  #affinity(cands: ArrayLike<number>, context: number[], nowMs: number): number {
    let best = -1, bestScore = 0, bestCount = 0, second = 0;
    for (let k = 0; k < cands.length; k++) {
      const c = cands[k];
      let score = 0, count = 0;
      for (const m of context) {
        const n = this.graph.count(c, m);
        if (n === 0) continue;
        const recency = Math.min(1, this.graph.weight(c, m, nowMs) / n);
        const s = Math.min(1, n / 100) * recency / 3;
        if (s > score) {
          score = s;
          count = n;
        }
      }
      if (score > bestScore) {
        second = bestScore;
        best = c;
        bestScore = score;
        bestCount = count;
      } else if (score > second) second = score;
    }
    return best >= 0 && bestCount >= 3 && bestScore >= 3 * second ? best : -1;
  }

  #nearestToCentroid(cands: ArrayLike<number>, context: number[]): number {
    let lat = 0, lon = 0, n = 0;
    for (const m of context) {
      if (!this.#hasGps(m)) continue;
      lat += this.table.lat(m);
      lon += this.table.lon(m);
      n++;
    }
    if (n === 0) return -1;
    lat /= n;
    lon /= n;
    let best = -1, bestD = Infinity;
    for (let k = 0; k < cands.length; k++) {
      const c = cands[k];
      if (!this.#hasGps(c)) continue;
      const d = (this.table.lat(c) - lat) ** 2 + (this.table.lon(c) - lon) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  #mostAdverts(pool: number[]): number {
    let best = -1, bestN = -1, bestKey = "";
    for (const c of pool) {
      const n = this.dir.get(c)?.advertCount ?? 0;
      const key = this.dir.keyOf(c);
      if (n > bestN || (n === bestN && key < bestKey)) {
        best = c;
        bestN = n;
        bestKey = key;
      }
    }
    return best;
  }

  #hasGps(id: number): boolean {
    return this.table.lat(id) === this.table.lat(id);
  }
}
