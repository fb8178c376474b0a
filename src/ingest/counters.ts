/**
 * Ingest counters: accepted and dropped MQTT messages by kind, reason and
 * source, message rates over 1 and 5 minutes, and one rate-limited log line
 * per drop reason per interval (not one per packet).
 *
 * @module
 */

import { log as processLog, type Logger, type LogLevel } from "../log/logger.ts";
import {
  DROP_REASONS,
  dropClass,
  type DropReason,
  type IngestMessage,
  type IngestRejection,
} from "./messages.ts";

/** The kinds of accepted message. */
export type MessageKind = IngestMessage["kind"];

/** Every accepted message kind. */
export const MESSAGE_KINDS: readonly MessageKind[] = [
  "packet",
  "status",
  "channel",
  "direct",
  "client-rx",
];

/** Counts for one MQTT source. */
export interface SourceCounts {
  received: number;
  accepted: number;
  /** Every rejection: ignored + filtered + errors. */
  dropped: number;
  ignored: number;
  filtered: number;
  errors: number;
  /** Non-zero reasons only. */
  byReason: Partial<Record<DropReason, number>>;
}

/** Messages per second, averaged over the window (or the uptime when shorter). */
export interface IngestRates {
  received1m: number;
  received5m: number;
  accepted1m: number;
  accepted5m: number;
}

/** A point-in-time copy of the counters, for `/api/stats`, `/api/mqtt/status` and metrics. */
export interface IngestCountersSnapshot {
  received: number;
  accepted: number;
  acceptedByKind: Record<MessageKind, number>;
  dropped: number;
  ignored: number;
  filtered: number;
  errors: number;
  /** Every reason, zero-filled. */
  byReason: Record<DropReason, number>;
  /** Handler (pipeline) calls that threw or rejected. */
  handlerErrors: number;
  bySource: Record<string, SourceCounts>;
  rates: IngestRates;
}

/** Options for {@link IngestCounters}. */
export interface IngestCountersOptions {
  /** Where drop lines go; the process logger by default. */
  logger?: Logger;
  /** At most one line per reason per this many ms (default 60 000). */
  logIntervalMs?: number;
  /** Clock, epoch ms; injectable for tests. */
  now?: () => number;
}

const WINDOW_SECS = 300;
const LEVEL: Record<ReturnType<typeof dropClass>, LogLevel> = {
  ignored: "debug",
  filtered: "info",
  error: "warn",
};

/** Per-second buckets over the last five minutes. */
class RateWindow {
  #buckets = new Float64Array(WINDOW_SECS);
  #sec = -1;

  #advance(sec: number): number {
    if (this.#sec < 0) this.#sec = sec;
    if (sec > this.#sec) {
      const gap = Math.min(sec - this.#sec, WINDOW_SECS);
      for (let i = 1; i <= gap; i++) this.#buckets[(this.#sec + i) % WINDOW_SECS] = 0;
      this.#sec = sec;
    }
    return this.#sec; // a clock step backwards counts into the current second
  }

  add(sec: number): void {
    this.#buckets[this.#advance(sec) % WINDOW_SECS]++;
  }

  sum(windowSecs: number, sec: number): number {
    const cur = this.#advance(sec);
    let total = 0;
    for (let i = 0; i < windowSecs; i++) {
      total += this.#buckets[(cur - i + WINDOW_SECS * 2) % WINDOW_SECS];
    }
    return total;
  }
}

function emptySource(): SourceCounts {
  return { received: 0, accepted: 0, dropped: 0, ignored: 0, filtered: 0, errors: 0, byReason: {} };
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/**
 * Counts every MQTT message outcome.
 *
 * @example
 * ```ts
 * const counters = new IngestCounters();
 * counters.record("local", parseMqttMessage(topic, payload, ctx));
 * counters.snapshot().byReason["bad-hex"];
 * ```
 */
export class IngestCounters {
  #logger: Logger;
  #interval: number;
  #now: () => number;
  #startSec: number;
  #received = 0;
  #accepted = 0;
  #handlerErrors = 0;
  #kinds = new Map<MessageKind, number>();
  #reasons = new Map<DropReason, number>();
  #sources = new Map<string, SourceCounts>();
  #receivedRate = new RateWindow();
  #acceptedRate = new RateWindow();

  constructor(opts: IngestCountersOptions = {}) {
    this.#logger = opts.logger ?? processLog;
    this.#interval = opts.logIntervalMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
    this.#startSec = Math.floor(this.#now() / 1000);
  }

  #source(name: string): SourceCounts {
    let s = this.#sources.get(name);
    if (!s) {
      s = emptySource();
      this.#sources.set(name, s);
    }
    return s;
  }

  /**
   * Counts one received message and its outcome; a rejection also feeds the
   * rate-limited log line for its reason.
   */
  record(source: string, result: IngestMessage | IngestRejection): void {
    const sec = Math.floor(this.#now() / 1000);
    const s = this.#source(source);
    this.#received++;
    s.received++;
    this.#receivedRate.add(sec);
    if (result.kind !== "rejected") {
      this.#accepted++;
      s.accepted++;
      this.#acceptedRate.add(sec);
      this.#kinds.set(result.kind, (this.#kinds.get(result.kind) ?? 0) + 1);
      return;
    }
    const { reason } = result;
    const cls = dropClass(reason);
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
    s.dropped++;
    s.byReason[reason] = (s.byReason[reason] ?? 0) + 1;
    if (cls === "ignored") s.ignored++;
    else if (cls === "filtered") s.filtered++;
    else s.errors++;
    this.#logger.throttled(
      `ingest:${reason}`,
      this.#interval,
      LEVEL[cls],
      `MQTT message dropped: ${reason}`,
      { source, topic: clip(result.topic, 120), detail: clip(result.detail, 160) },
    );
  }

  /** Counts a handler (pipeline) failure, logged at most once per interval. */
  handlerError(source: string, err: unknown): void {
    this.#handlerErrors++;
    const message = err instanceof Error ? err.message : String(err);
    this.#logger.throttled(
      "ingest:handler-error",
      this.#interval,
      "error",
      "ingest handler failed",
      {
        source,
        error: clip(message, 200),
      },
    );
  }

  /** A consistent copy of every counter and the current rates. */
  snapshot(): IngestCountersSnapshot {
    const sec = Math.floor(this.#now() / 1000);
    const up = Math.max(1, sec - this.#startSec + 1);
    const rate = (w: RateWindow, secs: number) => w.sum(secs, sec) / Math.min(secs, up);
    const acceptedByKind = Object.fromEntries(
      MESSAGE_KINDS.map((k) => [k, this.#kinds.get(k) ?? 0]),
    ) as Record<MessageKind, number>;
    const byReason = Object.fromEntries(
      DROP_REASONS.map((r) => [r, this.#reasons.get(r) ?? 0]),
    ) as Record<DropReason, number>;
    const bySource: Record<string, SourceCounts> = {};
    let ignored = 0, filtered = 0, errors = 0;
    for (const [name, s] of this.#sources) {
      bySource[name] = { ...s, byReason: { ...s.byReason } };
      ignored += s.ignored;
      filtered += s.filtered;
      errors += s.errors;
    }
    return {
      received: this.#received,
      accepted: this.#accepted,
      acceptedByKind,
      dropped: ignored + filtered + errors,
      ignored,
      filtered,
      errors,
      byReason,
      handlerErrors: this.#handlerErrors,
      bySource,
      rates: {
        received1m: rate(this.#receivedRate, 60),
        received5m: rate(this.#receivedRate, 300),
        accepted1m: rate(this.#acceptedRate, 60),
        accepted5m: rate(this.#acceptedRate, 300),
      },
    };
  }
}
