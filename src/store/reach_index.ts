/**
 * The reach index: per node and 6-hour bucket, summary counts of the
 * observations whose resolved path holds the node, and nothing per
 * observation. A bucket keeps the relay-observation count and one cell per
 * neighbour seen before the node (`we_hear`) or after it (`they_hear`), and
 * per direct observer (the node last on the path) the count, the count with
 * an SNR and the SNR sum. A bucket is one row of cells over the node's own
 * table of neighbours (a code -> cell position map), so an update is a map
 * lookup and an add; the rows live in fixed 256 KB pages shared by all nodes
 * (see {@linkcode Cells}), the bucket headers in small arrays per node.
 *
 * Exactness: every change is applied with the observation's own resolved path
 * (ingest adds it, re-resolution subtracts the old and adds the new one,
 * removal subtracts it), so a bucket always equals the sum over its live
 * observations. A window sums the whole buckets after its start and reads the
 * edge bucket's observations through an {@linkcode EdgeReader} over the part
 * that is shorter: `[since, end)` added, or `[start, since)` subtracted from
 * the bucket. Each bucket keeps the lowest and highest transmission id it was
 * fed, which bounds the edge read in the node's relay list.
 *
 * @module
 */

import { Cells, CodeTable, PAGE } from "./reach_cells.ts";

/** Milliseconds per bucket. */
export const REACH_BUCKET_MS = 6 * 3_600_000;

/** Cell kinds (low 2 bits of a code: `other * 4 + kind`). */
const WE = 0, THEY = 1, DIRECT = 2;

/** Sums of one node over a window (node ids and store observer indexes). */
export interface ReachSums {
  /** Observations whose resolved path holds the node. */
  relay: number;
  /** Node id -> observations in which it preceded the node (or sent the ADVERT it relayed first). */
  we: Map<number, number>;
  /** Node id -> observations in which it followed the node. */
  they: Map<number, number>;
  /** Observer index -> [count, SNR sum, SNR count] when the node was the last hop. */
  direct: Map<number, [number, number, number]>;
}

/** One observation's contribution: its resolved path as node ids (-1 unknown). */
export interface ReachObs {
  /** The path is `ids[off, off + n)`. */
  ids: Int32Array;
  /** First hop's index in `ids`. */
  off: number;
  /** Hops. */
  n: number;
  /** Observation time, epoch ms. */
  ts: number;
  /** Store observer index (0 = unknown). */
  observer: number;
  /** NaN when none. */
  snr: number;
  /** ADVERT sender node id, or -1. */
  from: number;
  /** Transmission id. */
  txId: number;
}

/**
 * Calls `visit` for every live observation with `lo <= ts < hi` whose resolved path holds
 * `node`, among the transmissions `minTx..maxTx` of the node's relay list.
 */
export type EdgeReader = (
  node: number,
  lo: number,
  hi: number,
  minTx: number,
  maxTx: number,
  visit: (o: ReachObs) => void,
) => void;

/** One node's buckets (their rows in the shared cells) and table of codes. */
class NodeReach {
  /** Node id. */
  readonly id: number;
  /** Codes in the order their positions were given, and their positions. */
  codes: number[] = [];
  poss: number[] = [];
  /** Cells per row now (a direct code takes 4 from an even cell: count, SNR count, SNR sum). */
  width = 0;
  num: number[] = [];
  relay: number[] = [];
  page: number[] = [];
  off: number[] = [];
  wid: number[] = [];
  /** Lowest / highest transmission id fed into the bucket (-1 none yet). */
  minTx: number[] = [];
  maxTx: number[] = [];
  last = -1;

  constructor(id: number) {
    this.id = id;
  }

  get nb(): number {
    return this.num.length;
  }

  /** Index of bucket `b`, created when `create` (else -1 when absent). */
  bucket(b: number, create: boolean): number {
    const l = this.last, num = this.num;
    if (l >= 0 && l < num.length && num[l] === b) return l;
    let lo = 0, hi = num.length;
    if (hi > 0 && num[hi - 1] < b) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (num[mid] < b) lo = mid + 1;
      else hi = mid;
    }
    if (lo < num.length && num[lo] === b) return this.last = lo;
    if (!create) return -1;
    if (lo === num.length) {
      num.push(b);
      this.relay.push(0);
      this.page.push(0);
      this.off.push(0);
      this.wid.push(0);
      this.minTx.push(-1);
      this.maxTx.push(-1);
    } else {
      num.splice(lo, 0, b);
      this.relay.splice(lo, 0, 0);
      this.page.splice(lo, 0, 0);
      this.off.splice(lo, 0, 0);
      this.wid.splice(lo, 0, 0);
      this.minTx.splice(lo, 0, -1);
      this.maxTx.splice(lo, 0, -1);
    }
    return this.last = lo;
  }

  /** Drops bucket `k` (its row becomes a hole). */
  drop(k: number, cells: Cells): void {
    cells.holes += this.wid[k];
    cells.used -= this.wid[k];
    for (const a of [this.num, this.relay, this.page, this.off, this.wid, this.minTx, this.maxTx]) {
      a.splice(k, 1);
    }
    this.last = -1;
  }

  /** Cell position of `code`, given one if new. */
  cell(code: number, table: CodeTable): number {
    let p = table.get(this.id, code);
    if (p < 0) {
      // a direct code's SNR sum is a float64 over cells p + 2, p + 3: p is even
      if ((code & 3) === DIRECT && this.width & 1) this.width++;
      p = this.width;
      this.width += (code & 3) === DIRECT ? 4 : 1;
      table.set(this.id, code, p);
      this.codes.push(code);
      this.poss.push(p);
    }
    return p;
  }

  /** Makes bucket `k`'s row hold `need` cells (it grows to the node's whole width). */
  widen(k: number, need: number, cells: Cells): void {
    const w = this.wid[k];
    if (need <= w) return;
    // rows start on even cells (the float64 view)
    const nw = this.width + (this.width & 1);
    const page = this.page[k], off = this.off[k];
    if (w > 0 && cells.canExtend(page, off, w, nw)) {
      cells.top += nw - w;
      cells.used += nw - w;
    } else {
      const [p2, o2] = cells.alloc(nw);
      if (w > 0) {
        cells.i32[p2].set(cells.i32[page].subarray(off, off + w), o2);
        cells.holes += w;
        cells.used -= w;
      }
      this.page[k] = p2;
      this.off[k] = o2;
    }
    this.wid[k] = nw;
  }

  /** Bytes held besides the cells. */
  get byteLength(): number {
    return this.num.length * 7 * 8 + this.codes.length * 16 + 300;
  }
}

/** See the module doc. */
export class ReachIndex {
  /** Node id -> its buckets. */
  nodes: (NodeReach | undefined)[] = [];
  /** The rows' cells. */
  cells: Cells = new Cells();
  /** (node, code) -> cell position. */
  table: CodeTable = new CodeTable();
  /** Observations applied minus removed (live observations with a resolved path). */
  live = 0;
  /** Removals whose resolved path could not be read (their counts stay behind). */
  lost = 0;
  /** Resolved observations the reach build could not read the stored path of (left out). */
  unreadable = 0;
  /** Bumped on every change. */
  version = 0;
  /**
   * Whether every resolved observation of the store is in the index: false from the first one a
   * load adds (a load feeds nothing) until the reach build (`reach_build.ts`) is over.
   */
  ready = true;

  /** Adds (`d` = 1) or subtracts (`d` = -1) one observation's contribution. */
  apply(o: ReachObs, d: 1 | -1): void {
    const { ids, off, n } = o;
    const b = Math.floor(o.ts / REACH_BUCKET_MS);
    let any = false;
    const table = this.table, cells = this.cells;
    for (let i = off; i < off + n; i++) {
      const node = ids[i];
      if (node < 0) continue;
      let first = true;
      for (let j = off; j < i && first; j++) first = ids[j] !== node;
      if (!first) continue;
      let nr = node < this.nodes.length ? this.nodes[node] : undefined;
      if (!nr) {
        if (d < 0) continue;
        // grown densely (a sparse write would turn the array into a dictionary)
        while (this.nodes.length <= node) this.nodes.push(undefined);
        nr = this.nodes[node] = new NodeReach(node);
      }
      // observations come in time order: the node's last bucket nearly always holds it
      const l = nr.last;
      const k = l >= 0 && nr.num[l] === b ? l : nr.bucket(b, d > 0);
      if (k < 0) continue;
      any = true;
      nr.relay[k] += d;
      if (d > 0) {
        if (o.txId < nr.minTx[k] || nr.minTx[k] < 0) nr.minTx[k] = o.txId;
        if (o.txId > nr.maxTx[k]) nr.maxTx[k] = o.txId;
      }
      // the row's place, read once per node (a widening may move it)
      let wid = nr.wid[k], base = nr.off[k], i32 = cells.i32[nr.page[k]];
      for (let q = i; q < off + n; q++) {
        if (ids[q] !== node) continue;
        // the cells this occurrence touches (-1 none), then one widening check
        const prev = q > off ? ids[q - 1] : o.from;
        const pw = prev >= 0 && prev !== node ? nr.cell(prev * 4 + WE, table) : -1;
        let pt = -1, pd = -1;
        if (q < off + n - 1) {
          const next = ids[q + 1];
          if (next >= 0 && next !== node) pt = nr.cell(next * 4 + THEY, table);
        } else if (o.observer > 0) pd = nr.cell(o.observer * 4 + DIRECT, table);
        let need = pw > pt ? pw + 1 : pt + 1;
        if (pd >= 0 && pd + 4 > need) need = pd + 4;
        if (need > wid) {
          nr.widen(k, need, cells);
          wid = nr.wid[k];
          base = nr.off[k];
          i32 = cells.i32[nr.page[k]];
        }
        if (pw >= 0) i32[base + pw] += d;
        if (pt >= 0) i32[base + pt] += d;
        if (pd >= 0) {
          const at = base + pd;
          i32[at] += d;
          const snr = o.snr;
          if (snr === snr) {
            i32[at + 1] += d;
            const f64 = cells.f64[nr.page[k]], fi = (at + 2) >> 1;
            f64[fi] += d * snr;
            // a cell whose SNR count is back at zero starts clean (no float residue)
            if (i32[at + 1] === 0) f64[fi] = 0;
          }
        }
      }
      if (d < 0 && nr.relay[k] <= 0) nr.drop(k, cells);
    }
    if (any) {
      this.live += d;
      this.version++;
    }
    const c = this.cells;
    if (d < 0 && c.holes > 4 * PAGE && c.holes > c.used) this.compact();
  }

  /** Sums of `node` over observations at or after `sinceMs`; the edge bucket through `edge`. */
  sums(node: number, sinceMs: number, edge: EdgeReader): ReachSums {
    const out: ReachSums = { relay: 0, we: new Map(), they: new Map(), direct: new Map() };
    const nr = this.nodes[node];
    if (!nr || nr.nb === 0) return out;
    const acc = new Float64Array(nr.width);
    const e = Math.floor(sinceMs / REACH_BUCKET_MS);
    let relay = 0;
    for (let k = nr.nb - 1; k >= 0 && nr.num[k] >= e; k--) {
      if (nr.num[k] === e && e * REACH_BUCKET_MS !== sinceMs) {
        const start = e * REACH_BUCKET_MS, end = start + REACH_BUCKET_MS;
        const fromStart = sinceMs - start < REACH_BUCKET_MS / 2;
        if (fromStart) relay += this.#addRow(nr, k, acc);
        const sign = fromStart ? -1 : 1;
        const [lo, hi] = fromStart ? [start, sinceMs] : [sinceMs, end];
        edge(node, lo, hi, nr.minTx[k], nr.maxTx[k], (o) => {
          if (o.ts >= lo && o.ts < hi) relay += sign * this.#replay(node, o, acc, sign);
        });
      } else relay += this.#addRow(nr, k, acc);
    }
    out.relay = relay;
    for (let j = 0; j < nr.codes.length; j++) {
      const code = nr.codes[j], p = nr.poss[j];
      const count = acc[p];
      if (count <= 0) continue;
      const kind = code & 3, other = (code - kind) / 4;
      if (kind === WE) out.we.set(other, count);
      else if (kind === THEY) out.they.set(other, count);
      else out.direct.set(other, [count, acc[p + 2], acc[p + 1]]);
    }
    return out;
  }

  /** Compacts the cells when their holes exceed a page (the loader calls it after a load). */
  trim(): void {
    if (this.cells.holes > PAGE) this.compact();
  }

  /** Buckets held (node, bucket pairs). */
  get buckets(): number {
    let n = 0;
    for (const nr of this.nodes) n += nr?.nb ?? 0;
    return n;
  }

  /** Bytes held by the index. */
  get byteLength(): number {
    let b = this.nodes.length * 8 + this.cells.byteLength + this.table.byteLength;
    for (const nr of this.nodes) if (nr) b += nr.byteLength;
    return b;
  }

  /** Moves every row into fresh pages, in node and time order (the holes go away). */
  compact(): void {
    const old = this.cells;
    const fresh = new Cells();
    for (const nr of this.nodes) {
      if (!nr) continue;
      for (let k = 0; k < nr.nb; k++) {
        const w = nr.wid[k];
        if (w === 0) continue;
        const [p, o] = fresh.alloc(w);
        fresh.i32[p].set(old.i32[nr.page[k]].subarray(nr.off[k], nr.off[k] + w), o);
        nr.page[k] = p;
        nr.off[k] = o;
      }
    }
    this.cells = fresh;
  }

  /** Adds bucket `k`'s row into `acc`; returns its relay count. */
  #addRow(nr: NodeReach, k: number, acc: Float64Array): number {
    const off = nr.off[k], w = nr.wid[k];
    const c = this.cells.i32[nr.page[k]], f = this.cells.f64[nr.page[k]];
    for (let j = 0; j < nr.codes.length; j++) {
      const code = nr.codes[j], p = nr.poss[j];
      if (p >= w) continue;
      acc[p] += c[off + p];
      if ((code & 3) === DIRECT) {
        acc[p + 1] += c[off + p + 1];
        acc[p + 2] += f[(off + p + 2) >> 1];
      }
    }
    return nr.relay[k];
  }

  /** Adds `sign` times observation `o`'s contribution to `node` into `acc`; 1 when it holds it. */
  #replay(node: number, o: ReachObs, acc: Float64Array, sign: number): number {
    const { ids, off, n } = o;
    let on = false;
    for (let q = off; q < off + n && !on; q++) on = ids[q] === node;
    if (!on) return 0;
    const add = (code: number, snr: number) => {
      const p = this.table.get(node, code);
      if (p < 0) return;
      acc[p] += sign;
      if (snr === snr) {
        acc[p + 1] += sign;
        acc[p + 2] += sign * snr;
      }
    };
    for (let q = off; q < off + n; q++) {
      if (ids[q] !== node) continue;
      const prev = q > off ? ids[q - 1] : o.from;
      if (prev >= 0 && prev !== node) add(prev * 4 + WE, NaN);
      if (q < off + n - 1) {
        const next = ids[q + 1];
        if (next >= 0 && next !== node) add(next * 4 + THEY, NaN);
      } else if (o.observer > 0) add(o.observer * 4 + DIRECT, o.snr);
    }
    return 1;
  }
}
