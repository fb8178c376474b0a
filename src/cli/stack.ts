/**
 * Assembles hopwatch's components over one database file: the single writer,
 * the node directory, the store, the resolver and the ingest pipeline. The
 * server, the benchmarks and the tests all build the same stack here.
 *
 * @module
 */

import type { HopwatchConfig } from "./config.ts";
import type { Logger } from "../log/logger.ts";
import { type HopwatchDb, openDatabase } from "../db/database.ts";
import { reresolveStoredPaths } from "./reresolve.ts";
import { WalCheckpointer } from "../db/checkpointer.ts";
import { DbWriter, type DbWriterOptions } from "../db/writer.ts";
import { DbQueries } from "../db/queries.ts";
import { NodeDirectory } from "../store/node_directory.ts";
import { PacketStore } from "../store/packet_store.ts";
import { HopResolver } from "../resolve/resolver.ts";
import { createKeyRing, createRegionTable } from "../meshcore/mod.ts";
import type { KeyRing } from "../meshcore/types.ts";
import { IngestPipeline } from "../ingest/pipeline.ts";
import type { LiveEvent } from "../api/ws_frame.ts";
import type { ApiDeps } from "../api/deps.ts";
import type { WsHub } from "../api/ws_hub.ts";
import { type GraphLoadResult, loadGraph, loadGraphSliced } from "../resolve/graph_persistence.ts";
import { type LoadOptions, loadStore, type LoadSummary } from "../store/loader.ts";
import { httpIngestHandler } from "./http_ingest.ts";
import { HealthStore } from "../store/health_store.ts";
import { ClientRxIngest } from "../ingest/client_rx.ts";
import { geoFilterGate } from "../ingest/geofilter.ts";
import { holdIoTurns, nextTurn } from "../store/next_turn.ts";

/** The assembled components. */
export interface Stack {
  hdb: HopwatchDb;
  writer: DbWriter;
  queries: DbQueries;
  nodes: NodeDirectory;
  store: PacketStore;
  resolver: HopResolver;
  keyRing: KeyRing;
  pipeline: IngestPipeline;
  /** Observer metrics series, clock skew and node telemetry (fed by the pipeline). */
  health: HealthStore;
  /** WAL checkpoints in a worker (`checkpointer.ready`: started, or left in the writer). */
  checkpointer: WalCheckpointer;
  /** Roaming-client receptions and their grid index (RX coverage). */
  clientRx: ClientRxIngest;
  /**
   * Loads the neighbor graph, runs a queued one-off re-resolution of stored paths
   * (`reresolve.ts`: a file another resolver wrote), then loads the store from SQLite (in chunks
   * that yield) and marks it ready — what the server does at startup.
   */
  load(options?: LoadOptions): Promise<{ graph: GraphLoadResult; summary: LoadSummary }>;
  /**
   * The API dependencies this stack provides; `POST /api/packets` goes through the pipeline once
   * `ready` resolves. Callers add what is theirs (metrics, MQTT status, UI, ...).
   */
  apiDeps(config: HopwatchConfig, hub: WsHub, ready?: Promise<void>): ApiDeps;
  /** Flushes the writer and closes the database. */
  close(): Promise<void>;
}

/** Options of {@linkcode createStack}. */
export interface StackOptions {
  log: Logger;
  /** Receives one event per new observation (the WebSocket hub). */
  broadcast?: (event: LiveEvent) => void;
  writer?: DbWriterOptions;
}

type StackConfig =
  & Pick<
    HopwatchConfig,
    | "dbPath"
    | "packetStore"
    | "resolver"
    | "channelKeys"
    | "hashChannels"
    | "hashRegions"
    | "tryAllChannelKeys"
    | "validateSignatures"
    | "nodeBlacklist"
    | "retention"
  >
  & Partial<Pick<HopwatchConfig, "raw" | "foreignAdvertsMode">>;

/** Opens (and migrates) the database and builds every component over it. */
export function createStack(config: StackConfig, opts: StackOptions): Stack {
  const { log } = opts;
  const dbLog = (level: "info" | "warn" | "error", msg: string) => log.log(level, msg);
  const hdb = openDatabase(config.dbPath, { log: dbLog });
  const writer = new DbWriter(hdb, { log: dbLog, ...opts.writer });
  const checkpointer = new WalCheckpointer(hdb, { log: dbLog });
  const queries = new DbQueries(hdb.db);
  const nodes = new NodeDirectory();
  const store = new PacketStore(nodes, {
    retentionHours: config.packetStore.retentionHours,
    maxMemoryMB: config.packetStore.maxMemoryMB,
    fetchResolvedPaths: (ids) => queries.fetchResolvedPaths(ids),
  });
  const resolver = new HopResolver(nodes, {
    maxLinkKm: config.resolver.maxLinkKm,
    minConfidence: config.resolver.minConfidence,
    edgeHalfLifeHours: config.resolver.edgeHalfLifeHours,
  });
  const keyRing = createKeyRing({
    channelKeys: config.channelKeys,
    hashChannels: config.hashChannels,
    tryAllKeys: config.tryAllChannelKeys,
  });
  const health = new HealthStore(config.retention.metricsDays);
  const geoFilter = geoFilterGate(config.raw, config.foreignAdvertsMode ?? "flag");
  const pipeline = new IngestPipeline({
    store,
    nodes,
    resolver,
    writer,
    queries,
    decodeOptions: { keyRing, regions: createRegionTable(config.hashRegions) },
    validateSignatures: config.validateSignatures,
    nodeBlacklist: new Set(config.nodeBlacklist.map((k) => k.toLowerCase())),
    broadcast: opts.broadcast,
    log,
    health,
    geoFilter,
  });
  const clientRx = new ClientRxIngest({
    db: hdb.db,
    retentionDays: config.retention.clientRxDays,
    decodeOptions: { keyRing, regions: createRegionTable(config.hashRegions) },
  });
  return {
    hdb,
    writer,
    queries,
    nodes,
    store,
    resolver,
    keyRing,
    pipeline,
    health,
    checkpointer,
    clientRx,
    async load(options = {}) {
      await checkpointer.ready;
      // Sliced (a server answering HTTP): each startup step in a turn of its own, and
      // every yield polls the sockets (next_turn.ts).
      const release = options.maxSliceMs ? await holdIoTurns() : null;
      try {
        const graph = options.maxSliceMs
          ? await loadGraphSliced(hdb.db, nodes, resolver.graph, options.maxSliceMs, nextTurn)
          : loadGraph(hdb.db, nodes, resolver.graph);
        const turn = () => options.maxSliceMs ? nextTurn() : undefined;
        await turn();
        await reresolveStoredPaths(hdb.db, nodes, resolver, opts.log);
        await turn();
        const summary = await loadStore(hdb.db, store, nodes, options);
        if (options.maxSliceMs) await store.finishLoadSliced(options.maxSliceMs);
        else store.finishLoad();
        await health.load(
          hdb.db,
          store,
          Date.now(),
          (pk) => {
            const n = nodes.byKey(pk);
            return !!n && (n.batteryMv !== null || n.temperatureC !== null);
          },
          options.maxSliceMs,
        );
        clientRx.load();
        return { graph, summary };
      } finally {
        await release?.();
      }
    },
    apiDeps(config, hub, ready = Promise.resolve()) {
      return {
        config,
        store,
        nodes,
        resolver,
        db: hdb.db,
        hub,
        keyRing,
        ingestPacket: httpIngestHandler(pipeline, writer, ready),
        pipelineStats: () => pipeline.counters.snapshot(),
        health,
        geo: { clientRx, gate: geoFilter },
      };
    },
    async close() {
      clientRx.flush();
      await writer.close();
      await checkpointer.close();
      hdb.close();
    },
  };
}
