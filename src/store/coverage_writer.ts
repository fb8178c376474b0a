/**
 * Writes one `/api/rx-coverage` cell as its GeoJSON Feature, straight into
 * UTF-8 bytes: the fixed parts are pre-encoded, the ring and cell id are ASCII
 * copied a character at a time, counts are written as digits, and each heard
 * key's JSON pieces (`{"prefix":"…","snr":` and `,"name":"…"}`) are escaped and
 * encoded once per answer. No string is built per cell and nothing but the
 * result is allocated (rows are pooled), so a cell recomputed for its window
 * costs little and leaves little for the collector. The text is the one the
 * template-literal writer produced before, byte for byte (the reference's field
 * order).
 *
 * Use: {@linkcode CellWriter.begin}, then {@linkcode CellWriter.node} per heard
 * key (in the order they were first met), then {@linkcode CellWriter.end}.
 *
 * @module
 */

import type { CoverageIndex } from "./coverage_index.ts";
import { cellQ, cellR } from "./hex_grid.ts";
import type { CellText } from "./coverage_json.ts";

/** Most heard nodes listed per cell. */
export const CELL_NODE_CAP = 25;

/** Maps a heard-key id to the node it names: its public key and name when unique. */
export type NodeNamer = (h: number) => { key: string; name: string };

const utf8 = new TextEncoder();
/** Size of the shared chunks of transient cells' bytes. */
const ARENA_CHUNK = 256 * 1024;
const FEATURE = utf8.encode(
  '{"type":"Feature","geometry":{"type":"Polygon","coordinates":[',
);
const CELL = utf8.encode(']},"properties":{"cell":"');
const COUNT = utf8.encode('","count":');
const BEST = utf8.encode(',"best_snr":');
const SIG_TRUE = utf8.encode(',"has_sig":true,"nodes":[');
const SIG_FALSE = utf8.encode(',"has_sig":false,"nodes":[');
const CUT = utf8.encode('],"nodes_truncated":true}}');
const END = utf8.encode("]}}");
const NULL = utf8.encode("null");

/** A heard key as the cells show it: the node it names and its JSON pieces as UTF-8. */
interface Shown {
  key: string;
  /** Dense number of `key` within the answer (heard keys naming one node share it). */
  node: number;
  prefix: string;
  /** `{"prefix":"…","snr":` */
  open: Uint8Array;
  /** `,"name":"…"}`, or `}` when the node has no name. */
  close: Uint8Array;
}

/** One heard node of the cell being written (pooled). */
interface Row {
  shown: Shown;
  prefix: string;
  open: Uint8Array;
  /** Rounded latest SNR; NaN when none. */
  snr: number;
  count: number;
  at: number;
}

/** Writes the feature bytes of one answer's cells; see the module doc. */
export class CellWriter {
  readonly #idx: CoverageIndex;
  readonly #res: number;
  readonly #name: NodeNamer;
  readonly #shown = new Map<number, Shown>();
  /** Dense numbers of the named nodes' keys. */
  readonly #nodes = new Map<string, number>();
  /** Per node number: its row in the cell being written, valid when `#rowGen` is `#gen`. */
  #rowAt = new Int32Array(64);
  #rowGen = new Int32Array(64);
  #gen = 0;
  /** `${snr},"count":` as bytes, per rounded SNR. */
  readonly #snrs = new Map<number, Uint8Array>();
  #buf = new Uint8Array(8192);
  #at = 0;
  /** Shared chunk the transient cells' bytes are copied into (one buffer for many cells). */
  #arena = new Uint8Array(0);
  #arenaAt = 0;
  #key = 0;
  #count = 0;
  #best = NaN;
  #ring = "";
  readonly #pool: Row[] = [];
  readonly #rows: Row[] = [];

  /** A writer for cells of resolution `res`, naming heard keys with `name`. */
  constructor(idx: CoverageIndex, res: number, name: NodeNamer) {
    this.#idx = idx;
    this.#res = res;
    this.#name = name;
  }

  #show(h: number): Shown {
    let s = this.#shown.get(h);
    if (!s) {
      const prefix = this.#idx.heardKey(h);
      const { key, name } = this.#name(h);
      let node = this.#nodes.get(key);
      if (node === undefined) {
        node = this.#nodes.size;
        this.#nodes.set(key, node);
        if (node === this.#rowAt.length) {
          const at = new Int32Array(node * 2), gen = new Int32Array(node * 2);
          at.set(this.#rowAt);
          gen.set(this.#rowGen);
          this.#rowAt = at;
          this.#rowGen = gen;
        }
      }
      s = {
        key,
        node,
        prefix,
        open: utf8.encode(`{"prefix":${JSON.stringify(prefix)},"snr":`),
        close: utf8.encode(name ? `,"name":${JSON.stringify(name)}}` : "}"),
      };
      this.#shown.set(h, s);
    }
    return s;
  }

  /** Starts the cell `key` holding `count` receptions, best SNR `best` (NaN: none). */
  begin(key: number, count: number, best: number, ring: string): void {
    this.#key = key;
    this.#count = count;
    this.#best = best;
    this.#ring = ring;
    this.#rows.length = 0;
    this.#gen++;
  }

  /** Adds heard key `h`: its count, latest reception time and that reception's SNR (NaN: none). */
  node(h: number, count: number, latestAt: number, latestSnr: number): void {
    const shown = this.#show(h);
    const snr = latestSnr === latestSnr ? round2(latestSnr) : NaN;
    const rows = this.#rows;
    if (this.#rowGen[shown.node] === this.#gen) {
      const m = rows[this.#rowAt[shown.node]];
      // several heard keys naming one node: the longest (then smallest) prefix, the latest SNR
      m.count += count;
      const p = shown.prefix;
      if (p.length > m.prefix.length || (p.length === m.prefix.length && p < m.prefix)) {
        m.prefix = p;
        m.open = shown.open;
      }
      if (latestAt >= m.at) {
        m.at = latestAt;
        m.snr = snr;
      }
      return;
    }
    let r = this.#pool[rows.length];
    if (!r) {
      r = this.#pool[rows.length] = { shown, prefix: "", open: shown.open, snr, count, at: 0 };
    }
    r.shown = shown;
    r.prefix = shown.prefix;
    r.open = shown.open;
    r.snr = snr;
    r.count = count;
    r.at = latestAt;
    this.#rowGen[shown.node] = this.#gen;
    this.#rowAt[shown.node] = rows.length;
    rows.push(r);
  }

  /**
   * The feature of the cell as UTF-8 bytes, with its id and count. `transient`: the bytes
   * are used only for this answer (not memoised), so they may share a chunk with other cells.
   */
  end(transient = false): CellText {
    const rows = this.#rows;
    if (rows.length > 1) sortRows(rows);
    this.#at = 0;
    const ring = this.#ring;
    this.#room(FEATURE.length + ring.length + 256);
    this.#bytes(FEATURE);
    this.#ascii(ring);
    this.#bytes(CELL);
    const cell = `${this.#res}:${cellQ(this.#key)}:${cellR(this.#key)}`;
    this.#ascii(cell);
    this.#bytes(COUNT);
    this.#num(this.#count);
    this.#bytes(BEST);
    const best = this.#best, has = best === best;
    if (has) this.#num(round2(best));
    else this.#bytes(NULL);
    this.#bytes(has ? SIG_TRUE : SIG_FALSE);
    const n = Math.min(rows.length, CELL_NODE_CAP);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      this.#room(r.open.length + r.shown.close.length + 64);
      if (i) this.#buf[this.#at++] = 0x2c; // ,
      this.#bytes(r.open);
      this.#bytes(this.#snrCount(r.snr));
      this.#num(r.count);
      this.#bytes(r.shown.close);
    }
    this.#room(CUT.length);
    this.#bytes(rows.length > CELL_NODE_CAP ? CUT : END);
    return {
      cell,
      count: this.#count,
      bytes: transient ? this.#keep() : this.#buf.slice(0, this.#at),
    };
  }

  /**
   * The cell's bytes as a view of a shared chunk: one allocation per chunk instead of one
   * buffer per cell (fewer external buffers for the collector to track and sweep).
   */
  #keep(): Uint8Array {
    const n = this.#at;
    if (this.#arenaAt + n > this.#arena.length) {
      this.#arena = new Uint8Array(Math.max(ARENA_CHUNK, n));
      this.#arenaAt = 0;
    }
    const at = this.#arenaAt;
    this.#arena.set(this.#buf.subarray(0, n), at);
    this.#arenaAt = at + n;
    return this.#arena.subarray(at, at + n);
  }

  /** `${snr},"count":` (`null` for NaN), memoised per value. */
  #snrCount(snr: number): Uint8Array {
    let b = this.#snrs.get(snr);
    if (!b) {
      b = utf8.encode(`${snr === snr ? snr : "null"},"count":`);
      this.#snrs.set(snr, b);
    }
    return b;
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
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

/** Rows by SNR (none last), then count, then prefix: the reference's order. */
function byRow(x: Row, y: Row): number {
  const xn = x.snr !== x.snr, yn = y.snr !== y.snr;
  if (xn !== yn) return xn ? 1 : -1;
  if (!xn && x.snr !== y.snr) return y.snr - x.snr;
  if (x.count !== y.count) return y.count - x.count;
  return x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Insertion sort by {@linkcode byRow}: cells list a few dozen rows at most. */
function sortRows(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i];
    let j = i;
    while (j > 0 && byRow(rows[j - 1], r) > 0) {
      rows[j] = rows[j - 1];
      j--;
    }
    rows[j] = r;
  }
}
