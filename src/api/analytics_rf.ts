/**
 * `/api/analytics/rf` in the reference's shape: SNR/RSSI summaries and
 * 20-bin histograms over observations, packet sizes (25 bins) and payload
 * types over transmissions, packets per hour (one per transmission and hour),
 * SNR by payload type, signal over time and a <= 500-point SNR/RSSI scatter.
 * With a region only that region's observations count.
 *
 * @module
 */

import { PAYLOAD_TYPE_NAMES } from "../meshcore/mod.ts";
import type { ApiContext } from "./deps.ts";
import { scan, windowFilter, type WindowValues } from "./analytics_common.ts";
import {
  type BinnedHistogram,
  binnedHistogram,
  type FiveStats,
  fiveStats,
  hourKey,
} from "./analytics_shapes.ts";
import { visitObservationSignals } from "../store/obs_signal.ts";
import { f32 } from "../store/views.ts";
import { regions } from "./filters.ts";

/** The `/api/analytics/rf` answer. */
export interface RfAnalytics {
  totalPackets: number;
  totalAllPackets: number;
  totalTransmissions: number;
  snr: FiveStats;
  rssi: FiveStats;
  snrValues: BinnedHistogram;
  rssiValues: BinnedHistogram;
  packetSizes: BinnedHistogram;
  minPacketSize: number;
  maxPacketSize: number;
  avgPacketSize: number;
  packetsPerHour: { hour: string; count: number }[];
  payloadTypes: { type: number; name: string; count: number }[];
  snrByType: { name: string; count: number; avg: number; min: number; max: number }[];
  signalOverTime: { hour: string; count: number; avgSnr: number }[];
  scatterData: { snr: number; rssi: number }[];
  timeSpanHours: number;
  /** hopwatch: transmissions examined and matched (the scan is capped). */
  scanned: number;
  total: number;
}

const HOUR_MS = 3_600_000;

/** Payload type name as the reference spells unknown ones. */
export function typeName(t: number): string {
  const n = PAYLOAD_TYPE_NAMES[t];
  return n && n !== "UNKNOWN" ? n : `UNK(${t})`;
}

/** Computes the RF analytics of a window selection. */
export function computeRf(ctx: ApiContext, p: WindowValues): RfAnalytics {
  const iatas = regions(p.region);
  const snr: number[] = [];
  const rssi: number[] = [];
  const sizes: number[] = [];
  const scatter: { snr: number; rssi: number }[] = [];
  const perHour = new Map<number, number>();
  const types = new Map<number, number>();
  const byType = new Map<string, { n: number; sum: number; min: number; max: number }>();
  const sig = new Map<number, { n: number; sum: number }>();
  let totalObs = 0;
  let txCount = 0;
  let minTs = Infinity;
  let maxTs = -Infinity;
  const seenHours: number[] = [];
  const s = scan(ctx, windowFilter(ctx, p), false, (tx) => {
    let counted = false;
    seenHours.length = 0;
    const name = typeName(tx.payloadType);
    visitObservationSignals(ctx.store, tx.id, (rawSnr, rawRssi, ts, iata) => {
      if (iatas && (iata === null || !iatas.includes(iata.toUpperCase()))) return;
      counted = true;
      totalObs++;
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
      const hour = Math.floor(ts / HOUR_MS);
      if (!seenHours.includes(hour)) {
        seenHours.push(hour);
        perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
      }
      const rssiV = f32(rawRssi);
      if (rssiV !== null) rssi.push(rssiV);
      const snrV = f32(rawSnr);
      if (snrV === null) return;
      snr.push(snrV);
      let t = byType.get(name);
      if (!t) byType.set(name, t = { n: 0, sum: 0, min: Infinity, max: -Infinity });
      t.n++;
      t.sum += snrV;
      if (snrV < t.min) t.min = snrV;
      if (snrV > t.max) t.max = snrV;
      let h = sig.get(hour);
      if (!h) sig.set(hour, h = { n: 0, sum: 0 });
      h.n++;
      h.sum += snrV;
      if (rssiV !== null) scatter.push({ snr: snrV, rssi: rssiV });
    });
    if (!counted) return;
    txCount++;
    sizes.push(tx.rawHex.length >> 1);
    types.set(tx.payloadType, (types.get(tx.payloadType) ?? 0) + 1);
  });
  const step = scatter.length > 500 ? Math.floor(scatter.length / 500) : 1;
  const sizeSum = sizes.reduce((a, b) => a + b, 0);
  const sizeStats = sizes.length ? fiveStats(sizes.slice()) : null;
  const byHour = <V>(m: Map<number, V>) =>
    [...m.entries()].sort((a, b) => a[0] - b[0]).map(([h, v]) =>
      [hourKey(h * HOUR_MS), v] as const
    );
  return {
    totalPackets: snr.length,
    totalAllPackets: totalObs,
    totalTransmissions: txCount,
    snr: fiveStats(snr),
    rssi: fiveStats(rssi),
    snrValues: binnedHistogram(snr, 20),
    rssiValues: binnedHistogram(rssi, 20),
    packetSizes: binnedHistogram(sizes, 25),
    minPacketSize: sizeStats?.min ?? 0,
    maxPacketSize: sizeStats?.max ?? 0,
    avgPacketSize: sizes.length ? Math.floor(sizeSum / sizes.length) : 0,
    packetsPerHour: byHour(perHour).map(([hour, count]) => ({ hour, count })),
    payloadTypes: [...types.entries()].map(([type, count]) => ({
      type,
      name: PAYLOAD_TYPE_NAMES[type] === "UNKNOWN" ? `UNK(${type})` : PAYLOAD_TYPE_NAMES[type],
      count,
    })).sort((a, b) => b.count - a.count || a.type - b.type),
    snrByType: [...byType.entries()].map(([name, t]) => ({
      name,
      count: t.n,
      avg: t.sum / t.n,
      min: t.min,
      max: t.max,
    })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1)),
    signalOverTime: byHour(sig).map(([hour, h]) => ({ hour, count: h.n, avgSnr: h.sum / h.n })),
    scatterData: scatter.filter((_, i) => i % step === 0).slice(0, 500),
    timeSpanHours: maxTs > minTs ? (maxTs - minTs) / 3_600_000 : 0,
    scanned: s.scanned,
    total: s.total,
  };
}
