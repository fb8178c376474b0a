/** Shared helpers for the db tests: temp dirs, fixture copies, a log collector. @module */

import type { DatabaseSync } from "node:sqlite";
import type { DbLog } from "../../src/db/database.ts";

/** The CoreScope fixture (read it, never write it). */
export const FIXTURE_DB = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = Deno.makeTempDirSync({ prefix: "hopwatch-db-test-" });
  return { dir, cleanup: () => Deno.removeSync(dir, { recursive: true }) };
}

/** Copies the fixture into `dir` (writable) and returns the copy's path. */
export function copyFixture(dir: string, name = "corescope.db"): string {
  const dest = `${dir}/${name}`;
  Deno.copyFileSync(FIXTURE_DB, dest);
  Deno.chmodSync(dest, 0o644);
  return dest;
}

/** A logger that records every line. */
export function collectLog(): { log: DbLog; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  return { log: (level, msg) => lines.push({ level, msg }), lines };
}

/** First column of the first row. */
export function scalar(db: DatabaseSync, sql: string, ...args: Array<string | number>): unknown {
  const row = db.prepare(sql).get(...args);
  return row ? Object.values(row)[0] : undefined;
}

/** All rows of a query as plain objects. */
export function rows(
  db: DatabaseSync,
  sql: string,
  ...args: Array<string | number>
): Array<Record<string, unknown>> {
  return db.prepare(sql).all(...args).map((r) => ({ ...r }));
}

/** Column names of a table. */
export function columnsOf(db: DatabaseSync, table: string): string[] {
  return rows(db, `SELECT name FROM pragma_table_info(?)`, table).map((r) => String(r.name));
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
