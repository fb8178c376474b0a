/**
 * Limits of the WebSocket hub and how they follow from the configuration
 * (`live.*` keys) and from one memory budget.
 *
 * Memory model of one client (measured on Deno 2.9, see BENCHMARKS.md
 * "Live feed memory"): a fixed cost per connection (the upgraded socket, its
 * runtime task and read buffer, the hub's record), plus the bytes handed to the
 * socket that the runtime has not yet written to the kernel (each `send` is a
 * copy held until written, so `bufferedAmount` is real memory), plus the
 * client's own queue. Besides, the runtime keeps per connection a write buffer
 * as large as the largest frame written to it (up to twice that), for the
 * connection's life: `maxBatchBytes` bounds it for batch clients, a plain
 * client's is its largest message (not in the 48 KiB, which was measured on
 * idle connections). The hub keeps the sum over all clients under
 * `memoryBudgetBytes` by closing the clients furthest behind with 1013, and the
 * default `maxClients` is the budget divided by one client's worst case
 * without a queue (`clientOverheadBytes + highWaterBytes + maxBatchBytes` in
 * flight + `2 x maxBatchBytes` of write buffer).
 *
 * This model was measured on `Deno.serve`'s WebSocket. Since session 9 every
 * client is an npm `ws` socket on the raw connection (`ws_lib_socket.ts`),
 * which keeps no lasting write buffer and costs ~22-28 KB per idle connection
 * (BENCHMARKS.md, sessions 5 and 9): the model is kept as a conservative bound,
 * so the default `maxClients` (2,340 at 256 MB) did not change.
 *
 * Every `send` copies the frame for that one socket, while a frame waiting in
 * the hub's queues is one string shared by every client that waits for it, so
 * the high-water mark is low (16 KiB): when the clients lag together (a busy
 * host, or their side stalls), 1,260 clients at a 64 KiB mark held 98 MB of
 * copies against 37 MB at 16 KiB (BENCHMARKS.md, #15 session 6). A backlogged
 * socket is refilled every `drainIntervalMs` (10 ms) with at least one frame
 * of at most `maxBatchBytes`: 1.6 MB/s per client, over three times the
 * 200 obs/s feed. (A 16 KiB mark failed before with 15-64 KB frames and 20 ms
 * refills: one frame per refill was barely the feed.)
 *
 * @module
 */

import type { Client } from "./ws_client.ts";

/** Hub limits; every field has a default. */
export interface WsHubOptions {
  /**
   * Batch clients: observations arriving within this many ms go out as one frame
   * (default 25; 0 = every observation at once, as a one-element batch).
   */
  flushMs?: number;
  /**
   * Longest batch flush interval while the host is behind (see `ws_flush_timer.ts`; default
   * twice `flushMs`; `flushMs` or less: the interval does not adapt).
   */
  maxFlushMs?: number;
  /** Most observations in one batch frame (default 1,000; a longer flush is split in order). */
  maxBatch?: number;
  /**
   * Longest batch frame in characters (default 16 KiB; a longer flush is split in order, and
   * the pending messages go at once when the next would pass it). It bounds what one send
   * hands a socket; under `Deno.serve`'s WebSocket (until session 9) it also bounded each
   * connection's lasting write buffer (BENCHMARKS.md, #15 session 6).
   */
  maxBatchBytes?: number;
  /**
   * Batch clients handed a flush per event-loop turn (default 1,000); the rest get it in the
   * next turns, in order. Each `send` is a copy for its socket until written, so this bounds
   * the copies alive at once. 100 was the default until session 7: on a quiet box, 1,000 batch
   * clients got batch p99 99-187 ms with 1,000 against 191-220 ms with 100, and no more memory
   * growth (BENCHMARKS.md, lead's re-runs, session 7).
   */
  sliceClients?: number;
  /** Queue bound in frames (default 256, like the reference). */
  maxQueueFrames?: number;
  /** Queue bound in bytes (default 1 MiB). */
  maxQueueBytes?: number;
  /** Socket `bufferedAmount` above which frames are queued instead of sent (default 16 KiB). */
  highWaterBytes?: number;
  /** Bound of all clients' queues together, each shared frame counted once (default 32 MiB). */
  maxTotalQueueBytes?: number;
  /** Bound of all clients' accounted memory (fixed + socket + queue; default 256 MiB). */
  memoryBudgetBytes?: number;
  /** Fixed memory per connected client used in the accounting (default 48 KiB, measured). */
  clientOverheadBytes?: number;
  /**
   * Real memory per byte the runtime buffers for a socket (default 2: each `send` is a copy
   * plus a pending write task; measured ~2.1x on Deno 2.9 with 1.5 KB frames).
   */
  bufferedCostFactor?: number;
  /** Period of the all-clients memory check (default 1,000 ms). */
  memoryCheckMs?: number;
  /** Overflow episodes tolerated within `overflowWindowMs` (default 3). */
  maxOverflows?: number;
  /** Window for `maxOverflows` (default 60 s). */
  overflowWindowMs?: number;
  /**
   * Longest time a client may stay unable to take frames (its queue dropping, or
   * its socket above `highWaterBytes` without draining) before it is closed with
   * 1013 (default 15 s).
   */
  stuckMs?: number;
  /**
   * When all queues together are full, clients whose queue has not moved for this long are
   * closed (1013, longest queue first) to make room (default 2 s).
   */
  evictStalledMs?: number;
  /** Largest client frame that is silently discarded (default 512 bytes). */
  maxClientFrameBytes?: number;
  /** Drain check period for backlogged clients (default 10 ms). */
  drainIntervalMs?: number;
  /** Maximum number of clients; more are refused with 1013 (default: sized from the budget). */
  maxClients?: number;
}

/** The hub's limits with every default filled in. */
export type WsLimits = Required<WsHubOptions>;

/** Default budget of all clients together (the systemd unit allows 768 MiB in all). */
export const DEFAULT_MEMORY_BUDGET = 256 << 20;
/** Default fixed cost of one connected client (bytes). */
export const DEFAULT_CLIENT_OVERHEAD = 48 << 10;

/** Fills in the defaults; `maxClients` defaults to what the memory budget holds. */
export function resolveLimits(o: WsHubOptions = {}): WsLimits {
  const flushMs = o.flushMs ?? 25;
  const highWaterBytes = o.highWaterBytes ?? 16 << 10;
  const maxBatchBytes = o.maxBatchBytes ?? 16 << 10;
  const memoryBudgetBytes = o.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const clientOverheadBytes = o.clientOverheadBytes ?? DEFAULT_CLIENT_OVERHEAD;
  return {
    flushMs,
    maxFlushMs: o.maxFlushMs ?? 2 * flushMs,
    maxBatch: o.maxBatch ?? 1000,
    maxBatchBytes,
    sliceClients: Math.max(1, o.sliceClients ?? 1_000),
    maxQueueFrames: o.maxQueueFrames ?? 256,
    maxQueueBytes: o.maxQueueBytes ?? 1 << 20,
    highWaterBytes,
    maxTotalQueueBytes: o.maxTotalQueueBytes ?? 32 << 20,
    memoryBudgetBytes,
    clientOverheadBytes,
    bufferedCostFactor: o.bufferedCostFactor ?? 2,
    memoryCheckMs: o.memoryCheckMs ?? 1000,
    maxOverflows: o.maxOverflows ?? 3,
    overflowWindowMs: o.overflowWindowMs ?? 60_000,
    stuckMs: o.stuckMs ?? 15_000,
    evictStalledMs: o.evictStalledMs ?? 2000,
    maxClientFrameBytes: o.maxClientFrameBytes ?? 512,
    drainIntervalMs: o.drainIntervalMs ?? 10,
    maxClients: o.maxClients ?? Math.max(
      1,
      Math.floor(memoryBudgetBytes / (clientOverheadBytes + highWaterBytes + 3 * maxBatchBytes)),
    ),
  };
}

/**
 * Hub options from the configuration file's `live` object (`flushMs`, `maxClients`,
 * `memoryBudgetMB`); the config schema has validated the types and ranges.
 */
export function hubOptionsFromConfig(raw: Record<string, unknown>): WsHubOptions {
  const live = raw.live;
  if (!live || typeof live !== "object") return {};
  const l = live as Record<string, unknown>;
  const out: WsHubOptions = {};
  if (typeof l.flushMs === "number") out.flushMs = l.flushMs;
  if (typeof l.maxClients === "number") out.maxClients = l.maxClients;
  if (typeof l.memoryBudgetMB === "number") out.memoryBudgetBytes = l.memoryBudgetMB * (1 << 20);
  return out;
}

/**
 * Accounts every client's memory apart from the shared queues: the fixed cost plus
 * `bufferedCostFactor` x the bytes its socket still buffers (`memoryBytes` if the socket
 * has it; `bufferedAmount` is read exactly and kept as the client's `bufferedBound`;
 * `buffered` is their sum). `behind` lists the clients with anything pending, furthest
 * behind first (socket cost plus queue length), for closing when over the budget.
 */
export function accountClients(
  clients: Iterable<Client>,
  limits: Pick<WsLimits, "clientOverheadBytes" | "bufferedCostFactor">,
): { total: number; buffered: number; behind: { c: Client; cost: number; bytes: number }[] } {
  let total = 0;
  let bufferedSum = 0;
  const behind: { c: Client; cost: number; bytes: number }[] = [];
  for (const c of clients) {
    c.bufferedBound = c.socket.bufferedAmount;
    // What the server holds, not a held-back signal (`LiveSocket.memoryBytes`).
    const buffered = c.socket.memoryBytes ?? c.bufferedBound;
    bufferedSum += buffered;
    const cost = buffered * limits.bufferedCostFactor;
    total += limits.clientOverheadBytes + cost;
    if (cost + c.queueBytes > 0) behind.push({ c, cost, bytes: cost + c.queueBytes });
  }
  behind.sort((a, b) => b.bytes - a.bytes);
  return { total, buffered: bufferedSum, behind };
}
