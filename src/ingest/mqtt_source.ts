/**
 * MQTT ingest: one mqtt.js client per configured broker, a bounded buffer
 * between the MQTT callbacks and the consumer, and an in-order hand-off of
 * parsed messages to one async handler (the decode pipeline).
 *
 * Reconnects use exponential backoff with a cap and jitter. mqtt.js's own
 * `reconnectPeriod` is a fixed interval, so it is set to 0 and this module
 * calls `client.reconnect()` after each backoff delay instead. Each state
 * change is logged once; repeated failed attempts are not.
 *
 * @module
 */

import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { HopwatchConfig, MqttSourceConfig } from "../cli/config.ts";
import { log as processLog, type Logger } from "../log/logger.ts";
import { IngestCounters } from "./counters.ts";
import {
  type IngestMessage,
  type IngestRejection,
  type ParseContext,
  parseMqttMessage,
  toUpperSet,
} from "./messages.ts";
import {
  backoffDelay,
  type BackoffOptions,
  type BufferStats,
  DEFAULT_BACKOFF,
  Fifo,
  type IngestHandler,
  type MqttIngestOptions,
  type MqttSourceStatus,
  redactBroker,
  type SourceState,
} from "./mqtt_support.ts";

export {
  backoffDelay,
  type BackoffOptions,
  type BufferStats,
  DEFAULT_BACKOFF,
  type IngestHandler,
  type MqttIngestOptions,
  type MqttSourceStatus,
  redactBroker,
  type SourceState,
} from "./mqtt_support.ts";

/**
 * Builds the ingest options from the effective configuration
 * (`clientRxCoverage.enabled` is read from the raw file).
 */
export function mqttIngestOptionsFromConfig(
  cfg: HopwatchConfig,
  handler: IngestHandler,
): MqttIngestOptions {
  const rx = cfg.raw.clientRxCoverage as { enabled?: unknown } | undefined;
  return {
    sources: cfg.mqttSources,
    handler,
    maxBufferedMessages: cfg.ingest.maxBufferedMessages,
    maxMessageBytes: cfg.ingest.maxMessageBytes,
    observerBlacklist: cfg.observerBlacklist,
    iataWhitelist: cfg.iataWhitelist,
    clientRxCoverage: rx?.enabled === true,
  };
}

const PROCESS_TOKEN = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const YIELD_EVERY = 256;

interface Runtime {
  cfg: MqttSourceConfig;
  ctx: ParseContext;
  broker: string;
  clientId: string;
  topics: string[];
  client: MqttClient | null;
  state: SourceState;
  subscribed: boolean;
  everConnected: boolean;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | null;
  lastMessageAt: number | null;
  lastConnectedAt: number | null;
  reconnects: number;
  reconnectAttempts: number;
  lastError: string | null;
  messages: number;
}

/**
 * Subscribes to every configured broker and feeds one handler, in arrival order.
 *
 * @example
 * ```ts
 * const ingest = new MqttIngest(mqttIngestOptionsFromConfig(cfg, (m) => pipeline.push(m)));
 * ingest.start();
 * // ... GET /api/mqtt/status -> ingest.status()
 * await ingest.stop();
 * ```
 */
export class MqttIngest {
  /** Accepted/dropped counts and rates. */
  readonly counters: IngestCounters;
  #handler: IngestHandler;
  #log: Logger;
  #now: () => number;
  #capacity: number;
  #acceptRetained: boolean;
  #backoff: BackoffOptions;
  #connectTimeoutMs: number;
  #keepalive: number;
  #stopTimeoutMs: number;
  #sources: Runtime[];
  #queue = new Fifo<IngestMessage>();
  #highWater = 0;
  #pumping = false;
  #idleWaiters: (() => void)[] = [];
  #started = false;
  #stopping = false;
  #stopped: Promise<void> | null = null;

  constructor(opts: MqttIngestOptions) {
    this.#handler = opts.handler;
    this.#log = opts.logger ?? processLog;
    this.#now = opts.now ?? Date.now;
    this.counters = opts.counters ?? new IngestCounters({ logger: this.#log, now: this.#now });
    this.#capacity = opts.maxBufferedMessages ?? 50_000;
    this.#acceptRetained = opts.acceptRetained ?? false;
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.#keepalive = opts.keepaliveSecs ?? 60;
    this.#stopTimeoutMs = opts.stopTimeoutMs ?? 2000;
    const blacklist = toUpperSet(opts.observerBlacklist);
    const whitelist = opts.iataWhitelist?.length ? toUpperSet(opts.iataWhitelist) : null;
    const names = new Set<string>();
    this.#sources = opts.sources.map((cfg, i) => {
      if (!/^(mqtts?|wss?|tcp|ssl):\/\/./i.test(cfg.broker ?? "")) {
        throw new Error(
          `Cannot use MQTT source "${cfg.name}": broker "${redactBroker(String(cfg.broker))}" ` +
            `is not an mqtt://, mqtts://, ws:// or wss:// URL`,
        );
      }
      if (names.has(cfg.name)) {
        throw new Error(`Cannot use MQTT source "${cfg.name}": duplicate name`);
      }
      names.add(cfg.name);
      return {
        cfg,
        ctx: {
          source: { name: cfg.name, iataFilter: cfg.iataFilter, region: cfg.region },
          observerBlacklist: blacklist,
          iataWhitelist: whitelist,
          maxBytes: opts.maxMessageBytes ?? 16_384,
          nowMs: 0,
          clientRxCoverage: opts.clientRxCoverage ?? false,
        },
        broker: redactBroker(cfg.broker),
        clientId: cfg.clientId || `hopwatch_${PROCESS_TOKEN}_${i}`,
        topics: cfg.topics?.length ? [...cfg.topics] : ["meshcore/#"],
        client: null,
        state: "idle" as SourceState,
        subscribed: false,
        everConnected: false,
        attempt: 0,
        timer: null,
        lastMessageAt: null,
        lastConnectedAt: null,
        reconnects: 0,
        reconnectAttempts: 0,
        lastError: null,
        messages: 0,
      };
    });
  }

  /** Connects every source. Returns at once; connections complete in the background. */
  start(): void {
    if (this.#stopping) throw new Error("Cannot start MQTT ingest: it was stopped");
    if (this.#started) return;
    this.#started = true;
    for (const rt of this.#sources) this.#connect(rt);
  }

  /**
   * Disconnects every source cleanly, then waits until the handler has
   * consumed the buffer (or, with `drain: false`, drops what is left).
   */
  stop(opts: { drain?: boolean } = {}): Promise<void> {
    if (!this.#stopped) this.#stopped = this.#stop(opts.drain ?? true);
    return this.#stopped;
  }

  /** Per-source connection status, for `/api/mqtt/status`. */
  status(): MqttSourceStatus[] {
    const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
    return this.#sources.map((rt) => ({
      name: rt.cfg.name,
      broker: rt.broker,
      clientId: rt.clientId,
      topics: [...rt.topics],
      state: rt.state,
      connected: rt.state === "connected",
      subscribed: rt.subscribed,
      lastMessageAt: iso(rt.lastMessageAt),
      lastConnectedAt: iso(rt.lastConnectedAt),
      reconnects: rt.reconnects,
      reconnectAttempts: rt.reconnectAttempts,
      lastError: rt.lastError,
      messages: rt.messages,
    }));
  }

  /** Buffer occupancy and its high-water mark. */
  bufferStats(): BufferStats {
    return { buffered: this.#queue.length, capacity: this.#capacity, highWater: this.#highWater };
  }

  /** Resolves once the buffer is empty and the handler is not running. */
  idle(): Promise<void> {
    if (!this.#pumping && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #setState(rt: Runtime, state: SourceState): void {
    const prev = rt.state;
    if (prev === state) return;
    rt.state = state;
    const fields = { source: rt.cfg.name, broker: rt.broker };
    if (state === "connected") {
      this.#log.info(prev === "reconnecting" ? "MQTT reconnected" : "MQTT connected", {
        ...fields,
        clientId: rt.clientId,
      });
    } else if (state === "reconnecting") {
      const what = prev === "connected" ? "MQTT connection lost" : "MQTT cannot connect";
      this.#log.warn(`${what}; retrying with backoff`, { ...fields, error: rt.lastError ?? "" });
    } else if (state === "stopped") {
      this.#log.info("MQTT source stopped", fields);
    }
  }

  #error(rt: Runtime, err: unknown): void {
    let message = err instanceof Error ? err.message : String(err);
    const password = rt.cfg.password;
    if (password) message = message.replaceAll(password, "***");
    rt.lastError = message;
    if (rt.state === "connected") {
      this.#log.throttled(`mqtt-error:${rt.cfg.name}`, 60_000, "warn", "MQTT client error", {
        source: rt.cfg.name,
        error: message,
      });
    }
  }

  #connect(rt: Runtime): void {
    const options: IClientOptions = {
      clientId: rt.clientId,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: rt.cfg.connectTimeoutSec
        ? rt.cfg.connectTimeoutSec * 1000
        : this.#connectTimeoutMs,
      keepalive: this.#keepalive,
    };
    if (rt.cfg.username !== undefined) options.username = rt.cfg.username;
    if (rt.cfg.password !== undefined) options.password = rt.cfg.password;
    if (rt.cfg.rejectUnauthorized !== undefined) {
      options.rejectUnauthorized = rt.cfg.rejectUnauthorized;
    }
    this.#setState(rt, "connecting");
    const client = connect(rt.cfg.broker, options);
    rt.client = client;
    client.on("connect", () => this.#onConnect(rt, client));
    client.on("close", () => this.#onClose(rt));
    client.on("error", (err) => this.#error(rt, err));
    client.on("message", (topic, payload, packet) => {
      this.#onMessage(rt, topic, payload, packet.retain === true);
    });
  }

  #onConnect(rt: Runtime, client: MqttClient): void {
    if (this.#stopping) return;
    if (rt.everConnected) rt.reconnects++;
    rt.everConnected = true;
    rt.attempt = 0;
    rt.lastConnectedAt = this.#now();
    rt.subscribed = false;
    this.#setState(rt, "connected");
    client.subscribe(rt.topics, { qos: 0 }, (err, granted) => {
      if (err) {
        this.#error(rt, err);
        return;
      }
      const denied = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (denied.length) {
        rt.lastError = `subscription denied by broker: ${denied.join(", ")}`;
        this.#log.warn("MQTT subscription denied (check ACL / credentials)", {
          source: rt.cfg.name,
          topics: denied.join(","),
        });
      }
      rt.subscribed = denied.length < rt.topics.length;
    });
  }

  #onClose(rt: Runtime): void {
    rt.subscribed = false;
    if (this.#stopping) return;
    this.#setState(rt, "reconnecting");
    if (rt.timer !== null) return;
    const delay = backoffDelay(rt.attempt++, this.#backoff);
    this.#log.debug("MQTT reconnect scheduled", { source: rt.cfg.name, delayMs: delay });
    rt.timer = setTimeout(() => {
      rt.timer = null;
      if (this.#stopping || !rt.client) return;
      rt.reconnectAttempts++;
      rt.client.reconnect();
    }, delay);
  }

  #onMessage(rt: Runtime, topic: string, payload: Uint8Array, retained: boolean): void {
    if (this.#stopping) return;
    const now = this.#now();
    rt.messages++;
    rt.lastMessageAt = now;
    let result: IngestMessage | IngestRejection;
    if (retained && !this.#acceptRetained) {
      result = { kind: "rejected", reason: "retained", detail: "retained message", topic };
    } else {
      rt.ctx.nowMs = now;
      result = parseMqttMessage(topic, payload, rt.ctx);
    }
    if (result.kind !== "rejected" && this.#queue.length >= this.#capacity) {
      const detail = `buffer holds ${this.#capacity} messages`;
      result = { kind: "rejected", reason: "buffer-full", detail, topic };
    }
    this.counters.record(rt.cfg.name, result);
    if (result.kind === "rejected") return;
    this.#queue.push(result);
    if (this.#queue.length > this.#highWater) this.#highWater = this.#queue.length;
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      let n = 0;
      for (let msg = this.#queue.shift(); msg; msg = this.#queue.shift()) {
        try {
          const r = this.#handler(msg);
          if (r && typeof (r as Promise<void>).then === "function") await r;
        } catch (err) {
          this.counters.handlerError(msg.source, err);
        }
        if (++n % YIELD_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.#pumping = false;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #end(client: MqttClient): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, this.#stopTimeoutMs);
      client.end(!client.connected, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #stop(drain: boolean): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#sources.map(async (rt) => {
      if (rt.timer !== null) clearTimeout(rt.timer);
      rt.timer = null;
      if (rt.client) await this.#end(rt.client);
      rt.subscribed = false;
      if (rt.state !== "idle") this.#setState(rt, "stopped");
      rt.state = "stopped";
    }));
    if (!drain) this.#queue.clear();
    await this.idle();
  }
}
