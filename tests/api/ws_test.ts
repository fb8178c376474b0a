/**
 * The live feed over a real `Deno.serve` (port 0) with real WebSocket
 * clients: frames for ingested packets arrive on `/ws` and `/`, a client that
 * stops reading gets a lag notice (and is closed when it stays behind), big
 * client frames close the connection, and shutdown sends 1001.
 */

import assert from "node:assert/strict";
import { TEST_KEY } from "./helpers.ts";
import type { WsHubOptions } from "../../src/api/ws_hub.ts";
import { RawWsClient } from "./raw_ws_client.ts";
import { closed, packetHex, serve, until } from "./ws_helpers.ts";

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error(`Cannot connect to ${url}: ${(e as ErrorEvent).message}`));
  });
}

function nextMessage(ws: WebSocket, match: (m: Record<string, unknown>) => boolean, ms = 5000) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no matching frame")), ms);
    ws.addEventListener("message", (ev) => {
      const m = JSON.parse(String(ev.data));
      if (match(m)) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

Deno.test("frames for ingested packets reach clients on /ws and on /", async () => {
  const s = await serve();
  try {
    const a = await open(`ws://127.0.0.1:${s.port}/ws`);
    const b = await open(`ws://127.0.0.1:${s.mainPort}/`);
    await until(() => s.t.hub.clientCount === 2);
    const hex = packetHex(77);
    const gotA = nextMessage(a, (m) => m.type === "packet");
    const gotB = nextMessage(b, (m) => m.type === "packet");
    const res = await fetch(`http://127.0.0.1:${s.mainPort}/api/packets`, {
      method: "POST",
      headers: { "X-API-Key": TEST_KEY, "Content-Type": "application/json" },
      body: JSON.stringify({ hex, observer: "WSTEST", snr: 3 }),
    });
    assert.equal(res.status, 201);
    const { id } = await res.json();
    const [fa, fb] = await Promise.all([gotA, gotB]);
    assert.deepEqual(fa, fb, "every client gets the same frame");
    const data = fa.data as Record<string, unknown>;
    assert.equal(data.id, id);
    assert.equal(data.raw_hex, hex);
    assert.equal(data.observer_id, "WSTEST");
    assert.equal(data.path_json, '["7D","DA"]');
    assert.equal(
      (data.decoded as { header: { payloadTypeName: string } }).header.payloadTypeName,
      "TXT_MSG",
    );
    assert.equal((data.packet as Record<string, unknown>).hash, data.hash);
    assert.ok("resolved_path" in data);
    a.close();
    b.close();
    await Promise.all([closed(a), closed(b)]);
  } finally {
    await s.stop();
  }
});

Deno.test("small client frames are discarded; a frame over 512 bytes closes with 1009", async () => {
  const s = await serve();
  try {
    const ws = await open(`ws://127.0.0.1:${s.port}/ws`);
    await until(() => s.t.hub.clientCount === 1);
    ws.send("x".repeat(512));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.t.hub.clientCount, 1);
    const done = closed(ws);
    ws.send("x".repeat(513));
    const ev = await done;
    assert.equal(ev.code, 1009);
    assert.equal(s.t.hub.stats().oversizeClientFrames, 1);
  } finally {
    await s.stop();
  }
});

Deno.test("shutdown closes every client with 1001", async () => {
  const s = await serve();
  try {
    const clients = await Promise.all([1, 2, 3].map(() => open(`ws://127.0.0.1:${s.port}/ws`)));
    await until(() => s.t.hub.clientCount === 3);
    const codes = Promise.all(clients.map((c) => closed(c).then((e) => e.code)));
    s.t.hub.close();
    assert.deepEqual(await codes, [1001, 1001, 1001]);
    assert.equal(s.t.hub.clientCount, 0);
  } finally {
    await s.stop();
  }
});

Deno.test("a client that stops reading gets {type:'lag', dropped} and server memory stays bounded", async () => {
  const opts: WsHubOptions = {
    maxQueueFrames: 64,
    maxQueueBytes: 2 << 20,
    highWaterBytes: 1 << 20,
    stuckMs: 60_000,
  };
  const s = await serve(opts);
  try {
    const raw = new RawWsClient(false);
    await raw.connect(s.port);
    const fast = await open(`ws://127.0.0.1:${s.port}/ws`);
    let fastFrames = 0;
    let fastLag = 0;
    fast.onmessage = (ev) => {
      if (String(ev.data).startsWith('{"type":"lag"')) fastLag++;
      else fastFrames++;
    };
    await until(() => s.t.hub.clientCount === 2);
    const filler = "y".repeat(16 * 1024);
    let sent = 0;
    while (s.t.hub.stats().framesDropped === 0 && sent < 20_000) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":${sent},"pad":"${filler}"}}`);
      sent++;
      if (sent % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    assert.ok(s.t.hub.stats().framesDropped > 0, `no drop after ${sent} frames`);
    assert.ok(s.t.hub.stats().queuedBytes <= 2 * opts.maxQueueBytes!, "queues stay bounded");
    for (let i = 0; i < 50; i++) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":"late${i}"}}`);
    }
    const deadline = Date.now() + 15_000;
    await raw.run(() => raw.lags > 0 || Date.now() > deadline);
    assert.equal(raw.lags, 1, `lag notice after ${raw.frames} frames`);
    assert.ok(raw.dropped > 0);
    assert.ok(raw.frames + raw.dropped <= sent + 50, "no frame is both delivered and dropped");
    await until(() => fastFrames >= sent + 50, 10_000);
    assert.equal(fastLag, 0, "a client that keeps up never lags");
    assert.equal(s.t.hub.stats().lagNotices, 1);
    raw.close();
    fast.close();
    await closed(fast);
  } finally {
    await s.stop();
  }
});

Deno.test("a client that stays behind is disconnected with 1013 after the stuck timeout", async () => {
  const s = await serve({
    maxQueueFrames: 4,
    maxQueueBytes: 64 * 1024,
    highWaterBytes: 16 * 1024,
    stuckMs: 300,
  });
  try {
    const raw = new RawWsClient(false);
    await raw.connect(s.port);
    await until(() => s.t.hub.clientCount === 1);
    const filler = "z".repeat(16 * 1024);
    const end = Date.now() + 10_000;
    while (s.t.hub.clientCount > 0 && Date.now() < end) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"pad":"${filler}"}}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(s.t.hub.clientCount, 0);
    assert.equal(s.t.hub.stats().slowDisconnects, 1);
    // What the client finally reads ends with the lag notice and close code 1013.
    await raw.run(() => raw.closeCode !== 0);
    assert.equal(raw.lags, 1);
    assert.equal(raw.closeCode, 1013);
    raw.close();
  } finally {
    await s.stop();
  }
});

Deno.test("when every client falls behind at once, all queues together stay under maxTotalQueueBytes", async () => {
  const total = 256 * 1024;
  const s = await serve({
    maxQueueFrames: 10_000,
    maxQueueBytes: 4 << 20, // per client: never the limit here
    maxTotalQueueBytes: total,
    highWaterBytes: 16 * 1024,
    // A client's own overflow would disconnect it at once; the host's must not.
    maxOverflows: 1,
    stuckMs: 60_000,
  });
  try {
    const clients: RawWsClient[] = [];
    for (let i = 0; i < 5; i++) {
      const c = new RawWsClient(false);
      await c.connect(s.port);
      clients.push(c);
    }
    await until(() => s.t.hub.clientCount === 5);
    const filler = "q".repeat(8 * 1024);
    let maxQueued = 0;
    for (let i = 0; i < 6_000 && s.t.hub.stats().framesDropped === 0; i++) {
      s.t.hub.broadcastFrame(`{"type":"packet","data":{"n":${i},"pad":"${filler}"}}`);
      maxQueued = Math.max(maxQueued, s.t.hub.stats().queuedBytes);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const st = s.t.hub.stats();
    assert.ok(st.framesDropped > 0, "frames were dropped instead of queued");
    assert.ok(maxQueued <= total, `queued ${maxQueued} bytes, bound ${total}`);
    assert.ok(maxQueued > total / 2, `the bound was what stopped the queues (${maxQueued})`);
    assert.equal(st.slowDisconnects, 0, "the host's overflow does not count as the client's");
    // Once they read, every gap is reported: the notices add up to every dropped frame.
    let stop = false;
    const reading = Promise.all(clients.map((c) => c.run(() => stop)));
    await new Promise((r) => setTimeout(r, 1_000));
    stop = true;
    const after = s.t.hub.stats();
    assert.ok(after.lagNotices >= 1);
    assert.equal(clients.reduce((n, c) => n + c.lags, 0), after.lagNotices);
    assert.equal(clients.reduce((n, c) => n + c.dropped, 0), after.framesDropped);
    for (const c of clients) c.close();
    await reading;
  } finally {
    await s.stop();
  }
});
