/**
 * Reading observer metrics series: a time range at a resolution (the last
 * point of each bucket, as CoreScope's `resolution=1h|1d` does), downsampled
 * to at most `maxPoints` buckets, with per-interval rates computed from the
 * cumulative counters (airtime percentages, receive error rate, packets per
 * hour) and reboots (a counter going down) flagged; and the one-row-per-
 * observer summary of a window (current / average / maximum noise floor,
 * battery, sample count, noise-floor sparkline).
 *
 * @module
 */

import { METRICS_BUCKET_SEC, type ObserverSeries } from "./metrics_series.ts";

/** Column indexes into `METRIC_COLUMNS`. */
const NF = 0, TX = 1, RX = 2, ERR = 3, BAT = 4, SENT = 5, RECV = 6;

/** Bucket sizes tried when a range has too many points, in seconds. */
const NICE_BUCKETS = [300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Resolutions accepted by `/api/observers/:id/metrics`. */
export const RESOLUTION_SEC = { "5m": 300, "1h": 3600, "1d": 86400 } as const;

/** One point of `/api/observers/:id/metrics` (CoreScope's field names). */
export interface MetricsSampleJson {
  timestamp: string;
  noise_floor: number | null;
  tx_air_secs?: number;
  rx_air_secs?: number;
  recv_errors?: number;
  battery_mv: number | null;
  packets_sent?: number;
  packets_recv?: number;
  tx_airtime_pct: number | null;
  rx_airtime_pct: number | null;
  recv_error_rate: number | null;
  /** hopwatch: packets received per hour over the interval, null without a delta. */
  packets_per_hour: number | null;
  is_reboot_sample?: boolean;
}

/** A range read of one series. */
export interface MetricsRange {
  metrics: MetricsSampleJson[];
  reboots: string[];
  /** Bucket size actually used, in seconds (after downsampling). */
  bucketSec: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const isoSec = (sec: number) => new Date(sec * 1000).toISOString().slice(0, 19) + "Z";

/** The typical spacing of a series' points in `[lo, hi)` (median of up to 64 gaps). */
function typicalInterval(s: ObserverSeries, lo: number, hi: number): number {
  const gaps: number[] = [];
  for (let i = Math.max(lo + 1, hi - 64); i < hi; i++) gaps.push(s.time(i) - s.time(i - 1));
  if (!gaps.length) return METRICS_BUCKET_SEC;
  gaps.sort((a, b) => a - b);
  return Math.max(METRICS_BUCKET_SEC, gaps[gaps.length >> 1]);
}

/**
 * Points of `s` in `[sinceSec, untilSec]` at `resolutionSec` (300 = raw points),
 * coarsened until at most `maxPoints` buckets remain.
 */
export function readRange(
  s: ObserverSeries,
  sinceSec: number,
  untilSec: number,
  resolutionSec: number,
  maxPoints = 500,
): MetricsRange {
  const lo = s.lowerBound(sinceSec);
  const hi = s.lowerBound(untilSec + 1);
  const count = hi - lo;
  let bucket = resolutionSec;
  const span = Math.max(1, untilSec - sinceSec);
  const buckets = (b: number) => Math.min(count, Math.floor(span / b) + 1);
  if (buckets(bucket) > maxPoints) {
    bucket = NICE_BUCKETS.find((b) => b > bucket && buckets(b) <= maxPoints) ??
      Math.ceil(span / maxPoints);
  }
  // Pick the last point of each bucket (raw points when the bucket is the table's grid).
  const idx: number[] = [];
  const stamps: number[] = [];
  const raw = bucket <= METRICS_BUCKET_SEC;
  for (let i = lo; i < hi; i++) {
    const t = s.time(i);
    const b = raw ? t : t - (t % bucket);
    if (stamps.length && stamps[stamps.length - 1] === b) idx[idx.length - 1] = i;
    else {
      idx.push(i);
      stamps.push(b);
    }
  }
  const gapLimit = 2 * Math.max(bucket, typicalInterval(s, lo, hi));
  const metrics: MetricsSampleJson[] = [];
  const reboots: string[] = [];
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const sample: MetricsSampleJson = {
      timestamp: isoSec(stamps[k]),
      noise_floor: s.value(NF, i),
      battery_mv: s.value(BAT, i),
      tx_airtime_pct: null,
      rx_airtime_pct: null,
      recv_error_rate: null,
      packets_per_hour: null,
    };
    const counters: [number, keyof MetricsSampleJson][] = [
      [TX, "tx_air_secs"],
      [RX, "rx_air_secs"],
      [ERR, "recv_errors"],
      [SENT, "packets_sent"],
      [RECV, "packets_recv"],
    ];
    for (const [c, key] of counters) {
      const v = s.value(c, i);
      if (v !== null) (sample as unknown as Record<string, number>)[key] = v;
    }
    metrics.push(sample);
    if (k === 0) continue;
    const p = idx[k - 1];
    const dt = s.time(i) - s.time(p);
    if (dt <= 0 || dt > gapLimit) continue;
    const delta = (c: number) => {
      const a = s.value(c, p), b = s.value(c, i);
      return a === null || b === null ? null : b - a;
    };
    const deltas = [TX, RX, ERR, SENT, RECV].map(delta);
    if (deltas.some((d) => d !== null && d < 0)) {
      sample.is_reboot_sample = true;
      reboots.push(sample.timestamp);
      continue;
    }
    const [dTx, dRx, dErr, , dRecv] = deltas;
    const pct = (d: number) => round2(Math.min(100, Math.max(0, (d / dt) * 100)));
    if (dTx !== null) sample.tx_airtime_pct = pct(dTx);
    if (dRx !== null) sample.rx_airtime_pct = pct(dRx);
    if (dErr !== null && dRecv !== null && dErr + dRecv > 0) {
      sample.recv_error_rate = round2((dErr / (dErr + dRecv)) * 100);
    }
    if (dRecv !== null) sample.packets_per_hour = round2((dRecv / dt) * 3600);
  }
  return { metrics, reboots, bucketSec: bucket };
}

/** One row of `/api/observers/metrics/summary` (CoreScope's field names). */
export interface MetricsSummaryRow {
  observer_id: string;
  observer_name: string | null;
  iata?: string;
  current_noise_floor: number | null;
  avg_noise_floor_24h: number | null;
  max_noise_floor_24h: number | null;
  battery_mv: number | null;
  sample_count: number;
  sparkline: (number | null)[];
}

/** Summary of one series over `[sinceSec, ∞)`, or null when it has no point there. */
export function summarize(
  s: ObserverSeries,
  sinceSec: number,
  sparkPoints = 96,
): Omit<MetricsSummaryRow, "observer_name" | "iata"> | null {
  const lo = s.lowerBound(sinceSec);
  const hi = s.length;
  if (hi <= lo) return null;
  let sum = 0, n = 0, max = -Infinity;
  for (let i = lo; i < hi; i++) {
    const v = s.value(NF, i);
    if (v === null) continue;
    sum += v;
    n++;
    if (v > max) max = v;
  }
  // Sparkline: the mean noise floor of up to `sparkPoints` equal slices of the points.
  const count = hi - lo;
  const per = Math.max(1, Math.ceil(count / sparkPoints));
  const sparkline: (number | null)[] = [];
  for (let a = lo; a < hi; a += per) {
    let ss = 0, sn = 0;
    for (let i = a; i < Math.min(hi, a + per); i++) {
      const v = s.value(NF, i);
      if (v !== null) {
        ss += v;
        sn++;
      }
    }
    sparkline.push(sn ? round2(ss / sn) : null);
  }
  return {
    observer_id: s.id,
    current_noise_floor: s.value(NF, hi - 1),
    avg_noise_floor_24h: n ? round2(sum / n) : null,
    max_noise_floor_24h: n ? max : null,
    battery_mv: s.value(BAT, hi - 1),
    sample_count: count,
    sparkline,
  };
}
