/**
 * Analytics over the in-memory store, in the reference's shapes:
 * `/api/analytics/rf`, `/channels`, `/hash-sizes`, `/hash-collisions`,
 * `/subpaths`, `/subpaths-bulk` and `/subpath-detail`. Results (and the
 * sub-path index they rank) are memoised per parameter set (see
 * `analytics_aggregates.ts`); while the store is still loading they answer
 * 503 `index loading` (the reference's pages retry) instead of memoising a
 * partial view.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import {
  ANALYTICS_TTL_MS,
  windowKey,
  windowParams,
  type WindowValues,
} from "./analytics_common.ts";
import { subpathDetail } from "./analytics_subpath_detail.ts";
import { parseGroups, rankSubpaths, type SubpathGroup } from "./analytics_subpaths.ts";
import {
  channelsAggregate,
  hashCollisionsAggregate,
  hashSizesAggregate,
  rfAggregate,
  subpathIndexAggregate,
} from "./analytics_aggregates.ts";
import { jsonText, memoAggregate } from "./aggregate_memo.ts";
import { limitParam, regionParam, regions } from "./filters.ts";
import { areaParam } from "./geo_common.ts";
import { csvParam, intParam, stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";

const encoder = new TextEncoder();

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
      needsIndex: true,
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
      needsIndex: true,
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
      needsIndex: true,
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
      needsIndex: true,
      summary: "Repeater key prefixes colliding per configured hash size; inconsistent sizes",
      params: { region: regionParam, area: areaParam },
      returns: "{by_size{1|2|3: {stats, collisions[], one_byte_cells|two_byte_cells}}, " +
        "inconsistent_nodes[]}",
      handler: (c, p) => jsonText(c, hashCollisionsAggregate(ctx, regions(p.region), p.area)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpaths",
      tag: "analytics",
      needsIndex: true,
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
      needsIndex: true,
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
        const key = groups.map((g) => `${g.minLen}-${g.maxLen}:${g.limit}`).join(",");
        return jsonText(
          c,
          cached(windowKey("subpaths-bulk", p, key), () => {
            const index = subpathIndex(p);
            return encoder.encode(JSON.stringify({
              results: groups.map((g) =>
                cached(
                  windowKey("subpaths", p, g.minLen, g.maxLen, g.limit),
                  () => rankSubpaths(ctx, index, g.minLen, g.maxLen, g.limit),
                )
              ),
            }));
          }),
        );
      },
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpath-detail",
      tag: "analytics",
      needsIndex: true,
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
      returns: "{hops[], nodes[], totalMatches, firstSeen, lastSeen, signal{avgSnr, avgRssi, " +
        "samples}, hourDistribution[24], parentPaths[{path, count}], observers[{name, count}]}",
      handler(c, p) {
        if (!p.hops || p.hops.length < 2) {
          throw badRequest(`Missing parameter "hops": give at least two hops`);
        }
        const want = p.hops.map((h) => h.toUpperCase());
        return c.json(cached(
          windowKey("subpath-detail", p, want.join(",")),
          () => subpathDetail(ctx, p, want),
        ));
      },
    }),
  ];
}
