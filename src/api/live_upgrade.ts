/**
 * WebSocket upgrades (on the main port or the live port, `http_listener.ts`): the
 * request goes through the Hono app first, as any request does (origin check,
 * shutdown, rate limit, logs, 404 for paths without a live feed), with an env
 * hook ({@linkcode LiveUpgradeEnv}) that the live routes call instead of
 * Deno's upgrade; if one did, npm `ws` completes the handshake on the raw
 * socket and the hub gets a {@linkcode WsLibSocket}, otherwise the app's answer
 * is written back and the connection closed.
 *
 * @module
 */

import type net from "node:net";
import type { Buffer } from "node:buffer";
import { WebSocketServer } from "ws";
import { STATUS_CODES } from "node:http";
import type { ClientAddr, RequestHead, ServeEnv } from "./http_listener.ts";
import type { WsHub } from "./ws_hub.ts";
import { WsLibSocket } from "./ws_lib_socket.ts";

/** The env an upgrade request carries (`c.env` in Hono). */
export interface LiveUpgradeEnv extends ServeEnv {
  /** Called by the live route once its checks passed: `ws` completes the upgrade. */
  liveUpgrade(batch: boolean): void;
  /** Whether it came to the live-feed port (`live.port`) rather than the main port. */
  livePort: boolean;
}

/** Whether `env` is an upgrade request's (see {@linkcode LiveUpgradeEnv}). */
export function isLiveUpgradeEnv(env: unknown): env is LiveUpgradeEnv {
  return typeof (env as LiveUpgradeEnv | undefined)?.liveUpgrade === "function";
}

/**
 * Largest client frame `ws` reads (a larger one closes with 1009 there); the hub closes
 * anything over its own 512-byte limit with 1009 and counts it.
 */
const MAX_CLIENT_FRAME = 64 << 10;

/** The app's fetch as the listeners call it. */
export type UpgradeFetch = (
  req: Request,
  env: ServeEnv | LiveUpgradeEnv,
) => Response | Promise<Response>;

/** Completes upgrades: the app decides, `ws` performs the handshake. */
export class LiveUpgrader {
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME,
    perMessageDeflate: false,
    clientTracking: false,
  });
  readonly #fetch: UpgradeFetch;
  readonly #hub: WsHub;
  readonly #sockets: Set<WsLibSocket>;
  readonly #livePort: boolean;

  /**
   * `fetch` is the app's (`app.fetch`); accepted sockets go to `hub`, and are in `sockets`
   * while open (for the keepalive); `livePort`: the upgrades come to the live-feed port.
   */
  constructor(fetch: UpgradeFetch, hub: WsHub, sockets: Set<WsLibSocket>, livePort: boolean) {
    this.#fetch = fetch;
    this.#hub = hub;
    this.#sockets = sockets;
    this.#livePort = livePort;
  }

  /** Handles one upgrade request (its head already read). */
  async handle(socket: net.Socket, head: RequestHead, rest: Buffer, client: ClientAddr) {
    socket.on("error", () => socket.destroy());
    let batch: boolean | undefined;
    let res: Response;
    try {
      const host = head.headers.host ?? "localhost";
      const headers = new Headers();
      for (const [k, v] of Object.entries(head.headers)) headers.set(k, v);
      const req = new Request(new URL(head.url, `http://${host}`), {
        method: head.method,
        headers,
      });
      const env: LiveUpgradeEnv = {
        remoteAddr: client,
        liveUpgrade: (b) => batch = b,
        livePort: this.#livePort,
      };
      res = await this.#fetch(req, env);
    } catch {
      res = new Response("bad request\n", { status: 400 });
    }
    if (batch === undefined || socket.destroyed) return void writeResponse(socket, res);
    socket.removeAllListeners("error");
    this.#wss.handleUpgrade(
      { method: head.method, url: head.url, headers: head.headers } as never,
      socket as never,
      rest,
      (ws) => {
        const live = new WsLibSocket(ws);
        this.#sockets.add(live);
        ws.on("close", () => this.#sockets.delete(live));
        this.#hub.attach(live, { batch });
        socket.resume();
      },
    );
  }
}

/** Writes `res` as an HTTP/1.1 answer on a raw socket and closes the connection. */
export async function writeResponse(socket: net.Socket, res: Response): Promise<void> {
  if (socket.destroyed) return;
  const body = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  let head = `HTTP/1.1 ${res.status} ${res.statusText || STATUS_CODES[res.status] || "Status"}\r\n`;
  res.headers.forEach((v, k) => {
    if (k !== "content-length" && k !== "connection") head += `${k}: ${v}\r\n`;
  });
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  socket.write(head, "latin1");
  socket.end(body);
}
