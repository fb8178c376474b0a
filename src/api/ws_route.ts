/**
 * The WebSocket endpoint: `GET /ws` (a route definition, so `/api/spec` lists
 * it with its `batch` parameter), and an upgrade request on `/` (the
 * reference's UI connects to `ws(s)://host/`). `?batch=1` asks for batch
 * frames: JSON arrays of the live messages, one frame per flush interval
 * (`live.flushMs`, see `ws_hub.ts`); without it every message is its own
 * frame, as CoreScope sends them. The origin must be empty, the request's own
 * host, or listed exactly in `corsAllowedOrigins` (`*` is ignored here);
 * anything else gets 403 before the upgrade. The listener
 * (`http_listener.ts`) runs the upgrade request through the app with an env
 * hook (`live_upgrade.ts`); once these checks pass, npm `ws` completes the
 * upgrade on the raw connection (keepalive pings every 30 s there). A request
 * that reached the app without that hook (`app.request()` in tests) gets 426.
 * On the live port (`live.port`) the origin may name any port of the host;
 * `live.mainPortWs: false` turns the main port's upgrades off (404).
 *
 * @module
 */

import type { Context, Hono, MiddlewareHandler, Next } from "hono";
import type { ApiContext } from "./deps.ts";
import { ApiError } from "./errors.ts";
import { boolParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { isLiveUpgradeEnv } from "./live_upgrade.ts";
import { liveSettings } from "./live_settings.ts";

/**
 * Whether a WebSocket `Origin` is acceptable for a request to `host`. `anyPort`: the live
 * port's check, where the page comes from the main port of the same host name.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
  anyPort = false,
): boolean {
  if (!origin) return true;
  if (allowed.has(origin)) return true;
  try {
    if (host === undefined) return false;
    const from = new URL(origin);
    if (!anyPort) return from.host.toLowerCase() === host.toLowerCase();
    return from.hostname.toLowerCase() === new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return false;
  }
}

function isUpgrade(c: Context): boolean {
  return (c.req.header("upgrade") ?? "").toLowerCase() === "websocket";
}

/** Whether a `batch` query value asks for batch frames (`1` or `true`). */
export function wantsBatch(raw: string | undefined): boolean {
  return raw === "1" || raw === "true";
}

/** Whether an upgrade request came to the live-feed port. */
function onLivePort(c: Context): boolean {
  return isLiveUpgradeEnv(c.env) && c.env.livePort;
}

/** The upgrade with the origin and shutdown checks; `batch` picks the frame kind. */
function upgrader(ctx: ApiContext) {
  const allowed = new Set(ctx.config.corsAllowedOrigins.filter((o) => o !== "*"));
  // Callers answer 404 first when the main port's feed is off (`live.mainPortWs`).
  return (c: Context, batch: boolean): Response => {
    if (!originAllowed(c.req.header("origin"), c.req.header("host"), allowed, onLivePort(c))) {
      throw new ApiError(403, "WebSocket origin not allowed");
    }
    if (ctx.hub.closed) throw new ApiError(503, "server shutting down");
    if (!isLiveUpgradeEnv(c.env)) return c.json({ error: "expected a WebSocket upgrade" }, 426);
    // npm `ws` completes the upgrade on the raw connection once this answer is back.
    c.env.liveUpgrade(batch);
    return c.body(null, 204);
  };
}

/** `GET /ws` as a route definition (listed in `/api/spec`). */
export function wsRoutes(ctx: ApiContext): AnyRoute[] {
  const upgrade = upgrader(ctx);
  const mainPortWs = liveSettings(ctx.config.raw).mainPortWs;
  return [
    route({
      method: "GET",
      path: "/ws",
      tag: "live",
      summary:
        "Live feed (WebSocket upgrade): one {type:'packet', data} message per observation; " +
        "with batch=1, JSON arrays of those messages, one frame per flush interval " +
        "(live.flushMs, default 25 ms), in order; lag notices are {type:'lag', dropped}",
      params: {
        batch: boolParam({
          description:
            "send JSON arrays of messages (one frame per flush) instead of one frame each",
        }),
      },
      returns: "101 Switching Protocols; 426 without an upgrade request",
      handler: (c, p) => {
        if (!mainPortWs && !onLivePort(c)) {
          throw new ApiError(404, "the live feed is served on the live port");
        }
        if (!isUpgrade(c)) return c.json({ error: "expected a WebSocket upgrade" }, 426);
        return upgrade(c, p.batch);
      },
    }),
    route({
      method: "GET",
      path: "/api/live",
      tag: "live",
      summary: "Where the live feed is served: the live port (live.port, npm ws on the raw " +
        "connection; null when off) and whether the main port's /ws answers (live.mainPortWs)",
      params: {},
      returns: "{port: number|null, path: '/ws', mainPortWs: boolean}",
      handler: (c) => c.json({ ...liveSettings(ctx.config.raw), path: "/ws" }),
    }),
  ];
}

/** Registers the upgrade on `/` (CoreScope's UI connects there; `?batch=1` works too). */
export function registerWebSocket(app: Hono, ctx: ApiContext): void {
  const upgrade = upgrader(ctx);
  const mainPortWs = liveSettings(ctx.config.raw).mainPortWs;
  const guarded: MiddlewareHandler = async (c: Context, next: Next) => {
    if (!isUpgrade(c) || (!mainPortWs && !onLivePort(c))) return await next();
    return upgrade(c, wantsBatch(c.req.query("batch")));
  };
  app.get("/", guarded);
}
