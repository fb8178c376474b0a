/**
 * Transmission columns: chunked typed arrays (1024 rows per chunk), the raw
 * packet bytes of each chunk in one byte arena, and the reverse half of the
 * resolved-pubkey membership index (per transmission a block of
 * `(node id, reference count)` pairs in a per-chunk pool).
 *
 * A slot is `chunk << TX_SHIFT | row`; slots are never reused, so a chunk
 * whose rows are all dead is released whole. Sparse chunks are emptied by
 * {@linkcode TxTable.relocate}. Everything else refers to a transmission by
 * its database id (through one `DenseIdMap`), so relocation moves one entry.
 *
 * @module
 */

/** log2 of rows per chunk. */
export const TX_SHIFT = 10;
/** Rows per chunk. */
export const TX_CHUNK = 1 << TX_SHIFT;
const MASK = TX_CHUNK - 1;

/** An arena capacity 1/16 above a previous chunk's use (at least 1 KiB). */
export function hint(used: number): number {
  return Math.max(1024, used + (used >> 4));
}

/** Sum of the `byteLength` of every typed array held directly by `o`. */
export function viewBytes(o: object): number {
  let b = 0;
  for (const v of Object.values(o)) if (ArrayBuffer.isView(v)) b += v.byteLength;
  return b;
}

/** Flag bits of {@linkcode TxChunk.flags}. */
export const TXF = { LIVE: 1, VERSION_NULL: 2, RAW_LOWER: 4, ODD_HASH: 8 } as const;

/** One chunk of transmission rows. */
export class TxChunk {
  id: Int32Array = new Int32Array(TX_CHUNK);
  firstSeen: Float64Array = new Float64Array(TX_CHUNK);
  lastSeen: Float64Array = new Float64Array(TX_CHUNK);
  hashHi: Uint32Array = new Uint32Array(TX_CHUNK);
  hashLo: Uint32Array = new Uint32Array(TX_CHUNK);
  /** Header byte: route | type << 2 | version << 6. */
  header: Uint8Array = new Uint8Array(TX_CHUNK);
  flags: Uint8Array = new Uint8Array(TX_CHUNK);
  channel: Uint16Array = new Uint16Array(TX_CHUNK);
  scope: Uint16Array = new Uint16Array(TX_CHUNK);
  fromNode: Int32Array = new Int32Array(TX_CHUNK);
  src: Int16Array = new Int16Array(TX_CHUNK);
  dest: Int16Array = new Int16Array(TX_CHUNK);
  rawOff: Uint32Array = new Uint32Array(TX_CHUNK);
  rawLen: Uint16Array = new Uint16Array(TX_CHUNK);
  /** Newest observation id (head of the per-transmission chain), -1 when none. */
  headObs: Int32Array = new Int32Array(TX_CHUNK);
  bestObs: Int32Array = new Int32Array(TX_CHUNK);
  obsCount: Int32Array = new Int32Array(TX_CHUNK);
  observerCount: Uint16Array = new Uint16Array(TX_CHUNK);
  /** Membership block: offset / length / capacity in `memNode` and `memCnt`. */
  memOff: Int32Array = new Int32Array(TX_CHUNK);
  memLen: Uint16Array = new Uint16Array(TX_CHUNK);
  memCap: Uint16Array = new Uint16Array(TX_CHUNK);
  raw: Uint8Array;
  rawUsed = 0;
  memNode: Int32Array;
  memCnt: Uint16Array;
  memUsed = 0;
  /** Pool entries abandoned by grown blocks. */
  memWaste = 0;
  used = 0;
  live = 0;
  sealed = false;

  /** A chunk whose arenas start at the given capacities (sized from the previous chunk). */
  constructor(rawCap = TX_CHUNK * 48, memCap = TX_CHUNK * 4) {
    this.raw = new Uint8Array(rawCap);
    this.memNode = new Int32Array(memCap);
    this.memCnt = new Uint16Array(memCap);
  }

  /** Bytes held by this chunk's arrays (the sum of their real `byteLength`s). */
  get byteLength(): number {
    return viewBytes(this);
  }
}

/** Chunked transmission storage. */
export class TxTable {
  chunks: (TxChunk | null)[] = [];
  /** Live rows. */
  live = 0;
  /** Chunks released so far. */
  releasedChunks = 0;
  /** Row whose membership block is opened in `stamp`/`pos` (see `memAdd`). */
  openSlot = -1;
  /** Per node id: generation at which it was marked present in the opened row. */
  stamp: Int32Array = new Int32Array(1024);
  /** Per node id: index within the opened row's block. */
  pos: Uint16Array = new Uint16Array(1024);
  gen = 0;

  /** Chunk holding `slot` (the slot must be live). */
  chunk(slot: number): TxChunk {
    return this.chunks[slot >>> TX_SHIFT] as TxChunk;
  }

  /** Appends a zeroed live row with `id`, raw bytes and no observations; returns its slot. */
  append(id: number, raw: Uint8Array): number {
    let ci = this.chunks.length - 1;
    let c = ci >= 0 ? this.chunks[ci] : null;
    if (c === null || c.used === TX_CHUNK) {
      // Size the next chunk's arenas from this one's so they rarely grow (less allocator churn).
      c = c ? (this.#seal(c), new TxChunk(hint(c.rawUsed), hint(c.memUsed))) : new TxChunk();
      this.chunks.push(c);
      ci = this.chunks.length - 1;
    }
    const r = c.used++;
    c.live++;
    this.live++;
    c.id[r] = id;
    c.flags[r] = TXF.LIVE;
    c.fromNode[r] = -1;
    c.src[r] = -1;
    c.dest[r] = -1;
    c.headObs[r] = -1;
    c.bestObs[r] = -1;
    c.memOff[r] = -1;
    this.#putRaw(c, r, raw);
    return (ci << TX_SHIFT) | r;
  }

  /** Marks a row dead; releases its chunk when nothing in it is live any more. */
  free(slot: number): void {
    if (slot === this.openSlot) this.openSlot = -1;
    const ci = slot >>> TX_SHIFT;
    const c = this.chunks[ci] as TxChunk;
    const r = slot & MASK;
    c.flags[r] = 0;
    c.live--;
    this.live--;
    if (c.live === 0 && ci !== this.chunks.length - 1) {
      this.chunks[ci] = null;
      this.releasedChunks++;
    }
  }

  /** Raw bytes of a row (a view into the arena). */
  rawOf(slot: number): Uint8Array {
    const c = this.chunk(slot);
    const r = slot & MASK;
    return c.raw.subarray(c.rawOff[r], c.rawOff[r] + c.rawLen[r]);
  }

  /**
   * Adds one reference of `node` to a row's membership block.
   * Returns true when the node was not referenced before (count 0 -> 1).
   *
   * O(1) while the same row keeps being fed (a packet's observations arrive
   * together): the row's block is "opened" once into per-node stamp/position
   * arrays; switching rows re-opens in O(block).
   */
  memAdd(slot: number, node: number): boolean {
    const c = this.chunk(slot);
    const r = slot & MASK;
    if (this.openSlot !== slot) this.#open(slot, c, r);
    const len = c.memLen[r];
    if (node < this.stamp.length && this.stamp[node] === this.gen) {
      const i = c.memOff[r] + this.pos[node];
      if (c.memCnt[i] === 0xffff) {
        throw new RangeError(`Cannot count node ${node} again: 65535 references on one packet`);
      }
      c.memCnt[i]++;
      return false;
    }
    if (c.memOff[r] < 0 || len === c.memCap[r]) this.#growBlock(c, r);
    const at = c.memOff[r] + len;
    c.memNode[at] = node;
    c.memCnt[at] = 1;
    c.memLen[r] = len + 1;
    this.#mark(node, len);
    return true;
  }

  #open(slot: number, c: TxChunk, r: number): void {
    this.openSlot = slot;
    if (++this.gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
    const off = c.memOff[r];
    for (let i = 0; i < c.memLen[r]; i++) this.#mark(c.memNode[off + i], i);
  }

  #mark(node: number, at: number): void {
    if (node >= this.stamp.length) {
      const n = Math.max(node + 1, this.stamp.length * 2);
      const st = new Int32Array(n);
      st.set(this.stamp);
      const ps = new Uint16Array(n);
      ps.set(this.pos);
      this.stamp = st;
      this.pos = ps;
    }
    this.stamp[node] = this.gen;
    this.pos[node] = at;
  }

  /** Forgets the opened row (its block is about to change other than through memAdd). */
  closeRow(): void {
    this.openSlot = -1;
  }

  /**
   * Removes one reference of `node`. Returns true when the count reached 0 (the
   * pair is gone), false when references remain, and throws when the node was
   * not referenced (the caller's old contribution is wrong).
   */
  memRemove(slot: number, node: number): boolean {
    this.openSlot = -1;
    const c = this.chunk(slot);
    const r = slot & MASK;
    const off = c.memOff[r];
    const len = c.memLen[r];
    for (let i = off; i < off + len; i++) {
      if (c.memNode[i] !== node) continue;
      if (--c.memCnt[i] > 0) return false;
      const last = off + len - 1;
      c.memNode[i] = c.memNode[last];
      c.memCnt[i] = c.memCnt[last];
      c.memLen[r] = len - 1;
      return true;
    }
    throw new Error(`Cannot remove node ${node} from transmission ${c.id[r]}: not indexed`);
  }

  /** Reference count of `node` on a row (0 when absent). */
  memCount(slot: number, node: number): number {
    const c = this.chunk(slot);
    const r = slot & MASK;
    const off = c.memOff[r];
    for (let i = off; i < off + c.memLen[r]; i++) if (c.memNode[i] === node) return c.memCnt[i];
    return 0;
  }

  /**
   * Moves a live row into the newest chunk and frees the old one.
   * Returns the new slot; the caller updates its id map.
   */
  relocate(slot: number): number {
    this.openSlot = -1;
    const c = this.chunk(slot);
    const r = slot & MASK;
    const ns = this.append(c.id[r], c.raw.subarray(c.rawOff[r], c.rawOff[r] + c.rawLen[r]));
    const d = this.chunk(ns);
    const q = ns & MASK;
    d.firstSeen[q] = c.firstSeen[r];
    d.lastSeen[q] = c.lastSeen[r];
    d.hashHi[q] = c.hashHi[r];
    d.hashLo[q] = c.hashLo[r];
    d.header[q] = c.header[r];
    d.flags[q] = c.flags[r];
    d.channel[q] = c.channel[r];
    d.scope[q] = c.scope[r];
    d.fromNode[q] = c.fromNode[r];
    d.src[q] = c.src[r];
    d.dest[q] = c.dest[r];
    d.headObs[q] = c.headObs[r];
    d.bestObs[q] = c.bestObs[r];
    d.obsCount[q] = c.obsCount[r];
    d.observerCount[q] = c.observerCount[r];
    const off = c.memOff[r];
    for (let i = 0; i < c.memLen[r]; i++) {
      this.memAdd(ns, c.memNode[off + i]);
      d.memCnt[d.memOff[q] + i] = c.memCnt[off + i];
    }
    this.free(slot);
    return ns;
  }

  /**
   * Repacks membership pools that are more than half waste; with `tight`
   * (after a bulk load) repacks every sealed chunk with each block cut to its
   * length.
   */
  compactPools(tight = false): void {
    this.openSlot = -1;
    for (const c of this.chunks) {
      if (!c) continue;
      if (tight ? !c.sealed : c.memWaste < 1024 || c.memWaste * 2 < c.memUsed) continue;
      let need = 0;
      for (let r = 0; r < c.used; r++) {
        if (!(c.flags[r] & TXF.LIVE)) continue;
        if (tight) c.memCap[r] = c.memLen[r];
        need += c.memCap[r];
      }
      const node = new Int32Array(tight ? need : Math.max(16, need));
      const cnt = new Uint16Array(node.length);
      let w = 0;
      for (let r = 0; r < c.used; r++) {
        if (!(c.flags[r] & TXF.LIVE) || c.memOff[r] < 0) continue;
        const off = c.memOff[r];
        node.set(c.memNode.subarray(off, off + c.memLen[r]), w);
        cnt.set(c.memCnt.subarray(off, off + c.memLen[r]), w);
        c.memOff[r] = w;
        w += c.memCap[r];
      }
      c.memNode = node;
      c.memCnt = cnt;
      c.memUsed = w;
      c.memWaste = 0;
    }
  }

  /** Bytes held by all chunks. */
  get byteLength(): number {
    let b = 0;
    for (const c of this.chunks) if (c) b += c.byteLength;
    return b + this.chunks.length * 8 + this.stamp.byteLength + this.pos.byteLength;
  }

  /** Calls `fn(slot, chunk, row)` for every live row, in slot order. */
  forEachLive(fn: (slot: number, c: TxChunk, r: number) => void): void {
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci];
      if (!c) continue;
      for (let r = 0; r < c.used; r++) if (c.flags[r] & TXF.LIVE) fn((ci << TX_SHIFT) | r, c, r);
    }
  }

  #putRaw(c: TxChunk, r: number, raw: Uint8Array): void {
    if (raw.length > 0xffff) {
      throw new RangeError(`Cannot store packet of ${raw.length} bytes: larger than 65535`);
    }
    if (c.rawUsed + raw.length > c.raw.length) {
      const next = new Uint8Array(Math.max(c.rawUsed + raw.length, Math.ceil(c.raw.length * 1.5)));
      next.set(c.raw.subarray(0, c.rawUsed));
      c.raw = next;
    }
    c.raw.set(raw, c.rawUsed);
    c.rawOff[r] = c.rawUsed;
    c.rawLen[r] = raw.length;
    c.rawUsed += raw.length;
  }

  #growBlock(c: TxChunk, r: number): void {
    const oldCap = c.memCap[r];
    const off = c.memOff[r];
    // The newest block (the usual case: a packet's observations arrive together) grows in
    // place by small steps, so it wastes nothing; any other block moves to the end, doubled.
    const atEnd = off >= 0 && off + oldCap === c.memUsed;
    const cap = atEnd
      ? Math.min(0xffff, oldCap + 4)
      : oldCap === 0
      ? 4
      : Math.min(0xffff, oldCap * 2);
    if (cap === oldCap) throw new RangeError(`Cannot grow membership of row ${r}: too many nodes`);
    const need = atEnd ? off + cap : c.memUsed + cap;
    if (need > c.memNode.length) {
      const n = Math.max(need, Math.ceil(c.memNode.length * 1.5));
      const node = new Int32Array(n);
      node.set(c.memNode.subarray(0, c.memUsed));
      const cnt = new Uint16Array(n);
      cnt.set(c.memCnt.subarray(0, c.memUsed));
      c.memNode = node;
      c.memCnt = cnt;
    }
    if (atEnd) {
      c.memCap[r] = cap;
      c.memUsed = off + cap;
      return;
    }
    const at = c.memUsed;
    if (off >= 0) {
      c.memNode.copyWithin(at, off, off + c.memLen[r]);
      c.memCnt.copyWithin(at, off, off + c.memLen[r]);
      c.memWaste += oldCap;
    }
    c.memOff[r] = at;
    c.memCap[r] = cap;
    c.memUsed += cap;
  }

  #seal(c: TxChunk): void {
    c.sealed = true;
    if (c.raw.length > c.rawUsed) c.raw = c.raw.slice(0, c.rawUsed);
  }
}
