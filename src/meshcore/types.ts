/**
 * Types of the MeshCore decoder: decoded packet, header, path and the payload
 * forms. Payload field names and value types follow the reference's
 * `decoded_json` (wire spec §2–§5); objects are built in the reference's field
 * order so `JSON.stringify` gives the same key order.
 *
 * @module
 */

/** Route type names, indexed by the two route bits. */
export type RouteTypeName = "TRANSPORT_FLOOD" | "FLOOD" | "DIRECT" | "TRANSPORT_DIRECT";

/** Payload type names; unlisted type values are `UNKNOWN`. */
export type PayloadTypeName =
  | "REQ"
  | "RESPONSE"
  | "TXT_MSG"
  | "ACK"
  | "ADVERT"
  | "GRP_TXT"
  | "GRP_DATA"
  | "ANON_REQ"
  | "PATH"
  | "TRACE"
  | "MULTIPART"
  | "CONTROL"
  | "RAW_CUSTOM"
  | "UNKNOWN";

/** Decoded header byte (wire §1.1). Shared, frozen instances: do not mutate. */
export interface PacketHeader {
  readonly routeType: number;
  readonly routeTypeName: RouteTypeName;
  readonly payloadType: number;
  readonly payloadTypeName: PayloadTypeName;
  readonly payloadVersion: number;
}

/** Transport codes of routes 0 and 3, raw bytes as uppercase hex (wire §1.2). */
export interface TransportCodes {
  code1: string;
  code2: string;
}

/**
 * Decoded path (wire §1.3). For TRACE the hops are the intended route from the
 * payload and `hopsCompleted` is the header hop (SNR byte) count (wire §4).
 */
export interface DecodedPath {
  /** Bytes per hop; 0 on a zero-hop DIRECT/TRANSPORT_DIRECT non-TRACE packet. */
  hashSize: number;
  hashCount: number;
  /** Hop prefixes, uppercase hex. */
  hops: string[];
  hopsCompleted?: number;
}

/** The short-payload form: `{type, raw, error}` (wire §1.3). */
export interface PayloadError {
  type: PayloadTypeName;
  /** Payload bytes, lowercase hex. */
  raw: string;
  error: string;
}

/** REQ, RESPONSE and TXT_MSG. */
export interface EncryptedPayload {
  type: "REQ" | "RESPONSE" | "TXT_MSG";
  destHash: string;
  srcHash: string;
  mac: string;
  encryptedData: string;
  error?: undefined;
}

/** ACK (4, 5 or 6 bytes on the wire). */
export interface AckPayload {
  type: "ACK";
  /** The CRC u32, 8 lowercase hex, most significant first. */
  extraHash: string;
  /** Payload length capped at 6. */
  ackLen: number;
  ackAttempt?: number;
  ackRand?: number;
  error?: undefined;
}

/** ADVERT flags byte, decoded (wire §3.2). */
export interface AdvertFlags {
  raw: number;
  type: number;
  chat: boolean;
  repeater: boolean;
  room: boolean;
  sensor: boolean;
  hasLocation: boolean;
  hasFeat1: boolean;
  hasFeat2: boolean;
  hasName: boolean;
}

/** ADVERT (wire §3). `signatureValid` is filled by the caller, never by the decoder. */
export interface AdvertPayload {
  type: "ADVERT";
  /** 64 lowercase hex. */
  pubKey: string;
  timestamp: number;
  timestampISO: string;
  /** 128 lowercase hex. */
  signature: string;
  signatureValid?: boolean;
  flags?: AdvertFlags;
  lat?: number;
  lon?: number;
  name?: string;
  feat1?: number;
  feat2?: number;
  battery_mv?: number;
  temperature_c?: number;
  error?: undefined;
}

/** A decrypted GRP_TXT (wire §5). */
export interface ChannelTextPayload {
  type: "CHAN";
  channelHash: number;
  channelHashHex: string;
  decryptionStatus: "decrypted";
  channel: string;
  text: string;
  sender?: string;
  sender_timestamp: number;
  error?: undefined;
}

/** GRP_TXT or GRP_DATA that was not decrypted. */
export interface GroupEncryptedPayload {
  type: "GRP_TXT" | "GRP_DATA";
  mac: string;
  encryptedData: string;
  channelHash: number;
  channelHashHex: string;
  decryptionStatus: "decryption_failed" | "no_key";
  error?: undefined;
}

/** A decrypted GRP_DATA; `error` is set when the inner layout is broken. */
export interface GroupDataPayload {
  type: "GRP_DATA";
  channelHash: number;
  channelHashHex: string;
  decryptionStatus: "decrypted";
  channel: string;
  dataType?: number;
  dataLen?: number;
  decryptedBlob?: string;
  error?: "inner too short" | "inner data_len exceeds buffer";
}

/** ANON_REQ. */
export interface AnonReqPayload {
  type: "ANON_REQ";
  destHash: string;
  mac: string;
  encryptedData: string;
  ephemeralPubKey: string;
  error?: undefined;
}

/** PATH. */
export interface PathPayload {
  type: "PATH";
  destHash: string;
  srcHash: string;
  mac: string;
  pathData: string;
  error?: undefined;
}

/** TRACE (wire §4). */
export interface TracePayload {
  type: "TRACE";
  /** Intended route bytes after byte 9, lowercase hex ("" when none). */
  pathData: string;
  /** Header SNR bytes as dB (int8 ÷ 4), when the trace completed any hop. */
  snrValues?: number[];
  tag: number;
  authCode: number;
  traceFlags: number;
  error?: undefined;
}

/** MULTIPART. */
export interface MultipartPayload {
  type: "MULTIPART";
  remaining: number;
  innerType: number;
  innerTypeName: PayloadTypeName;
  innerAckCrc?: string;
  innerAckLen?: number;
  innerAckAttempt?: number;
  innerAckRand?: number;
  innerPayload?: string;
  error?: undefined;
}

/** CONTROL subtype names. */
export type ControlSubtype = "DISCOVER_REQ" | "DISCOVER_RESP" | "UNKNOWN";

/** CONTROL (wire §2, CONTROL subtypes). */
export interface ControlPayload {
  type: "CONTROL";
  raw: string;
  ctrlFlags: string;
  ctrlZeroHop: boolean;
  ctrlLength: number;
  ctrlSubtype: ControlSubtype;
  ctrlFilter?: number;
  ctrlTag?: number;
  ctrlSince?: number;
  ctrlNodeType?: number;
  ctrlSNR?: number;
  ctrlPubKey?: string;
  error?: undefined;
}

/** RAW_CUSTOM. */
export interface RawCustomPayload {
  type: "RAW_CUSTOM";
  raw: string;
  rawLength: number;
  firstByteTag?: string;
  error?: undefined;
}

/** Unlisted payload types (0x0C–0x0E). */
export interface UnknownPayload {
  type: "UNKNOWN";
  raw: string;
  error?: undefined;
}

/** Every decoded payload form. Check `error` before reading type-specific fields. */
export type Payload =
  | PayloadError
  | EncryptedPayload
  | AckPayload
  | AdvertPayload
  | ChannelTextPayload
  | GroupEncryptedPayload
  | GroupDataPayload
  | AnonReqPayload
  | PathPayload
  | TracePayload
  | MultipartPayload
  | ControlPayload
  | RawCustomPayload
  | UnknownPayload;

/** One channel key of a key ring. */
export interface ChannelKey {
  /** Display name (`#test`, `Public`, or a configured name). */
  readonly name: string;
  /** 16-byte AES key. */
  readonly key: Uint8Array;
  /** 32-byte MAC secret: key followed by 16 zero bytes. */
  readonly secret: Uint8Array;
  /** First byte of SHA-256(key). */
  readonly hashByte: number;
  /** Where the key came from, lowest precedence first. */
  readonly source: "builtin" | "rainbow" | "hashChannels" | "channelKeys";
}

/** Channel keys indexed by channel-hash byte (wire §5). Immutable once built. */
export interface KeyRing {
  /** 256 lists: the keys whose hash byte is the index, highest precedence first. */
  readonly byHash: readonly (readonly ChannelKey[])[];
  /** Every key, highest precedence first. */
  readonly all: readonly ChannelKey[];
  /** Try keys with other hash bytes when the matching ones fail. */
  readonly tryAllKeys: boolean;
  /** Configured entries that were ignored, with the reason. */
  readonly rejected: readonly string[];
}

/** One region of a region table (wire §6). */
export interface RegionEntry {
  /** `#name`. */
  readonly name: string;
  /** First 16 bytes of SHA-256(`#name`). */
  readonly key: Uint8Array;
}

/** Configured regions for scope-code matching. */
export interface RegionTable {
  readonly regions: readonly RegionEntry[];
}

/** Options of `decodePacket`. */
export interface DecodeOptions {
  keyRing?: KeyRing;
  regions?: RegionTable;
}

/** Result of `decodePacket`. Never thrown; `valid:false` carries `error`. */
export interface DecodedPacket {
  /** Null only when not even the header byte could be read. */
  header: PacketHeader | null;
  transportCodes: TransportCodes | null;
  path: DecodedPath | null;
  payload: Payload | null;
  /** Input as uppercase hex (spaces/CR/LF stripped); "" for oversize input. */
  raw: string;
  /** Content hash, current formula (wire §7), with the raw-hex fallback. */
  hash: string;
  valid: boolean;
  error?: string;
  anomaly?: string;
  /** `transmissions.scope_name`: null, "" or "#region" (wire §6). */
  scopeName?: string | null;
  /** `transmissions.channel_hash`: channel name, `enc_HH`, or null. */
  channelHash?: string | null;
  /** Offset of the path length byte (1, or 5 on transport routes); -1 if unknown. */
  pathOffset: number;
  /** Offset of the first payload byte; -1 if unknown. */
  payloadOffset: number;
}

/** Result of `parseEnvelope`: header fields and offsets, no strings. */
export interface Envelope {
  /** The header byte. */
  header: number;
  routeType: number;
  payloadType: number;
  payloadVersion: number;
  /** True on routes 0 and 3: code1 = bytes 1–2, code2 = bytes 3–4. */
  hasTransportCodes: boolean;
  pathByteOffset: number;
  pathByte: number;
  /** Bytes per hop from the size bits (1–3), not adjusted for zero-hop DIRECT. */
  hashSize: number;
  hashCount: number;
  hopsOffset: number;
  hopsLength: number;
  payloadOffset: number;
  payloadLength: number;
}

/** One byte range of `packetBreakdown` (`end` inclusive, as the legacy API). */
export interface ByteRange {
  start: number;
  end: number;
  label: string;
}
