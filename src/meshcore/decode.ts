/**
 * `decodePacket`: the full, synchronous, never-throwing MeshCore decoder
 * (wire §1–§7). Works on one module-level scratch buffer; nothing returned
 * references it.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  HEX_UPPER,
  hexErrorOffset,
  hexRange,
  hexRangeUpper,
  parseHexInto,
  stripHex,
} from "./hex.ts";
import {
  decodeHeader,
  isDirectRoute,
  MAX_PACKET_SIZE,
  MAX_PATH_SIZE,
  PAYLOAD_TYPE,
} from "./header.ts";
import { emptyEnvelope, errorPrefix, scanEnvelope } from "./envelope.ts";
import {
  decodeAck,
  decodeAnonReq,
  decodeControl,
  decodeEncrypted,
  decodeMultipart,
  decodePathPayload,
  decodeRawCustom,
  decodeUnknown,
} from "./payloads.ts";
import { decodeAdvert } from "./advert.ts";
import {
  decodeTrace,
  TRACE_MIN,
  TRACE_NON_DIRECT_ANOMALY,
  tracePath,
  traceSnrValues,
} from "./trace.ts";
import { decodeGrpData, decodeGrpTxt } from "./channel_crypto.ts";
import { contentHash, contentHashAt } from "./content_hash.ts";
import { matchScope } from "./region.ts";
import type {
  DecodedPacket,
  DecodedPath,
  DecodeOptions,
  Envelope,
  KeyRing,
  Payload,
  TransportCodes,
} from "./types.ts";

/** Input longer than this many characters is rejected without stripping. */
const MAX_INPUT_CHARS = 4096;

const SCRATCH = Buffer.alloc(512);
const ENV: Envelope = emptyEnvelope();

/** First 16 characters of a hex string (the content-hash fallback). */
function hexPrefix(hex: string): string {
  return hex.length >= 16 ? hex.slice(0, 16) : hex;
}

/** A rejected packet. */
function failure(
  hexForError: string,
  raw: string,
  hash: string,
  reason: string,
  headerByte: number,
): DecodedPacket {
  return {
    header: headerByte >= 0 ? decodeHeader(headerByte) : null,
    transportCodes: null,
    path: null,
    payload: null,
    raw,
    hash,
    valid: false,
    error: errorPrefix(hexForError) + reason,
    scopeName: null,
    channelHash: null,
    pathOffset: -1,
    payloadOffset: -1,
  };
}

/** Decode the payload `b[s, e)` of type `type`. */
function decodePayload(
  type: number,
  b: Uint8Array,
  s: number,
  e: number,
  ring: KeyRing | undefined,
  snr: number[] | undefined,
): Payload {
  switch (type) {
    case PAYLOAD_TYPE.REQ:
      return decodeEncrypted("REQ", b, s, e);
    case PAYLOAD_TYPE.RESPONSE:
      return decodeEncrypted("RESPONSE", b, s, e);
    case PAYLOAD_TYPE.TXT_MSG:
      return decodeEncrypted("TXT_MSG", b, s, e);
    case PAYLOAD_TYPE.ACK:
      return decodeAck(b, s, e);
    case PAYLOAD_TYPE.ADVERT:
      return decodeAdvert(b, s, e);
    case PAYLOAD_TYPE.GRP_TXT:
      return decodeGrpTxt(b, s, e, ring);
    case PAYLOAD_TYPE.GRP_DATA:
      return decodeGrpData(b, s, e, ring);
    case PAYLOAD_TYPE.ANON_REQ:
      return decodeAnonReq(b, s, e);
    case PAYLOAD_TYPE.PATH:
      return decodePathPayload(b, s, e);
    case PAYLOAD_TYPE.TRACE:
      return decodeTrace(b, s, e, snr);
    case PAYLOAD_TYPE.MULTIPART:
      return decodeMultipart(b, s, e);
    case PAYLOAD_TYPE.CONTROL:
      return decodeControl(b, s, e);
    case PAYLOAD_TYPE.RAW_CUSTOM:
      return decodeRawCustom(b, s, e);
    default:
      return decodeUnknown(b, s, e);
  }
}

/** Header path hops `b[o, o + count × size)` as uppercase hex. */
function headerHops(b: Uint8Array, o: number, size: number, count: number): string[] {
  const hops = new Array<string>(count);
  if (size === 1) {
    for (let i = 0; i < count; i++) hops[i] = HEX_UPPER[b[o + i]];
  } else {
    for (let i = 0; i < count; i++, o += size) hops[i] = hexRangeUpper(b, o, o + size);
  }
  return hops;
}

/** Load the input into SCRATCH. Returns the byte count or a failure. */
function load(input: unknown): { len: number; hex: string; raw: string } | DecodedPacket {
  if (typeof input === "string") {
    if (input.length > MAX_INPUT_CHARS) {
      return failure(
        input,
        "",
        hexPrefix(input),
        `input too long (${input.length} characters) at offset ${MAX_PACKET_SIZE}`,
        -1,
      );
    }
    const hex = stripHex(input);
    if (hex.length > 2 * MAX_PACKET_SIZE) {
      const n = Math.ceil(hex.length / 2);
      return failure(
        hex,
        "",
        hexPrefix(hex),
        `packet too long (${n} bytes, max ${MAX_PACKET_SIZE}) at offset ${MAX_PACKET_SIZE}`,
        -1,
      );
    }
    const len = parseHexInto(hex, SCRATCH);
    if (len < 0) {
      const at = hexErrorOffset(hex);
      const reason = at < hex.length
        ? `invalid hex character ${JSON.stringify(hex[at])} at offset ${at >> 1}`
        : `odd number of hex digits (${hex.length}) at offset ${hex.length >> 1}`;
      return failure(hex, hex.toUpperCase(), hexPrefix(hex), reason, -1);
    }
    return { len, hex, raw: hex.toUpperCase() };
  }
  if (input instanceof Uint8Array) {
    const n = input.length;
    if (n > MAX_PACKET_SIZE) {
      const hex = hexRange(input, 0, 8);
      return failure(
        hex,
        "",
        hexPrefix(hex),
        `packet too long (${n} bytes, max ${MAX_PACKET_SIZE}) at offset ${MAX_PACKET_SIZE}`,
        -1,
      );
    }
    SCRATCH.set(input);
    const hex = SCRATCH.toString("hex", 0, n);
    return { len: n, hex, raw: hex.toUpperCase() };
  }
  return failure("", "", "", "input is not a hex string or byte array at offset 0", -1);
}

function decodeInner(
  input: string | Uint8Array,
  options: DecodeOptions | undefined,
): DecodedPacket {
  const loaded = load(input);
  if ("valid" in loaded) return loaded;
  const { len, hex, raw } = loaded;
  const b = SCRATCH;
  const env = ENV;
  const err = scanEnvelope(b, len, env);
  if (err !== null) return failure(hex, raw, contentHash(hex), err, len > 0 ? b[0] : -1);

  const type = env.payloadType;
  const count = env.hashCount;
  const po = env.payloadOffset;
  let transportCodes: TransportCodes | null = null;
  if (env.hasTransportCodes) {
    transportCodes = {
      code1: HEX_UPPER[b[1]] + HEX_UPPER[b[2]],
      code2: HEX_UPPER[b[3]] + HEX_UPPER[b[4]],
    };
  }
  let path: DecodedPath;
  let payload: Payload;
  let anomaly: string | undefined;
  if (type === PAYLOAD_TYPE.TRACE) {
    const ok = len - po >= TRACE_MIN;
    const snr = ok && count > 0 && env.hashSize === 1
      ? traceSnrValues(b, env.hopsOffset, count)
      : undefined;
    payload = decodeTrace(b, po, len, snr);
    if (ok) {
      path = tracePath(b, po, len, b[po + 8], count);
      const routeBytes = path.hashCount * path.hashSize;
      if (routeBytes > MAX_PATH_SIZE) {
        // The firmware keeps a TRACE route in its path buffer: longer cannot be sent, nor resolved.
        return failure(
          hex,
          raw,
          contentHash(hex),
          `trace route too long (${path.hashCount} hops × ${path.hashSize} bytes = ` +
            `${routeBytes} bytes, max ${MAX_PATH_SIZE}) at offset ${po + TRACE_MIN}`,
          b[0],
        );
      }
      if (!isDirectRoute(env.routeType)) anomaly = TRACE_NON_DIRECT_ANOMALY;
    } else {
      path = { hashSize: env.hashSize, hashCount: 0, hops: [], hopsCompleted: count };
      anomaly = `TRACE payload decode failed: ${payload.error}`;
    }
  } else {
    path = {
      hashSize: count === 0 && isDirectRoute(env.routeType) ? 0 : env.hashSize,
      hashCount: count,
      hops: count === 0 ? [] : headerHops(b, env.hopsOffset, env.hashSize, count),
    };
    payload = decodePayload(type, b, po, len, options?.keyRing, undefined);
  }

  let scopeName: string | null = null;
  if (transportCodes !== null) {
    scopeName = matchScope(options?.regions, transportCodes.code1, type, b.subarray(po, len));
  }
  let channelHash: string | null = null;
  if (type === PAYLOAD_TYPE.GRP_TXT) {
    if (payload.type === "CHAN") channelHash = payload.channel;
    else if (len > po) channelHash = `enc_${HEX_UPPER[b[po]]}`;
  }
  const out: DecodedPacket = {
    header: decodeHeader(b[0]),
    transportCodes,
    path,
    payload,
    raw,
    hash: contentHashAt(b, len, env.pathByte, po),
    valid: true,
    scopeName,
    channelHash,
    pathOffset: env.pathByteOffset,
    payloadOffset: po,
  };
  if (anomaly !== undefined) out.anomaly = anomaly;
  return out;
}

/**
 * Decode a raw MeshCore packet (hex string, either case, spaces/CR/LF
 * allowed, or bytes). Synchronous and never throws: a rejected packet gives
 * `valid: false` with `error` naming the reason and byte offset. With a key
 * ring, GRP_TXT/GRP_DATA are decrypted; with a region table, `scopeName` is
 * matched (wire §6).
 */
export function decodePacket(input: string | Uint8Array, options?: DecodeOptions): DecodedPacket {
  try {
    return decodeInner(input, options);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const hex = typeof input === "string" ? input.slice(0, 40) : "";
    return failure(hex, "", hexPrefix(hex), `unexpected decoder failure (${msg}) at offset 0`, -1);
  }
}
