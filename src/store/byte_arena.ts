/**
 * A bounded store of many small byte strings (the coverage cells' cached
 * feature bytes): they are copied into shared chunks and handed out as views,
 * so thousands of them cost a few allocations instead of one `ArrayBuffer`
 * each (each buffer is an object for the collector to track and a separate
 * allocation outside the heap). Past its budget the arena drops its oldest
 * chunk and tells the owners of the bytes in it, which then let go of their
 * views: the memory is bounded, and the oldest cached values are the ones
 * recomputed.
 *
 * Views stay valid as long as they are held (a dropped chunk is only
 * released, never reused); an owner that is told of a drop must stop serving
 * its view.
 *
 * @module
 */

/** Holder of views into an arena, told when the chunk holding them is dropped. */
export interface ArenaOwner {
  /** The chunk `chunk` is dropped: views kept from it must no longer be served. */
  released(chunk: number): void;
}

/** See the module doc. */
export class ByteArena {
  readonly #chunkSize: number;
  readonly #maxBytes: number;
  #chunk = new Uint8Array(0);
  #at = 0;
  /** Id of the current chunk; ids grow from 0. */
  #id = -1;
  /** Per live chunk (oldest first, ids `#oldest..#id`): its size and the owners of its bytes. */
  readonly #live: { size: number; owners: ArenaOwner[] }[] = [];
  #oldest = 0;
  #bytes = 0;
  /** Chunks dropped for the budget so far. */
  dropped = 0;

  /**
   * An arena of chunks of `chunkSize` bytes (a larger value gets a chunk of its own) holding at
   * most `maxBytes` in live chunks (the current chunk is always live).
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

  /** Id of the chunk the latest {@linkcode ByteArena.keep} copied into. */
  get chunk(): number {
    return this.#id;
  }

  /** Bytes allocated in live chunks. */
  get bytes(): number {
    return this.#bytes;
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
   * view; `owner` (if any) is told when the chunk holding it is dropped.
   */
  commit(n: number, owner?: ArenaOwner): Uint8Array {
    const at = this.#at;
    if (at + n > this.#chunk.length) {
      throw new RangeError(`Cannot commit ${n} bytes: the chunk has ${this.#chunk.length - at}`);
    }
    this.#at = at + n;
    if (owner) this.#live[this.#live.length - 1].owners.push(owner);
    return this.#chunk.subarray(at, at + n);
  }

  /** Tells `owner` too when chunk `chunk` is dropped (nothing if it is dropped already). */
  own(chunk: number, owner: ArenaOwner): void {
    const i = chunk - this.#oldest;
    if (i >= 0 && i < this.#live.length) this.#live[i].owners.push(owner);
  }

  /** Copies `src[0..n)` into the arena and returns its view (see {@linkcode ByteArena.commit}). */
  keep(src: Uint8Array, n: number, owner?: ArenaOwner): Uint8Array {
    this.room(0, n).set(n === src.length ? src : src.subarray(0, n), this.#at);
    return this.commit(n, owner);
  }

  /** Starts a chunk with room for `n` bytes, dropping the oldest beyond the budget. */
  #next(n: number): void {
    this.#chunk = new Uint8Array(Math.max(this.#chunkSize, n));
    this.#at = 0;
    this.#id++;
    this.#bytes += this.#chunk.length;
    this.#live.push({ size: this.#chunk.length, owners: [] });
    // (a dropped chunk's memory goes with its last view)
    while (this.#bytes > this.#maxBytes && this.#live.length > 1) {
      const id = this.#oldest++;
      const { size, owners } = this.#live.shift()!;
      this.#bytes -= size;
      for (const owner of owners) owner.released(id);
      this.dropped++;
    }
  }
}
