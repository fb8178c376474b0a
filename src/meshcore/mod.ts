/**
 * MeshCore wire-format decoder (spec: shared/spec/meshcore-wire.md).
 *
 * ```ts
 * import { createKeyRing, decodePacket } from "./src/meshcore/mod.ts";
 * const ring = createKeyRing({ hashChannels: ["#test"] });
 * const pkt = decodePacket("150206856E20…", { keyRing: ring });
 * if (!pkt.valid) console.log(pkt.error);
 * ```
 *
 * @module
 */

export { bytesToHex, hexToBytes } from "./hex.ts";
export {
  decodeHeader,
  isDirectRoute,
  isTransportRoute,
  MAX_PACKET_SIZE,
  MAX_PATH_SIZE,
  MAX_PAYLOAD,
  PAYLOAD_TYPE,
  PAYLOAD_TYPE_NAMES,
  ROUTE_DIRECT,
  ROUTE_FLOOD,
  ROUTE_TRANSPORT_DIRECT,
  ROUTE_TRANSPORT_FLOOD,
  ROUTE_TYPE_NAMES,
} from "./header.ts";
export { parseEnvelope } from "./envelope.ts";
export { decodePacket } from "./decode.ts";
export { contentHash, legacyContentHash } from "./content_hash.ts";
export {
  ADVERT_ROLES,
  advertRole,
  cleanName,
  decodeAdvert,
  decodeAdvertFlags,
  validateAdvert,
} from "./advert.ts";
export { TRACE_NON_DIRECT_ANOMALY, traceHopSize } from "./trace.ts";
export {
  channelHashByte,
  createKeyRing,
  deriveHashtagKey,
  normalizeChannelName,
  PUBLIC_CHANNEL_KEY_HEX,
  PUBLIC_CHANNEL_NAME,
} from "./channel_keys.ts";
export type { KeyRingOptions } from "./channel_keys.ts";
export { countNonPrintable, parseChannelText, splitSender } from "./channel_crypto.ts";
export {
  createRegionTable,
  matchScope,
  normalizeRegionName,
  regionKey,
  scopeCode,
} from "./region.ts";
export { advertSignedMessage, verifyAdvertPayload, verifyAdvertSignature } from "./signature.ts";
export { packetBreakdown } from "./breakdown.ts";
export type * from "./types.ts";
