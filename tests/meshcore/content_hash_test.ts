/**
 * Content hash (wire §7) against the fixture's stored hashes, the worked
 * examples of §8.1, and a model of the reference's buggy migration script that
 * explains every stored hash the current formula does not reproduce.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  contentHash,
  decodePacket,
  hexToBytes,
  legacyContentHash,
} from "../../src/meshcore/mod.ts";
import { fixtureRows, fixtureUrl } from "./fixture_util.ts";

/**
 * The reference's `scripts/migrate-fixture-hashes.go`, as described in wire
 * §8.1: it skipped 4 "transport" bytes on routes 2/3 (DIRECT), applied the
 * TRACE path-length extension to type 7 (ANON_REQ) instead of 9, and fell
 * back to the raw-hex prefix when its offsets overran.
 */
function buggyMigrationHash(rawHex: string, type7Mistake = true): string {
  const b = hexToBytes(rawHex)!;
  const fallback = rawHex.slice(0, 16);
  let off = 1 + ((b[0] & 0x03) >= 2 ? 4 : 0);
  if (off >= b.length) return fallback;
  const pathByte = b[off++];
  off += ((pathByte >> 6) + 1) * (pathByte & 0x3f);
  if (off > b.length) return fallback;
  const type = (b[0] >> 2) & 0x0f;
  const parts = [type, ...(type7Mistake && type === 7 ? [pathByte, 0] : []), ...b.subarray(off)];
  return createHash("sha256").update(new Uint8Array(parts)).digest("hex").slice(0, 16);
}

Deno.test("content hash matches exactly the FLOOD non-ANON_REQ rows (354 of 499)", () => {
  let match = 0;
  let mismatch = 0;
  for (const r of fixtureRows()) {
    const h = contentHash(hexToBytes(r.raw_hex)!);
    const expectMatch = r.route_type === 1 && r.payload_type !== 7;
    assert.equal(
      h === r.hash,
      expectMatch,
      `row ${r.id} route ${r.route_type} type ${r.payload_type}`,
    );
    if (h === r.hash) match++;
    else mismatch++;
    // decodePacket reports the same hash, and string input gives the same result.
    assert.equal(contentHash(r.raw_hex), h);
    const d = decodePacket(r.raw_hex);
    if (d.valid) assert.equal(d.hash, h);
    assert.match(h, /^[0-9a-f]{16}$/);
  }
  assert.deepEqual([match, mismatch], [354, 145]);
});

Deno.test("every non-matching stored hash is explained by the buggy migration script", () => {
  let directByOffsetBug = 0;
  let rawPrefix = 0;
  let rawPrefixUpper = 0;
  const needType7: number[] = [0, 0, 0, 0];
  for (const r of fixtureRows()) {
    // The full bug model reproduces every stored hash, matching or not.
    assert.equal(buggyMigrationHash(r.raw_hex), r.hash, `row ${r.id}`);
    if (buggyMigrationHash(r.raw_hex, false) !== r.hash) {
      needType7[r.route_type]++;
      assert.equal(r.payload_type, 7);
      continue;
    }
    if (r.route_type !== 2) continue;
    directByOffsetBug++;
    if (r.hash === r.raw_hex.slice(0, 16)) {
      rawPrefix++;
      if (/[A-F]/.test(r.hash)) rawPrefixUpper++;
    }
  }
  // §8.1: the offset bug alone reproduces 130 DIRECT rows, 86 of them raw-hex
  // prefixes (24 with uppercase letters); 15 ANON_REQ rows (11 FLOOD, 4 DIRECT)
  // also need the type-7 mistake.
  assert.deepEqual([directByOffsetBug, rawPrefix, rawPrefixUpper], [130, 86, 24]);
  assert.deepEqual(needType7, [0, 11, 4, 0]);
});

Deno.test("worked examples of §8.1: current and old formula", () => {
  const rows = new Map(fixtureRows().map((r) => [r.id, r]));
  const cases: [number, string, string, string][] = [
    [109, "8ca0cccb39df85de", "8ca0cccb39df85de", "9128fad8d9797b16"],
    [1, "06001f5d97f8ed9e", "725cc5989fee917d", "e6cc282665a72213"],
    [363, "26010FBA74E45D00", "8c4d4038fb7f103f", "162fe2e2624bae14"],
  ];
  for (const [id, stored, current, old] of cases) {
    const r = rows.get(id)!;
    assert.equal(r.hash, stored);
    assert.equal(contentHash(hexToBytes(r.raw_hex)!), current, `current ${id}`);
    assert.equal(legacyContentHash(hexToBytes(r.raw_hex)!), old, `old ${id}`);
    assert.equal(decodePacket(r.raw_hex).hash, current);
  }
});

Deno.test("content hash ignores route, version, transport codes and hops", () => {
  const payload = "AABBCCDD0011223344";
  const flood = contentHash(`0902${"1122"}${payload}`);
  assert.equal(contentHash(`0A00${payload}`), flood); // DIRECT, no hops
  assert.equal(contentHash(`CA00${payload}`), flood); // version bits 3
  assert.equal(contentHash(`0B1234567801EE${payload}`), flood); // TRANSPORT_DIRECT
  assert.notEqual(
    legacyContentHash(`0A00${payload}`),
    legacyContentHash(`0902${"1122"}${payload}`),
  );
  // TRACE includes the path byte: same payload, different path length, different hash.
  const t1 = contentHash("2601AA" + "0102030400000000" + "0027");
  const t2 = contentHash("2602AABB" + "0102030400000000" + "0027");
  assert.notEqual(t1, t2);
  const manual = createHash("sha256").update(
    new Uint8Array([9, 0x01, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0x27]),
  ).digest("hex").slice(0, 16);
  assert.equal(t1, manual);
});

Deno.test("content hash fallback: raw hex as given", () => {
  assert.equal(contentHash("ZZ00112233445566778899"), "ZZ00112233445566");
  assert.equal(contentHash("0A"), "0A");
  assert.equal(contentHash("0AFF0011"), "0AFF0011"); // 63 hops overrun the buffer
  assert.equal(contentHash("06001F5D97F8ED9EEC25"), contentHash("06001f5d97f8ed9eec25"));
  assert.equal(contentHash(new Uint8Array([0x0a])), "0a");
  assert.equal(legacyContentHash("XYZ"), "XYZ");
});

Deno.test("api captures (legacy Node.js era): every stored hash follows the old formula", () => {
  const files = [
    "packet-type-advert.json",
    "packet-type-grptxt-undecrypted.json",
    "packet-type-req.json",
    "packets.json",
    "websocket-message.json",
  ];
  const seen = new Map<string, string>();
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) return o.forEach(walk);
    if (o === null || typeof o !== "object") return;
    const r = o as Record<string, unknown>;
    const raw = r.raw_hex ?? r.raw;
    if (typeof r.hash === "string" && typeof raw === "string") seen.set(raw, r.hash);
    Object.values(r).forEach(walk);
  };
  for (const f of files) walk(JSON.parse(Deno.readTextFileSync(fixtureUrl(`api-captures/${f}`))));
  let checked = 0;
  for (const [raw, hash] of seen) {
    if (raw.length < 4) continue;
    assert.equal(legacyContentHash(raw), hash, raw.slice(0, 20));
    assert.notEqual(contentHash(raw), hash);
    checked++;
  }
  assert.ok(checked >= 9, `checked ${checked}`);
  assert.equal(new Set(seen.values()).size, 9);
});
