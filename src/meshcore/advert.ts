/**
 * ADVERT payload (wire §3): pubkey, timestamp, signature, appdata (flags,
 * location, features, name, sensor telemetry), roles and the ingest
 * validation of §3.5.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { hexRange } from "./hex.ts";
import { tooShort, u16, u32 } from "./payloads.ts";
import type { AdvertFlags, AdvertPayload, Payload, PayloadError } from "./types.ts";

/** Minimum ADVERT payload: pubkey(32) + timestamp(4) + signature(64). */
export const ADVERT_MIN = 100;
/** Firmware name buffer size: names are cut to this many UTF-8 bytes. */
export const ADVERT_NAME_MAX_BYTES = 32;

/** Appdata flag bits. */
export const ADVERT_FLAG = {
  LOCATION: 0x10,
  FEAT1: 0x20,
  FEAT2: 0x40,
  NAME: 0x80,
} as const;

/** Role labels for the type nibble 0–4; 5–15 are `type-N` (wire §3.3). */
export const ADVERT_ROLES: readonly string[] = [
  "none",
  "companion",
  "repeater",
  "room",
  "sensor",
  ...Array.from({ length: 11 }, (_, i) => `type-${i + 5}`),
];

const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });
const NAME_SCRATCH = new Uint8Array(256);

/**
 * Role label of an advert: from the flags' type nibble, `companion` when the
 * advert has no flags byte.
 */
export function advertRole(flags: { type: number } | null | undefined): string {
  if (flags == null) return "companion";
  return ADVERT_ROLES[flags.type & 0x0f];
}

/** UTF-8 length of one code point. */
function utf8Size(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Cut a string to at most `max` UTF-8 bytes, at the last whole character. */
export function cutUtf8(s: string, max: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const size = utf8Size(cp);
    if (bytes + size > max) return s.slice(0, i);
    bytes += size;
    i += cp > 0xffff ? 2 : 1;
  }
  return s;
}

/** UTF-8 byte length of a string. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Clean a node name from raw bytes `b[s, e)` (wire §3.4): drop bytes below
 * 0x20 other than TAB and LF, and DEL; decode UTF-8 (invalid sequences become
 * U+FFFD); cut to 32 bytes at the last whole character.
 */
export function cleanName(b: Uint8Array, s: number, e: number): string {
  let plain = e - s <= ADVERT_NAME_MAX_BYTES;
  for (let i = s; plain && i < e; i++) {
    const c = b[i];
    if (c < 0x20 || c >= 0x7f) plain = false;
  }
  if (plain) {
    return b instanceof Buffer
      ? b.toString("latin1", s, e)
      : String.fromCharCode.apply(null, Array.from(b.subarray(s, e)));
  }
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f) continue;
    NAME_SCRATCH[n++] = c;
  }
  return cutUtf8(UTF8.decode(NAME_SCRATCH.subarray(0, n)), ADVERT_NAME_MAX_BYTES);
}

/** Decode the appdata flags byte. */
export function decodeAdvertFlags(f: number): AdvertFlags {
  const type = f & 0x0f;
  return {
    raw: f,
    type,
    chat: type === 1,
    repeater: type === 2,
    room: type === 3,
    sensor: type === 4,
    hasLocation: (f & ADVERT_FLAG.LOCATION) !== 0,
    hasFeat1: (f & ADVERT_FLAG.FEAT1) !== 0,
    hasFeat2: (f & ADVERT_FLAG.FEAT2) !== 0,
    hasName: (f & ADVERT_FLAG.NAME) !== 0,
  };
}

/** Decode an ADVERT payload `b[s, e)`; below 100 bytes it is the error form. */
export function decodeAdvert(b: Uint8Array, s: number, e: number): AdvertPayload | PayloadError {
  if (e - s < ADVERT_MIN) return tooShort("ADVERT", b, s, e);
  const timestamp = u32(b, s + 32);
  const p: AdvertPayload = {
    type: "ADVERT",
    pubKey: hexRange(b, s, s + 32),
    timestamp,
    timestampISO: new Date(timestamp * 1000).toISOString(),
    signature: hexRange(b, s + 36, s + 100),
  };
  const a = s + ADVERT_MIN;
  if (a >= e) return p;
  const f = b[a];
  const flags = decodeAdvertFlags(f);
  p.flags = flags;
  let off = a + 1;
  if (flags.hasLocation && e - off >= 8) {
    p.lat = (u32(b, off) | 0) / 1e6;
    p.lon = (u32(b, off + 4) | 0) / 1e6;
    off += 8;
  }
  let feat1 = -1;
  let feat2 = -1;
  if (flags.hasFeat1 && e - off >= 2) {
    feat1 = u16(b, off);
    off += 2;
  }
  if (flags.hasFeat2 && e - off >= 2) {
    feat2 = u16(b, off);
    off += 2;
  }
  if (flags.hasName) {
    let end = off;
    while (end < e && b[end] !== 0) end++;
    const name = cleanName(b, off, end);
    if (name !== "") p.name = name;
    off = end;
    while (off < e && b[off] === 0) off++;
  }
  if (feat1 >= 0) p.feat1 = feat1;
  if (feat2 >= 0) p.feat2 = feat2;
  if (flags.sensor && e - off >= 4) {
    const mv = u16(b, off);
    const tRaw = (u16(b, off + 2) << 16) >> 16;
    if (mv > 0 && mv <= 10000) p.battery_mv = mv;
    if (tRaw >= -5000 && tRaw <= 10000) p.temperature_c = tRaw / 100;
  }
  return p;
}

/** True when the name holds a character the ingest validation rejects (§3.5). */
function hasControlChar(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || c === 0x7f) {
      return true;
    }
  }
  return false;
}

/** Check a coordinate against its range; returns a reason or null. */
function checkCoord(label: string, v: unknown, limit: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || v < -limit || v > limit) {
    return `invalid ${label}: ${v}`;
  }
  return null;
}

/**
 * Ingest validation of a decoded ADVERT payload (wire §3.5). Returns the
 * reason the advert must be dropped, or null when it may be stored.
 */
export function validateAdvert(payload: Payload | null | undefined): string | null {
  if (payload == null) return "null advert";
  if (payload.error) return payload.error;
  if (payload.type !== "ADVERT") return `not an advert (${payload.type})`;
  const p = payload as AdvertPayload;
  const pk = typeof p.pubKey === "string" ? p.pubKey : "";
  if (pk.length < 16) return `pubkey too short (${pk.length} hex chars)`;
  if (/^0+$/.test(pk)) return "pubkey is all zeros";
  const lat = checkCoord("lat", p.lat, 90);
  if (lat !== null) return lat;
  const lon = checkCoord("lon", p.lon, 180);
  if (lon !== null) return lon;
  const name = p.name;
  if (typeof name === "string" && name !== "") {
    if (hasControlChar(name)) return "name contains control characters";
    const bytes = utf8Length(name);
    if (bytes > 64) return `name too long (${bytes} bytes)`;
  }
  const role = advertRole(p.flags);
  if (!ADVERT_ROLES.includes(role)) return `unknown role: ${role}`;
  return null;
}
