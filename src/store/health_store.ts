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
import { nextTurn } from "./next_turn.ts";

/** Reference default of `retention.metricsDays`. */
export const DEFAULT_METRICS_DAYS = 30;

const PAYLOAD_ADVERT = 4;
/** Adverts per slice of the startup seeding. */
export const LOAD_SLICE = 500;

/**
 * The sender timestamp of an ADVERT from its raw hex (u32 LE after the 32-byte public key), or
 * null when the bytes are not there. Header byte, 4 transport-code bytes on routes 0 and 3, the
 * path byte and its hops come first.
 */
export function advertTimestamp(rawHex: string): number | null {
  const b = (i: number) => parseInt(rawHex.slice(i * 2, i * 2 + 2), 16);
  const route = b(0) & 3;
  let off = route === 0 || route === 3 ? 5 : 1;
  const path = b(off);
  if (!Number.isFinite(path)) return null;
  off += 1 + ((path >> 6) + 1) * (path & 0x3f);
  const at = off + 32;
  if ((at + 4) * 2 > rawHex.length) return null;
  const v = b(at) + b(at + 1) * 0x100 + b(at + 2) * 0x10000 + b(at + 3) * 0x1000000;
  return Number.isFinite(v) ? v : null;
}

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
  /** Event-loop time the startup seeding took (metrics rows and the store's adverts), ms. */
  loadMs: number;
  /** Wall time of the seeding, yields included, ms. */
  loadWallMs: number;
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
  #loadWallMs = 0;

  /** Creates empty aggregates keeping `metricsDays` days of history. */
  constructor(metricsDays = DEFAULT_METRICS_DAYS) {
    this.metrics = new MetricsSeries(metricsDays);
    this.telemetry = new NodeTelemetry(metricsDays);
  }

  /** Days of history kept. */
  get metricsDays(): number {
    return this.metrics.metricsDays;
  }

  /**
   * Seeds the aggregates from `observer_metrics` and the store's adverts (once, at startup), in
   * slices of {@linkcode LOAD_SLICE} adverts that yield to the event loop. The advert timestamp
   * is read straight from the raw bytes; only adverts of nodes known to report battery or
   * temperature are decoded in full. With `sliceMs`, every step (metrics rows, adverts, the
   * clock-skew fleet) also yields whenever that long has passed (on L, 500 adverts took 40-90
   * ms and the metrics rows 180 ms at once).
   */
  async load(
    db: DatabaseSync,
    store: PacketStore,
    nowMs = Date.now(),
    telemetryNodes?: (pubkey: string) => boolean,
    sliceMs = Infinity,
  ): Promise<void> {
    const t0 = performance.now();
    let busy = performance.now();
    const sliced = Number.isFinite(sliceMs);
    const metrics = sliced
      ? await this.metrics.loadSliced(db, nowMs, sliceMs)
      : this.metrics.load(db, nowMs);
    this.#loadGarbage += metrics.garbageRows;
    const { ids } = store.listTransmissionIds(
      { payloadTypes: [PAYLOAD_ADVERT] },
      { limit: 100_000_000, order: "asc" },
    );
    for (let i = 0; i < ids.length; i++) {
      if (
        i % LOAD_SLICE === LOAD_SLICE - 1 ||
        (sliced && (i & 15) === 15 && performance.now() - busy >= sliceMs)
      ) {
        this.#loadMs += performance.now() - busy;
        await nextTurn();
        busy = performance.now();
      }
      const tx = store.getByTxId(ids[i], true);
      if (!tx?.fromPubkey) continue;
      const ts = advertTimestamp(tx.rawHex);
      if (ts === null) continue;
      const pk = tx.fromPubkey;
      for (const o of tx.observations ?? []) {
        if (o.observerId) this.clock.record(pk, tx.hash, ts, o.observerId, o.timestampMs);
      }
      if (telemetryNodes && !telemetryNodes(pk)) continue;
      const d = decodePacket(tx.rawHex);
      const payload = d.payload as unknown as Record<string, unknown> | null;
      if (d.valid && payload) {
        this.telemetry.record(
          pk,
          tx.hash,
          tx.firstSeenMs,
          payload.battery_mv,
          payload.temperature_c,
        );
      }
    }
    if (sliced) {
      this.#loadMs += performance.now() - busy;
      await this.clock.warm(nowMs, sliceMs);
      busy = performance.now();
    } else this.clock.fleet(nowMs);
    this.#loadMs += performance.now() - busy;
    this.#loadWallMs = performance.now() - t0;
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
      loadWallMs: Math.round(this.#loadWallMs),
    };
  }
}
