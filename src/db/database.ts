/**
 * Opens the ONE writer connection (or a read-only one), applies the storage pragmas of
 * data-model §1, creates the current schema on a new file and upgrades an existing CoreScope file
 * additively, after a `VACUUM INTO` backup.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { currentSchemaSql } from "./schema.ts";
import {
  type DbLog,
  markAllApplied,
  type Migration,
  pendingMigrations,
  runMigrations,
  tableExists,
} from "./migrations.ts";
import { backupTo } from "./maintenance.ts";
import { fileStamp } from "./time.ts";

export type { DbLog } from "./migrations.ts";

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Open read-only: no pragmas that write, no schema changes. The file must exist. */
  readOnly?: boolean;
  /** Write `<db>.pre-migrate-<UTC stamp>.bak` before migrating an existing file. Default true. */
  backupBeforeMigrate?: boolean;
  /** Logger. Default: console. */
  log?: DbLog;
}

/** An open hopwatch database. */
export interface HopwatchDb {
  /** The connection. Use it from one place at a time (the writer, or read helpers). */
  readonly db: DatabaseSync;
  /** Absolute path of the database file. */
  readonly path: string;
  /** True when opened read-only. */
  readonly readOnly: boolean;
  /** True when this call created the schema on a new (or empty) file. */
  readonly created: boolean;
  /** Migrations applied by this open (empty for a new file and for an up-to-date one). */
  readonly appliedMigrations: readonly string[];
  /** Path of the pre-migration backup written by this open, else null. */
  readonly backupPath: string | null;
  /** Logger given at open. */
  readonly log: DbLog;
  /** Registers a hook run by {@link close} before the connection closes; returns an unregister. */
  addCloseHook(hook: () => void): () => void;
  /** Runs the close hooks (a writer flushes its queue), `PRAGMA optimize`, then closes. */
  close(): void;
}

/** Console logger used when no `log` option is given. */
export const consoleLog: DbLog = (level, msg) => {
  if (level === "error") console.error(msg);
  else if (level === "warn") console.warn(msg);
  else console.log(msg);
};

const KNOWN_TABLES = ["transmissions", "observations", "nodes", "observers"];

function fileSize(path: string): number | null {
  try {
    return Deno.statSync(path).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function userTables(db: DatabaseSync): string[] {
  return db.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
  ).all().map((r) => String(r.name));
}

function pragmaValue(db: DatabaseSync, sql: string): unknown {
  const row = db.prepare(sql).get();
  return row ? Object.values(row)[0] : undefined;
}

function preMigrateBackup(
  db: DatabaseSync,
  path: string,
  pending: readonly Migration[],
  log: DbLog,
): string {
  let dest = `${path}.pre-migrate-${fileStamp(new Date())}.bak`;
  for (let n = 2; fileSize(dest) !== null; n++) {
    dest = `${path}.pre-migrate-${fileStamp(new Date())}-${n}.bak`;
  }
  const r = backupTo(db, dest, { check: "quick" });
  if (!r.integrity.ok) {
    throw new Error(
      `Cannot migrate "${path}": pre-migration backup "${dest}" failed its check: ` +
        r.integrity.messages.slice(0, 5).join("; "),
    );
  }
  if (!r.observerRowidsStable) {
    throw new Error(
      `Cannot migrate "${path}": pre-migration backup "${dest}" renumbered observers rowids`,
    );
  }
  log(
    "info",
    `[db] wrote pre-migration backup ${dest} (${r.bytes} bytes, ${r.durationMs.toFixed(0)} ms) ` +
      `before ${pending.length} migration(s): ${pending.map((m) => m.name).join(", ")}`,
  );
  return dest;
}

function makeHandle(
  db: DatabaseSync,
  fields: Omit<HopwatchDb, "db" | "addCloseHook" | "close">,
): HopwatchDb {
  const hooks = new Set<() => void>();
  let closed = false;
  return {
    db,
    ...fields,
    addCloseHook(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const h of [...hooks]) {
        try {
          h();
        } catch (e) {
          fields.log("error", `[db] close hook failed: ${(e as Error).message}`);
        }
      }
      if (!fields.readOnly) {
        try {
          db.exec("PRAGMA optimize");
        } catch (e) {
          fields.log("warn", `[db] PRAGMA optimize failed: ${(e as Error).message}`);
        }
      }
      db.close();
    },
  };
}

function openReadOnly(path: string, log: DbLog): HopwatchDb {
  if (fileSize(path) === null) {
    throw new Error(`Cannot open database "${path}" read-only: file does not exist`);
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const pending = pendingMigrations(db);
    if (pending.length > 0) {
      log(
        "warn",
        `[db] ${path} is ${pending.length} migration(s) behind; open it read-write once to upgrade`,
      );
    }
  } catch (e) {
    db.close();
    throw new Error(`Cannot open database "${path}" read-only: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return makeHandle(db, {
    path,
    readOnly: true,
    created: false,
    appliedMigrations: [],
    backupPath: null,
    log,
  });
}

/**
 * Opens `path` (creating its folder) as the single writer connection with WAL,
 * `foreign_keys=ON`, `busy_timeout=5000`, `synchronous=NORMAL` and, on a new file,
 * `auto_vacuum=INCREMENTAL`. A new or empty file gets the full current schema; an existing file
 * gets its pending migrations, after a `VACUUM INTO '<db>.pre-migrate-<stamp>.bak'` backup
 * (unless `backupBeforeMigrate: false`). A file whose tables are neither hopwatch's nor
 * CoreScope's is refused.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): HopwatchDb {
  const log = options.log ?? consoleLog;
  const abs = resolve(path);
  if (options.readOnly) return openReadOnly(abs, log);
  mkdirSync(dirname(abs), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(abs, { enableForeignKeyConstraints: true });
  } catch (e) {
    throw new Error(`Cannot open database "${abs}": ${(e as Error).message}`, { cause: e });
  }
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const tables = userTables(db);
    const created = tables.length === 0;
    if (!created && !KNOWN_TABLES.some((t) => tables.includes(t))) {
      throw new Error(
        `it holds tables but none of hopwatch's (found: ${tables.slice(0, 8).join(", ")})`,
      );
    }
    if (created) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    const pending = created ? [] : pendingMigrations(db);
    let backupPath: string | null = null;
    if (pending.length > 0 && options.backupBeforeMigrate !== false) {
      backupPath = preMigrateBackup(db, abs, pending, log);
    }
    const mode = String(pragmaValue(db, "PRAGMA journal_mode = WAL"));
    if (mode !== "wal") log("warn", `[db] journal_mode is "${mode}", not WAL`);
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    let appliedMigrations: string[] = [];
    if (created) {
      db.exec("BEGIN IMMEDIATE");
      try {
        db.exec(currentSchemaSql());
        markAllApplied(db);
        db.exec("COMMIT");
      } catch (e) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw e;
      }
      log("info", `[db] created ${abs} with the current schema`);
    } else if (pending.length > 0) {
      appliedMigrations = runMigrations(db, pending, log);
      // Foreign keys are enforced from now on; report rows an older writer left dangling.
      const bad = Number(pragmaValue(db, "SELECT COUNT(*) FROM pragma_foreign_key_check")) || 0;
      if (bad > 0) {
        log("warn", `[db] ${bad} row(s) violate foreign keys (PRAGMA foreign_key_check)`);
      }
    }
    if (Number(pragmaValue(db, "PRAGMA foreign_keys")) !== 1) {
      throw new Error("foreign_keys could not be enabled");
    }
    if (!tableExists(db, "transmissions")) throw new Error("schema has no transmissions table");
    return makeHandle(db, {
      path: abs,
      readOnly: false,
      created,
      appliedMigrations,
      backupPath,
      log,
    });
  } catch (e) {
    db.close();
    const msg = (e as Error).message;
    if (msg.startsWith("Cannot ")) throw e;
    throw new Error(`Cannot open database "${abs}": ${msg}`, { cause: e });
  }
}
