/**
 * Shared fixtures of the simulator tests: one generated shape-S database per
 * test process, in a temp dir.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { generate, type GenerateResult } from "../../src/sim/generate.ts";

/** Fixed end of the simulated span, so runs are comparable. */
export const NOW = Date.parse("2026-11-21T12:00:00Z") / 1000;
/** Seed of the shared database. */
export const SEED = 7;

let shared: Promise<{ dir: string; result: GenerateResult }> | undefined;

/** Generates (once) the shared shape-S database. */
export function sharedS(): Promise<{ dir: string; result: GenerateResult }> {
  shared ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "hw-sim-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const result = await generate({ shape: "S", out: `${dir}/s.db`, seed: SEED, now: NOW });
    return { dir, result };
  })();
  return shared;
}

/** Opens a generated file read-only. */
export function openRo(path: string): DatabaseSync {
  return new DatabaseSync(path, { readOnly: true });
}

/** Every row of every table (and the observer rowids), as one canonical string. */
export function dumpTables(path: string): string {
  const db = openRo(path);
  try {
    const tables = db.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
       AND name <> '_migrations' ORDER BY name`,
    ).all().map((r) => String(r.name));
    const parts: string[] = [];
    for (const t of tables) {
      const rows = db.prepare(`SELECT rowid AS _rowid, * FROM ${t} ORDER BY rowid`).all();
      parts.push(`${t}:${JSON.stringify(rows)}`);
    }
    return parts.join("\n");
  } finally {
    db.close();
  }
}
