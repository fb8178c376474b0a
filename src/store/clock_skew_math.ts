/**
 * Definitions of clock-skew figures shared with CoreScope (facts, not code):
 * severity thresholds, the recent-window and bimodal rules, and a robust drift
 * estimate (Theil–Sen slope after dropping clock-correction jumps).
 *
 * Skew is `advert timestamp − receive time` in seconds: positive = the node's
 * clock is ahead.
 *
 * @module
 */

/** Severity of a node's clock. */
export type SkewSeverity = "ok" | "warning" | "critical" | "absurd" | "no_clock" | "bimodal_clock";

/** Thresholds and limits, in seconds unless stated. */
export const SKEW = {
  /** `warning` from 5 minutes. */
  warnSec: 5 * 60,
  /** `critical` from 1 hour. */
  criticalSec: 60 * 60,
  /** `absurd` from 30 days. */
  absurdSec: 30 * 86_400,
  /** `no_clock` from 365 days (an RTC that was never set). */
  noClockSec: 365 * 86_400,
  /** Fewest adverts for a drift figure. */
  minDriftSamples: 5,
  /** Drift beyond one day per day is reported as 0 (not enough good samples). */
  maxDriftPerDay: 86_400,
  /** The "recent" window: at most this many latest adverts ... */
  recentCount: 5,
  /** ... all within this many seconds of the latest. */
  recentWindowSec: 3600,
  /** A recent sample above this is "bad" for the bimodal split. */
  bimodalSec: 3600,
  /** A sample above this is an RTC reset: left out of the good/bad split. */
  rtcResetSec: 86_400,
  /** A jump between consecutive samples above this is a correction, not drift. */
  maxJumpSec: 60,
  /** Most points fed to the Theil–Sen slope (the latest ones). */
  theilSenMax: 200,
  /** Adverts with a timestamp outside 2020-01-01 .. 2100-01-01 are ignored. */
  minAdvertTs: 1_577_836_800,
  maxAdvertTs: 4_102_444_800,
} as const;

/** Severity of an absolute skew. */
export function classifySkew(absSec: number): SkewSeverity {
  if (absSec >= SKEW.noClockSec) return "no_clock";
  if (absSec >= SKEW.absurdSec) return "absurd";
  if (absSec >= SKEW.criticalSec) return "critical";
  if (absSec >= SKEW.warnSec) return "warning";
  return "ok";
}

/** Rounds to `d` decimals. */
export function roundTo(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Median (0 for an empty list). */
export function median(xs: readonly number[]): number {
  if (!xs.length) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Mean (0 for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** A (time, skew) point, seconds. */
export interface SkewPoint {
  ts: number;
  skew: number;
}

/** Median pairwise slope (seconds per second); points sorted by time. */
function theilSen(points: readonly SkewPoint[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j].ts - points[i].ts;
      if (dt > 0) slopes.push((points[j].skew - points[i].skew) / dt);
    }
  }
  return median(slopes);
}

/**
 * Drift in seconds per day from time-ordered points: 0 below one hour of span;
 * jumps larger than {@linkcode SKEW.maxJumpSec} from the last accepted point
 * are dropped first (unless that leaves less than an hour).
 */
export function driftPerDay(points: readonly SkewPoint[]): number {
  if (points.length < 2) return 0;
  const span = (p: readonly SkewPoint[]) => p[p.length - 1].ts - p[0].ts;
  if (span(points) < 3600) return 0;
  let kept: SkewPoint[] = [points[0]];
  for (let i = 1; i < points.length; i++) {
    if (Math.abs(points[i].skew - kept[kept.length - 1].skew) <= SKEW.maxJumpSec) {
      kept.push(points[i]);
    }
  }
  if (kept.length < 2 || span(kept) < 3600) kept = points.slice();
  if (kept.length > SKEW.theilSenMax) kept = kept.slice(kept.length - SKEW.theilSenMax);
  return theilSen(kept) * 86_400;
}

/** The recent-window verdict of a node (see {@linkcode recentVerdict}). */
export interface RecentVerdict {
  severity: SkewSeverity;
  recentSkew: number;
  goodFraction: number;
  recentSampleCount: number;
  recentBadCount: number;
  /** Indexes (into the given points) of the recent bad samples (1 h < |skew| <= 24 h). */
  badIndexes: number[];
}

/**
 * Severity from the latest samples only: the last {@linkcode SKEW.recentCount}
 * points, narrowed to those within an hour of the latest. RTC resets (> 24 h)
 * are left out; fewer than 10 % good samples = `no_clock`; under 80 % good
 * with a bad one = `bimodal_clock`; otherwise the median of the good samples
 * is classified.
 */
export function recentVerdict(points: readonly SkewPoint[], fallback: number): RecentVerdict {
  const n = points.length;
  let start = Math.max(0, n - SKEW.recentCount);
  if (n > 0) {
    const latest = points[n - 1].ts;
    let byTime = n - 1;
    for (let i = n - 1; i >= 0 && latest - points[i].ts <= SKEW.recentWindowSec; i--) byTime = i;
    start = Math.max(start, byTime);
  }
  const recent = points.slice(start);
  let recentSkew = recent.length ? median(recent.map((p) => p.skew)) : fallback;
  const good: number[] = [];
  const badIndexes: number[] = [];
  let resets = 0;
  recent.forEach((p, k) => {
    const a = Math.abs(p.skew);
    if (a > SKEW.rtcResetSec) resets++;
    else if (a <= SKEW.bimodalSec) good.push(p.skew);
    else badIndexes.push(start + k);
  });
  const recentSampleCount = recent.length - resets;
  const recentBadCount = recentSampleCount - good.length;
  const goodFraction = recentSampleCount > 0 ? good.length / recentSampleCount : 0;
  let severity: SkewSeverity;
  if (goodFraction < 0.1) severity = "no_clock";
  else if (goodFraction < 0.8 && recentBadCount > 0) {
    severity = "bimodal_clock";
    if (good.length) recentSkew = median(good);
  } else {
    if (good.length) recentSkew = median(good);
    severity = classifySkew(Math.abs(recentSkew));
  }
  return { severity, recentSkew, goodFraction, recentSampleCount, recentBadCount, badIndexes };
}
