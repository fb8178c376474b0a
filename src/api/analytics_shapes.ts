/**
 * Shape helpers of the reference-compatible analytics answers: hour buckets
 * (`"2026-01-02T13"`, the first 13 characters of an ISO time), fixed-count
 * histograms `{bins[{x, w, count}], min, max}`, the five-number summary
 * `{min, max, avg, median, stddev}` (zeros when empty), and the observation
 * filter of a `region` selection.
 *
 * @module
 */

import type { ObservationView } from "../store/types.ts";

/** The hour bucket of `ms`: the first 13 characters of its ISO time (UTC). */
export function hourKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** A histogram of `bins` equal bins between the smallest and largest value. */
export interface BinnedHistogram {
  bins: { x: number; w: number; count: number }[];
  min: number;
  max: number;
}

/** Splits `values` into `bins` equal-width bins (an empty histogram for no values). */
export function binnedHistogram(values: readonly number[], bins: number): BinnedHistogram {
  if (values.length === 0) return { bins: [], min: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const w = (max - min || 1) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / w))]++;
  return { bins: counts.map((count, i) => ({ x: min + i * w, w, count })), min, max };
}

/** min / max / mean / median (upper middle) / population standard deviation. */
export interface FiveStats {
  min: number;
  max: number;
  avg: number;
  median: number;
  stddev: number;
}

/** {@linkcode FiveStats} of `values` (sorted in place); zeros when empty. */
export function fiveStats(values: number[]): FiveStats {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, median: 0, stddev: 0 };
  values.sort((a, b) => a - b);
  let sum = 0;
  for (const v of values) sum += v;
  const avg = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - avg) * (v - avg);
  return {
    min: values[0],
    max: values[values.length - 1],
    avg,
    median: values[values.length >> 1],
    stddev: Math.sqrt(sq / values.length),
  };
}

/** Whether an observation belongs to the selected regions (all when none is selected). */
export function inRegions(o: ObservationView, iatas: readonly string[] | undefined): boolean {
  if (!iatas) return true;
  const code = o.observerIata?.toUpperCase();
  return code !== undefined && iatas.includes(code);
}

/** Rounds to 3 decimals. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
