/** Ed25519 ADVERT signatures (wire §3.1) on the fixture and on tampered copies. */

import assert from "node:assert/strict";
import {
  decodePacket,
  hexToBytes,
  parseEnvelope,
  verifyAdvertPayload,
  verifyAdvertSignature,
} from "../../src/meshcore/mod.ts";
import { fixtureRows } from "./fixture_util.ts";

const adverts = () => fixtureRows().filter((r) => r.payload_type === 4);

/** Copy of `b` with bit `bit` of byte `i` flipped. */
function flip(b: Uint8Array, i: number, bit = 0): Uint8Array {
  const c = b.slice();
  c[i] ^= 1 << bit;
  return c;
}

Deno.test("all 102 fixture ADVERT signatures verify (bytes, hex and decoded packet)", async () => {
  const rows = adverts();
  assert.equal(rows.length, 102);
  let ok = 0;
  for (const r of rows) {
    const b = hexToBytes(r.raw_hex)!;
    const results = await Promise.all([
      verifyAdvertSignature(b),
      verifyAdvertSignature(r.raw_hex),
      verifyAdvertSignature(decodePacket(r.raw_hex)),
    ]);
    assert.deepEqual(results, [true, true, true], `row ${r.id}`);
    ok++;
  }
  assert.equal(ok, 102);
});

Deno.test("a flipped bit in signature, pubkey, timestamp or appdata fails", async () => {
  for (const r of adverts()) {
    const b = hexToBytes(r.raw_hex)!;
    const env = parseEnvelope(b);
    assert.ok(typeof env !== "string");
    const p = env.payloadOffset;
    const bit = r.id % 8;
    const tampered = [
      flip(b, p + 36 + (r.id % 64), bit), // signature
      flip(b, p + (r.id % 32), bit), // pubkey
      flip(b, p + 32 + (r.id % 4), bit), // timestamp
      flip(b, p + 100 + (r.id % (b.length - p - 100)), bit), // appdata
    ];
    const res = await Promise.all(tampered.map((t) => verifyAdvertSignature(t)));
    assert.deepEqual(res, [false, false, false, false], `row ${r.id}`);
    // The route/path bytes are not signed: changing the path byte count keeps it valid.
    const rerouted = b.slice();
    rerouted[0] = (rerouted[0] & ~0x03) | 0x02; // DIRECT
    assert.equal(await verifyAdvertSignature(rerouted), true);
  }
});

Deno.test("verifyAdvertSignature resolves false for non-adverts and garbage", async () => {
  const nonAdvert = fixtureRows().find((r) => r.payload_type === 5)!;
  assert.equal(await verifyAdvertSignature(nonAdvert.raw_hex), false);
  assert.equal(await verifyAdvertSignature("zz"), false);
  assert.equal(await verifyAdvertSignature(new Uint8Array([0x11])), false);
  const adv = hexToBytes(adverts()[0].raw_hex)!;
  assert.equal(await verifyAdvertSignature(adv.subarray(0, 90)), false); // short payload
  assert.equal(await verifyAdvertPayload(new Uint8Array(120)), false); // zero key
  assert.equal(await verifyAdvertSignature(decodePacket("0a")), false);
  // deno-lint-ignore no-explicit-any
  assert.equal(await verifyAdvertSignature(null as any), false);
});
