/**
 * Content hash, the deduplication key (wire §7).
 *
 * Current formula: `SHA256(T ‖ X ‖ payload)[0:16]` with `T` the payload type
 * nibble and `X = pathByte, 0x00` for TRACE only. Old formula (rows written
 * before reference #787): `SHA256(headerByte ‖ payload)[0:16]`.
 *
 * Offsets follow the reference exactly (no path validity checks): a packet
 * the decoder rejects can still have a content hash.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { bytesToHex, hexToBytes } from "./hex.ts";
import { isTransportRoute, PAYLOAD_TYPE } from "./header.ts";

/** Scratch buffer for the hashed bytes (type byte, TRACE extension, payload). */
const HASH_INPUT = new Uint8Array(512);

/** First 16 characters of the raw hex, the reference's fallback hash. */
function fallback(rawHex: string): string {
  return rawHex.length >= 16 ? rawHex.slice(0, 16) : rawHex;
}

/** SHA-256 of `HASH_INPUT[0, n)` as the first 16 lowercase hex characters. */
function digest16(n: number): string {
  return createHash("sha256").update(HASH_INPUT.subarray(0, n)).digest("hex").slice(0, 16);
}

/**
 * Offset of the payload per the reference's hash offsets, or -1 when they run
 * past the buffer (the caller then uses the fallback).
 */
function hashPayloadOffset(b: Uint8Array, len: number): number {
  if (len < 2) return -1;
  let off = isTransportRoute(b[0] & 0x03) ? 5 : 1;
  if (off >= len) return -1;
  const pathByte = b[off];
  off += 1 + ((pathByte >> 6) + 1) * (pathByte & 0x3f);
  return off > len ? -1 : off;
}

/**
 * Current-formula hash of `b[0, len)` given its path byte and payload offset.
 * Internal fast path for the decoder, which already knows the offsets.
 */
export function contentHashAt(
  b: Uint8Array,
  len: number,
  pathByte: number,
  payloadOffset: number,
): string {
  const type = (b[0] >> 2) & 0x0f;
  HASH_INPUT[0] = type;
  let n = 1;
  if (type === PAYLOAD_TYPE.TRACE) {
    HASH_INPUT[1] = pathByte;
    HASH_INPUT[2] = 0;
    n = 3;
  }
  return finishHash(b, len, payloadOffset, n);
}

function finishHash(b: Uint8Array, len: number, payloadOffset: number, n: number): string {
  const pl = len - payloadOffset;
  HASH_INPUT.set(b.subarray(payloadOffset, len), n);
  return digest16(n + pl);
}

/** Parse input to bytes and the hex used for the fallback; null when unparseable. */
function toBytes(input: Uint8Array | string): { b: Uint8Array | null; hex: string } {
  if (typeof input === "string") return { b: hexToBytes(input), hex: input };
  return { b: input, hex: "" };
}

/**
 * Content hash, current formula (wire §7): 16 lowercase hex characters. Falls
 * back to the first 16 characters of the raw hex, as given (so possibly
 * uppercase), when the input does not parse, is shorter than 2 bytes, or its
 * offsets run past the buffer. Accepts raw bytes or a hex string.
 */
export function contentHash(input: Uint8Array | string): string {
  const { b, hex } = toBytes(input);
  if (b === null) return fallback(hex);
  const len = b.length;
  const off = hashPayloadOffset(b, len);
  if (off < 0 || len - off > HASH_INPUT.length - 3) {
    return fallback(hex === "" ? bytesToHex(b) : hex);
  }
  const type = (b[0] >> 2) & 0x0f;
  HASH_INPUT[0] = type;
  let n = 1;
  if (type === PAYLOAD_TYPE.TRACE) {
    HASH_INPUT[1] = b[isTransportRoute(b[0] & 0x03) ? 5 : 1];
    HASH_INPUT[2] = 0;
    n = 3;
  }
  return finishHash(b, len, off, n);
}

/**
 * Content hash, old formula (before reference #787): SHA-256 of the full
 * header byte and the payload, no TRACE extension. Same fallback rules.
 */
export function legacyContentHash(input: Uint8Array | string): string {
  const { b, hex } = toBytes(input);
  if (b === null) return fallback(hex);
  const len = b.length;
  const off = hashPayloadOffset(b, len);
  if (off < 0 || len - off > HASH_INPUT.length - 1) {
    return fallback(hex === "" ? bytesToHex(b) : hex);
  }
  HASH_INPUT[0] = b[0];
  return finishHash(b, len, off, 1);
}
