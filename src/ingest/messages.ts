/**
 * MQTT message parsing and normalisation (data-model §4).
 *
 * `parseMqttMessage` turns one MQTT message (topic + payload bytes) into a
 * normalised {@link IngestMessage}, or an {@link IngestRejection} naming the
 * reason. It is synchronous, never throws, and does no decoding beyond a cheap
 * hex check: the packet decoder does the rest.
 *
 * Check order (data-model §4): size (before `JSON.parse`), JSON object, then
 * 1 client RX topic (only with RX coverage on), 2 ignored topics,
 * 3 observer blacklist / IATA whitelist, 4 status, 5 source IATA filter,
 * 6 any JSON with a non-empty `raw`, 7 companion channel, 8 companion direct.
 *
 * Topic layout: `{prefix}/{IATA}/{observerId}/…`. The companion topics
 * `meshcore/message/…` carry no IATA or observer, so the whitelist and the
 * source IATA filter do not apply to them; neither do they apply to a message
 * whose topic has no IATA segment.
 *
 * @module
 */

import { hexErrorOffset, stripHex } from "../meshcore/hex.ts";
import {
  type ClientReceptionMessage,
  COMPANION_OBSERVER_ID,
  type DropReason,
  type IngestMessage,
  type IngestRejection,
  type MessageBase,
  type PacketMessage,
  type ParseContext,
  type RadioFields,
  type StatusMessage,
} from "./message_types.ts";
import { validateClientRxFields } from "./validate.ts";

export * from "./message_types.ts";

type Json = Record<string, unknown>;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const NUMBER_RE = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(?:dbm|db|mv|mw|secs?|s)?\s*$/i;
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DETAIL_CHARS = 32;

function reject(reason: DropReason, detail: string, topic: string): IngestRejection {
  return { kind: "rejected", reason, detail, topic };
}

function quote(s: string): string {
  return JSON.stringify(s.length > DETAIL_CHARS ? `${s.slice(0, DETAIL_CHARS)}…` : s);
}

/** A number from a number or numeric string (`"-110dBm"`, `" 12.5 "`); else null. */
export function toNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string") return null;
  const m = NUMBER_RE.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

/** A boolean from a bool, number or `on/off/true/false/1/0/yes/no`; else null. */
export function toBool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v !== 0 : null;
  if (typeof v !== "string") return null;
  switch (v.trim().toLowerCase()) {
    case "on":
    case "true":
    case "1":
    case "yes":
      return true;
    case "off":
    case "false":
    case "0":
    case "no":
      return false;
    default:
      return null;
  }
}

/**
 * An observer envelope timestamp as epoch ms: numbers (seconds, or ms when
 * ≥ 1e11) and ISO strings with or without a zone (naive ones read as UTC).
 */
export function parseObserverTimestamp(v: unknown): { ms: number | null; naive: boolean } {
  if (typeof v === "number" || (typeof v === "string" && NUMBER_RE.test(v))) {
    const n = toNumber(v);
    if (n === null || n <= 0) return { ms: null, naive: false };
    const ms = n >= 1e11 ? Math.round(n) : Math.round(n * 1000);
    return { ms: Number.isFinite(ms) ? ms : null, naive: false };
  }
  if (typeof v !== "string") return { ms: null, naive: false };
  const m = ISO_RE.exec(v.trim());
  if (!m) return { ms: null, naive: false };
  const [mo, d, h, mi, s] = [+m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return { ms: null, naive: false };
  }
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let ms = Date.UTC(+m[1], mo - 1, d, h, mi, s, Math.floor(frac));
  const zone = m[8];
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
  }
  return { ms, naive: !zone };
}

/**
 * A text field, trimmed: firmware sends some with a trailing `\r\n` (a capture's status `radio`
 * reads "910.5250244,62.5,7,5\r"); white space around a value is not part of it, and a control
 * character left inside is refused by the validation boundary.
 */
function str(v: unknown): string | null {
  const t = typeof v === "string" ? v.trim() : "";
  return t !== "" ? t : null;
}

function pickNumber(msg: Json, a: string, b: string): number | null {
  return toNumber(msg[a]) ?? toNumber(msg[b]);
}

function pickString(msg: Json, a: string, b: string): string | null {
  return str(msg[a]) ?? str(msg[b]);
}

function radioFields(msg: Json): RadioFields {
  const ts = parseObserverTimestamp(msg.timestamp);
  return {
    snr: pickNumber(msg, "SNR", "snr"),
    rssi: pickNumber(msg, "RSSI", "rssi"),
    score: pickNumber(msg, "score", "Score"),
    direction: pickString(msg, "direction", "Direction"),
    observerTimestamp: ts.ms,
    observerTimestampNaive: ts.naive,
  };
}

/** Validates `raw`: a hex string (spaces/CR/LF stripped). Returns the hex or a rejection. */
function checkRaw(v: unknown, topic: string): string | IngestRejection {
  if (typeof v !== "string") {
    return reject("bad-hex", `raw is ${Array.isArray(v) ? "an array" : `a ${typeof v}`}`, topic);
  }
  const hex = stripHex(v);
  if (hex.length === 0) return reject("bad-hex", "raw holds only whitespace", topic);
  const bad = hexErrorOffset(hex);
  if (bad < 0) return hex;
  const why = bad === hex.length
    ? `odd length ${hex.length}`
    : `non-hex character at offset ${bad}`;
  return reject("bad-hex", `raw ${quote(hex)} is not hex: ${why}`, topic);
}

function hasRaw(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

/** The sender of a `"Name: text"` message (name 1-49 characters), else null. */
function senderFromText(text: string): string | null {
  const i = text.indexOf(": ");
  return i > 0 && i < 50 ? text.slice(0, i) : null;
}

/**
 * A packet that did not come through MQTT (HTTP ingest, benchmarks, tests): no topic, no radio
 * figures, the observer's id as its name, received now. `fields` sets any of these.
 */
export function localPacketMessage(
  raw: string,
  observerId: string | null,
  fields: Partial<Omit<PacketMessage, "kind" | "raw" | "observerId">> = {},
): PacketMessage {
  return {
    kind: "packet",
    source: "local",
    topic: "",
    receivedAtMs: Date.now(),
    raw,
    observerId,
    observerName: observerId,
    iata: null,
    snr: null,
    rssi: null,
    score: null,
    direction: null,
    observerTimestamp: null,
    observerTimestampNaive: false,
    ...fields,
  };
}

/**
 * Parses one MQTT message. Never throws.
 *
 * @returns the normalised message, or a rejection with its reason.
 */
export function parseMqttMessage(
  topic: string,
  payload: Uint8Array,
  ctx: ParseContext,
): IngestMessage | IngestRejection {
  if (payload.byteLength > ctx.maxBytes) {
    return reject("oversize", `${payload.byteLength} bytes, max ${ctx.maxBytes}`, topic);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(payload));
  } catch (err) {
    const why = err instanceof TypeError ? "invalid UTF-8" : (err as Error).message;
    return reject("not-json", `Cannot parse payload as JSON: ${why.slice(0, 120)}`, topic);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const what = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : typeof parsed;
    return reject("not-object", `expected a JSON object, got ${what}`, topic);
  }
  const msg = parsed as Json;
  const parts = topic.split("/");
  const meshcore = parts[0] === "meshcore";
  const base = { source: ctx.source.name, topic, receivedAtMs: ctx.nowMs };

  // 1. Mobile client receptions (RX coverage only).
  if (ctx.clientRxCoverage && meshcore && parts[1] === "client" && parts[3] === "packets") {
    return clientReception(msg, parts[2] ?? "", base);
  }
  // 2. Broker-level topics carry nothing for us.
  if (topic === "meshcore/status" || topic === "meshcore/events/connection") {
    return reject("ignored-topic", "broker status topic", topic);
  }
  const companion = meshcore && parts[1] === "message";
  const topicIata = companion ? null : str(parts[1]);
  const topicObserver = companion ? null : str(parts[2]);
  const observerId = companion ? null : topicObserver ?? str(msg.origin_id);
  const routeIata = topicIata ?? str(ctx.source.region);

  // 3. Blacklist and whitelist apply to every message, status included.
  if (observerId !== null && ctx.observerBlacklist.has(observerId.toUpperCase())) {
    return reject("blacklisted", `observer ${quote(observerId)} is blacklisted`, topic);
  }
  const whitelist = ctx.iataWhitelist;
  if (routeIata !== null && whitelist && whitelist.size > 0) {
    if (!whitelist.has(routeIata.toUpperCase())) {
      return reject("iata-not-whitelisted", `IATA ${quote(routeIata)} is not whitelisted`, topic);
    }
  }
  const iata = str(msg.region) ?? routeIata;

  // 4. Observer status.
  if (topicObserver !== null && parts.length >= 4 && parts[3] === "status") {
    return status(msg, topicObserver, iata, base);
  }
  // 5. Per-source IATA filter (packets only).
  const filter = ctx.source.iataFilter;
  if (routeIata !== null && filter && filter.length > 0) {
    const upper = routeIata.toUpperCase();
    if (!filter.some((f) => f.toUpperCase() === upper)) {
      return reject("iata-filtered", `IATA ${quote(routeIata)} is not in the source filter`, topic);
    }
  }
  // 6. Any JSON with a non-empty raw is a packet, whatever the topic.
  if (hasRaw(msg.raw)) {
    const raw = checkRaw(msg.raw, topic);
    if (typeof raw !== "string") return raw;
    return {
      kind: "packet",
      raw,
      observerId,
      observerName: str(msg.origin),
      iata,
      ...radioFields(msg),
      ...base,
    };
  }
  // 7, 8. Companion bridge messages.
  if (companion && parts.length >= 4 && (parts[2] === "channel" || parts[2] === "direct")) {
    const text = str(msg.text);
    if (text === null) return reject("missing-text", `no "text" in ${parts[2]} message`, topic);
    const ci = msg.channel_idx;
    const id = parts[2] === "channel"
      ? (typeof ci === "number" && Number.isInteger(ci) ? String(ci) : str(ci)) ?? str(parts[3])
      : str(parts.slice(3).join("/"));
    if (id === null) return reject("unknown-topic", `no ${parts[2]} id in topic`, topic);
    const sender = str(msg.sender) ?? senderFromText(text);
    const senderTimestamp = toNumber(msg.sender_timestamp);
    const radio = radioFields(msg);
    if (parts[2] === "channel") {
      return {
        kind: "channel",
        observerId: COMPANION_OBSERVER_ID,
        channelIdx: id,
        channelHash: `ch${id}`,
        text,
        sender,
        senderTimestamp,
        ...radio,
        ...base,
      };
    }
    return {
      kind: "direct",
      observerId: COMPANION_OBSERVER_ID,
      peerId: id,
      text,
      sender,
      senderTimestamp,
      ...radio,
      ...base,
    };
  }
  if ("raw" in msg || parts[parts.length - 1] === "packets") {
    return reject("missing-raw", `no "raw" hex in packet message`, topic);
  }
  return reject("unknown-topic", "no raw packet and not a status or companion topic", topic);
}

function status(
  msg: Json,
  observerId: string,
  iata: string | null,
  base: MessageBase,
): StatusMessage {
  const stats = typeof msg.stats === "object" && msg.stats !== null && !Array.isArray(msg.stats)
    ? msg.stats as Json
    : null;
  const stat = (key: string, round: boolean): number | null => {
    const n = (stats ? toNumber(stats[key]) : null) ?? toNumber(msg[key]);
    return n === null ? null : round ? Math.round(n) : n;
  };
  return {
    kind: "status",
    observerId,
    iata,
    name: str(msg.origin),
    model: str(msg.model),
    firmware: pickString(msg, "firmware", "firmware_version"),
    clientVersion: pickString(msg, "client_version", "clientVersion"),
    radio: str(msg.radio),
    batteryMv: stat("battery_mv", true),
    uptimeSecs: stat("uptime_secs", true),
    noiseFloor: stat("noise_floor", false),
    txAirSecs: stat("tx_air_secs", true),
    rxAirSecs: stat("rx_air_secs", true),
    recvErrors: stat("recv_errors", true),
    packetsSent: stat("packets_sent", true),
    packetsRecv: stat("packets_recv", true),
    canRelay: toBool(msg.repeat),
    ...base,
  };
}

function clientReception(
  msg: Json,
  clientKey: string,
  base: MessageBase,
): ClientReceptionMessage | IngestRejection {
  if (!hasRaw(msg.raw)) return reject("missing-raw", `no "raw" hex in client packet`, base.topic);
  const raw = checkRaw(msg.raw, base.topic);
  if (typeof raw !== "string") return raw;
  const gps = typeof msg.gps === "object" && msg.gps !== null ? msg.gps as Json : null;
  const lat = gps ? toNumber(gps.lat) : null;
  const lon = gps ? toNumber(gps.lon) : null;
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return reject("missing-gps", `client packet needs gps.lat and gps.lon`, base.topic);
  }
  const accM = gps ? toNumber(gps.acc_m) : null;
  const out: ClientReceptionMessage = {
    kind: "client-rx",
    clientKey,
    raw,
    lat,
    lon,
    accM,
    ...radioFields(msg),
    ...base,
  };
  const refused = validateClientRxFields(out);
  return refused ? reject(refused.reason, refused.detail, base.topic) : out;
}
