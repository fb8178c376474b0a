/**
 * One-off re-resolution of the `resolved_path` values another resolver stored.
 *
 * A CoreScope database holds its live multi-tier resolver's answers, guesses
 * included (on the captured fixture: 322 of its 2,166 named hops are guesses
 * between relays sharing a prefix, and 120 contradict its own path, such as a
 * repeater named on links of 220-320 km). Loaded as they are, they would enter
 * hopwatch's indexes ("paths through node", relay counts) as if hopwatch had
 * resolved them, and the backfill keeps stored names it cannot improve. So the
 * migration that first sees such a file queues this task
 * (`hopwatch_0011_foreign_resolved_paths`), and the stack runs it before its
 * first load: every observation is replayed in time order through hopwatch's
 * resolver (learning the neighbor graph as ingest would have), and its
 * `resolved_path` is rewritten with hopwatch's answer. The original file is in
 * the pre-migration backup. A crash part-way leaves the task queued; the next
 * start runs it again from the beginning (the answers are the same).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "../store/node_directory.ts";
import type { HopResolver } from "../resolve/resolver.ts";
import { loadDirectoryFromDb, replayObservations } from "../resolve/db_replay.ts";
import { tableExists, TASK_RERESOLVE, TASKS_TABLE } from "../db/migrations.ts";
import type { Logger } from "../log/logger.ts";

/** Rows per write transaction (and per event-loop turn). */
const BATCH = 5000;

/** What {@linkcode reresolveStoredPaths} did. */
export interface ReresolveResult {
  /** Observations replayed (with a path). */
  rows: number;
  /** Stored values forgotten first. */
  cleared: number;
  /** Rows that now hold hopwatch's answer (the others are NULL: no hop named). */
  named: number;
  /** Rows whose `path_json` did not parse (their stored value is cleared like every other). */
  badRows: number;
  durationMs: number;
}

/** Whether the re-resolution task is queued in this database. */
export function reresolvePending(db: DatabaseSync): boolean {
  return tableExists(db, TASKS_TABLE) &&
    db.prepare(`SELECT 1 FROM ${TASKS_TABLE} WHERE name = ?`).get(TASK_RERESOLVE) !== undefined;
}

/**
 * Runs the queued re-resolution (a no-op returning null when none is queued).
 * Loads the `nodes` table into the directory first; the resolver's graph
 * should already hold the stored `neighbor_edges`.
 */
export async function reresolveStoredPaths(
  db: DatabaseSync,
  nodes: NodeDirectory,
  resolver: HopResolver,
  log: Logger,
): Promise<ReresolveResult | null> {
  if (!reresolvePending(db)) return null;
  const t0 = performance.now();
  loadDirectoryFromDb(db, nodes);
  const maxId = Number(db.prepare(`SELECT COALESCE(MAX(id), 0) AS m FROM observations`).get()!.m);
  log.info("re-resolving stored hop paths with hopwatch's resolver (once)", { maxId });
  // 1. Forget every stored value, in bounded id ranges (rows the replay cannot read stay NULL).
  const clear = db.prepare(
    `UPDATE observations SET resolved_path = NULL
      WHERE id BETWEEN ? AND ? AND resolved_path IS NOT NULL`,
  );
  let cleared = 0;
  for (let lo = 1; lo <= maxId; lo += BATCH * 10) {
    cleared += Number(clear.run(lo, lo + BATCH * 10 - 1).changes);
    await yieldTurn();
  }
  // 2. Replay in time order and store hopwatch's answers.
  const write = db.prepare(`UPDATE observations SET resolved_path = ? WHERE id = ?`);
  let rows = 0, named = 0, badRows = 0, inBatch = 0, lastLog = performance.now();
  db.exec("BEGIN");
  try {
    const replay = replayObservations(db, nodes, { trace: "payload", onBadRow: () => badRows++ });
    for (const row of replay) {
      const path = resolver.observe(row.hops, row.hashSize, row.hopCount, row.ctx);
      if (row.hopCount === 0) continue;
      rows++;
      // A CoreScope TRACE row's path_json holds SNR bytes (wire §8.1), not the payload hops
      // resolved here: no value can be parallel to it.
      const parallel = row.payloadType !== 9 || jsonLength(row.pathJson) === path.hopCount;
      const json = parallel ? resolver.toResolvedPathJson(path) : null;
      if (json !== null) {
        write.run(json, row.observationId);
        named++;
      }
      if (++inBatch < BATCH) continue;
      db.exec("COMMIT");
      inBatch = 0;
      await yieldTurn();
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log.info("re-resolving stored hop paths", { done: rows, maxId });
      }
      db.exec("BEGIN");
    }
    db.prepare(`DELETE FROM ${TASKS_TABLE} WHERE name = ?`).run(TASK_RERESOLVE);
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
  const result = {
    rows,
    cleared,
    named,
    badRows,
    durationMs: Math.round(performance.now() - t0),
  };
  log.info("re-resolved stored hop paths", { ...result });
  return result;
}

const yieldTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function jsonLength(json: string): number {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.length : -1;
  } catch {
    return -1;
  }
}
