/**
 * The truth sidecar of a generated database (`<db>.truth.bin`): for every
 * observation id, the true node (full public key) of every hop of its
 * `path_json` (for TRACE: of the payload route), in hop order.
 *
 * Binary layout (all integers little-endian, sections 4-byte aligned):
 *
 * | Offset | Size | Field |
 * |---|---|---|
 * | 0 | 8 | magic `HWTRUTH1` (ASCII) |
 * | 8 | 4 | u32 format version (1) |
 * | 12 | 4 | u32 `K`: number of node keys |
 * | 16 | 4 | u32 `M`: number of observations |
 * | 20 | 4 | u32 flags: bit 0 = an explicit id table follows the keys |
 * | 24 | 4 | u32 first observation id (ids are `first … first+M-1` unless bit 0) |
 * | 28 | 4 | u32 `W`: bytes per hop entry, 2 (when `K` < 65536) or 4 |
 * | 32 | 32·K | node public keys, raw 32 bytes each; the index is the node index |
 * | … | 4·M | (bit 0 only) u32 observation ids, strictly ascending |
 * | … | 4·(M+1) | u32 hop offsets: hops of observation i are entries `off[i] … off[i+1]-1` |
 * | … | W·H | hop entries (node indexes), `H = off[M]`, then zero padding to 4 bytes |
 *
 * An observation with an empty path has `off[i] == off[i+1]` and
 * `pathOf(id)` returns an empty `Int32Array`; an id not in the file gives
 * `undefined`.
 *
 * @module
 */

const MAGIC = "HWTRUTH1";
const VERSION = 1;

/** The truth of a generated database. */
export interface Truth {
  /** Lowercase 64-hex public keys; hop entries index into this. */
  nodeKeys: string[];
  /** Node indexes of the true hops of an observation, or undefined for an unknown id. */
  pathOf(observationId: number): Int32Array | undefined;
  /** Number of observations. */
  observationCount: number;
  /** Every observation id, ascending. */
  observationIds(): Iterable<number>;
}

/** Accumulates observations (ids ascending) before {@linkcode writeTruth}. */
export class TruthBuilder {
  /** Lowercase hex node keys. */
  readonly nodeKeys: readonly string[];
  #ids = new Uint32Array(1024);
  #offsets = new Uint32Array(1025);
  #hops = new Int32Array(8192);
  #count = 0;
  #dense = true;

  /** A builder over `nodeKeys` (lowercase 64-hex). */
  constructor(nodeKeys: readonly string[]) {
    this.nodeKeys = nodeKeys;
  }

  /** Number of observations added. */
  get count(): number {
    return this.#count;
  }

  /** Adds observation `id` (greater than the previous) with its true hop node indexes. */
  add(id: number, hops: ArrayLike<number>): void {
    const n = this.#count;
    if (n > 0 && id <= this.#ids[n - 1]) {
      throw new Error(`Cannot add truth for observation ${id}: ids must ascend`);
    }
    if (n > 0 && id !== this.#ids[n - 1] + 1) this.#dense = false;
    if (n + 1 >= this.#ids.length) {
      this.#ids = growU32(this.#ids, this.#ids.length * 2);
      this.#offsets = growU32(this.#offsets, this.#offsets.length * 2);
    }
    const start = this.#offsets[n];
    if (start + hops.length > this.#hops.length) {
      const next = new Int32Array(Math.max(this.#hops.length * 2, start + hops.length));
      next.set(this.#hops);
      this.#hops = next;
    }
    for (let i = 0; i < hops.length; i++) {
      const h = hops[i];
      if (h < 0 || h >= this.nodeKeys.length) {
        throw new Error(`Cannot add truth for observation ${id}: node index ${h} out of range`);
      }
      this.#hops[start + i] = h;
    }
    this.#ids[n] = id;
    this.#offsets[n + 1] = start + hops.length;
    this.#count = n + 1;
  }

  /** Encodes the sidecar bytes. */
  encode(): Uint8Array {
    const K = this.nodeKeys.length, M = this.#count, H = this.#offsets[M];
    const W = K < 65536 ? 2 : 4;
    const explicit = !this.#dense;
    const size = 32 + 32 * K + (explicit ? 4 * M : 0) + 4 * (M + 1) + align4(W * H);
    const buf = new Uint8Array(size);
    const dv = new DataView(buf.buffer);
    for (let i = 0; i < 8; i++) buf[i] = MAGIC.charCodeAt(i);
    dv.setUint32(8, VERSION, true);
    dv.setUint32(12, K, true);
    dv.setUint32(16, M, true);
    dv.setUint32(20, explicit ? 1 : 0, true);
    dv.setUint32(24, M > 0 ? this.#ids[0] : 1, true);
    dv.setUint32(28, W, true);
    let o = 32;
    for (const key of this.nodeKeys) {
      if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`Cannot write truth: bad node key "${key}"`);
      for (let i = 0; i < 32; i++) buf[o + i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
      o += 32;
    }
    if (explicit) {
      for (let i = 0; i < M; i++, o += 4) dv.setUint32(o, this.#ids[i], true);
    }
    for (let i = 0; i <= M; i++, o += 4) dv.setUint32(o, this.#offsets[i], true);
    for (let i = 0; i < H; i++, o += W) {
      if (W === 2) dv.setUint16(o, this.#hops[i], true);
      else dv.setUint32(o, this.#hops[i], true);
    }
    return buf;
  }
}

/** Writes the sidecar of `builder` to `path`. */
export function writeTruth(path: string, builder: TruthBuilder): void {
  Deno.writeFileSync(path, builder.encode());
}

/** Reads a sidecar written by {@linkcode writeTruth}. */
export function readTruth(path: string): Truth {
  return decodeTruth(Deno.readFileSync(path), path);
}

/** Parses sidecar bytes (`label` names the source in errors). */
export function decodeTruth(buf: Uint8Array, label = "truth"): Truth {
  const fail = (why: string): never => {
    throw new Error(`Cannot read truth "${label}": ${why}`);
  };
  if (buf.length < 32) fail("file shorter than its 32-byte header");
  for (let i = 0; i < 8; i++) if (buf[i] !== MAGIC.charCodeAt(i)) fail("bad magic");
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) fail(`unsupported version ${version}`);
  const K = dv.getUint32(12, true), M = dv.getUint32(16, true);
  const explicit = (dv.getUint32(20, true) & 1) === 1;
  const first = dv.getUint32(24, true), W = dv.getUint32(28, true);
  if (W !== 2 && W !== 4) fail(`bad hop width ${W}`);
  let o = 32;
  const need = (n: number) => {
    if (o + n > buf.length) fail(`truncated at offset ${o}`);
  };
  need(32 * K);
  const nodeKeys: string[] = new Array(K);
  const hex = "0123456789abcdef";
  for (let k = 0; k < K; k++) {
    let s = "";
    for (let i = 0; i < 32; i++) s += hex[buf[o + i] >> 4] + hex[buf[o + i] & 15];
    nodeKeys[k] = s;
    o += 32;
  }
  let ids: Uint32Array | undefined;
  if (explicit) {
    need(4 * M);
    ids = new Uint32Array(M);
    for (let i = 0; i < M; i++, o += 4) ids[i] = dv.getUint32(o, true);
  }
  need(4 * (M + 1));
  const offsets = new Uint32Array(M + 1);
  for (let i = 0; i <= M; i++, o += 4) offsets[i] = dv.getUint32(o, true);
  const H = offsets[M];
  need(W * H);
  const hops = new Int32Array(H);
  for (let i = 0; i < H; i++, o += W) {
    hops[i] = W === 2 ? dv.getUint16(o, true) : dv.getUint32(o, true);
  }
  const indexOf = (id: number): number => {
    if (!ids) return Number.isInteger(id) && id >= first && id < first + M ? id - first : -1;
    let lo = 0, hi = M - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] === id) return mid;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  return {
    nodeKeys,
    observationCount: M,
    pathOf(id: number): Int32Array | undefined {
      const i = indexOf(id);
      return i < 0 ? undefined : hops.slice(offsets[i], offsets[i + 1]);
    },
    *observationIds(): Iterable<number> {
      for (let i = 0; i < M; i++) yield ids ? ids[i] : first + i;
    },
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function growU32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
