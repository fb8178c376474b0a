/**
 * `hopwatch demo`: a fresh temporary database fed live by the simulator
 * through the real ingest path. A newcomer sees a working mesh at once.
 */
import assert from "node:assert/strict";
import { freePort, SERVER_PERMISSIONS } from "./server_process.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test("demo: serves a live simulated mesh and cleans up on SIGTERM", async () => {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...SERVER_PERMISSIONS,
      MAIN,
      "demo",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ],
    cwd: Deno.makeTempDirSync(),
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  try {
    let stats: {
      totalTransmissions?: number;
      totalObservers?: number;
      totalNodesAllTime?: number;
    } = {};
    for (let i = 0; i < 300; i++) {
      try {
        const res = await fetch(`${url}/api/stats`);
        stats = await res.json();
        if ((stats.totalTransmissions ?? 0) >= 10 && (stats.totalObservers ?? 0) >= 2) break;
      } catch { /* starting */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok((stats.totalTransmissions ?? 0) >= 10, `demo ingested ${stats.totalTransmissions}`);
    assert.ok((stats.totalObservers ?? 0) >= 2);
    const packets = await (await fetch(`${url}/api/packets?limit=5`)).json();
    assert.ok(packets.packets.length > 0);
    assert.match(packets.packets[0].hash, /^[0-9a-f]{16}$/);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    const log = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 0, log);
    const db = log.match(/db="([^"]+demo\.db)"/)?.[1];
    assert.ok(db, "the demo logs its temporary database");
    assert.throws(() => Deno.statSync(db), Deno.errors.NotFound);
  }
});
