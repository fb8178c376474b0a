/**
 * The WebSocket endpoint: `/ws`, and an upgrade request on `/` (the
 * reference's UI connects to `ws(s)://host/`). The origin must be empty, the
 * request's own host, or listed exactly in `corsAllowedOrigins` (`*` is
 * ignored here); anything else gets 403 before the upgrade. Keepalive pings
 * every 30 s come from Deno (`idleTimeout`), which also closes a peer that
 * stops answering.
 *
 * @module
 */

import type { Context, Hono, MiddlewareHandler, Next } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { ApiContext } from "./deps.ts";
import { ApiError } from "./errors.ts";

/** Seconds of silence before Deno pings a client (and closes it if no pong follows). */
export const WS_IDLE_TIMEOUT_S = 30;

/** Whether a WebSocket `Origin` is acceptable for a request to `host`. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (!origin) return true;
  if (allowed.has(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

function isUpgrade(c: Context): boolean {
  return (c.req.header("upgrade") ?? "").toLowerCase() === "websocket";
}

/** Registers `/ws` and the upgrade on `/`. */
export function registerWebSocket(app: Hono, ctx: ApiContext): void {
  const allowed = new Set(ctx.config.corsAllowedOrigins.filter((o) => o !== "*"));
  const upgrade = upgradeWebSocket(() => ({
    onOpen: (_ev, ws) => ctx.hub.attach(ws.raw as WebSocket),
  }), { idleTimeout: WS_IDLE_TIMEOUT_S });
  const guarded: MiddlewareHandler = async (c: Context, next: Next) => {
    if (!isUpgrade(c)) return await next();
    if (!originAllowed(c.req.header("origin"), c.req.header("host"), allowed)) {
      throw new ApiError(403, "WebSocket origin not allowed");
    }
    if (ctx.hub.closed) throw new ApiError(503, "server shutting down");
    return await upgrade(c, next);
  };
  app.get("/ws", guarded, (c) => c.json({ error: "expected a WebSocket upgrade" }, 426));
  app.get("/", guarded);
}
