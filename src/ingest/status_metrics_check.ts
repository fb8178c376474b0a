/**
 * Range checks of the radio metrics an observer status message carries
 * (noise floor, airtime and packet counters, battery). A status message whose
 * metrics are all absent, or that carries a garbage value, yields no metrics
 * point: the caller counts it by {@linkcode MetricsRejectReason} and stores
 * nothing for it, so charts never show a -9999 dBm noise floor or a negative
 * airtime. Garbage fields are also nulled in {@linkcode MetricsCheck.clean}, so
 * the observer row never shows them either.
 *
 * Kept as one small pure function so the ingest validation boundary can call
 * it with the other input checks.
 *
 * @module
 */

/** The metric fields of a status message (null when absent). */
export interface StatusMetricFields {
  noiseFloor: number | null;
  txAirSecs: number | null;
  rxAirSecs: number | null;
  recvErrors: number | null;
  batteryMv: number | null;
  packetsSent: number | null;
  packetsRecv: number | null;
}

/** Why a status message produced no metrics point. */
export type MetricsRejectReason =
  | "no-metrics"
  | "noise-floor-range"
  | "negative-airtime"
  | "negative-counter"
  | "battery-range";

/** Every reject reason, in a stable order (counters, metrics). */
export const METRICS_REJECT_REASONS: readonly MetricsRejectReason[] = [
  "no-metrics",
  "noise-floor-range",
  "negative-airtime",
  "negative-counter",
  "battery-range",
];

/** Plausible noise floor in dBm (inclusive). */
export const NOISE_FLOOR_RANGE = { min: -150, max: 0 } as const;
/** Plausible battery voltage in millivolts (inclusive); 0 means "not reported" on some firmware. */
export const BATTERY_RANGE_MV = { min: 1, max: 20_000 } as const;

/** Outcome of {@linkcode checkStatusMetrics}. */
export interface MetricsCheck {
  /** The fields with every garbage value replaced by null. */
  clean: StatusMetricFields;
  /** The point to store, or null when the message is rejected. */
  point: StatusMetricFields | null;
  /** The first reason the message was rejected, or null when `point` is set. */
  reason: MetricsRejectReason | null;
}

const finite = (v: number | null): v is number => typeof v === "number" && Number.isFinite(v);

/** Checks the metric fields of one status message (see the module doc). */
export function checkStatusMetrics(m: StatusMetricFields): MetricsCheck {
  const clean: StatusMetricFields = {
    noiseFloor: finite(m.noiseFloor) ? m.noiseFloor : null,
    txAirSecs: finite(m.txAirSecs) ? m.txAirSecs : null,
    rxAirSecs: finite(m.rxAirSecs) ? m.rxAirSecs : null,
    recvErrors: finite(m.recvErrors) ? m.recvErrors : null,
    batteryMv: finite(m.batteryMv) ? m.batteryMv : null,
    packetsSent: finite(m.packetsSent) ? m.packetsSent : null,
    packetsRecv: finite(m.packetsRecv) ? m.packetsRecv : null,
  };
  let reason: MetricsRejectReason | null = null;
  const reject = (r: MetricsRejectReason) => {
    reason ??= r;
  };
  if (
    clean.noiseFloor !== null &&
    (clean.noiseFloor < NOISE_FLOOR_RANGE.min || clean.noiseFloor > NOISE_FLOOR_RANGE.max)
  ) {
    clean.noiseFloor = null;
    reject("noise-floor-range");
  }
  for (const k of ["txAirSecs", "rxAirSecs"] as const) {
    if (clean[k] !== null && clean[k]! < 0) {
      clean[k] = null;
      reject("negative-airtime");
    }
  }
  for (const k of ["recvErrors", "packetsSent", "packetsRecv"] as const) {
    if (clean[k] !== null && clean[k]! < 0) {
      clean[k] = null;
      reject("negative-counter");
    }
  }
  if (
    clean.batteryMv !== null &&
    (clean.batteryMv < BATTERY_RANGE_MV.min || clean.batteryMv > BATTERY_RANGE_MV.max)
  ) {
    clean.batteryMv = null;
    reject("battery-range");
  }
  if (reason === null && Object.values(clean).every((v) => v === null)) reason = "no-metrics";
  return { clean, point: reason === null ? clean : null, reason };
}
