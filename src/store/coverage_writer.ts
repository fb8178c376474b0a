/**
 * Writes one `/api/rx-coverage` cell as its GeoJSON Feature, straight into
 * UTF-8 bytes: the fixed parts are pre-encoded; a cell's constant part (the
 * feature up to its count, ring and cell id included) is its *head*, written
 * once and kept on the index's cell (`coverage_cell.ts`) so that a cell
 * recomputed for another window copies it whole; counts are written as digits, and each heard
 * key's JSON pieces (`{"prefix":"…","snr":` and `,"name":"…"}`) are escaped and
 * encoded once and kept across answers (`coverage_names.ts`); SNR pieces are
 * memoised per hundredth (`coverage_bytes.ts`). The heard nodes of a cell are
 * parallel typed columns, ordered by one sort number each and only as far as
 * the {@linkcode CELL_NODE_CAP} listed; no object is built per row, and the
 * result is copied into a shared chunk of a {@linkcode ByteArena} (no buffer
 * of its own), so a cell recomputed for its window costs little and leaves
 * little for the collector. The text is the one the
 * template-literal writer produced before, byte for byte (the reference's field
 * order).
 *
 * Use: {@linkcode CellWriter.head} once per cell, then per answer
 * {@linkcode CellWriter.begin}, {@linkcode CellWriter.node} (or
 * {@linkcode CellWriter.nodes}) per heard key in the order they were first met,
 * then {@linkcode CellWriter.end}.
 *
 * @module
 */

import type { HeardTexts } from "./coverage_names.ts";
import { put, putCount, round2, SnrPieces } from "./coverage_bytes.ts";
import { cellQ, cellR } from "./hex_grid.ts";
import { type CellText, idOrder } from "./coverage_json.ts";
import type { CellHead } from "./coverage_cell.ts";
import type { ArenaOwner, ByteArena } from "./byte_arena.ts";

/** Most heard nodes listed per cell. */
export const CELL_NODE_CAP = 25;

const utf8 = new TextEncoder();
const FEATURE = utf8.encode(
  '{"type":"Feature","geometry":{"type":"Polygon","coordinates":[',
);
const CELL = utf8.encode(']},"properties":{"cell":"');
const COUNT = utf8.encode('","count":');
const BEST = utf8.encode(',"best_snr":');
const CUT = utf8.encode('],"nodes_truncated":true}}');
const END = utf8.encode("]}}");

/** Sort numbers of rows (`CellWriter.#keys`): count range, SNR range, rows without SNR. */
const KEY_COUNTS = 2 ** 32;
const KEY_SNRS = 1_000_000;
const NO_SNR_KEY = -(2 ** 53);

/** Writes the feature bytes of one answer's cells; see the module doc. */
export class CellWriter {
  readonly #res: number;
  /** The heard keys' JSON pieces and node numbers (`coverage_names.ts`). */
  readonly #texts: HeardTexts;
  /** Per node number: its row in the cell being written, valid when `#rowGen` is `#gen`. */
  #rowAt: Int32Array;
  #rowGen: Int32Array;
  #gen = 0;
  /** `${snr},"count":` as bytes, per rounded SNR outside the shared span. */
  readonly #pieces = new SnrPieces();
  /**
   * The value being written: the arena it goes to, the chunk it is written into (from `#start`,
   * `#at` next) — bytes are written in place, never copied into the arena afterwards.
   */
  #arena: ByteArena | null = null;
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  #at = 0;
  #count = 0;
  #best = NaN;
  #head: CellHead | null = null;
  /** The cell of {@linkcode CellWriter.beginLoose}: its key and ring text. */
  #looseKey = 0;
  #looseRing = "";
  /**
   * The heard nodes of the cell being written, as parallel columns (no object per row): the
   * heard-key id whose prefix is shown, the rounded latest SNR (NaN: none), the count and the
   * latest reception time. `#order` holds the first {@linkcode CELL_NODE_CAP} rows sorted.
   */
  #rH = new Int32Array(64);
  #rSnr = new Float64Array(64);
  #rCount = new Float64Array(64);
  #rAt = new Float64Array(64);
  #rKey = new Float64Array(64);
  #fast = true;
  #rows = 0;
  readonly #order = new Int32Array(CELL_NODE_CAP);

  /** A writer for cells of resolution `res`, with the heard keys' pieces `texts`. */
  constructor(res: number, texts: HeardTexts) {
    this.#res = res;
    this.#texts = texts;
    // node numbers are kept across answers (`coverage_names.ts`): room for those met so far
    const n = Math.max(64, texts.nodes);
    this.#rowAt = new Int32Array(n);
    this.#rowGen = new Int32Array(n);
  }

  /** The node number of heard key `h`, with room for its row mark. */
  #show(h: number): number {
    const node = this.#texts.show(h);
    if (node >= this.#rowAt.length) {
      const n = Math.max(node + 1, this.#rowAt.length * 2);
      const at = new Int32Array(n), gen = new Int32Array(n);
      at.set(this.#rowAt);
      gen.set(this.#rowGen);
      this.#rowAt = at;
      this.#rowGen = gen;
    }
    return node;
  }

  /**
   * The constant part of cell `key`'s feature, its ring text `ring` included: kept in `arena`,
   * whose drops are told to `owner`.
   */
  head(key: number, ring: string, arena: ByteArena, owner?: ArenaOwner): CellHead {
    this.#open(arena, 0);
    const { id, qOrder, rOrder } = this.#writeHead(key, ring, 0);
    const bytes = arena.commit(this.#at - this.#start, owner);
    return { id, bytes, chunk: arena.chunk, qOrder, rOrder };
  }

  /**
   * Writes cell `key`'s feature up to the count's digits, with room for `extra` bytes after it;
   * returns its id and sort numbers.
   */
  #writeHead(
    key: number,
    ring: string,
    extra: number,
  ): { id: string; qOrder: number; rOrder: number } {
    const q = cellQ(key), r = cellR(key);
    const id = `${this.#res}:${q}:${r}`;
    this.#room(FEATURE.length + ring.length + CELL.length + id.length + COUNT.length + extra);
    this.#bytes(FEATURE);
    this.#ascii(ring);
    this.#bytes(CELL);
    this.#ascii(id);
    this.#bytes(COUNT);
    return { id, ...idOrder(q, r) };
  }

  /** Starts a value in `arena` with room for `n` bytes. */
  #open(arena: ByteArena, n: number): void {
    this.#arena = arena;
    this.#buf = arena.room(0, n);
    this.#at = this.#start = arena.start;
  }

  /**
   * Starts a cell holding `count` receptions, best SNR `best` (NaN: none), with its constant
   * part `head` ({@linkcode CellWriter.head}).
   */
  begin(head: CellHead, count: number, best: number): void {
    this.#head = head;
    this.#reset(count, best);
  }

  /**
   * Starts cell `key` of ring text `ring` that the index does not hold (a finer display
   * resolution): its head is written with the feature, not kept.
   */
  beginLoose(key: number, ring: string, count: number, best: number): void {
    this.#head = null;
    this.#looseKey = key;
    this.#looseRing = ring;
    this.#reset(count, best);
  }

  /** Starts the rows of a cell of `count` receptions, best SNR `best`. */
  #reset(count: number, best: number): void {
    this.#count = count;
    this.#best = best;
    this.#rows = 0;
    if (++this.#gen === 0x40000000) {
      // the marks are 32-bit: start them again rather than wrap
      this.#rowGen.fill(0);
      this.#gen = 1;
    }
  }

  /**
   * Adds the heard keys `hs[0..n)`, each with its count, latest reception time and that
   * reception's SNR (NaN: none) at its id in `cnt`, `at` and `snr` (the accumulator's sums).
   */
  nodes(hs: Int32Array, n: number, cnt: Int32Array, at: Float64Array, snr: Float32Array): void {
    for (let i = 0; i < n; i++) {
      const h = hs[i];
      this.node(h, cnt[h], at[h], snr[h]);
    }
  }

  /** Adds heard key `h`: its count, latest reception time and that reception's SNR (NaN: none). */
  node(h: number, count: number, latestAt: number, latestSnr: number): void {
    const node = this.#show(h);
    const snr = latestSnr === latestSnr ? round2(latestSnr) : NaN;
    if (this.#rowGen[node] === this.#gen) {
      const m = this.#rowAt[node];
      // several heard keys naming one node: the longest (then smallest) prefix, the latest SNR
      this.#rCount[m] += count;
      const prefix = this.#texts.prefix, p = prefix[h], mp = prefix[this.#rH[m]];
      if (p.length > mp.length || (p.length === mp.length && p < mp)) this.#rH[m] = h;
      if (latestAt >= this.#rAt[m]) {
        this.#rAt[m] = latestAt;
        this.#rSnr[m] = snr;
      }
      return;
    }
    const r = this.#rows++;
    if (r === this.#rH.length) this.#growRows();
    this.#rH[r] = h;
    this.#rSnr[r] = snr;
    this.#rCount[r] = count;
    this.#rAt[r] = latestAt;
    this.#rowGen[node] = this.#gen;
    this.#rowAt[node] = r;
  }

  #growRows(): void {
    const n = this.#rH.length * 2;
    const h = new Int32Array(n), snr = new Float64Array(n);
    const count = new Float64Array(n), at = new Float64Array(n);
    h.set(this.#rH);
    snr.set(this.#rSnr);
    count.set(this.#rCount);
    at.set(this.#rAt);
    this.#rH = h;
    this.#rSnr = snr;
    this.#rCount = count;
    this.#rAt = at;
  }

  /**
   * Whether row `a` is listed after row `b`: by SNR (none last), then count, then prefix (the
   * reference's order). Rows name distinct nodes, hence distinct prefixes: the order is total.
   * With `#fast`, SNR and count are compared as one number (`#rKey`).
   */
  #after(a: number, b: number): boolean {
    if (this.#fast) {
      const ka = this.#rKey[a], kb = this.#rKey[b];
      if (ka !== kb) return ka < kb;
    } else {
      const sa = this.#rSnr[a], sb = this.#rSnr[b];
      const an = sa !== sa, bn = sb !== sb;
      if (an !== bn) return an;
      if (!an && sa !== sb) return sb > sa;
      const ca = this.#rCount[a], cb = this.#rCount[b];
      if (ca !== cb) return cb > ca;
    }
    const prefix = this.#texts.prefix;
    return prefix[this.#rH[a]] > prefix[this.#rH[b]];
  }

  /**
   * One sort number per row when every row allows it: SNR hundredths × 2^32 + count (SNR within
   * ±10^6 hundredths, count below 2^32), rows without SNR below all others. Same order as the
   * two comparisons: SNRs are rounded to hundredths, so equal SNRs are equal hundredths.
   */
  #keys(): void {
    const rows = this.#rows;
    if (this.#rKey.length < this.#rH.length) this.#rKey = new Float64Array(this.#rH.length);
    const key = this.#rKey;
    this.#fast = true;
    for (let r = 0; r < rows; r++) {
      const snr = this.#rSnr[r], count = this.#rCount[r];
      if (!(count < KEY_COUNTS)) return void (this.#fast = false);
      if (snr !== snr) key[r] = NO_SNR_KEY + count;
      else {
        const k = Math.round(snr * 100);
        if (!(k >= -KEY_SNRS && k <= KEY_SNRS)) return void (this.#fast = false);
        key[r] = k * KEY_COUNTS + count;
      }
    }
  }

  /** The first {@linkcode CELL_NODE_CAP} rows in order into `#order`; returns how many. */
  #top(): number {
    const order = this.#order, rows = this.#rows;
    if (rows > 1) this.#keys();
    if (!this.#fast) return this.#topBy((a, b) => this.#after(a, b));
    // the same insertion with the sort numbers compared inline (ties: by prefix)
    const key = this.#rKey;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const kr = key[r];
      if (n === CELL_NODE_CAP) {
        const kl = key[order[n - 1]];
        if (kr < kl || (kr === kl && this.#after(r, order[n - 1]))) continue;
      }
      let j = n < CELL_NODE_CAP ? n++ : n - 1;
      while (j > 0) {
        const o = order[j - 1], ko = key[o];
        if (ko > kr || (ko === kr && !this.#after(o, r))) break;
        order[j] = o;
        j--;
      }
      order[j] = r;
    }
    return n;
  }

  /** {@linkcode CellWriter.#top} with the comparison `after`. */
  #topBy(after: (a: number, b: number) => boolean): number {
    const order = this.#order, rows = this.#rows;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      if (n === CELL_NODE_CAP && after(r, order[n - 1])) continue;
      let j = n < CELL_NODE_CAP ? n++ : n - 1;
      while (j > 0 && after(order[j - 1], r)) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = r;
    }
    return n;
  }

  /**
   * The feature of the cell as UTF-8 bytes, with its id and count, copied into `arena` (whose
   * drops are told to `owner`).
   */
  end(arena: ByteArena, owner?: ArenaOwner): CellText {
    const n = this.#top();
    const kept = this.#head;
    let head: { id: string; qOrder: number; rOrder: number };
    if (kept) {
      this.#open(arena, kept.bytes.length + 256);
      this.#buf.set(kept.bytes, this.#at);
      this.#at += kept.bytes.length;
      head = kept;
    } else {
      this.#open(arena, 0);
      head = this.#writeHead(this.#looseKey, this.#looseRing, 256);
    }
    this.#num(this.#count);
    this.#bytes(BEST);
    this.#bytes(this.#pieces.bestSig(this.#best));
    // the rows: local buffer and offset, pieces copied by `put` (small enough to inline)
    const open = this.#texts.open, close = this.#texts.close;
    let buf = this.#buf, at = this.#at;
    for (let i = 0; i < n; i++) {
      const r = this.#order[i], h = this.#rH[r], count = this.#rCount[r];
      const o = open[h], c = close[h];
      const need = o.length + c.length + 64;
      if (at + need > buf.length) {
        this.#at = at;
        this.#room(need);
        buf = this.#buf;
        at = this.#at;
      }
      if (i) buf[at++] = 0x2c; // ,
      at = put(buf, at, o);
      at = put(buf, at, this.#pieces.count(this.#rSnr[r]));
      if (count >= 1 && count < 0x40000000 && count === Math.floor(count)) {
        at = putCount(buf, at, count);
      } else {
        this.#at = at;
        this.#num(count);
        at = this.#at;
      }
      at = put(buf, at, c);
    }
    this.#at = at;
    this.#room(CUT.length);
    this.#bytes(this.#rows > CELL_NODE_CAP ? CUT : END);
    const bytes = arena.commit(this.#at - this.#start, owner);
    const { id: cell, qOrder, rOrder } = head;
    return { cell, count: this.#count, bytes, qOrder, rOrder };
  }

  /** Room for `n` more bytes (the value written so far may move to another chunk). */
  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const pending = this.#at - this.#start;
    this.#buf = this.#arena!.room(pending, n);
    this.#start = this.#arena!.start;
    this.#at = this.#start + pending;
  }

  #bytes(b: Uint8Array): void {
    const n = b.length;
    if (n > 48) {
      this.#buf.set(b, this.#at);
      this.#at += n;
      return;
    }
    // short pieces: a loop is cheaper than a call into `set`
    const buf = this.#buf;
    let at = this.#at;
    for (let i = 0; i < n; i++) buf[at++] = b[i];
    this.#at = at;
  }

  /** ASCII text (ring coordinates, cell ids, numbers); room was made by the caller. */
  #ascii(s: string): void {
    this.#room(s.length);
    const buf = this.#buf;
    let at = this.#at;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.#at = at;
  }

  /** A number as JavaScript prints it (`String(v)`): integers digit by digit. */
  #num(v: number): void {
    if (!Number.isSafeInteger(v)) return this.#ascii(String(v));
    if (v === 0) {
      this.#buf[this.#at++] = 0x30;
      return;
    }
    let x = v;
    if (x < 0) {
      this.#buf[this.#at++] = 0x2d; // -
      x = -x;
    }
    let digits = 1;
    for (let p = 10; p <= x; p *= 10) digits++;
    const buf = this.#buf;
    let at = this.#at + digits;
    this.#at = at;
    do {
      buf[--at] = 0x30 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
  }
}
