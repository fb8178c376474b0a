/**
 * The live feed through npm `ws` on the raw connection (`src/api/http_listener.ts`),
 * on the main port and on the live-feed port (`live.port`): unmasked client frames close with 1002, a stalled client is closed with 1013
 * and then reset, the origin check and the rate limit (by the client's own
 * address) apply, anything but a `/ws` upgrade gets a small 404/426,
 * `live.mainPortWs: false` turns the main port's `/ws` off, and `/api/live`
 * says where the feed is.
 *
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { serve, until } from "./ws_helpers.ts";
import { RawWsClient } from "./raw_ws_client.ts";
import { liveSocketStats } from "../../src/api/ws_lib_socket.ts";

/** The listeners these tests run on: both serve `/ws` through npm `ws`. */
const VIAS = ["main", "live"] as const;

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

for (const via of VIAS) {
  Deno.test(`an unmasked client frame closes the connection with 1002 (${via} port)`, async () => {
    const s = await serve(undefined, via);
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
}

for (const via of VIAS) {
  Deno.test(`a masked frame is read as before (discarded), the connection stays open (${via} port)`, async () => {
    const s = await serve(undefined, via);
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
}

for (const via of VIAS) {
  Deno.test(`a stalled client is closed with 1013 and its connection reset (${via} port)`, async () => {
    const s = await serve({ stuckMs: 300, evictStalledMs: 300 }, via);
    try {
      const conn = await rawOpen(s.port);
      await until(() => s.t.hub.clientCount === 1);
      // Far more than the in-flight window: the client never reads, so no pong proves anything.
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
}

/** One raw HTTP exchange from `localAddress` (node:net can bind a loopback alias). */
function rawHttp(port: number, request: string, localAddress = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host: "127.0.0.1", port, localAddress }, () => sock.write(request));
    sock.on("data", (b: Buffer) => {
      chunks.push(b);
      // A 101 keeps the connection open, and so may a kept-alive answer: its head is enough.
      if (Buffer.concat(chunks).includes("\r\n\r\n")) setTimeout(() => sock.destroy(), 50);
    });
    sock.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    sock.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    sock.on("error", reject);
  });
}

for (const via of VIAS) {
  Deno.test(`upgrades are rate limited by the client's own address (${via} port)`, async () => {
    const s = await serve(undefined, via, {
      rateLimit: { readPerMinute: 2, writePerMinute: 2 },
    });
    try {
      const from2 = [];
      for (let i = 0; i < 4; i++) {
        from2.push((await rawHttp(s.port, upgradeHead(s.port), "127.0.0.2")).slice(9, 12));
      }
      assert.ok(from2.includes("429"), `127.0.0.2 was never limited: ${from2}`);
      assert.equal(from2[0], "101");
      // Another address has its own bucket: not limited by 127.0.0.2's upgrades.
      assert.equal((await rawHttp(s.port, upgradeHead(s.port), "127.0.0.1")).slice(9, 12), "101");
    } finally {
      await s.stop();
    }
  });
}

Deno.test("the live port refuses a foreign origin and answers anything but a /ws upgrade small", async () => {
  const s = await serve(undefined, "live");
  try {
    const bad = await rawHttp(
      s.port,
      upgradeHead(s.port, "/ws", "Origin: http://evil.example\r\n"),
    );
    assert.match(bad, /^HTTP\/1\.1 403 /);
    assert.match(bad, /WebSocket origin not allowed/);
    // The API is not served here, upgrade or not.
    assert.match(await rawHttp(s.port, upgradeHead(s.port, "/api/stats")), /^HTTP\/1\.1 404 /);
    const get = await rawHttp(s.port, "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(get, /^HTTP\/1\.1 404 /);
    assert.match(get, /only the live feed/);
    assert.match(await rawHttp(s.port, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"), /^HTTP\/1\.1 426 /);
    assert.match(await rawHttp(s.port, "NONSENSE\r\n\r\n"), /^HTTP\/1\.1 400 /);
    assert.equal(s.t.hub.clientCount, 0);
    // The host's own origin is fine, on any port (the page comes from the main port).
    const own = `Origin: http://127.0.0.1:${s.mainPort}\r\n`;
    assert.match(
      await rawHttp(s.port, upgradeHead(s.port, "/ws?batch=1", own)),
      /^HTTP\/1\.1 101 /,
    );
    const other = `Origin: http://localhost:${s.mainPort}\r\n`;
    assert.match(await rawHttp(s.port, upgradeHead(s.port, "/ws", other)), /^HTTP\/1\.1 403 /);
  } finally {
    await s.stop();
  }
});

Deno.test("live.mainPortWs false: the main port's /ws answers 404, the live port serves", async () => {
  const s = await serve(undefined, "live", {
    raw: { live: { port: 1, mainPortWs: false } },
  });
  try {
    const main = await rawHttp(s.mainPort, upgradeHead(s.mainPort, "/ws"));
    assert.match(main, /^HTTP\/1\.1 404 /);
    const plain = await fetch(`http://127.0.0.1:${s.mainPort}/ws`);
    assert.equal(plain.status, 404);
    await plain.body?.cancel();
    assert.match(await rawHttp(s.port, upgradeHead(s.port, "/ws")), /^HTTP\/1\.1 101 /);
    const info = await (await fetch(`http://127.0.0.1:${s.mainPort}/api/live`)).json();
    assert.deepEqual(info, { port: 1, mainPortWs: false, path: "/ws" });
  } finally {
    await s.stop();
  }
});

Deno.test("/api/live without a live port: port null, the main port's /ws on", async () => {
  const s = await serve(undefined, "main");
  try {
    const info = await (await fetch(`http://127.0.0.1:${s.mainPort}/api/live`)).json();
    assert.deepEqual(info, { port: null, mainPortWs: true, path: "/ws" });
    assert.match(await rawHttp(s.mainPort, upgradeHead(s.mainPort, "/ws")), /^HTTP\/1\.1 101 /);
  } finally {
    await s.stop();
  }
});

for (const via of VIAS) {
  Deno.test(`a reader fed far more than its window per turn is never stuck waiting for a pong (${via} port)`, async () => {
    // Session 7's adapter: one ping outstanding, and the next only from send(); when the hub had
    // overshot the cap, the pong left the client still over it with no ping to answer: stuck.
    const s = await serve({ stuckMs: 2000 }, via);
    try {
      const reader = new RawWsClient(false);
      await reader.connect(s.port);
      await until(() => s.t.hub.clientCount === 1);
      let stop = false;
      const run = reader.run(() => stop);
      const frame = `{"type":"packet","data":"${"y".repeat(6000)}"}`;
      const total = 1200; // 7 MB, in bursts of 40 frames (240 KB) a turn
      for (let i = 0; i < total; i += 40) {
        for (let k = 0; k < 40; k++) s.t.hub.broadcastFrame(frame);
        await new Promise((r) => setTimeout(r, 5));
      }
      await until(() => reader.frames + reader.dropped >= total || reader.closeCode !== 0, 15_000);
      stop = true;
      assert.equal(reader.closeCode, 0, "the reader was closed");
      assert.equal(s.t.hub.stats().slowDisconnects, 0);
      assert.ok(reader.frames >= total * 0.9, `only ${reader.frames} of ${total} frames`);
      reader.close();
      await run;
    } finally {
      await s.stop();
    }
  });
}

for (const via of VIAS) {
  Deno.test(`the memory budget does not close a reader whose first pong is late (held back is not memory) (${via} port)`, async () => {
    // Held back over its window, a live socket reports bufferedAmount >= 64 KiB; counted as
    // memory, 11 clients at 48 KiB + 2 x 64 KiB each were over a 1 MiB budget, and the budget
    // closed the first-connected client (ties kept insertion order): a reader whose pong was
    // merely late (the bench's reader beside 2,000 stalled clients, 1 run in 3). Now the
    // floor counts only after a ping is unanswered for PONG_GRACE_MS (1 s; here 0.4 s).
    const s = await serve(
      { memoryBudgetBytes: 1 << 20, memoryCheckMs: 50, maxClients: 100 },
      via,
    );
    const stalled: RawWsClient[] = [];
    try {
      const reader = new RawWsClient(false);
      await reader.connect(s.port);
      for (let i = 0; i < 10; i++) {
        const c = new RawWsClient(false);
        await c.connect(s.port);
        stalled.push(c);
      }
      await until(() => s.t.hub.clientCount === 11);
      const frame = `{"type":"packet","data":"${"z".repeat(1400)}"}`;
      for (let i = 0; i < 20; i++) s.t.hub.broadcastFrame(frame); // 28 KB: all over the window
      await new Promise((r) => setTimeout(r, 400)); // several memory checks, no pong yet
      let stop = false;
      const run = reader.run(() => stop);
      await until(() => reader.frames >= 20 || reader.closeCode !== 0, 5000).catch((e) => {
        throw new Error(
          `${e.message}: ${reader.frames} frames, close ${reader.closeCode}, ${
            JSON.stringify(s.t.hub.stats())
          }`,
        );
      });
      stop = true;
      assert.equal(reader.closeCode, 0, "the reader was closed");
      assert.equal(reader.frames, 20);
      assert.equal(s.t.hub.stats().boundDisconnects, 0);
      reader.close();
      await run;
    } finally {
      for (const c of stalled) c.close();
      await s.stop();
    }
  });
}

for (const via of VIAS) {
  Deno.test(`a client that reads has its full window before the feed reaches it (pings while idle) (${via} port)`, async () => {
    // Without the pings at connect and while idle, a reader started at the 16 KiB window and a
    // burst at the feed's start held it back until its first pong came (late, on a busy server):
    // beside 2,000 stalled clients it lost the frames its queue could not hold.
    const s = await serve({}, via);
    try {
      const reader = new RawWsClient(false);
      await reader.connect(s.port);
      let stop = false;
      const run = reader.run(() => stop);
      await until(() => s.t.hub.clientCount === 1);
      const pongs = liveSocketStats.pongs;
      await until(() => liveSocketStats.pongs >= pongs + 3); // 16 KiB -> 64 -> 256 -> 1 MiB
      const held = liveSocketStats.heldBack;
      const frame = `{"type":"packet","data":"${"w".repeat(1400)}"}`;
      for (let i = 0; i < 400; i++) s.t.hub.broadcastFrame(frame); // 570 KB in one turn
      await until(() => reader.frames >= 400 || reader.closeCode !== 0, 5000);
      stop = true;
      assert.equal(reader.frames, 400);
      assert.equal(liveSocketStats.heldBack, held, "the reader was held back by its window");
      reader.close();
      await run;
    } finally {
      await s.stop();
    }
  });
}
