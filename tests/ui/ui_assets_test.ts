/**
 * The embedded UI: built into a temp module, served by `uiHandler` from a
 * subprocess whose cwd is an empty temp dir (no `static/` anywhere near), and
 * probed over real HTTP, including raw-socket traversal attempts.
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { buildUi } from "../../src/api/ui_build.ts";
import {
  contentSecurityPolicy,
  loadUiAssets,
  tileOrigin,
  uiHandler,
} from "../../src/api/ui_assets.ts";

const ASSETS_TS = new URL("../../src/api/ui_assets.ts", import.meta.url).href;

async function rawRequest(port: number, path: string): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    ),
  );
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (!n) break;
    chunks.push(buf.slice(0, n));
  }
  conn.close();
  const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { status: Number(text.slice(9, 12)), text };
}

Deno.test("embedded UI is served correctly from a cwd without static/", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-ui-test-" });
  const gen = `${dir}/ui_assets.gen.js`;
  const report = await buildUi(gen);
  assert.ok(
    report.ownJsCssGzip > 1000 && report.ownJsCssGzip <= 150 * 1024,
    `own size ${report.ownJsCssGzip}`,
  );
  const server = `${dir}/serve.ts`;
  await Deno.writeTextFile(
    server,
    `import { loadUiAssets, uiHandler } from ${JSON.stringify(ASSETS_TS)};
const assets = await loadUiAssets(new URL("./ui_assets.gen.js", import.meta.url));
if (!assets) throw new Error("no assets");
const ui = uiHandler(assets, { imgOrigins: ["https://*.tile.example.org"] });
Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log("PORT " + port) }, (req) =>
  ui(req) ?? new Response(JSON.stringify({ error: "not ui" }), { status: 404, headers: { "content-type": "application/json", "x-fallback": "1" } }));
`,
  );
  const empty = await Deno.makeTempDir({ prefix: "hopwatch-ui-cwd-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--no-config", server],
    cwd: empty,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/PORT (\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error("server exited early");
    out += value;
  }
  const port = Number(/PORT (\d+)/.exec(out)![1]);
  const base = `http://127.0.0.1:${port}`;
  try {
    await t.step("index with strict headers", async () => {
      for (const p of ["/", "/index.html"]) {
        const r = await fetch(base + p, { headers: { "accept-encoding": "identity" } });
        const html = await r.text();
        assert.equal(r.status, 200);
        assert.match(r.headers.get("content-type")!, /^text\/html/);
        const csp = r.headers.get("content-security-policy")!;
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.match(csp, /style-src 'self'(;|$)/);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
        assert.match(csp, /img-src 'self' data: https:\/\/\*\.tile\.example\.org/);
        assert.match(csp, /connect-src 'self' ws: wss:/);
        assert.equal(r.headers.get("x-content-type-options"), "nosniff");
        assert.equal(r.headers.get("cache-control"), "no-cache");
        assert.ok(r.headers.get("etag"));
        assert.match(html, /<script type="module" src="\/assets\/app.js"><\/script>/);
        assert.doesNotMatch(html, /<script>|<style|style=/);
      }
    });
    await t.step("assets, ETag/304, gzip, HEAD", async () => {
      const r = await fetch(base + "/assets/app.js", {
        headers: { "accept-encoding": "identity" },
      });
      const js = new Uint8Array(await r.arrayBuffer());
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type")!, /^text\/javascript/);
      const etag = r.headers.get("etag")!;
      const r304 = await fetch(base + "/assets/app.js", { headers: { "if-none-match": etag } });
      assert.equal(r304.status, 304);
      assert.equal((await r304.arrayBuffer()).byteLength, 0);
      const stale = await fetch(base + "/assets/app.js", {
        headers: { "if-none-match": '"nope"' },
      });
      assert.equal(stale.status, 200);
      await stale.body?.cancel();
      // fetch() would transparently decompress; read the raw bytes instead.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(
        new TextEncoder().encode(
          "GET /assets/app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
        ),
      );
      const parts: number[] = [];
      const buf = new Uint8Array(65536);
      for (let n; (n = await conn.read(buf)) !== null;) parts.push(...buf.subarray(0, n));
      conn.close();
      const raw = new Uint8Array(parts);
      const sep = raw.findIndex((_, i) =>
        raw[i] === 13 && raw[i + 1] === 10 && raw[i + 2] === 13 && raw[i + 3] === 10
      );
      const head = new TextDecoder().decode(raw.subarray(0, sep));
      assert.match(head, /content-encoding: gzip/i);
      assert.deepEqual(new Uint8Array(gunzipSync(raw.subarray(sep + 4))), js);
      for (
        const p of [
          "/assets/app.css",
          "/assets/leaflet.css",
          "/assets/uplot.css",
          "/assets/lazy/leaflet.js",
          "/assets/lazy/uplot.js",
          "/assets/icon.svg",
        ]
      ) {
        const a = await fetch(base + p);
        assert.equal(a.status, 200, p);
        await a.body?.cancel();
      }
      const head2 = await fetch(base + "/assets/app.css", { method: "HEAD" });
      assert.equal(head2.status, 200);
      assert.equal((await head2.arrayBuffer()).byteLength, 0);
      const post = await fetch(base + "/", { method: "POST" });
      assert.equal(post.status, 405);
      await post.body?.cancel();
      const missing = await fetch(base + "/assets/nope.js");
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get("x-fallback"), null);
      await missing.body?.cancel();
    });
    await t.step("API and WebSocket paths are left to the API", async () => {
      for (const p of ["/api/packets", "/api/nope", "/api", "/ws"]) {
        const r = await fetch(base + p);
        assert.equal(r.headers.get("x-fallback"), "1", p);
        assert.equal((await r.json()).error, "not ui");
      }
    });
    await t.step("path traversal is rejected", async () => {
      for (
        const p of [
          "/assets/../deno.json",
          "/assets/%2e%2e/deno.json",
          "/assets/%2E%2E%2Fdeno.json",
          "/assets/..%5cdeno.json",
          "/assets/..\\deno.json",
          "/..%2f..%2fetc/passwd",
        ]
      ) {
        const r = await rawRequest(port, p);
        assert.ok(r.status === 400 || r.status === 404, `${p} -> ${r.status}`);
        assert.doesNotMatch(r.text, /"imports"|root:/, p);
      }
    });
  } finally {
    child.kill();
    await child.status;
    await reader.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("loadUiAssets returns null when the UI is not built", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await loadUiAssets(new URL(`file://${dir}/missing.gen.js`)), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("handler unit checks: traversal in the raw URL, upgrades, tile origins", () => {
  const body = new TextEncoder().encode("x");
  const ui = uiHandler({
    builtAt: "",
    files: new Map([["/", { path: "/", type: "text/html", etag: '"e"', body, gzip: body }]]),
  });
  assert.equal(ui(new Request("http://h/", { headers: { upgrade: "websocket" } })), null);
  assert.equal(ui(new Request("http://h/api/x")), null);
  assert.equal(ui(new Request("http://h/elsewhere")), null);
  assert.equal(ui(new Request("http://h/assets/a%5cb"))?.status, 400);
  assert.equal(ui(new Request("http://h/assets/a\\b"))?.status ?? 404, 404);
  assert.equal(
    tileOrigin("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"),
    "https://*.tile.openstreetmap.org",
  );
  assert.equal(
    tileOrigin("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    "https://tile.openstreetmap.org",
  );
  assert.equal(tileOrigin("javascript:alert(1)"), null);
  assert.equal(tileOrigin(""), null);
  const csp = contentSecurityPolicy({
    imgOrigins: ["https://ok.example", "'unsafe-inline'", "https://a b"],
  });
  assert.match(csp, /img-src 'self' data: https:\/\/ok\.example;/);
  assert.doesNotMatch(csp, /unsafe/);
});
