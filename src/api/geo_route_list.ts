/**
 * Every geography and coverage route (issue 13), registered by `app.ts` as one
 * list entry: configuration read-outs, RX coverage, node reach, distance and
 * scope analytics.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import type { AnyRoute } from "./route_def.ts";
import type { Family } from "./metrics.ts";
import type { ByteArena } from "../store/byte_arena.ts";
import { geoRoutes } from "./geo_routes.ts";
import { coverageRoutes } from "./coverage_routes.ts";
import { reachRoutes } from "./reach_routes.ts";
import { distanceRoutes } from "./distance_routes.ts";
import { scopeRoutes } from "./scope_routes.ts";

/**
 * Adds the geofilter verdicts, client-reception counters and RX coverage caches to `/metrics`.
 */
function registerGeoMetrics(ctx: ApiContext): void {
  ctx.metrics.collect(() => {
    const geo = ctx.geo;
    if (!geo) return [];
    const out: Family[] = [];
    const rx = geo.clientRx.stats;
    const { heads, memos } = geo.clientRx.index;
    const perCache = (value: (cache: ByteArena) => number) => [
      { labels: { cache: "heads" }, value: value(heads) },
      { labels: { cache: "memos" }, value: value(memos) },
    ];
    out.push({
      name: "hopwatch_client_receptions_total",
      help: "Roaming-client receptions by outcome",
      type: "counter",
      samples: [
        { labels: { outcome: "stored" }, value: rx.stored },
        { labels: { outcome: "duplicate" }, value: rx.duplicate },
        { labels: { outcome: "skipped" }, value: rx.skipped },
        { labels: { outcome: "expired" }, value: rx.expired },
      ],
    }, {
      name: "hopwatch_coverage_index_receptions",
      help: "Receptions held by the RX coverage grid index",
      type: "gauge",
      samples: [{ value: geo.clientRx.index.live }],
    }, {
      name: "hopwatch_coverage_cache_bytes",
      help: "Bytes the RX coverage answers keep: cell heads and memoised cell features",
      type: "gauge",
      samples: perCache((a) => a.bytes),
    }, {
      name: "hopwatch_coverage_cache_dropped_total",
      help: "Chunks of the RX coverage caches dropped for their budget (recomputed when drawn)",
      type: "counter",
      samples: perCache((a) => a.dropped),
    });
    if (geo.gate) {
      const g = geo.gate.counts;
      out.push({
        name: "hopwatch_geofilter_adverts_total",
        help: "ADVERT sightings judged by the geo_filter, by verdict",
        type: "counter",
        samples: [
          { labels: { verdict: "inside" }, value: g.inside },
          { labels: { verdict: "no_position" }, value: g.noPosition },
          { labels: { verdict: "flagged" }, value: g.flagged },
          { labels: { verdict: "dropped" }, value: g.dropped },
        ],
      });
    }
    return out;
  });
}

/** The geography and coverage routes (and their `/metrics` collector). */
export function geographyRoutes(ctx: ApiContext): AnyRoute[] {
  registerGeoMetrics(ctx);
  return [
    ...geoRoutes(ctx),
    ...coverageRoutes(ctx),
    ...reachRoutes(ctx),
    ...distanceRoutes(ctx),
    ...scopeRoutes(ctx),
  ];
}
