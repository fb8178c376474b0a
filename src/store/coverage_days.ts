/**
 * Per-UTC-day summaries of one coverage cell's receptions, flattened into one
 * `Float64Array` per cell (the index used to hold a `Map` of day objects with
 * a slot array each: ~1 M small objects on a 1 M-reception index, which made
 * the collector's marking slow). Layout:
 *
 * - header: `[0]` numbers used, `[1]` offset of the block added last;
 * - then one block per day, in the order the days were first seen:
 *   `day, count, best SNR (NaN: none), n`, followed by `n` heard-key slots of
 *   {@linkcode SLOT} numbers: heard-key id, count, latest time (ms), latest SNR.
 *
 * A window sums the blocks of the days after its first day
 * ({@linkcode forEachDayAfter}); retention drops whole days and rebuilds the
 * partly expired one from the receptions still held ({@linkcode dropDaysBefore}).
 *
 * @module
 */

/** Numbers per heard-key slot. */
export const SLOT = 4;
/** Numbers per day block header (day, count, best, slots). */
export const DAY_HEAD = 4;
/** Numbers before the first day block (numbers used, offset of the last block). */
export const DAYS_HEAD = 2;
const HEAD = DAYS_HEAD;

/** An empty summary array. */
export function newDays(): Float64Array {
  const s = new Float64Array(HEAD + DAY_HEAD + 2 * SLOT);
  s[0] = HEAD;
  s[1] = -1;
  return s;
}

/** Offset of the block of `day`, or -1. */
function blockOf(s: Float64Array, day: number): number {
  const last = s[1];
  if (last >= 0 && s[last] === day) return last;
  for (let o = HEAD, end = s[0]; o < end; o += DAY_HEAD + s[o + 3] * SLOT) {
    if (s[o] === day) return o;
  }
  return -1;
}

/** `s` with room for `extra` more numbers (a larger copy when full). */
function room(s: Float64Array, extra: number): Float64Array {
  const need = s[0] + extra;
  if (need <= s.length) return s;
  const next = new Float64Array(Math.max(need, s.length * 2));
  next.set(s.subarray(0, s[0]));
  return next;
}

/**
 * Adds one reception (heard-key id `h`, time `at`, SNR or NaN) to the day `day`; returns the
 * array, which is a new one when it had to grow.
 */
export function addToDay(
  sums: Float64Array,
  day: number,
  h: number,
  at: number,
  snr: number,
): Float64Array {
  let s = sums;
  let o = blockOf(s, day);
  if (o < 0) {
    s = room(s, DAY_HEAD + SLOT);
    o = s[0];
    s[o] = day;
    s[o + 1] = 0;
    s[o + 2] = NaN;
    s[o + 3] = 0;
    s[0] = o + DAY_HEAD;
    s[1] = o;
  }
  s[o + 1]++;
  if (snr === snr && !(snr <= s[o + 2])) s[o + 2] = snr;
  const first = o + DAY_HEAD, end = first + s[o + 3] * SLOT;
  let k = first;
  while (k < end && s[k] !== h) k += SLOT;
  if (k === end) {
    s = room(s, SLOT);
    // a block before the last one grows in place: shift the blocks after it
    if (end < s[0]) {
      s.copyWithin(end + SLOT, end, s[0]);
      if (s[1] > o) s[1] += SLOT;
    }
    s[0] += SLOT;
    s[k] = h;
    s[k + 1] = 0;
    s[k + 2] = -Infinity;
    s[k + 3] = NaN;
    s[o + 3]++;
  }
  s[k + 1]++;
  if (at >= s[k + 2]) {
    s[k + 2] = at;
    s[k + 3] = snr;
  }
  return s;
}

/** Calls `fn(offset)` for each day block whose day is after `sinceDay`, in insertion order. */
export function forEachDayAfter(
  s: Float64Array,
  sinceDay: number,
  fn: (s: Float64Array, o: number) => void,
): void {
  for (let o = HEAD, end = s[0]; o < end; o += DAY_HEAD + s[o + 3] * SLOT) {
    if (s[o] > sinceDay) fn(s, o);
  }
}

/** Number of day blocks. */
export function dayCount(s: Float64Array): number {
  let n = 0;
  for (let o = HEAD, end = s[0]; o < end; o += DAY_HEAD + s[o + 3] * SLOT) n++;
  return n;
}

/**
 * Drops the blocks of days before `cutoffDay` and the block of `cutoffDay` itself (its
 * surviving receptions are added back by the caller); keeps the others' order. Returns the
 * array (shrunk when mostly empty).
 */
export function dropDaysBefore(sums: Float64Array, cutoffDay: number): Float64Array {
  const s = sums;
  let w = HEAD;
  let last = -1;
  for (let o = HEAD, end = s[0]; o < end;) {
    const len = DAY_HEAD + s[o + 3] * SLOT;
    if (s[o] > cutoffDay) {
      if (w !== o) s.copyWithin(w, o, o + len);
      last = w;
      w += len;
    }
    o += len;
  }
  s[0] = w;
  // the last-added block may have moved: point at the last block kept
  s[1] = last;
  if (w * 4 < s.length && s.length > 64) return s.slice(0, Math.max(w * 2, 16));
  return s;
}
