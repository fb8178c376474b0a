/**
 * The validation boundary: the one place that says which field values may
 * enter hopwatch, whatever the way in (MQTT packet and status topics, the
 * roaming client topic, `POST /api/packets`, the demo feed, rows replayed from
 * an existing database).
 *
 * One rule for a value outside its range: **the message is refused, not
 * clamped**. Nothing of a refused message is stored; the refusal is counted by
 * reason (`out-of-range`, `too-long`, `bad-text`, `bad-observer-id`) in
 * `/metrics` and `/api/mqtt/status`, and over HTTP the answer is 400 naming the
 * field. Rows already stored in SQLite (loaded at startup) cannot be refused:
 * there an out-of-range figure reads as absent ({@linkcode figureOrNaN}).
 * Non-finite numbers are always out of range, so none reaches the store or
 * SQLite.
 *
 * @module
 */

import type { ClientReceptionMessage, MessageBase, StatusMessage } from "./message_types.ts";

/** Why a message was refused at the boundary. */
export type RefusalReason = "out-of-range" | "too-long" | "bad-text" | "bad-observer-id";

/** Every refusal reason, in a stable order (for counters and metrics). */
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  "out-of-range",
  "too-long",
  "bad-text",
  "bad-observer-id",
];

/** An accepted numeric range (inclusive). */
export interface FieldRange {
  min: number;
  max: number;
  /** Unit, for messages and the README table. */
  unit: string;
}

/** Accepted ranges of every numeric field that can enter. */
export const RANGES = {
  snr: { min: -50, max: 50, unit: "dB" },
  rssi: { min: -200, max: 50, unit: "dBm" },
  score: { min: -1e6, max: 1e6, unit: "" },
  batteryMv: { min: 0, max: 100_000, unit: "mV" },
  uptimeSecs: { min: 0, max: 3_200_000_000, unit: "s" },
  noiseFloor: { min: -200, max: 50, unit: "dBm" },
  txAirSecs: { min: 0, max: 3_200_000_000, unit: "s" },
  rxAirSecs: { min: 0, max: 3_200_000_000, unit: "s" },
  recvErrors: { min: 0, max: 1e15, unit: "" },
  packetsSent: { min: 0, max: 1e15, unit: "" },
  packetsRecv: { min: 0, max: 1e15, unit: "" },
  lat: { min: -90, max: 90, unit: "°" },
  lon: { min: -180, max: 180, unit: "°" },
  accM: { min: 0, max: 1e7, unit: "m" },
} as const satisfies Record<string, FieldRange>;

/** Longest accepted text of each string field, in characters (UTF-16 units). */
export const MAX_LENGTH = {
  observerId: 128,
  observerName: 128,
  iata: 16,
  direction: 16,
  model: 128,
  firmware: 128,
  clientVersion: 128,
  radio: 128,
} as const satisfies Record<string, number>;

/** A refused field: the reason, the field, and a message naming both. */
export interface Refusal {
  reason: RefusalReason;
  field: string;
  detail: string;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * The observer-id rule, shared by ingest and every reader (`/api/observers/:id`,
 * `?observer=`): 1-128 characters, no control character, no comma (the list
 * separator of `?observer=`), no slash (a path segment), no percent sign (the
 * router decodes a path twice), no leading or trailing white space (readers trim).
 */
// deno-lint-ignore no-control-regex
export const OBSERVER_ID_RE = /^(?!\s)[^\u0000-\u001f\u007f,/%]{1,128}(?<!\s)$/;

function show(v: unknown): string {
  const s = typeof v === "string" ? v : String(v);
  return JSON.stringify(s.length > 32 ? `${s.slice(0, 32)}…` : s);
}

/** Whether `id` is an observer id hopwatch accepts ({@linkcode OBSERVER_ID_RE}). */
export function isObserverId(id: string): boolean {
  return OBSERVER_ID_RE.test(id);
}

/** Checks one number against its range; null (absent) always passes. */
export function checkFigure(field: keyof typeof RANGES, v: number | null): Refusal | null {
  if (v === null) return null;
  const r: FieldRange = RANGES[field];
  if (typeof v === "number" && Number.isFinite(v) && v >= r.min && v <= r.max) return null;
  return {
    reason: "out-of-range",
    field,
    detail: `${field} ${show(v)} is outside ${r.min}..${r.max}${r.unit ? ` ${r.unit}` : ""}`,
  };
}

/** Checks one text field: length cap and no control character; null (absent) passes. */
export function checkText(field: keyof typeof MAX_LENGTH, v: string | null): Refusal | null {
  if (v === null) return null;
  const max = MAX_LENGTH[field];
  if (v.length > max) {
    return { reason: "too-long", field, detail: `${field} of ${v.length} characters, max ${max}` };
  }
  if (CONTROL.test(v)) {
    return { reason: "bad-text", field, detail: `${field} ${show(v)} holds a control character` };
  }
  return null;
}

/** Checks an observer id against {@linkcode isObserverId}; null (absent) passes. */
export function checkObserverId(v: string | null): Refusal | null {
  if (v === null || isObserverId(v)) return null;
  return {
    reason: "bad-observer-id",
    field: "observer",
    detail: `observer id ${show(v)} is not 1-128 characters without control characters, ` +
      `comma, slash, percent sign or surrounding spaces`,
  };
}

/** The radio figures and identity of a packet, as every way in hands them over. */
export interface PacketFields {
  observerId: string | null;
  observerName: string | null;
  iata: string | null;
  direction: string | null;
  snr: number | null;
  rssi: number | null;
  score: number | null;
}

/** The first refusal of a packet's fields, or null when every field is accepted. */
export function validatePacketFields(m: PacketFields): Refusal | null {
  return checkObserverId(m.observerId) ?? checkText("observerName", m.observerName) ??
    checkText("iata", m.iata) ?? checkText("direction", m.direction) ??
    checkFigure("snr", m.snr) ?? checkFigure("rssi", m.rssi) ?? checkFigure("score", m.score);
}

/** The identity and figures of an observer status message (what the boundary checks of it). */
export type StatusFields = Omit<StatusMessage, "kind" | "canRelay" | keyof MessageBase>;

const STATUS_FIGURES = [
  "batteryMv",
  "uptimeSecs",
  "noiseFloor",
  "txAirSecs",
  "rxAirSecs",
  "recvErrors",
  "packetsSent",
  "packetsRecv",
] as const;

/** The first refusal of a status message's fields, or null when every field is accepted. */
export function validateStatusFields(m: StatusFields): Refusal | null {
  const text = checkObserverId(m.observerId) ?? checkText("observerName", m.name) ??
    checkText("iata", m.iata) ?? checkText("model", m.model) ??
    checkText("firmware", m.firmware) ?? checkText("clientVersion", m.clientVersion) ??
    checkText("radio", m.radio);
  if (text) return text;
  for (const f of STATUS_FIGURES) {
    const r = checkFigure(f, m[f]);
    if (r) return r;
  }
  return null;
}

/** The radio figures and position of a roaming client reception. */
export type ClientRxFields = Pick<
  ClientReceptionMessage,
  "snr" | "rssi" | "score" | "direction" | "lat" | "lon" | "accM"
>;

/** The first refusal of a client reception's fields, or null. */
export function validateClientRxFields(m: ClientRxFields): Refusal | null {
  return checkFigure("lat", m.lat) ?? checkFigure("lon", m.lon) ?? checkFigure("accM", m.accM) ??
    checkText("direction", m.direction) ?? checkFigure("snr", m.snr) ??
    checkFigure("rssi", m.rssi) ?? checkFigure("score", m.score);
}

/**
 * A figure read back from a stored row: the value when it is inside its range,
 * NaN (absent) otherwise — such rows were written before this boundary existed.
 */
export function figureOrNaN(field: "snr" | "rssi" | "score", v: unknown): number {
  if (v === null || v === undefined) return NaN;
  const n = Number(v);
  const r: FieldRange = RANGES[field];
  return Number.isFinite(n) && n >= r.min && n <= r.max ? n : NaN;
}
