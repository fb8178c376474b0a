/**
 * The TCP front (`src/api/front_server.ts`): unmasked client frames close with
 * 1002, a stalled client is closed with 1013 and then reset, the client's own
 * address reaches the rate limiter, plain HTTP comes back byte for byte as
 * `Deno.serve` answers it, connections to the inner port that bypass the front
 * are refused, and a refused upgrade gets the app's answer.
 *
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { makeApp, TEST_KEY } from "./helpers.ts";
import { serve, until } from "./ws_helpers.ts";
import { serveApp } from "../../src/api/front_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const upgradeHead = (port: number, path = "/ws", extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** Reads from `conn` until it ends, fails or `ms` pass; returns the bytes and how it ended. */
async function readAll(conn: Deno.Conn, ms: number): Promise<{ bytes: Uint8Array; end: string }> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, ms);
  let end = "eof";
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } catch (err) {
    end = timedOut
      ? "timeout"
      : err instanceof Deno.errors.ConnectionReset
      ? "reset"
      : (err as Error).name;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) bytes.set(c, (off += c.length) - c.length);
  return { bytes, end };
}

/** Opens a raw WebSocket on `port`; returns the connection after the 101 head. */
async function rawOpen(port: number, path = "/ws"): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(enc.encode(upgradeHead(port, path)));
  const buf = new Uint8Array(4096);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("Cannot open WebSocket: connection closed");
    head += dec.decode(buf.subarray(0, n));
  }
  assert.match(head, /^HTTP\/1\.1 101 /);
  return conn;
}

Deno.test("an unmasked client frame closes the connection with 1002", async () => {
  const s = await serve(undefined, "ws");
  try {
    const conn = await rawOpen(s.port);
    await until(() => s.t.hub.clientCount === 1);
    await conn.write(Uint8Array.of(0x81, 0x02, 0x7b, 0x7d)); // unmasked text "{}"
    // The server resets the connection 1 s after its close frame (no 30 s wait for ours).
    const { bytes, end } = await readAll(conn, 5000);
    assert.notEqual(end, "timeout");
    // The close frame: opcode 8, 2+ byte payload starting with 1002 (0x03ea).
    const at = bytes.findIndex((b, i) => b === 0x88 && bytes[i + 2] === 0x03);
    assert.ok(at >= 0, `no close frame in ${bytes.length} bytes`);
    assert.equal((bytes[at + 2] << 8) | bytes[at + 3], 1002);
    await until(() => s.t.hub.clientCount === 0);
  } finally {
    await s.stop();
  }
});

Deno.test("a masked frame is read as before (discarded), the connection stays open", async () => {
  const s = await serve(undefined, "ws");
  try {
    const conn = await rawOpen(s.port);
    await until(() => s.t.hub.clientCount === 1);
    const mask = [1, 2, 3, 4];
    const payload = [0x7b, 0x7d].map((b, i) => b ^ mask[i % 4]);
    await conn.write(Uint8Array.of(0x81, 0x82, ...mask, ...payload));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.t.hub.clientCount, 1);
    conn.close();
  } finally {
    await s.stop();
  }
});

Deno.test("a stalled client is closed with 1013 and its connection reset", async () => {
  const s = await serve({ stuckMs: 300, evictStalledMs: 300 }, "ws");
  try {
    const conn = await rawOpen(s.port);
    await until(() => s.t.hub.clientCount === 1);
    // Far more than the in-flight cap: the client never reads, so no pong proves anything.
    const big = `{"type":"packet","data":"${"x".repeat(8000)}"}`;
    for (let i = 0; i < 200 && s.t.hub.stats().slowDisconnects === 0; i++) {
      s.t.hub.broadcastFrame(big);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => s.t.hub.stats().slowDisconnects === 1, 5000);
    assert.equal(s.t.hub.clientCount, 0);
    // 1 s after the close frame the server resets: the client's read fails.
    await new Promise((r) => setTimeout(r, 1500));
    const { bytes, end } = await readAll(conn, 3000);
    assert.equal(end, "reset", `read ${bytes.length} bytes, then ${end}`);
  } finally {
    await s.stop();
  }
});

/** One raw HTTP exchange from `localAddress` (node:net can bind a loopback alias). */
function rawHttp(port: number, request: string, localAddress = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host: "127.0.0.1", port, localAddress }, () => sock.write(request));
    sock.on("data", (b: Buffer) => chunks.push(b));
    sock.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    sock.on("error", reject);
  });
}

Deno.test("the client's own address reaches the rate limiter through the front", async () => {
  const t = await makeApp({
    config: { apiKey: TEST_KEY, rateLimit: { readPerMinute: 2, writePerMinute: 2 } },
  });
  const ac = new AbortController();
  const server = await serveApp({
    port: 0,
    hostname: "127.0.0.1",
    signal: ac.signal,
    fetch: t.app.fetch,
    hub: t.hub,
    websocket: "ws",
  });
  try {
    const req = "GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const from2 = [];
    for (let i = 0; i < 4; i++) {
      from2.push((await rawHttp(server.port, req, "127.0.0.2")).slice(9, 12));
    }
    assert.ok(from2.includes("429"), `127.0.0.2 was never limited: ${from2}`);
    // Another address has its own bucket: not limited by 127.0.0.2's requests.
    assert.equal((await rawHttp(server.port, req, "127.0.0.1")).slice(9, 12), "200");
    // An upgrade request goes through the app as well (`/ws` itself is not rate limited).
    const up = await rawHttp(server.port, upgradeHead(server.port, "/api/stats"), "127.0.0.2");
    assert.match(up, /^HTTP\/1\.1 429 /);
  } finally {
    t.hub.close();
    ac.abort();
    await server.finished;
    await t.close();
  }
});

Deno.test("plain HTTP through the front is byte-identical to Deno.serve's; the inner port refuses others", async () => {
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  const ac = new AbortController();
  const opts = {
    port: 0,
    hostname: "127.0.0.1",
    signal: ac.signal,
    fetch: t.app.fetch,
    hub: t.hub,
  };
  const front = await serveApp({ ...opts, websocket: "ws" });
  const plain = await serveApp({ ...opts, websocket: "deno" });
  try {
    const norm = (r: string) => r.replace(/\r\ndate: [^\r]*/i, "");
    const requests = [
      "GET /api/packets?limit=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET /api/nodes?limit=3 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
      "GET /api/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "POST /api/decode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
      'Content-Length: 11\r\nConnection: close\r\n\r\n{"hex":"0"}',
      "GET /api/stats?limit=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ];
    for (const req of requests) {
      const a = norm(await rawHttp(front.port, req));
      const b = norm(await rawHttp(plain.port, req));
      assert.equal(a, b, `differs for ${req.split("\r\n")[0]}`);
      assert.ok(a.length > 20);
    }
    // Two requests on one kept-alive connection.
    const two = "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert.equal((await rawHttp(front.port, two)).match(/HTTP\/1\.1 200/g)?.length, 2);
    // A connection straight to the inner port is not the front's: 403.
    const inner = await rawHttp(front.innerPort!, requests[0]);
    assert.match(inner, /^HTTP\/1\.1 403 /);
  } finally {
    t.hub.close();
    ac.abort();
    await Promise.all([front.finished, plain.finished]);
    await t.close();
  }
});

Deno.test("a refused upgrade gets the app's answer through the front", async () => {
  const s = await serve(undefined, "ws");
  try {
    const bad = await rawHttp(
      s.port,
      upgradeHead(s.port, "/ws", "Origin: http://evil.example\r\n"),
    );
    assert.match(bad, /^HTTP\/1\.1 403 /);
    assert.match(bad, /WebSocket origin not allowed/);
    const none = await rawHttp(s.port, upgradeHead(s.port, "/api/nope"));
    assert.match(none, /^HTTP\/1\.1 404 /);
    assert.equal(s.t.hub.clientCount, 0);
  } finally {
    await s.stop();
  }
});
