/**
 * Public types of the in-memory packet store.
 *
 * None of these record types carries a resolved path: resolved hops exist only
 * inside the decode window (the `resolved` argument of
 * {@linkcode PacketStore.addObservation}) and in the bounded on-demand cache
 * (`resolvedPathsFor`). `tests/store/guard_test.ts` enforces this.
 *
 * @module
 */

/** One observation as handed to the store by the ingest pipeline or the loader. */
export interface ObservationInput {
  /** `transmissions.id`. */
  txId: number;
  /** Content hash, 16 hex characters (any case; lookups are case-insensitive). */
  hash: string;
  /** Raw packet bytes (the transmission keeps the first copy it sees). */
  raw: Uint8Array;
  /** True when the raw hex arrived in lowercase (rendered back the same way). */
  rawHexLower?: boolean;
  /** `transmissions.first_seen` in epoch milliseconds. */
  firstSeenMs: number;
  routeType: number;
  payloadType: number;
  /** `payload_version`, or null when the column is NULL. */
  payloadVersion: number | null;
  /** `transmissions.channel_hash` (GRP_TXT): channel name, `enc_<HH>` or `ch<idx>`. */
  channel: string | null;
  /** ADVERT originator node id (NodeDirectory), else -1. */
  fromNodeId: number;
  /** 1-byte source hash (REQ/RESPONSE/TXT_MSG/PATH), else -1. */
  srcHash: number;
  /** 1-byte destination hash (REQ/RESPONSE/TXT_MSG/PATH/ANON_REQ), else -1. */
  destHash: number;
  /** `transmissions.scope_name`: null, `""` or `#region`. */
  scopeName: string | null;
  /** `observations.id`. */
  obsId: number;
  /** Observer id as received (usually uppercase 64-hex), or null when unknown. */
  observerId: string | null;
  observerName: string | null;
  observerIata: string | null;
  direction: string | null;
  snr: number | null;
  rssi: number | null;
  score: number | null;
  /** Observation time (ingest time) in epoch milliseconds. */
  timestampMs: number;
  /** Hop bytes concatenated (`hopCount * hashSize` bytes; TRACE: the payload hops). */
  pathBytes: Uint8Array;
  /** Bytes per hop (1, 2, 3; TRACE payload hops may use 4 or 8). */
  hashSize: number;
  hopCount: number;
}

/** What {@linkcode PacketStore.addObservation} did. */
export interface AddResult {
  /** The transmission id the observation was attached to (the existing one on a hash match). */
  txId: number;
  /** The observation id now representing this sighting (the older one when deduplicated). */
  obsId: number;
  /** True when the transmission was created by this call. */
  txNew: boolean;
  /** True when a new observation row was stored. */
  obsNew: boolean;
  /** True when the transmission's best observation changed. */
  bestChanged: boolean;
  /** Internal slot of the transmission (diagnostics only; slots move on compaction). */
  txSlot: number;
  /** Internal slot of the observation, or -1 when deduplicated without storing. */
  obsSlot: number;
}

/** One observation, built per request as a small plain object. */
export interface ObservationView {
  id: number;
  txId: number;
  observerId: string | null;
  observerName: string | null;
  observerIata: string | null;
  direction: string | null;
  snr: number | null;
  rssi: number | null;
  score: number | null;
  timestampMs: number;
  /** Uppercase hop hex strings (what `path_json` holds). */
  hops: string[];
  hashSize: number;
}

/** One transmission, built per request as a small plain object. */
export interface TransmissionView {
  id: number;
  /** The content hash as stored (case preserved). */
  hash: string;
  /** Raw hex of the first copy, in the case it arrived in. */
  rawHex: string;
  firstSeenMs: number;
  /** Newest observation time (ms). */
  lastSeenMs: number;
  routeType: number;
  payloadType: number;
  payloadVersion: number | null;
  channel: string | null;
  scopeName: string | null;
  /** ADVERT originator public key, else null. */
  fromPubkey: string | null;
  srcHash: number | null;
  destHash: number | null;
  observationCount: number;
  observerCount: number;
  /** Best observation (see `PacketStore.addObservation`), null when none is stored. */
  best: ObservationView | null;
  /** All observations, oldest first, when requested. */
  observations?: ObservationView[];
}

/** Which roles of a node a `nodeId` filter matches. */
export type NodeRole = "sender" | "relay" | "src" | "dest";

/** Filters of {@linkcode PacketStore.listTransmissions}; every given filter must match. */
export interface TxFilter {
  payloadTypes?: readonly number[];
  routeTypes?: readonly number[];
  /** Observer ids (case-insensitive): transmissions heard by at least one of them. */
  observerIds?: readonly string[];
  /** IATA codes (case-insensitive): transmissions heard by an observer of these regions. */
  iatas?: readonly string[];
  /** Content hash (case-insensitive). */
  hash?: string;
  /** Inclusive lower bound on `first_seen` (ms). */
  sinceMs?: number;
  /** Inclusive upper bound on `first_seen` (ms). */
  untilMs?: number;
  /** Node id (NodeDirectory) the transmission involves. */
  nodeId?: number;
  /** Roles matched by `nodeId`; default `["sender", "relay"]` (both exact). */
  nodeRoles?: readonly NodeRole[];
  /** Channel name or `enc_<HH>` (case-insensitive). */
  channel?: string;
}

/** Ordering and paging of a list query. */
export interface PageOptions {
  /** `desc` = newest id first (default). */
  order?: "asc" | "desc";
  offset?: number;
  limit?: number;
}

/** A page of transmission ids plus the total number of matches. */
export interface IdPage {
  ids: number[];
  total: number;
}

/** A grouped-by-hash row (`groupByHash=true`). */
export interface GroupedRow extends TransmissionView {
  /** Distinct observer IATA codes, sorted. */
  distinctIatas: string[];
}

/** Relay liveness of one node, from the exact membership index (resolved hops only). */
export interface RelayInfo {
  /** Largest `first_seen` (ms) of a transmission relayed by the node, 0 when none. */
  lastRelayedMs: number;
  count1h: number;
  count24h: number;
  /** Of `count24h`, the ones with route FLOOD (1). */
  unscopedCount24h: number;
  /** Scope names seen in the last 24 h on relayed transport-route packets, sorted, <= 32. */
  scopes: string[];
}

/** Load progress exposed on the store. */
export interface LoadProgress {
  state: "loading" | "ready";
  loadedTx: number;
  loadedObs: number;
  totalTx: number;
  totalObs: number;
  /** 0..100 */
  pct: number;
}

/** Result of {@linkcode PacketStore.checkConsistency}. */
export interface ConsistencyReport {
  ok: boolean;
  /** Human-readable problems (capped at 200). */
  errors: string[];
  /** Counters checked, for the report. */
  checked: Record<string, number>;
}

/** Result of one eviction pass. */
export interface EvictionResult {
  evictedTx: number;
  evictedObs: number;
  byRetention: number;
  byMemory: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Rows moved out of sparse chunks. */
  relocatedTx: number;
  relocatedObs: number;
}

/** Injected SQL fetch for on-demand resolved paths: obs id -> JSON string or null. */
export type FetchResolvedPaths = (ids: number[]) => Map<number, string | null>;
