/**
 * The neighbor graph: which nodes have been seen talking to each other
 * directly, learned only from evidence that needs no guessing.
 *
 * Evidence (one call of {@linkcode NeighborGraph.addObservation} per
 * observation):
 * - ADVERT originator (full key) <-> the first hop of a flood path;
 * - observer (a known node) <-> the last hop of a flood path;
 * - zero-hop ADVERT originator <-> observer;
 * - two adjacent hops that were both resolved *uniquely* (only one
 *   relay-capable node has the prefix), never hops resolved by inference.
 *
 * Each edge keeps the raw `count` and `lastSeen` of the `neighbor_edges` table
 * plus an exponentially decayed weight (default half-life 7 days), so old
 * evidence fades: `weight(a, b, now) = sum over sightings of 0.5^(age / halfLife)`.
 *
 * @module
 */

/** One undirected edge, as persisted in `neighbor_edges`. */
export interface NeighborEdge {
  /** Node id of one end (the smaller id). */
  a: number;
  /** Node id of the other end. */
  b: number;
  /** Number of sightings (never decayed). */
  count: number;
  /** Epoch ms of the latest sighting. */
  lastSeenMs: number;
}

/** What one observation contributes to the graph. */
export interface GraphEvidence {
  /** Resolved node id per hop (-1 = unknown). */
  nodeIds: ArrayLike<number>;
  /** Per hop: whether the resolution needed no inference (unique prefix). */
  unique: ArrayLike<boolean | number>;
  /** Hop count (defaults to `nodeIds.length`). */
  hopCount?: number;
  /** ADVERT originator node id (full key). */
  originatorId?: number;
  /** Observer node id, when the observer is a known node. */
  observerId?: number;
  /**
   * Index of the hop the observer heard directly: `hopCount - 1` for flood
   * paths (the default), `-1` when unknown (direct routes).
   */
  observerHop?: number;
  /** Whether the first hop heard the originator directly (flood paths; default true). */
  originatorAdjacent?: boolean;
  /** Whether consecutive hops are radio neighbours (default true). */
  hopsAdjacent?: boolean;
  /** Ingest time of the observation. */
  nowMs: number;
}

/** Options of {@linkcode NeighborGraph}. */
export interface NeighborGraphOptions {
  /** Half-life of edge weights in hours (default 168 = 7 days). */
  halfLifeHours?: number;
}

/**
 * Undirected, weighted, decaying graph over node ids.
 *
 * @example
 * ```ts
 * const g = new NeighborGraph();
 * g.addEdge(1, 2, Date.now());
 * g.weight(1, 2, Date.now()); // 1
 * ```
 */
export class NeighborGraph {
  #ea = new Int32Array(256);
  #eb = new Int32Array(256);
  #count = new Float64Array(256);
  #last = new Float64Array(256);
  #w = new Float64Array(256);
  #dirty = new Uint8Array(256);
  #edgeCount = 0;
  /** Per node: neighbour ids and the matching edge indexes (parallel arrays). */
  #nbr: (number[] | undefined)[] = [];
  #adj: (number[] | undefined)[] = [];
  #lambda: number;

  /** Creates an empty graph. */
  constructor(options: NeighborGraphOptions = {}) {
    const hours = options.halfLifeHours ?? 168;
    if (!(hours > 0)) throw new RangeError(`Cannot use half-life ${hours} h: must be positive`);
    this.#lambda = Math.LN2 / (hours * 3600_000);
  }

  /** Number of edges. */
  get size(): number {
    return this.#edgeCount;
  }

  /**
   * Records `count` sightings of the edge a-b at `atMs`. A self-edge or a
   * negative id is ignored. Returns whether the edge was recorded.
   */
  addEdge(a: number, b: number, atMs: number, count = 1): boolean {
    if (a === b || a < 0 || b < 0 || !(count > 0)) return false;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let e = this.#find(lo, hi);
    if (e < 0) {
      e = this.#newEdge(lo, hi);
      this.#count[e] = count;
      this.#last[e] = atMs;
      this.#w[e] = count;
    } else {
      this.#count[e] += count;
      const last = this.#last[e];
      if (atMs >= last) {
        this.#w[e] = this.#w[e] * Math.exp(-this.#lambda * (atMs - last)) + count;
        this.#last[e] = atMs;
      } else {
        this.#w[e] += count * Math.exp(-this.#lambda * (last - atMs));
      }
    }
    this.#dirty[e] = 1;
    return true;
  }

  /** Adds the edges one observation proves (see the module doc). Returns how many. */
  addObservation(ev: GraphEvidence): number {
    const n = ev.hopCount ?? ev.nodeIds.length;
    const ids = ev.nodeIds;
    const uniq = ev.unique;
    const now = ev.nowMs;
    let added = 0;
    const origin = ev.originatorId ?? -1;
    const observer = ev.observerId ?? -1;
    if (n === 0) {
      if (origin >= 0 && observer >= 0 && this.addEdge(origin, observer, now)) added++;
      return added;
    }
    if (origin >= 0 && ev.originatorAdjacent !== false && uniq[0] && ids[0] >= 0) {
      if (this.addEdge(origin, ids[0], now)) added++;
    }
    const oh = ev.observerHop ?? n - 1;
    if (observer >= 0 && oh >= 0 && oh < n && uniq[oh] && ids[oh] >= 0) {
      if (this.addEdge(observer, ids[oh], now)) added++;
    }
    if (ev.hopsAdjacent !== false) {
      for (let i = 0; i + 1 < n; i++) {
        if (uniq[i] && uniq[i + 1] && ids[i] >= 0 && ids[i + 1] >= 0) {
          if (this.addEdge(ids[i], ids[i + 1], now)) added++;
        }
      }
    }
    return added;
  }

  /** Decayed weight of the edge a-b at `nowMs` (0 when absent). */
  weight(a: number, b: number, nowMs: number): number {
    const e = this.#find(a, b);
    return e < 0 ? 0 : this.#decayed(e, nowMs);
  }

  /** Raw count of the edge a-b (0 when absent). */
  count(a: number, b: number): number {
    const e = this.#find(a, b);
    return e < 0 ? 0 : this.#count[e];
  }

  /** Number of distinct neighbours of `id`. */
  degree(id: number): number {
    return this.#adj[id]?.length ?? 0;
  }

  /** Neighbours of `id` with their decayed weight at `nowMs`, heaviest first. */
  neighbors(id: number, nowMs: number): { id: number; weight: number; count: number }[] {
    const list = this.#adj[id];
    if (!list) return [];
    const out = list.map((e) => ({
      id: this.#ea[e] === id ? this.#eb[e] : this.#ea[e],
      weight: this.#decayed(e, nowMs),
      count: this.#count[e],
    }));
    return out.sort((x, y) => y.weight - x.weight || x.id - y.id);
  }

  /** Every edge (for persistence), in insertion order. */
  *edges(options: { dirtyOnly?: boolean } = {}): IterableIterator<NeighborEdge> {
    for (let e = 0; e < this.#edgeCount; e++) {
      if (options.dirtyOnly && this.#dirty[e] === 0) continue;
      yield { a: this.#ea[e], b: this.#eb[e], count: this.#count[e], lastSeenMs: this.#last[e] };
    }
  }

  /** Marks every edge as saved (see `edges({dirtyOnly: true})`). */
  markClean(): void {
    this.#dirty.fill(0);
  }

  /** Edge index of a-b, or -1: scans the shorter neighbour list (degrees are small). */
  #find(a: number, b: number): number {
    const na = this.#nbr[a];
    const nb = this.#nbr[b];
    if (na === undefined || nb === undefined) return -1;
    if (na.length <= nb.length) {
      for (let k = 0; k < na.length; k++) if (na[k] === b) return this.#adj[a]![k];
    } else {
      for (let k = 0; k < nb.length; k++) if (nb[k] === a) return this.#adj[b]![k];
    }
    return -1;
  }

  #decayed(e: number, nowMs: number): number {
    const age = nowMs - this.#last[e];
    return age <= 0 ? this.#w[e] : this.#w[e] * Math.exp(-this.#lambda * age);
  }

  #newEdge(lo: number, hi: number): number {
    const e = this.#edgeCount++;
    if (e >= this.#ea.length) {
      const cap = this.#ea.length * 2;
      this.#ea = growI(this.#ea, cap);
      this.#eb = growI(this.#eb, cap);
      this.#count = growF(this.#count, cap);
      this.#last = growF(this.#last, cap);
      this.#w = growF(this.#w, cap);
      const d = new Uint8Array(cap);
      d.set(this.#dirty);
      this.#dirty = d;
    }
    this.#ea[e] = lo;
    this.#eb[e] = hi;
    (this.#adj[lo] ??= []).push(e);
    (this.#adj[hi] ??= []).push(e);
    (this.#nbr[lo] ??= []).push(hi);
    (this.#nbr[hi] ??= []).push(lo);
    return e;
  }
}

function growI(arr: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(cap);
  next.set(arr);
  return next;
}

function growF(arr: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(cap);
  next.set(arr);
  return next;
}
