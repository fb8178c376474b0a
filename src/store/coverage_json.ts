/**
 * The JSON of `/api/rx-coverage` answers, written per cell: each hex cell
 * becomes one GeoJSON Feature (the reference's field order) as UTF-8 bytes
 * (`coverage_writer.ts`), the answer is their concatenation. Cells of the
 * index keep their head (ring and id) and memoise their feature bytes per
 * window, in the index's bounded arenas (`byte_arena.ts`), so an answer
 * encodes only the cells it had to recompute and copies the rest — no object
 * tree per feature and no big string to encode (the objects of a 2,000-cell
 * answer were what made the collector pause).
 *
 * @module
 */

import { CellMemo, type IndexedCell } from "./coverage_cell.ts";
import type { ByteArena } from "./byte_arena.ts";

/** One heard node in a cell. */
export interface CoverageNode {
  prefix: string;
  name?: string;
  snr: number | null;
  count: number;
}

/**
 * One display cell being summed: per heard key (in the order first met) its id, count, latest
 * reception time and that reception's SNR (NaN: none), as parallel arrays.
 */
export interface CellAgg {
  count: number;
  best: number;
  hs: number[];
  cnt: number[];
  at: number[];
  snr: number[];
  /** Position of each key in `hs`, once the cell hears many. */
  pos?: Map<number, number>;
}

/**
 * One cell of an answer: its id, count (for the cap) and feature text as UTF-8, and its id's
 * sort numbers ({@linkcode idOrder}).
 */
export interface CellText {
  cell: string;
  count: number;
  bytes: Uint8Array;
  qOrder: number;
  rOrder: number;
}

const utf8 = new TextEncoder();

/** Most cells in one answer (the densest are kept). */
export const FEATURE_CAP = 5000;
/** Windows memoised per indexed cell (the oldest is dropped beyond). */
const MEMO_PER_CELL = 4;

/**
 * The memoised text of `cell` for window `key` starting at `sinceMs`, when its receptions in
 * the window and the tag are unchanged: no id was added to the list since, and the window's
 * first index is still the memoised one (checked with the two receptions around it rather
 * than a binary search: a search costs ~20 scattered reads per cell). `null`: the window
 * holds no reception of the cell.
 *
 * A feature depends only on the receptions in the window: when another window's memo holds
 * exactly this window's receptions (no reception of the cell between the two starts), its
 * feature is served and memoised under `key` too (kept in `arena`, the memos' arena).
 */
export function memoHit(
  cell: IndexedCell,
  key: number,
  sinceMs: number,
  tag: string,
  rxAt: Float64Array,
  arena: ByteArena,
): CellText | null | undefined {
  const memo = cell.memo;
  if (!memo) return undefined;
  // the window's own entry first (one check of scattered reads); the others only on a miss
  let same: CellMemo | undefined;
  for (let i = 0; i < memo.length; i++) {
    if (memo[i].key === key) {
      if (holds(memo[i], cell, tag, sinceMs, rxAt)) return memo[i].value;
      break;
    }
  }
  for (let i = 0; i < memo.length && !same; i++) {
    if (memo[i].key !== key && holds(memo[i], cell, tag, sinceMs, rxAt)) same = memo[i];
  }
  if (!same) return undefined;
  const adds = cell.list.adds;
  const { from, value, chunk } = same;
  const m = memoSlot(cell, key);
  if (chunk >= 0 && value) arena.own(chunk, m, value.bytes.length);
  m.set(from, adds, tag, value, chunk, arena);
  return value;
}

/** Whether memo `m` of `cell` holds exactly the window from `sinceMs` under `tag`. */
function holds(
  m: CellMemo,
  cell: IndexedCell,
  tag: string,
  sinceMs: number,
  rxAt: Float64Array,
): boolean {
  const { ids, start, n, adds } = cell.list, from = m.from;
  if (m.adds !== adds || m.tag !== tag) return false;
  if (from < start || from > n || (from < n && rxAt[ids[from]] < sinceMs)) return false;
  return from === start || rxAt[ids[from - 1]] < sinceMs;
}

/**
 * The memo of `cell` for window `key`, to be filled with {@linkcode CellMemo.set}: the window's
 * entry moved last, or a new one (the oldest goes beyond a few windows per cell).
 */
export function memoSlot(cell: IndexedCell, key: number): CellMemo {
  const memo = cell.memo ??= [];
  let at = 0;
  while (at < memo.length && memo[at].key !== key) at++;
  let m: CellMemo;
  if (at < memo.length) m = memo[at];
  else if (memo.length < MEMO_PER_CELL) {
    memo.push(m = new CellMemo(key));
    return m;
  } else {
    // the oldest entry is reused for the new window
    m = memo[0];
    m.key = key;
    m.adds = -1;
    at = 0;
  }
  // moved last: the entries after it shift down (a few at most; nothing is allocated)
  for (; at < memo.length - 1; at++) memo[at] = memo[at + 1];
  memo[at] = m;
  return m;
}

/**
 * The collection as UTF-8 JSON: the densest {@linkcode FEATURE_CAP} cells in cell order, plus
 * the `extra` top-level fields. The cells' bytes are copied into one buffer (no big string).
 */
export function collectionBytes(
  cells: CellText[],
  extra: Record<string, unknown> = {},
): Uint8Array<ArrayBuffer> {
  let all = cells;
  const head: Record<string, unknown> = { type: "FeatureCollection" };
  if (all.length > FEATURE_CAP) {
    all = all.slice().sort((x, y) => y.count - x.count || byCell(x, y)).slice(0, FEATURE_CAP);
    head.truncated = true;
  }
  all.sort(byCell);
  Object.assign(head, extra);
  const h = JSON.stringify(head);
  const open = utf8.encode(`${h.slice(0, -1)},"features":[`);
  let size = open.length + 2 + Math.max(0, all.length - 1);
  for (const c of all) size += c.bytes.length;
  const out = new Uint8Array(size);
  out.set(open);
  let at = open.length;
  for (let i = 0; i < all.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ,
    out.set(all[i].bytes, at);
    at += all[i].bytes.length;
  }
  out[at++] = 0x5d; // ]
  out[at++] = 0x7d; // }
  return out;
}

/**
 * The order of cell ids `${res}:${q}:${r}` of one resolution as their texts sort (the
 * reference sorts features by that text), as two numbers: the characters of `${q}:` and of
 * `${r}` as base-13 digits ('-' 1, '0'–'9' 2–11, ':' 12, none 0), computed from the integers
 * (no text is made). Comparing numbers instead of the strings spares a sort the strings'
 * scattered memory. Exact for |q|, |r| < 10^8 (cells of the finest resolution span less than
 * ±2 × 10^6).
 */
export function idOrder(q: number, r: number): { qOrder: number; rOrder: number } {
  return { qOrder: textOrder(q, true, 10), rOrder: textOrder(r, false, 9) };
}

/** The base-13 number of the text of integer `v` (then `:` when `colon`), `width` digits. */
function textOrder(v: number, colon: boolean, width: number): number {
  const x = Math.abs(v);
  let len = 1;
  for (let p = 10; p <= x; p *= 10) len++;
  let acc = v < 0 ? 1 : 0, used = v < 0 ? 1 : 0;
  for (let p = 10 ** (len - 1); p >= 1; p /= 10, used++) {
    acc = acc * 13 + 2 + Math.floor(x / p) % 10;
  }
  if (colon) {
    acc = acc * 13 + 12;
    used++;
  }
  for (; used < width; used++) acc *= 13;
  return acc;
}

function byCell(x: CellText, y: CellText): number {
  return x.qOrder - y.qOrder || x.rOrder - y.rOrder;
}
