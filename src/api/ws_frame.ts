/**
 * The live-feed frame: `{"type":"packet","data":{...}}`, one per observation
 * (api.md §3). `data` carries the flat packet fields of the transmission with
 * this observation's observer, signal and path, plus `resolved_path`,
 * `decoded` (`{header, payload}`, and `path` for TRACE) and `packet` (the flat
 * row as `/api/packets` returns it, without `decoded` and `packet`).
 *
 * `data.id` is the transmission id (so `data.packet` matches `/api/packets`
 * rows); the observation id is `data.observation_id`. `data.timestamp` is this
 * observation's time; `data.packet.timestamp` is `first_seen` as in flat rows.
 *
 * @module
 */

import type { DecodedPacket } from "../meshcore/types.ts";
import type { ObservationView, TransmissionView } from "../store/types.ts";
import { iso, packetRowJson, pathJson } from "./shapes.ts";
import type { SharedFrame } from "./ws_client.ts";

/** What the ingest pipeline hands to `WsHub.broadcast` for one stored observation. */
export interface LiveEvent {
  /** The transmission after the observation was added (current counts). */
  tx: TransmissionView;
  /** The observation that was just stored. */
  obs: ObservationView;
  /** The decoded packet (from ingest); null when not available. */
  decoded: DecodedPacket | null;
  /** `decoded_json` of the transmission (payload only); derived from `decoded` when omitted. */
  decodedJson?: string | null;
  /** Resolved hop keys of this observation (lowercase, null per unknown hop). */
  resolvedPath?: (string | null)[] | null;
}

/** Builds the frame string for one observation (called once per observation). */
export function buildPacketFrame(ev: LiveEvent): string {
  const { tx, obs, decoded } = ev;
  const decodedJson = ev.decodedJson !== undefined
    ? ev.decodedJson
    : decoded?.payload
    ? JSON.stringify(decoded.payload)
    : null;
  const packet = packetRowJson(tx, decodedJson);
  const flat = {
    ...packet,
    timestamp: iso(obs.timestampMs),
    observer_id: obs.observerId,
    observer_name: obs.observerName,
    observer_iata: obs.observerIata,
    snr: obs.snr,
    rssi: obs.rssi,
    score: obs.score,
    path_json: pathJson(obs.hops),
    direction: obs.direction,
    _parsedPath: obs.hops,
  };
  const data: Record<string, unknown> = {
    ...flat,
    transmission_id: tx.id,
    observation_id: obs.id,
    resolved_path: ev.resolvedPath ?? null,
    decoded: decoded ? decodedObject(decoded) : null,
    packet: { ...flat, transmission_id: tx.id, observation_id: obs.id },
  };
  return JSON.stringify({ type: "packet", data });
}

/** `decoded` of a frame: header and payload; `path` only for TRACE (api.md §3). */
export function decodedObject(d: DecodedPacket): Record<string, unknown> {
  const out: Record<string, unknown> = { header: d.header, payload: d.payload };
  if (d.header?.payloadTypeName === "TRACE" && d.path) out.path = d.path;
  return out;
}

/**
 * Joins the messages of one flush into batch frames (JSON arrays), in order: at most
 * `maxBatch` messages and about `maxBatchBytes` characters each; a single longer message
 * is a frame alone. Each frame is built once for every batch client.
 */
export function batchFrames(
  pending: readonly string[],
  maxBatch: number,
  maxBatchBytes: number,
): SharedFrame[] {
  const out: SharedFrame[] = [];
  for (let i = 0; i < pending.length;) {
    let j = i + 1;
    let chars = pending[i].length;
    while (j < pending.length && j - i < maxBatch && chars + pending[j].length < maxBatchBytes) {
      chars += pending[j++].length + 1;
    }
    const text = j - i === pending.length
      ? `[${pending.join(",")}]`
      : `[${pending.slice(i, j).join(",")}]`;
    out.push({ text, count: j - i, refs: 0 });
    i = j;
  }
  return out;
}
