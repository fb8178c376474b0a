/**
 * The hub's view of an npm `ws` socket on the live port (see `ws_socket.ts`
 * for the interface, which Deno's WebSocket also has), with what owning the
 * connection makes possible:
 *
 * - **A window on bytes in flight.** The socket pings the client after every
 *   quarter of its window sent, several pings outstanding at once; a pong proves
 *   everything sent before its ping was read. While more than the client's
 *   window is unproven, `bufferedAmount` reports at least `HELD_BACK_BYTES`
 *   (over the hub's high-water mark), so the hub queues and, if nothing moves,
 *   closes the client with 1013. The window starts at `MIN_WINDOW_BYTES` and
 *   grows fourfold with every pong, up to `MAX_WINDOW_BYTES`: a
 *   client that reads is soon paced by its reading, not by the pong round trip,
 *   while one that never reads pins at most `MIN_WINDOW_BYTES` of kernel
 *   buffers instead of filling them (up to 4 MiB per socket on loopback).
 * - **Frames of one turn written together.** The first send of an event-loop
 *   turn corks the connection; all corked connections are uncorked once, in
 *   the next turn (`setImmediate`), so a client's frames of one turn leave in
 *   one write (`writev`) instead of one syscall each.
 * - **A close that frees the connection.** After a close frame the connection
 *   is reset (RST: the kernel drops what is unsent) if it is still open
 *   `RESET_AFTER_MS` later: a client that does not read never reads the close
 *   frame behind its backlog either.
 * - **Keepalive.** {@linkcode WsLibSocket.keepalive} (every 30 s from the live
 *   port) pings an idle client and resets one whose earlier ping is still
 *   unanswered, as Deno's `idleTimeout` does.
 * - Unmasked client frames close the connection with 1002, frames over the
 *   upgrade's `maxPayload` with 1009 (`ws` itself).
 *
 * @module
 */

import type { WebSocket as WsSocket } from "ws";
import type net from "node:net";
import { setImmediate } from "node:timers";
import type { LiveSocket } from "./ws_socket.ts";

/** A ping after a quarter of the client's window was sent since the last one. */
export const PINGS_PER_WINDOW = 4;
/** The window of unproven bytes of a client that has not answered a ping yet. */
export const MIN_WINDOW_BYTES = 16 << 10;
/** The window grows this many times with every pong. */
export const WINDOW_GROWTH = 4;
/** The largest window (reached after three pongs). */
export const MAX_WINDOW_BYTES = 1 << 20;
/** Most pings outstanding at once (a client this far behind is held back anyway). */
const MAX_PINGS = 8;
/** What `bufferedAmount` reports at least while over the window (the hub's mark is 16 KiB). */
export const HELD_BACK_BYTES = 64 << 10;
/**
 * A client over its window counts `HELD_BACK_BYTES` against the memory budget only once its
 * oldest outstanding ping is this old: a reader whose pong is merely late (the server busy
 * with a burst) is not closed as if it were stalled.
 */
export const PONG_GRACE_MS = 1000;
/** A closed connection still open after this long is reset. */
export const RESET_AFTER_MS = 1000;

/** Counters of all live-port sockets (for benches and traces). */
export const liveSocketStats = { pings: 0, pongs: 0, resets: 0, uncorks: 0, heldBack: 0 };

/**
 * Bench traces: `opened` (when set) sees each new live socket with its `ws` socket, to follow
 * one of them (`bench/ws_heap_probe.ts`); the sockets themselves keep no per-client diagnostics.
 */
export const liveSocketHooks: { opened?: (socket: WsLibSocket, ws: WsSocket) => void } = {};

/**
 * Sockets corked this turn, uncorked together in the next: the first `corkedCount` entries of an
 * array that is reused, never shrunk (a `Map` cleared every turn reallocated its table as it grew
 * back to every client, and those tables outlived young-generation collections: most of the V8
 * old space the fan-out promoted, BENCHMARKS.md session 9).
 */
const corkedList: (WsLibSocket | undefined)[] = [];
let corkedCount = 0;
let uncorkArmed = false;

/** An npm `ws` socket as the hub drives it. */
export class WsLibSocket implements LiveSocket {
  readonly #ws: WsSocket;
  readonly #raw: net.Socket | undefined;
  /** Bytes sent (UTF-16 units of text frames, a close bound for JSON). */
  #sent = 0;
  /** Bytes proven read: `#sent` when the last answered ping went out. */
  #acked = 0;
  /** `#sent` at each outstanding ping, oldest first (pongs come back in order). */
  readonly #pings: number[] = [];
  /** When each outstanding ping was sent (`performance.now()`), oldest first. */
  readonly #pingTimes: number[] = [];
  /** `#sent` at the last ping (answered or not). */
  #lastPingAt = 0;
  #window = MIN_WINDOW_BYTES;
  /** The keepalive tick saw the oldest outstanding ping already. */
  #pingSeen = false;
  #resetTimer: ReturnType<typeof setTimeout> | undefined;
  /** While corked: what `ws` and the stream held before this turn's frames; -1 when not corked. */
  #heldAtCork = -1;

  /** Wraps an open `ws` socket. */
  constructor(ws: WsSocket) {
    this.#ws = ws;
    this.#raw = (ws as unknown as { _socket?: net.Socket })._socket;
    ws.on("pong", () => {
      liveSocketStats.pongs++;
      this.#pingTimes.shift();
      const at = this.#pings.shift();
      if (at !== undefined) this.#acked = at;
      this.#window = Math.min(MAX_WINDOW_BYTES, this.#window * WINDOW_GROWTH);
      this.#pingSeen = false;
      // While nothing is in flight, a client that answers is proven again at once: one that reads
      // reaches its full window within a few round trips of connecting, before the feed (or a
      // burst) reaches it, instead of during it.
      if (
        this.#pings.length === 0 && this.#sent === this.#acked && this.#window < MAX_WINDOW_BYTES
      ) this.#ping();
    });
    ws.on("close", () => clearTimeout(this.#resetTimer));
    // A protocol error (unmasked frame: 1002; over maxPayload: 1009): `ws` sent its close frame.
    ws.on("error", () => this.#resetTimer ??= setTimeout(() => this.reset(), RESET_AFTER_MS));
    liveSocketHooks.opened?.(this, ws);
    // A ping as the connection opens (see the pong handler).
    this.#ping();
  }

  /** `WebSocket.readyState` values (0-3, the same in `ws`). */
  get readyState(): number {
    return this.#ws.readyState;
  }

  /** Bytes sent and not yet proven read by a pong. */
  get unproven(): number {
    return this.#sent - this.#acked;
  }

  /**
   * Bytes the server holds for this socket (`ws`'s and the stream's buffers; while corked,
   * what they held before this turn's frames); while the unproven bytes are over the window, at least `HELD_BACK_BYTES` (over
   * the hub's high-water mark, so it queues). Not the unproven bytes themselves: those are in
   * the kernel or on the wire, and counting them in the hub's memory accounting would close
   * reading clients whose pongs come late.
   */
  get bufferedAmount(): number {
    const held = this.#held();
    if (this.#sent - this.#acked <= this.#window) return held;
    liveSocketStats.heldBack++;
    return Math.max(held, HELD_BACK_BYTES);
  }

  /**
   * What the hub's memory budget counts: what `ws` and the stream hold, and, while over the
   * window with a ping unanswered for `PONG_GRACE_MS`, at least `HELD_BACK_BYTES` (a client
   * that does not read); a reader whose first pong is merely late is not counted as stalled
   * (it was: the budget closed the first-connected of equally held-back clients).
   */
  get memoryBytes(): number {
    const held = this.#held();
    if (this.#sent - this.#acked <= this.#window || this.#pingTimes.length === 0) return held;
    if (performance.now() - this.#pingTimes[0] < PONG_GRACE_MS) return held;
    return Math.max(held, HELD_BACK_BYTES);
  }

  /** Sends a text frame (corked until the next turn); pings every quarter window. */
  send(data: string): void {
    const raw = this.#raw;
    if (raw && this.#heldAtCork < 0 && !raw.destroyed) {
      this.#heldAtCork = this.#ws.bufferedAmount;
      raw.cork();
      corkedList[corkedCount++] = this;
      if (!uncorkArmed) {
        uncorkArmed = true;
        setImmediate(WsLibSocket.#uncorkAll);
      }
    }
    this.#ws.send(data);
    this.#sent += data.length;
    if (
      this.#sent - this.#lastPingAt >= this.#window / PINGS_PER_WINDOW &&
      this.#pings.length < MAX_PINGS
    ) {
      this.#ping();
    }
  }

  /** Sends a close frame; resets the connection if it is still open `RESET_AFTER_MS` later. */
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
    this.#resetTimer ??= setTimeout(() => this.reset(), RESET_AFTER_MS);
  }

  /** Drops the connection at once (RST; nothing unsent is kept by the kernel). */
  reset(): void {
    const raw = this.#raw;
    liveSocketStats.resets++;
    if (raw && !raw.destroyed) {
      this.#heldAtCork = -1;
      if (typeof raw.resetAndDestroy === "function") raw.resetAndDestroy();
      else raw.destroy();
    }
    this.#ws.terminate();
  }

  /** A keepalive tick: pings an idle client; resets one whose oldest ping is unanswered. */
  keepalive(): void {
    if (this.#ws.readyState !== 1) return;
    if (this.#pings.length > 0) {
      if (this.#pingSeen) return this.reset();
      this.#pingSeen = true;
      return;
    }
    this.#ping();
  }

  /** Diagnostics of this socket (bench traces). */
  debugState(): Record<string, unknown> {
    const raw = this.#raw as unknown as Record<string, unknown> & net.Socket;
    const handle = raw?._handle as { reading?: boolean } | undefined;
    const ws = raw?._writableState as { corked?: number; writing?: boolean; length?: number };
    return {
      sent: this.#sent,
      acked: this.#acked,
      window: this.#window,
      pingsOut: this.#pings.length,
      ready: this.#ws.readyState,
      wsBuffered: this.#ws.bufferedAmount,
      inCorkList: this.#heldAtCork >= 0,
      corked: ws?.corked,
      writing: ws?.writing,
      wLen: ws?.length,
      bytesRead: raw?.bytesRead,
      bytesWritten: raw?.bytesWritten,
      flowing: raw?.readableFlowing,
      rLen: raw?.readableLength,
      reading: handle?.reading,
      paused: raw?.isPaused(),
    };
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

  /** What `ws` and the stream hold; while corked, what they held before this turn's frames
   * (those leave at the next turn). */
  #held(): number {
    return this.#heldAtCork >= 0 ? this.#heldAtCork : this.#ws.bufferedAmount;
  }

  /** Uncorks every socket corked this turn (armed by the turn's first corking `send`). */
  static #uncorkAll(): void {
    uncorkArmed = false;
    for (let i = 0; i < corkedCount; i++) {
      const s = corkedList[i]!;
      corkedList[i] = undefined;
      if (s.#heldAtCork < 0) continue; // reset meanwhile
      s.#heldAtCork = -1;
      liveSocketStats.uncorks++;
      if (!s.#raw!.destroyed) s.#raw!.uncork();
    }
    corkedCount = 0;
  }

  #ping(): void {
    this.#pings.push(this.#sent);
    this.#pingTimes.push(performance.now());
    this.#lastPingAt = this.#sent;
    if (this.#pings.length === 1) this.#pingSeen = false;
    liveSocketStats.pings++;
    try {
      this.#ws.ping();
    } catch { /* closing */ }
  }
}
