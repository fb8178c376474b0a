/** The cached HMAC pad states and reusable ECB decipher agree with plain node:crypto. */

import assert from "node:assert/strict";
import { createDecipheriv, createHmac } from "node:crypto";
import { ecbDecipher, hmacHex, macState } from "../../src/meshcore/hmac.ts";
import { prng } from "./fixture_util.ts";

Deno.test("hmacHex equals createHmac for keys of 0–64 bytes and messages of 0–300 bytes", () => {
  const rnd = prng(99);
  const rand = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  for (let i = 0; i < 300; i++) {
    const key = rand(i % 65);
    const st = macState(key);
    for (const n of [0, 1, 55, 56, 64, 119, 300].map((x) => (x + i) % 301)) {
      const head = i % 2 ? rand(1) : undefined;
      const msg = rand(n);
      const want = createHmac("sha256", key).update(head ?? new Uint8Array(0)).update(msg)
        .digest("hex");
      assert.equal(hmacHex(st, msg, head), want);
    }
  }
  assert.throws(() => macState(new Uint8Array(65)), RangeError);
});

Deno.test("a reused ECB decipher gives the same plaintext as a fresh one, message after message", () => {
  const rnd = prng(5);
  const key = Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256));
  const reused = ecbDecipher(key);
  for (let i = 1; i <= 50; i++) {
    const ct = Uint8Array.from({ length: 16 * (1 + (i % 11)) }, () => Math.floor(rnd() * 256));
    const fresh = createDecipheriv("aes-128-ecb", key, null);
    fresh.setAutoPadding(false);
    const want = new Uint8Array([...fresh.update(ct), ...fresh.final()]);
    assert.deepEqual(new Uint8Array(reused.update(ct)), want);
  }
});
