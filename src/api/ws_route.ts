/**
 * The WebSocket endpoint: `GET /ws` (a route definition, so `/api/spec` lists
 * it with its `batch` parameter), and an upgrade request on `/` (the
 * reference's UI connects to `ws(s)://host/`). `?batch=1` asks for batch
 * frames: JSON arrays of the live messages, one frame per flush interval
 * (`live.flushMs`, see `ws_hub.ts`); without it every message is its own
 * frame, as CoreScope sends them. The origin must be empty, the request's own
 * host, or listed exactly in `corsAllowedOrigins` (`*` is ignored here);
 * anything else gets 403 before the upgrade. Keepalive pings every 30 s come
 * from Deno (`idleTimeout`), which also closes a peer that stops answering.
 * On the live port (`live.port`, `live_port.ts`) the same checks run and npm
 * `ws` completes the upgrade on the raw connection; `live.mainPortWs: false`
 * turns the main port's upgrades off (404).
 *
 * @module
 */

import type { Context, Hono, MiddlewareHandler, Next } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { ApiContext } from "./deps.ts";
import { ApiError } from "./errors.ts";
import { boolParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { isLiveUpgradeEnv } from "./live_upgrade.ts";
import { liveSettings } from "../cli/live_config.ts";

/** Seconds of silence before Deno pings a client (and closes it if no pong follows). */
export const WS_IDLE_TIMEOUT_S = 30;

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

/** The upgrade with the origin and shutdown checks; `batch` picks the frame kind. */
function upgrader(ctx: ApiContext) {
  const allowed = new Set(ctx.config.corsAllowedOrigins.filter((o) => o !== "*"));
  const plain = upgradeWebSocket(() => ({
    onOpen: (_ev, ws) => ctx.hub.attach(ws.raw as WebSocket),
  }), { idleTimeout: WS_IDLE_TIMEOUT_S });
  const batched = upgradeWebSocket(() => ({
    onOpen: (_ev, ws) => ctx.hub.attach(ws.raw as WebSocket, { batch: true }),
  }), { idleTimeout: WS_IDLE_TIMEOUT_S });
  const mainPortWs = liveSettings(ctx.config.raw).mainPortWs;
  return async (c: Context, next: Next, batch: boolean) => {
    const live = isLiveUpgradeEnv(c.env);
    if (!live && !mainPortWs) throw new ApiError(404, "the live feed is served on the live port");
    if (!originAllowed(c.req.header("origin"), c.req.header("host"), allowed, live)) {
      throw new ApiError(403, "WebSocket origin not allowed");
    }
    if (ctx.hub.closed) throw new ApiError(503, "server shutting down");
    // On the live port: npm `ws` completes the upgrade on the raw connection.
    if (live) {
      c.env.liveUpgrade(batch);
      return c.body(null, 204);
    }
    return await (batch ? batched : plain)(c, next);
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
      handler: async (c, p) => {
        if (!mainPortWs && !isLiveUpgradeEnv(c.env)) {
          throw new ApiError(404, "the live feed is served on the live port");
        }
        if (!isUpgrade(c)) return c.json({ error: "expected a WebSocket upgrade" }, 426);
        const res = await upgrade(c, () => Promise.resolve(), p.batch);
        return res ?? c.json({ error: "expected a WebSocket upgrade" }, 426);
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
    if (!isUpgrade(c) || (!mainPortWs && !isLiveUpgradeEnv(c.env))) return await next();
    return await upgrade(c, next, wantsBatch(c.req.query("batch")));
  };
  app.get("/", guarded);
}
