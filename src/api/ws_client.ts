/**
 * The WebSocket hub's per-client record, its counters and attach options
 * (see `ws_hub.ts`).
 *
 * @module
 */

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
}

/** How a client wants its frames. */
export interface AttachOptions {
  /** JSON arrays of messages, one frame per flush (default false: one frame per message). */
  batch?: boolean;
}

/** One connected client as the hub tracks it. */
export interface Client {
  socket: WebSocket;
  batch: boolean;
  queue: string[];
  /** Observations in each queued frame. */
  counts: number[];
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
export function newClient(socket: WebSocket, batch: boolean): Client {
  return {
    socket,
    batch,
    queue: [],
    counts: [],
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
