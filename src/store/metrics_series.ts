/**
 * Observer radio metrics in memory: one columnar, time-ordered series per
 * observer (noise floor, tx/rx airtime, receive errors, battery, packets sent
 * and received), fed at ingest from status messages and loaded once at
 * startup from `observer_metrics`. Points are on the same 300-second grid as
 * the table (a second message in one bucket merges into the point, non-null
 * values winning). History is bounded: points older than `metricsDays` are
 * dropped on append and by {@linkcode MetricsSeries.prune}; the bytes used are
 * reported by {@linkcode MetricsSeries.bytes}.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { checkStatusMetrics, type StatusMetricFields } from "../ingest/status_metrics_check.ts";
import { drainSliced } from "./next_turn.ts";

/** The metric columns, in storage order. */
export const METRIC_COLUMNS = [
  "noiseFloor",
  "txAirSecs",
  "rxAirSecs",
  "recvErrors",
  "batteryMv",
  "packetsSent",
  "packetsRecv",
] as const;

/** One metric column name. */
export type MetricColumn = typeof METRIC_COLUMNS[number];

/** Seconds per `observer_metrics` bucket. */
export const METRICS_BUCKET_SEC = 300;

const DAY_SEC = 86_400;
const BYTES_PER_POINT = 4 + 8 * METRIC_COLUMNS.length;
/** Version ranges of successive series never overlap (a re-created series is not "unchanged"). */
let seriesEpoch = 0;

/** One observer's time-ordered points (epoch seconds; NaN = null). */
export class ObserverSeries {
  /** The observer id as first seen (case preserved). */
  readonly id: string;
  #ts = new Uint32Array(16);
  #cols: Float64Array[] = METRIC_COLUMNS.map(() => new Float64Array(16));
  #n = 0;
  #version = ++seriesEpoch * 1_000_000_000;

  /** Creates an empty series for `id`. */
  constructor(id: string) {
    this.id = id;
  }

  /** Incremented on every change of this series (memo keys). */
  get version(): number {
    return this.#version;
  }

  /** Number of points. */
  get length(): number {
    return this.#n;
  }

  /** Time (epoch seconds) of point `i`. */
  time(i: number): number {
    return this.#ts[i];
  }

  /** Value of column `c` (index into {@linkcode METRIC_COLUMNS}) at point `i`, or null. */
  value(c: number, i: number): number | null {
    const v = this.#cols[c][i];
    return Number.isNaN(v) ? null : v;
  }

  /** Index of the first point at or after `sec`. */
  lowerBound(sec: number): number {
    let lo = 0, hi = this.#n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#ts[mid] < sec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds (or merges into) the point of bucket `sec`; keeps time order. */
  add(sec: number, f: StatusMetricFields): void {
    this.#version++;
    const i = this.lowerBound(sec);
    if (i >= this.#n || this.#ts[i] !== sec) {
      if (this.#n === this.#ts.length) this.#grow();
      if (i < this.#n) {
        this.#ts.copyWithin(i + 1, i, this.#n);
        for (const col of this.#cols) col.copyWithin(i + 1, i, this.#n);
      }
      this.#ts[i] = sec;
      for (const col of this.#cols) col[i] = NaN;
      this.#n++;
    }
    for (let c = 0; c < METRIC_COLUMNS.length; c++) {
      const v = f[METRIC_COLUMNS[c]];
      if (v !== null) this.#cols[c][i] = v;
    }
  }

  /** Drops the points before `sec`; returns how many were dropped. */
  dropBefore(sec: number): number {
    const k = this.lowerBound(sec);
    if (k === 0) return 0;
    this.#version++;
    this.#ts.copyWithin(0, k, this.#n);
    for (const col of this.#cols) col.copyWithin(0, k, this.#n);
    this.#n -= k;
    if (this.#n < this.#ts.length / 4 && this.#ts.length > 64) this.#resize(this.#ts.length >> 1);
    return k;
  }

  /** Bytes held by the arrays (capacity, not just the used part). */
  bytes(): number {
    return this.#ts.length * BYTES_PER_POINT;
  }

  /** Doubles small arrays, then grows by a quarter (a 30-day series wastes ~10 %, not ~50 %). */
  #grow(): void {
    const cap = this.#ts.length;
    this.#resize(cap < 1024 ? cap * 2 : Math.ceil(cap * 1.25));
  }

  #resize(cap: number): void {
    const ts = new Uint32Array(cap);
    ts.set(this.#ts.subarray(0, this.#n));
    this.#ts = ts;
    this.#cols = this.#cols.map((col) => {
      const next = new Float64Array(cap);
      next.set(col.subarray(0, this.#n));
      return next;
    });
  }
}

/** Counts of what {@linkcode MetricsSeries.load} read. */
export interface MetricsLoadSummary {
  rows: number;
  observers: number;
  /** Rows skipped because a value was garbage (see `status_metrics_check.ts`). */
  garbageRows: number;
}

/** Every observer's series (see the module doc). Observer ids match case-insensitively. */
export class MetricsSeries {
  /** Days of history kept. */
  readonly metricsDays: number;
  #byId = new Map<string, ObserverSeries>();
  #version = 0;
  #lastPrune = 0;

  /** Creates an empty set of series keeping `metricsDays` days (0 = unbounded). */
  constructor(metricsDays: number) {
    this.metricsDays = metricsDays;
  }

  /** Incremented on every change (memo keys). */
  get version(): number {
    return this.#version;
  }

  /** Loads the table's rows newer than the retention cut-off (once, at startup). */
  load(db: DatabaseSync, nowMs: number): MetricsLoadSummary {
    const rows = this.#loadRows(db, nowMs);
    for (;;) {
      const r = rows.next();
      if (r.done) return r.value;
    }
  }

  /**
   * {@linkcode load}, yielding to the event loop whenever `sliceMs` have passed (the server
   * answers HTTP meanwhile; 30 days of rows took 180 ms at once on L).
   */
  async loadSliced(db: DatabaseSync, nowMs: number, sliceMs: number): Promise<MetricsLoadSummary> {
    return await drainSliced(this.#loadRows(db, nowMs), sliceMs);
  }

  /** Reads the rows, pausing (a `yield`) every 64 rows; returns the counts. */
  *#loadRows(db: DatabaseSync, nowMs: number): Generator<void, MetricsLoadSummary> {
    const cutoff = this.#cutoffSec(nowMs);
    const since = new Date(Math.max(0, cutoff) * 1000).toISOString().slice(0, 19) + "Z";
    const rows = db.prepare(
      `SELECT observer_id AS id, timestamp AS ts, noise_floor AS nf, tx_air_secs AS tx,
         rx_air_secs AS rx, recv_errors AS err, battery_mv AS bat, packets_sent AS ps,
         packets_recv AS pr
       FROM observer_metrics WHERE timestamp >= ? ORDER BY observer_id, timestamp`,
    ).iterate(since);
    const out: MetricsLoadSummary = { rows: 0, observers: 0, garbageRows: 0 };
    const n = (v: unknown) => (typeof v === "number" ? v : null);
    for (const r of rows) {
      const sec = Math.floor(Date.parse(String(r.ts)) / 1000);
      if (!Number.isFinite(sec)) {
        out.garbageRows++;
        continue;
      }
      const check = checkStatusMetrics({
        noiseFloor: n(r.nf),
        txAirSecs: n(r.tx),
        rxAirSecs: n(r.rx),
        recvErrors: n(r.err),
        batteryMv: n(r.bat),
        packetsSent: n(r.ps),
        packetsRecv: n(r.pr),
      });
      if (!check.point) {
        out.garbageRows++;
        continue;
      }
      this.#series(String(r.id)).add(sec, check.point);
      out.rows++;
      if ((out.rows & 63) === 0) yield;
    }
    out.observers = this.#byId.size;
    this.#version++;
    return out;
  }

  /** Adds a checked point for `observerId` at `ms` (rounded down to its bucket). */
  add(observerId: string, ms: number, point: StatusMetricFields): void {
    const sec = Math.floor(ms / 1000);
    const bucket = sec - (sec % METRICS_BUCKET_SEC);
    this.#series(observerId).add(bucket, point);
    this.#version++;
    // Amortised retention: at most once an hour of data time.
    if (this.metricsDays > 0 && bucket - this.#lastPrune > 3600) {
      this.#lastPrune = bucket;
      this.prune(ms);
    }
  }

  /** Drops points older than the retention window; returns how many were dropped. */
  prune(nowMs: number): number {
    if (!(this.metricsDays > 0)) return 0;
    const cutoff = this.#cutoffSec(nowMs);
    let dropped = 0;
    for (const [key, s] of this.#byId) {
      dropped += s.dropBefore(cutoff);
      if (s.length === 0) this.#byId.delete(key);
    }
    if (dropped) this.#version++;
    return dropped;
  }

  /** The series of an observer (case-insensitive), if it has any point. */
  get(observerId: string): ObserverSeries | undefined {
    return this.#byId.get(observerId.toLowerCase());
  }

  /** Every series. */
  all(): IterableIterator<ObserverSeries> {
    return this.#byId.values();
  }

  /** Number of observers with points. */
  get size(): number {
    return this.#byId.size;
  }

  /** Total points held. */
  points(): number {
    let n = 0;
    for (const s of this.#byId.values()) n += s.length;
    return n;
  }

  /** Bytes held by every series (self-accounted, for `/metrics`). */
  bytes(): number {
    let b = 0;
    for (const s of this.#byId.values()) b += s.bytes() + 64 + s.id.length * 2;
    return b;
  }

  #cutoffSec(nowMs: number): number {
    return this.metricsDays > 0 ? Math.floor(nowMs / 1000) - this.metricsDays * DAY_SEC : 0;
  }

  #series(id: string): ObserverSeries {
    const key = id.toLowerCase();
    let s = this.#byId.get(key);
    if (!s) {
      s = new ObserverSeries(id);
      this.#byId.set(key, s);
    }
    return s;
  }
}
