/**
 * Pure MeshCore packet encoders (the inverse of the decoder, wire spec §1–§5).
 *
 * Everything here is synchronous except {@linkcode buildAdvertPayload}, which
 * signs with WebCrypto Ed25519. Channel crypto (AES-128-ECB, HMAC-SHA256) uses
 * `node:crypto` so it is fast and synchronous. Encoders validate their input
 * against the firmware limits and throw `Cannot encode packet: …` errors.
 *
 * @module
 */

import { createCipheriv, createHash, createHmac } from "node:crypto";
import { PAYLOAD_TYPE } from "./header.ts";

/** Route type values of the header's low two bits. */
export const ROUTE = {
  TRANSPORT_FLOOD: 0,
  FLOOD: 1,
  DIRECT: 2,
  TRANSPORT_DIRECT: 3,
} as const;

/** Payload type values of header bits 2–5 (the decoder's table, wire §2). */
export const PAYLOAD: typeof PAYLOAD_TYPE = PAYLOAD_TYPE;

/** Firmware `MAX_PACKET_PAYLOAD`. */
export const MAX_PAYLOAD = 184;
/** Firmware `MAX_PATH_SIZE` (bytes of hop hashes). */
export const MAX_PATH_BYTES = 64;

/** Advert type nibble per role name (wire spec §3.3). */
export const ROLE_NIBBLE: Readonly<Record<string, number>> = {
  none: 0,
  companion: 1,
  repeater: 2,
  room: 3,
  sensor: 4,
};

/** The built-in `Public` channel key (wire spec §5). */
export const PUBLIC_CHANNEL_KEY: Uint8Array = hexToBytes("8b3387e9c5cdea6ac9e5edbaa115cd72");

const HEX = "0123456789abcdef";

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return out;
}

/** Bytes of an even-length hex string (case-insensitive). */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error(`Cannot encode packet: "${hex}" is not even-length hex`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Input of {@linkcode encodePacket}. */
export interface PacketSpec {
  /** 0 TRANSPORT_FLOOD, 1 FLOOD, 2 DIRECT, 3 TRANSPORT_DIRECT. */
  routeType: number;
  /** 4-bit payload type. */
  payloadType: number;
  /** 2-bit payload version (default 0). */
  payloadVersion?: number;
  /** Routes 0 and 3 only: 4 raw bytes, or the decoded `{code1, code2}` hex form. */
  transportCodes?: Uint8Array | { code1: string; code2: string };
  /** Bytes per hop, 1–3 (for TRACE the header hops are 1-byte SNR values). */
  hashSize: number;
  /** Hop hashes, as bytes or hex, each exactly `hashSize` bytes. */
  hops: Uint8Array[] | string[];
  /** Payload bytes (at most 184). */
  payload: Uint8Array;
}

/** Encodes a whole packet: header, transport codes, path byte, hops, payload. */
export function encodePacket(spec: PacketSpec): Uint8Array {
  const { routeType, payloadType, hashSize, payload } = spec;
  const version = spec.payloadVersion ?? 0;
  if (!Number.isInteger(routeType) || routeType < 0 || routeType > 3) {
    throw new Error(`Cannot encode packet: route type ${routeType} is not 0-3`);
  }
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 15) {
    throw new Error(`Cannot encode packet: payload type ${payloadType} is not 0-15`);
  }
  if (!Number.isInteger(version) || version < 0 || version > 3) {
    throw new Error(`Cannot encode packet: payload version ${version} is not 0-3`);
  }
  if (!Number.isInteger(hashSize) || hashSize < 1 || hashSize > 3) {
    throw new Error(`Cannot encode packet: hop size ${hashSize} is not 1-3`);
  }
  const hops = spec.hops.map((h) => typeof h === "string" ? hexToBytes(h) : h);
  if (hops.length > 63) {
    throw new Error(`Cannot encode packet: ${hops.length} hops exceed 63`);
  }
  for (const h of hops) {
    if (h.length !== hashSize) {
      throw new Error(`Cannot encode packet: hop of ${h.length} bytes, expected ${hashSize}`);
    }
  }
  if (hops.length * hashSize > MAX_PATH_BYTES) {
    throw new Error(
      `Cannot encode packet: path of ${hops.length * hashSize} bytes exceeds ${MAX_PATH_BYTES}`,
    );
  }
  if (payload.length > MAX_PAYLOAD) {
    throw new Error(`Cannot encode packet: payload of ${payload.length} bytes exceeds 184`);
  }
  const transport = routeType === 0 || routeType === 3;
  let codes: Uint8Array | undefined;
  if (transport) {
    const tc = spec.transportCodes;
    if (!tc) throw new Error(`Cannot encode packet: route type ${routeType} needs transport codes`);
    codes = tc instanceof Uint8Array ? tc : concatBytes(hexToBytes(tc.code1), hexToBytes(tc.code2));
    if (codes.length !== 4) {
      throw new Error("Cannot encode packet: transport codes must be 4 bytes");
    }
  } else if (spec.transportCodes) {
    throw new Error(`Cannot encode packet: route type ${routeType} carries no transport codes`);
  }
  const out = new Uint8Array(
    1 + (codes ? 4 : 0) + 1 + hops.length * hashSize + payload.length,
  );
  let o = 0;
  out[o++] = (version << 6) | (payloadType << 2) | routeType;
  if (codes) {
    out.set(codes, o);
    o += 4;
  }
  out[o++] = ((hashSize - 1) << 6) | hops.length;
  for (const h of hops) {
    out.set(h, o);
    o += hashSize;
  }
  out.set(payload, o);
  return out;
}

/** Input of {@linkcode buildAdvertPayload}. */
export interface AdvertSpec {
  /** Ed25519 private key (WebCrypto) that signs the advert. */
  privateKey: CryptoKey;
  /** The 32-byte raw public key. */
  publicKey: Uint8Array;
  /** Sender clock, epoch seconds (u32). */
  timestamp: number;
  /** Role name (`companion`, `repeater`, `room`, `sensor`, `none`) or type nibble 0–15. */
  role: string | number;
  lat?: number;
  lon?: number;
  /** Node name (UTF-8, at most 32 bytes after firmware truncation). */
  name?: string;
  feat1?: number;
  feat2?: number;
  /** Sensor telemetry appended after a NUL that ends the name. */
  telemetry?: { batteryMv: number; temperatureC: number };
}

/** Builds the ADVERT appdata (flags, location, features, name, telemetry). */
export function buildAdvertAppData(
  spec: Omit<AdvertSpec, "privateKey" | "publicKey" | "timestamp">,
): Uint8Array {
  const type = typeof spec.role === "number" ? spec.role : ROLE_NIBBLE[spec.role];
  if (type === undefined || !Number.isInteger(type) || type < 0 || type > 15) {
    throw new Error(`Cannot encode packet: unknown advert role "${spec.role}"`);
  }
  const hasLoc = spec.lat !== undefined && spec.lon !== undefined;
  let flags = type;
  const parts: number[] = [];
  if (hasLoc) {
    flags |= 0x10;
    const lat = Math.round(spec.lat! * 1e6);
    const lon = Math.round(spec.lon! * 1e6);
    if (Math.abs(lat) > 90e6 || Math.abs(lon) > 180e6) {
      throw new Error(`Cannot encode packet: location ${spec.lat},${spec.lon} out of range`);
    }
    pushI32(parts, lat);
    pushI32(parts, lon);
  }
  if (spec.feat1 !== undefined) {
    flags |= 0x20;
    parts.push(spec.feat1 & 0xff, (spec.feat1 >> 8) & 0xff);
  }
  if (spec.feat2 !== undefined) {
    flags |= 0x40;
    parts.push(spec.feat2 & 0xff, (spec.feat2 >> 8) & 0xff);
  }
  if (spec.name !== undefined) {
    flags |= 0x80;
    const name = new TextEncoder().encode(spec.name);
    if (name.length > 32) {
      throw new Error(`Cannot encode packet: advert name of ${name.length} bytes exceeds 32`);
    }
    for (const b of name) parts.push(b);
  }
  if (spec.telemetry) {
    parts.push(0);
    const mv = Math.round(spec.telemetry.batteryMv);
    const t = Math.round(spec.telemetry.temperatureC * 100);
    parts.push(mv & 0xff, (mv >> 8) & 0xff, t & 0xff, (t >> 8) & 0xff);
  }
  return Uint8Array.from([flags, ...parts]);
}

/**
 * Builds a signed ADVERT payload: pubkey(32) timestamp(u32) signature(64) appdata.
 * The Ed25519 signature covers `pubkey ‖ timestamp ‖ appdata`.
 */
export async function buildAdvertPayload(spec: AdvertSpec): Promise<Uint8Array> {
  if (spec.publicKey.length !== 32) {
    throw new Error(`Cannot encode packet: public key of ${spec.publicKey.length} bytes, need 32`);
  }
  const appData = buildAdvertAppData(spec);
  const ts = u32le(spec.timestamp);
  const signed = concatBytes(spec.publicKey, ts, appData);
  const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", spec.privateKey, signed));
  const payload = concatBytes(spec.publicKey, ts, sig, appData);
  if (payload.length > MAX_PAYLOAD) {
    throw new Error(`Cannot encode packet: advert payload of ${payload.length} bytes exceeds 184`);
  }
  return payload;
}

/** Key of a hashtag channel: the first 16 bytes of SHA-256 of the name (with `#`). */
export function hashtagChannelKey(name: string): Uint8Array {
  const full = name.startsWith("#") ? name : `#${name}`;
  return new Uint8Array(createHash("sha256").update(full, "utf8").digest()).subarray(0, 16);
}

/** Channel hash byte: the first byte of SHA-256 of the 16-byte key. */
export function channelHashByte(key16: Uint8Array): number {
  return createHash("sha256").update(key16).digest()[0];
}

/** Plaintext of a channel message. */
export interface GroupText {
  /** Sender clock, epoch seconds. */
  timestamp: number;
  /** Flags byte (0 for plain text). */
  flags: number;
  /** UTF-8 text, conventionally `"sender: message"`. */
  text: string;
}

/**
 * Builds a GRP_TXT payload: channel hash(1) mac(2) AES-128-ECB ciphertext of
 * `timestamp(u32) flags(u8) text`, zero-padded to a multiple of 16.
 */
export function buildGroupTextPayload(key16: Uint8Array, msg: GroupText): Uint8Array {
  const text = new TextEncoder().encode(msg.text);
  const plain = concatBytes(u32le(msg.timestamp), Uint8Array.of(msg.flags & 0xff), text);
  return buildGroupPayload(key16, plain);
}

/** GRP_TXT/GRP_DATA framing around an arbitrary plaintext (zero-padded, encrypted, MACed). */
export function buildGroupPayload(key16: Uint8Array, plain: Uint8Array): Uint8Array {
  if (key16.length !== 16) {
    throw new Error(`Cannot encode packet: channel key of ${key16.length} bytes, need 16`);
  }
  const padded = new Uint8Array(Math.max(16, Math.ceil(plain.length / 16) * 16));
  padded.set(plain);
  if (3 + padded.length > MAX_PAYLOAD) {
    throw new Error(
      `Cannot encode packet: channel payload of ${3 + padded.length} bytes exceeds 184`,
    );
  }
  const cipher = createCipheriv("aes-128-ecb", key16, null);
  cipher.setAutoPadding(false);
  const ct = concatBytes(new Uint8Array(cipher.update(padded)), new Uint8Array(cipher.final()));
  const secret = concatBytes(key16, new Uint8Array(16));
  const mac = createHmac("sha256", secret).update(ct).digest();
  return concatBytes(Uint8Array.of(channelHashByte(key16), mac[0], mac[1]), ct);
}

/**
 * REQ, RESPONSE, TXT_MSG and PATH layout: dest(1) src(1) mac(2) ciphertext.
 * `destHash`/`srcHash` are the first byte of each node's key.
 */
export function buildPeerPayload(
  destHash: number,
  srcHash: number,
  mac: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (mac.length !== 2) throw new Error(`Cannot encode packet: mac of ${mac.length} bytes, need 2`);
  return concatBytes(Uint8Array.of(destHash & 0xff, srcHash & 0xff), mac, ciphertext);
}

/** REQ payload: dest(1) src(1) mac(2) ciphertext (opaque bytes). */
export const buildReqPayload: typeof buildPeerPayload = buildPeerPayload;
/** RESPONSE payload: dest(1) src(1) mac(2) ciphertext (opaque bytes). */
export const buildResponsePayload: typeof buildPeerPayload = buildPeerPayload;
/** TXT_MSG payload: dest(1) src(1) mac(2) ciphertext (opaque bytes). */
export const buildTxtMsgPayload: typeof buildPeerPayload = buildPeerPayload;
/** PATH payload: dest(1) src(1) mac(2) encrypted path data (opaque bytes). */
export const buildPathPayload: typeof buildPeerPayload = buildPeerPayload;

/** ANON_REQ payload: dest(1) ephemeral pubkey(32) mac(2) ciphertext. */
export function buildAnonReqPayload(
  dest: number,
  ephemeralPubKey: Uint8Array,
  mac: Uint8Array,
  ct: Uint8Array,
): Uint8Array {
  if (ephemeralPubKey.length !== 32) {
    throw new Error("Cannot encode packet: ephemeral public key must be 32 bytes");
  }
  if (mac.length !== 2) throw new Error(`Cannot encode packet: mac of ${mac.length} bytes, need 2`);
  return concatBytes(Uint8Array.of(dest & 0xff), ephemeralPubKey, mac, ct);
}

/** ACK payload: crc u32 LE, then optional attempt and rand bytes (4, 5 or 6 bytes). */
export function buildAckPayload(crc: number, attempt?: number, rand?: number): Uint8Array {
  if (rand !== undefined && attempt === undefined) {
    throw new Error("Cannot encode packet: ACK rand byte needs an attempt byte");
  }
  const parts = [u32le(crc)];
  if (attempt !== undefined) parts.push(Uint8Array.of(attempt & 0xff));
  if (rand !== undefined) parts.push(Uint8Array.of(rand & 0xff));
  return concatBytes(...parts);
}

/**
 * TRACE payload: tag u32, authCode u32, flags u8, then the intended route as
 * hops of `1 << (flags & 3)` bytes. The SNR values of completed hops go in the
 * packet header path (use {@linkcode snrToByte}).
 */
export function buildTracePayload(
  tag: number,
  authCode: number,
  flags: number,
  hops: Uint8Array[] | string[],
): Uint8Array {
  const size = 1 << (flags & 3);
  const bytes = hops.map((h) => typeof h === "string" ? hexToBytes(h) : h);
  for (const h of bytes) {
    if (h.length !== size) {
      throw new Error(`Cannot encode packet: trace hop of ${h.length} bytes, flags say ${size}`);
    }
  }
  const payload = concatBytes(u32le(tag), u32le(authCode), Uint8Array.of(flags & 0xff), ...bytes);
  if (payload.length > MAX_PAYLOAD) {
    throw new Error(`Cannot encode packet: trace payload of ${payload.length} bytes exceeds 184`);
  }
  return payload;
}

/** SNR in dB to the signed quarter-dB byte used in TRACE headers. */
export function snrToByte(db: number): number {
  const v = Math.max(-128, Math.min(127, Math.round(db * 4)));
  return v & 0xff;
}

/** Little-endian u32 bytes. */
export function u32le(v: number): Uint8Array {
  const x = v >>> 0;
  return Uint8Array.of(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24);
}

function pushI32(parts: number[], v: number): void {
  const x = v | 0;
  parts.push(x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, (x >>> 24) & 0xff);
}
