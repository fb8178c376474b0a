/**
 * Observer radio metrics over time: `GET /api/observers/:id/metrics` (one
 * observer's series: noise floor, airtime %, receive error rate, battery,
 * packets per hour, reboots; at most ~500 points) and
 * `GET /api/observers/metrics/summary` (one row per observer over a window,
 * with a noise-floor sparkline). CoreScope's paths, parameters and field
 * names; read from the in-memory series, never from SQL.
 *
 * @module
 */

import { readRange, RESOLUTION_SEC, summarize } from "../store/metrics_query.ts";
import type { MetricsSummaryRow } from "../store/metrics_query.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest, notFound } from "./errors.ts";
import { regionParam, regions } from "./filters.ts";
import { durationParam, healthOf, MAX_WINDOW_SEC, memoJson } from "./health_common.ts";
import { enumParam, intParam, stringParam, timeParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";

const DAY_SEC = 86_400;

/** Path parameter `{id}` of an observer. */
const observerIdParam = stringParam({
  in: "path",
  description: "observer id (usually its 64-hex public key, case-insensitive)",
  maxLength: 128,
  pattern: /^[\x21-\x7e]+$/,
  expect: "printable ASCII without spaces",
});

/** Route group: observer metrics series and summary. */
export function observerMetricsRoutes(ctx: ApiContext): AnyRoute[] {
  const health = () => healthOf(ctx);
  return [
    route({
      method: "GET",
      path: "/api/observers/metrics/summary",
      tag: "observers",
      summary: "Radio metrics of every observer over a window (one row each, noisiest first)",
      params: {
        window: durationParam({ description: "window ending now", default: "24h" }),
        region: regionParam,
      },
      returns: "{observers: [{observer_id, observer_name, iata, current_noise_floor, " +
        "avg_noise_floor_24h, max_noise_floor_24h, battery_mv, sample_count, sparkline[]}]}",
      handler(c, p) {
        const win = p.window ?? DAY_SEC;
        const iatas = regions(p.region);
        const h = health();
        const nowSec = Math.floor(ctx.now() / 1000);
        const key = `hw-metrics-summary|${win}|${iatas?.join(",") ?? ""}|${h.metrics.version}|${
          Math.floor(nowSec / 30)
        }`;
        const observers = ctx.cache.get(key, 30_000, () => {
          const rows: MetricsSummaryRow[] = [];
          for (const s of h.metrics.all()) {
            const r = summarize(s, nowSec - win);
            if (!r) continue;
            const o = ctx.observers.get(s.id);
            const iata = o?.iata ?? "";
            if (iatas && !iatas.includes(iata.toUpperCase())) continue;
            rows.push({ ...r, observer_name: o?.name ?? null, iata });
          }
          const nf = (r: MetricsSummaryRow) => r.max_noise_floor_24h ?? -Infinity;
          return rows.sort((a, b) => nf(b) - nf(a) || a.observer_id.localeCompare(b.observer_id));
        });
        return c.json({ observers });
      },
    }),
    route({
      method: "GET",
      path: "/api/observers/:id/metrics",
      tag: "observers",
      summary: "One observer's radio metrics over time (downsampled to at most ~500 points)",
      params: {
        id: observerIdParam,
        since: timeParam({ description: "start (default: until minus window)" }),
        until: timeParam({ description: "end (default: now)" }),
        window: durationParam({ description: "length of the range when since is absent (24h)" }),
        resolution: enumParam(["5m", "1h", "1d"] as const, {
          description: "bucket size: raw 5-minute points, last value per hour or per day",
          default: "5m",
        }),
        maxPoints: intParam({
          description: "most points returned",
          default: 500,
          min: 10,
          max: 2000,
          clamp: true,
        }),
      },
      returns: "{observer_id, observer_name, reboots[], metrics[{timestamp, noise_floor, " +
        "battery_mv, tx_airtime_pct, rx_airtime_pct, recv_error_rate, packets_per_hour, ...}]}",
      handler(c, p) {
        const s = health().metrics.get(p.id);
        const o = ctx.observers.get(p.id) ??
          ctx.observers.list().find((x) => x.id.toLowerCase() === p.id.toLowerCase());
        if (!s && !o) throw notFound(`Cannot find observer "${p.id.slice(0, 80)}"`);
        if (p.since !== undefined && p.window !== undefined) {
          throw badRequest(`Invalid parameters: give "since" or "window", not both`);
        }
        // Without "until", the range ends at the current minute (points are 5 minutes apart).
        const untilSec = p.until !== undefined
          ? Math.floor(p.until / 1000)
          : Math.floor(ctx.now() / 60_000) * 60;
        const sinceSec = p.since !== undefined
          ? Math.floor(p.since / 1000)
          : untilSec - (p.window ?? DAY_SEC);
        if (sinceSec > untilSec) {
          throw badRequest(`Invalid parameter "since": must not be after "until"`);
        }
        if (untilSec - sinceSec > MAX_WINDOW_SEC) {
          throw badRequest(`Invalid parameter "since": the range is longer than 366 days`);
        }
        const resSec = RESOLUTION_SEC[(p.resolution ?? "5m") as keyof typeof RESOLUTION_SEC];
        const key = `hw-obs-metrics|${p.id}|${sinceSec}|${untilSec}|${resSec}|${p.maxPoints}|${
          s?.version ?? -1
        }`;
        return memoJson(ctx, c, key, 60_000, () => {
          const res = s
            ? readRange(s, sinceSec, untilSec, resSec, p.maxPoints)
            : { metrics: [], reboots: [], bucketSec: resSec };
          return {
            observer_id: o?.id ?? s?.id ?? p.id,
            observer_name: o?.name ?? null,
            reboots: res.reboots,
            metrics: res.metrics,
            since: new Date(sinceSec * 1000).toISOString(),
            until: new Date(untilSec * 1000).toISOString(),
            bucket_seconds: res.bucketSec,
          };
        });
      },
    }),
  ];
}
