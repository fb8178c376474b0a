/**
 * Observation columns: chunked typed arrays (8192 rows per chunk) plus the
 * hop bytes of each chunk in one byte arena. No JS object exists per
 * observation, and no resolved path is stored: the only trace of the decode
 * window here is one flag bit saying whether the row contributed resolved
 * hops to the membership index.
 *
 * Slots are `chunk << OBS_SHIFT | row` and never reused; a chunk is released
 * when its last row dies, and sparse chunks are emptied by
 * {@linkcode ObsTable.relocate}.
 *
 * @module
 */

import { hint, viewBytes } from "./tx_table.ts";

/** log2 of rows per chunk. */
export const OBS_SHIFT = 13;
/** Rows per chunk. */
export const OBS_CHUNK = 1 << OBS_SHIFT;
const MASK = OBS_CHUNK - 1;

/**
 * Flag bits of {@linkcode ObsChunk.flags}. `REACH`: the reach index holds this observation's
 * current contribution (none when it is not resolved); unset, it holds nothing of it.
 */
export const OBSF = { LIVE: 1, RESOLVED: 2, REACH: 4 } as const;

/** One chunk of observation rows. */
export class ObsChunk {
  id: Int32Array = new Int32Array(OBS_CHUNK);
  /** Transmission id. */
  tx: Int32Array = new Int32Array(OBS_CHUNK);
  /** Next (older) observation id of the same transmission, -1 at the end. */
  next: Int32Array = new Int32Array(OBS_CHUNK);
  /** Interned observer index (0 = unknown observer). */
  observer: Uint16Array = new Uint16Array(OBS_CHUNK);
  /** Interned direction (0 = null). */
  dir: Uint8Array = new Uint8Array(OBS_CHUNK);
  flags: Uint8Array = new Uint8Array(OBS_CHUNK);
  hopCount: Uint8Array = new Uint8Array(OBS_CHUNK);
  hashSize: Uint8Array = new Uint8Array(OBS_CHUNK);
  /** NaN = null. */
  snr: Float32Array = new Float32Array(OBS_CHUNK);
  rssi: Float32Array = new Float32Array(OBS_CHUNK);
  score: Float32Array = new Float32Array(OBS_CHUNK);
  /** Observation time, epoch ms. */
  ts: Float64Array = new Float64Array(OBS_CHUNK);
  pathOff: Uint32Array = new Uint32Array(OBS_CHUNK);
  hops: Uint8Array;
  hopsUsed = 0;
  used = 0;
  live = 0;
  sealed = false;

  /** A chunk whose hop arena starts at `hopsCap` bytes (sized from the previous chunk). */
  constructor(hopsCap = OBS_CHUNK * 6) {
    this.hops = new Uint8Array(hopsCap);
  }

  /** Bytes held by this chunk's arrays. */
  get byteLength(): number {
    return viewBytes(this);
  }
}

/** Chunked observation storage. */
export class ObsTable {
  chunks: (ObsChunk | null)[] = [];
  live = 0;
  releasedChunks = 0;

  /** Chunk holding `slot`. */
  chunk(slot: number): ObsChunk {
    return this.chunks[slot >>> OBS_SHIFT] as ObsChunk;
  }

  /** Appends a live row with hop bytes `hops[off, off + n)`; the caller fills the rest. */
  append(
    id: number,
    txId: number,
    hops: Uint8Array,
    off: number,
    n: number,
    hopCount: number,
    hashSize: number,
  ): number {
    let ci = this.chunks.length - 1;
    let c = ci >= 0 ? this.chunks[ci] : null;
    if (c === null || c.used === OBS_CHUNK) {
      c = c ? (this.#seal(c), new ObsChunk(hint(c.hopsUsed))) : new ObsChunk();
      this.chunks.push(c);
      ci = this.chunks.length - 1;
    }
    const r = c.used++;
    c.live++;
    this.live++;
    c.id[r] = id;
    c.tx[r] = txId;
    c.next[r] = -1;
    c.flags[r] = OBSF.LIVE;
    c.hopCount[r] = hopCount;
    c.hashSize[r] = hashSize;
    if (c.hopsUsed + n > c.hops.length) {
      const next = new Uint8Array(Math.max(c.hopsUsed + n, Math.ceil(c.hops.length * 1.5)));
      next.set(c.hops.subarray(0, c.hopsUsed));
      c.hops = next;
    }
    const h = c.hops;
    const at = c.hopsUsed;
    for (let i = 0; i < n; i++) h[at + i] = hops[off + i];
    c.pathOff[r] = c.hopsUsed;
    c.hopsUsed += n;
    return (ci << OBS_SHIFT) | r;
  }

  /** Marks a row dead; releases its chunk when nothing in it is live any more. */
  free(slot: number): void {
    const ci = slot >>> OBS_SHIFT;
    const c = this.chunks[ci] as ObsChunk;
    c.flags[slot & MASK] = 0;
    c.live--;
    this.live--;
    if (c.live === 0 && ci !== this.chunks.length - 1) {
      this.chunks[ci] = null;
      this.releasedChunks++;
    }
  }

  /** Hop bytes of a row (a view). */
  hopsOf(slot: number): Uint8Array {
    const c = this.chunk(slot);
    const r = slot & MASK;
    const off = c.pathOff[r];
    return c.hops.subarray(off, off + c.hopCount[r] * c.hashSize[r]);
  }

  /** Moves a live row into the newest chunk, frees the old one and returns the new slot. */
  relocate(slot: number): number {
    const c = this.chunk(slot);
    const r = slot & MASK;
    const n = c.hopCount[r] * c.hashSize[r];
    const ns = this.append(c.id[r], c.tx[r], c.hops, c.pathOff[r], n, c.hopCount[r], c.hashSize[r]);
    const d = this.chunk(ns);
    const q = ns & MASK;
    d.next[q] = c.next[r];
    d.observer[q] = c.observer[r];
    d.dir[q] = c.dir[r];
    d.flags[q] = c.flags[r];
    d.snr[q] = c.snr[r];
    d.rssi[q] = c.rssi[r];
    d.score[q] = c.score[r];
    d.ts[q] = c.ts[r];
    this.free(slot);
    return ns;
  }

  /** Bytes held by all chunks. */
  get byteLength(): number {
    let b = 0;
    for (const c of this.chunks) if (c) b += c.byteLength;
    return b + this.chunks.length * 8;
  }

  /** Calls `fn(slot, chunk, row)` for every live row, in slot order. */
  forEachLive(fn: (slot: number, c: ObsChunk, r: number) => void): void {
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci];
      if (!c) continue;
      for (let r = 0; r < c.used; r++) if (c.flags[r] & OBSF.LIVE) fn((ci << OBS_SHIFT) | r, c, r);
    }
  }

  #seal(c: ObsChunk): void {
    c.sealed = true;
    if (c.hops.length > c.hopsUsed) c.hops = c.hops.slice(0, c.hopsUsed);
  }
}

/** Row index of a slot within its chunk. */
export function obsRow(slot: number): number {
  return slot & MASK;
}
