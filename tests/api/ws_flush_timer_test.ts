/**
 * The hub's adaptive batch flush timer (src/api/ws_flush_timer.ts): it grows
 * while the host is behind (a late timer or a flush still being handed out),
 * never past twice `flushMs`, and a cancelled timer does not fire.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FlushTimer } from "../../src/api/ws_flush_timer.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a flush still being handed out lengthens the interval, up to twice flushMs", async () => {
  let fired = 0;
  const t = new FlushTimer(10, () => true, () => fired++);
  assert.equal(t.interval, 10);
  for (let i = 0; i < 8; i++) {
    t.arm();
    t.arm(); // armed already: no second timer
    await wait(40);
  }
  assert.equal(fired, 8);
  assert.equal(t.interval, 20);
});

Deno.test("a timer that fires late lengthens the interval; a cancelled one does not fire", async () => {
  let fired = 0;
  const t = new FlushTimer(10, () => false, () => fired++);
  t.arm();
  const until = performance.now() + 30;
  while (performance.now() < until) { /* the event loop is busy: the timer can only be late */ }
  await wait(20);
  assert.equal(fired, 1);
  assert.equal(t.interval, 12);
  t.arm();
  t.cancel();
  await wait(40);
  assert.equal(fired, 1);
  assert.equal(t.interval, 12);
});
