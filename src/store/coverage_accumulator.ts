/**
 * The scratch accumulator of `coverage_query.ts`: sums one cell's day
 * summaries and edge-day receptions into flat arrays indexed by heard-key id
 * (a generation stamp marks the ids in use), so the per-day work allocates
 * nothing.
 *
 * @module
 */

import { type CoverageIndex, type DayAgg, SLOT } from "./coverage_index.ts";
import type { CellAgg } from "./coverage_json.ts";

/** See the module doc: `begin`, then `day`/`one` per contribution, then `end` into a cell. */
export class Accumulator {
  count = 0;
  best = NaN;
  #idx: CoverageIndex;
  #gen = 0;
  #stamp: Int32Array;
  #cnt: Int32Array;
  #at: Float64Array;
  #snr: Float32Array;
  #touched: number[] = [];

  constructor(idx: CoverageIndex) {
    this.#idx = idx;
    const n = idx.heardKeys.names.length;
    this.#stamp = new Int32Array(n);
    this.#cnt = new Int32Array(n);
    this.#at = new Float64Array(n);
    this.#snr = new Float32Array(n);
  }

  /** Starts a new cell. */
  begin(): void {
    this.#gen++;
    this.#touched.length = 0;
    this.count = 0;
    this.best = NaN;
  }

  #add(h: number, count: number, at: number, snr: number): void {
    if (this.#stamp[h] !== this.#gen) {
      this.#stamp[h] = this.#gen;
      this.#cnt[h] = 0;
      this.#at[h] = -Infinity;
      this.#touched.push(h);
    }
    this.#cnt[h] += count;
    if (at >= this.#at[h]) {
      this.#at[h] = at;
      this.#snr[h] = snr;
    }
  }

  /** Adds one day summary. */
  day(d: DayAgg): void {
    this.count += d.count;
    if (d.best === d.best && !(d.best <= this.best)) this.best = d.best;
    const s = d.slots, end = d.n * SLOT;
    for (let o = 0; o < end; o += SLOT) this.#add(s[o], s[o + 1], s[o + 2], s[o + 3]);
  }

  /** Adds one reception (row index). */
  one(i: number): void {
    const idx = this.#idx;
    this.count++;
    const snr = idx.snr[i];
    if (snr === snr && !(snr <= this.best)) this.best = snr;
    this.#add(idx.heard[i], 1, idx.rxAt[i], snr);
  }

  /** Writes the sums into `a`. */
  end(a: CellAgg): void {
    a.count += this.count;
    if (this.best === this.best && !(this.best <= a.best)) a.best = this.best;
    for (const h of this.#touched) {
      a.nodes.set(h, { count: this.#cnt[h], latestAt: this.#at[h], latestSnr: this.#snr[h] });
    }
  }
}
