/**
 * Where a live-feed frame's delivery latency goes, seen from the server (used by
 * `bench/ws_bench.ts` in server mode): wraps `WebSocket.prototype.send` of the
 * server process and, per distinct frame, notes when the oldest observation in it
 * was due (its `timestamp`), when the first and the last client were handed it,
 * and samples every send's time. Nothing sent changes.
 *
 * - `flushWaitMs`: first send minus the oldest observation's due time (batch: the
 *   flush interval and the timer's lateness; plain: the pipeline and the loop).
 * - `handOutMs`: last send minus first send of one frame (batch: the slices).
 * - `sendLatencyMs`: every send minus the oldest observation's due time: what a
 *   client would see if its socket write and its own process took no time. The
 *   client's latency of the first message of each frame minus this is the socket
 *   write plus the client process's scheduling.
 *
 * Every 8th send is sampled, and a frame's text is let go 2 s after its first send, so the
 * trace holds ~2 MB. An interval timer also samples the event loop's lateness (`loopLagMs`).
 *
 * @module
 */

interface FrameRecord {
  due: number;
  first: number;
  last: number;
  batch: boolean;
}

/** Frames first sent longer ago than this are settled: their text is let go. */
const SETTLE_MS = 2000;
/** Every how many sends one is sampled (bounded memory in the traced server). */
const SAMPLE_EVERY = 8;

/** Percentiles of a sample (ms, rounded to 0.1). */
export function summary(xs: number[]): { n: number; p50: number; p90: number; p99: number } {
  const s = Float64Array.from(xs).sort();
  const at = (p: number) =>
    s.length === 0
      ? NaN
      : Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] * 10) / 10;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/** The due time (epoch ms) of the first observation in a frame's text, or NaN. */
function dueOf(text: string): number {
  const i = text.indexOf('"timestamp":"', text.indexOf('"first_seen"') + 14);
  return i > 0 ? Date.parse(text.slice(i + 13, i + 37)) : NaN;
}

/** Records sends until `report()`; `active` gates recording (the fed phase only). */
export class SendTrace {
  #frames = new Map<string, FrameRecord>();
  #settled: FrameRecord[] = [];
  #count = 0;
  #sends: { batch: number[]; plain: number[] } = { batch: [], plain: [] };
  #loopLag: number[] = [];
  #lagTimer: ReturnType<typeof setInterval> | undefined;
  active = false;

  /** Installs the wrapper on `WebSocket.prototype.send` (once per process). */
  install(): void {
    // deno-lint-ignore no-this-alias
    const self = this;
    const orig = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      if (self.active && typeof data === "string") self.#note(data);
      return orig.call(this, data);
    };
  }

  /** Starts recording (and the loop-lag sampler). */
  start(): void {
    this.active = true;
    let last = performance.now();
    this.#lagTimer = setInterval(() => {
      const now = performance.now();
      this.#loopLag.push(now - last - 5);
      last = now;
      this.#settle(Date.now() - SETTLE_MS);
    }, 5);
  }

  #note(text: string): void {
    const now = Date.now();
    let r = this.#frames.get(text);
    if (!r) {
      const due = dueOf(text);
      if (!Number.isFinite(due)) return;
      r = { due, first: now, last: now, batch: text.charCodeAt(0) === 91 };
      this.#frames.set(text, r);
    }
    r.last = now;
    if (++this.#count % SAMPLE_EVERY === 0) {
      (r.batch ? this.#sends.batch : this.#sends.plain).push(now - r.due);
    }
  }

  /** Moves the records of frames first sent before `before` out of the map (drops the text). */
  #settle(before: number): void {
    for (const [text, r] of this.#frames) {
      if (r.first >= before) break;
      this.#settled.push(r);
      this.#frames.delete(text);
    }
  }

  /** Stops recording and summarises (see the module doc). */
  report(): Record<string, unknown> {
    this.active = false;
    clearInterval(this.#lagTimer);
    this.#settle(Infinity);
    const out: Record<string, unknown> = { loopLagMs: summary(this.#loopLag) };
    for (const kind of ["batch", "plain"] as const) {
      const frames = this.#settled.filter((f) => f.batch === (kind === "batch"));
      out[kind] = {
        frames: frames.length,
        flushWaitMs: summary(frames.map((f) => f.first - f.due)),
        handOutMs: summary(frames.map((f) => f.last - f.first)),
        sendLatencyMs: summary(this.#sends[kind]),
      };
    }
    this.#settled = [];
    this.#sends = { batch: [], plain: [] };
    this.#loopLag = [];
    return out;
  }
}
