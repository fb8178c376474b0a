/**
 * A small TTL cache for computed responses (stats 10 s, grouped packets 3 s,
 * analytics 60 s). Bounded by entry count; the oldest entry goes first.
 *
 * @module
 */

interface Entry {
  at: number;
  value: unknown;
}

/** Computed values by key, each kept for its own TTL. */
export class TtlCache {
  readonly #map = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;

  /** Creates a cache of at most `max` entries using clock `now`. */
  constructor(max = 500, now: () => number = Date.now) {
    this.#max = max;
    this.#now = now;
  }

  /** The cached value of `key` if younger than `ttlMs`, else computes and stores it. */
  get<T>(key: string, ttlMs: number, compute: () => T): T {
    const now = this.#now();
    const e = this.#map.get(key);
    if (e && now - e.at < ttlMs) {
      this.#hits++;
      return e.value as T;
    }
    this.#misses++;
    const value = compute();
    this.#map.delete(key);
    this.#map.set(key, { at: now, value });
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
    return value;
  }

  /** Age in seconds of a cached key, or 0. */
  ageSeconds(key: string): number {
    const e = this.#map.get(key);
    return e ? Math.floor((this.#now() - e.at) / 1000) : 0;
  }

  /** Drops every entry. */
  clear(): void {
    this.#map.clear();
  }

  /** Hit/miss counters for `/metrics`. */
  stats(): { size: number; hits: number; misses: number } {
    return { size: this.#map.size, hits: this.#hits, misses: this.#misses };
  }
}
