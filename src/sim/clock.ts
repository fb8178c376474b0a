/**
 * Simulated time: maps generation progress (0–1) to an ingest time in
 * `[end − span, end]` following a diurnal activity curve (busiest around
 * 19:00 Pacific, quietest around 07:00), so traffic ends at "now".
 *
 * @module
 */

/** Seconds per day. */
export const DAY = 86_400;
const BIN = 600;
const PACIFIC_OFFSET_H = -7;

/** Relative traffic intensity at epoch second `t` (0.35 … 1). */
export function diurnal(t: number): number {
  const h = (((t / 3600 + PACIFIC_OFFSET_H) % 24) + 24) % 24;
  return 0.35 + 0.65 * (1 + Math.cos((2 * Math.PI * (h - 19)) / 24)) / 2;
}

/** Inverse-CDF time map over a span. */
export class TimeMap {
  /** First second of the span (epoch). */
  readonly start: number;
  /** Last second of the span (epoch), "now". */
  readonly end: number;
  readonly #cum: Float64Array;

  /** A map over the `spanDays` days ending at `end` (epoch seconds). */
  constructor(end: number, spanDays: number) {
    this.end = Math.floor(end);
    this.start = this.end - Math.round(spanDays * DAY);
    const bins = Math.max(1, Math.ceil((this.end - this.start) / BIN));
    this.#cum = new Float64Array(bins + 1);
    for (let i = 0; i < bins; i++) {
      this.#cum[i + 1] = this.#cum[i] + diurnal(this.start + (i + 0.5) * BIN);
    }
  }

  /** Epoch second (fractional) at progress `f` in [0, 1]. */
  at(f: number): number {
    const cum = this.#cum;
    const total = cum[cum.length - 1];
    const x = Math.min(1, Math.max(0, f)) * total;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi - 1) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] <= x) lo = mid;
      else hi = mid;
    }
    const frac = cum[hi] > cum[lo] ? (x - cum[lo]) / (cum[hi] - cum[lo]) : 0;
    return Math.min(this.end, this.start + (lo + frac) * BIN);
  }
}

/** RFC3339 UTC with whole seconds (`2026-05-17T18:13:27Z`). */
export function rfc3339(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().slice(0, 19) + "Z";
}

/** SQLite `datetime('now')` format (`2026-05-17 18:13:27`). */
export function sqliteDateTime(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().slice(0, 19).replace("T", " ");
}
