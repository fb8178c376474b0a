/**
 * The route groups added for reference parity (issue 14), registered by
 * `app.ts` in one line ahead of the others (so `/api/nodes/resolve` is matched
 * before `/api/nodes/{pk}`), and the request timer `/api/perf` reads.
 *
 * @module
 */

import { VERSION } from "../cli/version.ts";
import type { MiddlewareHandler } from "hono";
import type { ApiContext } from "./deps.ts";
import { warmDefaultAggregates } from "./analytics_aggregates.ts";
import { perfTimer as timeRequests } from "./perf_stats.ts";
import { docsRoutes } from "./docs_routes.ts";
import { pathInspectRoutes } from "./path_inspect_routes.ts";
import { perfRoutes } from "./perf_routes.ts";
import type { AnyRoute } from "./route_def.ts";
import { toolRoutes } from "./tool_routes.ts";
import { affinityRoutes } from "./affinity_routes.ts";

/**
 * The `/api/*` middleware of issue 14: times each request for `/api/perf` and,
 * on the first request after the store is ready, warms the default analytics.
 */
export function perfTimer(ctx: ApiContext): MiddlewareHandler {
  const timer = timeRequests(ctx);
  return async (c, next) => {
    warmDefaultAggregates(ctx);
    await timer(c, next);
  };
}

/** Tools, perf, path inspector, docs and debug routes. */
export function issue14Routes(ctx: ApiContext, getRoutes: () => readonly AnyRoute[]): AnyRoute[] {
  return [
    ...toolRoutes(ctx),
    ...pathInspectRoutes(ctx),
    ...perfRoutes(ctx),
    ...affinityRoutes(ctx),
    ...docsRoutes(getRoutes, ctx.build?.version ?? VERSION),
  ];
}
