import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/database.ts";
import { integrityCheck } from "../../src/db/maintenance.ts";
import { MIGRATIONS } from "../../src/db/migrations.ts";
import { INDEXES, TABLES } from "../../src/db/schema.ts";
import {
  collectLog,
  columnsOf,
  copyFixture,
  FIXTURE_DB,
  rows,
  scalar,
  tempDir,
} from "./helpers.ts";
import { assertSpecSchema } from "./spec_schema.ts";

const FIXTURE_TABLES = ["transmissions", "observations", "nodes", "observers", "neighbor_edges"];

function snapshot(db: DatabaseSync, table: string): Map<string, Record<string, unknown>> {
  const key = table === "observers" ? "rowid" : table === "nodes" ? "public_key" : "rowid";
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows(db, `SELECT ${key} AS __k, * FROM ${table}`)) {
    const k = String(r.__k);
    delete r.__k;
    out.set(k, r);
  }
  return out;
}

Deno.test("fixture copy migrates: backup, _migrations, merged duplicate, counts, data kept", () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = copyFixture(dir);
    const original = new DatabaseSync(FIXTURE_DB.pathname, { readOnly: true });
    const before = Object.fromEntries(FIXTURE_TABLES.map((t) => [t, snapshot(original, t)]));
    original.close();
    assert.equal(before.observations.size, 500);

    const { log, lines } = collectLog();
    const hdb = openDatabase(path, { log });
    try {
      const db = hdb.db;
      // Backup written first, from the unmigrated file, and sound.
      assert.ok(hdb.backupPath);
      assert.match(hdb.backupPath!, /corescope\.db\.pre-migrate-\d{8}T\d{6}Z\.bak$/);
      assert.ok(lines.some((l) => l.msg.includes(hdb.backupPath!)), "backup path logged");
      const bak = new DatabaseSync(hdb.backupPath!, { readOnly: true });
      assert.deepEqual(integrityCheck(bak), { ok: true, messages: ["ok"] });
      assert.equal(scalar(bak, "SELECT COUNT(*) FROM observations"), 500);
      assert.equal(scalar(bak, "SELECT COUNT(*) FROM sqlite_master WHERE name='_migrations'"), 0);
      bak.close();

      // Migrations recorded, in order.
      assert.deepEqual(hdb.appliedMigrations, MIGRATIONS.map((m) => m.name));
      assert.deepEqual(
        rows(db, "SELECT name FROM _migrations ORDER BY name").map((r) => r.name),
        MIGRATIONS.map((m) => m.name),
      );
      assertSpecSchema(db);

      // Duplicate pair merged: lowest id kept, the other logged and gone.
      assert.deepEqual(
        rows(db, "SELECT id FROM observations WHERE transmission_id = 85").map((r) => r.id),
        [85],
      );
      assert.ok(lines.some((l) => /removed .*294/.test(l.msg) && l.msg.includes("kept 85")));
      assert.ok(lines.some((l) => l.level === "warn" && /ids 294$/.test(l.msg)));

      // Row counts.
      assert.equal(scalar(db, "SELECT COUNT(*) FROM transmissions"), 499);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM observations"), 499);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM nodes"), 200);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM observers"), 31);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM neighbor_edges"), 110);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
      assert.equal(scalar(db, "PRAGMA journal_mode"), "wal");

      // Every original value survives, rowids included (observers join on rowid).
      for (const t of FIXTURE_TABLES) {
        const after = snapshot(db, t);
        for (const [k, row] of before[t]) {
          if (t === "observations" && k === "294") {
            assert.equal(after.has(k), false);
            continue;
          }
          const now = after.get(k);
          assert.ok(now, `${t} row ${k} lost`);
          for (const [c, v] of Object.entries(row)) assert.deepEqual(now[c], v, `${t}.${c} @${k}`);
        }
      }
      // New columns got their defaults / backfill.
      assert.equal(scalar(db, "SELECT COUNT(*) FROM transmissions WHERE last_seen = 0"), 0);
      assert.equal(
        scalar(
          db,
          `SELECT COUNT(*) FROM transmissions t WHERE last_seen <>
           (SELECT MAX(timestamp) FROM observations o WHERE o.transmission_id = t.id)`,
        ),
        0,
      );
      assert.equal(scalar(db, "SELECT COUNT(*) FROM observers WHERE can_relay = 1"), 31);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM nodes WHERE relay_count = 0"), 200);
      assert.equal(scalar(db, "SELECT COUNT(*) FROM packets_v"), 499);
    } finally {
      hdb.close();
    }

    // Re-open: no migration, no new backup.
    const baks = () => [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".bak")).length;
    assert.equal(baks(), 1);
    const { log: log2, lines: lines2 } = collectLog();
    const again = openDatabase(path, { log: log2 });
    assert.deepEqual(again.appliedMigrations, []);
    assert.equal(again.backupPath, null);
    assert.equal(scalar(again.db, "SELECT COUNT(*) FROM _migrations"), MIGRATIONS.length);
    again.close();
    assert.equal(baks(), 1);
    assert.equal(lines2.filter((l) => l.msg.includes("[migrate]")).length, 0);
  } finally {
    cleanup();
  }
});

Deno.test("migrated fixture and a new file have identical tables, columns and indexes", () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = openDatabase(copyFixture(dir), { log: () => {}, backupBeforeMigrate: false });
    const b = openDatabase(`${dir}/fresh.db`, { log: () => {} });
    try {
      assert.equal([...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".bak")).length, 0);
      for (const t of TABLES) {
        assert.deepEqual(
          new Set(columnsOf(a.db, t.name)),
          new Set(columnsOf(b.db, t.name)),
          `columns of ${t.name}`,
        );
        assert.deepEqual(
          new Set(columnsOf(a.db, t.name)),
          new Set(t.columns.map((c) => c.name)),
          `schema.ts vs migrated ${t.name}`,
        );
      }
      const idx = (db: DatabaseSync) =>
        new Set(
          rows(db, "SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")
            .map((r) => r.name),
        );
      assert.deepEqual(idx(a.db), idx(b.db));
      assert.deepEqual(idx(b.db), new Set(INDEXES.map((i) => i.name)));
    } finally {
      a.close();
      b.close();
    }
  } finally {
    cleanup();
  }
});

/** A minimal older CoreScope-style file with values in every column and an unknown column. */
function makeOldFile(path: string): void {
  const db = new DatabaseSync(path);
  db.exec(`
    CREATE TABLE transmissions (id INTEGER PRIMARY KEY AUTOINCREMENT, raw_hex TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE, first_seen TEXT NOT NULL, route_type INTEGER,
      payload_type INTEGER, payload_version INTEGER, decoded_json TEXT,
      created_at TEXT DEFAULT (datetime('now')), operator_note TEXT);
    CREATE TABLE observations (id INTEGER PRIMARY KEY AUTOINCREMENT,
      transmission_id INTEGER NOT NULL REFERENCES transmissions(id), observer_idx INTEGER,
      direction TEXT, snr REAL, rssi REAL, score INTEGER, path_json TEXT,
      timestamp INTEGER NOT NULL, resolved_path TEXT);
    CREATE TABLE nodes (public_key TEXT PRIMARY KEY, name TEXT, role TEXT, lat REAL, lon REAL,
      last_seen TEXT, first_seen TEXT, advert_count INTEGER DEFAULT 0);
    CREATE TABLE observers (id TEXT PRIMARY KEY, name TEXT, iata TEXT, last_seen TEXT,
      first_seen TEXT, packet_count INTEGER DEFAULT 0, noise_floor REAL);
    CREATE TABLE observer_metrics (observer_id TEXT NOT NULL, timestamp TEXT NOT NULL,
      noise_floor REAL, PRIMARY KEY (observer_id, timestamp));
    CREATE TABLE _migrations (name TEXT PRIMARY KEY);
    INSERT INTO _migrations VALUES ('advert_count_unique_v1');
    INSERT INTO observers VALUES ('OBS_B', 'b', 'SJC', '2026-05-01T00:00:00Z', '2026-04-01T00:00:00Z', 7, -101.5);
    INSERT INTO observers VALUES ('OBS_A', 'a', 'OAK', '2026-05-02T00:00:00Z', '2026-04-02T00:00:00Z', 3, NULL);
    INSERT INTO transmissions (raw_hex, hash, first_seen, route_type, payload_type, decoded_json, operator_note)
      VALUES ('11AA', 'aaaa000000000001', '2026-05-01T00:00:00Z', 1, 4, '{"x":1}', 'keep me');
    INSERT INTO nodes VALUES ('abcd', 'Node', 'repeater', 1.5, 2.5, '2026-05-01T00:00:00Z', '2026-04-01T00:00:00Z', 9);
    INSERT INTO observer_metrics VALUES ('OBS_B', '2026-05-01T00:00:00Z', -99.0);
    -- duplicate group: id 2 carries newer snr and a real resolved path, id 3 an all-null one.
    INSERT INTO observations VALUES (1, 1, 2, NULL, NULL, -90, 10, '["AB"]', 1777600000, NULL);
    INSERT INTO observations VALUES (2, 1, 2, 'rx', 6.5, NULL, NULL, '["AB"]', 1777600100, '["abcd"]');
    INSERT INTO observations VALUES (3, 1, 2, 'tx', NULL, NULL, NULL, '["AB"]', 1777600200, '[null]');
    -- NULL observer_idx rows never conflict and are left alone.
    INSERT INTO observations VALUES (4, 1, NULL, NULL, 1, NULL, NULL, '[]', 1777600300, NULL);
    INSERT INTO observations VALUES (5, 1, NULL, NULL, 2, NULL, NULL, '[]', 1777600400, NULL);
  `);
  db.close();
}

Deno.test("older schema: additive upgrade keeps every value, merges duplicates COALESCE-style", () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = `${dir}/old.db`;
    makeOldFile(path);
    const { log } = collectLog();
    const hdb = openDatabase(path, { log });
    try {
      const db = hdb.db;
      assertSpecSchema(db);
      // Unknown column and its value survive; CoreScope's own migration row too.
      assert.equal(scalar(db, "SELECT operator_note FROM transmissions WHERE id = 1"), "keep me");
      assert.equal(
        scalar(db, "SELECT COUNT(*) FROM _migrations WHERE name='advert_count_unique_v1'"),
        1,
      );
      assert.equal(
        scalar(db, "SELECT applied_at FROM _migrations WHERE name='advert_count_unique_v1'"),
        null,
      );
      // Observer rowids unchanged.
      assert.deepEqual(
        rows(db, "SELECT rowid AS r, id, packet_count, noise_floor FROM observers ORDER BY rowid"),
        [
          { r: 1, id: "OBS_B", packet_count: 7, noise_floor: -101.5 },
          { r: 2, id: "OBS_A", packet_count: 3, noise_floor: null },
        ],
      );
      assert.deepEqual(
        rows(db, "SELECT name, role, lat, lon, advert_count, multibyte_sup FROM nodes"),
        [
          { name: "Node", role: "repeater", lat: 1.5, lon: 2.5, advert_count: 9, multibyte_sup: 0 },
        ],
      );
      assert.equal(scalar(db, "SELECT noise_floor FROM observer_metrics"), -99.0);
      assert.equal(scalar(db, "SELECT packets_sent FROM observer_metrics"), null);
      // Merge: id 1 kept; newer snr, kept rssi/score, real resolved path not overwritten by [null].
      assert.deepEqual(
        rows(
          db,
          "SELECT id, direction, snr, rssi, score, resolved_path, timestamp FROM observations ORDER BY id",
        ),
        [
          {
            id: 1,
            direction: "rx",
            snr: 6.5,
            rssi: -90,
            score: 10,
            resolved_path: '["abcd"]',
            timestamp: 1777600000,
          },
          {
            id: 4,
            direction: null,
            snr: 1,
            rssi: null,
            score: null,
            resolved_path: null,
            timestamp: 1777600300,
          },
          {
            id: 5,
            direction: null,
            snr: 2,
            rssi: null,
            score: null,
            resolved_path: null,
            timestamp: 1777600400,
          },
        ],
      );
      assert.equal(scalar(db, "SELECT last_seen FROM transmissions WHERE id = 1"), 1777600400);
    } finally {
      hdb.close();
    }
  } finally {
    cleanup();
  }
});
