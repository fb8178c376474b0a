/**
 * The server as users run it: a real process on a copy of the fixture
 * database, real HTTP, real signals.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  fixturePackets,
  fixturePath,
  postPacket,
  type ServerProcess,
  startServer,
} from "./server_process.ts";

function fixtureCopy(): string {
  const dir = Deno.makeTempDirSync({ prefix: "hw-fixture-" });
  const path = `${dir}/hopwatch.db`;
  Deno.copyFileSync(fixturePath("corescope-e2e.db"), path);
  return path;
}

interface Acked {
  hash: string;
  observer: string;
}

/** Posts fixture packets from rotating observers until stopped; records every 2xx. */
function ingestLoop(server: ServerProcess, concurrency = 4) {
  const packets = fixturePackets();
  const acked: Acked[] = [];
  let stop = false;
  let next = 0;
  const worker = async () => {
    while (!stop) {
      const i = next++;
      const p = packets[i % packets.length];
      const observer = `OBS${Math.floor(i / packets.length).toString().padStart(4, "0")}`;
      try {
        const res = await postPacket(server.url, p.raw, observer);
        const body = await res.json();
        if (res.status === 200 || res.status === 201) {
          acked.push({ hash: body.decoded.hash, observer });
        }
      } catch {
        return; // the server went away
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    acked,
    halt: async () => {
      stop = true;
      await Promise.all(workers);
    },
  };
}

function assertPersisted(dbPath: string, acked: Acked[]): void {
  const db = new DatabaseSync(dbPath);
  try {
    assert.equal(db.prepare("PRAGMA integrity_check").get()!.integrity_check, "ok");
    const stmt = db.prepare(
      `SELECT COUNT(*) AS n FROM observations o
         JOIN transmissions t ON t.id = o.transmission_id
         JOIN observers b ON b.rowid = o.observer_idx
        WHERE t.hash = ? AND b.id = ?`,
    );
    const missing = acked.filter((a) => Number(stmt.get(a.hash, a.observer)!.n) !== 1);
    assert.deepEqual(missing, [], `${missing.length} acknowledged observation(s) lost`);
  } finally {
    db.close();
  }
}

Deno.test("server: serves the fixture over HTTP and stops cleanly on SIGTERM", async () => {
  const db = fixtureCopy();
  const server = await startServer(db);
  try {
    const health = await fetch(`${server.url}/api/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get("x-corescope-load-status"), "ready");
    const body = await health.json();
    assert.equal(body.ready, true);
    assert.equal(body.loadedTx, 499);
    const packets = await (await fetch(`${server.url}/api/packets?limit=5`)).json();
    assert.equal(packets.total, 499);
    assert.equal(packets.packets.length, 5);
    const notFound = await fetch(`${server.url}/api/definitely-not-here`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(Object.keys(await notFound.json()), ["error"]);
    // The background jobs report themselves; once the first backfill is over, none is busy.
    let busy: string[] | undefined;
    for (let i = 0; i < 100; i++) {
      const h = await (await fetch(`${server.url}/api/health`)).json();
      busy = h.maintenance.busy;
      assert.ok(Array.isArray(busy), "maintenance.busy is a list");
      if (busy!.length === 0) break;
      assert.ok(
        busy!.every((b) => ["startup", "backfill", "retention", "reach"].includes(b)),
        `${busy}`,
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(busy, []);
    assert.match(server.log(), /reach index built/, "the reach build ran after the load");
  } finally {
    const status = await server.stop("SIGTERM");
    assert.equal(status.code, 0, server.log());
    assert.match(server.log(), /stopped/);
  }
});

Deno.test("server: SIGKILL during ingest loses no acknowledged observation", async () => {
  const db = fixtureCopy();
  const server = await startServer(db);
  const loop = ingestLoop(server);
  await new Promise((r) => setTimeout(r, 2500));
  const status = await server.stop("SIGKILL");
  await loop.halt();
  assert.equal(status.signal, "SIGKILL");
  assert.ok(loop.acked.length > 50, `only ${loop.acked.length} packets acknowledged`);
  assertPersisted(db, loop.acked);

  // And it comes back: the store reloads what SQLite holds.
  const again = await startServer(db);
  try {
    const health = await (await fetch(`${again.url}/api/healthz`)).json();
    const expected = new DatabaseSync(db, { readOnly: true });
    const tx = Number(expected.prepare("SELECT COUNT(*) AS n FROM transmissions").get()!.n);
    expected.close();
    assert.equal(health.loadedTx, tx);
  } finally {
    assert.equal((await again.stop("SIGTERM")).code, 0);
  }
});

Deno.test("server: SIGTERM during ingest exits 0 within 5 s and keeps every acknowledged row", async () => {
  const db = fixtureCopy();
  const server = await startServer(db);
  const loop = ingestLoop(server);
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  const status = await server.stop("SIGTERM");
  const exitMs = performance.now() - t0;
  await loop.halt();
  assert.equal(status.code, 0, server.log());
  assert.ok(exitMs < 5000, `exit took ${Math.round(exitMs)} ms`);
  assert.ok(loop.acked.length > 20);
  assertPersisted(db, loop.acked);
});
