/**
 * The HTTP API: `createApp(deps)` builds a Hono app with every route group,
 * the error handler, security middleware (CORS, rate limits, body caps, API
 * key), the load-status header, `/metrics`, `/api/spec` and the WebSocket
 * upgrade. Injectable: tests build it over a real store loaded from a copy of
 * the fixture database and call `app.request()`.
 *
 * @module
 */

import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { VERSION } from "../cli/version.ts";
import type { ApiContext, ApiDeps } from "./deps.ts";
import { ApiError, errorResponse, indexLoading } from "./errors.ts";
import { parseParams } from "./params.ts";
import type { AnyRoute } from "./route_def.ts";
import { cors, noSniff, rateLimit, requireApiKey } from "./security.ts";
import { MetricsRegistry } from "./metrics.ts";
import { ObserverSource } from "./observer_source.ts";
import { DecodedCache } from "./decoded_cache.ts";
import { TtlCache } from "./ttl_cache.ts";
import { buildOpenApi } from "./openapi.ts";
import { registerApiMetrics } from "./metrics_routes.ts";
import { configRoutes } from "./config_routes.ts";
import { healthRoutes } from "./health_routes.ts";
import { packetRoutes } from "./packet_routes.ts";
import { packetDetailRoutes } from "./packet_detail_routes.ts";
import { decodeRoutes } from "./decode_routes.ts";
import { nodeRoutes } from "./node_routes.ts";
import { nodeDetailRoutes } from "./node_detail_routes.ts";
import { nodePathRoutes } from "./node_paths.ts";
import { observerRoutes } from "./observer_routes.ts";
import { channelRoutes } from "./channel_routes.ts";
import { analyticsRoutes } from "./analytics_routes.ts";
import { topologyRoutes } from "./topology_routes.ts";
import { metricsRoutes } from "./metrics_routes.ts";
import { registerWebSocket, wsRoutes } from "./ws_route.ts";
import { backupRoutes } from "./backup_routes.ts";
import { issue14Routes, perfTimer } from "./issue14_routes.ts";
import { healthSeriesRoutes } from "./health_series_routes.ts";
import { geographyRoutes } from "./geo_route_list.ts";

/** Default cap on request bodies (every POST/PUT), in bytes. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Builds the per-app context from the dependencies. */
export function createContext(deps: ApiDeps): ApiContext {
  const now = deps.now ?? Date.now;
  const storedStmt = deps.db.prepare(`SELECT decoded_json FROM transmissions WHERE id = ?`);
  const stored = (id: number) => {
    const v = storedStmt.get(id)?.decoded_json;
    return typeof v === "string" ? v : null;
  };
  const observers = new ObserverSource(deps.db, deps.nodes, 30_000, now);
  deps.observerChanges?.(() => observers.invalidate());
  return {
    ...deps,
    now,
    startTime: deps.startTime ?? Date.now(),
    metrics: deps.metrics ?? new MetricsRegistry(),
    observers,
    decoded: new DecodedCache(deps.keyRing, stored),
    cache: new TtlCache(500),
    ready: () => deps.store.progress.state === "ready",
  };
}

/** Every route definition of the API, in registration order. */
export function allRoutes(ctx: ApiContext, getRoutes: () => readonly AnyRoute[]): AnyRoute[] {
  return [
    ...issue14Routes(ctx, getRoutes),
    ...healthSeriesRoutes(ctx),
    ...packetRoutes(ctx),
    ...packetDetailRoutes(ctx),
    ...decodeRoutes(ctx),
    ...nodeRoutes(ctx),
    ...nodeDetailRoutes(ctx),
    ...nodePathRoutes(ctx),
    ...observerRoutes(ctx),
    ...channelRoutes(ctx),
    ...analyticsRoutes(ctx),
    ...topologyRoutes(ctx),
    ...healthRoutes(ctx),
    ...configRoutes(ctx),
    ...backupRoutes(ctx),
    ...wsRoutes(ctx),
    ...geographyRoutes(ctx),
    ...metricsRoutes(ctx, () => buildOpenApi(getRoutes(), ctx.build?.version ?? VERSION)),
  ];
}

function loadStatus(ctx: ApiContext): string {
  const p = ctx.store.progress;
  return p.state === "ready" ? "ready" : `loading; progress=${Math.floor(p.pct)}`;
}

/** Creates the Hono app (see the module doc). */
export function createApp(deps: ApiDeps): Hono {
  const ctx = createContext(deps);
  const app = new Hono();
  const requests = ctx.metrics.counter(
    "hopwatch_http_requests_total",
    "HTTP requests by method and status class",
  );
  const limited = ctx.metrics.counter(
    "hopwatch_http_rate_limited_total",
    "Requests refused by the rate limiter",
  );

  app.onError((err, c) => errorResponse(err, c));
  app.notFound((c) => c.json({ error: `Cannot find ${c.req.path.slice(0, 200)}` }, 404));

  app.use("*", noSniff());
  app.use("*", async (c, next) => {
    await next();
    requests.inc({ method: c.req.method, status: `${Math.floor(c.res.status / 100)}xx` });
  });
  app.use("/api/*", perfTimer(ctx));
  app.use("/api/*", async (c, next) => {
    await next();
    c.res.headers.set("Cache-Control", "no-store");
    c.res.headers.set("X-CoreScope-Load-Status", loadStatus(ctx));
  });
  app.use("/api/*", cors(ctx.config.corsAllowedOrigins));
  const limiter = rateLimit(
    ctx.config.rateLimit,
    (kind) => limited.inc({ kind }),
    ctx.trustProxy ?? false,
  );
  app.use("/api/*", limiter);
  app.use("/metrics", limiter);
  app.use("/ws", limiter);
  const capAll = bodyLimit({
    maxSize: DEFAULT_BODY_LIMIT,
    onError: () => {
      throw new ApiError(413, `request body too large (limit ${DEFAULT_BODY_LIMIT} bytes)`);
    },
  });
  app.use("*", async (c, next) => {
    const m = c.req.method;
    if (m === "GET" || m === "HEAD" || m === "OPTIONS") return await next();
    return await capAll(c, next);
  });

  let routes: AnyRoute[] = [];
  routes = allRoutes(ctx, () => routes);
  for (const r of routes) app.on(r.method, [r.path], ...handlersFor(ctx, r));

  app.all("/api/*", (c) => {
    const fixed = c.req.method === "GET" ? misjoinedQuery(c.req.url) : null;
    if (fixed) return c.redirect(fixed, 308);
    return c.json({ error: `Cannot find ${c.req.method} ${c.req.path.slice(0, 200)}` }, 404);
  });
  registerWebSocket(app, ctx);
  registerApiMetrics(ctx);
  deps.mountUi?.(app);
  return app;
}

/** The middleware chain of one route: body cap, API key, index check, handler. */
function handlersFor(ctx: ApiContext, r: AnyRoute): MiddlewareHandler[] {
  const chain: MiddlewareHandler[] = [];
  if (r.body?.maxBytes !== undefined) {
    const max = r.body.maxBytes;
    chain.push(bodyLimit({
      maxSize: max,
      onError: () => {
        throw new ApiError(413, `request body too large (limit ${max} bytes)`);
      },
    }));
  }
  if (r.auth) chain.push(requireApiKey(ctx.config.apiKey));
  if (r.needsIndex) {
    chain.push(async (_c, next) => {
      if (!ctx.ready()) throw indexLoading();
      await next();
    });
  }
  chain.push(async (c: Context) => {
    const params = parseParams(r.params, c.req.query(), c.req.param() as Record<string, string>);
    return await r.handler(c, params);
  });
  return chain;
}

/**
 * A GET whose query was joined with `&` instead of `?` (CoreScope's prefix
 * tool asks for `/api/analytics/hash-sizes&region=X`): the same path with a
 * proper query, for a redirect, or null when the URL is not of that form.
 */
export function misjoinedQuery(url: string): string | null {
  const u = new URL(url);
  const amp = u.pathname.indexOf("&");
  if (u.search !== "" || amp < 0 || !/^[^&=]+=/.test(u.pathname.slice(amp + 1))) return null;
  return u.pathname.slice(0, amp) + "?" + u.pathname.slice(amp + 1);
}
