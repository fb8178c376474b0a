/**
 * The TCP front on the public port: it reads each new connection's first
 * request head and either hands the connection to the WebSocket upgrade (a
 * request with `Upgrade: websocket`, see `ws_front_upgrade.ts`) or splices it
 * byte for byte to `Deno.serve` listening on 127.0.0.1 at an ephemeral port,
 * which stays the HTTP server for everything else (Deno's WebSocket hands out
 * neither the mask bit, nor ping/pong, nor a way to reset a stalled client;
 * npm `ws` over a `node:net` socket does, and `Deno.serve` hands out no raw
 * connection).
 *
 * The client's address reaches the HTTP handler through {@linkcode TcpFront.clientOf}:
 * the front records, per outbound connection to the inner port, the client it
 * carries (keyed by the outbound connection's local port). A connection to the
 * inner port that did not come from the front has no record and is refused
 * (403, see `front_server.ts`).
 *
 * A head that does not end within `maxHeadBytes` (16 KiB) is spliced as is (the
 * inner server answers it). Only a connection's FIRST request is looked at: an
 * upgrade later on a kept-alive connection goes to `Deno.serve` and gets Deno's
 * WebSocket (the hub drives both).
 *
 * @module
 */

import net from "node:net";
import { Buffer } from "node:buffer";

/** A client address as `Deno.serve` reports it. */
export interface ClientAddr {
  transport: "tcp";
  hostname: string;
  port: number;
}

/** The request line and headers of an upgrade request (names lower-cased, repeats joined). */
export interface RequestHead {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** What the front needs. */
export interface TcpFrontOptions {
  hostname: string;
  port: number;
  /** The inner `Deno.serve` port on 127.0.0.1. */
  innerPort: number;
  /** Takes over a connection whose first request asks for a WebSocket; `rest` follows the head. */
  onUpgrade(socket: net.Socket, head: RequestHead, rest: Buffer, client: ClientAddr): void;
  /** Longest first request head looked at (default 16 KiB). */
  maxHeadBytes?: number;
}

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

/** The public listener; see the module doc. */
export class TcpFront {
  readonly #opts: TcpFrontOptions;
  readonly #server: net.Server;
  /** Outbound local port -> the client that connection carries. */
  readonly #clients = new Map<number, ClientAddr>();
  readonly #open = new Set<net.Socket>();
  #port = 0;

  /** Creates the front; {@linkcode TcpFront.listen} starts it. */
  constructor(opts: TcpFrontOptions) {
    this.#opts = opts;
    this.#server = net.createServer({ noDelay: true }, (s) => this.#accept(s));
  }

  /** Listens; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#opts.port, this.#opts.hostname, () => {
        this.#port = (this.#server.address() as net.AddressInfo).port;
        resolve(this.#port);
      });
    });
  }

  /** The bound port (after {@linkcode TcpFront.listen}). */
  get port(): number {
    return this.#port;
  }

  /** Spliced connections open now. */
  get spliced(): number {
    return this.#clients.size;
  }

  /** The client an inner connection from `port` carries; undefined if not the front's. */
  clientOf(port: number): ClientAddr | undefined {
    return this.#clients.get(port);
  }

  /** Stops accepting and closes the spliced connections; upgraded sockets are the hub's. */
  close(): Promise<void> {
    for (const s of this.#open) s.destroy();
    this.#open.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    const client: ClientAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "unknown",
      port: socket.remotePort ?? 0,
    };
    const max = this.#opts.maxHeadBytes ?? 16384;
    let buf: Buffer | undefined;
    socket.on("error", () => socket.destroy());
    const onData = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf(HEAD_END);
      if (end < 0 && buf.length < max) return;
      socket.off("data", onData);
      socket.pause();
      if (end >= 0) {
        const text = buf.toString("latin1", 0, end + 2);
        if (UPGRADE_WS.test(text)) {
          const head = parseHead(text.slice(0, end));
          if (head) {
            socket.removeAllListeners("error");
            this.#opts.onUpgrade(socket, head, buf.subarray(end + 4), client);
            return;
          }
        }
      }
      this.#splice(socket, buf, client);
    };
    socket.on("data", onData);
  }

  #splice(socket: net.Socket, first: Buffer, client: ClientAddr): void {
    const inner = net.connect({ host: "127.0.0.1", port: this.#opts.innerPort, noDelay: true });
    let localPort = -1;
    this.#open.add(socket);
    const done = () => {
      if (localPort >= 0) this.#clients.delete(localPort);
      localPort = -1;
      this.#open.delete(socket);
      socket.destroy();
      inner.destroy();
    };
    inner.on("error", done);
    inner.on("close", done);
    socket.on("close", done);
    socket.on("error", done);
    inner.once("connect", () => {
      localPort = inner.localPort ?? -1;
      if (localPort < 0) return done();
      this.#clients.set(localPort, client);
      inner.write(first);
      socket.pipe(inner);
      inner.pipe(socket);
    });
  }
}
