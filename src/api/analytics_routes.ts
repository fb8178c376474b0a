/**
 * Analytics over the in-memory store, in the reference's shapes:
 * `/api/analytics/rf`, `/channels`, `/hash-sizes`, `/hash-collisions`,
 * `/subpaths`, `/subpaths-bulk` and `/subpath-detail`. Results (and the
 * sub-path index they rank) are memoised 60 s per parameter set.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import {
  ANALYTICS_TTL_MS,
  scan,
  summary,
  windowFilter,
  windowKey,
  windowParams,
  type WindowValues,
} from "./analytics_common.ts";
import { parseGroups, rankSubpaths, type SubpathGroup } from "./analytics_subpaths.ts";
import {
  channelsAggregate,
  hashCollisionsAggregate,
  hashSizesAggregate,
  rfAggregate,
  subpathIndexAggregate,
} from "./analytics_aggregates.ts";
import { jsonText, memoAggregate } from "./aggregate_memo.ts";
import { limitParam } from "./filters.ts";
import { csvParam, intParam, stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

/** Route group: RF, channel, hash and sub-path analytics. */
export function analyticsRoutes(ctx: ApiContext): AnyRoute[] {
  const maxLimit = ctx.config.listLimits.analytics;
  const cached = <T>(key: string, fn: () => T): T => memoAggregate(ctx, key, ANALYTICS_TTL_MS, fn);
  const subpathIndex = (p: WindowValues) => subpathIndexAggregate(ctx, p);
  return [
    route({
      method: "GET",
      path: "/api/analytics/rf",
      tag: "analytics",
      summary: "SNR/RSSI statistics and histograms, packet sizes, packets per hour, payload types",
      params: windowParams,
      returns: "{totalPackets, totalAllPackets, totalTransmissions, snr, rssi, snrValues, " +
        "rssiValues, packetSizes, packetsPerHour[], payloadTypes[], snrByType[], " +
        "signalOverTime[], scatterData[], timeSpanHours}",
      handler: (c, p) => jsonText(c, rfAggregate(ctx, p)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/channels",
      tag: "analytics",
      summary: "Channels by hash byte, top senders, a per-hour channel timeline, message lengths",
      params: windowParams,
      returns: "{activeChannels, decryptable, channels[], topSenders[], channelTimeline[], " +
        "msgLengths[]}",
      handler: (c, p) => jsonText(c, channelsAggregate(ctx, p)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/hash-sizes",
      tag: "analytics",
      summary:
        "Path hash sizes in use, per hour, top hops, and nodes advertising multi-byte hashes",
      params: windowParams,
      returns: "{total, distribution{1,2,3}, distributionByRepeaters, hourly[], topHops[], " +
        "multiByteNodes[], multiByteCapability[]}",
      handler: (c, p) => jsonText(c, hashSizesAggregate(ctx, p)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/hash-collisions",
      tag: "analytics",
      summary: "Repeater key prefixes colliding per configured hash size; inconsistent sizes",
      params: {},
      returns: "{by_size{1|2|3: {stats, collisions[], one_byte_cells|two_byte_cells}}, " +
        "inconsistent_nodes[]}",
      handler: (c) => jsonText(c, hashCollisionsAggregate(ctx)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpaths",
      tag: "analytics",
      summary: "Most frequent contiguous hop sequences of best observations",
      params: {
        ...windowParams,
        minLen: intParam({ description: "shortest sub-path", default: 2, min: 2, max: 8 }),
        maxLen: intParam({ description: "longest sub-path", default: 8, min: 2, max: 8 }),
        limit: limitParam(100, maxLimit),
      },
      returns: "{subpaths[{path, rawHops[], count, hops, pct, names[], lastSeen}], totalPaths}",
      handler(c, p) {
        if (p.minLen > p.maxLen) {
          throw badRequest(`Invalid parameter "minLen": greater than "maxLen"`);
        }
        return c.json(cached(
          windowKey("subpaths", p, p.minLen, p.maxLen, p.limit),
          () => rankSubpaths(ctx, subpathIndex(p), p.minLen, p.maxLen, p.limit),
        ));
      },
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpaths-bulk",
      tag: "analytics",
      summary: "Several sub-path rankings at once, one per length group",
      params: {
        ...windowParams,
        groups: stringParam({
          description: "comma-separated min-max:limit groups, e.g. 2-2:50,3-3:30,5-8:15",
          pattern: /^[0-9:,\- ]{5,200}$/,
          expect: "groups like 2-2:50,3-3:30",
          required: true,
          maxLength: 200,
        }),
      },
      returns: "{results[{subpaths[], totalPaths}]} in the order of the groups",
      handler(c, p) {
        let groups: SubpathGroup[];
        try {
          groups = parseGroups(p.groups);
        } catch (e) {
          throw badRequest(`Invalid parameter "groups": ${(e as Error).message}`);
        }
        const index = subpathIndex(p);
        return c.json({
          results: groups.map((g) =>
            cached(
              windowKey("subpaths", p, g.minLen, g.maxLen, g.limit),
              () => rankSubpaths(ctx, index, g.minLen, g.maxLen, g.limit),
            )
          ),
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpath-detail",
      tag: "analytics",
      summary: "Transmissions whose best path contains a hop sequence",
      params: {
        ...windowParams,
        hops: csvParam({
          description: "the hop sequence",
          item: /^[0-9a-fA-F]{2,6}$/,
          expect: "1-3 hex bytes",
          maxItems: 8,
        }),
      },
      returns: "{hops[], matches, signal{snr, rssi}, parentPaths[], observers[], recent[]}",
      handler(c, p) {
        if (!p.hops || p.hops.length < 2) {
          throw badRequest(`Missing parameter "hops": give at least two hops`);
        }
        const want = p.hops.map((h) => h.toUpperCase());
        return c.json(cached(windowKey("subpath-detail", p, want.join(",")), () => {
          const snr: number[] = [];
          const rssi: number[] = [];
          const parents = new Map<string, number>();
          const observers = new Map<string, { name: string | null; count: number }>();
          const recent: unknown[] = [];
          let matches = 0;
          scan(ctx, windowFilter(ctx, p), true, (tx) => {
            const hops = tx.best?.hops ?? [];
            if (!containsRun(hops, want)) return;
            matches++;
            const k = hops.join(",");
            parents.set(k, (parents.get(k) ?? 0) + 1);
            if (recent.length < 20) {
              recent.push({ id: tx.id, hash: tx.hash, first_seen: iso(tx.firstSeenMs) });
            }
            for (const o of tx.observations ?? []) {
              if (o.snr !== null) snr.push(o.snr);
              if (o.rssi !== null) rssi.push(o.rssi);
              if (o.observerId) {
                const e = observers.get(o.observerId) ?? { name: o.observerName, count: 0 };
                e.count++;
                observers.set(o.observerId, e);
              }
            }
          });
          return {
            hops: want,
            names: want.map((h) => uniqueName(ctx, h)),
            matches,
            signal: { snr: summary(snr), rssi: summary(rssi) },
            parentPaths: [...parents.entries()].sort((a, b) => b[1] - a[1]).slice(0, 50)
              .map(([k, count]) => ({ path: k.split(","), count })),
            observers: [...observers.entries()].sort((a, b) => b[1].count - a[1].count)
              .map(([id, e]) => ({ observer_id: id, observer_name: e.name, count: e.count })),
            recent,
          };
        }));
      },
    }),
  ];
}

function containsRun(hops: readonly string[], want: readonly string[]): boolean {
  outer: for (let i = 0; i + want.length <= hops.length; i++) {
    for (let j = 0; j < want.length; j++) if (hops[i + j] !== want[j]) continue outer;
    return true;
  }
  return false;
}

/** Name of the only relay with this hop prefix, else null. */
function uniqueName(ctx: ApiContext, hop: string): string | null {
  const bytes = new Uint8Array(hop.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hop.slice(2 * i, 2 * i + 2), 16);
  if (bytes.length < 1 || bytes.length > 3) return null;
  const ids = ctx.resolver.table.candidates(bytes, 0, bytes.length as 1 | 2 | 3);
  return ids.length === 1 ? ctx.nodes.get(ids[0])?.name ?? null : null;
}
