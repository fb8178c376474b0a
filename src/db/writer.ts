/**
 * `DbWriter`: the single in-process SQLite writer. Callers enqueue typed operations; the writer
 * commits them in ONE transaction when the oldest pending op is `flushIntervalMs` (250) old or
 * `maxBatchRows` (2000) ops are pending, whichever comes first. Ids are allocated in-process so
 * the in-memory store knows them before the flush. A failed batch is retried once, then written
 * op by op (a savepoint each) so one bad row cannot sink the others; failures are logged,
 * counted and reported to `onFlush` listeners.
 *
 * Observer packet upserts, relay touches and the `transmissions.last_seen` raise implied by each
 * observation are coalesced per key within a batch.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { DbLog } from "./migrations.ts";
import { metricsBucket, rfc3339 } from "./time.ts";
import { coalesceBatch, describeOp, normalizeResolvedPath, OpExecutor } from "./writer_ops.ts";
import type {
  ApplyEffects,
  DbWriterOptions,
  DroppedPacketInsert,
  FailedWrite,
  FlushInfo,
  FlushReason,
  NodeUpsert,
  ObservationUpsert,
  ObserverMetricsInsert,
  ObserverPacketUpsert,
  ObserverStatusUpdate,
  OpKind,
  TransmissionInsert,
  WriteOp,
  WriterStats,
} from "./writer_types.ts";

export type * from "./writer_types.ts";
export { normalizeResolvedPath } from "./writer_ops.ts";

const TX_REMAP_LIMIT = 100_000;

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The single writer over one {@link HopwatchDb} (or any object exposing `db`). */
export class DbWriter {
  readonly #db: DatabaseSync;
  readonly #log: DbLog;
  readonly #now: () => Date;
  readonly #interval: number;
  readonly #maxRows: number;
  readonly #exec: OpExecutor;
  readonly #listeners = new Set<(info: FlushInfo) => void>();
  readonly #observerRowids = new Map<string, number>();
  readonly #txRemap = new Map<number, number>();
  readonly #unhook: (() => void) | null;
  #queue: WriteOp[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing = false;
  #waiters: Array<() => void> = [];
  #closed = false;
  #lastTxId: number;
  #lastObsId: number;
  /** Cumulative counters (read-only view). */
  readonly stats: WriterStats = {
    batches: 0,
    rows: 0,
    failedBatches: 0,
    retriesSucceeded: 0,
    rowByRowBatches: 0,
    failedRows: 0,
    transmissionRemaps: 0,
    observationDedups: 0,
    invalidResolvedPaths: 0,
    relaysUnknown: 0,
    lastError: null,
  };

  /** Creates the writer; seeds the id counters from MAX(id) and `sqlite_sequence`. */
  constructor(
    target: {
      db: DatabaseSync;
      readOnly?: boolean;
      path?: string;
      log?: DbLog;
      addCloseHook?: (hook: () => void) => () => void;
    },
    options: DbWriterOptions = {},
  ) {
    if (target.readOnly) {
      throw new Error(`Cannot create a writer for "${target.path}": database is open read-only`);
    }
    this.#db = target.db;
    this.#log = options.log ?? target.log ?? (() => {});
    this.#now = options.now ?? (() => new Date());
    this.#interval = Math.max(0, options.flushIntervalMs ?? 250);
    this.#maxRows = Math.max(1, Math.floor(options.maxBatchRows ?? 2000));
    this.#exec = new OpExecutor(this.#db);
    this.#lastTxId = this.#seedId("transmissions");
    this.#lastObsId = this.#seedId("observations");
    this.#unhook = target.addCloseHook?.(() => this.closeSync()) ?? null;
  }

  #seedId(table: string): number {
    const max = Number(this.#db.prepare(`SELECT MAX(id) AS m FROM ${table}`).get()?.m ?? 0);
    const hasSeq = this.#db.prepare(
      `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`,
    ).get();
    const seq = hasSeq
      ? Number(
        this.#db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = ?`).get(table)?.seq ?? 0,
      )
      : 0;
    return Math.max(max, seq);
  }

  /** Allocates the next transmission id (never reused, even after retention deletes). */
  nextTransmissionId(): number {
    return ++this.#lastTxId;
  }

  /** Allocates the next observation id. */
  nextObservationId(): number {
    return ++this.#lastObsId;
  }

  /**
   * Returns `observers.rowid` for an observer id, inserting a bare observer row synchronously
   * first when it is new, so an observation never carries a NULL `observer_idx`.
   */
  observerIdx(observerId: string): number {
    const cached = this.#observerRowids.get(observerId);
    if (cached !== undefined) return cached;
    if (typeof observerId !== "string" || observerId === "") {
      throw new Error(`Cannot register observer "${observerId}": empty id`);
    }
    this.#assertOpen("observer");
    // Bare row: times and counts are filled by the packet's upsertObserver in the next batch.
    this.#db.prepare(
      `INSERT INTO observers (id, packet_count, inactive) VALUES (?, 0, 0)
       ON CONFLICT(id) DO NOTHING`,
    ).run(observerId);
    const row = this.#db.prepare(`SELECT rowid AS r FROM observers WHERE id = ?`).get(observerId);
    const idx = Number(row?.r);
    this.#observerRowids.set(observerId, idx);
    return idx;
  }

  /** Ops enqueued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Subscribes to batch reports; returns an unsubscribe function. */
  onFlush(cb: (info: FlushInfo) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Queues a transmission insert (`first_seen` earlier / `last_seen` later on hash conflict). */
  insertTransmission(row: TransmissionInsert): void {
    if (!Number.isSafeInteger(row.id) || row.id <= 0) {
      throw new Error(`Cannot insert transmission "${row.hash}": bad id ${row.id}`);
    }
    this.#push({ kind: "transmission", row });
  }

  /** Queues an observation upsert on `(transmission_id, observer_idx, COALESCE(path_json,''))`. */
  upsertObservation(row: ObservationUpsert): void {
    if (!Number.isSafeInteger(row.observerIdx) || row.observerIdx <= 0) {
      throw new Error(
        `Cannot upsert observation ${row.id}: observer_idx ${row.observerIdx} is not a rowid`,
      );
    }
    if (row.resolvedPath !== undefined && row.resolvedPath !== null) {
      const { value, invalid } = normalizeResolvedPath(row.resolvedPath, row.pathJson);
      if (invalid) this.#invalidResolved(`observation ${row.id}`, row.resolvedPath);
      row = { ...row, resolvedPath: value };
    }
    this.#push({ kind: "observation", row });
  }

  /** Queues a node upsert (key lowercased; COALESCE rules; future `last_seen` clamp). */
  upsertNode(row: NodeUpsert): void {
    if (!row.publicKey) throw new Error(`Cannot upsert node "${row.publicKey}": empty key`);
    this.#push({ kind: "node", row: { ...row, publicKey: row.publicKey.toLowerCase() } });
  }

  /** Queues observer bookkeeping for one packet (`packet_count + 1`, `last_packet_at`). */
  upsertObserver(row: ObserverPacketUpsert): void {
    this.#push({ kind: "observer", row, packets: 1, firstSeenAt: row.seenAt });
  }

  /** Queues an observer status update (model, firmware, radio, telemetry, `can_relay`). */
  updateObserverStatus(row: ObserverStatusUpdate): void {
    this.#push({ kind: "observerStatus", row });
  }

  /** Queues an `observer_metrics` sample (timestamp rounded down to 300 s). */
  insertObserverMetrics(row: ObserverMetricsInsert): void {
    this.#push({
      kind: "observerMetrics",
      row: { ...row, timestamp: metricsBucket(row.timestamp) },
    });
  }

  /** Queues a `dropped_packets` row. */
  insertDroppedPacket(row: DroppedPacketInsert): void {
    const droppedAt = row.droppedAt ?? rfc3339(this.#now());
    this.#push({ kind: "dropped", row: { ...row, droppedAt } });
  }

  /**
   * Credits a relay: `nodes.last_relayed` = newest `seenAt` (RFC3339), `relay_count` + 1.
   * Coalesced per key within a batch; unknown keys are reported in `FlushInfo.relaysUnknown`.
   */
  touchRelay(pubkey: string, seenAt: string): void {
    if (!pubkey) throw new Error(`Cannot touch relay "${pubkey}": empty key`);
    this.#push({ kind: "relay", pubkey: pubkey.toLowerCase(), seenAt, count: 1 });
  }

  /** Adds `count` to the edge between two keys (lowercased, ordered a <= b), `last_seen` = MAX. */
  upsertNeighborEdge(a: string, b: string, count: number, lastSeen: string): void {
    const x = (a ?? "").toLowerCase();
    const y = (b ?? "").toLowerCase();
    if (!x || !y) throw new Error(`Cannot upsert neighbor edge "${a}"-"${b}": empty key`);
    if (!(Number.isFinite(count) && count > 0)) {
      throw new Error(`Cannot upsert neighbor edge "${a}"-"${b}": bad count ${count}`);
    }
    const [lo, hi] = x <= y ? [x, y] : [y, x];
    this.#push({ kind: "edge", a: lo, b: hi, count, lastSeen });
  }

  /** Sets (or clears, with null) one observation's resolved path; all-null becomes NULL. */
  setResolvedPath(observationId: number, json: string | null): void {
    const { value, invalid } = normalizeResolvedPath(json);
    if (invalid) this.#invalidResolved(`observation ${observationId}`, json);
    this.#push({ kind: "resolvedPath", observationId, json: value });
  }

  /** Commits everything enqueued before the call; resolves once it is committed (or reported). */
  flush(): Promise<void> {
    if (this.#flushing) return new Promise((r) => this.#waiters.push(r));
    this.#flushNow("manual");
    return Promise.resolve();
  }

  /** Flushes, stops the timer and refuses further ops. The database stays open. */
  close(): Promise<void> {
    this.closeSync();
    return Promise.resolve();
  }

  /** Synchronous {@link close} (used by `HopwatchDb.close()`). */
  closeSync(): void {
    if (this.#closed) return;
    this.#flushNow("close");
    this.#closed = true;
    this.#clearTimer();
    this.#unhook?.();
  }

  #assertOpen(kind: string): void {
    if (this.#closed) throw new Error(`Cannot enqueue ${kind}: writer is closed`);
  }

  #invalidResolved(what: string, json: string | null): void {
    this.stats.invalidResolvedPaths++;
    if (this.stats.invalidResolvedPaths <= 20) {
      this.#log("warn", `[writer] ${what}: resolved_path ${json} does not match path_json; NULL`);
    }
  }

  #push(op: WriteOp): void {
    this.#assertOpen(op.kind);
    this.#queue.push(op);
    if (this.#flushing) return;
    if (this.#queue.length >= this.#maxRows) this.#flushNow("count");
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#flushNow("time");
      }, this.#interval);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flushNow(reason: FlushReason): void {
    if (this.#flushing) return;
    this.#flushing = true;
    this.#clearTimer();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.length <= this.#maxRows
          ? this.#queue
          : this.#queue.slice(0, this.#maxRows);
        this.#queue = batch === this.#queue ? [] : this.#queue.slice(batch.length);
        this.#runBatch(batch, reason);
      }
    } finally {
      this.#flushing = false;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  #newEffects(): ApplyEffects {
    return { txRemap: new Map(), obsDedups: [], relaysUnknown: [] };
  }

  #attempt(units: WriteOp[], nowIso: string, perRow: boolean, fx: ApplyEffects): FailedWrite[] {
    const db = this.#db;
    const lookup = (id: number) => fx.txRemap.get(id) ?? this.#txRemap.get(id) ?? id;
    const failed: FailedWrite[] = [];
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const u of units) {
        if (!perRow) {
          this.#exec.apply(u, nowIso, lookup, fx);
          continue;
        }
        db.exec("SAVEPOINT w");
        try {
          this.#exec.apply(u, nowIso, lookup, fx);
          db.exec("RELEASE w");
        } catch (e) {
          db.exec("ROLLBACK TO w");
          db.exec("RELEASE w");
          failed.push({ kind: u.kind, key: describeOp(u), error: errMsg(e) });
        }
      }
      db.exec("COMMIT");
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
    return failed;
  }

  #runBatch(batch: WriteOp[], reason: FlushReason): void {
    const t0 = performance.now();
    const counts: Partial<Record<OpKind, number>> = {};
    const units = coalesceBatch(batch, counts);
    this.stats.rows += batch.length;
    const nowIso = rfc3339(this.#now());
    let fx = this.#newEffects();
    let failed: FailedWrite[] = [];
    let attempts = 1;
    let mode: FlushInfo["mode"] = "batch";
    try {
      this.#attempt(units, nowIso, false, fx);
    } catch (e1) {
      this.stats.failedBatches++;
      this.stats.lastError = errMsg(e1);
      this.#log("warn", `[writer] batch of ${batch.length} op(s) failed: ${errMsg(e1)}; retrying`);
      attempts = 2;
      fx = this.#newEffects();
      try {
        this.#attempt(units, nowIso, false, fx);
        this.stats.retriesSucceeded++;
      } catch (e2) {
        attempts = 3;
        mode = "row-by-row";
        this.stats.rowByRowBatches++;
        this.#log("error", `[writer] batch failed again: ${errMsg(e2)}; writing ops one by one`);
        fx = this.#newEffects();
        try {
          failed = this.#attempt(units, nowIso, true, fx);
        } catch (e3) {
          fx = this.#newEffects();
          failed = units.map((u) => ({ kind: u.kind, key: describeOp(u), error: errMsg(e3) }));
        }
      }
    }
    this.#afterBatch(fx, failed);
    const info: FlushInfo = {
      reason,
      rows: batch.length,
      units: units.length,
      counts,
      mode,
      attempts,
      durationMs: performance.now() - t0,
      failed,
      transmissionRemaps: [...fx.txRemap].map(([requested, actual]) => ({ requested, actual })),
      observationDedups: fx.obsDedups,
      relaysUnknown: fx.relaysUnknown,
    };
    for (const cb of [...this.#listeners]) {
      try {
        cb(info);
      } catch (e) {
        this.#log("error", `[writer] onFlush listener failed: ${errMsg(e)}`);
      }
    }
  }

  #afterBatch(fx: ApplyEffects, failed: FailedWrite[]): void {
    this.stats.batches++;
    for (const [from, to] of fx.txRemap) {
      this.#txRemap.set(from, to);
      if (this.#txRemap.size > TX_REMAP_LIMIT) {
        this.#txRemap.delete(this.#txRemap.keys().next().value!);
      }
    }
    this.stats.transmissionRemaps += fx.txRemap.size;
    this.stats.observationDedups += fx.obsDedups.length;
    this.stats.relaysUnknown += fx.relaysUnknown.length;
    this.stats.failedRows += failed.length;
    for (const f of failed.slice(0, 20)) {
      this.#log("error", `[writer] Cannot write ${f.key}: ${f.error}`);
    }
    if (failed.length > 20) this.#log("error", `[writer] ... ${failed.length - 20} more failed`);
    if (failed.length > 0) this.stats.lastError = failed[0].error;
  }
}
