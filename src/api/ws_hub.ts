/**
 * The WebSocket live feed hub. One `{type:"packet", data}` message per
 * observation is built ONCE (see `ws_frame.ts`) and the same string goes to
 * every plain client (one frame per observation, as CoreScope sends them);
 * batch clients (`/ws?batch=1`) get JSON arrays of the messages of one flush
 * interval (`flushMs`, default 25 ms, up to twice that while the host is behind,
 * see `ws_flush_timer.ts`; sooner when a frame of `maxBatchBytes` is full; 0:
 * each at once as a one-element array),
 * each array built once per flush for all of them, in order; lag notices too
 * are arrays for them (`[{"type":"lag","dropped":N}]`).
 *
 * Backpressure, per client: a frame goes straight to the socket while the
 * socket's `bufferedAmount` is under `highWaterBytes`; otherwise it waits in a
 * queue bounded by `maxQueueFrames` and `maxQueueBytes` (queues hold references to
 * the shared frame, see `ws_client.ts`). When that queue is
 * full, frames are dropped and counted (`dropped` counts observations); once
 * the queue has drained to half, the client gets a lag notice in place of the
 * gap. A client that starts dropping `maxOverflows` times within
 * `overflowWindowMs`, or cannot take frames for `stuckMs` (dropping, or its
 * queue not moving), is sent the lag notice and closed with 1013 ("client too
 * slow").
 *
 * All clients together: their queues (each shared frame once) are bounded by
 * `maxTotalQueueBytes` (when it is full, clients whose queue has not moved for
 * `evictStalledMs` are closed with 1013 to make room; otherwise the frame is
 * dropped as the host's, not the client's, overflow), and their accounted
 * memory (see `ws_limits.ts`) by `memoryBudgetBytes`, checked every
 * `memoryCheckMs`: over it, the clients furthest behind are closed with 1013.
 *
 * Frames from clients of at most 512 bytes are read and discarded; a larger
 * one closes the connection with 1009. {@linkcode WsHub.close} closes every
 * client with 1001.
 *
 * @module
 */

import { batchFrames, buildPacketFrame, type LiveEvent } from "./ws_frame.ts";
import { FlushSlicer } from "./ws_slices.ts";
import type { LiveSocket } from "./ws_socket.ts";
import { FlushTimer } from "./ws_flush_timer.ts";
import { accountClients, resolveLimits, type WsHubOptions, type WsLimits } from "./ws_limits.ts";
import {
  type AttachOptions,
  clearQueue,
  type Client,
  clientFrameSize,
  dequeue,
  enqueue,
  longestStalled,
  newClient,
  newCounters,
  type SharedFrame,
  type WsHubStats,
} from "./ws_client.ts";

export type { WsHubOptions } from "./ws_limits.ts";
export type { AttachOptions, WsHubStats } from "./ws_client.ts";

const CLOSE_GOING_AWAY = 1001;
const CLOSE_TOO_BIG = 1009;
const CLOSE_TRY_AGAIN = 1013;

/**
 * Fan-out of live frames to WebSocket clients with bounded memory.
 *
 * @example
 * ```ts
 * const hub = new WsHub({ flushMs: 25 });
 * hub.attach(socket, { batch: true }); // a LiveSocket, e.g. a WsLibSocket
 * hub.broadcast(event);                // called by the ingest pipeline per observation
 * hub.close();                         // on shutdown: 1001 to every client
 * ```
 */
export class WsHub {
  readonly #opts: WsLimits;
  readonly #clients = new Set<Client>();
  readonly #plain = new Set<Client>();
  readonly #batched = new Set<Client>();
  readonly #backlogged = new Set<Client>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #memTimer: ReturnType<typeof setInterval> | undefined;
  readonly #flushTimer: FlushTimer;
  /** Messages waiting for the next batch flush. */
  #pending: string[] = [];
  /** Characters of `#pending` as one frame (with the separators). */
  #pendingChars = 1;
  readonly #slicer: FlushSlicer;
  #closed = false;
  /** Characters waiting in all clients' queues (each shared frame once). */
  #queuedBytes = 0;
  #accounted = 0;
  #buffered = 0;
  /** No stalled client to close before this time (see `#evictStalled`). */
  #noStalledUntil = 0;
  #now: () => number;
  readonly #stats = newCounters();

  /** Creates a hub. `now` is injectable for tests. */
  constructor(options: WsHubOptions = {}, now: () => number = Date.now) {
    this.#opts = resolveLimits(options);
    this.#now = now;
    // Every send is a copy the runtime holds until written: a large slice is accounted now.
    this.#slicer = new FlushSlicer(this.#opts.sliceClients, (c, f) => this.#deliver(c, f), (n) => {
      if (n > this.#opts.memoryBudgetBytes / 8) this.#checkMemory();
    });
    this.#flushTimer = new FlushTimer(
      this.#opts.flushMs,
      () => this.#slicer.backlog > 0,
      () => this.flush(),
      this.#opts.maxFlushMs,
    );
  }

  /** The limits in force (defaults filled in). */
  get limits(): Readonly<WsLimits> {
    return this.#opts;
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
    return {
      clients: this.#clients.size,
      batchClients: this.#batched.size,
      queuedBytes: this.#queuedBytes,
      accountedBytes: this.#accounted,
      bufferedBytes: this.#buffered,
      flushIntervalMs: this.#flushTimer.interval,
      ...this.#stats,
    };
  }

  /**
   * Takes over a socket (`LiveSocket`: an npm `ws` one, `ws_lib_socket.ts`, or any
   * WebSocket with the same surface); the hub owns its `message`, `close` and `error`
   * handlers.
   */
  attach(socket: LiveSocket, options: AttachOptions = {}): void {
    const client = newClient(socket, options.batch === true);
    if (this.#closed || this.#clients.size >= this.#opts.maxClients) {
      const code = this.#closed ? CLOSE_GOING_AWAY : CLOSE_TRY_AGAIN;
      const refuse = () => socket.close(code, "unavailable");
      if (socket.readyState === WebSocket.OPEN) refuse();
      else socket.addEventListener("open", refuse);
      return;
    }
    this.#clients.add(client);
    (client.batch ? this.#batched : this.#plain).add(client);
    socket.addEventListener("message", (ev) => this.#onMessage(client, ev));
    socket.addEventListener("close", () => this.#remove(client));
    socket.addEventListener("error", () => this.#remove(client));
    if (this.#memTimer === undefined) {
      this.#memTimer = setInterval(() => this.#checkMemory(), this.#opts.memoryCheckMs);
    }
  }

  /** Builds the message for one observation once and sends it to every client. */
  broadcast(event: LiveEvent): void {
    if (this.#closed || this.#clients.size === 0) return;
    this.broadcastFrame(buildPacketFrame(event));
  }

  /** Sends an already-serialised message to every client (batch clients at the next flush). */
  broadcastFrame(frame: string): void {
    if (this.#closed) return;
    this.#stats.framesBroadcast++;
    if (this.#plain.size > 0) {
      const shared: SharedFrame = { text: frame, count: 1, refs: 0 };
      for (const c of this.#plain) this.#deliver(c, shared);
    }
    if (this.#batched.size === 0) return;
    if (this.#opts.flushMs <= 0) {
      this.#stats.batchesBuilt++;
      const one: SharedFrame = { text: `[${frame}]`, count: 1, refs: 0 };
      for (const c of this.#batched) this.#deliver(c, one);
      return;
    }
    // A full frame goes now: waiting would only split the flush into a full frame and a rest.
    if (
      this.#pending.length > 0 && this.#pendingChars + frame.length + 1 > this.#opts.maxBatchBytes
    ) this.flush();
    this.#pending.push(frame);
    this.#pendingChars += frame.length + 1;
    if (this.#pending.length >= this.#opts.maxBatch) this.flush();
    else this.#flushTimer.arm();
  }

  /**
   * Sends the pending messages to the batch clients, in order: one array frame per `maxBatch`
   * messages or `maxBatchBytes` characters (a single longer message is alone; a message that
   * would take the pending ones past `maxBatchBytes` flushes them first, at once), to
   * `sliceClients` clients now and to the rest in the next event-loop turns (`ws_slices.ts`).
   */
  flush(): void {
    this.#flushTimer.cancel();
    const frames = batchFrames(this.#pending, this.#opts.maxBatch, this.#opts.maxBatchBytes);
    this.#pending = [];
    this.#pendingChars = 1;
    if (frames.length === 0 || this.#batched.size === 0) return;
    this.#stats.batchesBuilt += frames.length;
    this.#slicer.push(frames, [...this.#batched]);
  }

  /** Closes every client with 1001 and stops accepting new ones. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of [this.#timer, this.#memTimer]) if (t !== undefined) clearInterval(t);
    this.#flushTimer.cancel();
    this.#timer = this.#memTimer = undefined;
    this.#pending = [];
    this.#pendingChars = 1;
    this.#slicer.stop();
    for (const c of [...this.#clients]) {
      try {
        c.socket.close(CLOSE_GOING_AWAY, "server shutting down");
      } catch { /* already closing */ }
      this.#remove(c);
    }
  }

  #deliver(c: Client, frame: SharedFrame): void {
    if (c.closed) return;
    if (c.socket.readyState !== WebSocket.OPEN) {
      // Closing (keepalive timeout, peer close): its close event may come much later.
      if (c.socket.readyState !== WebSocket.CONNECTING) this.#remove(c);
      return;
    }
    if (c.queue.length === 0 && this.#belowHighWater(c)) {
      this.#send(c, frame.text);
      return;
    }
    const size = frame.text.length;
    const clientFull = c.queue.length >= this.#opts.maxQueueFrames ||
      c.queueBytes + size > this.#opts.maxQueueBytes;
    // A frame another queue already holds costs nothing more.
    const adds = frame.refs === 0 ? size : 0;
    if (
      c.dropping || clientFull ||
      (adds > 0 && this.#queuedBytes + adds > this.#opts.maxTotalQueueBytes &&
        !this.#evictStalled(c, adds))
    ) {
      this.#overflow(c, frame.count, !c.dropping && !clientFull);
      return;
    }
    if (c.queue.length === 0) c.stalledSince = this.#now();
    this.#queuedBytes += enqueue(c, frame);
    this.#stats.framesQueued++;
    this.#markBacklogged(c);
  }

  /**
   * The all-clients queue bound is full: closes (1013) the clients with the longest queues among
   * those whose queue has not moved for `evictStalledMs`, until `size` more bytes fit. A busy
   * host still drains its clients now and then, so they are never chosen; clients that do not
   * read are, so one that keeps up is not starved by them. False when none could be closed.
   */
  #evictStalled(c: Client, size: number): boolean {
    const now = this.#now();
    if (now < this.#noStalledUntil) return false;
    const { maxTotalQueueBytes, evictStalledMs } = this.#opts;
    while (this.#queuedBytes + size > maxTotalQueueBytes) {
      const worst = longestStalled(this.#backlogged, c, now - evictStalledMs);
      if (!worst) {
        this.#noStalledUntil = now + 250; // nobody to close: look again in a while
        return false;
      }
      this.#stats.boundDisconnects++;
      this.#disconnectSlow(worst);
    }
    return true;
  }

  /**
   * Drops a frame of `count` observations for `c`. `hostBehind`: only the all-clients queue
   * bound is full (the host is behind, not this client): the client gets its gap and lag
   * notice, but the episode does not count towards `maxOverflows`. Either way a client whose
   * queue does not move for `stuckMs` is closed (see `#drainAll`).
   */
  #overflow(c: Client, count: number, hostBehind: boolean): void {
    this.#stats.framesDropped += count;
    c.dropped += count;
    const now = this.#now();
    if (!c.dropping) {
      c.dropping = true;
      c.droppingSince = now;
      c.hostBehind = hostBehind;
      if (c.stalledSince === 0) c.stalledSince = now;
      if (!hostBehind) {
        c.overflowTimes.push(now);
        const since = now - this.#opts.overflowWindowMs;
        while (c.overflowTimes.length && c.overflowTimes[0] < since) c.overflowTimes.shift();
        if (c.overflowTimes.length >= this.#opts.maxOverflows) return this.#disconnectSlow(c);
      }
    }
    this.#markBacklogged(c);
  }

  #disconnectSlow(c: Client): void {
    this.#stats.slowDisconnects++;
    // What was still queued is dropped too: the notice counts it.
    c.dropped += this.#clearQueue(c);
    this.#sendLag(c);
    try {
      c.socket.close(CLOSE_TRY_AGAIN, "client too slow");
    } catch { /* ignore */ }
    this.#remove(c);
  }

  #sendLag(c: Client): void {
    if (c.dropped === 0) return;
    this.#stats.lagNotices++;
    const notice = `{"type":"lag","dropped":${c.dropped}}`;
    this.#send(c, c.batch ? `[${notice}]` : notice);
    c.dropped = 0;
    c.dropping = false;
    c.hostBehind = false;
  }

  /** Empties `c`'s queue, takes what it alone held off the total; returns its observations. */
  #clearQueue(c: Client): number {
    const { count, freed } = clearQueue(c);
    this.#queuedBytes -= freed;
    return count;
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
    const stuckMs = this.#opts.stuckMs;
    for (const c of this.#backlogged) {
      if (c.closed || c.socket.readyState > WebSocket.OPEN) {
        this.#remove(c);
        continue;
      }
      let moved = false;
      while (c.queue.length > 0 && this.#belowHighWater(c)) {
        const { frame, freed } = dequeue(c);
        this.#queuedBytes -= freed;
        this.#send(c, frame.text);
        moved = true;
      }
      if (moved) c.stalledSince = c.queue.length > 0 ? now : 0;
      else if (c.queue.length === 0 && !c.dropping) c.stalledSince = 0;
      if (
        c.dropping && c.queue.length <= this.#opts.maxQueueFrames / 2 && this.#belowHighWater(c)
      ) {
        this.#sendLag(c);
        c.stalledSince = c.queue.length > 0 ? now : 0;
      } else if (
        // Nothing moved for stuckMs (the peer does not read; a busy host still drains), or
        // this client alone has been dropping for stuckMs.
        (c.stalledSince > 0 && now - c.stalledSince >= stuckMs) ||
        (c.dropping && !c.hostBehind && now - c.droppingSince >= stuckMs)
      ) {
        this.#disconnectSlow(c);
        continue;
      }
      if (c.queue.length === 0 && !c.dropping) this.#backlogged.delete(c);
    }
    if (this.#backlogged.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * Accounts every client's memory (fixed cost, bytes the runtime buffers for its socket,
   * queue) and closes the clients furthest behind while the total is over the budget.
   */
  #checkMemory(): void {
    const { clientOverheadBytes, memoryBudgetBytes } = this.#opts;
    const { total: clientsTotal, buffered, behind } = accountClients(this.#clients, this.#opts);
    this.#buffered = buffered;
    let total = this.#queuedBytes + clientsTotal;
    if (total > memoryBudgetBytes) {
      for (const { c, cost } of behind) {
        if (total <= memoryBudgetBytes * 0.9) break;
        const queued = this.#queuedBytes;
        this.#stats.boundDisconnects++;
        this.#disconnectSlow(c);
        // Its queue frees only the frames no other client still holds.
        total -= clientOverheadBytes + cost + (queued - this.#queuedBytes);
      }
    }
    this.#accounted = total;
    if (this.#clients.size === 0 && this.#memTimer !== undefined) {
      clearInterval(this.#memTimer);
      this.#memTimer = undefined;
    }
  }

  /** Frames within the limit are read and discarded; a larger one closes with 1009. */
  #onMessage(c: Client, ev: { data: unknown }): void {
    if (clientFrameSize(ev.data) <= this.#opts.maxClientFrameBytes) return;
    this.#stats.oversizeClientFrames++;
    try {
      c.socket.close(CLOSE_TOO_BIG, "client frames are limited to 512 bytes");
    } catch { /* ignore */ }
    this.#remove(c);
  }

  #remove(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.#clearQueue(c);
    this.#clients.delete(c);
    this.#plain.delete(c);
    this.#batched.delete(c);
    this.#backlogged.delete(c);
  }
}
