/**
 * The WebSocket hub's per-client record, its counters and attach options
 * (see `ws_hub.ts`).
 *
 * @module
 */

import type { LiveSocket } from "./ws_socket.ts";

/** Counters exposed through `/metrics` and `/api/health`. */
export interface WsHubStats {
  clients: number;
  /** Clients that asked for batches. */
  batchClients: number;
  /** Observations broadcast. */
  framesBroadcast: number;
  /** Batch frames built (each once for all batch clients). */
  batchesBuilt: number;
  framesSent: number;
  framesQueued: number;
  /** Observations dropped for a client (a dropped batch counts each of its messages). */
  framesDropped: number;
  lagNotices: number;
  /** Clients closed with 1013 (stuck, repeated overflows, or a shared bound). */
  slowDisconnects: number;
  /** Of `slowDisconnects`: closed because a shared bound (queues or memory) was reached. */
  boundDisconnects: number;
  oversizeClientFrames: number;
  queuedBytes: number;
  /** Accounted memory of all clients at the last check (bytes). */
  accountedBytes: number;
  /** Bytes handed to the sockets and not yet written by the runtime, at the last check. */
  bufferedBytes: number;
  /** Current batch flush interval (ms): `flushMs`, longer while the host is behind. */
  flushIntervalMs: number;
}

/** How a client wants its frames. */
export interface AttachOptions {
  /** JSON arrays of messages, one frame per flush (default false: one frame per message). */
  batch?: boolean;
}

/**
 * A frame built once and shared by every client queue that holds it: the queues hold
 * references, so the memory of all queues together is the sum of the distinct frames
 * (see {@linkcode enqueue}), not a copy per client.
 */
export interface SharedFrame {
  text: string;
  /** Observations in the frame. */
  count: number;
  /** Client queues holding it. */
  refs: number;
}

/** One connected client as the hub tracks it. */
export interface Client {
  socket: LiveSocket;
  batch: boolean;
  queue: SharedFrame[];
  /** Characters in this client's queue (how far behind it is, shared frames counted in full). */
  queueBytes: number;
  dropping: boolean;
  dropped: number;
  droppingSince: number;
  /** When the client last took a frame while it had a queue (0: no queue). */
  stalledSince: number;
  /** The current dropping episode comes from the all-clients queue bound, not from this client. */
  hostBehind: boolean;
  overflowTimes: number[];
  closed: boolean;
  /**
   * Upper bound of `socket.bufferedAmount` (bytes): the last value read plus 3 bytes per
   * UTF-16 unit sent since. Reading the real value is a runtime call; with 1,000 clients
   * it was a fifth of the fan-out's JavaScript time, and the bound decides the same.
   */
  bufferedBound: number;
}

/** A fresh record for `socket`. */
export function newClient(socket: LiveSocket, batch: boolean): Client {
  return {
    socket,
    batch,
    queue: [],
    queueBytes: 0,
    dropping: false,
    dropped: 0,
    droppingSince: 0,
    stalledSince: 0,
    hostBehind: false,
    overflowTimes: [],
    bufferedBound: Infinity,
    closed: false,
  };
}

/** Appends `f` to `c`'s queue; returns the characters this adds to all queues (0 if shared). */
export function enqueue(c: Client, f: SharedFrame): number {
  c.queue.push(f);
  c.queueBytes += f.text.length;
  return f.refs++ === 0 ? f.text.length : 0;
}

/** Takes the oldest frame off `c`'s queue; `freed` is what leaves all queues (0 if shared). */
export function dequeue(c: Client): { frame: SharedFrame; freed: number } {
  const frame = c.queue.shift()!;
  c.queueBytes -= frame.text.length;
  return { frame, freed: --frame.refs === 0 ? frame.text.length : 0 };
}

/** Empties `c`'s queue; returns the observations it held and the characters freed. */
export function clearQueue(c: Client): { count: number; freed: number } {
  let count = 0;
  let freed = 0;
  for (const f of c.queue) {
    count += f.count;
    if (--f.refs === 0) freed += f.text.length;
  }
  c.queue = [];
  c.queueBytes = 0;
  return { count, freed };
}

/** Size of a frame a client sent (characters or bytes). */
export function clientFrameSize(d: unknown): number {
  return typeof d === "string"
    ? d.length
    : d instanceof ArrayBuffer
    ? d.byteLength
    : d instanceof Blob
    ? d.size
    : 0;
}

/**
 * The client with the longest queue among `clients` whose queue has not moved since
 * `stalledBefore` (ms), other than `except`; undefined when there is none.
 */
export function longestStalled(
  clients: Iterable<Client>,
  except: Client,
  stalledBefore: number,
): Client | undefined {
  let worst: Client | undefined;
  for (const b of clients) {
    if (b === except || b.closed || b.stalledSince === 0 || b.stalledSince > stalledBefore) {
      continue;
    }
    if (b.queueBytes > 0 && (!worst || b.queueBytes > worst.queueBytes)) worst = b;
  }
  return worst;
}

/** The hub's counters, all zero (the `WsHubStats` fields it counts itself). */
export function newCounters() {
  return {
    framesBroadcast: 0,
    batchesBuilt: 0,
    framesSent: 0,
    framesQueued: 0,
    framesDropped: 0,
    lagNotices: 0,
    slowDisconnects: 0,
    boundDisconnects: 0,
    oversizeClientFrames: 0,
  };
}
