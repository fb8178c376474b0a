/**
 * Types and small helpers for the MQTT source (`mqtt_source.ts`): options,
 * status shapes, reconnect backoff, password redaction and the FIFO behind
 * the bounded ingest buffer.
 *
 * @module
 */

import type { MqttSourceConfig } from "../cli/config.ts";
import type { Logger } from "../log/logger.ts";
import type { IngestCounters } from "./counters.ts";
import type { IngestMessage } from "./messages.ts";

/** Consumes one parsed message; the next one waits until a returned promise settles. */
export type IngestHandler = (msg: IngestMessage) => void | Promise<void>;

/** Connection state of one source. */
export type SourceState = "idle" | "connecting" | "connected" | "reconnecting" | "stopped";

/** Options for {@link MqttIngest}. */
export interface MqttIngestOptions {
  sources: MqttSourceConfig[];
  handler: IngestHandler;
  /** Buffer bound; messages beyond it are dropped as `buffer-full` (default 50 000). */
  maxBufferedMessages?: number;
  /** Payload size bound, bytes (default 16 384). */
  maxMessageBytes?: number;
  observerBlacklist?: readonly string[];
  iataWhitelist?: readonly string[];
  clientRxCoverage?: boolean;
  /** Accept retained messages (stale broker snapshots); default false. */
  acceptRetained?: boolean;
  counters?: IngestCounters;
  logger?: Logger;
  backoff?: Partial<BackoffOptions>;
  /** Per attempt, until CONNACK (default 10 000). */
  connectTimeoutMs?: number;
  /** MQTT keepalive, seconds (default 60). */
  keepaliveSecs?: number;
  /** How long `stop()` waits for a clean DISCONNECT before dropping the socket (default 2000). */
  stopTimeoutMs?: number;
  now?: () => number;
}

/** One source as shown by `/api/mqtt/status`. */
export interface MqttSourceStatus {
  name: string;
  /** Broker URL with any password replaced by `***`. */
  broker: string;
  clientId: string;
  topics: string[];
  state: SourceState;
  connected: boolean;
  /** Whether the current connection's SUBSCRIBE was acknowledged. */
  subscribed: boolean;
  lastMessageAt: string | null;
  lastConnectedAt: string | null;
  /** Successful connections after the first. */
  reconnects: number;
  /** Reconnect attempts made, successful or not. */
  reconnectAttempts: number;
  lastError: string | null;
  /** Messages received from this broker (before parsing). */
  messages: number;
}

/** Buffer occupancy. */
export interface BufferStats {
  buffered: number;
  capacity: number;
  highWater: number;
}

/** Reconnect backoff: `min(maxMs, initialMs * 2^attempt)`, reduced by up to `jitter` (0-1). */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  jitter: number;
}

/** The default backoff: 1 s doubling to 30 s, up to 20 % shorter at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

/** The delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(0, Math.round(base * (1 - opts.jitter * random())));
}

/** The broker URL with its password (if any) replaced by `***`. */
export function redactBroker(broker: string): string {
  try {
    const url = new URL(broker);
    if (!url.password) return broker;
    url.password = "***";
    return url.toString();
  } catch {
    return broker.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
  }
}

/** A FIFO with O(1) push and shift. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  /** Number of queued items. */
  get length(): number {
    return this.#items.length - this.#head;
  }
  /** Appends an item. */
  push(item: T): void {
    this.#items.push(item);
  }
  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head >= 4096 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  /** Drops every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
