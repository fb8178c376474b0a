import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/database.ts";
import { WalCheckpointer } from "../../src/db/checkpointer.ts";
import { collectLog, scalar, tempDir } from "./helpers.ts";

function walBytes(path: string): number {
  try {
    return Deno.statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

Deno.test("checkpoints move to the worker: the writer's automatic checkpoint is off, the WAL is copied and starts over", async () => {
  const { dir, cleanup } = tempDir();
  const { log } = collectLog();
  const hdb = openDatabase(`${dir}/cp.db`, { log });
  try {
    assert.equal(Number(scalar(hdb.db, "PRAGMA wal_autocheckpoint")), 1000);
    const cp = await WalCheckpointer.start(hdb, { intervalMs: 60_000 });
    assert.equal(cp.stats().active, true);
    assert.equal(Number(scalar(hdb.db, "PRAGMA wal_autocheckpoint")), 0);

    // Write well past the 1,000 pages at which the writer would have checkpointed itself.
    hdb.db.exec("CREATE TABLE blob_t (b BLOB)");
    const ins = hdb.db.prepare("INSERT INTO blob_t VALUES (randomblob(3000))");
    for (let t = 0; t < 40; t++) {
      hdb.db.exec("BEGIN");
      for (let i = 0; i < 100; i++) ins.run();
      hdb.db.exec("COMMIT");
    }
    const grown = walBytes(hdb.path);
    assert.ok(grown > 8 << 20, `WAL grew past 8 MiB with no checkpoint in the writer (${grown})`);

    await cp.settle();
    const s = cp.stats();
    assert.ok(s.runs >= 1, "a turn ran");
    assert.ok(s.walFrames > 2000, `the turn saw the whole WAL (${s.walFrames} frames)`);
    // Fully copied: the next commit writes from the start of the file, so another
    // checkpoint turn finds only that commit's frames.
    hdb.db.exec("INSERT INTO blob_t VALUES (x'00')");
    await cp.settle();
    assert.ok(cp.stats().walFrames < 50, `WAL started over (${cp.stats().walFrames} frames)`);
    assert.equal(Number(scalar(hdb.db, "SELECT COUNT(*) FROM blob_t")), 4001);

    await cp.close();
    assert.equal(cp.stats().active, false);
    assert.equal(Number(scalar(hdb.db, "PRAGMA wal_autocheckpoint")), 1000, "given back");
    await cp.settle(); // inactive: resolves at once
  } finally {
    hdb.close();
    cleanup();
  }
});

Deno.test("a read-only database gets no checkpoint worker", async () => {
  const { dir, cleanup } = tempDir();
  const { log } = collectLog();
  openDatabase(`${dir}/ro.db`, { log }).close();
  const ro = openDatabase(`${dir}/ro.db`, { log, readOnly: true });
  try {
    const cp = await WalCheckpointer.start(ro);
    assert.equal(cp.stats().active, false);
    await cp.settle();
    await cp.close();
  } finally {
    ro.close();
    cleanup();
  }
});
