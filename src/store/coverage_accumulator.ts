/**
 * The scratch accumulator of `coverage_query.ts`: sums one cell's day
 * summaries and edge-day receptions into flat arrays indexed by heard-key id
 * (a generation stamp marks the ids in use), so the per-day work allocates
 * nothing; the sums go straight to the cell writer.
 *
 * @module
 */

import type { CoverageIndex } from "./coverage_index.ts";
import { DAY_HEAD, DAYS_HEAD, SLOT } from "./coverage_days.ts";
import type { CellWriter } from "./coverage_writer.ts";

/** See the module doc: `begin`, then `day`/`one` per contribution, then `end` into a cell. */
export class Accumulator {
  count = 0;
  best = NaN;
  /** Receptions of the edge day (set by {@linkcode Accumulator.days}, not added). */
  edge = 0;
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
    this.edge = 0;
  }

  /**
   * Adds the day summaries of days after `sinceDay` (a cell's summaries, `coverage_days.ts`)
   * and notes the edge day's reception count in {@linkcode Accumulator.edge}.
   */
  days(s: Float64Array, sinceDay: number): void {
    for (let o = DAYS_HEAD, end = s[0]; o < end; o += DAY_HEAD + s[o + 3] * SLOT) {
      if (s[o] > sinceDay) this.day(s, o);
      else if (s[o] === sinceDay) this.edge = s[o + 1];
    }
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

  /** Adds one day summary: the block at offset `o` of a cell's summaries (`coverage_days.ts`). */
  day(s: Float64Array, o: number): void {
    this.count += s[o + 1];
    const best = s[o + 2];
    if (best === best && !(best <= this.best)) this.best = best;
    for (let k = o + DAY_HEAD, end = k + s[o + 3] * SLOT; k < end; k += SLOT) {
      this.#add(s[k], s[k + 1], s[k + 2], s[k + 3]);
    }
  }

  /** Adds one reception (row index). */
  one(i: number): void {
    const idx = this.#idx;
    this.count++;
    const snr = idx.snr[i];
    if (snr === snr && !(snr <= this.best)) this.best = snr;
    this.#add(idx.heard[i], 1, idx.rxAt[i], snr);
  }

  /** Writes the sums as cell `key` (ring text `ring`) with `w`, heard keys in first-met order. */
  write(w: CellWriter, key: number, ring: string): void {
    w.begin(key, this.count, this.best, ring);
    for (const h of this.#touched) w.node(h, this.#cnt[h], this.#at[h], this.#snr[h]);
  }
}
