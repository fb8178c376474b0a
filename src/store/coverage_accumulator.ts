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
import type { CellHead } from "./coverage_cell.ts";

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
  /** Heard keys met in this cell, in first-met order: `#touched[0..#n)`. */
  #touched: Int32Array;
  #n = 0;

  constructor(idx: CoverageIndex) {
    this.#idx = idx;
    const n = idx.heardKeys.names.length;
    this.#stamp = new Int32Array(n);
    this.#cnt = new Int32Array(n);
    this.#at = new Float64Array(n);
    this.#snr = new Float32Array(n);
    this.#touched = new Int32Array(n);
  }

  /** Starts a new cell. */
  begin(): void {
    this.#gen++;
    this.#n = 0;
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

  /**
   * Heard key `h`'s sums, started at zero when it is first met in this cell. (Callers then add
   * to the typed arrays in their own loop: a call carrying the times and SNRs as arguments
   * would box each double.)
   */
  #touch(h: number): void {
    if (this.#stamp[h] !== this.#gen) {
      this.#stamp[h] = this.#gen;
      this.#cnt[h] = 0;
      this.#at[h] = -Infinity;
      this.#touched[this.#n++] = h;
    }
  }

  /** Adds one day summary: the block at offset `o` of a cell's summaries (`coverage_days.ts`). */
  day(s: Float64Array, o: number): void {
    this.count += s[o + 1];
    const best = s[o + 2];
    if (best === best && !(best <= this.best)) this.best = best;
    const cnt = this.#cnt, last = this.#at, snr = this.#snr;
    for (let k = o + DAY_HEAD, end = k + s[o + 3] * SLOT; k < end; k += SLOT) {
      const h = s[k];
      this.#touch(h);
      cnt[h] += s[k + 1];
      if (s[k + 2] >= last[h]) {
        last[h] = s[k + 2];
        snr[h] = s[k + 3];
      }
    }
  }

  /** Adds one reception (row index). */
  one(i: number): void {
    const idx = this.#idx;
    this.count++;
    const v = idx.snr[i];
    if (v === v && !(v <= this.best)) this.best = v;
    const h = idx.heard[i];
    this.#touch(h);
    this.#cnt[h]++;
    if (idx.rxAt[i] >= this.#at[h]) {
      this.#at[h] = idx.rxAt[i];
      this.#snr[h] = v;
    }
  }

  /** Writes the sums as the cell of head `head` with `w`, heard keys in first-met order. */
  write(w: CellWriter, head: CellHead): void {
    w.begin(head, this.count, this.best);
    w.nodes(this.#touched, this.#n, this.#cnt, this.#at, this.#snr);
  }
}
