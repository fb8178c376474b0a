/**
 * A cell of the coverage grid index (`coverage_index.ts`): its reception ids
 * as a block of its level's {@linkcode IdPool} (`coverage_pool.ts`), its day
 * summaries, memoised answers and bounds. The index keeps ~116,000 of them for
 * 1 M receptions, so a cell holds no array of its own until it outgrows the
 * pool's largest block.
 *
 * @module
 */

import type { CellText } from "./coverage_json.ts";
import type { IdRange } from "./coverage_index.ts";
import type { ArenaOwner, ByteArena } from "./byte_arena.ts";
import { newDays } from "./coverage_days.ts";
import { cellBounds } from "./hex_grid.ts";
import { type IdPool, MAX_BLOCK, MIN_BLOCK } from "./coverage_pool.ts";

/**
 * One memoised answer of a cell (`coverage_json.ts`): the window `key`, its first index, the
 * ids added and the tag it was computed under, and the feature (`null`: no reception), whose
 * bytes are a view into the index's memo arena chunk `chunk` (`byte_arena.ts`).
 */
export class CellMemo implements ArenaOwner {
  key: number;
  from = 0;
  /** Ids added to the cell when computed; -1: not valid. */
  adds = -1;
  tag = "";
  value: CellText | null = null;
  chunk = -1;

  /** An empty (not valid) memo for window `key`. */
  constructor(key: number) {
    this.key = key;
  }

  /**
   * Records the answer `value` for the window starting at index `from` (see the fields); the
   * bytes of the answer it replaces are let go of in `arena`.
   */
  set(
    from: number,
    adds: number,
    tag: string,
    value: CellText | null,
    chunk: number,
    arena: ByteArena,
  ): void {
    this.forget(arena);
    this.from = from;
    this.adds = adds;
    this.tag = tag;
    this.value = value;
    this.chunk = chunk;
  }

  /** Lets go of the answer's bytes in `arena` (the entry is then not valid). */
  forget(arena: ByteArena): void {
    if (this.chunk >= 0 && this.value) arena.letGo(this.chunk, this.value.bytes.length);
    this.adds = -1;
    this.value = null;
    this.chunk = -1;
  }

  /** The arena dropped `chunk`: the answer kept in it is no longer served (nor held). */
  released(chunk: number): void {
    if (this.chunk !== chunk) return;
    this.adds = -1;
    this.value = null;
    this.chunk = -1;
  }
}

/**
 * A drawn cell's constant part: its id and its feature's bytes up to the count's digits (a view
 * into arena chunk `chunk`, or -1: bytes of their own).
 */
export interface CellHead {
  id: string;
  bytes: Uint8Array;
  chunk: number;
  /** The id's sort numbers (`idOrder` of `coverage_json.ts`). */
  qOrder: number;
  rOrder: number;
}

/**
 * A cell of one resolution: its receptions (a block of its level's {@linkcode IdPool}, or an
 * array of its own once it outgrows the pool's largest block: live ids `ids[start..n)` inside
 * the block `off..off + cap`) and its lat/lon bounds.
 */
export class IndexedCell implements IdRange, ArenaOwner {
  key: number;
  readonly pool: IdPool;
  /** The cell's own array, once its block would exceed the pool's largest. */
  own: Int32Array | null = null;
  /** The cell's block in `ids` and its size. */
  off: number;
  cap: number;
  start: number;
  n: number;
  adds = 0;
  /**
   * Per UTC day (epoch day number) summaries in one array (`coverage_days.ts`), kept for
   * resolutions up to `AGG_MAX_RES` (`coverage_index.ts`): a window query sums the whole days and scans
   * only the edge day.
   */
  days: Float64Array | null;
  /**
   * Memoised answers for this cell per query kind (see `coverage_query.ts`), oldest first (a
   * few, so a small array rather than a `Map` per cell): valid while the receptions in the
   * window (first index, ids added) and the tag are unchanged.
   */
  memo?: CellMemo[];
  /** The cell's id and feature head (ring included), once a query drew it. */
  head?: CellHead;
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;

  /** A cell of resolution `res` with an empty block of `pool` and, with `withDays`, day sums. */
  constructor(res: number, key: number, pool: IdPool, withDays: boolean) {
    this.key = key;
    this.pool = pool;
    this.off = this.start = this.n = pool.alloc(MIN_BLOCK);
    this.cap = MIN_BLOCK;
    this.days = withDays ? newDays() : null;
    const [minLat, minLon, maxLat, maxLon] = cellBounds(res, key);
    this.minLat = minLat;
    this.minLon = minLon;
    this.maxLat = maxLat;
    this.maxLon = maxLon;
  }

  /** The cell leaves the index: its memoised answers and head let go of their bytes. */
  forget(memos: ByteArena, heads: ByteArena): void {
    for (const m of this.memo ?? []) m.forget(memos);
    if (this.head && this.head.chunk >= 0) heads.letGo(this.head.chunk, this.head.bytes.length);
    this.memo = undefined;
    this.head = undefined;
  }

  /** The heads arena dropped `chunk`: a head kept there is made again when next drawn. */
  released(chunk: number): void {
    if (this.head?.chunk === chunk) this.head = undefined;
  }

  /** The pool's array (the cell's ids are `ids[start..n)`). */
  get ids(): Int32Array {
    return this.own ?? this.pool.ids;
  }

  /** Live ids count. */
  get size(): number {
    return this.n - this.start;
  }

  /** The cell's receptions: the cell itself. */
  get list(): IndexedCell {
    return this;
  }

  /**
   * Room for one more id in a full block: the live ids move to the block's start when most of
   * it is expired, else to a block twice the size (an array of the cell's own beyond the pool's
   * largest block; the old block goes back to the pool).
   */
  makeRoom(): void {
    const pool = this.pool, off = this.off, live = this.n - this.start;
    const cap = this.cap * 2;
    if (this.start - off > (this.n - off) / 2) {
      this.ids.copyWithin(off, this.start, this.n);
    } else if (cap > MAX_BLOCK) {
      // large cells (coarse resolutions) keep an array of their own, as a list does
      const own = new Int32Array(cap);
      own.set(this.ids.subarray(this.start, this.n));
      if (!this.own) pool.release(off, this.cap);
      this.own = own;
      this.off = 0;
      this.cap = cap;
    } else {
      const to = pool.alloc(cap); // may replace `pool.ids`
      pool.ids.copyWithin(to, this.start, this.n);
      pool.release(off, this.cap);
      this.off = to;
      this.cap = cap;
    }
    this.start = this.off;
    this.n = this.off + live;
  }
}
