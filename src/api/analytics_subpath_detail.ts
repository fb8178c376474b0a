/**
 * `/api/analytics/subpath-detail`: the transmissions whose best path contains
 * a run of hops, in the reference's shape (the hops as nodes with names and
 * positions when their prefix is unique, match count and time span, signal
 * averages, a 24-hour UTC histogram, the full paths containing the run, the
 * observers hearing them) plus hopwatch's `matches`, `names` and `recent`.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { scan, windowFilter, type WindowValues } from "./analytics_common.ts";
import { HopNamer } from "./hop_names.ts";
import { iso } from "./shapes.ts";
import { observerOf, visitObservationSignals } from "../store/obs_signal.ts";

function containsRun(hops: readonly string[], want: readonly string[]): boolean {
  outer: for (let i = 0; i + want.length <= hops.length; i++) {
    for (let j = 0; j < want.length; j++) if (hops[i + j] !== want[j]) continue outer;
    return true;
  }
  return false;
}

/** Computes the detail of the hop run `want` (uppercase hex) over a selection. */
export function subpathDetail(ctx: ApiContext, p: WindowValues, want: string[]) {
  const namer = new HopNamer(ctx);
  const hourDistribution = new Array<number>(24).fill(0);
  const parents = new Map<string, number>();
  const observers = new Map<string, { id: string | null; count: number }>();
  const recent: unknown[] = [];
  let matches = 0;
  let snrSum = 0;
  let snrN = 0;
  let rssiSum = 0;
  let rssiN = 0;
  let first = Infinity;
  let last = -Infinity;
  scan(ctx, windowFilter(ctx, p), false, (tx) => {
    const hops = tx.best?.hops ?? [];
    if (!containsRun(hops, want)) return;
    matches++;
    first = Math.min(first, tx.firstSeenMs);
    last = Math.max(last, tx.firstSeenMs);
    hourDistribution[new Date(tx.firstSeenMs).getUTCHours()]++;
    const k = hops.join(",");
    parents.set(k, (parents.get(k) ?? 0) + 1);
    if (recent.length < 20) {
      recent.push({ id: tx.id, hash: tx.hash, first_seen: iso(tx.firstSeenMs) });
    }
    visitObservationSignals(ctx.store, tx.id, (snr, rssi, _ts, _iata, idx) => {
      if (!Number.isNaN(snr)) {
        snrSum += snr;
        snrN++;
      }
      if (!Number.isNaN(rssi)) {
        rssiSum += rssi;
        rssiN++;
      }
      const who = observerOf(ctx.store, idx);
      const name = who.name ?? who.id ?? "";
      if (!name) return;
      const e = observers.get(name) ?? { id: who.id, count: 0 };
      e.count++;
      observers.set(name, e);
    });
  });
  const label = (h: string) => namer.node(h)?.name ?? h;
  return {
    hops: want,
    nodes: want.map((hop) => {
      const n = namer.node(hop);
      return {
        hop,
        name: n?.name ?? hop,
        lat: n?.lat ?? null,
        lon: n?.lon ?? null,
        pubkey: n?.publicKey ?? null,
      };
    }),
    totalMatches: matches,
    matches,
    names: want.map((h) => namer.node(h)?.name ?? null),
    firstSeen: matches ? iso(first) : null,
    lastSeen: matches ? iso(last) : null,
    signal: {
      avgSnr: snrN ? Math.round((snrSum / snrN) * 10) / 10 : null,
      avgRssi: rssiN ? Math.round((rssiSum / rssiN) * 10) / 10 : null,
      samples: snrN,
    },
    hourDistribution,
    parentPaths: [...parents.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)
      .map(([k, count]) => ({
        path: k.split(",").map(label).join(" → "),
        rawHops: k.split(","),
        count,
      })),
    observers: [...observers.entries()].sort((a, b) => b[1].count - a[1].count)
      .map(([name, e]) => ({ name, observer_id: e.id, count: e.count })),
    recent,
  };
}
