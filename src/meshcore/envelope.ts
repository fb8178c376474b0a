/**
 * Packet envelope: header, transport codes, path byte and hops (wire §1).
 *
 * `parseEnvelope` is the allocation-light fast path for ingest: it returns
 * offsets only, or an error string naming the reason and the byte offset.
 *
 * @module
 */

import { hexRange } from "./hex.ts";
import { isTransportRoute, MAX_PACKET_SIZE, MAX_PATH_SIZE, MAX_PAYLOAD } from "./header.ts";
import type { Envelope } from "./types.ts";

/** Longest input excerpt quoted in an error message, in hex characters. */
const ERROR_HEX_CHARS = 32;

/**
 * Quote packet hex for an error message: cut to a readable length, with any
 * character other than letters and digits shown as `?`.
 */
export function quoteHex(hex: string): string {
  const s = hex.length > ERROR_HEX_CHARS ? `${hex.slice(0, ERROR_HEX_CHARS)}…` : hex;
  return s.replace(/[^0-9A-Za-z…]/g, "?");
}

/** Prefix every decoder error: `Cannot decode packet "<hex>": `. */
export function errorPrefix(hex: string): string {
  return `Cannot decode packet "${quoteHex(hex)}": `;
}

/** Create an envelope with every field zeroed (a fixed shape for reuse). */
export function emptyEnvelope(): Envelope {
  return {
    header: 0,
    routeType: 0,
    payloadType: 0,
    payloadVersion: 0,
    hasTransportCodes: false,
    pathByteOffset: 0,
    pathByte: 0,
    hashSize: 0,
    hashCount: 0,
    hopsOffset: 0,
    hopsLength: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/**
 * Fill `env` from `b[0, len)`. Returns null on success, or the reason text
 * (`"<reason> at offset N"`, without the packet prefix) when the packet must
 * be rejected (wire §1.3).
 */
export function scanEnvelope(b: Uint8Array, len: number, env: Envelope): string | null {
  if (len > MAX_PACKET_SIZE) {
    return `packet too long (${len} bytes, max ${MAX_PACKET_SIZE}) at offset ${MAX_PACKET_SIZE}`;
  }
  if (len < 2) {
    return `packet too short (${len} byte${len === 1 ? "" : "s"}, need header and path byte)` +
      ` at offset ${len}`;
  }
  const h = b[0];
  const routeType = h & 0x03;
  env.header = h;
  env.routeType = routeType;
  env.payloadType = (h >> 2) & 0x0f;
  env.payloadVersion = h >> 6;
  let off = 1;
  const transport = isTransportRoute(routeType);
  env.hasTransportCodes = transport;
  if (transport) {
    if (len < 5) {
      return `transport codes overrun buffer (need 4 bytes, ${len - 1} left) at offset 1`;
    }
    off = 5;
    if (len < 6) return `missing path byte at offset 5`;
  }
  const pathByte = b[off];
  const hashSize = (pathByte >> 6) + 1;
  const hashCount = pathByte & 0x3f;
  env.pathByteOffset = off;
  env.pathByte = pathByte;
  env.hashSize = hashSize;
  env.hashCount = hashCount;
  if (hashSize === 4) {
    return `reserved hash size 4 in path byte 0x${hexRange(b, off, off + 1).toUpperCase()}` +
      ` at offset ${off}`;
  }
  const pathLen = hashSize * hashCount;
  if (pathLen > MAX_PATH_SIZE) {
    return `path too long (${hashCount} hops × ${hashSize} bytes = ${pathLen} bytes,` +
      ` max ${MAX_PATH_SIZE}) at offset ${off}`;
  }
  off++;
  env.hopsOffset = off;
  env.hopsLength = pathLen;
  if (off + pathLen > len) {
    return `path overruns buffer (needs ${pathLen} bytes, ${len - off} left) at offset ${off}`;
  }
  off += pathLen;
  const payloadLength = len - off;
  env.payloadOffset = off;
  env.payloadLength = payloadLength;
  if (payloadLength > MAX_PAYLOAD) {
    return `payload too long (${payloadLength} bytes, max ${MAX_PAYLOAD}) at offset ${off}`;
  }
  return null;
}

/**
 * Parse the envelope of a raw packet: header fields, transport-code presence,
 * path byte, hop and payload offsets. Never throws; returns an error string
 * (`Cannot decode packet "…": <reason> at offset N`) for a rejected packet.
 */
export function parseEnvelope(bytes: Uint8Array): Envelope | string {
  try {
    const env = emptyEnvelope();
    const len = bytes.length;
    const err = scanEnvelope(bytes, len, env);
    if (err === null) return env;
    return errorPrefix(hexRange(bytes, 0, Math.min(len, 17))) + err;
  } catch (e) {
    return `Cannot decode packet "": unexpected failure (${(e as Error)?.message}) at offset 0`;
  }
}
