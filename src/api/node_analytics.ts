/**
 * `/api/nodes/{pk}/analytics` in the reference's shape, over the
 * transmissions a node sent or relayed within the window (best observation
 * of each): hourly activity, SNR trend, payload types, per-observer coverage,
 * hop-count buckets (0, 1, 2, 3, 4+), peers (its neighbour-graph links, by
 * sightings), a day-of-week x hour heatmap and the computed summary
 * (availability = active hours / window hours, longest silence between
 * active hours, signal grade from SNR mean and spread, relay share).
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { TransmissionView } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { fiveStats, hourKey } from "./analytics_shapes.ts";
import { neighborsOf } from "./node_detail_routes.ts";
import { iso } from "./shapes.ts";

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The reference's letter grade of a node's SNR mean and standard deviation. */
export function signalGrade(mean: number, sd: number): string {
  if (mean > 15) return sd < 2 ? "A" : "A-";
  if (mean > 12 && sd < 3) return "B+";
  if (mean > 8) return "B";
  if (mean > 3) return "C";
  return "D";
}

/** Builds the answer from the node's transmissions (newest first) of the last `days` days. */
export function nodeAnalyticsJson(
  ctx: ApiContext,
  n: NodeInfo,
  items: readonly TransmissionView[],
  days: number,
  nowMs: number,
) {
  const hours = new Map<string, number>();
  const types = new Map<number, number>();
  const observers = new Map<string, {
    name: string | null;
    iata: string | null;
    count: number;
    snr: number[];
    rssi: number[];
    first: number;
    last: number;
  }>();
  const hopBuckets = new Map<string, number>();
  const heat = new Map<string, { dayOfWeek: number; hour: number; count: number }>();
  const snrTrend = [];
  const snrs: number[] = [];
  let withPath = 0;
  let relayed = 0;
  for (const t of [...items].sort((a, b) => a.firstSeenMs - b.firstSeenMs)) {
    const h = `${hourKey(t.firstSeenMs)}:00:00Z`;
    hours.set(h, (hours.get(h) ?? 0) + 1);
    types.set(t.payloadType, (types.get(t.payloadType) ?? 0) + 1);
    const d = new Date(t.firstSeenMs);
    const hk = `${d.getUTCDay()}:${d.getUTCHours()}`;
    const cell = heat.get(hk) ?? { dayOfWeek: d.getUTCDay(), hour: d.getUTCHours(), count: 0 };
    cell.count++;
    heat.set(hk, cell);
    const b = t.best;
    const hopCount = b?.hops.length ?? 0;
    const bucket = hopCount >= 4 ? "4+" : String(hopCount);
    hopBuckets.set(bucket, (hopBuckets.get(bucket) ?? 0) + 1);
    if (hopCount > 0) withPath++;
    if (hopCount > 1) relayed++;
    if (!b) continue;
    if (b.snr !== null) {
      snrs.push(b.snr);
      snrTrend.push({
        timestamp: iso(t.firstSeenMs),
        snr: b.snr,
        rssi: b.rssi,
        observer_id: b.observerId,
        observer_name: b.observerName,
      });
    }
    if (!b.observerId) continue;
    const o = observers.get(b.observerId) ?? {
      name: b.observerName,
      iata: b.observerIata,
      count: 0,
      snr: [],
      rssi: [],
      first: t.firstSeenMs,
      last: t.firstSeenMs,
    };
    o.count++;
    if (b.snr !== null) o.snr.push(b.snr);
    if (b.rssi !== null) o.rssi.push(b.rssi);
    o.first = Math.min(o.first, t.firstSeenMs);
    o.last = Math.max(o.last, t.firstSeenMs);
    observers.set(b.observerId, o);
  }
  const timeline = [...hours.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([bucket, count]) => ({ bucket, count }));
  let silence = 0;
  let silenceStart: string | null = null;
  for (let i = 1; i < timeline.length; i++) {
    const gap = Date.parse(timeline[i].bucket) - Date.parse(timeline[i - 1].bucket);
    if (gap > silence) {
      silence = gap;
      silenceStart = timeline[i - 1].bucket;
    }
  }
  const avg = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  const sig = fiveStats(snrs);
  const peers = neighborsOf(ctx, n, 1, 0).neighbors.slice(0, 20).map((x) => ({
    peer_key: x.pubkey,
    peer_name: x.name ?? x.pubkey.slice(0, 12),
    messageCount: x.count,
    lastContact: x.last_seen ?? "",
  }));
  const coverage = [...observers.entries()].sort((a, b) => b[1].count - a[1].count)
    .map(([id, o]) => ({
      observer_id: id,
      observer_name: o.name,
      packetCount: o.count,
      avgSnr: avg(o.snr),
      avgRssi: avg(o.rssi),
      ...(o.iata ? { iata: o.iata } : {}),
      firstSeen: iso(o.first),
      lastSeen: iso(o.last),
    }));
  return {
    node: {
      public_key: n.publicKey,
      name: n.name,
      role: n.role,
      lat: n.lat,
      lon: n.lon,
      first_seen: n.firstSeen,
      last_seen: n.lastSeen,
      advert_count: n.advertCount,
    },
    timeRange: { from: iso(nowMs - days * 86_400_000), to: iso(nowMs), days },
    activityTimeline: timeline,
    snrTrend,
    packetTypeBreakdown: [...types.entries()].sort((a, b) => b[1] - a[1])
      .map(([payload_type, count]) => ({ payload_type, count })),
    observerCoverage: coverage,
    hopDistribution: ["0", "1", "2", "3", "4+"].filter((k) => hopBuckets.has(k))
      .map((hops) => ({ hops, count: hopBuckets.get(hops)! })),
    peerInteractions: peers,
    uptimeHeatmap: [...heat.values()],
    computedStats: {
      availabilityPct: Math.min(100, round1((timeline.length * 100) / (days * 24))),
      longestSilenceMs: silence,
      longestSilenceStart: silenceStart,
      signalGrade: signalGrade(sig.avg, sig.stddev),
      snrMean: round1(sig.avg),
      snrStdDev: round1(sig.stddev),
      relayPct: withPath ? round1((relayed * 100) / withPath) : 0,
      totalPackets: items.length,
      uniqueObservers: coverage.length,
      uniquePeers: peers.length,
      avgPacketsPerDay: round1(items.length / days),
    },
  };
}
