/**
 * The running server: opens the database, starts HTTP at once, loads the
 * store in the background, ingests from MQTT and HTTP, and shuts down cleanly.
 *
 * Startup order, chosen so HTTP answers within a second whatever the
 * database size: open (and migrate) SQLite -> listen -> load the neighbor
 * graph and the store in chunks (endpoints that need the full index answer 503
 * meanwhile) -> ingest queued MQTT messages -> background jobs.
 *
 * @module
 */

import { ConfigError, type HopwatchConfig } from "./config.ts";
import { VERSION } from "./version.ts";
import type { Logger } from "../log/logger.ts";
import type { PacketStore } from "../store/packet_store.ts";
import type { IngestPipeline } from "../ingest/pipeline.ts";
import { createStack } from "./stack.ts";
import { MqttIngest, mqttIngestOptionsFromConfig } from "../ingest/mqtt_source.ts";
import { type IngestMessage, parseMqttMessage } from "../ingest/messages.ts";
import { createApp } from "../api/app.ts";
import { backupDatabase } from "../db/maintenance.ts";
import { WsHub } from "../api/ws_hub.ts";
import { hubOptionsFromConfig } from "../api/ws_limits.ts";
import { checkApiKey } from "../api/security.ts";
import { EventLoopMonitor, MetricsRegistry } from "../api/metrics.ts";
import { mountUi } from "./ui_mount.ts";
import { startLiveFeedPort } from "./live_server.ts";
import { listen } from "../api/http_listener.ts";
import { BackgroundJobs, RETENTION_FIRST_RUN_MS } from "./background_jobs.ts";
import { warnRetentionAhead } from "./retention_preview.ts";

/** Longest synchronous run of the startup load (`LoadOptions.maxSliceMs`). */
const LOAD_SLICE_MS = 4;

/** A started server. */
export interface RunningServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Milliseconds from `startServer` to the listening socket. */
  httpReadyMs: number;
  /** `performance.now()` when the socket listened: milliseconds since process start. */
  listeningAtMs: number;
  /** Resolves when the store finished loading. */
  loaded: Promise<void>;
  /** The pipeline, for the demo feed and tests. */
  pipeline: IngestPipeline;
  /** The store (tests, benchmarks). */
  store: PacketStore;
  /** Stops everything; flushes the writer; resolves when the database is closed. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** Options beyond the configuration. */
export interface StartOptions {
  log: Logger;
  /** Feed messages into the pipeline once loaded (the demo simulator). */
  feed?: AsyncIterable<{ topic: string; payload: string }>;
  /** The source name the feed's messages carry (default "demo"; the replay says "replay"). */
  feedSource?: string;
  /** Install SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean;
}

/** Starts hopwatch as configured. */
export async function startServer(
  config: HopwatchConfig,
  opts: StartOptions,
): Promise<RunningServer> {
  const t0 = performance.now();
  const { log } = opts;
  log.info("hopwatch starting", { version: VERSION, db: config.dbPath, port: config.port });

  // A weak key is refused before anything is opened; no key at all only disables writes.
  const weak = checkApiKey(config.apiKey);
  if (weak) throw new ConfigError([`${weak} (configured apiKey refused; nothing was started)`]);
  if (!config.apiKey) log.warn("no apiKey configured: write endpoints answer 403");

  const hub = new WsHub(hubOptionsFromConfig(config.raw));
  const stack = createStack(config, { log, broadcast: (event) => hub.broadcast(event) });
  const { hdb, writer, nodes, store, resolver, pipeline } = stack;
  warnRetentionAhead(hdb.db, config.retention, log, RETENTION_FIRST_RUN_MS);
  store.progress.state = "loading";
  store.progress.pct = 0;
  const metrics = new MetricsRegistry();
  const eventLoop = new EventLoopMonitor();
  eventLoop.start();

  // MQTT connects now; messages wait (in its bounded buffer) until the store is loaded.
  let markLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
  const handle = async (msg: IngestMessage) => {
    await loaded;
    if (msg.kind === "packet") await pipeline.ingestPacket(msg);
    else if (msg.kind === "status") pipeline.ingestStatus(msg);
    else if (msg.kind === "client-rx") stack.clientRx.ingest(msg);
  };
  const mqtt = config.mqttSources.length > 0
    ? new MqttIngest({ ...mqttIngestOptionsFromConfig(config, handle), logger: log })
    : null;

  const jobs = new BackgroundJobs({
    config,
    hdb,
    writer,
    store,
    nodes,
    resolver,
    log,
    checkpointer: stack.checkpointer,
    health: stack.health,
  });
  const app = createApp({
    ...stack.apiDeps(config, hub, loaded),
    maintenance: () => jobs.maintenance(),
    metrics,
    eventLoop,
    ingestStats: mqtt ? () => mqtt.counters.snapshot() : undefined,
    backup: async () => {
      const dir = await Deno.makeTempDir({ prefix: "hopwatch-backup-" });
      const path = `${dir}/backup.db`;
      const cleanup = () => void Deno.remove(dir, { recursive: true }).catch(() => {});
      try {
        const r = await backupDatabase(hdb.db, path);
        if (!r.integrity.ok) throw new Error(`backup failed its check: ${r.integrity.messages[0]}`);
        log.info("backup made", { bytes: r.bytes, ms: Math.round(r.durationMs) });
        return { path, cleanup };
      } catch (err) {
        cleanup();
        throw err;
      }
    },
    observerChanges: (listener) => {
      const count = hdb.db.prepare("SELECT COUNT(*) AS n FROM observers");
      let known = -1;
      writer.onFlush((info) => {
        const n = Number(count.get()?.n ?? 0);
        if ((info.counts.observerStatus ?? 0) > 0 || n !== known) listener();
        known = n;
      });
    },
    mqttStatus: mqtt ? () => ({ sources: mqtt.status(), buffer: mqtt.bufferStats() }) : undefined,
    build: { version: VERSION },
    mountUi: await mountUi(config, log),
  });

  const abort = new AbortController();
  const server = await listen({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
    hub,
    signal: abort.signal,
  }).catch((e) => {
    hub.close();
    throw new ConfigError([
      `config key "port": Cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`,
    ]);
  });
  const port = server.port;
  const live = await startLiveFeedPort(config, app.fetch, hub, abort.signal, log).catch((e) => {
    hub.close();
    abort.abort();
    throw e;
  });
  const listeningAtMs = performance.now();
  const httpReadyMs = listeningAtMs - t0;
  log.info("listening", {
    url: `http://${config.host}:${port}/`,
    httpReadyMs: Math.round(httpReadyMs),
  });
  mqtt?.start();

  const loading = (async () => {
    let lastLog = 0;
    const { graph, summary } = await stack.load({
      chunkSize: config.loadChunkSize,
      hotHours: config.packetStore.hotStartupHours || undefined,
      retentionHours: config.packetStore.retentionHours || undefined,
      newestFirst: true,
      // HTTP is served meanwhile: at most ~4 ms of loading per event-loop turn.
      maxSliceMs: LOAD_SLICE_MS,
      signal: abort.signal,
      onProgress: (rows, pct, rate) => {
        const now = performance.now();
        if (now - lastLog < 1000 && pct < 100) return;
        lastLog = now;
        log.info("loading store", { rows, pct: pct.toFixed(1), rowsPerSec: Math.round(rate) });
      },
    });
    log.info("neighbor graph loaded", { edges: graph.loaded, skipped: graph.skipped });
    log.info("store loaded", {
      tx: summary.tx,
      obs: summary.obs,
      nodes: summary.nodes,
      ms: Math.round(summary.ms),
    });
    markLoaded();
    jobs.start();
  })().catch((err) => {
    log.error(`Cannot load the store: ${(err as Error).stack ?? err}`);
    markLoaded();
  });

  // The demo feed goes through the same MQTT message parser as real brokers.
  const enc = new TextEncoder();
  const feedOne = async (topic: string, payload: string) => {
    const msg = parseMqttMessage(topic, enc.encode(payload), {
      source: { name: opts.feedSource ?? "demo" },
      observerBlacklist: new Set(),
      iataWhitelist: null,
      maxBytes: config.ingest.maxMessageBytes,
      nowMs: Date.now(),
    });
    if (msg.kind !== "rejected") await handle(msg);
  };
  if (opts.feed) {
    const feed = opts.feed;
    (async () => {
      await loaded;
      for await (const m of feed) {
        if (abort.signal.aborted) break;
        await feedOne(m.topic, m.payload);
      }
    })().catch((err) => log.error(`demo feed stopped: ${(err as Error).message}`));
  }

  let stopping: Promise<void> | null = null;
  const shutdown = (reason = "shutdown"): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      const deadline = setTimeout(() => {
        log.error("shutdown took longer than 5 s; exiting");
        Deno.exit(1);
      }, 5000);
      log.info("shutting down", { reason });
      hub.close();
      abort.abort();
      jobs.stop();
      eventLoop.stop();
      await mqtt?.stop({ drain: true }).catch((e) => log.warn(`mqtt stop: ${e}`));
      await loading;
      jobs.saveGraph();
      await stack.close();
      await server.finished.catch(() => {});
      await live?.finished;
      clearTimeout(deadline);
      log.info("stopped");
    })();
    return stopping;
  };

  if (opts.handleSignals ?? true) {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, () => void shutdown(sig));
    }
  }
  return {
    port,
    httpReadyMs,
    listeningAtMs,
    loaded,
    pipeline,
    store,
    shutdown,
    finished: server.finished.then(() => stopping ?? undefined),
  };
}
