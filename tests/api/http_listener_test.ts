/**
 * The listener (`src/api/http_listener.ts`) as a client meets it: a slow
 * client's head or body runs into a 408 and the close, a malformed request
 * gets 400, requests reach the app with the client's address, and the abort
 * signal stops it with keep-alive connections open.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import { listen } from "../../src/api/http_listener.ts";
import { WsHub } from "../../src/api/ws_hub.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A tiny app that echoes the client address it was given. */
function echoApp(): Hono {
  const app = new Hono();
  app.get("/who", (c) => {
    const env = c.env as { remoteAddr?: { hostname: string } };
    return c.text(env.remoteAddr?.hostname ?? "none");
  });
  app.post("/body", async (c) => c.text(String((await c.req.text()).length)));
  // A body cut short rejects the read: answered quietly (Hono's default logs it).
  app.onError((_err, c) => c.text("unreadable body", 400));
  return app;
}

async function start(timeouts?: { headMs: number; requestMs: number }) {
  const ac = new AbortController();
  const hub = new WsHub();
  const app = echoApp();
  const l = await listen({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req, env) => app.fetch(req, env),
    hub,
    signal: ac.signal,
    timeouts,
  });
  return {
    port: l.port,
    async stop() {
      hub.close();
      ac.abort();
      await l.finished;
    },
  };
}

/** Writes `text` on a new connection and reads until the server closes it (or `ms` pass). */
async function exchange(
  port: number,
  text: string,
  ms: number,
): Promise<{ reply: string; ms: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const t0 = performance.now();
  await conn.write(enc.encode(text));
  const timer = setTimeout(() => conn.close(), ms);
  let reply = "";
  const buf = new Uint8Array(4096);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      reply += dec.decode(buf.subarray(0, n));
    }
  } catch {
    // closed by the timer: the server kept the connection
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
  return { reply, ms: performance.now() - t0 };
}

Deno.test("a client that never finishes its request head gets 408 and the close", async () => {
  const s = await start({ headMs: 300, requestMs: 600 });
  try {
    const r = await exchange(s.port, "GET /who HTTP/1.1\r\nHost: x\r\n", 5000);
    assert.match(r.reply, /^HTTP\/1\.1 408 /);
    assert.ok(r.ms < 4000, `closed after ${Math.round(r.ms)} ms, not by the server's timeout`);
  } finally {
    await s.stop();
  }
});

Deno.test("a client that never finishes its body gets 408 and the close", async () => {
  const s = await start({ headMs: 300, requestMs: 600 });
  try {
    const head = "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "a".repeat(10);
    const r = await exchange(s.port, head, 5000);
    assert.match(r.reply, /HTTP\/1\.1 408 /);
    assert.ok(r.ms < 4000, `closed after ${Math.round(r.ms)} ms`);
  } finally {
    await s.stop();
  }
});

Deno.test("a malformed request gets 400; a whole one reaches the app with the client's address", async () => {
  const s = await start();
  try {
    const bad = await exchange(s.port, "GARBAGE\r\n\r\n", 3000);
    assert.match(bad.reply, /^HTTP\/1\.1 400 /);
    const res = await fetch(`http://127.0.0.1:${s.port}/who`);
    assert.equal(await res.text(), "127.0.0.1");
    const post = await fetch(`http://127.0.0.1:${s.port}/body`, {
      method: "POST",
      body: "x".repeat(5000),
    });
    assert.equal(await post.text(), "5000");
  } finally {
    await s.stop();
  }
});

Deno.test("the abort signal stops the listener with an idle keep-alive connection open", async () => {
  const s = await start();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  await conn.write(enc.encode("GET /who HTTP/1.1\r\nHost: x\r\n\r\n"));
  const buf = new Uint8Array(4096);
  assert.match(dec.decode(buf.subarray(0, (await conn.read(buf)) ?? 0)), /^HTTP\/1\.1 200 /);
  await s.stop(); // resolves only once the listener has closed
  assert.equal(await conn.read(buf), null, "the idle connection was closed");
  conn.close();
  await assert.rejects(fetch(`http://127.0.0.1:${s.port}/who`));
});
