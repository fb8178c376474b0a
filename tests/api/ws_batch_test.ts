/**
 * Batch frames on the live feed (`/ws?batch=1`) over a real `Deno.serve`: order
 * inside and across batches, every batch-client frame is an array (lag notices
 * included), plain clients get byte-identical messages, `flushMs: 0` sends each
 * observation at once, the memory budget closes the clients furthest behind,
 * and the route is validated and listed in `/api/spec`.
 */

import assert from "node:assert/strict";
import { TEST_KEY } from "./helpers.ts";
import { resolveLimits } from "../../src/api/ws_limits.ts";
import { RawWsClient } from "./raw_ws_client.ts";
import { closed, packetHex, serve, until as waitUntil } from "./ws_helpers.ts";

/** A WebSocket that records every text frame it receives. */
async function recorder(url: string): Promise<{ ws: WebSocket; texts: string[] }> {
  const texts: string[] = [];
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const w = new WebSocket(url);
    w.onopen = () => resolve(w);
    w.onerror = () => reject(new Error(`Cannot connect to ${url}`));
  });
  ws.onmessage = (ev) => texts.push(String(ev.data));
  return { ws, texts };
}

/** This file's waits allow 10 s (batches under load). */
const until = (cond: () => boolean, ms = 10_000) => waitUntil(cond, ms);

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

Deno.test("batch frames keep order inside and across batches; every frame is an array", async () => {
  const s = await serve({ flushMs: 20, maxBatch: 50 });
  try {
    const b = await recorder(`ws://127.0.0.1:${s.port}/ws?batch=1`);
    await until(() => s.t.hub.stats().batchClients === 1);
    const n = 600;
    for (let i = 0; i < n; i++) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":${i}}}`);
      if (i % 7 === 0) await tick(i % 3);
    }
    s.t.hub.flush();
    await until(() => b.texts.flatMap((t) => JSON.parse(t)).length >= n);
    const batches = b.texts.map((t) => JSON.parse(t));
    assert.ok(batches.every(Array.isArray), "a batch client only gets arrays");
    const seq = batches.flat().map((m: { data: { n: number } }) => m.data.n);
    assert.deepEqual(seq, Array.from({ length: n }, (_, i) => i), "order kept");
    assert.ok(batches.length > 1 && batches.length < n, `${batches.length} batches`);
    assert.ok(batches.every((x) => x.length <= 50), "maxBatch splits a long flush");
    assert.ok(batches.some((x) => x.length > 1), "messages were coalesced");
    b.ws.close();
    await closed(b.ws);
  } finally {
    await s.stop();
  }
});

Deno.test("plain clients get byte-identical messages; batches carry the same bytes", async () => {
  const s = await serve({ flushMs: 30 });
  try {
    const plain = await recorder(`ws://127.0.0.1:${s.port}/ws`);
    const root = await recorder(`ws://127.0.0.1:${s.mainPort}/`);
    const batch = await recorder(`ws://127.0.0.1:${s.mainPort}/?batch=1`);
    await until(() => s.t.hub.clientCount === 3 && s.t.hub.stats().batchClients === 1);
    const n = 12;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://127.0.0.1:${s.mainPort}/api/packets`, {
        method: "POST",
        headers: { "X-API-Key": TEST_KEY, "Content-Type": "application/json" },
        body: JSON.stringify({ hex: packetHex(300 + i), observer: `OBS${i % 2}`, snr: 2 }),
      });
      assert.equal(res.status, 201);
      await res.body?.cancel();
    }
    await until(() => plain.texts.length >= n && root.texts.length >= n);
    await until(() => batch.texts.flatMap((t) => JSON.parse(t)).length >= n);
    assert.deepEqual(plain.texts, root.texts);
    for (const t of plain.texts) {
      assert.ok(t.startsWith('{"type":"packet","data":{'), t.slice(0, 40));
    }
    // The batch frames are the very same message strings joined into arrays.
    assert.equal(batch.texts.map((t) => t.slice(1, -1)).join(","), plain.texts.join(","));
    for (const x of [plain, root, batch]) x.ws.close();
  } finally {
    await s.stop();
  }
});

Deno.test("flushMs 0: each observation goes out at once, as a one-element array to batch clients", async () => {
  const s = await serve({ flushMs: 0 });
  try {
    const plain = await recorder(`ws://127.0.0.1:${s.port}/ws`);
    const batch = await recorder(`ws://127.0.0.1:${s.port}/ws?batch=true`);
    await until(() => s.t.hub.clientCount === 2);
    for (let i = 0; i < 20; i++) s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":${i}}}`);
    const st = s.t.hub.stats();
    assert.equal(st.batchesBuilt, 20, "built at broadcast time, no timer");
    assert.equal(st.framesSent, 40);
    await until(() => plain.texts.length === 20 && batch.texts.length === 20);
    assert.deepEqual(batch.texts, plain.texts.map((t) => `[${t}]`));
    for (const x of [plain, batch]) x.ws.close();
  } finally {
    await s.stop();
  }
});

Deno.test("a stalled batch client gets its lag notice as an array", async () => {
  const s = await serve({
    flushMs: 5,
    maxQueueFrames: 8,
    maxQueueBytes: 1 << 20,
    highWaterBytes: 64 * 1024,
    stuckMs: 60_000,
  });
  try {
    const raw = new RawWsClient(false);
    raw.keepText = true;
    await raw.connect(s.port, "/ws?batch=1");
    await until(() => s.t.hub.stats().batchClients === 1);
    const filler = "y".repeat(16 * 1024);
    let sent = 0;
    while (s.t.hub.stats().framesDropped === 0 && sent < 40_000) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":${sent},"pad":"${filler}"}}`);
      sent++;
      if (sent % 4 === 0) await tick(6);
    }
    assert.ok(s.t.hub.stats().framesDropped > 0, `no drop after ${sent} messages`);
    s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":"late"}}`);
    s.t.hub.flush();
    const deadline = Date.now() + 20_000;
    await raw.run(() => raw.lags > 0 || Date.now() > deadline);
    assert.equal(raw.lags, 1);
    assert.ok(raw.texts.every((t) => t.startsWith("[")), "only arrays reach a batch client");
    const got = raw.texts.flatMap((t) => JSON.parse(t)).length;
    assert.equal(raw.dropped, s.t.hub.stats().framesDropped, "dropped counts messages");
    assert.ok(got + raw.dropped <= sent + 1);
    raw.close();
  } finally {
    await s.stop();
  }
});

Deno.test("the memory budget closes the clients furthest behind with 1013, not the reader", async () => {
  const s = await serve({
    memoryBudgetBytes: 2 << 20,
    clientOverheadBytes: 16 * 1024,
    memoryCheckMs: 50,
    maxClients: 10,
    highWaterBytes: 4 << 20, // the socket buffer is what grows here
    maxQueueBytes: 8 << 20,
    stuckMs: 60_000,
  });
  try {
    const stalled: RawWsClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = new RawWsClient(false);
      await c.connect(s.port);
      stalled.push(c);
    }
    const reader = await recorder(`ws://127.0.0.1:${s.port}/ws`);
    await until(() => s.t.hub.clientCount === 4);
    const filler = "m".repeat(32 * 1024);
    let sent = 0;
    const end = Date.now() + 20_000;
    while (s.t.hub.clientCount > 1 && Date.now() < end) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":${sent},"pad":"${filler}"}}`);
      sent++;
      if (sent % 8 === 0) await tick(2);
    }
    const st = s.t.hub.stats();
    assert.equal(s.t.hub.clientCount, 1, "only the reader is left");
    assert.equal(st.boundDisconnects, 3);
    await until(() => reader.texts.length === sent);
    for (const c of stalled) {
      await c.run(() => c.closeCode !== 0);
      assert.equal(c.closeCode, 1013);
      c.close();
    }
    reader.ws.close();
    await closed(reader.ws);
  } finally {
    await s.stop();
  }
});

Deno.test("/ws validates batch, answers 426 without an upgrade, and is listed in /api/spec", async () => {
  const s = await serve();
  try {
    let res = await fetch(`http://127.0.0.1:${s.mainPort}/ws?batch=maybe`);
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /"batch"/);
    res = await fetch(`http://127.0.0.1:${s.mainPort}/ws?batch=1`);
    assert.equal(res.status, 426);
    await res.body?.cancel();
    res = await fetch(`http://127.0.0.1:${s.mainPort}/api/spec`);
    const spec = await res.json();
    const op = spec.paths["/ws"]?.get;
    assert.ok(op, "/ws is in the spec");
    assert.deepEqual(op.parameters.map((p: { name: string }) => p.name), ["batch"]);
  } finally {
    await s.stop();
  }
});

Deno.test("maxClients defaults to what the memory budget holds", () => {
  const d = resolveLimits();
  assert.equal(
    d.maxClients,
    Math.floor(
      d.memoryBudgetBytes / (d.clientOverheadBytes + d.highWaterBytes + 3 * d.maxBatchBytes),
    ),
  );
  assert.equal(d.maxClients, 2340);
  assert.equal(
    resolveLimits({
      memoryBudgetBytes: 64 << 20,
      clientOverheadBytes: 0,
      highWaterBytes: 1 << 20,
      maxBatchBytes: 0,
    }).maxClients,
    64,
  );
  assert.equal(resolveLimits({ maxClients: 7 }).maxClients, 7);
  assert.equal(d.flushMs, 25);
});
