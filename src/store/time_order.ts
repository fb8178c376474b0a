/**
 * How far `first_seen` can run against id order.
 *
 * Transmission ids are assigned in ingest order, so `first_seen` is almost
 * monotonic in id; it is not exactly so (a late sighting can move `first_seen`
 * earlier, a loader may insert ids out of order). `bound` is an upper bound on
 * `first_seen[i] - first_seen[j]` over all ids `i < j`, which lets a scan in id
 * order stop early yet stay exact: walking down from the newest id, once
 * `first_seen + bound < since` no smaller id can reach `since`.
 *
 * @module
 */

/** Upper bound of the disorder of `first_seen` against id order. */
export class TimeOrder {
  bound = 0;
  maxId = -1;
  maxFs = -Infinity;
  minFs = Infinity;
  /** Count of `first_seen` values moved earlier (readers memoising time windows watch it). */
  moves = 0;

  /** Accounts for a new transmission. */
  onInsert(id: number, fs: number): void {
    if (id > this.maxId) {
      if (this.maxFs - fs > this.bound) this.bound = this.maxFs - fs;
      this.maxId = id;
    } else {
      const b = Math.max(this.maxFs - fs, fs - this.minFs);
      if (b > this.bound) this.bound = b;
    }
    if (fs > this.maxFs) this.maxFs = fs;
    if (fs < this.minFs) this.minFs = fs;
  }

  /** Accounts for `first_seen` of an existing transmission moving earlier to `fs`. */
  onMoveEarlier(fs: number): void {
    this.moves++;
    if (this.maxFs - fs > this.bound) this.bound = this.maxFs - fs;
    if (fs < this.minFs) this.minFs = fs;
  }

  /** Recomputes the exact bound from `(id ascending, first_seen)` pairs. */
  recompute(each: (fn: (id: number, fs: number) => void) => void): void {
    let prefixMax = -Infinity;
    let bound = 0;
    let maxId = -1;
    let minFs = Infinity;
    each((id, fs) => {
      if (prefixMax - fs > bound) bound = prefixMax - fs;
      if (fs > prefixMax) prefixMax = fs;
      if (fs < minFs) minFs = fs;
      maxId = id;
    });
    this.bound = bound;
    this.maxId = maxId;
    this.maxFs = prefixMax;
    this.minFs = minFs;
  }
}
