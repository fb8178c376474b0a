/** Time on air (Semtech formula) and the sub-path group parser. */

import assert from "node:assert/strict";
import { DEFAULT_PRESET, timeOnAirNs } from "../../src/api/lora_airtime.ts";
import { parseGroups } from "../../src/api/analytics_subpaths.ts";
import { humanUptime } from "../../src/api/health_parity.ts";
import { signalGrade } from "../../src/api/node_analytics.ts";

Deno.test("time on air: SF8 / 62.5 kHz / CR 4/5 / 32-symbol preamble", () => {
  // Tsym = 256 / 62500 s = 4.096 ms; 20 bytes: 8 + ceil(172 / 32) * 5 = 38 payload symbols,
  // preamble 32 + 4.25 symbols: 74.25 * 4.096 ms = 304.128 ms.
  assert.equal(timeOnAirNs(20), 304_128_000);
  assert.ok(timeOnAirNs(100) > timeOnAirNs(20));
  // Low data-rate optimisation at SF12 / 125 kHz (symbol 32.768 ms).
  const slow = { ...DEFAULT_PRESET, sf: 12, bw_khz: 125, preamble: 16 };
  assert.equal(timeOnAirNs(10, slow), Math.round((20.25 + 8 + Math.ceil(68 / 40) * 5) * 32.768e6));
});

Deno.test("subpaths-bulk groups: parsed, clamped, bad ones named", () => {
  assert.deepEqual(parseGroups("2-2:50,5-8:500"), [
    { minLen: 2, maxLen: 2, limit: 50 },
    { minLen: 5, maxLen: 8, limit: 200 },
  ]);
  for (const bad of ["", "2-2", "1-2:5", "3-2:5", "2-9:5", "2-2:0", "a", "2-2:5,"]) {
    assert.throws(() => parseGroups(bad), /group/, bad);
  }
  assert.throws(() => parseGroups(Array(11).fill("2-2:1").join(",")), /at most 10/);
});

Deno.test("uptime text and signal grades", () => {
  assert.equal(humanUptime(59), "0m 59s");
  assert.equal(humanUptime(3 * 3600 + 120), "3h 2m");
  assert.equal(humanUptime(2 * 86400 + 3600), "2d 1h 0m");
  assert.equal(signalGrade(16, 1), "A");
  assert.equal(signalGrade(16, 5), "A-");
  assert.equal(signalGrade(13, 2), "B+");
  assert.equal(signalGrade(9, 9), "B");
  assert.equal(signalGrade(4, 0), "C");
  assert.equal(signalGrade(-3, 0), "D");
});
