/**
 * Memoised display cells finer than the index (street views, resolution > 13):
 * such a cell is binned from the receptions of the indexed (resolution-13) cells
 * it overlaps, so its feature bytes stay right while those cells' receptions in
 * the window are unchanged — checked per cell with the same test as the indexed
 * cells' own memo (ids added, first index of the window) and by object identity
 * (a cell emptied by retention, created since or rebuilt by compaction is another
 * object). A display cell is memoised only when every indexed cell it overlaps lies
 * wholly in the box (else the answer holds only the in-box part of it). Each
 * indexed cell also keeps the display cells its window receptions fall in, so a
 * cell whose display cells were all served from the memo is not read at all.
 * Both live in one map per index, outside the cells, bounded by
 * {@linkcode BIN_MEMO_BYTES}: the oldest entries go first.
 *
 * @module
 */

import type { CoverageIndex, IndexedCell } from "./coverage_index.ts";
import type { CellText } from "./coverage_json.ts";
import { cellOfMerc, cellQ, cellR, hexSize, packCell } from "./hex_grid.ts";

/** Most bytes (features and lists, roughly) the memo of one index holds (the oldest go first). */
export const BIN_MEMO_BYTES = 24 * 1048576;
/** Rough bytes per entry besides its feature bytes (object, arrays, key). */
const ENTRY_OVERHEAD = 160;
/** Rough bytes per cell noted as seen once. */
const SEEN_BYTES = 24;

/** One memoised display cell: its feature and the state of the indexed cells it overlaps. */
interface BinEntry {
  cell?: undefined;
  tag: string;
  deps: IndexedCell[];
  froms: number[];
  adds: number[];
  /** Overlapped indexed cells that held no reception then. */
  absent: number[];
  text: CellText;
}

/** The display cells an indexed cell's window receptions fall in. */
interface CellBins {
  cell: IndexedCell;
  from: number;
  adds: number;
  xs: number[];
}

/** The memo of one window (and resolution): entries, and the cells computed once. */
interface BinWindow {
  x: Map<number, BinEntry>;
  c: Map<number, CellBins>;
  /** Display cells computed once (memoised the second time: most street views are seen once). */
  seenX: Set<number>;
  /** Indexed cells read once (their display cells are kept the second time). */
  seenC: Set<number>;
}

/** The memo of one index and its rough size. */
interface BinStore {
  windows: Map<string, BinWindow>;
  bytes: number;
}

const stores = new WeakMap<CoverageIndex, BinStore>();

/** The display-cell memo of `idx`: entries and bytes (for the stats and the tests). */
export function binMemoSize(idx: CoverageIndex): { entries: number; bytes: number } {
  const s = stores.get(idx);
  let entries = 0;
  for (const w of s?.windows.values() ?? []) entries += w.x.size + w.c.size;
  return { entries, bytes: s?.bytes ?? 0 };
}

/** Whether `from` is still the first index of `list`'s window starting at `sinceMs`. */
function windowAt(cell: IndexedCell, from: number, sinceMs: number, rxAt: Float64Array): boolean {
  const { ids, start, n } = cell.list;
  if (from < start || from > n || (from < n && rxAt[ids[from]] < sinceMs)) return false;
  return from === start || rxAt[ids[from - 1]] < sinceMs;
}

/** One request's use of the memo: display resolution `res` over index level `base`. */
export class BinMemo {
  readonly #idx: CoverageIndex;
  readonly #res: number;
  readonly #level: Map<number, IndexedCell>;
  readonly #win: BinWindow;
  readonly #tag: string;
  readonly #box: { minLat: number; minLon: number; maxLat: number; maxLon: number };
  readonly #sinceMs: number;
  readonly #store: BinStore;
  /** Display cells served from the memo in this request. */
  readonly #done = new Set<number>();
  /** Per display cell, the ordinal of the last indexed cell that listed it. */
  readonly #mark = new Map<number, number>();
  /** First window index of the cells read wholly in this request. */
  readonly #from = new Map<IndexedCell, number>();
  #ordinal = 0;
  #xs: number[] | null = null;

  constructor(
    idx: CoverageIndex,
    res: number,
    base: number,
    level: Map<number, IndexedCell>,
    memo: { key: string; tag: string },
    box: { minLat: number; minLon: number; maxLat: number; maxLon: number },
    sinceMs: number,
  ) {
    this.#idx = idx;
    this.#res = res;
    this.#level = level;

    this.#tag = memo.tag;
    this.#box = box;
    this.#sinceMs = sinceMs;
    let s = stores.get(idx);
    if (!s) stores.set(idx, s = { windows: new Map(), bytes: 0 });
    this.#store = s;
    const key = `${memo.key}@${res}/${base}`;
    let w = s.windows.get(key);
    if (!w) {
      s.windows.set(key, w = { x: new Map(), c: new Map(), seenX: new Set(), seenC: new Set() });
    }
    this.#win = w;
  }

  #full(c: IndexedCell): boolean {
    const b = this.#box;
    return c.minLat >= b.minLat && c.maxLat <= b.maxLat && c.minLon >= b.minLon &&
      c.maxLon <= b.maxLon;
  }

  /**
   * For an indexed cell wholly in the box: when the display cells its window receptions fall
   * in are known and all are served from the memo, pushes the ones not yet served to `out`
   * and answers true (the cell need not be read).
   */
  servedWhole(cell: IndexedCell, out: CellText[]): boolean {
    const m = this.#win.c.get(cell.key);
    if (!m || m.cell !== cell || m.adds !== cell.list.adds) return false;
    if (!windowAt(cell, m.from, this.#sinceMs, this.#idx.rxAt)) return false;
    let all = true;
    for (const x of m.xs) {
      if (this.#done.has(x)) continue;
      const e = this.#win.x.get(x);
      if (e && this.#valid(e)) {
        out.push(e.text);
        this.#done.add(x);
      } else all = false;
    }
    return all;
  }

  #valid(e: BinEntry): boolean {
    if (e.tag !== this.#tag) return false;
    for (const k of e.absent) if (this.#level.has(k)) return false;
    const at = this.#idx.rxAt;
    for (let j = 0; j < e.deps.length; j++) {
      const d = e.deps[j];
      if (this.#level.get(d.key) !== d || d.list.adds !== e.adds[j] || !this.#full(d)) return false;
      if (!windowAt(d, e.froms[j], this.#sinceMs, at)) return false;
    }
    return true;
  }

  /** Starts reading an indexed cell (its display cells are listed when it is wholly in the box). */
  begin(full: boolean): void {
    this.#ordinal++;
    this.#xs = full ? [] : null;
  }

  /** Whether display cell `x` was already served from the memo (its reception is then skipped). */
  served(x: number): boolean {
    const xs = this.#xs;
    if (xs && this.#mark.get(x) !== this.#ordinal) {
      this.#mark.set(x, this.#ordinal);
      xs.push(x);
    }
    return this.#done.size > 0 && this.#done.has(x);
  }

  /** Whether display cell `x` was served from the memo in this request. */
  isServed(x: number): boolean {
    return this.#done.has(x);
  }

  /** Ends reading `cell` whose window starts at index `from`: remembers its display cells. */
  end(cell: IndexedCell, from: number): void {
    const xs = this.#xs;
    if (!xs) return;
    this.#xs = null;
    this.#from.set(cell, from);
    if (this.#once(this.#win.seenC, cell.key)) return;
    const m = { cell, from, adds: cell.list.adds, xs };
    this.#grow(sizeOf(m) - sizeOf(this.#win.c.get(cell.key)));
    this.#win.c.set(cell.key, m);
  }

  /** Memoises display cell `x`'s feature when every indexed cell it overlaps is wholly in the box. */
  put(x: number, text: CellText): void {
    if (this.#once(this.#win.seenX, x)) return;
    const deps: IndexedCell[] = [],
      froms: number[] = [],
      adds: number[] = [],
      absent: number[] = [];
    for (const k of overlapped(this.#res, x)) {
      const d = this.#level.get(k);
      if (!d) {
        absent.push(k);
        continue;
      }
      if (!this.#full(d)) return;
      deps.push(d);
      froms.push(this.#from.get(d) ?? this.#idx.firstSince(d.list, this.#sinceMs));
      adds.push(d.list.adds);
    }
    const e = { tag: this.#tag, deps, froms, adds, absent, text };
    this.#grow(sizeOf(e) - sizeOf(this.#win.x.get(x)));
    this.#win.x.set(x, e);
  }

  /** True the first time `key` is met (noted in `seen`). */
  #once(seen: Set<number>, key: number): boolean {
    if (seen.has(key)) return false;
    seen.add(key);
    this.#grow(SEEN_BYTES);
    return true;
  }

  /** Counts `n` more bytes; beyond the budget the whole memo of the index is dropped. */
  #grow(n: number): void {
    const s = this.#store;
    s.bytes += n;
    if (s.bytes <= BIN_MEMO_BYTES) return;
    for (const w of s.windows.values()) {
      w.x.clear();
      w.c.clear();
      w.seenX.clear();
      w.seenC.clear();
    }
    s.bytes = 0;
  }
}

/** Rough bytes an entry holds. */
function sizeOf(e: BinEntry | CellBins | undefined): number {
  if (!e) return 0;
  return e.cell ? ENTRY_OVERHEAD + 8 * e.xs.length : ENTRY_OVERHEAD + e.text.bytes.length;
}

const SQRT3 = Math.sqrt(3);
/** A cell and its six neighbours, as (dq, dr) pairs. */
const AROUND = [0, 0, 1, 0, -1, 0, 0, 1, 0, -1, 1, -1, -1, 1];

/**
 * The resolution-13 cells a display cell of `res` (> 13) overlaps, boundary included: among
 * the cell holding its centre and that cell's six neighbours (a display cell is at most half
 * as wide), those that no separating axis parts from it (both hexagons are pointy-top, so
 * their three edge normals are the only axes to test).
 */
export function overlapped(res: number, x: number, base = 13): number[] {
  const s = hexSize(res), S = hexSize(base);
  const q = cellQ(x), r = cellR(x);
  const cx = s * (SQRT3 * q + SQRT3 / 2 * r), cy = s * 1.5 * r;
  const c = cellOfMerc(cx, cy, base);
  const Q = cellQ(c), R = cellR(c);
  const reach = (s + S) * SQRT3 / 2 * (1 + 1e-9);
  const out: number[] = [];
  for (let j = 0; j < 14; j += 2) {
    const bq = Q + AROUND[j], br = R + AROUND[j + 1];
    const dx = S * (SQRT3 * bq + SQRT3 / 2 * br) - cx, dy = S * 1.5 * br - cy;
    // edge normals (1, 0), (1/2, √3/2), (-1/2, √3/2)
    const a = dx * 0.5, b = dy * (SQRT3 / 2);
    if (Math.abs(dx) <= reach && Math.abs(a + b) <= reach && Math.abs(b - a) <= reach) {
      out.push(packCell(bq, br));
    }
  }
  return out;
}
