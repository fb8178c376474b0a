/**
 * Compiled-mode behaviour, provable where `deno compile` cannot fetch its
 * runtime base: the server runs from a copy of exactly what the binary embeds
 * (main.ts, src/, deno.json, the generated UI module) with NO `static/`
 * folder, from an unrelated working directory, with the permission flags the
 * binary is compiled with — and serves both the UI and the API.
 */
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { fixturePath, freePort, SERVER_PERMISSIONS } from "./server_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("compiled mode: UI and API served with no static/ on disk and binary permissions", async () => {
  const app = Deno.makeTempDirSync({ prefix: "hw-binary-" });
  const work = Deno.makeTempDirSync({ prefix: "hw-cwd-" });
  for (const f of ["main.ts", "deno.json", "deno.lock"]) {
    Deno.copyFileSync(`${ROOT}${f}`, `${app}/${f}`);
  }
  cpSync(`${ROOT}src`, `${app}/src`, { recursive: true });
  Deno.mkdirSync(`${app}/dist`);
  Deno.copyFileSync(`${ROOT}dist/ui_assets.gen.js`, `${app}/dist/ui_assets.gen.js`);
  assert.throws(() => Deno.statSync(`${app}/static`), Deno.errors.NotFound);
  Deno.copyFileSync(fixturePath("corescope-e2e.db"), `${work}/hw.db`);

  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...SERVER_PERMISSIONS,
      `${app}/main.ts`,
      "--db",
      "hw.db",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ],
    cwd: work,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  try {
    let ready = false;
    for (let i = 0; i < 300 && !ready; i++) {
      try {
        const res = await fetch(`${url}/api/healthz`);
        await res.body?.cancel();
        ready = res.status === 200;
      } catch { /* starting */ }
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, "server became ready");

    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(scripts.length > 0, "index.html loads a script");
    for (const src of scripts) {
      const res = await fetch(new URL(src, url));
      assert.equal(res.status, 200, src);
      assert.ok((await res.text()).length > 1000, `${src} has content`);
    }
    const packets = await (await fetch(`${url}/api/packets?limit=1`)).json();
    assert.equal(packets.total, 499);
    // The workers (checkpoints) start with the binary's permissions; maintenance is reported.
    const health = await (await fetch(`${url}/api/health`)).json();
    assert.equal(health.maintenance.walCheckpoints.active, true);
    assert.equal(typeof health.maintenance.retention.runs, "number");
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^hopwatch_wal_checkpoint_worker 1$/m);
    assert.match(metrics, /^hopwatch_backfill_rows\{kind="total"\} \d+$/m);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    const log = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 0, log);
    assert.match(log, /web UI embedded/);
    Deno.removeSync(app, { recursive: true });
    Deno.removeSync(work, { recursive: true });
  }
});
