import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/database.ts";
import {
  backupTo,
  integrityCheck,
  markInactiveObservers,
  moveInactiveNodes,
  pruneTransmissions,
  runRetention,
  walCheckpoint,
} from "../../src/db/maintenance.ts";
import { DbWriter } from "../../src/db/writer.ts";
import { copyFixture, rows, scalar, sleep, tempDir } from "./helpers.ts";

Deno.test("backup while another connection keeps writing passes integrity_check", async () => {
  const { dir, cleanup } = tempDir();
  const worker = new Worker(new URL("./backup_load_worker.ts", import.meta.url).href, {
    type: "module",
  });
  try {
    const hdb = openDatabase(copyFixture(dir), { log: () => {}, backupBeforeMigrate: false });
    const progress: number[] = [];
    let done: (n: number) => void = () => {};
    const finished = new Promise<number>((r) => (done = r));
    worker.onmessage = (e) => {
      if (e.data.done) done(e.data.written);
      else progress.push(e.data.written);
    };
    worker.postMessage({ path: hdb.path });
    while (progress.length < 2) await sleep(5);
    const results = [];
    for (let i = 0; i < 4; i++) {
      const before = progress.at(-1)!;
      results.push({ r: backupTo(hdb.db, `${dir}/live-${i}.bak`), before });
      await sleep(15); // let the worker commit more between backups
    }
    worker.postMessage("stop");
    const total = await finished;
    assert.ok(total > progress[0], "the worker kept writing during the backups");
    let last = 0;
    for (const { r } of results) {
      assert.deepEqual(r.integrity, { ok: true, messages: ["ok"] });
      assert.equal(r.observerRowidsStable, true);
      const copy = new DatabaseSync(r.path, { readOnly: true });
      const t = Number(scalar(copy, "SELECT COUNT(*) FROM transmissions"));
      // A consistent snapshot: every copied transmission has its three observations.
      assert.equal(
        scalar(copy, "SELECT COUNT(*) FROM observations WHERE transmission_id > 500"),
        (t - 499) * 3,
      );
      assert.equal(scalar(copy, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
      assert.ok(t >= last);
      last = t;
      copy.close();
    }
    assert.ok(last > 499, "backups captured rows written by the worker");
    hdb.close();
  } finally {
    worker.terminate();
    cleanup();
  }
});

Deno.test("backupTo refuses to overwrite, works from a path, and reports stable observer rowids", () => {
  const { dir, cleanup } = tempDir();
  try {
    const hdb = openDatabase(copyFixture(dir), { log: () => {}, backupBeforeMigrate: false });
    Deno.writeTextFileSync(`${dir}/taken.bak`, "precious");
    assert.throws(() => backupTo(hdb.db, `${dir}/taken.bak`), /file already exists/);
    assert.equal(Deno.readTextFileSync(`${dir}/taken.bak`), "precious");
    const r = backupTo(hdb.path, `${dir}/sub/from-path.bak`, { check: "quick" });
    assert.equal(r.integrity.ok, true);
    assert.equal(r.observerRowidsStable, true);
    assert.ok(r.bytes > 0);
    const copy = new DatabaseSync(r.path, { readOnly: true });
    assert.deepEqual(
      rows(copy, "SELECT rowid AS r, id FROM observers ORDER BY rowid"),
      rows(hdb.db, "SELECT rowid AS r, id FROM observers ORDER BY rowid"),
    );
    copy.close();
    hdb.close();
  } finally {
    cleanup();
  }
});

Deno.test("integrityCheck flags a damaged file; walCheckpoint reports frames", () => {
  const { dir, cleanup } = tempDir();
  try {
    const hdb = openDatabase(copyFixture(dir), { log: () => {}, backupBeforeMigrate: false });
    assert.deepEqual(integrityCheck(hdb.db), { ok: true, messages: ["ok"] });
    hdb.db.exec("UPDATE nodes SET name = name || ''");
    const cp = walCheckpoint(hdb.db, "TRUNCATE");
    assert.equal(cp.busy, 0);
    assert.ok(cp.log >= 0 && cp.checkpointed >= 0);
    assert.throws(() => walCheckpoint(hdb.db, "NOPE" as "FULL"), /Cannot checkpoint with mode/);
    hdb.close();
    // Damage an index page of a copy: integrity_check must say so.
    const path = `${dir}/damaged.db`;
    const src = new DatabaseSync(hdb.path, { readOnly: true });
    src.prepare("VACUUM INTO ?").run(path);
    const root = Number(
      scalar(src, "SELECT rootpage FROM sqlite_master WHERE name = 'idx_observations_timestamp'"),
    );
    src.close();
    const f = Deno.openSync(path, { read: true, write: true });
    f.seekSync((root - 1) * 4096, Deno.SeekMode.Start); // the b-tree page header
    f.writeSync(new Uint8Array(4096).fill(0x5a));
    f.close();
    const bad = new DatabaseSync(path, { readOnly: true });
    let result;
    try {
      result = integrityCheck(bad);
    } catch (e) {
      result = { ok: false, messages: [(e as Error).message] };
    }
    bad.close();
    assert.equal(result.ok, false);
  } finally {
    cleanup();
  }
});

function seedRetention(db: DatabaseSync): void {
  db.exec(`
    INSERT INTO observers (id, last_seen) VALUES ('OLD', '2026-04-01T00:00:00Z'),
      ('NEW', '2026-05-16T00:00:00Z'), ('NOTIME', NULL);
    INSERT INTO nodes (public_key, name, last_seen, advert_count, battery_mv)
      VALUES ('aa', 'stale', '2026-05-01T00:00:00Z', 4, 3700),
             ('bb', 'fresh', '2026-05-16T00:00:00Z', 1, NULL);
  `);
  const ins = db.prepare(
    `INSERT INTO transmissions (id, raw_hex, hash, first_seen, last_seen) VALUES (?, '11', ?, ?, 0)`,
  );
  const obs = db.prepare(
    `INSERT INTO observations (transmission_id, observer_idx, path_json, timestamp) VALUES (?, 1, ?, 0)`,
  );
  const days = [40, 35, 31, 30.5, 29, 10, 1];
  days.forEach((d, i) => {
    const t = new Date(Date.parse("2026-05-17T00:00:00Z") - d * 86_400_000).toISOString();
    ins.run(i + 1, `h${i}`, t.slice(0, 19) + "Z");
    obs.run(i + 1, "[]");
    obs.run(i + 1, '["AB"]');
  });
}

Deno.test("retention deletes exactly the expired rows in bounded batches and returns ids", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const hdb = openDatabase(`${dir}/r.db`, { log: () => {} });
    seedRetention(hdb.db);
    const batches: number[][] = [];
    const r = await runRetention(hdb.db, {
      now: new Date("2026-05-17T00:00:00Z"),
      packetDays: 30,
      nodeDays: 7,
      observerDays: 14,
      prune: { batchSize: 2, onBatch: (ids) => batches.push(ids) },
    });
    assert.deepEqual(r.packets.transmissionIds, [1, 2, 3, 4]);
    assert.deepEqual(batches, [[1, 2], [3, 4]]);
    assert.equal(r.packets.observationsDeleted, 8);
    assert.equal(r.cutoffs.packets, "2026-04-17T00:00:00Z");
    assert.deepEqual(rows(hdb.db, "SELECT id FROM transmissions").map((x) => x.id), [5, 6, 7]);
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations"), 6);
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations WHERE transmission_id < 5"), 0);
    // Nodes: moved with their data; observers: soft-deleted only.
    assert.deepEqual(r.nodesMoved, ["aa"]);
    assert.deepEqual(
      rows(hdb.db, "SELECT public_key, name, advert_count, battery_mv FROM inactive_nodes"),
      [
        { public_key: "aa", name: "stale", advert_count: 4, battery_mv: 3700 },
      ],
    );
    assert.deepEqual(rows(hdb.db, "SELECT public_key FROM nodes"), [{ public_key: "bb" }]);
    assert.deepEqual(r.observersMarked, ["OLD"]);
    assert.deepEqual(rows(hdb.db, "SELECT id, inactive FROM observers ORDER BY rowid"), [
      { id: "OLD", inactive: 1 },
      { id: "NEW", inactive: 0 },
      { id: "NOTIME", inactive: 0 },
    ]);
    // Running again changes nothing.
    const again = await runRetention(hdb.db, {
      now: new Date("2026-05-17T00:00:00Z"),
      packetDays: 30,
      nodeDays: 7,
      observerDays: 14,
    });
    assert.deepEqual(again.packets.transmissionIds, []);
    assert.deepEqual(again.nodesMoved, []);
    assert.deepEqual(again.observersMarked, []);
    // Disabled parts do nothing; maxBatches bounds one run.
    const partial = await pruneTransmissions(hdb.db, "2026-05-17T00:00:00Z", {
      batchSize: 1,
      maxBatches: 2,
    });
    assert.deepEqual(partial.transmissionIds, [5, 6]);
    assert.deepEqual(moveInactiveNodes(hdb.db, "2000-01-01T00:00:00Z"), []);
    assert.deepEqual(markInactiveObservers(hdb.db, "2000-01-01T00:00:00Z"), []);
    // A moved node that adverts again comes back with its history.
    const w = new DbWriter(hdb);
    w.upsertNode({ publicKey: "aa", lastSeen: "2026-05-17T00:00:00Z", advertIncrement: 1 });
    await w.close();
    assert.deepEqual(
      rows(hdb.db, "SELECT name, advert_count, battery_mv FROM nodes WHERE public_key = 'aa'"),
      [
        { name: "stale", advert_count: 5, battery_mv: 3700 },
      ],
    );
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM inactive_nodes"), 0);
    hdb.close();
  } finally {
    cleanup();
  }
});
