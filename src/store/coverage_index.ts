/**
 * The in-memory grid index of roaming-client receptions (`client_receptions`):
 * one columnar row per reception and, per hex resolution 3–13 (CoreScope's cell
 * geometry, `hex_grid.ts`), the ids of the receptions in each cell, kept in
 * reception-time order so a time window is a binary search. Lists by heard key
 * and by receiving client serve the per-node and per-client queries. Ingest
 * appends ({@linkcode CoverageIndex.add}); retention drops the oldest
 * ({@linkcode CoverageIndex.expireBefore}). Queries live in `coverage_query.ts`.
 *
 * @module
 */

import { cellOfMerc, mercX, mercY } from "./hex_grid.ts";
import { addToDay, dropDaysBefore } from "./coverage_days.ts";
import { IdPool } from "./coverage_pool.ts";
import { IndexedCell } from "./coverage_cell.ts";
import { ByteArena } from "./byte_arena.ts";

export { type CellMemo, IndexedCell } from "./coverage_cell.ts";

/** Lowest indexed resolution. */
export const INDEX_MIN_RES = 3;
/** Highest indexed resolution; finer displays bin this level's receptions on the fly. */
export const INDEX_MAX_RES = 13;
/** Highest resolution whose cells keep per-day summaries (coarse cells hold many receptions). */
export const AGG_MAX_RES = 11;
/** Milliseconds per day bucket. */
export const DAY_MS = 86_400_000;
/** Most bytes of drawn cells' heads kept (~40,000 cells); the oldest are made again past it. */
export const HEADS_BYTES = 16 * 1024 * 1024;
/** Most bytes of memoised cell features kept (~20,000 features); the oldest go past it. */
export const MEMOS_BYTES = 32 * 1024 * 1024;

/** One reception as ingested. */
export interface ReceptionInput {
  rxPubkey: string;
  heardKey: string;
  lat: number;
  lon: number;
  snr: number | null;
  rssi: number | null;
  rxAtMs: number;
}

/** Live reception ids `ids[start..n)`, in time order. */
export interface IdRange {
  readonly ids: Int32Array;
  start: number;
  n: number;
  /** Ids ever added (memoised answers compare it: any add may move or shift ids). */
  adds: number;
}

/** Reception ids in time order, growable. */
export class IdList implements IdRange {
  ids: Int32Array = new Int32Array(4);
  /** Index of the first live id (ids before it were expired). */
  start = 0;
  n = 0;
  /** Ids ever added (memoised answers compare it: any add may move or shift ids). */
  adds = 0;

  /** Live ids count. */
  get size(): number {
    return this.n - this.start;
  }
}

/** Interned strings with dense ids. */
class Interner {
  readonly names: string[] = [];
  readonly #ids = new Map<string, number>();
  id(s: string): number {
    let id = this.#ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.#ids.set(s, id);
      this.names.push(s);
    }
    return id;
  }
  find(s: string): number | undefined {
    return this.#ids.get(s);
  }
}

/** See the module doc. */
export class CoverageIndex {
  lat: Float64Array = new Float64Array(1024);
  lon: Float64Array = new Float64Array(1024);
  /** Web Mercator x/y, kept for binning at display resolutions. */
  mx: Float64Array = new Float64Array(1024);
  my: Float64Array = new Float64Array(1024);
  /** NaN when the reception carried no SNR. */
  snr: Float32Array = new Float32Array(1024);
  rxAt: Float64Array = new Float64Array(1024);
  heard: Int32Array = new Int32Array(1024);
  rx: Int32Array = new Int32Array(1024);
  /** Rows used (live and expired). */
  rows = 0;
  /** Live receptions. */
  live = 0;
  /** Bumped on every change, for memoised aggregates. */
  version = 0;
  readonly heardKeys: Interner = new Interner();
  readonly rxKeys: Interner = new Interner();
  /** Per resolution (index `res - INDEX_MIN_RES`): cell key -> cell. */
  readonly levels: Map<number, IndexedCell>[] = [];
  /** Per resolution (as `levels`): the blocks of its cells' reception ids. */
  readonly pools: IdPool[] = [];
  readonly byHeard: Map<number, IdList> = new Map();
  readonly byRx: Map<number, IdList> = new Map();
  /** Drawn cells' heads (id, ring: `coverage_writer.ts`), kept while within budget. */
  readonly heads: ByteArena;
  /** Memoised features of cells per window (`coverage_json.ts`), kept while within budget. */
  readonly memos: ByteArena;

  /**
   * An empty index; `budgets` bounds the bytes its answers' caches keep (defaults
   * {@linkcode HEADS_BYTES} and {@linkcode MEMOS_BYTES}).
   */
  constructor(budgets: { heads?: number; memos?: number } = {}) {
    const heads = budgets.heads ?? HEADS_BYTES, memos = budgets.memos ?? MEMOS_BYTES;
    this.heads = new ByteArena(Math.min(64 * 1024, heads), heads);
    this.memos = new ByteArena(Math.min(64 * 1024, memos), memos);
    for (let r = INDEX_MIN_RES; r <= INDEX_MAX_RES; r++) {
      this.levels.push(new Map());
      this.pools.push(new IdPool());
    }
  }

  /** The heard-key strings, by id. */
  heardKey(id: number): string {
    return this.heardKeys.names[id];
  }

  /** The client key strings, by id. */
  rxKey(id: number): string {
    return this.rxKeys.names[id];
  }

  /** Id of a heard key, if any reception carries it. */
  heardId(key: string): number | undefined {
    return this.heardKeys.find(key.toLowerCase());
  }

  /** Id of a receiving client, if any. */
  rxId(key: string): number | undefined {
    return this.rxKeys.find(key.toLowerCase());
  }

  /**
   * Adds one reception. Duplicates (same client, heard key and time) are refused by the
   * `client_receptions` UNIQUE constraint before they get here.
   */
  add(r: ReceptionInput): void {
    const rxKey = r.rxPubkey.toLowerCase(), heardKey = r.heardKey.toLowerCase();
    if (this.rows === this.lat.length) this.#grow();
    const i = this.rows++;
    this.lat[i] = r.lat;
    this.lon[i] = r.lon;
    const x = mercX(r.lon), y = mercY(r.lat);
    this.mx[i] = x;
    this.my[i] = y;
    this.snr[i] = r.snr ?? NaN;
    const snr = this.snr[i]; // as stored (32-bit)
    const at = this.rxAt[i] = r.rxAtMs;
    const day = Math.floor(at / DAY_MS);
    const h = this.heardKeys.id(heardKey);
    const c = this.rxKeys.id(rxKey);
    this.heard[i] = h;
    this.rx[i] = c;
    for (let res = INDEX_MIN_RES; res <= INDEX_MAX_RES; res++) {
      const level = this.levels[res - INDEX_MIN_RES];
      const key = cellOfMerc(x, y, res);
      let cell = level.get(key);
      if (!cell) {
        cell = new IndexedCell(res, key, this.pools[res - INDEX_MIN_RES], res <= AGG_MAX_RES);
        level.set(key, cell);
      }
      this.#pushCell(cell, i);
      if (cell.days) cell.days = addToDay(cell.days, day, h, at, snr);
    }
    this.#push(listOf(this.byHeard, h), i);
    this.#push(listOf(this.byRx, c), i);
    this.live++;
    this.version++;
  }

  /** Index of the first id in `list` (or in its range `lo`..`hi`) with rxAt >= `sinceMs`. */
  firstSince(list: IdRange, sinceMs: number, lo = list.start, hi = list.n): number {
    const ids = list.ids, at = this.rxAt;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at[ids[mid]] < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops receptions older than `cutoffMs` from every list; returns how many. */
  expireBefore(cutoffMs: number): number {
    let removed = 0;
    const trim = (list: IdList | IndexedCell) => {
      const to = this.firstSince(list, cutoffMs);
      const n = to - list.start;
      list.start = to;
      return n;
    };
    const cutoffDay = Math.floor(cutoffMs / DAY_MS);
    for (const level of this.levels) {
      for (const [key, cell] of level) {
        if (trim(cell) === 0) continue;
        if (cell.size === 0) {
          level.delete(key);
          cell.forget(this.memos, this.heads);
          if (!cell.own) cell.pool.release(cell.off, cell.cap);
        } else if (cell.days) cell.days = this.#dropDays(cell.days, cell, cutoffDay);
      }
    }
    for (const map of [this.byHeard, this.byRx]) {
      for (const [key, list] of map) {
        const n = trim(list);
        if (map === this.byHeard) removed += n;
        if (list.size === 0) map.delete(key);
      }
    }
    if (removed > 0) {
      this.live -= removed;
      this.version++;
      if (this.rows > 4096 && this.live < this.rows / 2) this.#compact();
    }
    return removed;
  }

  /**
   * Drops the day summaries before `cutoffDay` and rebuilds the cutoff day's from the
   * receptions it still holds, so the summaries hold exactly the receptions in the list.
   */
  #dropDays(days: Float64Array, list: IdRange, cutoffDay: number): Float64Array {
    let s = dropDaysBefore(days, cutoffDay);
    const end = (cutoffDay + 1) * DAY_MS, ids = list.ids;
    for (let k = list.start; k < list.n && this.rxAt[ids[k]] < end; k++) {
      const i = ids[k];
      s = addToDay(s, cutoffDay, this.heard[i], this.rxAt[i], this.snr[i]);
    }
    return s;
  }

  #push(list: IdList, id: number): void {
    list.adds++;
    if (list.n === list.ids.length) {
      if (list.start > list.n / 2) {
        list.ids.copyWithin(0, list.start, list.n);
        list.n -= list.start;
        list.start = 0;
      } else {
        const next = new Int32Array(list.ids.length * 2);
        next.set(list.ids.subarray(0, list.n));
        list.ids = next;
      }
    }
    this.#place(list, id);
  }

  /** {@linkcode CoverageIndex.#push} for a cell (a full block moves, `IndexedCell.makeRoom`). */
  #pushCell(cell: IndexedCell, id: number): void {
    cell.adds++;
    if (cell.n === cell.off + cell.cap) cell.makeRoom();
    this.#place(cell, id);
  }

  /** Appends `id` to a range with room for it, in time order (a late reception moves back). */
  #place(r: IdRange, id: number): void {
    const ids = r.ids, at = this.rxAt;
    let j = r.n++;
    const t = at[id];
    while (j > r.start && at[ids[j - 1]] > t) {
      ids[j] = ids[j - 1];
      j--;
    }
    ids[j] = id;
  }

  #grow(): void {
    const n = this.lat.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.lat = f64(this.lat);
    this.lon = f64(this.lon);
    this.mx = f64(this.mx);
    this.my = f64(this.my);
    this.rxAt = f64(this.rxAt);
    const snr = new Float32Array(n);
    snr.set(this.snr);
    this.snr = snr;
    const heard = new Int32Array(n);
    heard.set(this.heard);
    this.heard = heard;
    const rx = new Int32Array(n);
    rx.set(this.rx);
    this.rx = rx;
  }

  /** Rebuilds the rows without the expired ones. */
  /** Row `i` as the input that would add it again (RSSI is not kept by the index). */
  reception(i: number): ReceptionInput {
    return {
      rxPubkey: this.rxKey(this.rx[i]),
      heardKey: this.heardKey(this.heard[i]),
      lat: this.lat[i],
      lon: this.lon[i],
      snr: Number.isNaN(this.snr[i]) ? null : this.snr[i],
      rssi: null,
      rxAtMs: this.rxAt[i],
    };
  }

  #compact(): void {
    const keep: ReceptionInput[] = [];
    for (const list of this.byHeard.values()) {
      for (let k = list.start; k < list.n; k++) {
        keep.push(this.reception(list.ids[k]));
      }
    }
    keep.sort((a, b) => a.rxAtMs - b.rxAtMs);
    this.rows = 0;
    this.live = 0;
    for (const level of this.levels) level.clear();
    for (const pool of this.pools) pool.clear();
    this.byHeard.clear();
    this.byRx.clear();
    for (const r of keep) this.add(r);
  }
}

function listOf(map: Map<number, IdList>, key: number): IdList {
  let list = map.get(key);
  if (!list) {
    list = new IdList();
    map.set(key, list);
  }
  return list;
}
