/**
 * Content hash -> transmission id, as an open-addressing table of ids.
 *
 * A 16-hex hash is held as two uint32 halves in the transmission columns; the
 * table stores only transaction ids and confirms a probe by reading the
 * halves back through {@linkcode HashKeySource}. Hashes that are not 16 hex
 * characters (the reference's raw-hex fallback for short packets) live in a
 * small side map.
 *
 * @module
 */

/** Reads the hash halves of a live transmission. */
export interface HashKeySource {
  hashHi(txId: number): number;
  hashLo(txId: number): number;
}

const EMPTY = -1;
const TOMB = -2;

/** Parsed form of a hash string. */
export interface HashKey {
  /** True when the hash is 16 hex characters (then hi/lo are valid). */
  ok: boolean;
  hi: number;
  lo: number;
  /** Lowercased input. */
  lower: string;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses a hash string into `out` (reused to avoid allocation). */
export function parseHashKey(hash: string, out: HashKey): HashKey {
  out.lower = hash.toLowerCase();
  out.ok = false;
  out.hi = 0;
  out.lo = 0;
  if (hash.length !== 16) return out;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const a = nibble(hash.charCodeAt(i));
    const b = nibble(hash.charCodeAt(i + 8));
    if ((a | b) < 0) return out;
    hi = (hi << 4) | a;
    lo = (lo << 4) | b;
  }
  out.hi = hi >>> 0;
  out.lo = lo >>> 0;
  out.ok = true;
  return out;
}

/** Lowercase 16-hex text of hash halves. */
export function hashText(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}

function mix(hi: number, lo: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash -> transmission id index. */
export class HashIndex {
  table: Int32Array = new Int32Array(1024).fill(EMPTY);
  /** Live entries in the table. */
  used = 0;
  tombs = 0;
  /** Lowercased non-16-hex hashes -> tx id. */
  odd: Map<string, number> = new Map();
  private readonly src: HashKeySource;

  constructor(src: HashKeySource) {
    this.src = src;
  }

  /** Number of indexed hashes. */
  get size(): number {
    return this.used + this.odd.size;
  }

  /** Transmission id for a parsed hash, or -1. */
  find(key: HashKey): number {
    if (!key.ok) return this.odd.get(key.lower) ?? -1;
    const t = this.table;
    const mask = t.length - 1;
    let i = mix(key.hi, key.lo) & mask;
    for (;;) {
      const v = t[i];
      if (v === EMPTY) return -1;
      if (v >= 0 && this.src.hashLo(v) === key.lo && this.src.hashHi(v) === key.hi) return v;
      i = (i + 1) & mask;
    }
  }

  /** Inserts `txId` under `key` (the caller checked it is absent). */
  insert(key: HashKey, txId: number): void {
    if (!key.ok) {
      this.odd.set(key.lower, txId);
      return;
    }
    if ((this.used + this.tombs + 1) * 2 > this.table.length) {
      this.#rebuild(this.used + 1);
    }
    this.#place(this.table, key.hi, key.lo, txId);
    this.used++;
  }

  /** Removes `txId` stored under `key`; returns whether it was found. */
  remove(key: HashKey, txId: number): boolean {
    if (!key.ok) {
      if (this.odd.get(key.lower) !== txId) return false;
      this.odd.delete(key.lower);
      return true;
    }
    const t = this.table;
    const mask = t.length - 1;
    let i = mix(key.hi, key.lo) & mask;
    for (;;) {
      const v = t[i];
      if (v === EMPTY) return false;
      if (v === txId) {
        t[i] = TOMB;
        this.used--;
        this.tombs++;
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  /** Rebuilds when tombstones pile up or the table is mostly empty (after eviction). */
  maintain(): void {
    const cap = this.table.length;
    if (this.tombs > cap >> 2 || (cap > 4096 && this.used * 8 < cap)) this.#rebuild(this.used);
  }

  /** Every live tx id in the table (diagnostics). */
  *ids(): IterableIterator<number> {
    for (const v of this.table) if (v >= 0) yield v;
    yield* this.odd.values();
  }

  /** Bytes held by the table (the side map is estimated at 80 B per entry). */
  get byteLength(): number {
    return this.table.byteLength + this.odd.size * 80;
  }

  #place(t: Int32Array, hi: number, lo: number, txId: number): void {
    const mask = t.length - 1;
    let i = mix(hi, lo) & mask;
    while (t[i] >= 0) i = (i + 1) & mask;
    if (t[i] === TOMB) this.tombs--;
    t[i] = txId;
  }

  #rebuild(need: number): void {
    let cap = 1024;
    while (cap < need * 3) cap <<= 1;
    const old = this.table;
    const next = new Int32Array(cap).fill(EMPTY);
    this.tombs = 0;
    for (const v of old) {
      if (v >= 0) this.#place(next, this.src.hashHi(v), this.src.hashLo(v), v);
    }
    this.table = next;
  }
}
