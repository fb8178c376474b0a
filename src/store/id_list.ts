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

/** A set of ids stored as a sorted, growable `Int32Array`. */
export class IdList {
  /** Backing array; only `[0, n)` is meaningful. */
  a: Int32Array;
  /** Number of entries (may include duplicates while dirty). */
  n = 0;
  /** True when `[0, n)` is not sorted/unique. */
  dirty = false;

  constructor(cap = MIN_CAP) {
    this.a = new Int32Array(cap);
  }

  /** Adds `id`; a repeat of the last id is ignored, an out-of-order id marks the list dirty. */
  add(id: number): void {
    const n = this.n;
    if (n > 0) {
      const last = this.a[n - 1];
      if (last === id) return;
      if (last > id) this.dirty = true;
    }
    if (n === this.a.length) this.#grow(n + 1);
    this.a[n] = id;
    this.n = n + 1;
    // Bound the duplicates an interleaved producer can pile up.
    if (this.dirty && this.n >= 64 && (this.n & 1023) === 0) this.normalize();
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
    this.#maybeShrink();
    return true;
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
    this.#maybeShrink();
    return removed;
  }

  /** Sorted distinct ids as a view (valid until the next mutation). */
  view(): Int32Array {
    this.normalize();
    return this.a.subarray(0, this.n);
  }

  /** Releases spare capacity beyond ~6 % (after a bulk load). */
  trim(): void {
    this.normalize();
    const keep = this.n + Math.max(MIN_CAP, this.n >> 4);
    if (this.a.length > keep) this.a = this.a.slice(0, keep);
  }

  /** Bytes held by the backing array. */
  get byteLength(): number {
    return this.a.byteLength;
  }

  #grow(need: number): void {
    const cap = Math.max(MIN_CAP, need, Math.ceil(this.a.length * 1.5));
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

/** Maps integer database ids to slots through a flat `Int32Array` (-1 = absent). */
export class DenseIdMap {
  /** Id stored at index 0. */
  base = 0;
  /** Slot per id - base. */
  arr: Int32Array = new Int32Array(0);
  /** Number of present ids. */
  count = 0;
  /** Smallest and largest present id (valid when count > 0; may be stale-wide after deletes). */
  lo = 0;
  hi = -1;

  /** Slot of `id`, or -1. */
  get(id: number): number {
    const i = id - this.base;
    return i >= 0 && i < this.arr.length ? this.arr[i] : -1;
  }

  /** Sets the slot of `id` (>= 0). */
  set(id: number, slot: number): void {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new RangeError(`Cannot index id ${id}: not a non-negative 31-bit integer`);
    }
    if (this.count === 0 && this.arr.length === 0) {
      this.base = id;
      this.arr = new Int32Array(1024).fill(-1);
    }
    let i = id - this.base;
    if (i < 0 || i >= this.arr.length) {
      this.#ensure(id);
      i = id - this.base;
    }
    if (this.arr[i] < 0) {
      this.count++;
      if (this.count === 1) {
        this.lo = id;
        this.hi = id;
      } else {
        if (id < this.lo) this.lo = id;
        if (id > this.hi) this.hi = id;
      }
    }
    this.arr[i] = slot;
  }

  /** Removes `id`; returns its former slot or -1. */
  delete(id: number): number {
    const i = id - this.base;
    if (i < 0 || i >= this.arr.length) return -1;
    const s = this.arr[i];
    if (s >= 0) {
      this.arr[i] = -1;
      this.count--;
    }
    return s;
  }

  /** Recomputes lo/hi and releases unused space at both ends when it exceeds half. */
  trim(): void {
    const a = this.arr;
    let first = 0;
    while (first < a.length && a[first] < 0) first++;
    if (first === a.length) {
      this.arr = new Int32Array(0);
      this.count = 0;
      this.hi = -1;
      return;
    }
    let last = a.length - 1;
    while (a[last] < 0) last--;
    this.lo = this.base + first;
    this.hi = this.base + last;
    const used = last - first + 1;
    if (used * 2 < a.length && a.length > 1024) {
      const pad = Math.max(256, used >> 3);
      const next = new Int32Array(used + pad).fill(-1);
      next.set(a.subarray(first, last + 1));
      this.arr = next;
      this.base += first;
    }
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.arr.byteLength;
  }

  #ensure(id: number): void {
    const curLo = this.base;
    const curHi = this.base + this.arr.length - 1;
    const lo = Math.min(curLo, id);
    const hi = Math.max(curHi, id);
    const span = hi - lo + 1;
    const extra = Math.max(1024, span >> 2);
    // Headroom on the side that grew (ids arrive ascending on ingest, descending on a
    // newest-first load).
    const newBase = id < curLo ? Math.max(0, lo - extra) : lo;
    const newLen = (id > curHi ? hi + extra : hi) - newBase + 1;
    const next = new Int32Array(newLen).fill(-1);
    next.set(this.arr, curLo - newBase);
    this.arr = next;
    this.base = newBase;
  }
}
