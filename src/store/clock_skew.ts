/**
 * Clock skew of nodes and observers, fed at ingest: every sighting of an
 * ADVERT records `(node, hash, advert timestamp, observer, receive time)` into
 * a small per-node aggregate (its latest {@linkcode MAX_HASHES} adverts, at
 * most {@linkcode MAX_OBSERVERS_PER_HASH} sightings each). Nothing here reads
 * `observations`.
 *
 * Observer calibration: for adverts heard by two or more observers, each
 * observer's receive time minus the median receive time of that advert; an
 * observer's offset is the median of those deviations (positive = its clock
 * is ahead). A node's skew per advert is the median over its sightings of
 * `advert ts − receive time + observer offset`; the node's figures (median,
 * mean, last, recent verdict, drift) follow `clock_skew_math.ts`. Offsets and
 * the fleet list are memoised and recomputed at most every
 * {@linkcode RECOMPUTE_MS} once something changed.
 *
 * @module
 */

import {
  driftPerDay,
  mean,
  median,
  recentVerdict,
  roundTo,
  SKEW,
  type SkewPoint,
  type SkewSeverity,
} from "./clock_skew_math.ts";
import { drainSliced, sliceClock } from "./next_turn.ts";

/** Adverts kept per node (the latest ones). */
export const MAX_HASHES = 64;
/** Sightings kept per advert. */
export const MAX_OBSERVERS_PER_HASH = 16;
/** Minimum time between recomputations of the memoised offsets and fleet list. */
export const RECOMPUTE_MS = 30_000;

interface Advert {
  hash: string;
  advertTs: number;
  /** Interned observer indexes and receive times (epoch seconds), in arrival order. */
  obs: number[];
  sec: number[];
  /** Median receive time, cached for `midN` sightings. */
  mid: number;
  midN: number;
}

/** An observer's clock offset (CoreScope's `ObserverCalibration`). */
export interface ObserverCalibration {
  observerID: string;
  offsetSec: number;
  samples: number;
}

/** One observer's part of an advert's evidence. */
export interface HashEvidenceObserver {
  observerID: string;
  observerName: string;
  rawSkewSec: number;
  correctedSkewSec: number;
  observerOffsetSec: number;
  calibrated: boolean;
}

/** A node's clock skew (CoreScope's `NodeClockSkew` field names). */
export interface NodeClockSkew {
  pubkey: string;
  meanSkewSec: number;
  medianSkewSec: number;
  lastSkewSec: number;
  recentMedianSkewSec: number;
  driftPerDaySec: number;
  severity: SkewSeverity;
  sampleCount: number;
  calibrated: boolean;
  lastAdvertTS: number;
  lastObservedTS: number;
  goodFraction: number;
  recentBadSampleCount: number;
  recentSampleCount: number;
  samples?: { ts: number; skew: number }[];
  recentBadSamples?: { hash: string; advertTS: number; skewSec: number }[];
  recentHashEvidence?: {
    hash: string;
    observers: HashEvidenceObserver[];
    medianCorrectedSkewSec: number;
    timestamp: number;
  }[];
  calibrationSummary?: {
    totalSamples: number;
    calibratedSamples: number;
    uncalibratedSamples: number;
  };
  nodeName?: string;
  nodeRole?: string;
}

interface Calibration {
  offsets: Map<number, { offset: number; samples: number }>;
  /** The offsets as rounded for output: equal signatures give equal node figures. */
  signature: string;
}

interface Memo {
  version: number;
  atMs: number;
  cal: Calibration;
  fleet: NodeClockSkew[];
  /** Per node: its version when computed and the result (reused while both are unchanged). */
  perNode: Map<string, { version: number; result: NodeClockSkew | null }>;
}

/** Median by selection (linear time); reorders `xs`. */
export function fastMedian(xs: number[]): number {
  const select = (k: number): number => {
    let lo = 0, hi = xs.length - 1;
    while (lo < hi) {
      const pivot = xs[(lo + hi) >> 1];
      let i = lo, j = hi;
      while (i <= j) {
        while (xs[i] < pivot) i++;
        while (xs[j] > pivot) j--;
        if (i <= j) {
          const t = xs[i];
          xs[i] = xs[j];
          xs[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return xs[k];
    }
    return xs[k];
  };
  const n = xs.length;
  if (!n) return 0;
  const m = n >> 1;
  return n % 2 ? select(m) : (select(m - 1) + select(m)) / 2;
}

/** The per-node aggregate and its memoised read-outs (see the module doc). */
export class ClockSkewTracker {
  #nodes = new Map<string, Advert[]>();
  #observerIds: string[] = [];
  #observerIdx = new Map<string, number>();
  #sightings = 0;
  #version = 0;
  #nodeVersion = new Map<string, number>();
  #memo: Memo | null = null;

  /** Incremented on every recorded sighting. */
  get version(): number {
    return this.#version;
  }

  /**
   * Records one sighting of an advert. Returns false (nothing stored) when the advert timestamp
   * is outside 2020..2100 or not a number.
   */
  record(
    pubkey: string,
    hash: string,
    advertTs: unknown,
    observerId: string,
    observedMs: number,
  ): boolean {
    if (typeof advertTs !== "number" || !Number.isFinite(advertTs)) return false;
    if (advertTs < SKEW.minAdvertTs || advertTs > SKEW.maxAdvertTs) return false;
    const key = pubkey.toLowerCase();
    let list = this.#nodes.get(key);
    if (!list) {
      list = [];
      this.#nodes.set(key, list);
    }
    let ad: Advert | undefined;
    for (let i = list.length - 1; i >= 0 && i >= list.length - 8; i--) {
      if (list[i].hash === hash) ad = list[i];
    }
    if (!ad) ad = list.find((a) => a.hash === hash);
    if (!ad) {
      ad = { hash, advertTs: Math.floor(advertTs), obs: [], sec: [], mid: 0, midN: 0 };
      list.push(ad);
      if (list.length > MAX_HASHES) {
        this.#sightings -= list[0].obs.length;
        list.shift();
      }
    }
    const idx = this.#intern(observerId);
    if (ad.obs.length >= MAX_OBSERVERS_PER_HASH || ad.obs.includes(idx)) return true;
    ad.obs.push(idx);
    ad.sec.push(Math.floor(observedMs / 1000));
    this.#sightings++;
    this.#version++;
    this.#nodeVersion.set(key, this.#version);
    return true;
  }

  /** Nodes with at least one advert sample. */
  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** Approximate bytes held (self-accounted, for `/metrics`). */
  bytes(): number {
    let adverts = 0;
    for (const l of this.#nodes.values()) adverts += l.length;
    return this.#nodes.size * 120 + adverts * 140 + this.#sightings * 16 +
      this.#observerIds.length * 160;
  }

  /** Observer offsets, largest absolute offset first. */
  observerCalibrations(nowMs: number): ObserverCalibration[] {
    const cal = this.#refresh(nowMs).cal;
    return [...cal.offsets].map(([i, c]) => ({
      observerID: this.#observerIds[i],
      offsetSec: roundTo(c.offset, 1),
      samples: c.samples,
    })).sort((a, b) => Math.abs(b.offsetSec) - Math.abs(a.offsetSec));
  }

  /** Every node's skew without samples or evidence (memoised). */
  fleet(nowMs: number): NodeClockSkew[] {
    return this.#refresh(nowMs).fleet;
  }

  /** One node's skew with its samples and the evidence of its latest 10 adverts, or null. */
  node(pubkey: string, nowMs: number): NodeClockSkew | null {
    const list = this.#nodes.get(pubkey.toLowerCase());
    if (!list?.length) return null;
    return this.#compute(pubkey.toLowerCase(), list, this.#refresh(nowMs).cal, true);
  }

  /**
   * Recomputes the offsets and the fleet list now (benchmarks; the memo does it by itself);
   * `full` also drops the per-node results.
   */
  recompute(nowMs: number, full = false): number {
    if (full) this.#memo = null;
    if (this.#memo) this.#memo.atMs = -Infinity;
    this.#version++;
    return this.#refresh(nowMs).fleet.length;
  }

  /**
   * Computes the fleet memo as {@linkcode fleet} would, yielding to the event loop whenever
   * `sliceMs` have passed between nodes (startup seeding: ~70 ms at once on M). Sightings
   * recorded meanwhile leave the memo stale, to be refreshed as usual.
   */
  async warm(nowMs: number, sliceMs: number): Promise<void> {
    const version = this.#version;
    const cal = await drainSliced(this.#calibrateSteps(), sliceMs);
    const tick = sliceClock(sliceMs);
    const fleet: NodeClockSkew[] = [];
    const perNode = new Map<string, { version: number; result: NodeClockSkew | null }>();
    for (const [pk, list] of [...this.#nodes]) {
      const result = this.#compute(pk, list, cal, false);
      perNode.set(pk, { version: this.#nodeVersion.get(pk) ?? 0, result });
      if (result) fleet.push(result);
      await tick();
    }
    this.#memo = { version, atMs: nowMs, cal, fleet, perNode };
  }

  #intern(id: string): number {
    let i = this.#observerIdx.get(id);
    if (i === undefined) {
      i = this.#observerIds.length;
      this.#observerIds.push(id);
      this.#observerIdx.set(id, i);
    }
    return i;
  }

  #refresh(nowMs: number): Memo {
    const m = this.#memo;
    if (m && (m.version === this.#version || Math.abs(nowMs - m.atMs) < RECOMPUTE_MS)) return m;
    const cal = this.#calibrate();
    // Same offsets as last time: only the nodes with new sightings are computed again.
    const reuse = m && m.cal.signature === cal.signature ? m.perNode : null;
    const fleet: NodeClockSkew[] = [];
    const perNode = new Map<string, { version: number; result: NodeClockSkew | null }>();
    for (const [pk, list] of this.#nodes) {
      const version = this.#nodeVersion.get(pk) ?? 0;
      const old = reuse?.get(pk);
      const result = old && old.version === version
        ? old.result
        : this.#compute(pk, list, cal, false);
      perNode.set(pk, { version, result });
      if (result) fleet.push(result);
    }
    this.#memo = { version: this.#version, atMs: nowMs, cal, fleet, perNode };
    return this.#memo;
  }

  #calibrate(): Calibration {
    const steps = this.#calibrateSteps();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /** {@linkcode #calibrate} pausing (a `yield`) after every 64 nodes' adverts. */
  *#calibrateSteps(): Generator<void, Calibration> {
    const devs: number[][] = this.#observerIds.map(() => []);
    let visited = 0;
    for (const list of [...this.#nodes.values()]) {
      if ((++visited & 63) === 0) yield;
      for (const ad of list) {
        const n = ad.obs.length;
        if (n < 2) continue;
        if (ad.midN !== n) {
          ad.mid = median(ad.sec);
          ad.midN = n;
        }
        // `??=`: an observer first seen while a sliced calibration paused.
        for (let k = 0; k < n; k++) (devs[ad.obs[k]] ??= []).push(ad.sec[k] - ad.mid);
      }
    }
    const offsets = new Map<number, { offset: number; samples: number }>();
    for (let i = 0; i < devs.length; i++) {
      const d = devs[i];
      if (d?.length) offsets.set(i, { offset: fastMedian(d), samples: d.length });
      yield;
    }
    const signature = [...offsets].map(([i, c]) => `${i}:${c.offset}`).sort().join(",");
    return { offsets, signature };
  }

  #compute(pk: string, list: Advert[], cal: Calibration, detail: boolean): NodeClockSkew | null {
    interface PerHash {
      ad: Advert;
      med: number;
      last: number;
      latest: number;
      count: number;
      cal: boolean;
    }
    const per: PerHash[] = [];
    for (const ad of list) {
      if (!ad.obs.length) continue;
      const skews: number[] = [];
      let latest = 0, anyCal = false;
      for (let k = 0; k < ad.obs.length; k++) {
        const c = cal.offsets.get(ad.obs[k]);
        skews.push(ad.advertTs - ad.sec[k] + (c?.offset ?? 0));
        if (c) anyCal = true;
        if (ad.sec[k] > latest) latest = ad.sec[k];
      }
      per.push({
        ad,
        med: roundTo(median(skews), 1),
        last: roundTo(skews[skews.length - 1], 1),
        latest,
        count: skews.length,
        cal: anyCal,
      });
    }
    if (!per.length) return null;
    per.sort((a, b) => a.latest - b.latest);
    const newest = per[per.length - 1];
    const all = per.map((p) => p.med);
    const points: SkewPoint[] = per.map((p) => ({ ts: p.latest, skew: p.med }));
    const v = recentVerdict(points, newest.last);
    let drift = 0;
    if (
      v.severity !== "no_clock" && v.severity !== "bimodal_clock" &&
      points.length >= SKEW.minDriftSamples
    ) {
      drift = driftPerDay(points);
      if (Math.abs(drift) > SKEW.maxDriftPerDay) drift = 0;
    }
    const out: NodeClockSkew = {
      pubkey: pk,
      meanSkewSec: roundTo(mean(all), 1),
      medianSkewSec: roundTo(median(all), 1),
      lastSkewSec: newest.last,
      recentMedianSkewSec: roundTo(v.recentSkew, 1),
      driftPerDaySec: roundTo(drift, 2),
      severity: v.severity,
      sampleCount: per.reduce((s, p) => s + p.count, 0),
      calibrated: per.some((p) => p.cal),
      lastAdvertTS: newest.ad.advertTs,
      lastObservedTS: newest.latest,
      goodFraction: roundTo(v.goodFraction, 2),
      recentBadSampleCount: v.recentBadCount,
      recentSampleCount: v.recentSampleCount,
    };
    if (v.badIndexes.length) {
      out.recentBadSamples = v.badIndexes.map((i) => ({
        hash: per[i].ad.hash,
        advertTS: per[i].ad.advertTs,
        skewSec: per[i].med,
      }));
    }
    if (detail) this.#addDetail(out, per.map((p) => p.ad), points, cal);
    return out;
  }

  #addDetail(out: NodeClockSkew, ads: Advert[], points: SkewPoint[], cal: Calibration): void {
    out.samples = points.map((p) => ({ ts: p.ts, skew: roundTo(p.skew, 1) }));
    const summary = { totalSamples: 0, calibratedSamples: 0, uncalibratedSamples: 0 };
    out.recentHashEvidence = ads.slice(-10).reverse().map((ad) => {
      const observers: HashEvidenceObserver[] = ad.obs.map((i, k) => {
        const c = cal.offsets.get(i);
        const raw = ad.advertTs - ad.sec[k];
        summary.totalSamples++;
        if (c) summary.calibratedSamples++;
        else summary.uncalibratedSamples++;
        return {
          observerID: this.#observerIds[i],
          observerName: this.#observerIds[i],
          rawSkewSec: roundTo(raw, 1),
          correctedSkewSec: roundTo(raw + (c?.offset ?? 0), 1),
          observerOffsetSec: roundTo(c?.offset ?? 0, 1),
          calibrated: c !== undefined,
        };
      });
      const clean = observers.map((o) => o.correctedSkewSec).filter((x) =>
        Math.abs(x) <= SKEW.rtcResetSec
      );
      return {
        hash: ad.hash,
        observers,
        medianCorrectedSkewSec: roundTo(median(clean), 1),
        timestamp: ad.sec[0],
      };
    });
    out.calibrationSummary = summary;
  }
}
