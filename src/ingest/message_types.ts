/**
 * Types of normalised MQTT ingest messages and rejections (data-model §4),
 * shared by the parser (`messages.ts`), the counters and the MQTT source.
 *
 * @module
 */

import { REFUSAL_REASONS, type RefusalReason } from "./validate.ts";

/** Why a message was not handed to the pipeline (refusals: the validation boundary's reasons). */
export type DropReason =
  | RefusalReason
  | "oversize"
  | "not-json"
  | "not-object"
  | "missing-raw"
  | "bad-hex"
  | "missing-text"
  | "missing-gps"
  | "unknown-topic"
  | "blacklisted"
  | "iata-not-whitelisted"
  | "iata-filtered"
  | "ignored-topic"
  | "retained"
  | "buffer-full";

/** Every drop reason, in a stable order (for counters and metrics). */
export const DROP_REASONS: readonly DropReason[] = [
  "oversize",
  "not-json",
  "not-object",
  "missing-raw",
  "bad-hex",
  "missing-text",
  "missing-gps",
  "unknown-topic",
  "blacklisted",
  "iata-not-whitelisted",
  "iata-filtered",
  "ignored-topic",
  "retained",
  "buffer-full",
  ...REFUSAL_REASONS,
];

/**
 * How a drop counts: `ignored` (expected traffic we do not use, not an error),
 * `filtered` (removed by configuration) or `error` (bad input or overload).
 */
export type DropClass = "ignored" | "filtered" | "error";

/** The class of a drop reason. */
export function dropClass(reason: DropReason): DropClass {
  switch (reason) {
    case "ignored-topic":
    case "retained":
      return "ignored";
    case "blacklisted":
    case "iata-not-whitelisted":
    case "iata-filtered":
      return "filtered";
    default:
      return "error";
  }
}

/** The observer id used for companion (BLE bridge) messages. */
export const COMPANION_OBSERVER_ID = "companion";

/** Fields every normalised message carries. */
export interface MessageBase {
  /** Name of the MQTT source (broker) it came from. */
  source: string;
  /** The MQTT topic. */
  topic: string;
  /** Ingest time (server clock), epoch ms. Every stored time derives from this. */
  receivedAtMs: number;
}

/** Radio and envelope fields shared by packets and companion messages. */
export interface RadioFields {
  snr: number | null;
  rssi: number | null;
  score: number | null;
  direction: string | null;
  /** The envelope `timestamp` as epoch ms (naive local times read as UTC); flags only. */
  observerTimestamp: number | null;
  /** True when `timestamp` was an ISO string without a zone (a naive observer clock). */
  observerTimestampNaive: boolean;
}

/** A raw packet heard by an observer (check 6). */
export interface PacketMessage extends MessageBase, RadioFields {
  kind: "packet";
  /** Packet hex with spaces/CR/LF removed, case as received; even length, hex digits only. */
  raw: string;
  /** Topic observer segment (else `origin_id`), as received. */
  observerId: string | null;
  /** The `origin` field. */
  observerName: string | null;
  /** Payload `region`, else topic IATA, else the source's `region`. */
  iata: string | null;
}

/** An observer status message (check 4): registers the observer, no packet. */
export interface StatusMessage extends MessageBase {
  kind: "status";
  observerId: string;
  iata: string | null;
  name: string | null;
  model: string | null;
  firmware: string | null;
  clientVersion: string | null;
  radio: string | null;
  batteryMv: number | null;
  uptimeSecs: number | null;
  noiseFloor: number | null;
  txAirSecs: number | null;
  rxAirSecs: number | null;
  recvErrors: number | null;
  packetsSent: number | null;
  packetsRecv: number | null;
  /** From `repeat`; null when absent or unreadable (`can_relay_seen = 0`). */
  canRelay: boolean | null;
}

/** A companion bridge channel message, `meshcore/message/channel/{idx}` (check 7). */
export interface CompanionChannelMessage extends MessageBase, RadioFields {
  kind: "channel";
  observerId: typeof COMPANION_OBSERVER_ID;
  /** Payload `channel_idx`, else the topic index. */
  channelIdx: string;
  /** `ch<idx>`, the `channel_hash` to store. */
  channelHash: string;
  text: string;
  /** Payload `sender`, else the `Name` of a `"Name: text"` message. */
  sender: string | null;
  senderTimestamp: number | null;
}

/** A companion bridge direct message, `meshcore/message/direct/{id}` (check 8). */
export interface CompanionDirectMessage extends MessageBase, RadioFields {
  kind: "direct";
  observerId: typeof COMPANION_OBSERVER_ID;
  /** The topic `{id}` segment. */
  peerId: string;
  text: string;
  sender: string | null;
  senderTimestamp: number | null;
}

/** A mobile client reception, `meshcore/client/{pk}/packets` with RX coverage on (check 1). */
export interface ClientReceptionMessage extends MessageBase, RadioFields {
  kind: "client-rx";
  clientKey: string;
  raw: string;
  lat: number;
  lon: number;
  accM: number | null;
}

/** Any message handed to the pipeline. */
export type IngestMessage =
  | PacketMessage
  | StatusMessage
  | CompanionChannelMessage
  | CompanionDirectMessage
  | ClientReceptionMessage;

/** A message that was not accepted. */
export interface IngestRejection {
  kind: "rejected";
  reason: DropReason;
  detail: string;
  topic: string;
}

/** What `parseMqttMessage` needs besides the message. */
export interface ParseContext {
  source: { name: string; iataFilter?: string[]; region?: string };
  /** Observer ids to drop, UPPERCASE (see {@link toUpperSet}). */
  observerBlacklist: Set<string>;
  /** IATA codes to accept, UPPERCASE; null or empty means all. */
  iataWhitelist: Set<string> | null;
  /** Payloads larger than this many bytes are dropped unread. */
  maxBytes: number;
  /** Ingest time for this message, epoch ms. */
  nowMs: number;
  /** Route `meshcore/client/{pk}/packets` to client receptions (default off). */
  clientRxCoverage?: boolean;
}

/** Uppercases and trims a list into a Set, for the blacklist and whitelist. */
export function toUpperSet(values: readonly string[] | undefined): Set<string> {
  return new Set((values ?? []).map((v) => v.trim().toUpperCase()).filter((v) => v !== ""));
}
