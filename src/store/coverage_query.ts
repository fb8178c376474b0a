/**
 * Queries over the {@linkcode CoverageIndex}: hex cells of receptions inside a
 * bounding box and time window (CoreScope's `/api/rx-coverage` GeoJSON shape),
 * the frontier-weighted client leaderboard, and per-node reception totals. Work
 * is proportional to the receptions inside the window and the box, found
 * through the per-resolution cell lists — never a scan of `client_receptions`.
 *
 * @module
 */

import { Accumulator } from "./coverage_accumulator.ts";
import { type CellAgg, type CellText, memoHit, memoSlot } from "./coverage_json.ts";
import { ByteArena } from "./byte_arena.ts";
import { CellWriter } from "./coverage_writer.ts";
import { heardTexts } from "./coverage_names.ts";
import { RingTexts } from "./coverage_ring.ts";
import {
  type CoverageIndex,
  DAY_MS,
  INDEX_MAX_RES,
  INDEX_MIN_RES,
  type IndexedCell,
} from "./coverage_index.ts";
import { cellOfMerc, cellQ, cellR, hexSize, mercX, mercY, packCell } from "./hex_grid.ts";

/** A latitude/longitude box. */
export interface Bbox {
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;
}

/** Maps a heard key to the node it names: its public key and name when unique, else itself. */
export type HeardResolver = (heardKey: string) => { key: string; name: string };

export type { CellAgg, CoverageNode } from "./coverage_json.ts";
export { collectionBytes, FEATURE_CAP } from "./coverage_json.ts";
export { CELL_NODE_CAP } from "./coverage_writer.ts";

/** Size of the shared chunks of an answer's cells that are not memoised. */
const ANSWER_CHUNK = 256 * 1024;

/** Options of {@linkcode coverageCells}. */
export interface CoverageOptions {
  bbox: Bbox;
  res: number;
  sinceMs: number;
  /** Only receptions of these heard keys (ids). */
  heardIds?: number[];
  /** Only receptions of this client (id); `-1` matches nothing. */
  rxId?: number;
  resolve: HeardResolver;
  /**
   * Memoise per-cell features under `key` (e.g. the window length) while the cell's
   * receptions in the window are unchanged and `tag` (e.g. the name-resolution epoch) too.
   */
  memo?: { key: number; tag: string };
}

/**
 * Hex cells of the receptions in the box and window, each as its GeoJSON Feature (join them
 * with {@linkcode collectionBytes}).
 */
export function coverageCells(idx: CoverageIndex, o: CoverageOptions): CellText[] {
  const { bbox: b, res, sinceMs } = o;
  const cells = new Map<number, CellAgg>();
  // display cells by axial q then r: small-integer keys keep the maps fast
  const byQ = new Map<number, Map<number, CellAgg>>();
  const aggAt = (key: number): CellAgg => {
    let a = cells.get(key);
    if (!a) {
      a = { count: 0, best: NaN, hs: [], cnt: [], at: [], snr: [] };
      cells.set(key, a);
    }
    return a;
  };
  const aggOf = (i: number): CellAgg => {
    const key = cellOfMerc(idx.mx[i], idx.my[i], res);
    const q = cellQ(key), r = cellR(key);
    let row = byQ.get(q);
    if (!row) {
      row = new Map();
      byQ.set(q, row);
    }
    let a = row.get(r);
    if (!a) {
      a = aggAt(key);
      row.set(r, a);
    }
    return a;
  };
  const snrs = idx.snr, heard = idx.heard, at = idx.rxAt;
  const visit = (i: number, a: CellAgg) => {
    a.count++;
    const snr = snrs[i];
    if (snr === snr && !(snr <= a.best)) a.best = snr;
    const h = heard[i], hs = a.hs;
    // most cells hear a few dozen keys at most: a scan of a small array beats a map of
    // objects; cells hearing more get a map of key positions
    let k = 0;
    if (a.pos) k = a.pos.get(h) ?? hs.length;
    else while (k < hs.length && hs[k] !== h) k++;
    if (k === hs.length) {
      if (a.pos) a.pos.set(h, k);
      else if (k === 32) {
        a.pos = new Map(hs.map((x, j) => [x, j] as [number, number]).concat([[h, k]]));
      }
      hs.push(h);
      a.cnt.push(0);
      a.at.push(-Infinity);
      a.snr.push(NaN);
    }
    a.cnt[k]++;
    if (at[i] >= a.at[k]) {
      a.at[k] = at[i];
      a.snr[k] = snr;
    }
  };
  const acc = new Accumulator(idx);
  const out: CellText[] = [];
  const name = (h: number) => o.resolve(idx.heardKey(h));
  const writer = new CellWriter(res, heardTexts(idx, name, o.memo?.tag));
  // ring texts: each cell's is written into its head, kept on the index's cells (their geometry
  // never changes) in the index's heads arena
  const rings = new RingTexts(res);
  const headOf = (cell: IndexedCell) =>
    cell.head ??= writer.head(cell.key, rings.text(cell.key), idx.heads, cell);
  // the bytes of cells not memoised: shared chunks, for this answer only
  const answer = new ByteArena(ANSWER_CHUNK);
  const lat = idx.lat, lon = idx.lon;
  const inBox = (i: number) =>
    lat[i] >= b.minLat && lat[i] <= b.maxLat && lon[i] >= b.minLon && lon[i] <= b.maxLon;

  if (o.heardIds || o.rxId !== undefined) {
    const lists = o.heardIds ? o.heardIds.map((h) => idx.byHeard.get(h)) : [idx.byRx.get(o.rxId!)];
    for (const list of lists) {
      if (!list) continue;
      for (let k = idx.firstSince(list, sinceMs); k < list.n; k++) {
        const i = list.ids[k];
        if (inBox(i)) visit(i, aggOf(i));
      }
    }
  } else {
    const base = Math.min(res, INDEX_MAX_RES);
    const direct = res <= INDEX_MAX_RES;
    for (const cell of cellsInBox(idx.levels[base - INDEX_MIN_RES], base, b)) {
      if (cell.maxLat < b.minLat || cell.minLat > b.maxLat) continue;
      if (cell.maxLon < b.minLon || cell.minLon > b.maxLon) continue;
      // A display cell that meets the box is reported whole (it is drawn whole).
      const full = direct || (cell.minLat >= b.minLat && cell.maxLat <= b.maxLat &&
        cell.minLon >= b.minLon && cell.maxLon <= b.maxLon);
      const list = cell.list, ids = list.ids;
      if (direct && cell.days) {
        if (o.memo) {
          const hit = memoHit(cell, o.memo.key, sinceMs, o.memo.tag, at, idx.memos);
          if (hit !== undefined) {
            if (hit) out.push(hit);
            continue;
          }
        }
        // Whole days from the summaries; only the edge day's receptions are read. The
        // summaries hold exactly the listed receptions, in time order, so the edge day is the
        // range just before the later days' count: searched there, not in the whole list.
        acc.begin();
        acc.days(cell.days, Math.floor(sinceMs / DAY_MS));
        const to = list.n - acc.count;
        const from = idx.firstSince(list, sinceMs, Math.max(list.start, to - acc.edge), to);
        for (let k = from; k < to; k++) acc.one(ids[k]);
        if (acc.count === 0) {
          if (o.memo) {
            memoSlot(cell, o.memo.key).set(from, list.adds, o.memo.tag, null, -1, idx.memos);
          }
          continue;
        }
        acc.write(writer, headOf(cell));
        if (o.memo) {
          const m = memoSlot(cell, o.memo.key);
          const t = writer.end(idx.memos, m);
          m.set(from, list.adds, o.memo.tag, t, idx.memos.chunk, idx.memos);
          out.push(t);
        } else out.push(writer.end(answer));
        continue;
      }
      const from = idx.firstSince(list, sinceMs);
      let own: CellAgg | null = null;
      const to = list.n;
      for (let k = from; k < to; k++) {
        const i = ids[k];
        if (!full && !inBox(i)) continue;
        if (direct) visit(i, own ??= aggAt(cell.key));
        else visit(i, aggOf(i));
      }
    }
  }
  for (const [key, a] of cells) {
    const cell = res <= INDEX_MAX_RES ? idx.levels[res - INDEX_MIN_RES].get(key) : undefined;
    if (cell) writer.begin(headOf(cell), a.count, a.best);
    else writer.beginLoose(key, rings.text(key), a.count, a.best);
    for (let k = 0; k < a.hs.length; k++) writer.node(a.hs[k], a.cnt[k], a.at[k], a.snr[k]);
    out.push(writer.end(answer));
  }
  return out;
}

/**
 * The indexed cells of one level that may meet the box: probes the axial (q, r)
 * range covering it, or walks the whole level when that is smaller.
 */
function cellsInBox(level: Map<number, IndexedCell>, res: number, b: Bbox): Iterable<IndexedCell> {
  const size = hexSize(res);
  const x0 = mercX(b.minLon), x1 = mercX(b.maxLon);
  const y0 = mercY(b.minLat), y1 = mercY(b.maxLat);
  const r0 = Math.floor((2 / 3) * y0 / size) - 1, r1 = Math.ceil((2 / 3) * y1 / size) + 1;
  const w = size * Math.sqrt(3);
  const perRow = Math.ceil((x1 - x0) / w) + 3;
  if ((r1 - r0 + 1) * perRow > level.size) return level.values();
  const out: IndexedCell[] = [];
  for (let r = r0; r <= r1; r++) {
    const q0 = Math.floor(x0 / w - r / 2) - 1, q1 = Math.ceil(x1 / w - r / 2) + 1;
    for (let q = q0; q <= q1; q++) {
      const cell = level.get(packCell(q, r));
      if (cell) out.push(cell);
    }
  }
  return out;
}
