/**
 * Types of the single writer (`writer.ts`): the rows callers enqueue, the queued operations, and
 * the batch reports and counters the writer publishes.
 *
 * @module
 */

import type { DbLog } from "./migrations.ts";

/** A transmission to insert (ids come from `DbWriter.nextTransmissionId()`). */
export interface TransmissionInsert {
  id: number;
  rawHex: string;
  hash: string;
  /** RFC3339 ingest time of this sighting; moves the row's `first_seen` earlier on conflict. */
  firstSeen: string;
  routeType: number | null;
  payloadType: number | null;
  payloadVersion?: number | null;
  decodedJson: string | null;
  channelHash?: string | null;
  fromPubkey?: string | null;
  /** Epoch seconds of this sighting; only moves `last_seen` forward. */
  lastSeen: number;
  scopeName?: string | null;
}

/** An observation upsert (ids come from `DbWriter.nextObservationId()`). */
export interface ObservationUpsert {
  id: number;
  transmissionId: number;
  /** `observers.rowid` from `DbWriter.observerIdx()`; never null. */
  observerIdx: number;
  direction?: string | null;
  snr?: number | null;
  rssi?: number | null;
  score?: number | null;
  /** JSON array of uppercase hops, `"[]"` for zero hops. */
  pathJson: string | null;
  /** Epoch seconds, ingest time. */
  timestamp: number;
  /** JSON array parallel to `pathJson`, or null; all-null or wrong-length values become NULL. */
  resolvedPath?: string | null;
  rawHex?: string | null;
}

/** A node upsert (ADVERT). Missing values keep the stored ones (COALESCE). */
export interface NodeUpsert {
  /** Public key; stored lowercase. */
  publicKey: string;
  name?: string | null;
  role?: string | null;
  lat?: number | null;
  lon?: number | null;
  /** RFC3339 ingest time. A stored future `last_seen` is clamped to now before the MAX. */
  lastSeen: string;
  /** RFC3339; defaults to `lastSeen`; only moves earlier. */
  firstSeen?: string | null;
  batteryMv?: number | null;
  temperatureC?: number | null;
  foreignAdvert?: 0 | 1 | null;
  defaultScope?: string | null;
  /** Only ever raised (MAX) once multi-byte support was seen. */
  multibyteSup?: 0 | 1 | null;
  multibyteEvidence?: string | null;
  /** 1 when the advert created a new transmission. */
  advertIncrement: 0 | 1;
}

/** Observer bookkeeping for one received packet: `packet_count + 1`, `last_packet_at`. */
export interface ObserverPacketUpsert {
  /** Observer id as received. */
  id: string;
  name?: string | null;
  iata?: string | null;
  /** RFC3339 ingest time. */
  seenAt: string;
  clockSkewSeconds?: number | null;
  clockSkewCount24h?: number | null;
  clockLastNaiveAt?: string | null;
}

/** Observer status message fields; `canRelay` non-null also sets `can_relay_seen = 1`. */
export interface ObserverStatusUpdate {
  id: string;
  name?: string | null;
  iata?: string | null;
  /** RFC3339 ingest time. */
  seenAt: string;
  model?: string | null;
  firmware?: string | null;
  clientVersion?: string | null;
  radio?: string | null;
  batteryMv?: number | null;
  uptimeSecs?: number | null;
  noiseFloor?: number | null;
  canRelay?: boolean | null;
  clockSkewSeconds?: number | null;
  clockSkewCount24h?: number | null;
  clockLastNaiveAt?: string | null;
}

/** One `observer_metrics` sample; `timestamp` is rounded down to its 300 s bucket. */
export interface ObserverMetricsInsert {
  observerId: string;
  /** RFC3339 or epoch seconds. */
  timestamp: string | number;
  noiseFloor?: number | null;
  txAirSecs?: number | null;
  rxAirSecs?: number | null;
  recvErrors?: number | null;
  batteryMv?: number | null;
  packetsSent?: number | null;
  packetsRecv?: number | null;
}

/** A packet dropped at ingest (e.g. bad signature). */
export interface DroppedPacketInsert {
  hash: string | null;
  rawHex: string | null;
  reason: string;
  observerId?: string | null;
  observerName?: string | null;
  nodePubkey?: string | null;
  nodeName?: string | null;
  /** RFC3339; defaults to the enqueue time. */
  droppedAt?: string | null;
}

/** One queued operation (internal kinds `txLastSeen` come from coalescing observations). */
export type WriteOp =
  | { kind: "transmission"; row: TransmissionInsert }
  | { kind: "observation"; row: ObservationUpsert }
  | { kind: "node"; row: NodeUpsert }
  | { kind: "observer"; row: ObserverPacketUpsert; packets: number; firstSeenAt: string }
  | { kind: "observerStatus"; row: ObserverStatusUpdate }
  | { kind: "observerMetrics"; row: ObserverMetricsInsert & { timestamp: string } }
  | { kind: "dropped"; row: DroppedPacketInsert & { droppedAt: string } }
  | { kind: "relay"; pubkey: string; seenAt: string; count: number }
  | { kind: "edge"; a: string; b: string; count: number; lastSeen: string }
  | { kind: "resolvedPath"; observationId: number; json: string | null }
  | { kind: "txLastSeen"; transmissionId: number; lastSeen: number };

/** Operation kinds. */
export type OpKind = WriteOp["kind"];

/** What applying an op revealed (collected per attempt, kept only when it commits). */
export interface ApplyEffects {
  /** Transmission ids that already existed under another id (hash conflict): requested → actual. */
  txRemap: Map<number, number>;
  /** Observations that hit the uniqueness key: requested id → surviving id. */
  obsDedups: Array<{ requested: number; actual: number }>;
  /** Relay keys found in neither `nodes` nor `inactive_nodes`. */
  relaysUnknown: string[];
}

/** Options of `DbWriter`. */
export interface DbWriterOptions {
  /** Longest time an op waits before its batch is committed. Default 250 ms. */
  flushIntervalMs?: number;
  /** Commit as soon as this many ops are pending. Default 2000. */
  maxBatchRows?: number;
  /** Logger; default: the database's logger. */
  log?: DbLog;
  /** Clock (future-time clamps, default times). Default: `new Date()`. */
  now?: () => Date;
}

/** Why a batch was committed. */
export type FlushReason = "time" | "count" | "manual" | "close";

/** One op that could not be written. */
export interface FailedWrite {
  kind: OpKind;
  /** Human-readable key, e.g. `observation 12 (transmission 7)`. */
  key: string;
  /** The SQLite error message. */
  error: string;
}

/** Report of one committed batch, passed to `onFlush` listeners. */
export interface FlushInfo {
  reason: FlushReason;
  /** Ops enqueued by callers in this batch. */
  rows: number;
  /** Statement units executed after coalescing (observer, relay and last_seen ops merged). */
  units: number;
  /** Enqueued ops per kind. */
  counts: Partial<Record<OpKind, number>>;
  /** `batch` when the whole batch committed at once, `row-by-row` after two failures. */
  mode: "batch" | "row-by-row";
  /** 1, 2 (retry succeeded) or 3 (row by row). */
  attempts: number;
  durationMs: number;
  /** Ops that were not written (only in `row-by-row` mode, or all ops if even that failed). */
  failed: FailedWrite[];
  /** Transmissions whose hash already existed under another id: the store must use `actual`. */
  transmissionRemaps: Array<{ requested: number; actual: number }>;
  /** Observations merged into an existing row by the uniqueness key. */
  observationDedups: Array<{ requested: number; actual: number }>;
  /** Relay keys present in neither `nodes` nor `inactive_nodes` (nothing was written). */
  relaysUnknown: string[];
}

/** Cumulative counters. */
export interface WriterStats {
  batches: number;
  rows: number;
  failedBatches: number;
  retriesSucceeded: number;
  rowByRowBatches: number;
  failedRows: number;
  transmissionRemaps: number;
  observationDedups: number;
  invalidResolvedPaths: number;
  relaysUnknown: number;
  lastError: string | null;
}
