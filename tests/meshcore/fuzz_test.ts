/**
 * Fuzz: more than 100,000 random and mutated fixture packets through
 * decodePacket (seeded, reproducible). Zero exceptions; every rejection names
 * its reason and byte offset; accepted packets are internally consistent.
 */

import assert from "node:assert/strict";
import {
  contentHash,
  createRegionTable,
  decodePacket,
  hexToBytes,
  packetBreakdown,
  parseEnvelope,
} from "../../src/meshcore/mod.ts";
import type { DecodedPacket, DecodeOptions } from "../../src/meshcore/mod.ts";
import { fixtureKeyRing, fixtureRows, prng } from "./fixture_util.ts";

const SEED = 0x5eed1234;
const ERROR_RE = /^Cannot decode packet "[^"]*": .+ at offset \d+$/s;

interface Stats {
  cases: number;
  valid: number;
  invalid: number;
  reasons: Map<string, number>;
}

const OPTIONS: DecodeOptions = {
  keyRing: fixtureKeyRing(),
  regions: createRegionTable(["#bayarea", "#sf"]),
};

/** Decode one input and check the invariants. */
function check(input: string | Uint8Array, stats: Stats, withOptions: boolean): void {
  let d: DecodedPacket;
  try {
    d = decodePacket(input, withOptions ? OPTIONS : undefined);
  } catch (e) {
    throw new Error(`decodePacket threw on ${describe(input)}: ${e}`);
  }
  stats.cases++;
  if (!d.valid) {
    stats.invalid++;
    if (typeof d.error !== "string" || !ERROR_RE.test(d.error)) {
      throw new Error(`bad error ${JSON.stringify(d.error)} for ${describe(input)}`);
    }
    const reason = d.error.replace(/^Cannot decode packet "[^"]*": /, "").replace(
      / at offset \d+$/,
      "",
    );
    stats.reasons.set(reason, (stats.reasons.get(reason) ?? 0) + 1);
    assert.equal(d.payload, null);
  } else {
    stats.valid++;
    if (d.header === null || d.path === null || d.payload === null) {
      throw new Error(`valid packet with null parts: ${describe(input)}`);
    }
    assert.match(d.hash, /^[0-9a-f]{16}$/);
    assert.match(d.raw, /^[0-9A-F]*$/);
    assert.equal(d.path.hops.length, d.path.hashCount);
    assert.ok(d.payloadOffset * 2 <= d.raw.length);
    assert.equal(typeof d.payload.type, "string");
  }
  if (input instanceof Uint8Array) {
    // The fast path agrees with the full decoder.
    // Beyond the envelope, only a TRACE route longer than the path buffer is refused.
    const traceTooLong = !d.valid && /trace route too long/.test(d.error ?? "");
    assert.equal(
      typeof parseEnvelope(input) === "string" || traceTooLong,
      !d.valid,
      describe(input),
    );
  }
}

function describe(input: string | Uint8Array): string {
  return typeof input === "string"
    ? JSON.stringify(input.slice(0, 80))
    : `bytes ${Array.from(input.subarray(0, 40), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function newStats(): Stats {
  return { cases: 0, valid: 0, invalid: 0, reasons: new Map() };
}

Deno.test("fuzz: >100k random and mutated packets, no exceptions, errors name reason and offset", () => {
  const rnd = prng(SEED);
  const int = (n: number) => Math.floor(rnd() * n);
  const stats = newStats();
  const packets = fixtureRows().map((r) => hexToBytes(r.raw_hex)!);
  const sample = packets.filter((_, i) => i % 12 === 0);

  for (const [i, p] of packets.entries()) {
    const opts = i % 2 === 0;
    // every truncation
    for (let n = 0; n <= p.length; n++) check(p.subarray(0, n), stats, opts);
    // random bit flips (1–3 bits)
    for (let k = 0; k < 40; k++) {
      const c = p.slice();
      for (let f = 1 + int(3); f > 0; f--) c[int(c.length)] ^= 1 << int(8);
      check(c, stats, opts);
    }
    // byte insertions and deletions
    for (let k = 0; k < 16; k++) {
      const at = int(p.length + 1);
      const ins = new Uint8Array(p.length + 1);
      ins.set(p.subarray(0, at));
      ins[at] = int(256);
      ins.set(p.subarray(at), at + 1);
      check(ins, stats, opts);
      const del = new Uint8Array([...p.subarray(0, at), ...p.subarray(at + 1)]);
      check(del, stats, opts);
    }
    // oversize: pad past the 254-byte limit
    const big = new Uint8Array(255 + int(200));
    big.set(p);
    check(big, stats, opts);
  }
  // every header value and every path byte value, on a sample of packets
  for (const p of sample) {
    for (let v = 0; v < 256; v++) {
      const h = p.slice();
      h[0] = v;
      check(h, stats, true);
      const pb = p.slice();
      pb[(pb[0] & 3) === 0 || (pb[0] & 3) === 3 ? 5 : 1] = v;
      check(pb, stats, false);
    }
  }
  // random bytes, random lengths
  for (let k = 0; k < 20_000; k++) {
    const n = int(k % 10 === 0 ? 300 : 64);
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = int(256);
    check(b, stats, k % 2 === 0);
  }
  // hex-string level: case, whitespace, bad characters, odd lengths, huge input
  const alphabet = "0123456789abcdefABCDEF \r\n\tgxZ-";
  for (let k = 0; k < 8_000; k++) {
    const src = fixtureRows()[int(499)].raw_hex;
    const chars = [...src];
    for (let m = int(3); m >= 0; m--) {
      const op = int(3);
      const at = int(chars.length + 1);
      if (op === 0) chars.splice(at, 0, alphabet[int(alphabet.length)]);
      else if (op === 1) chars.splice(at, 1);
      else chars[at] = alphabet[int(alphabet.length)];
    }
    check(chars.join(""), stats, k % 2 === 0);
  }
  check("0".repeat(1_000_000), stats, true);
  check("", stats, true);

  // Side functions never throw either.
  for (let k = 0; k < 2_000; k++) {
    const b = new Uint8Array(int(80));
    for (let j = 0; j < b.length; j++) b[j] = int(256);
    packetBreakdown(b);
    assert.match(contentHash(b), /^[0-9a-f]{0,16}$/);
  }

  assert.ok(stats.cases >= 100_000, `only ${stats.cases} cases`);
  assert.ok(stats.valid > 10_000 && stats.invalid > 10_000, JSON.stringify(stats));
  // Every rejection reason of the contract was exercised.
  for (
    const r of [
      "packet too short",
      "packet too long",
      "transport codes overrun buffer",
      "missing path byte",
      "reserved hash size 4",
      "path too long",
      "path overruns buffer",
      "payload too long",
      "invalid hex character",
      "odd number of hex digits",
      "input too long",
    ]
  ) {
    const n = [...stats.reasons.entries()].filter(([k]) => k.startsWith(r)).reduce(
      (a, [, v]) => a + v,
      0,
    );
    assert.ok(n > 0, `reason never seen: ${r}`);
  }
  console.log(`fuzz: ${stats.cases} cases, ${stats.valid} valid, ${stats.invalid} rejected`);
});
