/**
 * Byte ranges of a packet for a hex view: header, transport codes, path
 * byte, each hop, the payload and each payload field. `end` is inclusive, as
 * in the legacy API's `breakdown.ranges`; outer ranges (`Path`, `Payload`)
 * come before the ranges nested in them.
 *
 * @module
 */

import { hexToBytes } from "./hex.ts";
import { emptyEnvelope, scanEnvelope } from "./envelope.ts";
import { PAYLOAD_TYPE } from "./header.ts";
import { ADVERT_FLAG, ADVERT_MIN } from "./advert.ts";
import { TRACE_MIN, traceHopSize } from "./trace.ts";
import type { ByteRange } from "./types.ts";

type Add = (start: number, length: number, label: string) => number;

/** Ranges of ADVERT fields from payload offset `s`. */
function advertRanges(b: Uint8Array, s: number, e: number, add: Add): void {
  let o = add(s, 32, "PubKey");
  o = add(o, 4, "Timestamp");
  o = add(o, 64, "Signature");
  if (e - s < ADVERT_MIN || o >= e) return;
  const f = b[o];
  o = add(o, 1, "Flags");
  if ((f & ADVERT_FLAG.LOCATION) && e - o >= 8) {
    o = add(o, 4, "Latitude");
    o = add(o, 4, "Longitude");
  }
  if ((f & ADVERT_FLAG.FEAT1) && e - o >= 2) o = add(o, 2, "Feature 1");
  if ((f & ADVERT_FLAG.FEAT2) && e - o >= 2) o = add(o, 2, "Feature 2");
  if (f & ADVERT_FLAG.NAME) {
    let end = o;
    while (end < e && b[end] !== 0) end++;
    add(o, end - o, "Name");
    o = end;
    while (o < e && b[o] === 0) o++;
  }
  if ((f & 0x0f) === 4 && e - o >= 4) {
    o = add(o, 2, "Battery");
    add(o, 2, "Temperature");
  }
}

/** Ranges of the payload fields, by type. */
function payloadRanges(type: number, b: Uint8Array, s: number, e: number, add: Add): void {
  const n = e - s;
  let o = s;
  switch (type) {
    case PAYLOAD_TYPE.REQ:
    case PAYLOAD_TYPE.RESPONSE:
    case PAYLOAD_TYPE.TXT_MSG:
    case PAYLOAD_TYPE.PATH:
      if (n < 4) return;
      o = add(add(o, 1, "Dest Hash"), 1, "Src Hash");
      o = add(o, 2, "MAC");
      add(o, e - o, type === PAYLOAD_TYPE.PATH ? "Path Data" : "Encrypted Data");
      return;
    case PAYLOAD_TYPE.ACK:
      if (n < 4) return;
      o = add(o, 4, "ACK Checksum");
      o = add(o, Math.min(1, e - o), "ACK Attempt");
      add(o, Math.min(1, e - o), "ACK Random");
      return;
    case PAYLOAD_TYPE.ADVERT:
      if (n >= ADVERT_MIN) advertRanges(b, s, e, add);
      return;
    case PAYLOAD_TYPE.GRP_TXT:
    case PAYLOAD_TYPE.GRP_DATA:
      if (n < 3) return;
      o = add(add(o, 1, "Channel Hash"), 2, "MAC");
      add(o, e - o, "Encrypted Data");
      return;
    case PAYLOAD_TYPE.ANON_REQ:
      if (n < 35) return;
      o = add(add(o, 1, "Dest Hash"), 32, "Ephemeral PubKey");
      add(add(o, 2, "MAC"), e - o - 2, "Encrypted Data");
      return;
    case PAYLOAD_TYPE.TRACE: {
      if (n < TRACE_MIN) return;
      o = add(add(o, 4, "Trace Tag"), 4, "Auth Code");
      const size = traceHopSize(b[o]);
      o = add(o, 1, "Trace Flags");
      for (let i = 1; o + size <= e; i++) o = add(o, size, `Route Hop ${i}`);
      return;
    }
    case PAYLOAD_TYPE.MULTIPART:
      if (n < 1) return;
      o = add(o, 1, "Multipart Header");
      add(o, e - o, (b[s] & 0x0f) === PAYLOAD_TYPE.ACK ? "Inner ACK" : "Inner Payload");
      return;
    case PAYLOAD_TYPE.CONTROL:
      if (n < 1) return;
      o = add(o, 1, "Control Flags");
      if (n >= 6 && (b[s] & 0xf0) === 0x80) {
        o = add(add(o, 1, "Filter"), 4, "Tag");
        if (n >= 10) add(o, 4, "Since");
      } else if (n >= 6 && (b[s] & 0xf0) === 0x90) {
        o = add(add(o, 1, "SNR"), 4, "Tag");
        add(o, e - o >= 32 ? 32 : e - o >= 8 ? 8 : 0, "PubKey");
      }
      return;
    case PAYLOAD_TYPE.RAW_CUSTOM:
      if (n < 1) return;
      add(add(o, 1, "Tag Byte"), e - s - 1, "Data");
      return;
  }
}

/**
 * Byte ranges of a packet (bytes or hex) for a hex view. Returns as much as
 * can be read; a packet the decoder rejects yields the ranges up to the fault.
 * Never throws.
 */
export function packetBreakdown(input: Uint8Array | string): ByteRange[] {
  const out: ByteRange[] = [];
  try {
    const b = typeof input === "string" ? hexToBytes(input) : input;
    if (!(b instanceof Uint8Array) || b.length === 0) return out;
    const len = b.length;
    const add: Add = (start, length, label) => {
      if (length > 0 && start < len) {
        out.push({ start, end: Math.min(start + length, len) - 1, label });
      }
      return start + length;
    };
    add(0, 1, "Header");
    const transport = (b[0] & 0x03) === 0 || (b[0] & 0x03) === 3;
    let o = 1;
    if (transport) o = add(add(o, 2, "Transport Code 1"), 2, "Transport Code 2");
    add(o, 1, "Path Length");
    const env = emptyEnvelope();
    const err = scanEnvelope(b, len, env);
    if (err !== null && env.hopsLength === 0) return out;
    const trace = env.payloadType === PAYLOAD_TYPE.TRACE;
    o = env.hopsOffset;
    if (env.hopsLength > 0) {
      add(o, env.hopsLength, trace ? "SNR" : "Path");
      for (let i = 1; i <= env.hashCount; i++) {
        o = add(o, env.hashSize, trace ? `SNR ${i}` : `Hop ${i}`);
      }
    }
    if (err !== null) return out;
    add(env.payloadOffset, env.payloadLength, "Payload");
    payloadRanges(env.payloadType, b, env.payloadOffset, len, add);
  } catch {
    // best effort: return what was collected
  }
  return out;
}
