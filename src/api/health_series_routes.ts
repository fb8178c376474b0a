/**
 * The health-over-time endpoints in one list (observer metrics, clock skew,
 * node battery, bulk health, network status), registered BEFORE the
 * `/api/nodes/:pk` and `/api/observers/:id` routes so their fixed paths
 * (`/api/nodes/clock-skew`, `/api/observers/metrics/summary`, ...) win. Also
 * registers the `/metrics` collector of the health aggregates: points and
 * bytes held, refused status messages by reason.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import type { AnyRoute } from "./route_def.ts";
import { healthOf } from "./health_common.ts";
import { observerMetricsRoutes } from "./observer_metrics_routes.ts";
import { clockSkewRoutes } from "./clock_skew_routes.ts";
import { nodeBatteryRoutes } from "./node_battery_routes.ts";
import { networkHealthRoutes } from "./network_health_routes.ts";

/** Route group: health over time (see the module doc). */
export function healthSeriesRoutes(ctx: ApiContext): AnyRoute[] {
  ctx.metrics.collect(() => {
    const s = healthOf(ctx).stats();
    return [
      {
        name: "hopwatch_health_series_bytes",
        help: "Self-accounted bytes of the health aggregates by part",
        type: "gauge",
        samples: Object.entries(s.bytes).map(([part, value]) => ({ labels: { part }, value })),
      },
      {
        name: "hopwatch_observer_metrics_points",
        help: "Observer metrics points held in memory",
        type: "gauge",
        samples: [{ value: s.metricsPoints }],
      },
      {
        name: "hopwatch_clock_skew_nodes",
        help: "Nodes with clock-skew samples",
        type: "gauge",
        samples: [{ value: s.clockSkewNodes }],
      },
      {
        name: "hopwatch_status_metrics_total",
        help: "Observer status messages by metrics outcome (stored, or refused by reason)",
        type: "counter",
        samples: [
          { labels: { outcome: "stored" }, value: s.statusStored },
          ...Object.entries(s.statusRejected).map(([outcome, value]) => ({
            labels: { outcome },
            value,
          })),
          { labels: { outcome: "garbage-row-at-load" }, value: s.loadGarbageRows },
        ],
      },
    ];
  });
  return [
    ...observerMetricsRoutes(ctx),
    ...clockSkewRoutes(ctx),
    ...nodeBatteryRoutes(ctx),
    ...networkHealthRoutes(ctx),
  ];
}
