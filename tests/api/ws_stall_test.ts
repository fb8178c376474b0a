/**
 * The hub's stalled-client rules with sockets whose `bufferedAmount` the test
 * controls (a real loopback socket absorbs tens of MiB in the kernel before the
 * runtime buffers anything, see `bench/ws_bench.ts` for the real-socket run) and
 * an injected clock: a client whose socket stops moving is closed with 1013
 * `stuckMs` later even while the all-clients queue bound is full, and the memory
 * budget closes the clients furthest behind first.
 */

import assert from "node:assert/strict";
import { WsHub } from "../../src/api/ws_hub.ts";

/** A socket stand-in: records frames; `bufferedAmount` grows with each send until drained. */
class FakeSocket extends EventTarget {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: string[] = [];
  closeCode = 0;
  send(s: string): void {
    this.sent.push(s);
    this.bufferedAmount += s.length;
  }
  close(code: number): void {
    this.closeCode = code;
    this.readyState = WebSocket.CLOSING;
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a socket that stops moving is closed with 1013 after stuckMs, host bound or not", async () => {
  let clock = 1_000_000;
  const hub = new WsHub({
    flushMs: 0,
    highWaterBytes: 1000,
    maxQueueBytes: 1 << 20,
    maxQueueFrames: 10_000,
    maxTotalQueueBytes: 5000,
    maxOverflows: 1,
    stuckMs: 1000,
    drainIntervalMs: 2,
  }, () => clock);
  const stalled = [new FakeSocket(), new FakeSocket()];
  const reader = new FakeSocket();
  for (const s of stalled) hub.attach(s as unknown as WebSocket);
  hub.attach(reader as unknown as WebSocket, { batch: true });
  const drain = setInterval(() => reader.bufferedAmount = 0, 1);
  try {
    const frame = `{"type":"packet","data":{"pad":"${"p".repeat(100)}"}}`;
    for (let i = 0; i < 200; i++) {
      hub.broadcastFrame(frame);
      reader.bufferedAmount = 0;
    }
    let st = hub.stats();
    assert.ok(st.framesDropped > 0, "the all-clients bound dropped frames");
    assert.ok(st.queuedBytes <= 5000);
    assert.equal(st.slowDisconnects, 0, "the host bound does not count as the client's overflow");
    clock += 999;
    await wait(20);
    assert.equal(hub.stats().slowDisconnects, 0, "not before stuckMs");
    clock += 2;
    await wait(20);
    st = hub.stats();
    assert.equal(st.slowDisconnects, 2);
    assert.equal(st.boundDisconnects, 0);
    for (const s of stalled) {
      assert.equal(s.closeCode, 1013);
      const last = JSON.parse(s.sent.at(-1)!);
      assert.equal(last.type, "lag");
      assert.ok(last.dropped > 0);
    }
    assert.equal(reader.closeCode, 0, "the reader stays");
    assert.equal(reader.sent.length, 200, "and got every observation");
    assert.ok(reader.sent.every((f) => f.startsWith("[")));
    assert.equal(hub.stats().queuedBytes, 0);
  } finally {
    clearInterval(drain);
    hub.close();
  }
});

Deno.test("over the memory budget, the clients furthest behind are closed first", async () => {
  const hub = new WsHub({
    memoryBudgetBytes: 5000,
    clientOverheadBytes: 100,
    memoryCheckMs: 5,
    maxClients: 10,
  });
  const [a, b, c] = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
  for (const s of [a, b, c]) hub.attach(s as unknown as WebSocket);
  try {
    b.bufferedAmount = 1000; // 300 + 2 × 1000 < 5000
    await wait(30);
    assert.equal(hub.stats().slowDisconnects, 0, "under the budget nobody is closed");
    a.bufferedAmount = 2500; // total 300 + 2 × 3500 > 5000
    await wait(30);
    const st = hub.stats();
    assert.equal(a.closeCode, 1013, "the furthest behind");
    assert.equal(b.closeCode, 0, "closing one was enough");
    assert.equal(c.closeCode, 0);
    assert.equal(st.boundDisconnects, 1);
    assert.equal(st.clients, 2);
  } finally {
    hub.close();
  }
});

Deno.test("the flush is split by maxBatchBytes and maxBatch, in order", () => {
  const hub = new WsHub({ flushMs: 10_000, maxBatch: 4, maxBatchBytes: 100 });
  const s = new FakeSocket();
  hub.attach(s as unknown as WebSocket, { batch: true });
  try {
    const msgs = Array.from({ length: 10 }, (_, i) => `{"n":${i},"p":"${"x".repeat(i * 5)}"}`);
    for (const m of msgs) hub.broadcastFrame(m);
    assert.ok(s.sent.length < 10, "only a full batch goes before the flush");
    hub.flush();
    const batches = s.sent.map((f) => JSON.parse(f) as { n: number }[]);
    assert.deepEqual(batches.flat().map((m) => m.n), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const f of s.sent) assert.ok(f.length <= 100 || JSON.parse(f).length === 1, f);
    assert.ok(batches.every((x) => x.length <= 4));
    assert.ok(batches.length >= 3);
  } finally {
    hub.close();
  }
});

Deno.test("pending messages go at once as one frame when the next would pass maxBatchBytes", () => {
  const hub = new WsHub({ flushMs: 10_000, maxBatchBytes: 100 });
  const s = new FakeSocket();
  hub.attach(s as unknown as WebSocket, { batch: true });
  try {
    // 30-character messages: three fit in 100 characters with "[", "]" and commas, a fourth not.
    const msgs = Array.from({ length: 7 }, (_, i) => `{"n":${i},"p":"${"x".repeat(16)}"}`);
    assert.equal(msgs[0].length, 30);
    for (const m of msgs) hub.broadcastFrame(m);
    assert.equal(s.sent.length, 2, "two full frames before the timer");
    for (const f of s.sent) {
      assert.ok(f.length <= 100, f);
      assert.equal(JSON.parse(f).length, 3);
    }
    hub.flush();
    const all = s.sent.flatMap((f) => JSON.parse(f) as { n: number }[]);
    assert.deepEqual(all.map((m) => m.n), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(s.sent.length, 3, "the rest is one frame, not split");
    // A message longer than the bound still goes alone, after the pending ones.
    hub.broadcastFrame(msgs[0]);
    hub.broadcastFrame(`{"big":"${"y".repeat(200)}"}`);
    hub.flush();
    assert.deepEqual(s.sent.slice(3).map((f) => JSON.parse(f).length), [1, 1]);
    assert.ok(hub.stats().batchesBuilt === 5);
  } finally {
    hub.close();
  }
});

Deno.test("a full all-clients queue closes the stalled clients, not the reader's frames", async () => {
  let clock = 1_000_000;
  const hub = new WsHub({
    flushMs: 0,
    highWaterBytes: 1000,
    maxQueueBytes: 1 << 20,
    maxQueueFrames: 10_000,
    maxTotalQueueBytes: 5000,
    stuckMs: 60_000,
    evictStalledMs: 2000,
    drainIntervalMs: 2,
  }, () => clock);
  const stalled = [new FakeSocket(), new FakeSocket()];
  const reader = new FakeSocket();
  for (const s of stalled) hub.attach(s as unknown as WebSocket);
  hub.attach(reader as unknown as WebSocket);
  try {
    // Long enough that the hub reads each socket's real bufferedAmount before every send.
    const frame = `{"type":"packet","data":{"pad":"${"p".repeat(400)}"}}`;
    for (let i = 0; i < 100; i++) {
      hub.broadcastFrame(frame);
      reader.bufferedAmount = 0;
    }
    assert.ok(hub.stats().framesDropped > 0, "the stalled clients filled the shared bound");
    const readerBefore = reader.sent.length;
    assert.equal(hub.stats().boundDisconnects, 0, "nobody is closed before evictStalledMs");
    clock += 2001;
    await wait(10); // the drain lets the reader catch up, the stalled ones do not move
    reader.bufferedAmount = 5000;
    const dropped = hub.stats().framesDropped;
    hub.broadcastFrame(frame);
    const st = hub.stats();
    assert.ok(st.boundDisconnects >= 1, "stalled clients were closed to make room");
    assert.ok(stalled.some((s) => s.closeCode === 1013));
    // The stalled clients' own frames are still dropped; the reader's was queued.
    assert.ok(st.framesDropped - dropped <= 2);
    reader.bufferedAmount = 0;
    await wait(20);
    assert.equal(reader.sent.length, readerBefore + 1, "the reader got the queued frame");
    assert.ok(reader.sent.every((f) => !f.includes('"lag"')), "and never a lag notice");
    assert.equal(reader.closeCode, 0);
  } finally {
    hub.close();
  }
});

Deno.test("a frame waiting in many queues is counted once in the all-clients total", async () => {
  const hub = new WsHub({
    flushMs: 10_000,
    highWaterBytes: 1000,
    maxQueueFrames: 10_000,
    maxQueueBytes: 1 << 20,
    drainIntervalMs: 2,
  });
  const behind = Array.from({ length: 5 }, () => new FakeSocket());
  for (const s of behind) {
    hub.attach(s as unknown as WebSocket, { batch: true });
    s.bufferedAmount = 5000; // above the high-water mark: everything is queued
  }
  try {
    const msg = (n: number) => `{"type":"packet","data":{"n":${n}}}`;
    let distinct = 0;
    for (let round = 0; round < 4; round++) {
      const msgs = [0, 1, 2].map((i) => msg(round * 3 + i));
      for (const m of msgs) hub.broadcastFrame(m);
      hub.flush();
      distinct += `[${msgs.join(",")}]`.length;
    }
    assert.equal(behind[0].sent.length, 0, "the sockets are above the mark: all is queued");
    const st = hub.stats();
    assert.equal(st.queuedBytes, distinct, "five queues of the same frames count once");
    // One client leaves: the frames the others still hold stay counted.
    const kept = st.queuedBytes;
    behind[0].readyState = WebSocket.CLOSED;
    behind[0].dispatchEvent(new Event("close"));
    assert.equal(hub.stats().queuedBytes, kept);
    // All catch up in order: the total returns to 0.
    for (const s of behind.slice(1)) s.bufferedAmount = 0;
    await wait(30);
    assert.equal(hub.stats().queuedBytes, 0);
    for (const s of behind.slice(1)) {
      const ns = s.sent.flatMap((f) =>
        (JSON.parse(f) as { data: { n: number } }[]).map((m) => m.data.n)
      );
      assert.deepEqual(ns, Array.from({ length: 12 }, (_, i) => i), "every message, in order");
    }
  } finally {
    hub.close();
  }
});

Deno.test("a flush goes to sliceClients clients per turn, at most one flush late, in order", async () => {
  const hub = new WsHub({ flushMs: 10_000, sliceClients: 100 });
  const socks = Array.from({ length: 250 }, () => new FakeSocket());
  for (const s of socks) hub.attach(s as unknown as WebSocket, { batch: true });
  const drain = setInterval(() => socks.forEach((s) => s.bufferedAmount = 0), 1);
  try {
    const msg = (n: number) => `{"type":"packet","data":{"n":${n}}}`;
    for (const n of [0, 1, 2]) hub.broadcastFrame(msg(n));
    hub.flush();
    assert.equal(socks.filter((s) => s.sent.length === 1).length, 100, "the first slice at once");
    assert.equal(socks[100].sent.length, 0, "the rest in later turns");
    for (const n of [3, 4]) hub.broadcastFrame(msg(n));
    hub.flush(); // while the first flush is still being handed out
    assert.ok(socks.every((s) => s.sent.length >= 1), "a late slice is handed at once");
    assert.equal(socks[0].sent.length, 2, "the new flush's first slice too");
    assert.equal(socks[100].sent.length, 1);
    await wait(30);
    for (const s of socks) {
      assert.deepEqual(s.sent, [`[${msg(0)},${msg(1)},${msg(2)}]`, `[${msg(3)},${msg(4)}]`]);
    }
    assert.equal(hub.stats().batchesBuilt, 2);
  } finally {
    clearInterval(drain);
    hub.close();
  }
});
