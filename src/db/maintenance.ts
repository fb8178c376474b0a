/**
 * Maintenance: backups (`VACUUM INTO`, a locked file copy, or the online backup API), integrity checks, WAL checkpoints and retention
 * (transmissions by `first_seen`, nodes to `inactive_nodes`, observers marked inactive).
 *
 * @module
 */

import { backup, DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { mkdirSync } from "node:fs";
import { tableColumns } from "./migrations.ts";
import { rfc3339 } from "./time.ts";
import { pruneObserverMetrics } from "./metrics_retention.ts";

/** Result of an integrity check. */
export interface IntegrityResult {
  /** True when SQLite answered exactly `ok`. */
  ok: boolean;
  /** The rows SQLite returned (`["ok"]` when healthy). */
  messages: string[];
}

/**
 * Runs `PRAGMA integrity_check` (or `quick_check` with `quick`) and returns its verdict.
 * `maxErrors` caps the number of messages SQLite collects.
 */
export function integrityCheck(db: DatabaseSync, quick = false, maxErrors = 100): IntegrityResult {
  const pragma = quick ? "quick_check" : "integrity_check";
  const rows = db.prepare(`PRAGMA ${pragma}(${Math.max(1, Math.floor(maxErrors))})`).all();
  const messages = rows.map((r) => String(Object.values(r)[0]));
  return { ok: messages.length === 1 && messages[0] === "ok", messages };
}

/** `PRAGMA wal_checkpoint` modes. */
export type CheckpointMode = "PASSIVE" | "FULL" | "RESTART" | "TRUNCATE";

/** Result of a WAL checkpoint, as reported by SQLite. */
export interface CheckpointResult {
  /** 1 when the checkpoint could not complete because of readers or writers. */
  busy: number;
  /** Frames in the WAL (-1 when not in WAL mode). */
  log: number;
  /** Frames moved back into the database file (-1 when not in WAL mode). */
  checkpointed: number;
}

/** Runs `PRAGMA wal_checkpoint(<mode>)`. */
export function walCheckpoint(
  db: DatabaseSync,
  mode: CheckpointMode = "PASSIVE",
): CheckpointResult {
  if (!["PASSIVE", "FULL", "RESTART", "TRUNCATE"].includes(mode)) {
    throw new Error(
      `Cannot checkpoint with mode "${mode}": expected PASSIVE|FULL|RESTART|TRUNCATE`,
    );
  }
  const r = db.prepare(`PRAGMA wal_checkpoint(${mode})`).get() ?? {};
  return { busy: Number(r.busy), log: Number(r.log), checkpointed: Number(r.checkpointed) };
}

/** Options of {@link backupTo} and {@link backupDatabase}. */
export interface BackupOptions {
  /** Check run on the copy: full `integrity_check` (default), `quick_check`, or none. */
  check?: "integrity" | "quick" | "none";
}

/** How a copy was made. */
export type BackupMethod = "vacuum-into" | "locked-copy" | "online-backup";

/** Result of {@link backupTo} and {@link backupDatabase}. */
export interface BackupResult {
  /** Path of the copy. */
  path: string;
  /** Size of the copy in bytes. */
  bytes: number;
  /** How the copy was made (see {@link backupTo}). */
  method: BackupMethod;
  /** Verdict of the check on the copy (`ok: true, messages: []` when the check was skipped). */
  integrity: IntegrityResult;
  /** True when every observer of the copy kept its rowid (observations join on it). */
  observerRowidsStable: boolean;
  /** Wall time in milliseconds. */
  durationMs: number;
}

function observerRowids(db: DatabaseSync): Map<number, string> {
  const out = new Map<number, string>();
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='observers'`)
    .get();
  if (!exists) return out;
  for (const r of db.prepare(`SELECT rowid AS r, id FROM observers`).all()) {
    out.set(Number(r.r), String(r.id));
  }
  return out;
}

function refuseExisting(destPath: string): void {
  let exists = false;
  try {
    Deno.lstatSync(destPath);
    exists = true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (exists) throw new Error(`Cannot back up to "${destPath}": file already exists`);
  mkdirSync(dirname(destPath), { recursive: true });
}

/** The file of a connection's main database. */
function mainFile(db: DatabaseSync): string {
  const row = db.prepare(`PRAGMA database_list`).all().find((r) => r.name === "main");
  const file = row ? String(row.file ?? "") : "";
  if (!file) throw new Error("Cannot back up an in-memory or temporary database by file copy");
  return file;
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).size > 0;
  } catch {
    return false;
  }
}

/**
 * Copies the database files while holding the write lock (`BEGIN IMMEDIATE`), after a
 * checkpoint, then folds any copied WAL into the copy. Used where `VACUUM INTO` is not allowed:
 * Deno's node:sqlite refuses `ATTACH` (which `VACUUM INTO` needs) unless the process runs with
 * every permission, and the compiled binary does not.
 */
function lockedCopy(src: DatabaseSync, destPath: string): void {
  const file = mainFile(src);
  try {
    src.exec(`PRAGMA wal_checkpoint(TRUNCATE)`);
  } catch { /* busy: the WAL is copied too */ }
  src.exec(`BEGIN IMMEDIATE`);
  let wal = false;
  try {
    Deno.copyFileSync(file, destPath);
    if (fileExists(`${file}-wal`)) {
      Deno.copyFileSync(`${file}-wal`, `${destPath}-wal`);
      wal = true;
    }
  } finally {
    src.exec(`COMMIT`);
  }
  const copy = new DatabaseSync(destPath);
  try {
    if (wal) copy.exec(`PRAGMA wal_checkpoint(TRUNCATE)`);
    copy.exec(`PRAGMA journal_mode=DELETE`);
  } finally {
    copy.close();
  }
  for (const extra of [`${destPath}-wal`, `${destPath}-shm`]) {
    try {
      Deno.removeSync(extra);
    } catch { /* not there */ }
  }
}

function verifyCopy(
  src: DatabaseSync,
  destPath: string,
  method: BackupMethod,
  t0: number,
  options: BackupOptions,
): BackupResult {
  const copy = new DatabaseSync(destPath, { readOnly: true });
  try {
    const check = options.check ?? "integrity";
    const integrity = check === "none" ? { ok: true, messages: [] } : integrityCheck(
      copy,
      check === "quick",
    );
    const before = observerRowids(src);
    let stable = true;
    for (const [rowid, id] of observerRowids(copy)) {
      if (before.get(rowid) !== id) stable = false;
    }
    return {
      path: destPath,
      bytes: Deno.statSync(destPath).size,
      method,
      integrity,
      observerRowidsStable: stable,
      durationMs: performance.now() - t0,
    };
  } finally {
    copy.close();
  }
}

/**
 * Writes a consistent snapshot of `source` (an open connection, or a database path opened for
 * the duration) to `destPath`, refusing to overwrite an existing file, synchronously: with
 * `VACUUM INTO` where node:sqlite allows `ATTACH`, else by copying the files under the write lock
 * (a writable `source` is needed then). The copy is opened read-only and checked
 * (`integrity_check` by default), and its observer rowids are compared with the source.
 * For a large live database prefer {@link backupDatabase}, which does not block.
 */
export function backupTo(
  source: DatabaseSync | string,
  destPath: string,
  options: BackupOptions = {},
): BackupResult {
  const t0 = performance.now();
  refuseExisting(destPath);
  const src = typeof source === "string" ? new DatabaseSync(source) : source;
  try {
    let method: BackupMethod = "vacuum-into";
    try {
      src.prepare(`VACUUM INTO ?`).run(destPath);
    } catch (e) {
      const msg = (e as Error).message;
      if (!/too many attached databases/.test(msg)) {
        throw new Error(`Cannot back up to "${destPath}": ${msg}`, { cause: e });
      }
      method = "locked-copy";
      lockedCopy(src, destPath);
    }
    return verifyCopy(src, destPath, method, t0, options);
  } finally {
    if (typeof source === "string") src.close();
  }
}

/**
 * The online backup of a live database (SQLite's backup API through node:sqlite): copies
 * `source` page by page in small steps without blocking writers or the event loop for long, then
 * checks the copy like {@link backupTo}. This is what `hopwatch backup` and `GET /api/backup` use.
 */
export async function backupDatabase(
  source: DatabaseSync | string,
  destPath: string,
  options: BackupOptions & { pagesPerStep?: number } = {},
): Promise<BackupResult> {
  const t0 = performance.now();
  refuseExisting(destPath);
  const src = typeof source === "string" ? new DatabaseSync(source, { readOnly: true }) : source;
  try {
    try {
      await backup(src, destPath, { rate: options.pagesPerStep ?? 256 });
    } catch (e) {
      throw new Error(`Cannot back up to "${destPath}": ${(e as Error).message}`, { cause: e });
    }
    return verifyCopy(src, destPath, "online-backup", t0, options);
  } finally {
    if (typeof source === "string") src.close();
  }
}

/** Options of {@link pruneTransmissions}. */
export interface PruneOptions {
  /** Transmissions per batch (each batch is one transaction). Default 25. */
  batchSize?: number;
  /** Stop after this many batches (the next run continues). Default: no limit. */
  maxBatches?: number;
  /**
   * Longest run of batches between two yields to the event loop, in ms (default 4): a large
   * retention never stalls ingest or the API for longer than about this.
   */
  maxSliceMs?: number;
  /**
   * Pause after each slice, in ms (default 0). With `maxSliceMs` it bounds the share of the event
   * loop retention may take: the server uses 4 ms slices and 12 ms pauses (at most 25 %).
   */
  pauseMs?: number;
  /**
   * Called right before each batch, in the same synchronous turn as its delete (the server
   * flushes its writer here, so no queued row can reference a transmission being deleted).
   */
  beforeBatch?: () => void;
  /** Called with a batch's transmission ids right before they are deleted (same turn). */
  beforeDelete?: (ids: number[]) => void;
  /** Called after each committed batch with the transmission ids it deleted. */
  onBatch?: (ids: number[]) => void;
  /**
   * Awaited after each slice's pause (the server lets the WAL checkpoint catch up here, so the
   * WAL can start over while retention commits every few milliseconds).
   */
  afterPause?: () => Promise<void>;
}

/** Result of {@link pruneTransmissions}. */
export interface PruneResult {
  /** Deleted transmission ids, ascending per batch. */
  transmissionIds: number[];
  /** Number of observations deleted with them. */
  observationsDeleted: number;
  /** Number of committed batches. */
  batches: number;
}

/**
 * Deletes transmissions whose `first_seen` is older than `cutoff` (RFC3339 string compare, as
 * stored), with their observations first (foreign keys are on), in batches of `batchSize`. The
 * event loop gets a turn between batches, so the writer's flushes interleave. Returns the deleted
 * ids so the in-memory store can evict the same rows.
 */
export async function pruneTransmissions(
  db: DatabaseSync,
  cutoff: string,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 25));
  const maxSliceMs = Math.max(0, options.maxSliceMs ?? 4);
  const pauseMs = Math.max(0, options.pauseMs ?? 0);
  const pick = db.prepare(
    `SELECT id FROM transmissions WHERE first_seen < ? ORDER BY first_seen, id LIMIT ?`,
  );
  const result: PruneResult = { transmissionIds: [], observationsDeleted: 0, batches: 0 };
  let sliceStart = performance.now();
  while (options.maxBatches === undefined || result.batches < options.maxBatches) {
    options.beforeBatch?.();
    const ids = pick.all(cutoff, batchSize).map((r) => Number(r.id));
    if (ids.length === 0) break;
    options.beforeDelete?.(ids);
    const list = ids.join(",");
    db.exec("BEGIN IMMEDIATE");
    try {
      const obs = db.prepare(`DELETE FROM observations WHERE transmission_id IN (${list})`).run();
      db.prepare(`DELETE FROM transmissions WHERE id IN (${list})`).run();
      db.exec("COMMIT");
      result.observationsDeleted += Number(obs.changes);
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw new Error(`Cannot prune transmissions before "${cutoff}": ${(e as Error).message}`, {
        cause: e,
      });
    }
    result.transmissionIds.push(...ids);
    result.batches++;
    options.onBatch?.(ids);
    if (ids.length < batchSize) break;
    if (performance.now() - sliceStart >= maxSliceMs) {
      await new Promise((r) => setTimeout(r, pauseMs));
      await options.afterPause?.();
      sliceStart = performance.now();
    }
  }
  return result;
}

/**
 * Moves nodes whose `last_seen` is older than `cutoff` into `inactive_nodes` (every column both
 * tables share is copied; an older inactive row of the same key is replaced) and returns their
 * keys. Nodes with a NULL `last_seen` stay.
 */
export function moveInactiveNodes(db: DatabaseSync, cutoff: string): string[] {
  const inactive = new Set(tableColumns(db, "inactive_nodes"));
  const cols = tableColumns(db, "nodes").filter((c) => inactive.has(c)).join(", ");
  db.exec("BEGIN IMMEDIATE");
  try {
    const keys = db.prepare(`SELECT public_key FROM nodes WHERE last_seen < ?`).all(cutoff)
      .map((r) => String(r.public_key));
    db.prepare(
      `INSERT OR REPLACE INTO inactive_nodes (${cols}) SELECT ${cols} FROM nodes WHERE last_seen < ?`,
    ).run(cutoff);
    db.prepare(`DELETE FROM nodes WHERE last_seen < ?`).run(cutoff);
    db.exec("COMMIT");
    return keys;
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw new Error(`Cannot move nodes older than "${cutoff}": ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Marks observers whose `last_seen` is older than `cutoff` inactive; returns their ids. */
export function markInactiveObservers(db: DatabaseSync, cutoff: string): string[] {
  return db.prepare(
    `UPDATE observers SET inactive = 1
     WHERE last_seen < ? AND (inactive IS NULL OR inactive = 0) RETURNING id`,
  ).all(cutoff).map((r) => String(r.id));
}

/** Options of {@link runRetention}; a missing or non-positive day count disables that part. */
export interface RetentionOptions {
  /** Delete transmissions older than this many days (config `retention.packets`, 30). */
  packetDays?: number;
  /** Move nodes not heard for this many days (config `retention.nodes`, 7). */
  nodeDays?: number;
  /** Mark observers inactive after this many days (config `retention.observers`, 14). */
  observerDays?: number;
  /** Delete `observer_metrics` rows older than this many days (config `retention.metricsDays`, 30). */
  metricsDays?: number;
  /** Clock. Default: now. */
  now?: Date;
  /** Batch options for the transmission part. */
  prune?: PruneOptions;
}

/** Result of {@link runRetention}. */
export interface RetentionResult {
  /** Transmission part (empty when disabled). */
  packets: PruneResult;
  /** Keys moved to `inactive_nodes`. */
  nodesMoved: string[];
  /** Observer ids marked inactive. */
  observersMarked: string[];
  /** `observer_metrics` rows deleted. */
  metricsDeleted: number;
  /** The cut-offs used (RFC3339), null where disabled. */
  cutoffs: {
    packets: string | null;
    nodes: string | null;
    observers: string | null;
    metrics: string | null;
  };
}

function cutoffFor(now: Date, days: number | undefined): string | null {
  if (days === undefined || !(days > 0)) return null;
  return rfc3339(new Date(now.getTime() - days * 86_400_000));
}

/** Runs the three retention steps with cut-offs computed from `now`. */
export async function runRetention(
  db: DatabaseSync,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const now = options.now ?? new Date();
  const cutoffs = {
    packets: cutoffFor(now, options.packetDays),
    nodes: cutoffFor(now, options.nodeDays),
    observers: cutoffFor(now, options.observerDays),
    metrics: cutoffFor(now, options.metricsDays),
  };
  const packets = cutoffs.packets
    ? await pruneTransmissions(db, cutoffs.packets, options.prune)
    : { transmissionIds: [], observationsDeleted: 0, batches: 0 };
  const nodesMoved = cutoffs.nodes ? moveInactiveNodes(db, cutoffs.nodes) : [];
  const observersMarked = cutoffs.observers ? markInactiveObservers(db, cutoffs.observers) : [];
  const metricsDeleted = cutoffs.metrics ? pruneObserverMetrics(db, cutoffs.metrics) : 0;
  return { packets, nodesMoved, observersMarked, metricsDeleted, cutoffs };
}
