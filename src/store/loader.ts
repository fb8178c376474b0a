/**
 * Startup load: nodes and observers first, then transmissions with their
 * observations in chunks of `chunkSize` transmissions (by id), yielding to the
 * event loop between chunks so HTTP keeps serving. Each `resolved_path` is
 * parsed ONCE here (the decode window): its keys are interned through the
 * NodeDirectory, the ids are handed to the store and dropped.
 *
 * Works on the older CoreScope schema (the fixture) and the current one: the
 * optional columns (`scope_name`, `nodes.last_relayed`) are detected.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "./node_directory.ts";
import type { PacketStore } from "./packet_store.ts";
import type { ObservationInput } from "./types.ts";
import type { PackedBatch } from "./load_batch.ts";
import { BatchIngest, type ObserverRow } from "./batch_ingest.ts";
import { type BatchSource, databaseFile, ThreadSource, WorkerSource } from "./batch_source.ts";
import { nextTurn } from "./next_turn.ts";

/** Options of {@linkcode loadStore}. */
export interface LoadOptions {
  /** Load the last `hotHours` first, then walk back to the retention cut-off. */
  hotHours?: number;
  /** Only load transmissions with `first_seen` within this many hours (0 = all). */
  retentionHours?: number;
  /** Transmissions per chunk (default 10,000). */
  chunkSize?: number;
  /** Load the newest chunk first (default false: oldest first). */
  newestFirst?: boolean;
  /** Called after each chunk: observations loaded so far, percent, rows per second. */
  onProgress?: (rows: number, pct: number, rowsPerSec: number) => void;
  /** Resolves an observation whose stored `resolved_path` is NULL (ids consumed at once). */
  resolveMissing?: (obs: ObservationInput) => Int32Array | null;
  signal?: AbortSignal;
  /** Clock for the time windows (default `Date.now()`). */
  nowMs?: number;
  /** Load workers reading SQLite in parallel (default 1 on 4+ cores, else 0 = in-thread). */
  workers?: number;
  /** Transmissions per worker request (default 500; the upper bound when `maxSliceMs` is set). */
  batchSize?: number;
  /**
   * Longest synchronous run of loading, ms (default: none, yield once per `chunkSize`). When set,
   * the loader yields as soon as a slice has run this long, reads in the calling thread no
   * further ahead than the batch it indexes next, and sizes batches from the measured cost per
   * transmission so one batch fits a slice: a server answering HTTP during the load waits at
   * most about one slice (bench/jobs_read_bench.ts).
   */
  maxSliceMs?: number;
}

/** What {@linkcode loadStore} did. */
export interface LoadSummary {
  tx: number;
  obs: number;
  nodes: number;
  observers: number;
  /** Observation rows merged into an earlier (transmission, observer, path) row. */
  dedupObs: number;
  /** Observations with a usable stored resolved path. */
  resolvedPaths: number;
  /** Observations whose resolved path was supplied by `resolveMissing`. */
  resolvedOnLoad: number;
  /** Observations whose `path_json` could not be parsed (kept with no hops). */
  badPaths: number;
  /** Progress steps (one per `chunkSize` transmissions). */
  chunks: number;
  /** Time until the first chunk was in the store (HTTP may bind then). */
  firstChunkMs: number;
  ms: number;
  aborted: boolean;
  /** Load workers used (0 = read in the calling thread). */
  workers: number;
  /** Why the load switched from workers to the calling thread, if it did. */
  workerFallback: string | null;
}

function columns(db: DatabaseSync, table: string): Set<string> {
  return new Set(db.prepare(`PRAGMA table_info(${table})`).all().map((r) => String(r.name)));
}

function isoCut(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/**
 * Loads the nodes table into the directory; returns the row count. Yields to the event loop
 * whenever `sliceMs` have passed (2,379 nodes took ~50 ms at once on L: every upsert notifies
 * the directory's listeners).
 */
async function loadNodes(
  db: DatabaseSync,
  store: PacketStore,
  nodes: NodeDirectory,
  sliceMs: number,
): Promise<number> {
  const cols = columns(db, "nodes");
  const rows = db.prepare(`SELECT * FROM nodes`).all();
  let t0 = performance.now();
  for (const r of rows) {
    if (performance.now() - t0 >= sliceMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      t0 = performance.now();
    }
    const pk = str(r.public_key);
    if (!pk) continue;
    const node = nodes.upsert({
      publicKey: pk,
      name: str(r.name),
      role: str(r.role) ?? undefined,
      lat: num(r.lat),
      lon: num(r.lon),
      firstSeen: str(r.first_seen) ?? undefined,
      lastSeen: str(r.last_seen) ?? undefined,
      advertCount: num(r.advert_count) ?? undefined,
      batteryMv: num(r.battery_mv),
      temperatureC: num(r.temperature_c),
      foreign: cols.has("foreign_advert") ? Number(r.foreign_advert) === 1 : undefined,
    });
    if (cols.has("last_relayed") && r.last_relayed) {
      const ms = Date.parse(String(r.last_relayed));
      if (ms > 0) store.seedRelayLastSeen(node.id, ms);
    }
  }
  return rows.length;
}

/**
 * Default number of load workers: one when the machine has 4+ cores (a
 * Raspberry Pi 4 has 4), none below. Measured on 2 shared cores: a worker
 * only pays off with a spare core, and its garbage pages stay in RSS until
 * V8's memory reducer runs (~30 s), e.g. L: 299 MB vs 231 MB right after load.
 */
function defaultWorkers(): number {
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency ?? 1 : 1;
  return cores >= 4 ? 1 : 0;
}

async function openSource(
  db: DatabaseSync,
  nodes: NodeDirectory,
  workers: number | undefined,
): Promise<BatchSource> {
  const count = workers ?? defaultWorkers();
  const file = count > 0 ? databaseFile(db) : null;
  if (file !== null) {
    try {
      return await WorkerSource.start(file, count, nodes);
    } catch {
      // No worker (permissions, compiled binary without the worker module): read in-thread.
    }
  }
  return new ThreadSource(db, nodes);
}

/**
 * Loads `db` into `store` (see the module doc). Progress is exposed on
 * `store.progress`; the returned promise resolves when everything is in.
 */
export async function loadStore(
  db: DatabaseSync,
  store: PacketStore,
  nodes: NodeDirectory,
  opts: LoadOptions = {},
): Promise<LoadSummary> {
  const t0 = performance.now();
  const now = opts.nowMs ?? Date.now();
  const chunkSize = Math.max(1, opts.chunkSize ?? 10_000);
  const sliced = opts.maxSliceMs !== undefined && opts.maxSliceMs > 0;
  const sliceMs = sliced ? opts.maxSliceMs! : Infinity;
  const p = store.progress;
  Object.assign(p, {
    state: "loading",
    loadedTx: 0,
    loadedObs: 0,
    totalTx: 0,
    totalObs: 0,
    pct: 0,
  });
  const summary: LoadSummary = {
    tx: 0,
    obs: 0,
    nodes: 0,
    observers: 0,
    dedupObs: 0,
    resolvedPaths: 0,
    resolvedOnLoad: 0,
    badPaths: 0,
    chunks: 0,
    firstChunkMs: 0,
    ms: 0,
    aborted: false,
    workers: 0,
    workerFallback: null,
  };

  summary.nodes = await loadNodes(db, store, nodes, sliceMs);
  if (sliced) await nextTurn();
  const observers = new Map<number, ObserverRow>();
  for (const r of db.prepare(`SELECT rowid AS rid, id, name, iata FROM observers`).all()) {
    const o = { id: String(r.id), name: str(r.name), iata: str(r.iata) };
    observers.set(Number(r.rid), o);
    store.observers.intern(o.id, o.name, o.iata);
  }
  summary.observers = observers.size;
  // Each count below scans an index (L: ~15 ms for both under load): a turn of its own.
  if (sliced) await nextTurn();

  const retCut = opts.retentionHours && opts.retentionHours > 0
    ? isoCut(now - opts.retentionHours * 3_600_000)
    : null;
  let hotCut = opts.hotHours && opts.hotHours > 0 ? isoCut(now - opts.hotHours * 3_600_000) : null;
  if (hotCut !== null && retCut !== null && hotCut <= retCut) hotCut = null;

  const where = retCut === null ? "" : `WHERE first_seen >= '${retCut}'`;
  p.totalTx = Number(db.prepare(`SELECT COUNT(*) AS n FROM transmissions ${where}`).get()?.n);
  if (sliced) await nextTurn();
  p.totalObs = retCut === null
    ? Number(db.prepare(`SELECT COUNT(*) AS n FROM observations`).get()?.n)
    : Number(
      db.prepare(
        `SELECT COUNT(*) AS n FROM observations WHERE transmission_id >=
         (SELECT MIN(id) FROM transmissions ${where})`,
      ).get()?.n,
    );

  // Phases: [time predicate, descending?]
  const phases: [string, boolean][] = [];
  const ret = retCut === null ? "1" : `first_seen >= '${retCut}'`;
  if (hotCut !== null) {
    phases.push([`first_seen >= '${hotCut}'`, opts.newestFirst ?? false]);
    phases.push([`first_seen < '${hotCut}' AND ${ret}`, true]);
  } else {
    phases.push([ret, opts.newestFirst ?? false]);
  }

  const dedupBefore = store.counters.dedupObs;
  let source = await openSource(db, nodes, opts.workers);
  summary.workers = source.workers;
  const ingest = new BatchIngest(store, observers);
  const maxBatch = Math.max(1, Math.min(chunkSize, opts.batchSize ?? 500));
  const pace = new BatchPace(maxBatch, sliceMs);
  const lookahead = () =>
    source.kind === "thread" && sliced ? 1 : 2 * Math.max(1, source.workers) + 2;
  let sliceStart = performance.now();
  /** One progress step: counts, percent and the callback. */
  const step = () => {
    summary.chunks++;
    if (summary.chunks === 1) summary.firstChunkMs = performance.now() - t0;
    p.loadedTx = store.txCount;
    p.loadedObs = store.obsCount;
    p.pct = p.totalTx > 0 ? Math.min(100, Math.round((1000 * p.loadedTx) / p.totalTx) / 10) : 100;
    const secs = (performance.now() - t0) / 1000;
    opts.onProgress?.(p.loadedObs, p.pct, secs > 0 ? Math.round(p.loadedObs / secs) : 0);
  };
  try {
    for (const [pred, desc] of phases) {
      // Only ids here; the rows themselves are read and decoded by the source.
      const idStmt = db.prepare(
        `SELECT id FROM transmissions WHERE id ${desc ? "<" : ">"} ? AND (${pred})
         ORDER BY id ${desc ? "DESC" : "ASC"} LIMIT ${chunkSize}`,
      );
      (idStmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      let cursor = desc ? Number.MAX_SAFE_INTEGER : -1;
      let exhausted = false;
      const queue: { lo: number; hi: number; ntx: number; batch: Promise<PackedBatch> }[] = [];
      let sinceStep = 0;
      // Ids of the current chunk not yet requested from the source.
      let ids: number[] = [];
      let at = 0;
      const refill = () => {
        while (queue.length < lookahead()) {
          if (at >= ids.length) {
            if (exhausted) break;
            ids = (idStmt.all(cursor) as unknown as number[][]).map((r) => Number(r[0]));
            at = 0;
            if (ids.length === 0) {
              exhausted = true;
              break;
            }
            cursor = ids[ids.length - 1];
          }
          const part = ids.slice(at, at + pace.batch);
          at += part.length;
          const lo = Math.min(part[0], part[part.length - 1]);
          const hi = Math.max(part[0], part[part.length - 1]);
          queue.push({ lo, hi, ntx: part.length, batch: source.fetch(lo, hi, pred) });
        }
      };
      for (;;) {
        if (opts.signal?.aborted) {
          summary.aborted = true;
          break;
        }
        const t = performance.now();
        refill();
        const item = queue.shift();
        if (!item) break;
        let batch: PackedBatch;
        try {
          batch = await item.batch;
        } catch (err) {
          if (source.kind !== "worker") throw err;
          // A worker failed: finish in this thread (queued ranges are fetched again).
          source.close();
          source = new ThreadSource(db, nodes);
          summary.workerFallback = String((err as Error).message);
          for (const q of queue) q.batch = source.fetch(q.lo, q.hi, pred);
          batch = await source.fetch(item.lo, item.hi, pred);
        }
        const tAdd = performance.now();
        ingest.add(batch, opts.resolveMissing);
        // This thread's share of the batch: reading and indexing, or indexing only (workers).
        pace.measured(item.ntx, performance.now() - (source.kind === "thread" ? t : tAdd));
        sinceStep += batch.ntx;
        if (sinceStep >= chunkSize || (queue.length === 0 && exhausted)) {
          sinceStep = 0;
          step();
          if (!sliced) await new Promise((r) => setTimeout(r, 0));
        }
        if (sliced && performance.now() - sliceStart >= sliceMs) {
          await nextTurn();
          sliceStart = performance.now();
        }
      }
      if (sinceStep > 0) step();
      if (summary.aborted) break;
    }
  } finally {
    source.close();
  }
  summary.tx = ingest.txNew;
  summary.obs = ingest.obsNew;
  summary.resolvedPaths = ingest.resolvedPaths;
  summary.resolvedOnLoad = ingest.resolvedOnLoad;
  summary.badPaths = ingest.badPaths;
  if (sliced) await store.finishLoadSliced(sliceMs);
  else store.finishLoad();
  summary.dedupObs = store.counters.dedupObs - dedupBefore;
  summary.ms = performance.now() - t0;
  if (!summary.aborted) Object.assign(p, { state: "ready", pct: 100 });
  return summary;
}

/**
 * Transmissions per batch when the load is sliced: the measured milliseconds per transmission
 * of this thread's work (a moving average over batches) decide how many fit half a slice,
 * between 16 and the configured batch size.
 */
class BatchPace {
  #max: number;
  #sliceMs: number;
  #msPerTx = 0;
  batch: number;

  constructor(max: number, sliceMs: number) {
    this.#max = max;
    this.#sliceMs = sliceMs;
    this.batch = Number.isFinite(sliceMs) ? Math.min(max, 50) : max;
  }

  /** Records that `ntx` transmissions took `ms` to read and index. */
  measured(ntx: number, ms: number): void {
    if (!Number.isFinite(this.#sliceMs) || ntx <= 0) return;
    const per = ms / ntx;
    this.#msPerTx = this.#msPerTx === 0 ? per : 0.8 * this.#msPerTx + 0.2 * per;
    const fit = Math.floor(this.#sliceMs / 2 / Math.max(this.#msPerTx, 1e-4));
    this.batch = Math.max(16, Math.min(this.#max, fit));
  }
}
