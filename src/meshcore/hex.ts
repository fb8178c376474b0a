/**
 * Hex encoding and decoding with precomputed tables.
 *
 * The decoder works on one module-level scratch buffer (a `Buffer` view, so
 * the native hex encoder can slice it without allocating a view per field).
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** Lowercase two-digit hex for every byte value. */
export const HEX_LOWER: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** Uppercase two-digit hex for every byte value. */
export const HEX_UPPER: readonly string[] = HEX_LOWER.map((s) => s.toUpperCase());

/** Char code -> nibble value, -1 for anything that is not a hex digit. */
const NIBBLE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** True when the char code is a space, CR or LF (the characters input hex may carry). */
function isStripped(c: number): boolean {
  return c === 32 || c === 10 || c === 13;
}

/**
 * Remove spaces, CR and LF from a hex string. Returns the input unchanged (no
 * copy) when it holds none of them.
 */
export function stripHex(hex: string): string {
  const n = hex.length;
  for (let i = 0; i < n; i++) {
    if (isStripped(hex.charCodeAt(i))) return hex.replace(/[ \r\n]+/g, "");
  }
  return hex;
}

/**
 * Parse an already-stripped hex string into `out` starting at index 0.
 * Returns the byte count, or -1 on odd length, a non-hex character, or when
 * `out` is too small.
 */
export function parseHexInto(hex: string, out: Uint8Array): number {
  const n = hex.length;
  if ((n & 1) !== 0 || n >> 1 > out.length) return -1;
  for (let i = 0, j = 0; i < n; i += 2, j++) {
    const c1 = hex.charCodeAt(i);
    const c2 = hex.charCodeAt(i + 1);
    if ((c1 | c2) > 255) return -1;
    const hi = NIBBLE[c1];
    const lo = NIBBLE[c2];
    if ((hi | lo) < 0) return -1;
    out[j] = (hi << 4) | lo;
  }
  return n >> 1;
}

/**
 * Index of the first character that makes a stripped hex string unparseable:
 * the first non-hex character, or the length when only the parity is wrong.
 * Returns -1 when the string parses. Used to build error messages.
 */
export function hexErrorOffset(hex: string): number {
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    if (c > 255 || NIBBLE[c] < 0) return i;
  }
  return (hex.length & 1) !== 0 ? hex.length : -1;
}

/**
 * Decode a hex string (either case) to bytes. Spaces, CR and LF are
 * stripped first. Returns null on odd length or any non-hex character.
 */
export function hexToBytes(hex: string): Uint8Array | null {
  if (typeof hex !== "string") return null;
  const s = stripHex(hex);
  if ((s.length & 1) !== 0) return null;
  const out = new Uint8Array(s.length >> 1);
  return parseHexInto(s, out) < 0 ? null : out;
}

/** Encode bytes as hex, lowercase unless `upper` is true. */
export function bytesToHex(b: Uint8Array, upper = false): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
  return upper ? s.toUpperCase() : s;
}

/**
 * Encode `b[start, end)` as lowercase hex. Short ranges use the lookup table;
 * longer ones the native encoder when `b` is a `Buffer`.
 */
export function hexRange(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 4) {
    let s = HEX_LOWER[b[start]];
    for (let i = start + 1; i < end; i++) s += HEX_LOWER[b[i]];
    return s;
  }
  if (b instanceof Buffer) return b.toString("hex", start, end);
  return Buffer.from(b.buffer, b.byteOffset + start, n).toString("hex");
}

/** Encode `b[start, end)` as uppercase hex. */
export function hexRangeUpper(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 4) {
    let s = HEX_UPPER[b[start]];
    for (let i = start + 1; i < end; i++) s += HEX_UPPER[b[i]];
    return s;
  }
  return hexRange(b, start, end).toUpperCase();
}
