/**
 * What the API needs from the rest of the process ({@linkcode ApiDeps}, given
 * by `main.ts`) and the per-app context the route modules work with
 * ({@linkcode ApiContext}, built once by `createApp`).
 *
 * @module
 */

import type { BackfillProgress } from "../resolve/backfill.ts";
import type { CheckpointerStats } from "../db/checkpointer.ts";
import type { DatabaseSync } from "node:sqlite";
import type { Hono } from "hono";
import type { HopwatchConfig } from "../cli/config.ts";
import type { KeyRing } from "../meshcore/types.ts";
import type { NodeDirectory } from "../store/node_directory.ts";
import type { PacketStore } from "../store/packet_store.ts";
import type { HopResolver } from "../resolve/resolver.ts";
import type { IngestCountersSnapshot } from "../ingest/counters.ts";
import type { BufferStats, MqttSourceStatus } from "../ingest/mqtt_support.ts";
import type { WsHub } from "./ws_hub.ts";
import type { EventLoopMonitor, MetricsRegistry } from "./metrics.ts";
import type { ObserverSource } from "./observer_source.ts";
import type { DecodedCache } from "./decoded_cache.ts";
import type { TtlCache } from "./ttl_cache.ts";
import type { HealthStore } from "../store/health_store.ts";
import type { GeoRuntime } from "./geo_common.ts";

/** Body of `POST /api/packets`, validated before `ingestPacket` is called. */
export interface IngestPacketRequest {
  /** Uppercase hex, whitespace stripped, at least 2 bytes, decodable. */
  hex: string;
  /** Observer id (default: the pipeline's choice, e.g. `api`). */
  observer?: string;
  snr?: number;
  rssi?: number;
}

/** What `POST /api/packets` answers: the transmission id and the decoded packet. */
export interface IngestPacketResult {
  id: number;
  decoded: unknown;
}

/** The pipeline counters the API reads (`PipelineCounters.snapshot()`). */
export interface PipelineStatsSnapshot {
  stored: number;
  newTransmissions: number;
  duplicate: number;
  status: number;
  dropped: Record<string, number>;
}

/** Background maintenance shown by `/api/health` and `/metrics` (the server's jobs). */
export interface MaintenanceStatus {
  /** Hop-resolution backfill progress, null before the first run. */
  backfill: BackfillProgress | null;
  /** SQLite retention runs and what the last one removed. */
  retention: {
    runs: number;
    last: { packets: number; nodesMoved: number; observersMarked: number } | null;
  };
  /** Store eviction passes. */
  evictions: number;
  /** WAL checkpoints. */
  walCheckpoints: CheckpointerStats;
  /**
   * Background work running now: "startup" (store load and seeding, before the periodic jobs
   * start), "backfill", "retention", "reach" (the reach index build). Empty when every job is
   * idle (bench/jobs_read_bench.ts).
   */
  busy?: string[];
}

/** Build information shown by `/api/stats` and `/api/health`. */
export interface BuildInfo {
  version: string;
  commit?: string | null;
  buildTime?: string | null;
}

/** Everything the API is built over. Only the first block is required. */
export interface ApiDeps {
  /** Effective configuration (limits, rate limits, CORS, API key, presentation keys). */
  config: HopwatchConfig;
  /** The loaded (or loading) packet store; `store.progress` drives the load status. */
  store: PacketStore;
  /** The node directory shared with the store and the resolver. */
  nodes: NodeDirectory;
  /** The hop resolver (for `/api/resolve-hops` and paths with no stored resolution). */
  resolver: HopResolver;
  /** A read connection (read-only, or the writer connection) for SQL fallbacks. */
  db: DatabaseSync;
  /** Inserts one packet through the ingest pipeline (API key checked before). */
  ingestPacket(body: IngestPacketRequest): Promise<IngestPacketResult>;
  /** The WebSocket hub the pipeline broadcasts to. */
  hub: WsHub;

  /** Channel keys for decoding on demand (default: none, the built-in Public key only). */
  keyRing?: KeyRing;
  /** Shared metrics registry (default: a new one). */
  metrics?: MetricsRegistry;
  /** Started event-loop lag monitor, shown in `/metrics` and `/api/health`. */
  eventLoop?: EventLoopMonitor;
  /** Process start time, epoch ms (default: when `createApp` ran). */
  startTime?: number;
  /** Clock (tests pin it to the fixture's time). */
  now?: () => number;
  /** Ingest counters snapshot (`IngestCounters.snapshot`). */
  ingestStats?: () => IngestCountersSnapshot;
  /** Pipeline counters (`IngestPipeline.counters.snapshot`): stored, duplicates, drops by reason. */
  pipelineStats?: () => PipelineStatsSnapshot;
  /** MQTT sources and buffer (`MqttIngest.status` / `bufferStats`). */
  mqttStatus?: () => { sources: MqttSourceStatus[]; buffer?: BufferStats };
  /** Version, commit and build time. */
  build?: BuildInfo;
  /** Background jobs: backfill progress, retention, WAL checkpoints. */
  maintenance?: () => MaintenanceStatus;
  /**
   * Makes a checked, consistent copy of the database in a temporary file for `GET /api/backup`;
   * `cleanup` removes it once streamed. Absent: the route answers 404.
   */
  backup?: () => Promise<{ path: string; cleanup: () => void }>;
  /**
   * Subscribes to "the observers table changed" (a new observer, a status message), so the
   * cached observer list (api.md: 30 s) is dropped at once instead of going stale.
   */
  observerChanges?: (listener: () => void) => void;
  /** Mounts the web UI after the API routes (its catch-all must not shadow `/api/*`). */
  mountUi?: (app: Hono) => void;
  /** Observer metrics series, clock skew and node telemetry (default: built from `db`). */
  health?: HealthStore;
  /** Trust `X-Forwarded-For` for the client address (behind a reverse proxy). Default false. */
  trustProxy?: boolean;
  /** Client-reception grid index and geofilter gate (coverage endpoints; 404 without). */
  geo?: GeoRuntime;
}

/** The per-app context the route modules receive. */
export interface ApiContext extends ApiDeps {
  now: () => number;
  startTime: number;
  metrics: MetricsRegistry;
  observers: ObserverSource;
  decoded: DecodedCache;
  cache: TtlCache;
  /** Whether the store finished loading. */
  ready(): boolean;
}
