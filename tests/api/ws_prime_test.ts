/**
 * Hub options of #15 session 7: `primeWriteBuffer` (a batch client's first frame is an
 * empty array padded to `maxBatchBytes`, so the runtime's write buffer is sized once) and
 * `maxFlushMs` (the adaptive flush interval's cap).
 *
 * @module
 */

import assert from "node:assert/strict";
import { WsHub } from "../../src/api/ws_hub.ts";
import { FlushTimer } from "../../src/api/ws_flush_timer.ts";

/** A socket stand-in that records frames. */
class FakeSocket extends EventTarget {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: string[] = [];
  closeCode = 0;
  send(s: string): void {
    this.sent.push(s);
  }
  close(code: number): void {
    this.closeCode = code;
    this.readyState = WebSocket.CLOSING;
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("primeWriteBuffer: a batch client first gets an empty array of maxBatchBytes, plain clients nothing", () => {
  const hub = new WsHub({ flushMs: 10_000, maxBatchBytes: 300, primeWriteBuffer: true });
  const batch = new FakeSocket();
  const plain = new FakeSocket();
  const early = new FakeSocket();
  early.readyState = WebSocket.CONNECTING;
  try {
    hub.attach(batch as unknown as WebSocket, { batch: true });
    hub.attach(plain as unknown as WebSocket);
    hub.attach(early as unknown as WebSocket, { batch: true });
    assert.equal(batch.sent.length, 1);
    assert.equal(batch.sent[0].length, 300);
    assert.deepEqual(JSON.parse(batch.sent[0]), []);
    assert.equal(plain.sent.length, 0, "plain clients never get it");
    assert.equal(early.sent.length, 0, "not before the socket is open");
    early.readyState = WebSocket.OPEN;
    early.dispatchEvent(new Event("open"));
    assert.deepEqual(early.sent, [batch.sent[0]], "sent once open, the same string");
    hub.broadcastFrame(`{"n":1}`);
    hub.flush();
    assert.deepEqual(batch.sent.slice(1), [`[{"n":1}]`]);
    assert.deepEqual(plain.sent, [`{"n":1}`]);
  } finally {
    hub.close();
  }
});

Deno.test("primeWriteBuffer is off by default and with flushMs 0", () => {
  for (const opts of [{ flushMs: 10_000 }, { flushMs: 0, primeWriteBuffer: true }]) {
    const hub = new WsHub(opts);
    const s = new FakeSocket();
    try {
      hub.attach(s as unknown as WebSocket, { batch: true });
      assert.equal(s.sent.length, 0, JSON.stringify(opts));
    } finally {
      hub.close();
    }
  }
});

Deno.test("maxFlushMs caps the adaptive interval; flushMs as the cap turns adapting off", async () => {
  assert.equal(new WsHub({ flushMs: 20 }).limits.maxFlushMs, 40, "default: twice flushMs");
  const capped = new FlushTimer(10, () => true, () => {}, 14);
  const fixed = new FlushTimer(10, () => true, () => {}, 10);
  for (let i = 0; i < 6; i++) {
    capped.arm();
    fixed.arm();
    await wait(30);
  }
  assert.equal(capped.interval, 14);
  assert.equal(fixed.interval, 10);
});
