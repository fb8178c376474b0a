/**
 * The live-feed port (`live.port`): a `node:net` server beside `Deno.serve` that
 * takes WebSocket upgrades to `/ws` (and `/ws?batch=1`) on the raw
 * connection and hands them to npm `ws` (`live_upgrade.ts`), so the server owns
 * the TCP connection: it sees the mask bit (an unmasked client frame closes
 * with 1002), pings and pongs, resets a client that does not read, and writes a
 * client's frames of one event-loop turn together (`ws_lib_socket.ts`).
 * Deno's WebSocket (from `Deno.serve`) offers none of that.
 *
 * Each connection's first request head is read (at most 16 KiB); a WebSocket
 * upgrade runs through the Hono app like any request (origin check, shutdown,
 * the rate limit of reads, `maxClients`, logs); anything else gets a small
 * answer: 426 on `/ws` without an upgrade, 404 elsewhere, and the connection is
 * closed. No plain HTTP is served here.
 *
 * @module
 */

import net from "node:net";
import { Buffer } from "node:buffer";
import { LiveUpgrader, type UpgradeFetch } from "./live_upgrade.ts";
import type { WsLibSocket } from "./ws_lib_socket.ts";
import type { WsHub } from "./ws_hub.ts";

/** A client address as `Deno.serve` reports it. */
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

/** What {@linkcode startLivePort} needs. */
export interface LivePortOptions {
  hostname: string;
  port: number;
  /** The app's fetch (`app.fetch`): upgrades run through it. */
  fetch: UpgradeFetch;
  hub: WsHub;
  signal: AbortSignal;
  /** Longest request head read (default 16 KiB). */
  maxHeadBytes?: number;
}

/** A started live port. */
export interface LivePort {
  /** The bound port. */
  port: number;
  /** Resolves once the listener stopped after the signal. */
  finished: Promise<void>;
}

/** Keepalive period of live-port clients (ms): a ping, and a reset if unanswered. */
export const KEEPALIVE_MS = 30_000;

const HEAD_END = Buffer.from("\r\n\r\n");
const UPGRADE_WS = /\r\nupgrade:[ \t]*websocket[ \t]*\r\n/i;

/** Parses a request head (up to, not including, the blank line); undefined if malformed. */
export function parseHead(text: string): RequestHead | undefined {
  const lines = text.split("\r\n");
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0]);
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon <= 0) return undefined;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { method: m[1], url: m[2], headers };
}

/** Whether a request target is the live path (`/ws`, with any query). */
function livePath(url: string): boolean {
  return url.split("?")[0] === "/ws";
}

/** Writes a small plain-text answer and closes the connection. */
function answer(socket: net.Socket, status: number, text: string): void {
  const reason = status === 426 ? "Upgrade Required" : status === 404 ? "Not Found" : "Bad Request";
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      (status === 426 ? "upgrade: websocket\r\n" : "") +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Starts the live port; see the module doc. Rejects if the port cannot be bound. */
export async function startLivePort(opts: LivePortOptions): Promise<LivePort> {
  const sockets = new Set<WsLibSocket>();
  const upgrader = new LiveUpgrader(opts.fetch, opts.hub, sockets);
  const pending = new Set<net.Socket>();
  const max = opts.maxHeadBytes ?? 16384;
  const accept = (socket: net.Socket) => {
    const client: ClientAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "unknown",
      port: socket.remotePort ?? 0,
    };
    pending.add(socket);
    let buf: Buffer | undefined;
    const drop = () => {
      pending.delete(socket);
      socket.destroy();
    };
    socket.on("error", drop);
    // A client that never finishes its head does not hold a socket for long.
    socket.setTimeout(10_000, drop);
    const onData = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf(HEAD_END);
      if (end < 0 && buf.length < max) return;
      socket.off("data", onData);
      socket.pause();
      socket.setTimeout(0);
      pending.delete(socket);
      const text = end >= 0 ? buf.toString("latin1", 0, end + 2) : "";
      const head = end >= 0 ? parseHead(text.slice(0, end)) : undefined;
      if (!head) return answer(socket, 400, "bad request");
      if (!livePath(head.url)) {
        return answer(socket, 404, "not found: this port serves only the live feed (/ws)");
      }
      if (!UPGRADE_WS.test(text)) return answer(socket, 426, "expected a WebSocket upgrade");
      socket.off("error", drop);
      void upgrader.handle(socket, head, buf.subarray(end + 4), client);
    };
    socket.on("data", onData);
  };
  const server = net.createServer({ noDelay: true }, accept);
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
      for (const s of pending) s.destroy();
      pending.clear();
      server.close(() => resolve());
    };
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener("abort", stop, { once: true });
  });
  return { port, finished };
}
