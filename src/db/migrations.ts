/**
 * Named, ordered, idempotent schema migrations. They only ever add tables, columns, indexes and
 * views, fill newly added columns, and merge duplicate observations (keeping the lowest id, with
 * the newer values COALESCEd in) before the observation uniqueness index can be created. No
 * migration drops a table or a column.
 *
 * Each migration runs in its own transaction together with its `_migrations` row, so a crash
 * leaves the file either before or after a migration, never half-way.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import {
  INDEXES,
  OBSERVATION_DEDUP_INDEX,
  PACKETS_VIEW_NAME,
  PACKETS_VIEW_SQL,
  tableDef,
} from "./schema.ts";
import { createTableSql } from "./schema.ts";
import { rfc3339 } from "./time.ts";

/** Logger used by the persistence layer. */
export type DbLog = (level: "info" | "warn" | "error", msg: string) => void;

/** What a migration gets to work with. */
export interface MigrationContext {
  /** The writer connection (a transaction is open). */
  db: DatabaseSync;
  /** Logger. */
  log: DbLog;
}

/** One named migration. `up` must be idempotent and must never drop user data. */
export interface Migration {
  /** Unique, stable name recorded in `_migrations`. */
  name: string;
  /** One-line description for logs. */
  description: string;
  /** Applies the migration (inside a transaction opened by the runner). */
  up(ctx: MigrationContext): void;
}

/** Names of the columns a table has right now (empty when the table does not exist). */
export function tableColumns(db: DatabaseSync, table: string): string[] {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table);
  return rows.map((r) => String(r.name));
}

/** True when a table (not a view) of that name exists. */
export function tableExists(db: DatabaseSync, table: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !==
    undefined;
}

/** Creates a schema table when it is missing; returns true when it was created. */
export function ensureTable(db: DatabaseSync, table: string, log: DbLog): boolean {
  if (tableExists(db, table)) return false;
  db.exec(createTableSql(tableDef(table)));
  log("info", `[migrate] created table ${table}`);
  return true;
}

/**
 * Adds the named schema columns a table lacks (ALTER TABLE ADD COLUMN with the schema's
 * declaration). Returns the names added. Throws for a column that SQLite cannot add later.
 */
export function ensureColumns(
  db: DatabaseSync,
  table: string,
  names: readonly string[],
  log: DbLog,
): string[] {
  const def = tableDef(table);
  const have = new Set(tableColumns(db, table));
  if (have.size === 0) throw new Error(`Cannot add columns to "${table}": table does not exist`);
  const added: string[] = [];
  for (const name of names) {
    if (have.has(name)) continue;
    const col = def.columns.find((c) => c.name === name);
    if (!col) throw new Error(`Cannot add column "${table}.${name}": not in the schema`);
    const decl = col.addDecl === undefined ? col.decl : col.addDecl;
    if (decl === null) {
      throw new Error(
        `Cannot add column "${table}.${name}": it can only be created with the table`,
      );
    }
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${decl}`);
    added.push(name);
  }
  if (added.length > 0) log("info", `[migrate] ${table}: added column(s) ${added.join(", ")}`);
  return added;
}

function allColumns(table: string): string[] {
  return tableDef(table).columns.map((c) => c.name);
}

/** Result of {@link mergeDuplicateObservations}. */
export interface DedupResult {
  /** Number of (transmission, observer, path) groups that held more than one row. */
  groups: number;
  /** Ids deleted after their values were merged into the lowest id of their group. */
  removedIds: number[];
}

const MERGE_NEWER_WINS = ["snr", "rssi", "score", "raw_hex", "resolved_path"];
const MERGE_FILL_ONLY = ["direction"];

function isAllNullJsonArray(v: unknown): boolean {
  return typeof v === "string" && /^\s*\[\s*(null\s*(,\s*null\s*)*)?\]\s*$/.test(v);
}

/**
 * Merges observations that share the uniqueness key `(transmission_id, observer_idx,
 * COALESCE(path_json,''))`: the lowest id survives; `snr`, `rssi`, `score`, `raw_hex` and
 * `resolved_path` take the newest non-NULL value (an all-null resolved path counts as NULL), and
 * `direction` is filled only when missing. Rows with a NULL `observer_idx` are left alone (SQLite
 * treats NULLs as distinct in a UNIQUE index, so they never conflict). Every removed id is logged.
 */
export function mergeDuplicateObservations(db: DatabaseSync, log: DbLog): DedupResult {
  const cols = new Set(tableColumns(db, "observations"));
  const newer = MERGE_NEWER_WINS.filter((c) => cols.has(c));
  const fill = MERGE_FILL_ONLY.filter((c) => cols.has(c));
  const groups = db.prepare(
    `SELECT transmission_id AS tx, observer_idx AS oi, COALESCE(path_json, '') AS pj
     FROM observations WHERE observer_idx IS NOT NULL
     GROUP BY transmission_id, observer_idx, COALESCE(path_json, '') HAVING COUNT(*) > 1`,
  ).all();
  const result: DedupResult = { groups: groups.length, removedIds: [] };
  if (groups.length === 0) return result;
  const members = db.prepare(
    `SELECT * FROM observations WHERE transmission_id = ? AND observer_idx = ?
     AND COALESCE(path_json, '') = ? ORDER BY id`,
  );
  const setCols = [...newer, ...fill];
  const update = db.prepare(
    `UPDATE observations SET ${setCols.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
  );
  const del = db.prepare(`DELETE FROM observations WHERE id = ?`);
  for (const g of groups) {
    const rows = members.all(g.tx, g.oi, g.pj);
    const keep = { ...rows[0] } as Record<string, unknown>;
    const removed: number[] = [];
    for (const r of rows.slice(1)) {
      for (const c of newer) {
        const v = r[c];
        if (v === null || v === undefined) continue;
        if (c === "resolved_path" && isAllNullJsonArray(v)) continue;
        keep[c] = v;
      }
      for (const c of fill) {
        if (keep[c] === null || keep[c] === undefined) keep[c] = r[c];
      }
      removed.push(Number(r.id));
    }
    update.run(...setCols.map((c) => keep[c] as never), keep.id as number);
    for (const id of removed) del.run(id);
    result.removedIds.push(...removed);
    log(
      "info",
      `[migrate] merged duplicate observations of transmission ${g.tx} (observer_idx ${g.oi}, ` +
        `path ${String(g.pj) || "NULL"}): kept ${keep.id}, removed ${removed.join(", ")}`,
    );
  }
  log(
    "warn",
    `[migrate] removed ${result.removedIds.length} duplicate observation(s) in ${groups.length} ` +
      `group(s) before creating ${OBSERVATION_DEDUP_INDEX.name}: ids ${
        result.removedIds.join(", ")
      }`,
  );
  return result;
}

/** The ordered migration list. Append only; never rename or reorder an entry. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: "hopwatch_0001_core_tables",
    description: "create transmissions, observations, nodes, observers, neighbor_edges if missing",
    up({ db, log }) {
      for (const t of ["transmissions", "observations", "nodes", "observers", "neighbor_edges"]) {
        ensureTable(db, t, log);
      }
    },
  },
  {
    name: "hopwatch_0002_transmissions_columns",
    description: "transmissions.last_seen (backfilled), scope_name and older optional columns",
    up({ db, log }) {
      const added = ensureColumns(db, "transmissions", allColumns("transmissions"), log);
      if (!added.includes("last_seen")) return;
      const n = db.prepare(
        `UPDATE transmissions SET last_seen = COALESCE(
           (SELECT MAX(o.timestamp) FROM observations o WHERE o.transmission_id = transmissions.id),
           unixepoch(first_seen), 0)
         WHERE last_seen = 0`,
      ).run().changes;
      log("info", `[migrate] transmissions.last_seen backfilled on ${n} row(s)`);
    },
  },
  {
    name: "hopwatch_0003_observations_columns",
    description: "observations.raw_hex (#881) and resolved_path",
    up({ db, log }) {
      ensureColumns(db, "observations", allColumns("observations"), log);
    },
  },
  {
    name: "hopwatch_0004_node_tables_columns",
    description: "inactive_nodes table; default_scope, multibyte_* and telemetry columns",
    up({ db, log }) {
      ensureTable(db, "inactive_nodes", log);
      const cols = allColumns("nodes").filter((c) => c !== "last_relayed" && c !== "relay_count");
      ensureColumns(db, "nodes", cols, log);
      ensureColumns(db, "inactive_nodes", cols, log);
    },
  },
  {
    name: "hopwatch_0005_observers_columns",
    description: "observers inactive, last_packet_at, clock_* and can_relay columns",
    up({ db, log }) {
      ensureColumns(db, "observers", allColumns("observers"), log);
    },
  },
  {
    name: "hopwatch_0006_aux_tables",
    description: "observer_metrics, dropped_packets, client_receptions, client_observers",
    up({ db, log }) {
      for (const t of ["observer_metrics", "dropped_packets", "client_receptions"]) {
        ensureTable(db, t, log);
        ensureColumns(db, t, allColumns(t), log);
      }
      ensureTable(db, "client_observers", log);
      ensureColumns(db, "client_observers", allColumns("client_observers"), log);
    },
  },
  {
    name: "hopwatch_0007_observations_dedup",
    description: "merge duplicate observations, then create the unique (tx, observer, path) index",
    up({ db, log }) {
      mergeDuplicateObservations(db, log);
      db.exec(OBSERVATION_DEDUP_INDEX.sql);
    },
  },
  {
    name: "hopwatch_0008_indexes",
    description: "every index of the current schema",
    up({ db }) {
      for (const i of INDEXES) db.exec(i.sql);
    },
  },
  {
    name: "hopwatch_0009_packets_view",
    description: "(re)create the packets_v view (a view holds no data)",
    up({ db }) {
      db.exec(`DROP VIEW IF EXISTS ${PACKETS_VIEW_NAME}`);
      db.exec(PACKETS_VIEW_SQL);
    },
  },
  {
    name: "hopwatch_0010_relay_last_seen",
    description: "nodes/inactive_nodes last_relayed and relay_count (relay liveness persistence)",
    up({ db, log }) {
      ensureColumns(db, "nodes", ["last_relayed", "relay_count"], log);
      ensureColumns(db, "inactive_nodes", ["last_relayed", "relay_count"], log);
    },
  },
  {
    name: "hopwatch_0011_foreign_resolved_paths",
    description: "queue the re-resolution of resolved paths another resolver stored",
    up({ db, log }) {
      // Every resolved_path in the file before this migration was written by another resolver
      // (CoreScope's guesses included) or by a hopwatch that predates it: hopwatch re-resolves
      // them once, before its first load (`src/cli/reresolve.ts`).
      db.exec(`CREATE TABLE IF NOT EXISTS ${TASKS_TABLE} (
        name TEXT PRIMARY KEY, created_at TEXT NOT NULL)`);
      const any = db.prepare(
        `SELECT 1 FROM observations WHERE resolved_path IS NOT NULL LIMIT 1`,
      ).get();
      if (!any) return;
      db.prepare(`INSERT OR IGNORE INTO ${TASKS_TABLE} (name, created_at) VALUES (?, ?)`)
        .run(TASK_RERESOLVE, rfc3339(new Date()));
      log("info", "[migrate] stored resolved paths queued for re-resolution by hopwatch");
    },
  },
];

/** Table of one-off tasks a migration leaves for the application (name, created_at). */
export const TASKS_TABLE = "hopwatch_tasks";
/** Task: re-resolve every stored `resolved_path` with hopwatch's resolver. */
export const TASK_RERESOLVE = "reresolve_stored_paths";

/** Names of the migrations recorded in `_migrations` (empty when the table is missing). */
export function appliedMigrationNames(db: DatabaseSync): Set<string> {
  if (!tableExists(db, "_migrations")) return new Set();
  return new Set(db.prepare(`SELECT name FROM _migrations`).all().map((r) => String(r.name)));
}

/** The migrations this file still needs, in order. Reads only. */
export function pendingMigrations(db: DatabaseSync): Migration[] {
  const done = appliedMigrationNames(db);
  return MIGRATIONS.filter((m) => !done.has(m.name));
}

/** Creates `_migrations` (or adds `applied_at` to the reference's one-column table). */
export function ensureMigrationsTable(db: DatabaseSync, log: DbLog): void {
  ensureTable(db, "_migrations", log);
  ensureColumns(db, "_migrations", ["applied_at"], log);
}

function inTransaction(db: DatabaseSync, fn: () => void): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    fn();
    db.exec("COMMIT");
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

/**
 * Applies the given pending migrations in order, each in its own transaction with its
 * `_migrations` row. Returns the names applied. Throws `Cannot apply migration "x": ...` and
 * leaves the file at the last completed migration when one fails.
 */
export function runMigrations(
  db: DatabaseSync,
  pending: readonly Migration[],
  log: DbLog,
  now: () => Date = () => new Date(),
): string[] {
  inTransaction(db, () => ensureMigrationsTable(db, log));
  const record = db.prepare(`INSERT OR IGNORE INTO _migrations (name, applied_at) VALUES (?, ?)`);
  const applied: string[] = [];
  for (const m of pending) {
    const t0 = performance.now();
    try {
      inTransaction(db, () => {
        m.up({ db, log });
        record.run(m.name, rfc3339(now()));
      });
    } catch (e) {
      throw new Error(`Cannot apply migration "${m.name}": ${(e as Error).message}`, { cause: e });
    }
    applied.push(m.name);
    log("info", `[migrate] applied ${m.name} (${m.description}) in ${ms(t0)} ms`);
  }
  return applied;
}

/** Records every migration as applied (used after creating the current schema on a new file). */
export function markAllApplied(db: DatabaseSync, now: Date = new Date()): void {
  const record = db.prepare(`INSERT OR IGNORE INTO _migrations (name, applied_at) VALUES (?, ?)`);
  for (const m of MIGRATIONS) record.run(m.name, rfc3339(now));
}

function ms(t0: number): string {
  return (performance.now() - t0).toFixed(1);
}
