/**
 * The reach index: per node and 6-hour bucket, summary counts of the
 * observations whose resolved path holds the node, and nothing per
 * observation. A bucket keeps the relay-observation count and one cell per
 * neighbour seen before the node (`we_hear`) or after it (`they_hear`), and
 * per direct observer (the node last on the path) the count, the count with
 * an SNR and the SNR sum. Cells live in one flat arena per node, one row per
 * bucket over the node's own table of neighbours (a code -> cell position
 * map), so an update is a map lookup and an add.
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
  ids: Int32Array;
  off: number;
  n: number;
  ts: number;
  /** Store observer index (0 = unknown). */
  observer: number;
  /** NaN when none. */
  snr: number;
  /** ADVERT sender node id, or -1. */
  from: number;
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

/** One node's buckets and cell arena. */
class NodeReach {
  /** Code -> cell position in a row. */
  pos: Map<number, number> = new Map();
  /** Codes in the order their positions were given. */
  codes: number[] = [];
  /** Cells per row now (a direct code takes 4 from an even cell: count, SNR count, SNR sum). */
  width = 0;
  nb = 0;
  num: Int32Array = new Int32Array(4);
  relay: Int32Array = new Int32Array(4);
  off: Int32Array = new Int32Array(4);
  wid: Int32Array = new Int32Array(4);
  minTx: Int32Array = new Int32Array(4);
  maxTx: Int32Array = new Int32Array(4);
  i32: Int32Array = new Int32Array(16);
  f64: Float64Array = new Float64Array(this.i32.buffer);
  used = 0;
  holes = 0;
  last = -1;

  /** Index of bucket `b`, created when `create` (else -1 when absent). */
  bucket(b: number, create: boolean): number {
    const l = this.last;
    if (l >= 0 && l < this.nb && this.num[l] === b) return l;
    let lo = 0, hi = this.nb;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.num[mid] < b) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.nb && this.num[lo] === b) return this.last = lo;
    if (!create) return -1;
    if (this.nb === this.num.length) this.#growBuckets();
    for (const a of [this.num, this.relay, this.off, this.wid, this.minTx, this.maxTx]) {
      a.copyWithin(lo + 1, lo, this.nb);
    }
    this.nb++;
    this.num[lo] = b;
    this.relay[lo] = 0;
    this.off[lo] = this.used;
    this.wid[lo] = 0;
    this.minTx[lo] = 0x7fffffff;
    this.maxTx[lo] = -1;
    return this.last = lo;
  }

  /** Drops bucket `k` (its row becomes a hole). */
  drop(k: number): void {
    this.holes += this.wid[k];
    for (const a of [this.num, this.relay, this.off, this.wid, this.minTx, this.maxTx]) {
      a.copyWithin(k, k + 1, this.nb);
    }
    this.nb--;
    this.last = -1;
    if (this.nb === 0) {
      this.used = this.holes = 0;
    }
  }

  /** Cell position of `code`, given one if new. */
  cell(code: number): number {
    let p = this.pos.get(code);
    if (p === undefined) {
      // a direct code's SNR sum is a float64 over cells p + 2, p + 3: p is even
      if ((code & 3) === DIRECT && this.width & 1) this.width++;
      p = this.width;
      this.width += (code & 3) === DIRECT ? 4 : 1;
      this.pos.set(code, p);
      this.codes.push(code);
    }
    return p;
  }

  /** Makes bucket `k`'s row hold position `p` (and its 4 cells for a direct code). */
  widen(k: number, need: number): void {
    const w = this.wid[k];
    if (need <= w) return;
    // rows start on even cells (the float64 view)
    const nw = this.width + (this.width & 1);
    const off = this.off[k];
    if (off + w === this.used) {
      this.#reserve(off + nw);
      this.i32.fill(0, off + w, off + nw);
      this.used = off + nw;
    } else {
      const to = this.used;
      this.#reserve(to + nw);
      this.i32.copyWithin(to, off, off + w);
      this.i32.fill(0, to + w, to + nw);
      this.used = to + nw;
      this.off[k] = to;
      this.holes += w;
    }
    this.wid[k] = nw;
    if (this.holes > 64 && this.holes * 2 > this.used) this.#compact(16);
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.i32.byteLength + this.num.byteLength * 6 + this.codes.length * 40 + 200;
  }

  #reserve(n: number): void {
    if (n <= this.i32.length) return;
    const next = new Int32Array(Math.max(n + (n & 1), Math.ceil(this.i32.length * 1.5) & ~1));
    next.set(this.i32.subarray(0, this.used));
    this.i32 = next;
    this.f64 = new Float64Array(next.buffer);
  }

  /** Drops the arena's holes and spare room (after a bulk load). */
  trim(): void {
    this.#compact(0);
    const n = Math.max(1, this.nb);
    for (const k of ["num", "relay", "off", "wid", "minTx", "maxTx"] as const) {
      this[k] = this[k].slice(0, n);
    }
  }

  #compact(spare = 16): void {
    let total = 0;
    for (let k = 0; k < this.nb; k++) total += this.wid[k];
    const next = new Int32Array(Math.max(2, total + spare));
    let w = 0;
    for (let k = 0; k < this.nb; k++) {
      next.set(this.i32.subarray(this.off[k], this.off[k] + this.wid[k]), w);
      this.off[k] = w;
      w += this.wid[k];
    }
    this.i32 = next;
    this.f64 = new Float64Array(next.buffer);
    this.used = w;
    this.holes = 0;
  }

  #growBuckets(): void {
    const n = this.num.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.num = g(this.num);
    this.relay = g(this.relay);
    this.off = g(this.off);
    this.wid = g(this.wid);
    this.minTx = g(this.minTx);
    this.maxTx = g(this.maxTx);
  }
}

/** See the module doc. */
export class ReachIndex {
  /** Node id -> its buckets. */
  nodes: (NodeReach | undefined)[] = [];
  /** Observations applied minus removed (live observations with a resolved path). */
  live = 0;
  /** Removals whose resolved path could not be read (their counts stay behind). */
  lost = 0;
  /** Bumped on every change. */
  version = 0;

  /** Adds (`d` = 1) or subtracts (`d` = -1) one observation's contribution. */
  apply(o: ReachObs, d: 1 | -1): void {
    const { ids, off, n } = o;
    const b = Math.floor(o.ts / REACH_BUCKET_MS);
    let any = false;
    for (let i = off; i < off + n; i++) {
      const node = ids[i];
      if (node < 0) continue;
      let first = true;
      for (let j = off; j < i && first; j++) first = ids[j] !== node;
      if (!first) continue;
      let nr = this.nodes[node];
      if (!nr) {
        if (d < 0) continue;
        nr = this.nodes[node] = new NodeReach();
      }
      const k = nr.bucket(b, d > 0);
      if (k < 0) continue;
      any = true;
      nr.relay[k] += d;
      if (d > 0) {
        if (o.txId < nr.minTx[k]) nr.minTx[k] = o.txId;
        if (o.txId > nr.maxTx[k]) nr.maxTx[k] = o.txId;
      }
      for (let q = i; q < off + n; q++) {
        if (ids[q] !== node) continue;
        const prev = q > off ? ids[q - 1] : o.from;
        if (prev >= 0 && prev !== node) this.#bump(nr, k, prev * 4 + WE, d, NaN);
        if (q < off + n - 1) {
          const next = ids[q + 1];
          if (next >= 0 && next !== node) this.#bump(nr, k, next * 4 + THEY, d, NaN);
        } else if (o.observer > 0) {
          this.#bump(nr, k, o.observer * 4 + DIRECT, d, o.snr);
        }
      }
      if (d < 0 && nr.relay[k] <= 0) nr.drop(k);
    }
    if (any) {
      this.live += d;
      this.version++;
    }
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
          if (o.ts >= lo && o.ts < hi) relay += sign * this.#replay(nr, node, o, acc, sign);
        });
      } else relay += this.#addRow(nr, k, acc);
    }
    out.relay = relay;
    for (const code of nr.codes) {
      const p = nr.pos.get(code)!;
      const count = acc[p];
      if (count <= 0) continue;
      const kind = code & 3, other = (code - kind) / 4;
      if (kind === WE) out.we.set(other, count);
      else if (kind === THEY) out.they.set(other, count);
      else out.direct.set(other, [count, acc[p + 2], acc[p + 1]]);
    }
    return out;
  }

  /** Drops every node's spare room (the loader calls it once the load is done). */
  trim(): void {
    for (const nr of this.nodes) nr?.trim();
  }

  /** Buckets held (node, bucket pairs). */
  get buckets(): number {
    let n = 0;
    for (const nr of this.nodes) n += nr?.nb ?? 0;
    return n;
  }

  /** Bytes held by the index. */
  get byteLength(): number {
    let b = this.nodes.length * 8;
    for (const nr of this.nodes) if (nr) b += nr.byteLength;
    return b;
  }

  /** Adds bucket `k`'s row into `acc`; returns its relay count. */
  #addRow(nr: NodeReach, k: number, acc: Float64Array): number {
    const off = nr.off[k], w = nr.wid[k], c = nr.i32, f = nr.f64;
    for (const code of nr.codes) {
      const p = nr.pos.get(code)!;
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
  #replay(nr: NodeReach, node: number, o: ReachObs, acc: Float64Array, sign: number): number {
    const { ids, off, n } = o;
    let on = false;
    for (let q = off; q < off + n && !on; q++) on = ids[q] === node;
    if (!on) return 0;
    const add = (code: number, snr: number) => {
      const p = nr.pos.get(code);
      if (p === undefined) return;
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

  #bump(nr: NodeReach, k: number, code: number, d: number, snr: number): void {
    const p = nr.cell(code);
    nr.widen(k, p + ((code & 3) === DIRECT ? 4 : 1));
    const at = nr.off[k] + p;
    nr.i32[at] += d;
    if (snr === snr) {
      nr.i32[at + 1] += d;
      const fi = (at + 2) >> 1;
      nr.f64[fi] += d * snr;
      // a cell whose SNR count is back at zero starts clean (no float residue)
      if (nr.i32[at + 1] === 0) nr.f64[fi] = 0;
    }
  }
}
