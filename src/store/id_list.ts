/**
 * Flat integer collections used by the store indexes.
 *
 * - {@linkcode IdList}: a set of transmission ids kept as a sorted `Int32Array`
 *   (appends are O(1); out-of-order appends mark it dirty and it is sorted and
 *   de-duplicated natively on the next read).
 * - {@linkcode DenseIdMap}: database id -> slot, a flat `Int32Array` over the
 *   live id range (ids are SQLite AUTOINCREMENT keys, so the range is dense).
 *
 * @module
 */

const MIN_CAP = 4;
/**
 * Most later ids an out-of-order {@linkcode IdList.add} moves to keep the list sorted: 256, or a
 * quarter of the list. A bulk load newest first adds ids below the whole list and so still
 * appends (sorted once per 1,024 adds); a late id of the last day moves a small tail.
 */
function insertShift(n: number): number {
  return Math.max(256, n >> 2);
}

/** A set of ids stored as a sorted, growable `Int32Array`. */
export class IdList {
  /** Backing array; only `[0, n)` is meaningful. */
  a: Int32Array;
  /** Number of entries (may include duplicates while dirty). */
  n = 0;
  /** True when `[0, n)` is not sorted/unique. */
  dirty = false;
  /** Bumped by every change of membership, so readers can memoise what they derive from it. */
  version = 0;
  /** Length of the sorted prefix when the list last turned dirty. */
  #sortedN = 0;

  constructor(cap = MIN_CAP) {
    this.a = new Int32Array(cap);
  }

  /**
   * Adds `id`; a repeat of the last id is ignored. An out-of-order id in a clean list goes to its
   * place when few later ids move (`insertShift`) (one native `copyWithin`; the
   * steady-state case: a re-resolved or late observation of a recent transmission), so the list
   * stays sorted and the next read does not sort it whole; otherwise it is appended and marks
   * the list dirty (bulk loads, newest first), sorted and de-duplicated on the next read.
   */
  add(id: number): void {
    const n = this.n;
    if (n > 0) {
      const last = this.a[n - 1];
      if (last === id) return;
      if (last > id && !this.dirty) {
        if (this.#insert(id)) return;
        this.dirty = true;
        this.#sortedN = n; // sorted up to here
      }
    }
    if (n === this.a.length) this.#grow(n + 1);
    this.a[n] = id;
    this.n = n + 1;
    this.version++;
    // Bound the duplicates an interleaved producer can pile up: sort once the list has doubled
    // since it was last sorted (a newest-first load of L sorted its longest lists every 1,024
    // adds, each sort one 50 ms turn; doubling keeps the total to a few sorts per list).
    if (this.dirty && this.n >= 2 * this.#sortedN + 1024) this.normalize();
  }

  /** Sorts and de-duplicates in place (native numeric sort). */
  normalize(): void {
    if (!this.dirty) return;
    const v = this.a.subarray(0, this.n);
    v.sort();
    let w = 0;
    for (let i = 0; i < v.length; i++) {
      if (w === 0 || v[i] !== v[w - 1]) v[w++] = v[i];
    }
    this.n = w;
    this.dirty = false;
  }

  /** Number of distinct ids. */
  get size(): number {
    this.normalize();
    return this.n;
  }

  /** Index of `id` in the sorted list, or -1. */
  indexOf(id: number): number {
    this.normalize();
    let lo = 0;
    let hi = this.n - 1;
    const a = this.a;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Whether `id` is in the list. */
  has(id: number): boolean {
    return this.indexOf(id) >= 0;
  }

  /** Removes `id`; returns whether it was present. */
  remove(id: number): boolean {
    const i = this.indexOf(id);
    if (i < 0) return false;
    this.a.copyWithin(i, i + 1, this.n);
    this.n--;
    this.version++;
    this.#maybeShrink();
    return true;
  }

  /**
   * Removes those of `sorted` (ascending ids) that are present; returns how many were removed.
   * Binary search per id and one native `copyWithin` per kept run, instead of a JS callback per
   * element: eviction and retention remove a few old ids from long lists many times.
   */
  removeSorted(sorted: readonly number[]): number {
    this.normalize();
    const a = this.a;
    const n = this.n;
    let removed = 0;
    let w = -1;
    let r = 0;
    for (const id of sorted) {
      let lo = r;
      let hi = n - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = a[mid];
        if (v === id) {
          found = mid;
          break;
        }
        if (v < id) lo = mid + 1;
        else hi = mid - 1;
      }
      if (found < 0) continue;
      if (w < 0) w = found;
      else {
        a.copyWithin(w, r, found);
        w += found - r;
      }
      r = found + 1;
      removed++;
    }
    if (removed === 0) return 0;
    a.copyWithin(w, r, n);
    this.n = n - removed;
    this.version++;
    this.#maybeShrink();
    return removed;
  }

  /** Keeps only ids for which `keep` is true; returns how many were removed. */
  retain(keep: (id: number) => boolean): number {
    this.normalize();
    const a = this.a;
    let w = 0;
    for (let i = 0; i < this.n; i++) {
      const v = a[i];
      if (keep(v)) a[w++] = v;
    }
    const removed = this.n - w;
    this.n = w;
    if (removed > 0) this.version++;
    this.#maybeShrink();
    return removed;
  }

  /** Sorted distinct ids as a view (valid until the next mutation). */
  view(): Int32Array {
    this.normalize();
    return this.a.subarray(0, this.n);
  }

  /** Releases spare capacity when more than an eighth is unused (after a bulk load). */
  trim(): void {
    this.normalize();
    if (this.a.length > MIN_CAP && this.a.length > this.n + (this.n >> 3) + MIN_CAP) {
      this.a = this.a.slice(0, this.n + Math.max(MIN_CAP, this.n >> 4));
    }
  }

  /** Bytes held by the backing array. */
  get byteLength(): number {
    return this.a.byteLength;
  }

  /** Inserts `id` (below the last id) at its sorted place if few ids move; false if too many. */
  #insert(id: number): boolean {
    const a = this.a;
    const n = this.n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    if (n - lo > insertShift(n)) return false;
    if (a[lo] === id) return true; // already present
    if (n === a.length) this.#grow(n + 1);
    this.a.copyWithin(lo + 1, lo, n);
    this.a[lo] = id;
    this.n = n + 1;
    this.version++;
    return true;
  }

  #grow(need: number): void {
    // Doubling: few reallocations (each one is allocator churn that lingers in RSS).
    const cap = Math.max(MIN_CAP, need, this.a.length * 2);
    const b = new Int32Array(cap);
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }

  #maybeShrink(): void {
    if (this.a.length > 64 && this.n < this.a.length >> 2) {
      this.a = this.a.slice(0, Math.max(MIN_CAP, this.n * 2));
    }
  }
}

const PAGE_SHIFT = 14;
const PAGE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE - 1;

/**
 * Maps integer database ids to slots (-1 = absent) through pages of 16,384
 * `Int32Array` entries indexed by `id >> 14`: O(1), no hashing, and it never
 * reallocates a large array (growing adds a page; a page whose ids are all
 * gone is released), so it neither spikes nor fragments the allocator.
 */
export class DenseIdMap {
  /** Pages by `id >> 14`; null when empty. */
  pages: (Int32Array | null)[] = [];
  /** Present ids per page. */
  counts: number[] = [];
  /** Number of present ids. */
  count = 0;

  /** Slot of `id`, or -1. */
  get(id: number): number {
    const p = this.pages[id >>> PAGE_SHIFT];
    return p ? p[id & PAGE_MASK] : -1;
  }

  /** Sets the slot of `id` (>= 0). */
  set(id: number, slot: number): void {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new RangeError(`Cannot index id ${id}: not a non-negative 31-bit integer`);
    }
    const pi = id >>> PAGE_SHIFT;
    let p = this.pages[pi];
    if (!p) {
      while (this.pages.length <= pi) {
        this.pages.push(null);
        this.counts.push(0);
      }
      p = this.pages[pi] = new Int32Array(PAGE).fill(-1);
    }
    const i = id & PAGE_MASK;
    if (p[i] < 0) {
      this.count++;
      this.counts[pi]++;
    }
    p[i] = slot;
  }

  /** Removes `id`; returns its former slot or -1. Releases a page that becomes empty. */
  delete(id: number): number {
    const pi = id >>> PAGE_SHIFT;
    const p = this.pages[pi];
    if (!p) return -1;
    const i = id & PAGE_MASK;
    const s = p[i];
    if (s >= 0) {
      p[i] = -1;
      this.count--;
      if (--this.counts[pi] === 0) this.pages[pi] = null;
    }
    return s;
  }

  /** Drops trailing empty page slots (pages themselves are released by `delete`). */
  trim(): void {
    let n = this.pages.length;
    while (n > 0 && this.pages[n - 1] === null) n--;
    this.pages.length = n;
    this.counts.length = n;
  }

  /**
   * Calls `fn(id, slot)` for every present id in ascending (or descending)
   * order until it returns false.
   */
  forEach(fn: (id: number, slot: number) => boolean, desc = false): void {
    const np = this.pages.length;
    for (let k = 0; k < np; k++) {
      const pi = desc ? np - 1 - k : k;
      const p = this.pages[pi];
      if (!p) continue;
      const base = pi << PAGE_SHIFT;
      for (let j = 0; j < PAGE; j++) {
        const i = desc ? PAGE - 1 - j : j;
        const s = p[i];
        if (s >= 0 && !fn(base + i, s)) return;
      }
    }
  }

  /** Bytes held. */
  get byteLength(): number {
    let b = this.pages.length * 12;
    for (const p of this.pages) if (p) b += p.byteLength;
    return b;
  }
}
