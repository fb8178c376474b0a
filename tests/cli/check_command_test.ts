/**
 * `hopwatch check`: integrity check plus index/database consistency, run as a
 * subprocess on a healthy database and on one with a planted inconsistency.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fixturePath, SERVER_PERMISSIONS } from "./server_process.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function check(db: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVER_PERMISSIONS, MAIN, "check", "--db", db],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, report: JSON.parse(new TextDecoder().decode(out.stdout) || "null") };
}

Deno.test("check: the fixture (older schema, opened read-only) is consistent; a planted orphan is reported", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-check-" });
  try {
    const db = `${dir}/hw.db`;
    Deno.copyFileSync(fixturePath("corescope-e2e.db"), db);
    const ok = await check(db);
    assert.equal(ok.code, 0, JSON.stringify(ok.report?.problems));
    assert.deepEqual(ok.report.integrity, ["ok"]);
    assert.equal(ok.report.store.transmissions, 499);
    assert.equal(ok.report.index.ok, true);

    const raw = new DatabaseSync(db);
    raw.exec("PRAGMA foreign_keys = OFF");
    raw.exec(
      `INSERT INTO observations (transmission_id, observer_idx, path_json, timestamp)
       VALUES (999999, 1, '[]', 1700000000)`,
    );
    raw.close();
    const bad = await check(db);
    assert.equal(bad.code, 1);
    assert.equal(bad.report.sql.orphanObservations, 1);
    assert.ok(bad.report.problems.some((p: string) => /missing transmission/.test(p)));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("check: a missing database file is a clear error", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVER_PERMISSIONS, MAIN, "check", "--db", "/nonexistent/hw.db"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 1);
  assert.match(
    new TextDecoder().decode(r.stderr),
    /Cannot check "\/nonexistent\/hw.db": no such database file/,
  );
});
