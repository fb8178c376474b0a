/**
 * Hop-prefix lookup: which relay-capable nodes could a 1, 2 or 3 byte hop be?
 *
 * The table holds only nodes with `NodeInfo.canRelay` (repeaters, rooms,
 * relaying observers). It is kept current by {@linkcode NodeDirectory} events,
 * so a lookup never scans the node table and nothing is rebuilt per packet:
 *
 * - 1-byte hops: 256 buckets indexed by the first key byte;
 * - 2-byte hops: 65,536 buckets indexed by the first two key bytes;
 * - 3-byte hops: the 2-byte bucket filtered by the third key byte (kept per
 *   node id in a `Uint8Array`), written into a reused scratch buffer.
 *
 * The table also mirrors, per node id, the attributes the resolver reads on its
 * hot path (position, first/last seen) in typed arrays. A latitude or longitude
 * of exactly 0 counts as "no position" (firmware default, as in the fixture's
 * `lat = 0.0` rows).
 *
 * @module
 */

import type { NodeDirectory, NodeEvent, NodeInfo } from "../store/node_directory.ts";

const EMPTY: readonly number[] = Object.freeze([]);
const RAD = Math.PI / 180;
const EARTH_KM = 6371.0088;

/**
 * Prefix buckets of relay-capable node ids, updated by directory events.
 *
 * @example
 * ```ts
 * const table = new PrefixTable(dir);
 * const ids = table.candidates(new Uint8Array([0xab]), 0, 1);
 * ```
 */
export class PrefixTable {
  #dir: NodeDirectory;
  #b1: number[][] = Array.from({ length: 256 }, () => []);
  #b2: (number[] | undefined)[] = new Array(65536);
  #third = new Uint8Array(1024);
  #member = new Uint8Array(1024);
  #lat = new Float64Array(1024).fill(NaN);
  #lon = new Float64Array(1024).fill(NaN);
  /** Unit vectors (x, y, z per id; NaN without a position) for fast distances. */
  #xyz = new Float64Array(3 * 1024).fill(NaN);
  #firstSeen = new Float64Array(1024);
  #lastSeen = new Float64Array(1024);
  #scratch = new Int32Array(64);
  #size = 0;
  #unsubscribe: () => void;

  /** Fills the table from `dir` once and subscribes to its change events. */
  constructor(dir: NodeDirectory) {
    this.#dir = dir;
    for (const node of dir.values()) this.#apply({ kind: "added", node });
    this.#unsubscribe = dir.onChange((event) => this.#apply(event));
  }

  /** Number of relay-capable nodes in the table. */
  get size(): number {
    return this.#size;
  }

  /** Stops listening to directory events. */
  close(): void {
    this.#unsubscribe();
  }

  /**
   * Relay-capable node ids whose key starts with the `size` bytes of
   * `hopBytes` at `offset`. The result is a live view: do not modify it, and
   * consume it before the next call (3-byte results share one scratch buffer).
   */
  candidates(hopBytes: Uint8Array, offset: number, size: 1 | 2 | 3): ArrayLike<number> {
    if (offset < 0 || offset + size > hopBytes.length) {
      throw new RangeError(
        `Cannot look up hop at offset ${offset}: ${size}-byte hop overruns ${hopBytes.length} bytes`,
      );
    }
    const b0 = hopBytes[offset];
    if (size === 1) return this.#b1[b0];
    const bucket = this.#b2[(b0 << 8) | hopBytes[offset + 1]];
    if (!bucket) return EMPTY;
    if (size === 2) return bucket;
    const third = hopBytes[offset + 2];
    if (this.#scratch.length < bucket.length) this.#scratch = new Int32Array(bucket.length * 2);
    let n = 0;
    for (let i = 0; i < bucket.length; i++) {
      const id = bucket[i];
      if (this.#third[id] === third) this.#scratch[n++] = id;
    }
    return this.#scratch.subarray(0, n);
  }

  /** Whether node `id` is in the table (relay-capable and known). */
  has(id: number): boolean {
    return id < this.#member.length && this.#member[id] === 1;
  }

  /** Latitude of node `id`, or NaN when it has no usable position. */
  lat(id: number): number {
    return id < this.#lat.length ? this.#lat[id] : NaN;
  }

  /** Longitude of node `id`, or NaN when it has no usable position. */
  lon(id: number): number {
    return id < this.#lon.length ? this.#lon[id] : NaN;
  }

  /**
   * Distance in km between nodes `a` and `b` (straight chord through the
   * Earth: within 10 m of the great-circle distance below 300 km), or NaN when
   * either has no position.
   */
  distanceKm(a: number, b: number): number {
    const v = this.#xyz;
    const ia = 3 * a, ib = 3 * b;
    if (ib + 2 >= v.length || ia + 2 >= v.length) return NaN;
    const dx = v[ia] - v[ib], dy = v[ia + 1] - v[ib + 1], dz = v[ia + 2] - v[ib + 2];
    return EARTH_KM * Math.sqrt(dx * dx + dy * dy + dz * dz);
  }

  /** Epoch ms of the node's first sighting (0 when unknown). */
  firstSeenMs(id: number): number {
    return id < this.#firstSeen.length ? this.#firstSeen[id] : 0;
  }

  /** Epoch ms of the node's last sighting (0 when unknown). */
  lastSeenMs(id: number): number {
    return id < this.#lastSeen.length ? this.#lastSeen[id] : 0;
  }

  #apply(event: NodeEvent): void {
    const node = event.node;
    this.#ensure(node.id);
    if (event.kind === "removed") {
      this.#remove(node);
      this.#lat[node.id] = NaN;
      this.#lon[node.id] = NaN;
      this.#xyz.fill(NaN, 3 * node.id, 3 * node.id + 3);
      return;
    }
    this.#mirror(node);
    if (node.canRelay) this.#insert(node);
    else this.#remove(node);
  }

  #mirror(node: NodeInfo): void {
    const id = node.id;
    const { lat, lon } = node;
    const usable = lat != null && lon != null && Number.isFinite(lat) && Number.isFinite(lon) &&
      lat !== 0 && lon !== 0 && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    this.#lat[id] = usable ? lat : NaN;
    this.#lon[id] = usable ? lon : NaN;
    if (usable) {
      const phi = lat * RAD, lam = lon * RAD;
      this.#xyz[3 * id] = Math.cos(phi) * Math.cos(lam);
      this.#xyz[3 * id + 1] = Math.cos(phi) * Math.sin(lam);
      this.#xyz[3 * id + 2] = Math.sin(phi);
    } else this.#xyz.fill(NaN, 3 * id, 3 * id + 3);
    this.#firstSeen[id] = Date.parse(node.firstSeen) || 0;
    this.#lastSeen[id] = node.lastSeenMs;
  }

  #insert(node: NodeInfo): void {
    const id = node.id;
    if (this.#member[id] === 1) return;
    const key = node.publicKey;
    const b0 = parseInt(key.slice(0, 2), 16);
    const b1 = parseInt(key.slice(2, 4), 16);
    const b2 = parseInt(key.slice(4, 6), 16);
    if (!(b0 >= 0 && b1 >= 0 && b2 >= 0)) return; // keys shorter than 3 bytes cannot be hops
    this.#third[id] = b2;
    this.#b1[b0].push(id);
    const slot = (b0 << 8) | b1;
    (this.#b2[slot] ??= []).push(id);
    this.#member[id] = 1;
    this.#size++;
  }

  #remove(node: NodeInfo): void {
    const id = node.id;
    if (this.#member[id] !== 1) return;
    const key = node.publicKey;
    const b0 = parseInt(key.slice(0, 2), 16);
    const b1 = parseInt(key.slice(2, 4), 16);
    dropId(this.#b1[b0], id);
    const slot = (b0 << 8) | b1;
    const bucket = this.#b2[slot];
    if (bucket) {
      dropId(bucket, id);
      if (bucket.length === 0) this.#b2[slot] = undefined;
    }
    this.#member[id] = 0;
    this.#size--;
  }

  #ensure(id: number): void {
    if (id < this.#member.length) return;
    let cap = this.#member.length;
    while (cap <= id) cap *= 2;
    this.#third = grow(this.#third, cap);
    this.#member = grow(this.#member, cap);
    this.#firstSeen = grow(this.#firstSeen, cap);
    this.#lastSeen = grow(this.#lastSeen, cap);
    const lat = new Float64Array(cap).fill(NaN);
    lat.set(this.#lat);
    this.#lat = lat;
    const lon = new Float64Array(cap).fill(NaN);
    lon.set(this.#lon);
    this.#lon = lon;
    const xyz = new Float64Array(3 * cap).fill(NaN);
    xyz.set(this.#xyz);
    this.#xyz = xyz;
  }

  /** The directory this table follows. */
  get directory(): NodeDirectory {
    return this.#dir;
  }
}

function dropId(list: number[], id: number): void {
  const i = list.indexOf(id);
  if (i < 0) return;
  list[i] = list[list.length - 1];
  list.pop();
}

function grow<T extends Uint8Array | Float64Array>(arr: T, cap: number): T {
  const next = new (arr.constructor as { new (n: number): T })(cap);
  next.set(arr);
  return next;
}
