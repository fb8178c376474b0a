/**
 * A bounded store of many small byte strings (the coverage cells' cached
 * feature bytes): they are written into shared chunks and handed out as
 * views, so thousands of them cost a few allocations instead of one
 * `ArrayBuffer` each (each buffer is an object for the collector to track and
 * a separate allocation outside the heap).
 *
 * The arena counts, per chunk, the bytes its holders still use: a holder that
 * replaces or drops a value says so ({@linkcode ByteArena.letGo}), and a chunk
 * nobody uses any more is forgotten (its memory goes with its last view). Past
 * its budget the arena drops its oldest chunk still in use and tells the
 * holders of the values in it, which then let go of their views: the memory
 * held is bounded, and the oldest cached values are the ones recomputed.
 *
 * A view stays valid while its holder holds it: a chunk nobody holds any more
 * may be written over by later values (the arena keeps a few such chunks for
 * reuse, since freeing many at once stalls the allocator), so a view must be
 * used before its holder lets go of it. A chunk dropped for the budget is
 * never reused; its holders are told and must stop serving their views.
 *
 * @module
 */

/** Holder of views into an arena, told when the chunk holding them is dropped. */
export interface ArenaOwner {
  /** The chunk `chunk` is dropped: views kept from it must no longer be served. */
  released(chunk: number): void;
}

/** A chunk in use: its bytes, the bytes its holders use, the holders to tell on a drop. */
interface Chunk {
  buf: Uint8Array;
  used: number;
  owners: ArenaOwner[];
}

/** Chunks nobody uses kept for reuse (freeing many chunks at once stalls the allocator). */
const SPARE_CHUNKS = 16;

/** See the module doc. */
export class ByteArena {
  readonly #chunkSize: number;
  readonly #maxBytes: number;
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;
  /** Id of the current chunk; ids grow from 0. */
  #id = -1;
  /** The chunks in use by id, oldest first (the current one always among them). */
  readonly #chunks = new Map<number, Chunk>();
  /** Chunks nobody uses, of the regular size, written over by the next chunks. */
  readonly #spare: Uint8Array[] = [];
  #bytes = 0;
  /** Chunks dropped for the budget so far. */
  dropped = 0;

  /**
   * An arena of chunks of `chunkSize` bytes (a larger value gets a chunk of its own) holding at
   * most `maxBytes` in chunks in use (the current chunk is always kept).
   */
  constructor(chunkSize: number, maxBytes = Infinity) {
    if (!(chunkSize >= 64) || !Number.isInteger(chunkSize)) {
      throw new RangeError(`Cannot create arena: chunk size ${chunkSize} is not an integer >= 64`);
    }
    if (!(maxBytes >= chunkSize)) {
      throw new RangeError(`Cannot create arena: budget ${maxBytes} is below one chunk`);
    }
    this.#chunkSize = chunkSize;
    this.#maxBytes = maxBytes;
  }

  /** Id of the chunk the latest {@linkcode ByteArena.commit} wrote into. */
  get chunk(): number {
    return this.#id;
  }

  /** Bytes of the chunks in use (the memory the arena holds). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Chunks in use. */
  get chunks(): number {
    return this.#chunks.size;
  }

  /**
   * The chunk to write the next value into, from {@linkcode ByteArena.start}, with room for `n`
   * more bytes after the `pending` bytes of it written so far (they move to a new chunk when
   * this one is full: write on from `start + pending`).
   */
  room(pending: number, n: number): Uint8Array {
    const chunk = this.#chunk, from = this.#at;
    if (from + pending + n <= chunk.length) return chunk;
    this.#next(pending + n);
    if (pending > 0) this.#chunk.set(chunk.subarray(from, from + pending));
    return this.#chunk;
  }

  /** Where the value being written starts in the chunk {@linkcode ByteArena.room} returned. */
  get start(): number {
    return this.#at;
  }

  /**
   * Ends the value being written, its `n` bytes at {@linkcode ByteArena.start}: returns their
   * view, held by `owner`, which is told when the chunk is dropped and lets go of it with
   * {@linkcode ByteArena.letGo}. Without an owner the bytes stay in use as long as the arena.
   */
  commit(n: number, owner?: ArenaOwner): Uint8Array {
    const at = this.#at;
    if (at + n > this.#chunk.length) {
      throw new RangeError(`Cannot commit ${n} bytes: the chunk has ${this.#chunk.length - at}`);
    }
    this.#at = at + n;
    // bytes without a holder count as used for good (they are never let go of)
    const c = this.#chunks.get(this.#id)!;
    c.used += n;
    if (owner) c.owners.push(owner);
    return this.#chunk.subarray(at, at + n);
  }

  /**
   * `owner` holds `n` bytes of chunk `chunk` too (a value shared): it is told when the chunk
   * is dropped. Nothing when the chunk is gone already.
   */
  own(chunk: number, owner: ArenaOwner, n: number): void {
    const c = this.#chunks.get(chunk);
    if (!c) return;
    c.used += n;
    c.owners.push(owner);
  }

  /**
   * A holder no longer uses `n` bytes of chunk `chunk` (it replaced or dropped its value); a
   * chunk nobody uses is forgotten (and not told of anything again).
   */
  letGo(chunk: number, n: number): void {
    const c = this.#chunks.get(chunk);
    if (!c) return;
    c.used -= n;
    if (c.used <= 0 && chunk !== this.#id) this.#forget(chunk, c);
  }

  /** Forgets chunk `id`, which nobody uses: its memory is kept for reuse (up to a few). */
  #forget(id: number, c: Chunk): void {
    this.#chunks.delete(id);
    this.#bytes -= c.buf.length;
    if (c.buf.length === this.#chunkSize && this.#spare.length < SPARE_CHUNKS) {
      this.#spare.push(c.buf);
    }
  }

  /** Starts a chunk with room for `n` bytes, dropping the oldest beyond the budget. */
  #next(n: number): void {
    const old = this.#chunks.get(this.#id);
    // the chunk being left holds nothing any more
    if (old && old.used <= 0) this.#forget(this.#id, old);
    this.#chunk = (n <= this.#chunkSize ? this.#spare.pop() : undefined) ??
      new Uint8Array(Math.max(this.#chunkSize, n));
    this.#at = 0;
    this.#id++;
    this.#bytes += this.#chunk.length;
    this.#chunks.set(this.#id, { buf: this.#chunk, used: 0, owners: [] });
    // (a dropped chunk's memory goes with its last view)
    for (const [id, c] of this.#chunks) {
      if (this.#bytes <= this.#maxBytes || id === this.#id) break;
      // (not reused: views of it may still be on their way into an answer)
      this.#chunks.delete(id);
      this.#bytes -= c.buf.length;
      for (const owner of c.owners) owner.released(id);
      this.dropped++;
    }
  }
}
