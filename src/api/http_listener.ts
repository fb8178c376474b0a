/**
 * hopwatch's listeners: a `node:http` server (Deno's, a JavaScript HTTP/1.1
 * parser over `node:net`) for the main port and for the optional live-feed
 * port (`live.port`).
 *
 * - Requests go through the Hono app (`@hono/node-server`'s request listener,
 *   without replacing the global `Request`/`Response`); the app sees the
 *   client's address as `c.env.remoteAddr`, as it did under `Deno.serve`.
 * - WebSocket upgrades are handed over on the raw connection: the app decides
 *   (origin, shutdown, rate limit, `maxClients`, logs) and npm `ws` completes
 *   the handshake (`live_upgrade.ts`). The server thus owns each live client's
 *   TCP connection: an unmasked client frame closes with 1002, a client that
 *   does not read is held to a window of unproven bytes and reset after its
 *   1013 close, and a client's frames of one event-loop turn leave in one
 *   `writev` (`ws_lib_socket.ts`). `Deno.serve`'s WebSocket offers none of
 *   that and writes each frame with its own syscall, which is why hopwatch
 *   does not use it.
 * - A connection that has not sent a whole request head within 10 s, or a whole
 *   request within 60 s, gets 408 and is closed, so slow clients cannot hold
 *   sockets (`node:http`'s defaults are 60 s and 300 s).
 * - On the live port (`role` "live") only `/ws` upgrades are served: plain
 *   requests get a small 426 (on `/ws`) or 404, and the connection is closed.
 *
 * @module
 */

import http from "node:http";
import type net from "node:net";
import type { Buffer } from "node:buffer";
import { getRequestListener } from "@hono/node-server";
import { LiveUpgrader, type UpgradeFetch, writeResponse } from "./live_upgrade.ts";
import type { WsLibSocket } from "./ws_lib_socket.ts";
import type { WsHub } from "./ws_hub.ts";

/** A client address, in the shape `Deno.serve` reported it (`c.env.remoteAddr`). */
export interface ClientAddr {
  transport: "tcp";
  hostname: string;
  port: number;
}

/** The request line and headers of a request head (names lower-cased, repeats joined). */
export interface RequestHead {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** What the app gets as `c.env` for a plain request. */
export interface ServeEnv {
  remoteAddr: ClientAddr;
}

/** Which port a listener is: the main port (the API, the UI, `/ws`) or the live-feed port. */
export type ListenerRole = "main" | "live";

/** What {@linkcode listen} needs. */
export interface ListenOptions {
  hostname: string;
  /** The port (0: any free one). */
  port: number;
  /** The app's fetch (`app.fetch`). */
  fetch: UpgradeFetch;
  hub: WsHub;
  /** Aborting it stops the listener (open live clients are the hub's to close). */
  signal: AbortSignal;
  /** Default "main". */
  role?: ListenerRole;
  /**
   * Longest wait for a request's head, and for a whole request, before a 408 and the close
   * (default {@linkcode HEAD_TIMEOUT_MS}, {@linkcode REQUEST_TIMEOUT_MS}); checked every
   * quarter of the head timeout (at most every 2 s).
   */
  timeouts?: { headMs: number; requestMs: number };
}

/** A started listener. */
export interface Listener {
  /** The bound port. */
  port: number;
  /** Resolves once the listener stopped after the signal. */
  finished: Promise<void>;
}

/** Default longest wait for a request head (ms); `node:http`'s own default is 60 s. */
export const HEAD_TIMEOUT_MS = 10_000;

/** Default longest wait for a whole request, body included (ms); `node:http`'s is 300 s. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Keepalive period of live clients (ms): a ping, and a reset if the last went unanswered. */
export const KEEPALIVE_MS = 30_000;

/** The address of a socket's peer. */
function addrOf(socket: net.Socket): ClientAddr {
  return {
    transport: "tcp",
    hostname: socket.remoteAddress ?? "unknown",
    port: socket.remotePort ?? 0,
  };
}

/** A node request's head, its headers joined the way `Headers` joins them. */
function headOf(req: http.IncomingMessage): RequestHead {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return { method: req.method ?? "GET", url: req.url ?? "/", headers };
}

/** Whether a request target is the live path (`/ws`, with any query). */
function livePath(url: string): boolean {
  return url.split("?")[0] === "/ws";
}

/** The live port's answer to anything but an upgrade. */
function liveOnly(req: http.IncomingMessage, res: http.ServerResponse): void {
  const onWs = livePath(req.url ?? "/");
  const text = onWs
    ? "expected a WebSocket upgrade"
    : "not found: this port serves only the live feed (/ws)";
  res.writeHead(onWs ? 426 : 404, {
    "content-type": "text/plain; charset=utf-8",
    connection: "close",
    ...(onWs ? { upgrade: "websocket" } : {}),
  });
  res.end(`${text}\n`);
}

/** Starts a listener; see the module doc. Rejects if the port cannot be bound. */
export async function listen(opts: ListenOptions): Promise<Listener> {
  const role = opts.role ?? "main";
  const sockets = new Set<WsLibSocket>();
  const upgrader = new LiveUpgrader(opts.fetch, opts.hub, sockets, role === "live");
  const onRequest = role === "live" ? liveOnly : getRequestListener(
    (req, env) => opts.fetch(req, { remoteAddr: addrOf(env.incoming.socket) }),
    { overrideGlobalObjects: false },
  );
  const headMs = opts.timeouts?.headMs ?? HEAD_TIMEOUT_MS;
  const server = http.createServer({
    noDelay: true,
    headersTimeout: headMs,
    requestTimeout: Math.max(headMs, opts.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS),
    connectionsCheckingInterval: Math.min(2000, Math.ceil(headMs / 4)),
  }, onRequest);
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, rest: Buffer) => {
    const head = headOf(req);
    if (role === "live" && !livePath(head.url)) {
      const text = "not found: this port serves only the live feed (/ws)\n";
      return void writeResponse(socket, new Response(text, { status: 404 }));
    }
    void upgrader.handle(socket, head, rest, addrOf(socket));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  const keepalive = setInterval(() => {
    for (const s of sockets) s.keepalive();
  }, KEEPALIVE_MS);
  const finished = new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(keepalive);
      // Requests in flight get up to 2 s to finish; idle keep-alive connections go now.
      const cut = setTimeout(() => server.closeAllConnections(), 2000);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    };
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener("abort", stop, { once: true });
  });
  return { port, finished };
}
