/** Region scope codes (wire §6) and the hex-view byte ranges. */

import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import {
  bytesToHex,
  createRegionTable,
  decodePacket,
  hexToBytes,
  packetBreakdown,
  regionKey,
  scopeCode,
} from "../../src/meshcore/mod.ts";
import { bytes, fixtureRows, fixtureUrl } from "./fixture_util.ts";

/** Scope code computed independently, straight from the spec text. */
function specScopeCode(region: string, payloadType: number, payload: Uint8Array): Uint8Array {
  const key = createHash("sha256").update(region).digest().subarray(0, 16);
  const mac = createHmac("sha256", key).update(bytes(payloadType, payload)).digest();
  let v = mac[0] | (mac[1] << 8);
  if (v === 0) v = 1;
  if (v === 0xffff) v = 0xfffe;
  return new Uint8Array([v & 0xff, v >> 8]);
}

/** A TRANSPORT_FLOOD packet (type `type`, no hops) carrying `code1`. */
function scoped(type: number, code1: Uint8Array, payload: Uint8Array): Uint8Array {
  return bytes(type << 2, code1, 0x12, 0x34, 0, payload);
}

const PAYLOAD = bytes(0x11, 0xaa, 0xbb, ...new Array(21).fill(7));
const u32 = (n: number) => new Uint8Array([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]);

Deno.test("a scope code built per spec matches its region", () => {
  const code = specScopeCode("#bayarea", 5, PAYLOAD);
  const table = createRegionTable(["sf", "bayarea", "#la", "bayarea"]);
  assert.deepEqual(table.regions.map((r) => r.name), ["#sf", "#bayarea", "#la"]);
  const d = decodePacket(scoped(5, code, PAYLOAD), { regions: table });
  assert.ok(d.valid);
  assert.equal(d.transportCodes!.code1, bytesToHex(code, true));
  assert.equal(d.transportCodes!.code2, "1234");
  assert.equal(d.scopeName, "#bayarea");
  assert.equal(scopeCode(regionKey("bayarea"), 5, PAYLOAD), bytesToHex(code, true));
  // TRANSPORT_DIRECT works the same way.
  const direct = bytes((5 << 2) | 3, code, 0, 0, 0, PAYLOAD);
  assert.equal(decodePacket(direct, { regions: table }).scopeName, "#bayarea");
});

Deno.test("scope name: NULL, empty string or #name", () => {
  const table = createRegionTable(["#bayarea"]);
  const code = specScopeCode("#bayarea", 5, PAYLOAD);
  // payload type is part of the MAC: same bytes as GRP_DATA do not match
  assert.equal(decodePacket(scoped(6, code, PAYLOAD), { regions: table }).scopeName, "");
  // a different payload does not match
  const other = bytes(PAYLOAD.subarray(0, 23), 8);
  assert.equal(decodePacket(scoped(5, code, other), { regions: table }).scopeName, "");
  // unscoped transport (code1 0000) and non-transport routes are NULL
  assert.equal(
    decodePacket(scoped(5, new Uint8Array(2), PAYLOAD), { regions: table }).scopeName,
    null,
  );
  assert.equal(decodePacket(bytes(0x15, 0, PAYLOAD), { regions: table }).scopeName, null);
  // scoped but no region table: ""
  assert.equal(decodePacket(scoped(5, code, PAYLOAD)).scopeName, "");
});

Deno.test("scope code maps 0 to 1 and 0xFFFF to 0xFFFE", () => {
  // Payloads found by search whose raw HMAC starts 00 00 / FF FF for #bayarea, type 5.
  const zero = u32(226542);
  const ffff = u32(8402);
  const key = createHash("sha256").update("#bayarea").digest().subarray(0, 16);
  const raw = (p: Uint8Array) => createHmac("sha256", key).update(bytes(5, p)).digest();
  assert.deepEqual([...raw(zero).subarray(0, 2)], [0, 0]);
  assert.deepEqual([...raw(ffff).subarray(0, 2)], [0xff, 0xff]);
  assert.equal(scopeCode(regionKey("#bayarea"), 5, zero), "0100");
  assert.equal(scopeCode(regionKey("#bayarea"), 5, ffff), "FEFF");
  const table = createRegionTable(["bayarea"]);
  const d = decodePacket(scoped(5, new Uint8Array([1, 0]), zero), { regions: table });
  assert.equal(d.scopeName, "#bayarea");
});

Deno.test("breakdown matches the legacy API's ranges for the captured advert", () => {
  const cap = JSON.parse(Deno.readTextFileSync(fixtureUrl("api-captures/packet-type-advert.json")));
  const legacy = cap.breakdown.ranges.map((r: Record<string, unknown>) => ({
    start: r.start,
    end: r.end,
    label: r.label,
  }));
  const labels = new Set(legacy.map((r: { label: string }) => r.label));
  const ours = packetBreakdown(cap.packet.raw_hex).filter((r) => labels.has(r.label));
  assert.deepEqual(ours, legacy);
  const all = packetBreakdown(cap.packet.raw_hex).map((r) => r.label);
  assert.deepEqual(all.slice(0, 7), [
    "Header",
    "Path Length",
    "Path",
    "Hop 1",
    "Hop 2",
    "Hop 3",
    "Payload",
  ]);
});

Deno.test("breakdown: ranges stay inside the packet and cover every fixture field", () => {
  for (const r of fixtureRows()) {
    const b = hexToBytes(r.raw_hex)!;
    const ranges = packetBreakdown(b);
    assert.ok(ranges.length >= (r.id === 465 ? 2 : 3), `${r.id}`);
    for (const x of ranges) {
      assert.ok(x.start >= 0 && x.end >= x.start && x.end < b.length, `${r.id} ${x.label}`);
    }
    if (r.id === 465) continue; // rejected path
    const payload = ranges.find((x) => x.label === "Payload")!;
    assert.equal(payload.end, b.length - 1);
  }
  const t = packetBreakdown("17AABBCCDD0111" + "22AABB33");
  assert.deepEqual(t.slice(0, 6).map((x) => [x.start, x.end, x.label]), [
    [0, 0, "Header"],
    [1, 2, "Transport Code 1"],
    [3, 4, "Transport Code 2"],
    [5, 5, "Path Length"],
    [6, 6, "Path"],
    [6, 6, "Hop 1"],
  ]);
  assert.deepEqual(packetBreakdown("zz"), []);
  assert.deepEqual(packetBreakdown("05C0").map((x) => x.label), ["Header", "Path Length"]);
  const overrun = packetBreakdown("0503AABB").map((x) => x.label);
  assert.deepEqual(overrun, ["Header", "Path Length", "Path", "Hop 1", "Hop 2"]);
});
