/**
 * Fields of the packet filter language and how each is read from a packets
 * table row (the same names and meanings as CoreScope's filter language).
 *
 * @module
 */

import { PAYLOAD_TYPES, ROUTE_TYPES } from "./format.ts";

/** The row shape the filter reads (a subset of the packets table row). */
export interface FilterRow {
  hash?: string;
  first_seen?: string;
  latest?: string;
  timestamp?: string;
  route_type?: number;
  payload_type?: number;
  decoded_json?: string | Record<string, unknown>;
  raw_hex?: string;
  observer_id?: string;
  observer_name?: string;
  observer_iata?: string;
  snr?: number | null;
  rssi?: number | null;
  path_json?: string;
  resolved_path?: string | (string | null)[] | null;
  observation_count?: number;
  count?: number;
}

/** A resolved field value. */
export type FieldValue = string | number | boolean | null | undefined | Record<string, unknown>;

/** Field names with a one-line description (for help and autocomplete). */
export const FILTER_FIELDS: [string, string][] = [
  ["type", "Payload type (ADVERT, GRP_TXT, TXT_MSG, ACK, …; aliases like advert, channel)"],
  ["route", "Route type (FLOOD, DIRECT, TRANSPORT_FLOOD, TRANSPORT_DIRECT; t_flood, t_direct)"],
  ["transport", "true for TRANSPORT_FLOOD / TRANSPORT_DIRECT"],
  ["hash", "Packet hash (hex)"],
  ["raw", "Raw packet hex"],
  ["size", "Packet size in bytes"],
  ["snr", "Signal-to-noise ratio (dB)"],
  ["rssi", "Received signal strength (dBm)"],
  ["hops", "Number of hops in the path"],
  ["observer", "Observer name"],
  ["observer_id", "Observer id"],
  ["observer_iata", "Observer region code"],
  ["iata", "Alias of observer_iata"],
  ["observations", "Number of observations"],
  ["path", "Hop prefixes joined with →"],
  ["path_prefixes", "Alias of path"],
  ["routed_through", "Resolved hop keys joined with spaces"],
  ["payload_bytes", "Payload size in bytes (size − 2)"],
  ["payload_hex", "Payload hex (raw without the 2 header bytes)"],
  ["time", "Packet time (epoch ms; after / before / between take dates)"],
  ["timestamp", "Alias of time"],
  ["age", "Seconds since the packet (age < 1h)"],
  ["code1", "Transport code 1 (hex)"],
  ["code2", "Transport code 2 (hex)"],
  ["payload.name", "Decoded payload: advert name"],
  ["payload.text", "Decoded payload: message text"],
  ["payload.channel", "Decoded payload: channel name"],
  ["payload.sender", "Decoded payload: sender"],
  ["payload.lat", "Decoded payload: latitude"],
  ["payload.lon", "Decoded payload: longitude"],
  ["payload.flags.repeater", "Decoded payload: advert repeater flag"],
  ["payload.flags.hasLocation", "Decoded payload: advert has a location"],
  ["payload.destHash", "Decoded payload: destination hash"],
  ["payload.srcHash", "Decoded payload: source hash"],
];

const KNOWN = new Set(FILTER_FIELDS.map(([f]) => f));

/** Whether `name` is a field of the language (`payload.<anything>` included). */
export function isField(name: string): boolean {
  return KNOWN.has(name) || (name.startsWith("payload.") && name.length > 8);
}

/** Operators with a description and an example. */
export const FILTER_OPERATORS: [string, string, string][] = [
  ["==", "equal (strings case-insensitive, type/route aliases)", "type == ADVERT"],
  ["!=", "not equal", "type != ACK"],
  [">  <  >=  <=", "numeric comparison", "snr > 5"],
  ["contains", "substring (case-insensitive)", 'payload.name contains "Gilroy"'],
  ["starts_with", "prefix", 'hash starts_with "8a91"'],
  ["ends_with", "suffix", 'hash ends_with "ff"'],
  ["after / before", "date comparison", 'time after "2025-01-01"'],
  ["between", "inclusive range (dates or numbers)", "snr between -5 5"],
  ["in", "one of a list", 'iata in ("SJC", "SFO")'],
  ["&&  ||  !  ( )", "and, or, not, grouping", "(type == ADVERT || type == ACK) && hops >= 2"],
];

/** Lower-case payload-type aliases → canonical name. */
export const TYPE_ALIASES: Record<string, string> = {
  request: "REQ",
  response: "RESPONSE",
  "direct msg": "TXT_MSG",
  dm: "TXT_MSG",
  ack: "ACK",
  advert: "ADVERT",
  "channel msg": "GRP_TXT",
  channel: "GRP_TXT",
  "group data": "GRP_DATA",
  "anon req": "ANON_REQ",
  path: "PATH",
  trace: "TRACE",
  multipart: "MULTIPART",
  control: "CONTROL",
  raw: "RAW_CUSTOM",
  custom: "RAW_CUSTOM",
  "raw custom": "RAW_CUSTOM",
};

/** Lower-case route aliases → canonical name. */
export const ROUTE_ALIASES: Record<string, string> = {
  t_flood: "TRANSPORT_FLOOD",
  t_direct: "TRANSPORT_DIRECT",
};

const decodedCache = new WeakMap<object, Record<string, unknown> | null>();

function decodedOf(r: FilterRow): Record<string, unknown> | null {
  const d = r.decoded_json;
  if (d === undefined || d === null) return null;
  if (typeof d === "object") return d;
  const hit = decodedCache.get(r);
  if (hit !== undefined) return hit;
  let v: Record<string, unknown> | null = null;
  try {
    const p = JSON.parse(d);
    v = p && typeof p === "object" ? p : null;
  } catch {
    v = null;
  }
  decodedCache.set(r, v);
  return v;
}

function hopsOf(r: FilterRow): string[] {
  try {
    const v = JSON.parse(r.path_json || "[]");
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function timeOf(r: FilterRow): number | null {
  const ts = r.timestamp || r.first_seen || r.latest;
  if (!ts) return null;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? null : ms;
}

/** Reads `field` from row `r` (`now` in ms for `age`). */
export function fieldValue(r: FilterRow, field: string, now: number): FieldValue {
  switch (field) {
    case "type":
      return r.payload_type === undefined ? "" : PAYLOAD_TYPES[r.payload_type] ?? "";
    case "route":
      return r.route_type === undefined ? "" : ROUTE_TYPES[r.route_type] ?? "";
    case "transport":
      return r.route_type === 0 || r.route_type === 3;
    case "hash":
      return r.hash ?? "";
    case "raw":
      return r.raw_hex ?? "";
    case "size":
      return r.raw_hex ? r.raw_hex.length / 2 : 0;
    case "snr":
      return r.snr;
    case "rssi":
      return r.rssi;
    case "hops":
      return hopsOf(r).length;
    case "observer":
      return r.observer_name ?? "";
    case "observer_id":
      return r.observer_id ?? "";
    case "observer_iata":
    case "iata":
      return r.observer_iata ?? "";
    case "observations":
      return r.observation_count ?? r.count ?? 0;
    case "time":
    case "timestamp":
      return timeOf(r);
    case "age": {
      const t = timeOf(r);
      return t === null ? null : Math.max(0, (now - t) / 1000);
    }
    case "path":
    case "path_prefixes":
      return hopsOf(r).join(" → ");
    case "routed_through": {
      let rp = r.resolved_path;
      if (typeof rp === "string") {
        try {
          rp = JSON.parse(rp);
        } catch {
          return "";
        }
      }
      return Array.isArray(rp) ? rp.map((x) => String(x ?? "").toLowerCase()).join(" ") : "";
    }
    case "payload_bytes":
      return r.raw_hex ? Math.max(0, r.raw_hex.length / 2 - 2) : 0;
    case "payload_hex":
      return r.raw_hex ? r.raw_hex.slice(4) : "";
    case "code1":
    case "code2": {
      const tc = decodedOf(r)?.transportCodes as Record<string, unknown> | undefined;
      const v = tc?.[field];
      return v ? String(v).toUpperCase() : null;
    }
  }
  if (field.startsWith("payload.")) {
    let v: unknown = decodedOf(r);
    for (const part of field.slice(8).split(".")) {
      if (v === null || v === undefined || typeof v !== "object") return null;
      v = Object.hasOwn(v, part) ? (v as Record<string, unknown>)[part] : undefined;
    }
    return v as FieldValue;
  }
  return null;
}
