import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/database.ts";
import { DbQueries } from "../../src/db/queries.ts";
import { copyFixture, rows, tempDir } from "./helpers.ts";

Deno.test("findTransmissionIdByHash matches either case; countRows on the fixture", () => {
  const { dir, cleanup } = tempDir();
  try {
    const hdb = openDatabase(copyFixture(dir), { log: () => {}, backupBeforeMigrate: false });
    const q = new DbQueries(hdb.db);
    assert.equal(q.findTransmissionIdByHash("06001f5d97f8ed9e"), 1);
    assert.equal(q.findTransmissionIdByHash("06001F5D97F8ED9E"), 1);
    // Stored uppercase (raw-hex fallback hash): found from lowercase input too.
    assert.equal(q.findTransmissionIdByHash("1200b3a462eb724b"), 30);
    assert.equal(q.findTransmissionIdByHash(" 1200B3A462EB724B "), 30);
    assert.equal(q.findTransmissionIdByHash("ffffffffffffffff"), null);
    assert.equal(q.findTransmissionIdByHash(""), null);
    assert.deepEqual(q.countRows(), {
      transmissions: 499,
      observations: 499,
      nodes: 200,
      observers: 31,
    });
    hdb.close();
  } finally {
    cleanup();
  }
});

Deno.test("fetchResolvedPaths: batched by 500, all-null arrays read as NULL, unknown ids absent", () => {
  const { dir, cleanup } = tempDir();
  try {
    const hdb = openDatabase(copyFixture(dir), { log: () => {}, backupBeforeMigrate: false });
    const q = new DbQueries(hdb.db);
    const all = rows(hdb.db, "SELECT id, resolved_path FROM observations");
    const ids = all.map((r) => Number(r.id));
    const got = q.fetchResolvedPaths([...ids, 999_999, ids[0]]);
    assert.equal(got.size, 499);
    assert.equal(got.has(999_999), false);
    let allNull = 0;
    for (const r of all) {
      const v = r.resolved_path as string | null;
      if (v !== null && /^\[(null,?)*\]$/.test(v.replace(/\s/g, ""))) {
        allNull++;
        assert.equal(got.get(Number(r.id)), null);
      } else assert.equal(got.get(Number(r.id)), v);
    }
    assert.equal(allNull, 5); // the fixture's literal all-null arrays
    // More than one chunk, with a partial last chunk.
    hdb.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
      INSERT INTO observations (transmission_id, observer_idx, path_json, timestamp, resolved_path)
      SELECT 1, 1, '["' || i || '"]', 0, '["k' || i || '"]' FROM n`);
    const many = rows(hdb.db, "SELECT id FROM observations WHERE id > 500").map((r) =>
      Number(r.id)
    );
    assert.equal(many.length, 1100);
    const big = q.fetchResolvedPaths(many);
    assert.equal(big.size, 1100);
    assert.equal(big.get(many[1099]), '["k1100"]');
    assert.equal(q.fetchResolvedPaths([]).size, 0);
    hdb.close();
  } finally {
    cleanup();
  }
});
