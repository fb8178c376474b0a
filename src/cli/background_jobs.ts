/**
 * Periodic work of a running server. Each job runs in small steps that yield
 * to the event loop, so ingest and the API keep their latency:
 *
 * - store eviction (retention / memory budget), every 60 s;
 * - neighbor-graph persistence (changed edges), every 60 s and at shutdown;
 * - WAL checkpoint (PASSIVE) on the writer connection, every 5 min, only when
 *   the checkpoint worker is not running (`db/checkpointer.ts`);
 * - SQLite retention (`retention.*Days`), every 10 min, in ~2 ms slices with
 *   8 ms pauses (at most a fifth of the event loop), removing the same
 *   transmissions from the store through its reverse maps;
 * - hop-resolution backfill over `resolvedPath.backfillHours`, after the load
 *   and again every 15 min when the evidence changed: the neighbor graph has
 *   new edges, or a relay appeared, went away, moved or changed role.
 * - reach index build, once after the load (which feeds the index nothing) and
 *   its first backfill, in ~2 ms slices with 3 ms pauses (`store/reach_build.ts`).
 *
 * @module
 */

import type { HopwatchConfig } from "./config.ts";
import type { HopwatchDb } from "../db/database.ts";
import type { DbWriter } from "../db/writer.ts";
import { runRetention, walCheckpoint } from "../db/maintenance.ts";
import { WalCheckpointer } from "../db/checkpointer.ts";
import type { PacketStore } from "../store/packet_store.ts";
import { type NodeDirectory, type NodeEvent, roleCanRelay } from "../store/node_directory.ts";
import type { HopResolver } from "../resolve/resolver.ts";
import { saveGraph } from "../resolve/graph_persistence.ts";
import { Backfill, type BackfillProgress } from "../resolve/backfill.ts";
import type { Logger } from "../log/logger.ts";
import type { MaintenanceStatus } from "../api/deps.ts";
import { SqlBackfillSource } from "./backfill_source.ts";
import { buildReach, type ReachBuildResult } from "../store/reach_build.ts";

/** Dependencies of the jobs. */
/** SQLite retention runs this long after start, then at this interval (startup warns first). */
export const RETENTION_FIRST_RUN_MS = 600_000;

export interface JobDeps {
  config: HopwatchConfig;
  hdb: HopwatchDb;
  writer: DbWriter;
  store: PacketStore;
  nodes: NodeDirectory;
  resolver: HopResolver;
  log: Logger;
  /**
   * WAL checkpoints in a worker: while active the 5-minute checkpoint is skipped, and retention
   * and backfill await one of its turns a second while they pause.
   */
  checkpointer?: WalCheckpointer;
  /** In-memory health series, pruned with `observer_metrics`. */
  health?: { prune(nowMs?: number): number };
}

/** Last outcome of each job, for `/api/health` and tests. */
export interface JobStatus {
  evictions: number;
  lastEviction: { evictedTx: number; evictedObs: number } | null;
  graphSaves: number;
  checkpoints: number;
  retentionRuns: number;
  lastRetention: { packets: number; nodesMoved: number; observersMarked: number } | null;
  backfill: BackfillProgress | null;
  /** The reach build's outcome once it ended (null before, or when the index was ready). */
  reachBuild: ReachBuildResult | null;
}

/** The server's background jobs. */
export class BackgroundJobs {
  readonly status: JobStatus = {
    evictions: 0,
    lastEviction: null,
    graphSaves: 0,
    checkpoints: 0,
    retentionRuns: 0,
    lastRetention: null,
    backfill: null,
    reachBuild: null,
  };
  #d: JobDeps;
  #timers: ReturnType<typeof setInterval>[] = [];
  #backfill: Backfill | null = null;
  #backfillEdges = -1;
  /** Relay appearances, removals, moves and role changes seen (evidence for re-resolution). */
  #relayChanges = 0;
  #backfillRelayChanges = -1;
  #unsubscribe: () => void;
  #retentionRunning = false;
  #started = false;
  #stopped = false;
  #reach: AbortController | null = null;

  constructor(deps: JobDeps) {
    this.#d = deps;
    this.#unsubscribe = deps.nodes.onChange((e) => {
      if (relayEvidenceChanged(e)) this.#relayChanges++;
    });
  }

  /** Starts every job; the backfill runs once at once. */
  start(): void {
    this.#started = true;
    const every = (ms: number, fn: () => unknown) => {
      this.#timers.push(setInterval(() => {
        Promise.resolve(fn()).catch((err) => this.#d.log.error(`background job failed: ${err}`));
      }, ms));
    };
    every(60_000, () => this.evict());
    every(60_000, () => this.saveGraph());
    every(300_000, () => this.checkpoint());
    every(RETENTION_FIRST_RUN_MS, () => this.retention());
    every(900_000, () => this.backfill());
    // the reach build after the first backfill, not beside it: two sliced jobs at once made
    // reads wait behind both (bench/jobs_read_bench.ts p99 ratio 3.8 on M against 1.6)
    queueMicrotask(async () => {
      await this.backfill().catch((err) => this.#d.log.error(`background job failed: ${err}`));
      if (this.#stopped) return;
      await this.reachBuild().catch((err) => this.#d.log.error(`reach build failed: ${err}`));
    });
  }

  /** Stops the timers and a running backfill. */
  stop(): void {
    this.#stopped = true;
    this.#unsubscribe();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#backfill?.stop();
    this.#reach?.abort();
  }

  /** One eviction pass of the in-memory store. */
  evict(): void {
    const r = this.#d.store.evict();
    this.status.evictions++;
    this.status.lastEviction = { evictedTx: r.evictedTx, evictedObs: r.evictedObs };
    if (r.evictedTx > 0) this.#d.log.info("store eviction", { tx: r.evictedTx, obs: r.evictedObs });
  }

  /** Writes the changed neighbor-graph edges. */
  saveGraph(): void {
    const { hdb, nodes, resolver, log } = this.#d;
    try {
      saveGraph(hdb.db, nodes, resolver.graph);
      this.status.graphSaves++;
    } catch (err) {
      log.warn(`Cannot save the neighbor graph: ${(err as Error).message}`);
    }
  }

  /** A passive WAL checkpoint (never blocks writers), unless the checkpoint worker runs them. */
  checkpoint(): void {
    if (this.#d.checkpointer?.stats().active) return;
    walCheckpoint(this.#d.hdb.db, "PASSIVE");
    this.status.checkpoints++;
  }

  /** SQLite retention, then the same transmissions leave the store. */
  async retention(): Promise<void> {
    if (this.#retentionRunning) return;
    this.#retentionRunning = true;
    const { hdb, writer, store, config, log } = this.#d;
    try {
      await writer.flush();
      const r = await runRetention(hdb.db, {
        ...config.retention,
        prune: {
          // Same synchronous turn as each delete: nothing queued can reference a deleted row.
          beforeBatch: () => void writer.flush(),
          batchSize: 8,
          maxSliceMs: 2,
          pauseMs: 8,
          beforeDelete: (ids) => store.stageRemoval(ids),
          onBatch: (ids) => store.removeTransmissions(ids),
          afterPause: this.#walBreather(),
        },
      });
      this.status.retentionRuns++;
      this.status.lastRetention = {
        packets: r.packets.transmissionIds.length,
        nodesMoved: r.nodesMoved.length,
        observersMarked: r.observersMarked.length,
      };
      for (const pk of r.nodesMoved) this.#d.nodes.remove(pk);
      this.#d.health?.prune();
      if (r.packets.transmissionIds.length || r.nodesMoved.length || r.observersMarked.length) {
        log.info("retention", this.status.lastRetention);
      }
    } finally {
      this.#retentionRunning = false;
    }
  }

  /**
   * Re-resolves stored paths in the window when the evidence changed since the last run (new
   * graph edges; a relay appeared, went away, moved or changed role); otherwise returns the last
   * run's progress.
   */
  async backfill(): Promise<BackfillProgress | null> {
    const { hdb, writer, store, nodes, resolver, config, log } = this.#d;
    if (this.#backfill?.progress.state === "running") return null;
    const edges = resolver.graph.size;
    const relays = this.#relayChanges;
    if (edges === this.#backfillEdges && relays === this.#backfillRelayChanges) {
      return this.status.backfill;
    }
    this.#backfillEdges = edges;
    this.#backfillRelayChanges = relays;
    await writer.flush();
    const source = new SqlBackfillSource(hdb.db, nodes, store, writer, log);
    // 2 ms of resolving per turn (the slice's store updates come on top, ~half as much again),
    // then 3 ms for everything else, and 200-row fetches: a read waits at most one short
    // slice, so reads stay within 2x of their idle p99 while the 24 h window is re-resolved
    // after start (bench/jobs_read_bench.ts; 4 ms slices back to back cost reads 4x at p99).
    this.#backfill = new Backfill(resolver, source, {
      backfillHours: config.backfillHours,
      batchSize: 200,
      maxSliceMs: 2,
      pauseMs: 3,
      afterSlice: this.#walBreather(),
    });
    const running = this.#backfill;
    const poll = setInterval(() => (this.status.backfill = running.progress), 1000);
    try {
      const result = await running.run();
      this.status.backfill = result;
      log.info("backfill finished", { ...result, refused: source.refused });
      return result;
    } finally {
      clearInterval(poll);
    }
  }

  /**
   * Builds the reach index when a load left it incomplete (the reach route answers from a
   * windowed scan meanwhile); null when it is ready or a build runs.
   */
  async reachBuild(): Promise<ReachBuildResult | null> {
    const { store, log } = this.#d;
    if (store.reach.ready || this.#reach) return null;
    const ctl = this.#reach = new AbortController();
    try {
      // 2 ms slices and 3 ms pauses, like the backfill (bench/jobs_read_bench.ts)
      const r = await buildReach(store, {
        maxSliceMs: 2,
        pauseMs: 3,
        signal: ctl.signal,
        afterPause: this.#walBreather(),
      });
      this.status.reachBuild = r;
      log.info("reach index built", {
        state: r.state,
        fed: r.fed,
        unreadable: r.unreadable,
        ms: Math.round(r.ms),
        mb: Math.round(store.reach.byteLength / 104857.6) / 10,
      });
      return r;
    } finally {
      this.#reach = null;
    }
  }

  /** What `/api/health` and `/metrics` show of the jobs and the WAL checkpoints. */
  maintenance(): MaintenanceStatus {
    return {
      backfill: this.backfillProgress,
      retention: { runs: this.status.retentionRuns, last: this.status.lastRetention },
      evictions: this.status.evictions,
      walCheckpoints: this.#d.checkpointer?.stats() ?? WalCheckpointer.inactiveStats(),
      busy: this.busy(),
    };
  }

  /** Jobs running now (see `MaintenanceStatus.busy`); empty when all are idle. */
  busy(): string[] {
    const out: string[] = [];
    if (!this.#started) out.push("startup");
    if (this.#backfill?.progress.state === "running") out.push("backfill");
    if (this.#retentionRunning) out.push("retention");
    if (this.#reach) out.push("reach");
    return out;
  }

  /**
   * For jobs that commit every few milliseconds (retention, backfill): awaited while they pause,
   * it lets one WAL checkpoint turn finish at most once a second, so the WAL can start over
   * (otherwise it grows by gigabytes over a big run: commits land while every pass runs).
   */
  #walBreather(): () => Promise<void> {
    let last = performance.now();
    return async () => {
      const cp = this.#d.checkpointer;
      if (!cp || performance.now() - last < 1000) return;
      await cp.settle();
      last = performance.now();
    };
  }

  /** Current backfill progress (live while running). */
  get backfillProgress(): BackfillProgress | null {
    return this.#backfill?.progress ?? this.status.backfill;
  }
}

/** Whether a node event changes what the resolver may conclude about relays. */
function relayEvidenceChanged(e: NodeEvent): boolean {
  const relay = roleCanRelay(e.node.role) || e.node.canRelay;
  if (e.kind !== "updated") return relay;
  const b = e.before!;
  const was = roleCanRelay(b.role) || b.canRelay;
  if (was !== relay || b.role !== e.node.role) return true;
  return relay && (b.lat !== e.node.lat || b.lon !== e.node.lon);
}
