/**
 * On-demand resolved paths for API pages.
 *
 * The store never keeps a decoded resolved path on its records. A page asks
 * for the resolved paths of its observations through
 * {@linkcode ResolvedPathCache.get}: observations still in the live window
 * (the newest ingested ones, whose decode-window output is kept as its JSON
 * string in a bounded FIFO) are answered without SQL; the rest come from an
 * LRU (`lru-cache`) or, on a miss, from ONE batched call of the injected
 * `fetchResolvedPaths` per page.
 *
 * @module
 */

import { LRUCache } from "lru-cache";
import type { FetchResolvedPaths } from "./types.ts";

/** Stands for SQL NULL inside the LRU (which cannot store null). */
const NULL = "";

/** Options of {@linkcode ResolvedPathCache}. */
export interface ResolvedCacheOptions {
  /** LRU entries (default 10,000, like the reference's FIFO). */
  lruMax?: number;
  /** Live-window entries (default 5,000). */
  liveMax?: number;
}

/** Counters of the cache. */
export interface ResolvedCacheStats {
  liveHits: number;
  lruHits: number;
  misses: number;
  /** Calls of the injected fetch function. */
  fetches: number;
  liveSize: number;
  lruSize: number;
}

/**
 * Parses a stored `resolved_path` JSON value; null when it counts as NULL
 * (unparsable, not an array of strings/nulls, all-null, or when `hopCount`
 * is given and the length differs).
 */
export function parseResolvedJson(json: string | null, hopCount = -1): (string | null)[] | null {
  if (json === null || json === NULL) return null;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length === 0) return null;
  if (hopCount >= 0 && v.length !== hopCount) return null;
  let any = false;
  for (const x of v) {
    if (typeof x === "string") any = true;
    else if (x !== null) return null;
  }
  return any ? v.map((x) => (x === null ? null : (x as string).toLowerCase())) : null;
}

/** Live window + LRU in front of the injected SQL fetch. */
export class ResolvedPathCache {
  /** Live window: obs id -> JSON string of the decode-window output (or NULL marker). */
  live: Map<number, string> = new Map();
  lru: LRUCache<number, string>;
  counters: { liveHits: number; lruHits: number; misses: number; fetches: number } = {
    liveHits: 0,
    lruHits: 0,
    misses: 0,
    fetches: 0,
  };
  fetch: FetchResolvedPaths | null;
  private readonly liveMax: number;

  constructor(fetch: FetchResolvedPaths | null, opts: ResolvedCacheOptions = {}) {
    this.fetch = fetch;
    this.liveMax = opts.liveMax ?? 5000;
    this.lru = new LRUCache<number, string>({ max: Math.max(1, opts.lruMax ?? 10_000) });
  }

  /** Records the decode-window output of a freshly ingested observation. */
  putLive(obsId: number, json: string | null): void {
    if (this.liveMax <= 0) return;
    this.live.delete(obsId);
    this.live.set(obsId, json ?? NULL);
    if (this.live.size > this.liveMax) {
      const oldest = this.live.keys().next().value as number;
      this.live.delete(oldest);
    }
  }

  /** Whether an observation is in the live window. */
  hasLive(obsId: number): boolean {
    return this.live.has(obsId);
  }

  /** Replaces a cached value after re-resolution (the SQL row changed too). */
  replace(obsId: number, json: string | null): void {
    if (this.live.has(obsId)) this.live.set(obsId, json ?? NULL);
    this.lru.delete(obsId);
  }

  /** Drops an evicted observation. */
  forget(obsId: number): void {
    this.live.delete(obsId);
    this.lru.delete(obsId);
  }

  /**
   * Resolved paths of `obsIds`: at most one fetch call for all misses.
   * `hopCountOf` gives the hop count of an observation still in memory (-1 when
   * unknown) so length mismatches count as NULL.
   */
  get(
    obsIds: readonly number[],
    hopCountOf: (obsId: number) => number,
  ): Map<number, (string | null)[] | null> {
    const out = new Map<number, (string | null)[] | null>();
    const missing: number[] = [];
    for (const id of obsIds) {
      if (out.has(id)) continue;
      const live = this.live.get(id);
      if (live !== undefined) {
        this.counters.liveHits++;
        out.set(id, parseResolvedJson(live, hopCountOf(id)));
        continue;
      }
      const hit = this.lru.get(id);
      if (hit !== undefined) {
        this.counters.lruHits++;
        out.set(id, parseResolvedJson(hit, hopCountOf(id)));
        continue;
      }
      this.counters.misses++;
      out.set(id, null);
      missing.push(id);
    }
    if (missing.length > 0 && this.fetch !== null) {
      this.counters.fetches++;
      const rows = this.fetch(missing);
      for (const id of missing) {
        const json = rows.get(id) ?? null;
        this.lru.set(id, json ?? NULL);
        out.set(id, parseResolvedJson(json, hopCountOf(id)));
      }
    }
    return out;
  }

  /**
   * Stored JSON (`""` stands for NULL) of `obsIds` for a job that reads many paths once: the
   * live window, the LRU (peeked, not promoted), else one fetch call for the rest. Unlike
   * {@linkcode ResolvedPathCache.get} it leaves the LRU and the counters as they are, so a bulk
   * read does not evict what the pages use. Ids already in `into` keep what they have.
   */
  peekJson(
    obsIds: Iterable<number>,
    into: Map<number, string | null> = new Map(),
  ): Map<number, string | null> {
    const missing: number[] = [];
    for (const id of obsIds) {
      if (into.has(id)) continue;
      const v = this.live.get(id) ?? this.lru.peek(id);
      if (v !== undefined) into.set(id, v);
      else missing.push(id);
    }
    if (missing.length > 0 && this.fetch !== null) {
      for (const [id, v] of this.fetch(missing)) into.set(id, v);
    }
    return into;
  }

  /** Counters and sizes. */
  stats(): ResolvedCacheStats {
    return { ...this.counters, liveSize: this.live.size, lruSize: this.lru.size };
  }

  /** Rough bytes held (one-byte strings plus ~80-120 B per entry). */
  get byteLength(): number {
    let b = 0;
    for (const v of this.live.values()) b += 80 + v.length;
    for (const v of this.lru.values()) b += 120 + v.length;
    return b;
  }
}
