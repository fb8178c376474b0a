/**
 * Operations as users run them: graceful shutdown of a server holding a
 * 200 MB database, and backups taken while ingest continues.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { runGen } from "../../src/cli/gen_command.ts";
import {
  fixturePackets,
  fixturePath,
  postPacket,
  SERVER_PERMISSIONS,
  type ServerProcess,
  startServer,
  TEST_API_KEY,
} from "./server_process.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Posts fixture packets from rotating observers until halted; returns what was acknowledged. */
function ingest(server: ServerProcess) {
  const packets = fixturePackets();
  const acked: { hash: string; observer: string }[] = [];
  let stop = false;
  let i = 0;
  const run = (async () => {
    while (!stop) {
      const n = i++;
      const observer = `LOAD${Math.floor(n / packets.length)}`;
      try {
        const res = await postPacket(server.url, packets[n % packets.length].raw, observer);
        const body = await res.json();
        if (res.ok) acked.push({ hash: body.decoded.hash, observer });
      } catch {
        return;
      }
    }
  })();
  return { acked, halt: async () => ((stop = true), await run) };
}

function missing(dbPath: string, acked: { hash: string; observer: string }[]): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const stmt = db.prepare(
      `SELECT COUNT(*) AS n FROM observations o JOIN transmissions t ON t.id = o.transmission_id
        JOIN observers b ON b.rowid = o.observer_idx WHERE t.hash = ? AND b.id = ?`,
    );
    return acked.filter((a) => Number(stmt.get(a.hash, a.observer)!.n) !== 1).length;
  } finally {
    db.close();
  }
}

/** A server on a copy of the fixture with ingest running; `fn` gets both, cleanup is shared. */
async function withLiveServer(
  prefix: string,
  fn: (server: ServerProcess, dir: string, dbPath: string) => Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix });
  const dbPath = `${dir}/hw.db`;
  Deno.copyFileSync(fixturePath("corescope-e2e.db"), dbPath);
  const server = await startServer(dbPath);
  const load = ingest(server);
  try {
    await new Promise((r) => setTimeout(r, 800));
    await fn(server, dir, dbPath);
  } finally {
    await load.halt();
    assert.equal((await server.stop("SIGTERM")).code, 0);
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("ops: SIGTERM during ingest on a 200 MB database exits 0 within 5 s, nothing lost", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-200mb-" });
  const dbPath = `${dir}/hw.db`;
  try {
    assert.equal(await runGen(["--shape", "M", "--out", dbPath, "--seed", "5"]), 0);
    const size = Deno.statSync(dbPath).size;
    assert.ok(size >= 190 * 1024 * 1024, `generated ${size} bytes`);
    const server = await startServer(dbPath);
    const load = ingest(server);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = performance.now();
    const status = await server.stop("SIGTERM");
    const ms = performance.now() - t0;
    await load.halt();
    assert.equal(status.code, 0, server.log());
    assert.ok(ms < 5000, `shutdown took ${Math.round(ms)} ms`);
    assert.ok(load.acked.length > 20, `${load.acked.length} acknowledged`);
    assert.equal(missing(dbPath, load.acked), 0);
    const db = new DatabaseSync(dbPath, { readOnly: true });
    assert.equal(db.prepare("PRAGMA integrity_check").get()!.integrity_check, "ok");
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ops: `hopwatch backup` copies a live database while ingest continues", async () => {
  await withLiveServer("hw-backup-", async (_server, dir, dbPath) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...SERVER_PERMISSIONS, MAIN, "backup", `${dir}/copy.db`, "--db", dbPath],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(report.integrity, "ok");
    assert.equal(report.method, "online-backup");
    assert.equal(report.observerRowidsStable, true);
    const copy = new DatabaseSync(`${dir}/copy.db`, { readOnly: true });
    assert.equal(copy.prepare("PRAGMA integrity_check").get()!.integrity_check, "ok");
    const n = Number(copy.prepare("SELECT COUNT(*) AS n FROM observations").get()!.n);
    copy.close();
    assert.ok(n >= 499, `copy holds ${n} observations`);

    // Refuses to overwrite, with a clear message.
    const again = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...SERVER_PERMISSIONS, MAIN, "backup", `${dir}/copy.db`, "--db", dbPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(again.code, 1);
    assert.match(new TextDecoder().decode(again.stderr), /already exists/);
  });
});

Deno.test("ops: GET /api/backup streams a checked copy while ingest continues", async () => {
  await withLiveServer("hw-api-backup-", async (server, dir) => {
    const denied = await fetch(`${server.url}/api/backup`);
    await denied.body?.cancel();
    assert.equal(denied.status, 401);
    const res = await fetch(`${server.url}/api/backup`, { headers: { "X-API-Key": TEST_API_KEY } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/vnd.sqlite3");
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(Number(res.headers.get("content-length")), bytes.length);
    Deno.writeFileSync(`${dir}/copy.db`, bytes);
    const copy = new DatabaseSync(`${dir}/copy.db`, { readOnly: true });
    assert.equal(copy.prepare("PRAGMA integrity_check").get()!.integrity_check, "ok");
    assert.ok(Number(copy.prepare("SELECT COUNT(*) AS n FROM observations").get()!.n) >= 499);
    copy.close();
  });
});
