/**
 * Health over time, in memory: observer radio metrics series
 * ({@linkcode MetricsSeries}), node and observer clock skew
 * ({@linkcode ClockSkewTracker}) and node battery / temperature from adverts
 * ({@linkcode NodeTelemetry}), plus the count of status messages whose
 * metrics were refused. Fed by the ingest pipeline (status messages,
 * advert sightings) and seeded once at startup from `observer_metrics` and the
 * adverts the packet store loaded. Bounded by `metricsDays` and per-node caps;
 * {@linkcode HealthStore.stats} reports the bytes used.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { decodePacket } from "../meshcore/mod.ts";
import {
  METRICS_REJECT_REASONS,
  type MetricsCheck,
  type MetricsRejectReason,
} from "../ingest/status_metrics_check.ts";
import { MetricsSeries } from "./metrics_series.ts";
import { ClockSkewTracker } from "./clock_skew.ts";
import { NodeTelemetry } from "./node_telemetry.ts";
import type { PacketStore } from "./packet_store.ts";

/** Reference default of `retention.metricsDays`. */
export const DEFAULT_METRICS_DAYS = 30;

const PAYLOAD_ADVERT = 4;

/** What the pipeline calls (a subset, so tests can stub it). */
export interface HealthSink {
  /** One status message's checked metrics (stored as a point, or counted as refused). */
  recordStatus(observerId: string, ms: number, check: MetricsCheck): void;
  /** One sighting of a verified ADVERT with its decoded payload. */
  recordAdvert(
    pubkey: string,
    hash: string,
    payload: Record<string, unknown>,
    observerId: string,
    ms: number,
  ): void;
}

/** Sizes and counters for `/metrics` and `/api/health`. */
export interface HealthStats {
  metricsObservers: number;
  metricsPoints: number;
  clockSkewNodes: number;
  bytes: { metrics: number; clockSkew: number; telemetry: number };
  statusRejected: Record<MetricsRejectReason, number>;
  statusStored: number;
  loadGarbageRows: number;
  /** Time the startup seeding took (metrics rows and the store's adverts), ms. */
  loadMs: number;
}

/** The health aggregates (see the module doc). */
export class HealthStore implements HealthSink {
  readonly metrics: MetricsSeries;
  readonly clock: ClockSkewTracker = new ClockSkewTracker();
  readonly telemetry: NodeTelemetry;
  #rejected = Object.fromEntries(METRICS_REJECT_REASONS.map((r) => [r, 0])) as Record<
    MetricsRejectReason,
    number
  >;
  #stored = 0;
  #loadGarbage = 0;
  #loadMs = 0;

  /** Creates empty aggregates keeping `metricsDays` days of history. */
  constructor(metricsDays = DEFAULT_METRICS_DAYS) {
    this.metrics = new MetricsSeries(metricsDays);
    this.telemetry = new NodeTelemetry(metricsDays);
  }

  /** Days of history kept. */
  get metricsDays(): number {
    return this.metrics.metricsDays;
  }

  /** Seeds the aggregates from `observer_metrics` and the store's adverts (once, at startup). */
  load(db: DatabaseSync, store: PacketStore, nowMs = Date.now()): void {
    const t0 = performance.now();
    this.#loadGarbage += this.metrics.load(db, nowMs).garbageRows;
    const page = store.listTransmissions(
      { payloadTypes: [PAYLOAD_ADVERT] },
      { limit: 100_000_000, order: "asc" },
      true,
    );
    for (const tx of page.items) {
      if (!tx.fromPubkey) continue;
      const d = decodePacket(tx.rawHex);
      const payload = d.payload as unknown as Record<string, unknown> | null;
      if (!d.valid || !payload) continue;
      for (const o of tx.observations ?? []) {
        this.recordAdvert(tx.fromPubkey, tx.hash, payload, o.observerId ?? "", o.timestampMs);
      }
    }
    this.clock.fleet(nowMs);
    this.#loadMs += performance.now() - t0;
  }

  /** See {@linkcode HealthSink.recordStatus}. */
  recordStatus(observerId: string, ms: number, check: MetricsCheck): void {
    if (!check.point) {
      if (check.reason) this.#rejected[check.reason]++;
      return;
    }
    this.metrics.add(observerId, ms, check.point);
    this.#stored++;
  }

  /** See {@linkcode HealthSink.recordAdvert}. */
  recordAdvert(
    pubkey: string,
    hash: string,
    payload: Record<string, unknown>,
    observerId: string,
    ms: number,
  ): void {
    if (observerId) this.clock.record(pubkey, hash, payload.timestamp, observerId, ms);
    this.telemetry.record(pubkey, hash, ms, payload.battery_mv, payload.temperature_c);
  }

  /** Applies the retention window to the in-memory series (the retention job calls it). */
  prune(nowMs = Date.now()): number {
    return this.metrics.prune(nowMs);
  }

  /** Sizes and counters. */
  stats(): HealthStats {
    return {
      metricsObservers: this.metrics.size,
      metricsPoints: this.metrics.points(),
      clockSkewNodes: this.clock.nodeCount,
      bytes: {
        metrics: this.metrics.bytes(),
        clockSkew: this.clock.bytes(),
        telemetry: this.telemetry.bytes(),
      },
      statusRejected: { ...this.#rejected },
      statusStored: this.#stored,
      loadGarbageRows: this.#loadGarbage,
      loadMs: Math.round(this.#loadMs),
    };
  }
}
