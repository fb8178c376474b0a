/**
 * JSON shapes of the API (api.md §2.1): flat packet rows, observation objects
 * and grouped rows, built from the store's views. Field names and value types
 * follow the reference captures (`shared/fixtures/api-captures`): times are
 * ISO-8601 UTC strings, `decoded_json` and `path_json` are JSON *strings*,
 * `_parsedPath` is an array.
 *
 * @module
 */

import type { GroupedRow, ObservationView, TransmissionView } from "../store/types.ts";

/** ISO-8601 UTC with milliseconds, or null for a missing time. */
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0
    ? null
    : new Date(ms).toISOString();
}

/** `path_json` text for uppercase hops: `["7D","DA"]`. */
export function pathJson(hops: readonly string[]): string {
  if (hops.length === 0) return "[]";
  return '["' + hops.join('","') + '"]';
}

/** Supplies `decoded_json` (payload only, a JSON string) for a transmission. */
export type DecodedJsonOf = (tx: TransmissionView) => string | null;

/** An observation object (api.md §2.1). */
export interface ObservationJson {
  id: number;
  transmission_id: number;
  hash: string;
  observer_id: string | null;
  observer_name: string | null;
  observer_iata: string | null;
  snr: number | null;
  rssi: number | null;
  score: number | null;
  path_json: string;
  direction: string | null;
  timestamp: string | null;
  resolved_path?: (string | null)[] | null;
  raw_hex?: string;
  payload_type?: number;
  route_type?: number;
  decoded_json?: string | null;
}

/** Builds an observation object. */
export function observationJson(tx: TransmissionView, o: ObservationView): ObservationJson {
  return {
    id: o.id,
    transmission_id: tx.id,
    hash: tx.hash,
    observer_id: o.observerId,
    observer_name: o.observerName,
    observer_iata: o.observerIata,
    snr: o.snr,
    rssi: o.rssi,
    score: o.score,
    path_json: pathJson(o.hops),
    direction: o.direction,
    timestamp: iso(o.timestampMs),
  };
}

/** A flat packet row (api.md §2.1). */
export interface PacketRowJson {
  id: number;
  raw_hex: string;
  hash: string;
  first_seen: string | null;
  timestamp: string | null;
  route_type: number;
  payload_type: number;
  payload_version: number | null;
  decoded_json: string | null;
  observation_count: number;
  observer_count: number;
  observer_id: string | null;
  observer_name: string | null;
  observer_iata: string | null;
  snr: number | null;
  rssi: number | null;
  score: number | null;
  path_json: string;
  direction: string | null;
  channel_hash: string | null;
  scope_name: string | null;
  _parsedPath: string[];
  resolved_path?: (string | null)[] | null;
  observations?: ObservationJson[];
}

/** Builds a flat packet row; the display fields come from the best observation. */
export function packetRowJson(tx: TransmissionView, decodedJson: string | null): PacketRowJson {
  const b = tx.best;
  const hops = b ? b.hops : [];
  const first = iso(tx.firstSeenMs);
  return {
    id: tx.id,
    raw_hex: tx.rawHex,
    hash: tx.hash,
    first_seen: first,
    timestamp: first,
    route_type: tx.routeType,
    payload_type: tx.payloadType,
    payload_version: tx.payloadVersion,
    decoded_json: decodedJson,
    observation_count: tx.observationCount,
    observer_count: tx.observerCount,
    observer_id: b?.observerId ?? null,
    observer_name: b?.observerName ?? null,
    observer_iata: b?.observerIata ?? null,
    snr: b?.snr ?? null,
    rssi: b?.rssi ?? null,
    score: b?.score ?? null,
    path_json: pathJson(hops),
    direction: b?.direction ?? null,
    channel_hash: tx.channel,
    scope_name: tx.scopeName,
    _parsedPath: hops,
  };
}

/** A grouped row (`groupByHash=true`): packet fields plus counts, no `resolved_path`. */
export function groupedRowJson(
  row: GroupedRow,
  decodedJson: string | null,
): PacketRowJson & {
  count: number;
  latest: string | null;
  distinct_iatas: string[];
} {
  return {
    ...packetRowJson(row, decodedJson),
    count: row.observationCount,
    latest: iso(row.lastSeenMs),
    distinct_iatas: row.distinctIatas,
  };
}

/** Parses a stored `resolved_path` JSON string; null when absent or malformed. */
export function parseResolvedPath(json: string | null | undefined): (string | null)[] | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : null)) : null;
  } catch {
    return null;
  }
}
