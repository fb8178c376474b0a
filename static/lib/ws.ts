/**
 * Live packet feed over WebSocket, shared by all pages. It asks for batch
 * frames (`/ws?batch=1`: JSON arrays of messages, one frame per server flush)
 * and hands the messages to subscribers one by one, in order; pages that render
 * use `frame_batcher.ts` to render once per animation frame. Reconnects with
 * exponential backoff (1 s doubling to 30 s, with jitter) and reports its
 * connection state so the shell can show it. It connects to the server's live
 * port when it has one (`ws_target.ts`, from `/api/live`), else to this origin.
 *
 * @module
 */

import { liveResult, liveUrl, loadLiveTarget } from "./ws_target.ts";

/** One observation frame's `data` (top-level live fields plus `packet`). */
export interface LiveFrame {
  id: number;
  raw_hex?: string;
  raw?: string;
  hash: string;
  first_seen?: string;
  timestamp?: string;
  route_type?: number;
  payload_type?: number;
  decoded_json?: string;
  observer_id?: string;
  observer?: string;
  observer_name?: string;
  snr?: number | null;
  rssi?: number | null;
  path_json?: string;
  observation_count?: number;
  resolved_path?: (string | null)[];
  decoded?: {
    header?: { payloadType?: number; payloadTypeName?: string; routeType?: number };
    payload?: Record<string, unknown>;
    path?: { hops?: string[] };
  };
  packet?: Record<string, unknown>;
}

/** Connection states shown in the UI. */
export type WsState = "connecting" | "open" | "closed";

type FrameFn = (f: LiveFrame) => void;
type StateFn = (s: WsState, retryInMs: number) => void;

const frameFns = new Set<FrameFn>();
const stateFns = new Set<StateFn>();
let sock: WebSocket | null = null;
let state: WsState = "closed";
let retryMs = 1000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let started = false;
let gaps = 0;

function setState(s: WsState, retryIn = 0): void {
  state = s;
  for (const fn of stateFns) fn(s, retryIn);
}

/** How long a connection may take to open before it counts as failed (ms). */
const OPEN_TIMEOUT_MS = 5000;

function connect(): void {
  clearTimeout(retryTimer);
  setState("connecting");
  let ws: WebSocket;
  const url = liveUrl();
  let opened = false;
  try {
    ws = new WebSocket(url);
  } catch {
    liveResult(url, false);
    scheduleRetry();
    return;
  }
  sock = ws;
  // A live port behind a firewall that drops packets would hang in "connecting" for as long as
  // the browser's TCP connect takes: give it up after a few seconds (then this origin's /ws).
  const giveUp = setTimeout(() => {
    if (!opened) ws.close();
  }, OPEN_TIMEOUT_MS);
  ws.onopen = () => {
    clearTimeout(giveUp);
    opened = true;
    liveResult(url, true);
    retryMs = 1000;
    setState("open");
  };
  ws.onmessage = (ev) => {
    if (typeof ev.data !== "string" || ev.data.length > 8_000_000) return;
    let msg: LiveMessage | LiveMessage[];
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    // Batch frames (asked for with ?batch=1) are arrays of messages, in order.
    if (Array.isArray(msg)) { for (const m of msg) dispatch(m); }
    else dispatch(msg);
  };
  ws.onclose = () => {
    clearTimeout(giveUp);
    if (!opened) liveResult(url, false);
    if (sock === ws) {
      sock = null;
      scheduleRetry();
    }
  };
  ws.onerror = () => ws.close();
}

interface LiveMessage {
  type?: string;
  data?: LiveFrame;
  dropped?: number;
}

/** Hands one live message to the subscribers. */
function dispatch(msg: LiveMessage): void {
  if (!msg || typeof msg !== "object") return;
  // The hub says `lag` (older servers: `gap`) when frames for this client were dropped.
  if (msg.type === "lag" || msg.type === "gap") gaps += msg.dropped ?? 1;
  if (msg.type !== "packet" || !msg.data || typeof msg.data !== "object") return;
  const f = msg.data;
  f.raw_hex ??= f.raw;
  f.observer_id ??= f.observer;
  for (const fn of frameFns) {
    try {
      fn(f);
    } catch (e) {
      console.warn("live handler failed", e);
    }
  }
}

function scheduleRetry(): void {
  const wait = Math.min(30_000, retryMs) * (0.8 + Math.random() * 0.4);
  retryMs = Math.min(30_000, retryMs * 2);
  setState("closed", wait);
  retryTimer = setTimeout(connect, wait);
}

/** Starts the shared socket (idempotent). */
export function startLive(): void {
  if (started) return;
  started = true;
  // The live port, if the server has one (falls back to this origin's /ws).
  void loadLiveTarget().finally(connect);
}

/** Subscribes to frames; returns an unsubscribe function. */
export function onFrame(fn: FrameFn): () => void {
  frameFns.add(fn);
  return () => frameFns.delete(fn);
}

/** Subscribes to state changes (called at once with the current state). */
export function onWsState(fn: StateFn): () => void {
  stateFns.add(fn);
  fn(state, 0);
  return () => stateFns.delete(fn);
}

/** Frames the server reported as dropped for this client. */
export function droppedFrames(): number {
  return gaps;
}

/** Forces an immediate reconnect attempt. */
export function reconnectNow(): void {
  retryMs = 1000;
  if (sock) sock.close();
  else connect();
}

/** The payload type of a frame (top level or decoded header). */
export function frameType(f: LiveFrame): number | undefined {
  return f.payload_type ?? f.decoded?.header?.payloadType;
}
