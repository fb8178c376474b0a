/**
 * Decoders for the plain payload types (wire §2): REQ, RESPONSE, TXT_MSG, ACK,
 * ANON_REQ, PATH, MULTIPART, CONTROL, RAW_CUSTOM and UNKNOWN.
 *
 * Every decoder reads `b[s, e)` and never reads past `e`; a payload below the
 * type's minimum length decodes to the `{type, raw, error: "too short"}` form.
 *
 * @module
 */

import { HEX_LOWER, HEX_UPPER, hexRange } from "./hex.ts";
import { PAYLOAD_TYPE, PAYLOAD_TYPE_NAMES } from "./header.ts";
import type {
  AckPayload,
  AnonReqPayload,
  ControlPayload,
  EncryptedPayload,
  MultipartPayload,
  PathPayload,
  PayloadError,
  PayloadTypeName,
  RawCustomPayload,
  UnknownPayload,
} from "./types.ts";

/** Read a u32 little-endian at `o`. */
export function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Read a u16 little-endian at `o`. */
export function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

/** Read an i8 at `o`. */
export function i8(b: Uint8Array, o: number): number {
  return (b[o] << 24) >> 24;
}

/** The short-payload form. */
export function tooShort(type: PayloadTypeName, b: Uint8Array, s: number, e: number): PayloadError {
  return { type, raw: hexRange(b, s, e), error: "too short" };
}

/** A u32 as 8 lowercase hex, most significant byte first. */
function crcHex(b: Uint8Array, o: number): string {
  return HEX_LOWER[b[o + 3]] + HEX_LOWER[b[o + 2]] + HEX_LOWER[b[o + 1]] + HEX_LOWER[b[o]];
}

/** REQ, RESPONSE, TXT_MSG: dest(1) src(1) mac(2) ciphertext; min 4. */
export function decodeEncrypted(
  type: "REQ" | "RESPONSE" | "TXT_MSG",
  b: Uint8Array,
  s: number,
  e: number,
): EncryptedPayload | PayloadError {
  if (e - s < 4) return tooShort(type, b, s, e);
  return {
    type,
    destHash: HEX_LOWER[b[s]],
    srcHash: HEX_LOWER[b[s + 1]],
    mac: HEX_LOWER[b[s + 2]] + HEX_LOWER[b[s + 3]],
    encryptedData: hexRange(b, s + 4, e),
  };
}

/** ACK: crc u32, optional attempt, optional rand (4, 5 or 6 bytes); min 4. */
export function decodeAck(b: Uint8Array, s: number, e: number): AckPayload | PayloadError {
  const n = e - s;
  if (n < 4) return tooShort("ACK", b, s, e);
  const p: AckPayload = { type: "ACK", extraHash: crcHex(b, s), ackLen: n > 6 ? 6 : n };
  if (n >= 5) p.ackAttempt = b[s + 4];
  if (n >= 6) p.ackRand = b[s + 5];
  return p;
}

/** ANON_REQ: dest(1) ephemeralPubKey(32) mac(2) ciphertext; min 35. */
export function decodeAnonReq(b: Uint8Array, s: number, e: number): AnonReqPayload | PayloadError {
  if (e - s < 35) return tooShort("ANON_REQ", b, s, e);
  return {
    type: "ANON_REQ",
    destHash: HEX_LOWER[b[s]],
    mac: HEX_LOWER[b[s + 33]] + HEX_LOWER[b[s + 34]],
    encryptedData: hexRange(b, s + 35, e),
    ephemeralPubKey: hexRange(b, s + 1, s + 33),
  };
}

/** PATH: dest(1) src(1) mac(2) encrypted path data; min 4. */
export function decodePathPayload(b: Uint8Array, s: number, e: number): PathPayload | PayloadError {
  if (e - s < 4) return tooShort("PATH", b, s, e);
  return {
    type: "PATH",
    destHash: HEX_LOWER[b[s]],
    srcHash: HEX_LOWER[b[s + 1]],
    mac: HEX_LOWER[b[s + 2]] + HEX_LOWER[b[s + 3]],
    pathData: hexRange(b, s + 4, e),
  };
}

/**
 * MULTIPART: byte0 = remaining << 4 | innerType. An inner ACK carries crc u32
 * plus optional attempt and rand; any other inner type keeps its bytes as hex.
 */
export function decodeMultipart(
  b: Uint8Array,
  s: number,
  e: number,
): MultipartPayload | PayloadError {
  const n = e - s;
  if (n < 1) return tooShort("MULTIPART", b, s, e);
  const innerType = b[s] & 0x0f;
  const p: MultipartPayload = {
    type: "MULTIPART",
    remaining: b[s] >> 4,
    innerType,
    innerTypeName: PAYLOAD_TYPE_NAMES[innerType],
  };
  if (innerType === PAYLOAD_TYPE.ACK && n >= 5) {
    p.innerAckCrc = crcHex(b, s + 1);
    p.innerAckLen = n - 1 > 6 ? 6 : n - 1;
    if (n >= 6) p.innerAckAttempt = b[s + 5];
    if (n >= 7) p.innerAckRand = b[s + 6];
  } else if (n > 1) {
    p.innerPayload = hexRange(b, s + 1, e);
  }
  return p;
}

/**
 * CONTROL: byte0 flags/subtype. High nibble 0x8 = DISCOVER_REQ (filter u8,
 * tag u32, optional since u32); 0x9 = DISCOVER_RESP (node type in the low
 * nibble, snr i8, tag u32, 32-byte pubkey or 8-byte prefix).
 */
export function decodeControl(b: Uint8Array, s: number, e: number): ControlPayload | PayloadError {
  const n = e - s;
  if (n < 1) return tooShort("CONTROL", b, s, e);
  const b0 = b[s];
  const p: ControlPayload = {
    type: "CONTROL",
    raw: hexRange(b, s, e),
    ctrlFlags: HEX_LOWER[b0],
    ctrlZeroHop: (b0 & 0x80) !== 0,
    ctrlLength: n,
    ctrlSubtype: "UNKNOWN",
  };
  const sub = b0 & 0xf0;
  if (sub === 0x80) {
    p.ctrlSubtype = "DISCOVER_REQ";
    if (n >= 6) {
      p.ctrlFilter = b[s + 1];
      p.ctrlTag = u32(b, s + 2);
      if (n >= 10) p.ctrlSince = u32(b, s + 6);
    }
  } else if (sub === 0x90) {
    p.ctrlSubtype = "DISCOVER_RESP";
    p.ctrlNodeType = b0 & 0x0f;
    if (n >= 6) {
      p.ctrlSNR = i8(b, s + 1);
      p.ctrlTag = u32(b, s + 2);
      const left = n - 6;
      if (left >= 32) p.ctrlPubKey = hexRange(b, s + 6, s + 38);
      else if (left >= 8) p.ctrlPubKey = hexRange(b, s + 6, s + 14);
    }
  }
  return p;
}

/** RAW_CUSTOM: application-defined; length and leading tag byte. */
export function decodeRawCustom(b: Uint8Array, s: number, e: number): RawCustomPayload {
  const n = e - s;
  const p: RawCustomPayload = { type: "RAW_CUSTOM", raw: hexRange(b, s, e), rawLength: n };
  if (n > 0) p.firstByteTag = HEX_UPPER[b[s]];
  return p;
}

/** Unlisted payload types: raw bytes only. */
export function decodeUnknown(b: Uint8Array, s: number, e: number): UnknownPayload {
  return { type: "UNKNOWN", raw: hexRange(b, s, e) };
}
