/** Header, transport codes, path-byte rules, size limits, hex helpers (wire §1). */

import assert from "node:assert/strict";
import {
  bytesToHex,
  decodePacket,
  hexToBytes,
  MAX_PACKET_SIZE,
  MAX_PATH_SIZE,
  MAX_PAYLOAD,
  parseEnvelope,
  PAYLOAD_TYPE_NAMES,
  ROUTE_TYPE_NAMES,
} from "../../src/meshcore/mod.ts";
import { bytes } from "./fixture_util.ts";

const ERROR_RE = /^Cannot decode packet ".*": .+ at offset \d+$/;

/** A packet: header, optional transport codes, path byte, hops, payload. */
function pkt(
  header: number,
  pathByte: number,
  hops: number[],
  payload: number[],
  codes?: number[],
) {
  return bytes(header, codes ?? [], pathByte, hops, payload);
}

Deno.test("hexToBytes / bytesToHex", () => {
  assert.deepEqual(hexToBytes("0a FF\r\n10"), new Uint8Array([0x0a, 0xff, 0x10]));
  assert.equal(hexToBytes("abc"), null);
  assert.equal(hexToBytes("zz"), null);
  assert.equal(hexToBytes("0g"), null);
  assert.equal(hexToBytes("\u0130\u0130"), null);
  assert.deepEqual(hexToBytes(""), new Uint8Array(0));
  assert.equal(bytesToHex(new Uint8Array([0xab, 0x01])), "ab01");
  assert.equal(bytesToHex(new Uint8Array([0xab, 0x01]), true), "AB01");
});

Deno.test("header: every byte value decodes route, type, version and names", () => {
  for (let h = 0; h < 256; h++) {
    // 60 payload bytes: a TRACE route of them stays within the 64-byte path buffer.
    const d = decodePacket(pkt(h, 0, [], new Array(60).fill(1)));
    assert.ok(d.valid, d.error ?? "");
    assert.deepEqual(d.header, {
      routeType: h & 3,
      routeTypeName: ROUTE_TYPE_NAMES[h & 3],
      payloadType: (h >> 2) & 15,
      payloadTypeName: PAYLOAD_TYPE_NAMES[(h >> 2) & 15],
      payloadVersion: h >> 6,
    });
  }
  assert.equal(decodePacket("3100AA").header?.payloadTypeName, "UNKNOWN");
  assert.deepEqual(decodePacket("3100AA").payload, { type: "UNKNOWN", raw: "aa" });
});

Deno.test("transport codes on routes 0 and 3 only", () => {
  const d = decodePacket("14AABBCCDD00" + "00".repeat(10));
  assert.deepEqual(d.transportCodes, { code1: "AABB", code2: "CCDD" });
  assert.equal(d.pathOffset, 5);
  assert.equal(d.payloadOffset, 6);
  const td = decodePacket("17AABBCCDD0111" + "00".repeat(4));
  assert.deepEqual(td.transportCodes, { code1: "AABB", code2: "CCDD" });
  assert.deepEqual(td.path!.hops, ["11"]);
  assert.equal(decodePacket("150011223344").transportCodes, null);
  assert.equal(decodePacket("160011223344").transportCodes, null);
  const short = decodePacket("14AABB");
  assert.equal(short.valid, false);
  assert.match(short.error!, /transport codes overrun buffer .* at offset 1$/);
  const noPath = decodePacket("14AABBCCDD");
  assert.match(noPath.error!, /missing path byte at offset 5$/);
});

Deno.test("path byte: every value on a large buffer follows size/count rules", () => {
  for (let pb = 0; pb < 256; pb++) {
    const size = (pb >> 6) + 1;
    const count = pb & 0x3f;
    const hops = Array.from({ length: Math.min(size * count, 200) }, (_, i) => i);
    const d = decodePacket(pkt(0x05, pb, hops, [1, 2, 3, 4, 5]));
    const legal = size !== 4 && size * count <= MAX_PATH_SIZE;
    assert.equal(d.valid, legal, `path byte ${pb}: ${d.error}`);
    if (legal) {
      assert.equal(d.path!.hashCount, count);
      assert.equal(d.path!.hashSize, size);
      assert.equal(d.path!.hops.length, count);
      assert.equal(d.payloadOffset, 2 + size * count);
      for (const h of d.path!.hops) assert.match(h, new RegExp(`^[0-9A-F]{${2 * size}}$`));
    } else {
      assert.match(d.error!, ERROR_RE);
    }
  }
});

Deno.test("path byte: reserved size 4 rejected even with 0 hops; >64 bytes; overrun", () => {
  for (const h of [0x05, 0x06, 0x11, 0x26]) {
    const d = decodePacket(pkt(h, 0xc0, [], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert.equal(d.valid, false);
    assert.match(d.error!, /reserved hash size 4 in path byte 0xC0 at offset 1$/);
  }
  assert.ok(decodePacket(pkt(0x05, 0x60, new Array(64).fill(7), [1, 2, 3, 4])).valid); // 32×2
  const over = decodePacket(pkt(0x05, 0x61, new Array(66).fill(7), [1, 2, 3, 4])); // 33×2
  assert.match(over.error!, /path too long \(33 hops × 2 bytes = 66 bytes, max 64\) at offset 1$/);
  assert.ok(decodePacket(pkt(0x05, 0x95, new Array(63).fill(7), [1, 2, 3, 4])).valid); // 21×3
  assert.equal(decodePacket(pkt(0x05, 0x96, new Array(66).fill(7), [1, 2, 3, 4])).valid, false);
  assert.ok(decodePacket(pkt(0x05, 0x3f, new Array(63).fill(7), [1, 2, 3, 4])).valid); // 63×1
  const overrun = decodePacket("0503AABB");
  assert.equal(
    overrun.error,
    'Cannot decode packet "0503AABB": path overruns buffer' +
      " (needs 3 bytes, 2 left) at offset 2",
  );
  assert.equal(overrun.header?.payloadTypeName, "RESPONSE");
});

Deno.test("zero-hop DIRECT reports hashSize 0 (not TRACE); FLOOD keeps the size bits", () => {
  assert.equal(decodePacket("0A00D69FD7A5").path!.hashSize, 0);
  assert.equal(decodePacket("0A40D69FD7A5").path!.hashSize, 0); // size bits 01, no hops
  assert.equal(decodePacket("0B11223344" + "40D69FD7A5").path!.hashSize, 0); // TRANSPORT_DIRECT
  assert.equal(decodePacket("0940D69FD7A5").path!.hashSize, 2); // FLOOD
  assert.equal(decodePacket("0900D69FD7A5").path!.hashSize, 1);
  // TRACE on DIRECT with zero header hops: hashSize from the trace flags.
  const tr = decodePacket("2600" + "01000000" + "02000000" + "01" + "AABBCC");
  assert.deepEqual(tr.path, { hashSize: 2, hashCount: 1, hops: ["AABB"], hopsCompleted: 0 });
});

Deno.test("payload size limit and oversize input", () => {
  assert.ok(decodePacket(pkt(0x05, 0, [], new Array(MAX_PAYLOAD).fill(1))).valid);
  const big = decodePacket(pkt(0x05, 0, [], new Array(MAX_PAYLOAD + 1).fill(1)));
  assert.match(big.error!, /payload too long \(185 bytes, max 184\) at offset 2$/);
  const max = pkt(0x04, 0x60, new Array(64).fill(2), new Array(MAX_PAYLOAD).fill(1), [1, 2, 3, 4]);
  assert.equal(max.length, MAX_PACKET_SIZE); // 1 + 4 + 1 + 64 + 184 = 254
  assert.ok(decodePacket(max).valid);
  const tooBig = decodePacket(new Uint8Array(255));
  assert.match(tooBig.error!, /packet too long \(255 bytes, max 254\) at offset 254$/);
  assert.equal(tooBig.raw, "");
  const hugeHex = "05".repeat(100_000);
  const t0 = performance.now();
  const huge = decodePacket(hugeHex);
  assert.ok(performance.now() - t0 < 50);
  assert.equal(huge.valid, false);
  assert.match(huge.error!, ERROR_RE);
  assert.match(decodePacket("05".repeat(255)).error!, /packet too long \(255 bytes/);
});

Deno.test("bad input never throws and names reason and offset", () => {
  const cases: [unknown, RegExp][] = [
    ["", /packet too short \(0 bytes, need header and path byte\) at offset 0$/],
    ["0a", /^Cannot decode packet "0a": packet too short \(1 byte.* at offset 1$/],
    ["0a0", /odd number of hex digits \(3\) at offset 1$/],
    ["0a0x", /invalid hex character "x" at offset 1$/],
    [null, /input is not a hex string or byte array at offset 0$/],
    [42, /input is not a hex string or byte array at offset 0$/],
  ];
  for (const [input, re] of cases) {
    // deno-lint-ignore no-explicit-any
    const d = decodePacket(input as any);
    assert.equal(d.valid, false);
    assert.match(d.error!, ERROR_RE);
    assert.match(d.error!, re);
    assert.equal(d.payload, null);
  }
  assert.equal(decodePacket(" 0A00 D69F\r\nD7A5 ").raw, "0A00D69FD7A5");
});

Deno.test("string and byte input decode identically", () => {
  const hex = "1506C940E932EA3A5E5AA7400E76DF5A95DBD50F054D5817A5";
  assert.deepEqual(decodePacket(hexToBytes(hex)!), decodePacket(hex));
  assert.deepEqual(decodePacket(hexToBytes(hex)!), decodePacket(hex.toLowerCase()));
});

Deno.test("parseEnvelope: offsets, or an error string", () => {
  const env = parseEnvelope(hexToBytes("17AABBCCDD42111122223344556677")!);
  assert.deepEqual(env, {
    header: 0x17,
    routeType: 3,
    payloadType: 5,
    payloadVersion: 0,
    hasTransportCodes: true,
    pathByteOffset: 5,
    pathByte: 0x42,
    hashSize: 2,
    hashCount: 2,
    hopsOffset: 6,
    hopsLength: 4,
    payloadOffset: 10,
    payloadLength: 5,
  });
  const flood = parseEnvelope(hexToBytes("0A00D69F")!);
  assert.ok(typeof flood !== "string");
  assert.equal(flood.hashSize, 1); // raw size bits, not zero-hop adjusted
  assert.equal(flood.payloadOffset, 2);
  const bad = parseEnvelope(hexToBytes("05C0")!);
  assert.equal(
    bad,
    'Cannot decode packet "05c0": reserved hash size 4 in path byte 0xC0 at offset 1',
  );
  assert.match(parseEnvelope(new Uint8Array(300)) as string, /packet too long .* at offset 254$/);
  assert.match(parseEnvelope(new Uint8Array(0)) as string, /at offset 0$/);
});

Deno.test("error messages quote the input safely", () => {
  const d = decodePacket('0a"\u0000x');
  assert.equal(d.error, 'Cannot decode packet "0a??x": invalid hex character "\\"" at offset 1');
  assert.match(
    decodePacket("05".repeat(40) + "C").error!,
    /^Cannot decode packet "(05){16}…": odd number/,
  );
});
