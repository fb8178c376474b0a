/**
 * `GET /api/scope-stats?window=1h|24h|7d` in CoreScope's shape: transport-route
 * transmissions by region scope (`scoped` has a transport code, `unknownScope`
 * a code matching no configured hash region), non-transport routes folded into
 * `unscoped`, per-region counts and a bucketed series (5 min / 1 h / 6 h).
 * Cached 30 s per window.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { enumParam } from "./params.ts";
import { scan } from "./analytics_common.ts";

const WINDOWS = {
  "1h": [3_600_000, 300_000],
  "24h": [86_400_000, 3_600_000],
  "7d": [604_800_000, 21_600_000],
} as const;

/** Computes the scope statistics of a window. */
export function computeScopeStats(ctx: ApiContext, window: keyof typeof WINDOWS) {
  const [span, bucketMs] = WINDOWS[window];
  const summary = { transportTotal: 0, scoped: 0, unscoped: 0, unknownScope: 0 };
  const byRegion = new Map<string, number>();
  const series = new Map<number, { scoped: number; unscoped: number }>();
  scan(ctx, { sinceMs: ctx.now() - span }, false, (tx) => {
    const transport = tx.routeType === 0 || tx.routeType === 3;
    if (!transport) {
      summary.unscoped++;
      return;
    }
    summary.transportTotal++;
    const b = Math.floor(tx.firstSeenMs / bucketMs) * bucketMs;
    const s = series.get(b) ?? { scoped: 0, unscoped: 0 };
    if (tx.scopeName === null) {
      summary.unscoped++;
      s.unscoped++;
    } else {
      summary.scoped++;
      s.scoped++;
      if (tx.scopeName === "") summary.unknownScope++;
      else byRegion.set(tx.scopeName, (byRegion.get(tx.scopeName) ?? 0) + 1);
    }
    series.set(b, s);
  });
  return {
    window,
    summary,
    byRegion: [...byRegion.entries()].sort((a, b) => b[1] - a[1])
      .map(([name, count]) => ({ name, count })),
    timeSeries: [...series.entries()].sort((a, b) => a[0] - b[0]).map(([t, s]) => ({
      t: new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z"),
      ...s,
    })),
  };
}

/** The scope statistics route. */
export function scopeRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/scope-stats",
      tag: "analytics",
      summary: "Transport scope (region) use of transmissions in a window",
      params: {
        window: enumParam(["1h", "24h", "7d"] as const, {
          description: "time window",
          default: "24h",
        }),
      },
      needsIndex: true,
      returns:
        "{window, summary{transportTotal, scoped, unscoped, unknownScope}, byRegion[], timeSeries[]}",
      handler(c, p) {
        const w = (p.window ?? "24h") as keyof typeof WINDOWS;
        return c.json(ctx.cache.get(`scope-stats:${w}`, 30_000, () => computeScopeStats(ctx, w)));
      },
    }),
  ];
}
