/**
 * The WebSocket live feed hub. One `{type:"packet", data}` frame per
 * observation is built ONCE (see `ws_frame.ts`) and the same string is sent to
 * every client.
 *
 * Backpressure, per client: a frame goes straight to the socket while the
 * socket's `bufferedAmount` is under `highWaterBytes`; otherwise it waits in a
 * queue bounded by `maxQueueFrames` and `maxQueueBytes`. When that queue is
 * full, frames are dropped and counted; once the queue has drained to half, the
 * client gets `{"type":"lag","dropped":N}` in place of the gap. A client that
 * starts dropping `maxOverflows` times within `overflowWindowMs`, or stays in
 * the dropping state for `stuckMs`, is sent the lag notice and closed with
 * 1013 ("client too slow"). Server memory per client is therefore bounded by
 * about `highWaterBytes + maxQueueBytes`, and all queues together by
 * `maxTotalQueueBytes`: when every client falls behind at once (an overloaded
 * host), frames are dropped rather than queued past it, so the hub's memory
 * is at most `clients × highWaterBytes + maxTotalQueueBytes`.
 *
 * Frames from clients of at most 512 bytes are read and discarded; a larger
 * one closes the connection with 1009. Keepalive pings come from Deno
 * (`idleTimeout` of the upgrade). {@linkcode WsHub.close} closes every client
 * with 1001.
 *
 * @module
 */

import { buildPacketFrame, type LiveEvent } from "./ws_frame.ts";

/** Hub limits; every field has a default. */
export interface WsHubOptions {
  /** Queue bound in frames (default 256, like the reference). */
  maxQueueFrames?: number;
  /** Queue bound in bytes (default 1 MiB). */
  maxQueueBytes?: number;
  /** Socket `bufferedAmount` above which frames are queued instead of sent (default 64 KiB). */
  highWaterBytes?: number;
  /** Bound of all clients' queues together, in bytes (default 32 MiB). */
  maxTotalQueueBytes?: number;
  /** Overflow episodes tolerated within `overflowWindowMs` (default 3). */
  maxOverflows?: number;
  /** Window for `maxOverflows` (default 60 s). */
  overflowWindowMs?: number;
  /** Longest continuous dropping state before disconnect (default 15 s). */
  stuckMs?: number;
  /** Largest client frame that is silently discarded (default 512 bytes). */
  maxClientFrameBytes?: number;
  /** Drain check period for backlogged clients (default 20 ms). */
  drainIntervalMs?: number;
  /** Maximum number of clients (default 10,000); more are refused with 1013. */
  maxClients?: number;
}

/** Counters exposed through `/metrics` and `/api/health`. */
export interface WsHubStats {
  clients: number;
  framesBroadcast: number;
  framesSent: number;
  framesQueued: number;
  framesDropped: number;
  lagNotices: number;
  slowDisconnects: number;
  oversizeClientFrames: number;
  queuedBytes: number;
}

interface Client {
  socket: WebSocket;
  queue: string[];
  queueBytes: number;
  dropping: boolean;
  dropped: number;
  droppingSince: number;
  overflowTimes: number[];
  closed: boolean;
  /**
   * Upper bound of `socket.bufferedAmount` (bytes): the last value read plus 3 bytes per
   * UTF-16 unit sent since. Reading the real value is a runtime call; with 1,000 clients
   * it was a fifth of the fan-out's JavaScript time, and the bound decides the same.
   */
  bufferedBound: number;
  /** The current dropping episode comes from the all-clients bound, not from this client. */
  hostBehind: boolean;
}

const CLOSE_GOING_AWAY = 1001;
const CLOSE_TOO_BIG = 1009;
const CLOSE_TRY_AGAIN = 1013;

/**
 * Fan-out of live frames to WebSocket clients with bounded per-client memory.
 *
 * @example
 * ```ts
 * const hub = new WsHub();
 * hub.attach(socket);          // after Deno.upgradeWebSocket
 * hub.broadcast(event);        // called by the ingest pipeline per observation
 * hub.close();                 // on shutdown: 1001 to every client
 * ```
 */
export class WsHub {
  readonly #opts: Required<WsHubOptions>;
  readonly #clients = new Set<Client>();
  readonly #backlogged = new Set<Client>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Bytes waiting in all clients' queues. */
  #queuedBytes = 0;
  #now: () => number;
  readonly #stats = {
    framesBroadcast: 0,
    framesSent: 0,
    framesQueued: 0,
    framesDropped: 0,
    lagNotices: 0,
    slowDisconnects: 0,
    oversizeClientFrames: 0,
  };

  /** Creates a hub. `now` is injectable for tests. */
  constructor(options: WsHubOptions = {}, now: () => number = Date.now) {
    this.#opts = {
      maxQueueFrames: options.maxQueueFrames ?? 256,
      maxQueueBytes: options.maxQueueBytes ?? 1 << 20,
      highWaterBytes: options.highWaterBytes ?? 64 << 10,
      maxTotalQueueBytes: options.maxTotalQueueBytes ?? 32 << 20,
      maxOverflows: options.maxOverflows ?? 3,
      overflowWindowMs: options.overflowWindowMs ?? 60_000,
      stuckMs: options.stuckMs ?? 15_000,
      maxClientFrameBytes: options.maxClientFrameBytes ?? 512,
      drainIntervalMs: options.drainIntervalMs ?? 20,
      maxClients: options.maxClients ?? 10_000,
    };
    this.#now = now;
  }

  /** Number of connected clients. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Whether {@linkcode WsHub.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A snapshot of the counters. */
  stats(): WsHubStats {
    return { clients: this.#clients.size, queuedBytes: this.#queuedBytes, ...this.#stats };
  }

  /**
   * Takes over a socket returned by `Deno.upgradeWebSocket` (or hono's
   * `upgradeWebSocket`); the hub owns its `message`, `close` and `error` handlers.
   */
  attach(socket: WebSocket): void {
    const client: Client = {
      socket,
      queue: [],
      queueBytes: 0,
      dropping: false,
      dropped: 0,
      droppingSince: 0,
      overflowTimes: [],
      bufferedBound: Infinity,
      hostBehind: false,
      closed: false,
    };
    if (this.#closed || this.#clients.size >= this.#opts.maxClients) {
      const code = this.#closed ? CLOSE_GOING_AWAY : CLOSE_TRY_AGAIN;
      const refuse = () => socket.close(code, "unavailable");
      if (socket.readyState === WebSocket.OPEN) refuse();
      else socket.addEventListener("open", refuse);
      return;
    }
    this.#clients.add(client);
    socket.addEventListener("message", (ev) => this.#onMessage(client, ev));
    socket.addEventListener("close", () => this.#remove(client));
    socket.addEventListener("error", () => this.#remove(client));
  }

  /** Builds the frame for one observation once and sends it to every client. */
  broadcast(event: LiveEvent): void {
    if (this.#closed || this.#clients.size === 0) return;
    this.broadcastFrame(buildPacketFrame(event));
  }

  /** Sends an already-serialised frame to every client. */
  broadcastFrame(frame: string): void {
    if (this.#closed) return;
    this.#stats.framesBroadcast++;
    const size = frame.length;
    for (const c of this.#clients) this.#deliver(c, frame, size);
  }

  /** Closes every client with 1001 and stops accepting new ones. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const c of [...this.#clients]) {
      try {
        c.socket.close(CLOSE_GOING_AWAY, "server shutting down");
      } catch { /* already closing */ }
      this.#remove(c);
    }
  }

  #deliver(c: Client, frame: string, size: number): void {
    if (c.closed) return;
    if (c.socket.readyState !== WebSocket.OPEN) {
      // Closing (keepalive timeout, peer close): its close event may come much later.
      if (c.socket.readyState !== WebSocket.CONNECTING) this.#remove(c);
      return;
    }
    if (c.queue.length === 0 && this.#belowHighWater(c)) {
      this.#send(c, frame);
      return;
    }
    const clientFull = c.queue.length >= this.#opts.maxQueueFrames ||
      c.queueBytes + size > this.#opts.maxQueueBytes;
    if (c.dropping || clientFull || this.#queuedBytes + size > this.#opts.maxTotalQueueBytes) {
      this.#overflow(c, !c.dropping && !clientFull);
      return;
    }
    c.queue.push(frame);
    c.queueBytes += size;
    this.#queuedBytes += size;
    this.#stats.framesQueued++;
    this.#markBacklogged(c);
  }

  /**
   * Drops a frame for `c`. `hostBehind`: only the all-clients bound is full (the host is behind,
   * not this client): the client gets its gap and lag notice, but the episode does not count
   * towards disconnecting it, until the host has caught up.
   */
  #overflow(c: Client, hostBehind: boolean): void {
    this.#stats.framesDropped++;
    c.dropped++;
    const now = this.#now();
    if (!c.dropping) {
      c.dropping = true;
      c.droppingSince = now;
      c.hostBehind = hostBehind;
      if (hostBehind) {
        this.#markBacklogged(c);
        return;
      }
      c.overflowTimes.push(now);
      const since = now - this.#opts.overflowWindowMs;
      while (c.overflowTimes.length && c.overflowTimes[0] < since) c.overflowTimes.shift();
      if (c.overflowTimes.length >= this.#opts.maxOverflows) this.#disconnectSlow(c);
    } else if (!c.hostBehind && now - c.droppingSince >= this.#opts.stuckMs) {
      this.#disconnectSlow(c);
    }
    this.#markBacklogged(c);
  }

  #disconnectSlow(c: Client): void {
    this.#stats.slowDisconnects++;
    this.#clearQueue(c);
    this.#sendLag(c);
    try {
      c.socket.close(CLOSE_TRY_AGAIN, "client too slow");
    } catch { /* ignore */ }
    this.#remove(c);
  }

  #sendLag(c: Client): void {
    if (c.dropped === 0) return;
    this.#stats.lagNotices++;
    this.#send(c, `{"type":"lag","dropped":${c.dropped}}`);
    c.dropped = 0;
    c.dropping = false;
    c.hostBehind = false;
  }

  /** Empties `c`'s queue and takes its bytes off the all-clients total. */
  #clearQueue(c: Client): void {
    this.#queuedBytes -= c.queueBytes;
    c.queue = [];
    c.queueBytes = 0;
  }

  /** Whether the socket's buffer is under the high-water mark (exact; reads it only when near). */
  #belowHighWater(c: Client): boolean {
    if (c.bufferedBound < this.#opts.highWaterBytes) return true;
    c.bufferedBound = c.socket.bufferedAmount;
    return c.bufferedBound < this.#opts.highWaterBytes;
  }

  #send(c: Client, frame: string): void {
    try {
      c.socket.send(frame);
      c.bufferedBound += 3 * frame.length;
      this.#stats.framesSent++;
    } catch {
      this.#remove(c);
    }
  }

  #markBacklogged(c: Client): void {
    this.#backlogged.add(c);
    if (this.#timer === undefined && !this.#closed) {
      this.#timer = setInterval(() => this.#drainAll(), this.#opts.drainIntervalMs);
    }
  }

  #drainAll(): void {
    const now = this.#now();
    for (const c of this.#backlogged) {
      if (c.closed || c.socket.readyState > WebSocket.OPEN) {
        this.#remove(c);
        continue;
      }
      while (c.queue.length > 0 && this.#belowHighWater(c)) {
        const f = c.queue.shift()!;
        c.queueBytes -= f.length;
        this.#queuedBytes -= f.length;
        this.#send(c, f);
      }
      if (c.dropping) {
        if (c.hostBehind && this.#queuedBytes <= this.#opts.maxTotalQueueBytes / 2) {
          // The host caught up: from now on this client's own pace decides.
          c.hostBehind = false;
          c.droppingSince = now;
        }
        if (c.queue.length <= this.#opts.maxQueueFrames / 2 && this.#belowHighWater(c)) {
          this.#sendLag(c);
        } else if (!c.hostBehind && now - c.droppingSince >= this.#opts.stuckMs) {
          this.#disconnectSlow(c);
          continue;
        }
      }
      if (c.queue.length === 0 && !c.dropping) this.#backlogged.delete(c);
    }
    if (this.#backlogged.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #onMessage(c: Client, ev: MessageEvent): void {
    const d = ev.data;
    const size = typeof d === "string"
      ? d.length
      : d instanceof ArrayBuffer
      ? d.byteLength
      : d instanceof Blob
      ? d.size
      : 0;
    if (size > this.#opts.maxClientFrameBytes) {
      this.#stats.oversizeClientFrames++;
      try {
        c.socket.close(CLOSE_TOO_BIG, "client frames are limited to 512 bytes");
      } catch { /* ignore */ }
      this.#remove(c);
    }
    // Frames within the limit are read and discarded.
  }

  #remove(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.#clearQueue(c);
    this.#clients.delete(c);
    this.#backlogged.delete(c);
  }
}
