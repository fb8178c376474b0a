/**
 * The reception-id blocks of one coverage index level (`coverage_index.ts`):
 * every cell's ids live in a block of one shared `Int32Array` instead of an
 * `Int32Array` of its own. A typed array costs ~200 B of heap and an
 * `ArrayBuffer` for the collector to track even when it holds four ids; a
 * 1 M-reception index has ~116,000 cells (81,000 at resolution 13 alone), so
 * per-cell arrays were most of the index's heap and of what a major collection
 * marks and sweeps. Blocks hold a power-of-two number of ids (at least
 * {@linkcode MIN_BLOCK}); a cell that fills its block moves to one twice the
 * size and its old block is kept on a free list of its size for the next cell
 * that grows into it (the same doubling a per-cell array had).
 *
 * @module
 */

/** Ids in the smallest block. */
export const MIN_BLOCK = 4;
/**
 * Ids in the largest block: cells that grow beyond keep an array of their own (a few hundred
 * on a 1 M-reception index), so their outgrown blocks, which no other cell would reuse, do not
 * stay in the pool.
 */
export const MAX_BLOCK = 4096;

/** See the module doc. */
export class IdPool {
  /** The blocks; replaced by a larger copy when full (read it after {@linkcode IdPool.alloc}). */
  ids: Int32Array;
  /** First slot never handed out. */
  #top = 0;
  /** Per size class (log2 of the block size): offsets of released blocks. */
  readonly #free: number[][] = [];

  /** A pool with room for `slots` ids before it first grows. */
  constructor(slots = 1024) {
    this.ids = new Int32Array(Math.max(MIN_BLOCK, slots));
  }

  /** Slots handed out so far (blocks in use and released ones). */
  get slots(): number {
    return this.#top;
  }

  /** Offset of a block of `size` ids (a power of two, {@linkcode MIN_BLOCK}..{@linkcode MAX_BLOCK}). */
  alloc(size: number): number {
    const c = sizeClass(size);
    const free = this.#free[c];
    if (free !== undefined && free.length > 0) return free.pop()!;
    const off = this.#top;
    if (off + size > this.ids.length) {
      // by half again (not double): the pool is one array, its unused tail is all waste
      const next = new Int32Array(Math.max(Math.ceil(this.ids.length * 1.5), off + size));
      next.set(this.ids.subarray(0, off));
      this.ids = next;
    }
    this.#top = off + size;
    return off;
  }

  /** Returns the block at `off` of `size` ids for reuse. */
  release(off: number, size: number): void {
    const c = sizeClass(size);
    if (!(off >= 0 && off + size <= this.#top && off === Math.floor(off))) {
      throw new RangeError(`Cannot release block ${off} of ${size} ids: outside the pool`);
    }
    (this.#free[c] ??= []).push(off);
  }

  /** Drops every block. */
  clear(): void {
    this.#top = 0;
    this.#free.length = 0;
  }
}

function sizeClass(size: number): number {
  const c = 31 - Math.clz32(size);
  if (!(size >= MIN_BLOCK && size <= MAX_BLOCK && size === 2 ** c)) {
    throw new RangeError(
      `Cannot use a block of ${size} ids: not a power of two from ${MIN_BLOCK} to ${MAX_BLOCK}`,
    );
  }
  return c;
}
