/**
 * Small byte/hex helpers of the store: hop bytes from `path_json`, raw hex
 * to bytes, payload offsets, and the decode-window parser of `resolved_path`.
 *
 * @module
 */

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Uppercase two-digit hex per byte value. */
export const HEX_UP: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0").toUpperCase(),
);
/** Lowercase two-digit hex per byte value. */
export const HEX_LO: readonly string[] = HEX_UP.map((s) => s.toLowerCase());

function nib(c: number): number {
  return c < 128 ? NIBBLE[c] : -1;
}

/**
 * Parses hex into `out` from index 0. Returns the byte count, or -1 when the
 * string has an odd length, a non-hex character, or does not fit.
 */
export function hexInto(hex: string, out: Uint8Array): number {
  const n = hex.length;
  if ((n & 1) !== 0 || n >> 1 > out.length) return -1;
  for (let i = 0, j = 0; i < n; i += 2, j++) {
    const hi = nib(hex.charCodeAt(i));
    const lo = nib(hex.charCodeAt(i + 1));
    if ((hi | lo) < 0) return -1;
    out[j] = (hi << 4) | lo;
  }
  return n >> 1;
}

/** Hex of `b[start, end)`, uppercase unless `lower`. */
export function bytesHex(b: Uint8Array, start: number, end: number, lower = false): string {
  const t = lower ? HEX_LO : HEX_UP;
  let s = "";
  for (let i = start; i < end; i++) s += t[b[i]];
  return s;
}

/** Whether a hex string holds no uppercase letter (decides the stored case of raw hex). */
export function isLowerHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    if (c >= 65 && c <= 70) return false;
  }
  return true;
}

/** Result of {@linkcode parsePathJson}: hop bytes are written to the caller's buffer. */
export interface ParsedPath {
  hopCount: number;
  /** Bytes per hop, 0 when there are no hops. */
  hashSize: number;
  /** Total bytes written. */
  bytes: number;
}

/**
 * Parses `path_json` (`["7D1D","DA2A"]`, any case) into concatenated hop bytes
 * without JSON.parse. Hops of unequal length, non-hex text, or more than
 * `out.length` bytes throw `Cannot parse path_json ...`.
 */
export function parsePathJson(json: string | null, out: Uint8Array, res: ParsedPath): ParsedPath {
  res.hopCount = 0;
  res.hashSize = 0;
  res.bytes = 0;
  if (json === null) return res;
  const n = json.length;
  let i = 0;
  let w = 0;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c !== 34) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && json.charCodeAt(j) !== 34) j++;
    const len = j - i - 1;
    if (j >= n || len === 0 || (len & 1) !== 0) {
      throw new Error(`Cannot parse path_json ${JSON.stringify(json)}: bad hop at ${i}`);
    }
    const size = len >> 1;
    if (res.hopCount === 0) res.hashSize = size;
    else if (size !== res.hashSize) {
      throw new Error(`Cannot parse path_json ${JSON.stringify(json)}: hops of unequal length`);
    }
    if (w + size > out.length) {
      throw new Error(`Cannot parse path_json ${JSON.stringify(json)}: path too long`);
    }
    for (let k = i + 1; k < j; k += 2) {
      const hi = nib(json.charCodeAt(k));
      const lo = nib(json.charCodeAt(k + 1));
      if ((hi | lo) < 0) {
        throw new Error(`Cannot parse path_json ${JSON.stringify(json)}: non-hex hop`);
      }
      out[w++] = (hi << 4) | lo;
    }
    res.hopCount++;
    i = j + 1;
  }
  res.bytes = w;
  return res;
}

/** Offset of the path byte in a raw packet, or -1 when the buffer is too short. */
export function pathByteOffset(raw: Uint8Array): number {
  if (raw.length < 2) return -1;
  const route = raw[0] & 3;
  const off = route === 0 || route === 3 ? 5 : 1;
  return off < raw.length ? off : -1;
}

/** Offset of the payload in a raw packet, or -1 when the hops overrun the buffer. */
export function payloadOffset(raw: Uint8Array): number {
  const p = pathByteOffset(raw);
  if (p < 0) return -1;
  const b = raw[p];
  const off = p + 1 + ((b >> 6) + 1) * (b & 0x3f);
  return off <= raw.length ? off : -1;
}

/**
 * Parses a `resolved_path` JSON string (decode window) into node ids written to
 * `out`, interning every key through `intern`. Returns the hop count, or -1
 * when the value counts as NULL: SQL NULL, not an array of strings/nulls,
 * all-null, or a length different from `hopCount`.
 */
export function parseResolvedInto(
  json: string | null,
  hopCount: number,
  out: Int32Array,
  intern: (key: string) => number,
): number {
  return parseResolvedSpans(json, hopCount, out, (s, a, b) => intern(s.slice(a, b)));
}

/**
 * As {@linkcode parseResolvedInto}, but each key is handed to
 * `intern(json, start, end)` as its bounds in the string, so a caller with a
 * key cache can avoid making a substring per hop.
 */
export function parseResolvedSpans(
  json: string | null,
  hopCount: number,
  out: Int32Array,
  intern: (json: string, start: number, end: number) => number,
): number {
  if (json === null || hopCount === 0 || hopCount > out.length) return -1;
  const n = json.length;
  let i = 0;
  while (i < n && json.charCodeAt(i) !== 91) i++;
  if (i >= n) return -1;
  i++;
  let k = 0;
  let any = false;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === 34) {
      const j = json.indexOf('"', i + 1);
      if (j < 0 || k >= hopCount) return -1;
      out[k++] = intern(json, i + 1, j);
      any = true;
      i = j + 1;
    } else if (c === 110) {
      if (!json.startsWith("null", i) || k >= hopCount) return -1;
      out[k++] = -1;
      i += 4;
    } else if (c === 93) {
      break;
    } else if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) {
      i++;
    } else {
      return -1;
    }
  }
  if (k !== hopCount || !any) return -1;
  return k;
}

/**
 * Whether a decode-window array counts: not null, exactly `hopCount` long
 * (from `off`; pass `len` = the array's own length for a standalone array),
 * and with at least one known hop.
 */
export function usableResolved(
  resolved: Int32Array | null,
  hopCount: number,
  off = 0,
  len = resolved === null ? 0 : resolved.length - off,
): boolean {
  if (resolved === null || len !== hopCount) return false;
  for (let i = off; i < off + hopCount; i++) if (resolved[i] >= 0) return true;
  return false;
}
