import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/database.ts";

const WORKER = new URL("./backup_restricted_worker.ts", import.meta.url).pathname;
const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url).pathname;

Deno.test("backups work with the binary's permissions (no ATTACH, so no VACUUM INTO)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const src = `${dir}/src.db`;
    Deno.copyFileSync(FIXTURE, src);
    openDatabase(src, { log: () => {} }).close(); // migrate (under -A: VACUUM INTO backup)
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", WORKER, src, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const { sync, online } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(sync.method, "locked-copy");
    assert.equal(online.method, "online-backup");
    for (const r of [sync, online]) {
      assert.deepEqual(r.integrity, { ok: true, messages: ["ok"] });
      assert.equal(r.observerRowidsStable, true);
    }
    const count = (path: string, sql: string) => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return Number(Object.values(db.prepare(sql).get()!)[0]);
      } finally {
        db.close();
      }
    };
    assert.equal(count(`${dir}/sync.bak`, "SELECT COUNT(*) FROM transmissions"), 499);
    assert.equal(count(`${dir}/sync.bak`, "SELECT COUNT(*) FROM observers"), 31);
    assert.equal(count(`${dir}/online.bak`, "SELECT COUNT(*) FROM observers"), 32);
    // A single self-contained file: no WAL left beside the synchronous copy.
    assert.throws(() => Deno.statSync(`${dir}/sync.bak-wal`), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
