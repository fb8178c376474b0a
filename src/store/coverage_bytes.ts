/**
 * Byte helpers of the coverage cell writer (`coverage_writer.ts`): copying
 * short pre-encoded pieces, writing counts as digits, and the memoised SNR
 * pieces (`${snr},"count":` and `${best},"has_sig":true,"nodes":[`). SNRs are
 * shown rounded to hundredths, so the pieces are kept per hundredth in a
 * bounded span shared by all answers; other values (NaN aside) are kept per
 * answer only.
 *
 * @module
 */

const utf8 = new TextEncoder();
const SIG_TRUE = utf8.encode(',"has_sig":true,"nodes":[');
const NULL_SIG = utf8.encode('null,"has_sig":false,"nodes":[');
/** Hundredths of dB each side of 0 whose pieces are shared (at most 2 × 10,001 pieces). */
const SNR_SPAN = 5_000;
const countNear: (Uint8Array | undefined)[] = new Array(2 * SNR_SPAN + 1);
const bestNear: (Uint8Array | undefined)[] = new Array(2 * SNR_SPAN + 1);

/** The SNR rounded to hundredths, as the answers show it. */
export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The SNR pieces of one answer (shared ones within the span, its own beyond). */
export class SnrPieces {
  readonly #far = new Map<number, Uint8Array>();

  /** `${snr},"count":` (`null` for NaN) for an SNR already rounded by {@linkcode round2}. */
  count(snr: number): Uint8Array {
    const k = Math.round(snr * 100);
    const near = k >= -SNR_SPAN && k <= SNR_SPAN;
    let b = near ? countNear[k + SNR_SPAN] : this.#far.get(snr);
    if (!b) {
      b = utf8.encode(`${snr === snr ? snr : "null"},"count":`);
      if (near) countNear[k + SNR_SPAN] = b;
      else this.#far.set(snr, b);
    }
    return b;
  }

  /** `${round2(best)},"has_sig":true,"nodes":[`, or `null,"has_sig":false,"nodes":[` for NaN. */
  bestSig(best: number): Uint8Array {
    if (best !== best) return NULL_SIG;
    const v = round2(best), k = Math.round(v * 100);
    const near = k >= -SNR_SPAN && k <= SNR_SPAN;
    let b = near ? bestNear[k + SNR_SPAN] : undefined;
    if (!b) {
      const text = utf8.encode(String(v));
      b = new Uint8Array(text.length + SIG_TRUE.length);
      b.set(text);
      b.set(SIG_TRUE, text.length);
      if (near) bestNear[k + SNR_SPAN] = b;
    }
    return b;
  }
}

/** Copies `b` into `buf` at `at` (room was made); returns the offset after it. */
export function put(buf: Uint8Array, at: number, b: Uint8Array): number {
  const n = b.length;
  if (n > 16) {
    buf.set(b, at);
    return at + n;
  }
  // short pieces: a loop is cheaper than a call into `set`
  for (let i = 0; i < n; i++) buf[at + i] = b[i];
  return at + n;
}

/** Writes the digits of the integer `x` (1 ≤ x < 2^30) at `at`; returns the offset after them. */
export function putCount(buf: Uint8Array, at: number, x: number): number {
  let digits = 1;
  for (let p = 10; p <= x; p *= 10) digits++;
  let end = at + digits, v = x;
  const after = end;
  do {
    const q = (v / 10) | 0;
    buf[--end] = 0x30 + v - q * 10;
    v = q;
  } while (v > 0);
  return after;
}
