/**
 * Header byte constants and the precomputed header table (wire §1.1).
 *
 * @module
 */

import type { PacketHeader, PayloadTypeName, RouteTypeName } from "./types.ts";

/** Firmware `MAX_PATH_SIZE`: at most 64 path bytes. */
export const MAX_PATH_SIZE = 64;
/** Firmware `MAX_PACKET_PAYLOAD`: at most 184 payload bytes. */
export const MAX_PAYLOAD = 184;
/** Largest possible packet: header, transport codes, path byte, path, payload. */
export const MAX_PACKET_SIZE = 1 + 1 + 4 + MAX_PATH_SIZE + MAX_PAYLOAD;

/** Route type values. */
export const ROUTE_TRANSPORT_FLOOD = 0;
/** Route type FLOOD. */
export const ROUTE_FLOOD = 1;
/** Route type DIRECT. */
export const ROUTE_DIRECT = 2;
/** Route type TRANSPORT_DIRECT. */
export const ROUTE_TRANSPORT_DIRECT = 3;

/** Payload type values (wire §2). */
export const PAYLOAD_TYPE = {
  REQ: 0x00,
  RESPONSE: 0x01,
  TXT_MSG: 0x02,
  ACK: 0x03,
  ADVERT: 0x04,
  GRP_TXT: 0x05,
  GRP_DATA: 0x06,
  ANON_REQ: 0x07,
  PATH: 0x08,
  TRACE: 0x09,
  MULTIPART: 0x0a,
  CONTROL: 0x0b,
  RAW_CUSTOM: 0x0f,
} as const;

/** Route names indexed by route type (0–3). */
export const ROUTE_TYPE_NAMES: readonly RouteTypeName[] = [
  "TRANSPORT_FLOOD",
  "FLOOD",
  "DIRECT",
  "TRANSPORT_DIRECT",
];

/** Payload type names indexed by the 4-bit type value; unlisted values are `UNKNOWN`. */
export const PAYLOAD_TYPE_NAMES: readonly PayloadTypeName[] = [
  "REQ",
  "RESPONSE",
  "TXT_MSG",
  "ACK",
  "ADVERT",
  "GRP_TXT",
  "GRP_DATA",
  "ANON_REQ",
  "PATH",
  "TRACE",
  "MULTIPART",
  "CONTROL",
  "UNKNOWN",
  "UNKNOWN",
  "UNKNOWN",
  "RAW_CUSTOM",
];

/** True for routes that carry transport codes (0 and 3). */
export function isTransportRoute(routeType: number): boolean {
  return routeType === ROUTE_TRANSPORT_FLOOD || routeType === ROUTE_TRANSPORT_DIRECT;
}

/** True for DIRECT and TRANSPORT_DIRECT. */
export function isDirectRoute(routeType: number): boolean {
  return routeType === ROUTE_DIRECT || routeType === ROUTE_TRANSPORT_DIRECT;
}

const HEADERS: readonly PacketHeader[] = Array.from({ length: 256 }, (_, b) =>
  Object.freeze({
    routeType: b & 0x03,
    routeTypeName: ROUTE_TYPE_NAMES[b & 0x03],
    payloadType: (b >> 2) & 0x0f,
    payloadTypeName: PAYLOAD_TYPE_NAMES[(b >> 2) & 0x0f],
    payloadVersion: (b >> 6) & 0x03,
  }));

/** Decode a header byte. Returns a shared frozen object from a 256-entry table. */
export function decodeHeader(b: number): PacketHeader {
  return HEADERS[b & 0xff];
}
