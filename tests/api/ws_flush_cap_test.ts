/**
 * The hub's `maxFlushMs` (the adaptive flush interval's cap, #15 session 7).
 *
 * @module
 */

import assert from "node:assert/strict";
import { WsHub } from "../../src/api/ws_hub.ts";
import { FlushTimer } from "../../src/api/ws_flush_timer.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
