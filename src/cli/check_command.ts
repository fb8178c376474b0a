/**
 * `hopwatch check`: SQLite integrity check plus an index/database consistency
 * report. It opens the database read-only, so it can run beside a live server.
 *
 * @module
 */

import type { HopwatchConfig } from "./config.ts";
import { openDatabase } from "../db/database.ts";
import { integrityCheck } from "../db/maintenance.ts";
import { DbQueries } from "../db/queries.ts";
import { NodeDirectory } from "../store/node_directory.ts";
import { PacketStore } from "../store/packet_store.ts";
import { loadStore } from "../store/loader.ts";

/** The report printed by `hopwatch check`. */
export interface CheckReport {
  ok: boolean;
  db: string;
  integrity: string[];
  sql: {
    transmissions: number;
    observations: number;
    nodes: number;
    observers: number;
    orphanObservations: number;
    observationsWithoutObserver: number;
    resolvedPathLengthMismatch: number;
  };
  store: { transmissions: number; observations: number; dedupObs: number };
  index: { ok: boolean; errors: string[]; checked: Record<string, number> };
  problems: string[];
}

/** Builds the report (exported for tests). */
export async function checkDatabase(path: string): Promise<CheckReport> {
  const hdb = openDatabase(path, { readOnly: true, log: () => {} });
  try {
    const db = hdb.db;
    const integrity = integrityCheck(db);
    const counts = new DbQueries(db).countRows();
    const one = (sql: string) => Number(db.prepare(sql).get()?.n ?? 0);
    const sql = {
      ...counts,
      orphanObservations: one(
        `SELECT COUNT(*) AS n FROM observations o
          WHERE NOT EXISTS (SELECT 1 FROM transmissions t WHERE t.id = o.transmission_id)`,
      ),
      observationsWithoutObserver: one(
        `SELECT COUNT(*) AS n FROM observations o
          WHERE o.observer_idx IS NULL
             OR NOT EXISTS (SELECT 1 FROM observers b WHERE b.rowid = o.observer_idx)`,
      ),
      resolvedPathLengthMismatch: one(
        `SELECT COUNT(*) AS n FROM observations
          WHERE resolved_path IS NOT NULL AND json_valid(resolved_path) AND json_valid(path_json)
            AND json_array_length(resolved_path) <> json_array_length(path_json)`,
      ),
    };
    const nodes = new NodeDirectory();
    const store = new PacketStore(nodes);
    const summary = await loadStore(db, store, nodes, {});
    store.finishLoad();
    const index = store.checkConsistency();
    const problems: string[] = [];
    if (!integrity.ok) problems.push(`integrity_check: ${integrity.messages.length} problem(s)`);
    if (!index.ok) problems.push(`index consistency: ${index.errors.length} problem(s)`);
    if (sql.orphanObservations > 0) {
      problems.push(`${sql.orphanObservations} observation(s) reference a missing transmission`);
    }
    if (store.txCount !== sql.transmissions) {
      problems.push(
        `store holds ${store.txCount} transmissions, SQLite ${sql.transmissions}`,
      );
    }
    if (store.obsCount + summary.dedupObs !== sql.observations - sql.orphanObservations) {
      problems.push(
        `store holds ${store.obsCount} observations (+${summary.dedupObs} merged), ` +
          `SQLite ${sql.observations}`,
      );
    }
    return {
      ok: problems.length === 0,
      db: hdb.path,
      integrity: integrity.ok ? ["ok"] : integrity.messages,
      sql,
      store: {
        transmissions: store.txCount,
        observations: store.obsCount,
        dedupObs: summary.dedupObs,
      },
      index: { ok: index.ok, errors: index.errors, checked: index.checked },
      problems,
    };
  } finally {
    hdb.close();
  }
}

/** Runs the command: prints the JSON report; exit 0 when everything is consistent. */
export async function runCheck(
  config: HopwatchConfig,
  out: (text: string) => void = console.log,
): Promise<number> {
  try {
    Deno.statSync(config.dbPath);
  } catch {
    console.error(`hopwatch: Cannot check "${config.dbPath}": no such database file`);
    return 1;
  }
  const report = await checkDatabase(config.dbPath);
  out(JSON.stringify(report, null, 2));
  return report.ok ? 0 : 1;
}
