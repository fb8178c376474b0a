/**
 * The hub's view of an npm `ws` socket (see `ws_socket.ts` for the interface,
 * which Deno's WebSocket also has), with what `ws` makes possible:
 *
 * - **A cap on bytes in flight.** The socket pings the client after every
 *   `PING_EVERY_BYTES` sent; a pong proves everything sent before its ping was
 *   read. While more than `IN_FLIGHT_CAP_BYTES` are unproven,
 *   `bufferedAmount` reports at least `HELD_BACK_BYTES` (over the hub's
 *   high-water mark), so the hub queues and, if nothing moves, closes the
 *   client with 1013. A client that
 *   does not read thus pins at most the cap (plus its kernel's share) instead
 *   of filling its socket buffers (up to 4 MiB each on loopback).
 * - **A close that frees the connection.** After a close frame the
 *   connection is reset (`resetAndDestroy`: RST, the kernel drops what is
 *   unsent) if it is still open `RESET_AFTER_MS` later: a client that does not
 *   read never reads the close frame behind its backlog either.
 * - **Keepalive.** {@linkcode WsLibSocket.keepalive} (every 30 s from the
 *   front) pings an idle client and resets one whose previous ping is still
 *   unanswered, as Deno's `idleTimeout` did.
 * - Unmasked client frames close the connection with 1002, frames over 512
 *   bytes with 1009 (`ws` itself, `maxPayload`).
 *
 * @module
 */

import type { WebSocket as WsSocket } from "ws";
import type net from "node:net";
import type { LiveSocket } from "./ws_socket.ts";

/** A ping after this many bytes sent since the last one. */
export const PING_EVERY_BYTES = 32 << 10;
/** Most bytes sent and not yet proven read (by a pong) before the hub must queue. */
export const IN_FLIGHT_CAP_BYTES = 128 << 10;
/** What `bufferedAmount` reports at least while over the cap (the hub's mark is 16 KiB). */
export const HELD_BACK_BYTES = 64 << 10;
/** A closed connection still open after this long is reset. */
export const RESET_AFTER_MS = 1000;

/** An npm `ws` socket as the hub drives it. */
export class WsLibSocket implements LiveSocket {
  readonly #ws: WsSocket;
  /** Bytes sent (UTF-16 units of text frames, a close bound for JSON). */
  #sent = 0;
  /** `#sent` when the last answered ping went out. */
  #acked = 0;
  /** `#sent` when the outstanding ping went out; -1: none outstanding. */
  #pingAt = -1;
  /** The keepalive tick saw the outstanding ping already. */
  #pingSeen = false;
  #resetTimer: ReturnType<typeof setTimeout> | undefined;

  /** Wraps an open `ws` socket. */
  constructor(ws: WsSocket) {
    this.#ws = ws;
    ws.on("pong", () => {
      if (this.#pingAt >= 0) this.#acked = this.#pingAt;
      this.#pingAt = -1;
      this.#pingSeen = false;
    });
    ws.on("close", () => clearTimeout(this.#resetTimer));
    // A protocol error (unmasked frame: 1002; over maxPayload: 1009): `ws` sent its close frame.
    ws.on("error", () => this.#resetTimer ??= setTimeout(() => this.reset(), RESET_AFTER_MS));
  }

  /** `WebSocket.readyState` values (0-3, the same in `ws`). */
  get readyState(): number {
    return this.#ws.readyState;
  }

  /**
   * Bytes the server holds for this socket (`ws`'s and the stream's buffers); while the
   * unproven bytes in flight are over the cap, at least `HELD_BACK_BYTES` (over the hub's
   * default high-water mark, so it queues). Not the unproven bytes themselves: those are in
   * the kernel or on the wire, and counting them in the hub's memory accounting (twice, as
   * Deno's copies are) closed reading clients whose pongs came late.
   */
  get bufferedAmount(): number {
    const held = this.#ws.bufferedAmount;
    return this.#sent - this.#acked > IN_FLIGHT_CAP_BYTES ? Math.max(held, HELD_BACK_BYTES) : held;
  }

  /** Sends a text frame; pings once `PING_EVERY_BYTES` went out since the last proof. */
  send(data: string): void {
    this.#ws.send(data);
    this.#sent += data.length;
    if (this.#pingAt < 0 && this.#sent - this.#acked >= PING_EVERY_BYTES) this.#ping();
  }

  /** Sends a close frame; resets the connection if it is still open `RESET_AFTER_MS` later. */
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
    this.#resetTimer ??= setTimeout(() => this.reset(), RESET_AFTER_MS);
  }

  /** Drops the connection at once (RST; nothing unsent is kept by the kernel). */
  reset(): void {
    const raw = (this.#ws as unknown as { _socket?: net.Socket })._socket;
    if (raw && !raw.destroyed) {
      if (typeof raw.resetAndDestroy === "function") raw.resetAndDestroy();
      else raw.destroy();
    }
    this.#ws.terminate();
  }

  /** A keepalive tick: pings an idle client; resets one whose earlier ping is unanswered. */
  keepalive(): void {
    if (this.#ws.readyState !== 1) return;
    if (this.#pingAt >= 0) {
      if (this.#pingSeen) return this.reset();
      this.#pingSeen = true;
      return;
    }
    this.#ping();
  }

  /** The hub's handlers: `message` gets `{data}` (text as a string), the others no argument. */
  addEventListener(type: string, listener: (ev: { data: unknown }) => void): void {
    if (type === "message") {
      this.#ws.on(
        "message",
        (data, isBinary) => listener({ data: isBinary ? data : String(data) }),
      );
    } else if (type === "close" || type === "error" || type === "open") {
      this.#ws.on(type, () => listener({ data: undefined }));
    }
  }

  #ping(): void {
    this.#pingAt = this.#sent;
    this.#pingSeen = false;
    try {
      this.#ws.ping();
    } catch { /* closing */ }
  }
}
