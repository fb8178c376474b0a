import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/database.ts";
import { MIGRATIONS } from "../../src/db/migrations.ts";
import { collectLog, rows, scalar, tempDir } from "./helpers.ts";
import { assertSpecSchema } from "./spec_schema.ts";

Deno.test("new database gets the full current schema, pragmas and migration rows", () => {
  const { dir, cleanup } = tempDir();
  try {
    const { log, lines } = collectLog();
    const hdb = openDatabase(`${dir}/nested/deeper/new.db`, { log });
    try {
      assert.equal(hdb.created, true);
      assert.equal(hdb.backupPath, null);
      assert.deepEqual(hdb.appliedMigrations, []);
      assertSpecSchema(hdb.db);
      assert.equal(scalar(hdb.db, "PRAGMA journal_mode"), "wal");
      assert.equal(scalar(hdb.db, "PRAGMA foreign_keys"), 1);
      assert.equal(scalar(hdb.db, "PRAGMA busy_timeout"), 5000);
      assert.equal(scalar(hdb.db, "PRAGMA auto_vacuum"), 2); // INCREMENTAL
      assert.equal(scalar(hdb.db, "PRAGMA synchronous"), 1); // NORMAL
      const names = rows(hdb.db, "SELECT name, applied_at FROM _migrations ORDER BY name");
      assert.deepEqual(names.map((r) => r.name), MIGRATIONS.map((m) => m.name));
      for (const r of names) {
        assert.match(String(r.applied_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
      assert.ok(lines.some((l) => l.msg.includes("created")));
      // The view answers (empty).
      assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM packets_v"), 0);
    } finally {
      hdb.close();
    }
    // Re-open: nothing to do, no backup.
    const again = openDatabase(`${dir}/nested/deeper/new.db`, { log: () => {} });
    assert.equal(again.created, false);
    assert.deepEqual(again.appliedMigrations, []);
    assert.equal(again.backupPath, null);
    again.close();
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/nested/deeper`)].filter((e) => e.name.includes(".bak")),
      [],
    );
  } finally {
    cleanup();
  }
});

Deno.test("openDatabase refuses a non-database file and a foreign SQLite file", () => {
  const { dir, cleanup } = tempDir();
  try {
    Deno.writeTextFileSync(
      `${dir}/junk.db`,
      "this is not sqlite at all, not even close".repeat(50),
    );
    assert.throws(
      () => openDatabase(`${dir}/junk.db`, { log: () => {} }),
      /Cannot open database ".*junk\.db": .*not a database/,
    );
    const other = new DatabaseSync(`${dir}/other.db`);
    other.exec("CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)");
    other.exec("INSERT INTO recipes (title) VALUES ('soup')");
    other.close();
    assert.throws(
      () => openDatabase(`${dir}/other.db`, { log: () => {} }),
      /none of hopwatch's \(found: recipes\)/,
    );
    const check = new DatabaseSync(`${dir}/other.db`, { readOnly: true });
    assert.deepEqual(
      rows(check, "SELECT name FROM sqlite_master WHERE type='table'").map((r) => r.name),
      ["recipes"],
    );
    check.close();
  } finally {
    cleanup();
  }
});

Deno.test("read-only open: missing file throws, existing file reads but cannot write", () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.throws(
      () => openDatabase(`${dir}/missing.db`, { readOnly: true, log: () => {} }),
      /read-only: file does not exist/,
    );
    openDatabase(`${dir}/x.db`, { log: () => {} }).close();
    const ro = openDatabase(`${dir}/x.db`, { readOnly: true, log: () => {} });
    try {
      assert.equal(ro.readOnly, true);
      assert.equal(scalar(ro.db, "SELECT COUNT(*) FROM transmissions"), 0);
      assert.throws(() => ro.db.exec("INSERT INTO observers (id) VALUES ('x')"), /readonly/);
    } finally {
      ro.close();
    }
  } finally {
    cleanup();
  }
});
