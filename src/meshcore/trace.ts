/**
 * TRACE (wire §4): the header path bytes are per-hop SNR values, the intended
 * route is in the payload after byte 9.
 *
 * @module
 */

import { hexRange, hexRangeUpper } from "./hex.ts";
import { i8, tooShort, u32 } from "./payloads.ts";
import type { DecodedPath, PayloadError, TracePayload } from "./types.ts";

/** Minimum TRACE payload: tag u32, authCode u32, flags u8. */
export const TRACE_MIN = 9;

/** Anomaly text for a TRACE on a FLOOD route. */
export const TRACE_NON_DIRECT_ANOMALY =
  "TRACE packet with non-DIRECT routing (expected DIRECT or TRANSPORT_DIRECT)";

/** Bytes per intended-route hop: `1 << (flags & 3)`. */
export function traceHopSize(flags: number): number {
  return 1 << (flags & 0x03);
}

/**
 * Decode the TRACE payload `b[s, e)`. `snrValues` (from the header path bytes,
 * see `traceSnrValues`) is attached when given.
 */
export function decodeTrace(
  b: Uint8Array,
  s: number,
  e: number,
  snrValues?: number[],
): TracePayload | PayloadError {
  if (e - s < TRACE_MIN) return tooShort("TRACE", b, s, e);
  const pathData = hexRange(b, s + TRACE_MIN, e);
  if (snrValues === undefined) {
    return {
      type: "TRACE",
      pathData,
      tag: u32(b, s),
      authCode: u32(b, s + 4),
      traceFlags: b[s + 8],
    };
  }
  return {
    type: "TRACE",
    pathData,
    snrValues,
    tag: u32(b, s),
    authCode: u32(b, s + 4),
    traceFlags: b[s + 8],
  };
}

/**
 * Build the TRACE path: payload hops (a remainder shorter than one hop is
 * ignored), `hopsCompleted` = header hop count. Never contains SNR bytes.
 */
export function tracePath(
  b: Uint8Array,
  s: number,
  e: number,
  flags: number,
  hopsCompleted: number,
): DecodedPath {
  const size = traceHopSize(flags);
  const hops: string[] = [];
  for (let o = s + TRACE_MIN; o + size <= e; o += size) hops.push(hexRangeUpper(b, o, o + size));
  return { hashSize: size, hashCount: hops.length, hops, hopsCompleted };
}

/** Header SNR bytes `b[o, o + count)` as dB (int8 ÷ 4). */
export function traceSnrValues(b: Uint8Array, o: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = i8(b, o + i) / 4;
  return out;
}
