/** ADVERT appdata, roles, name and telemetry rules, ingest validation (wire §3). */

import assert from "node:assert/strict";
import { advertRole, decodePacket, validateAdvert } from "../../src/meshcore/mod.ts";
import type { AdvertPayload, Payload } from "../../src/meshcore/mod.ts";
import { bytes } from "./fixture_util.ts";

const PUB = Array.from({ length: 32 }, (_, i) => i + 1);
const SIG = new Array(64).fill(0x5a);
const enc = (s: string) => [...new TextEncoder().encode(s)];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];

/** Decode an ADVERT with the given appdata; returns the payload. */
function advert(appdata: number[], ts = 1774805580): AdvertPayload {
  const d = decodePacket(bytes(0x11, 0, PUB, le32(ts), SIG, appdata));
  assert.ok(d.valid, d.error ?? "");
  return d.payload as AdvertPayload;
}

Deno.test("appdata: flags, location, features, name, in the reference's field order", () => {
  const p = advert([
    0xf2,
    ...le32(37658604),
    ...le32(-122058554),
    ...le16(7),
    ...le16(9),
    ...enc("R5"),
  ]);
  assert.deepEqual(Object.keys(p), [
    "type",
    "pubKey",
    "timestamp",
    "timestampISO",
    "signature",
    "flags",
    "lat",
    "lon",
    "name",
    "feat1",
    "feat2",
  ]);
  assert.equal(p.pubKey, PUB.map((b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(p.timestampISO, "2026-03-29T17:33:00.000Z");
  assert.deepEqual(p.flags, {
    raw: 0xf2,
    type: 2,
    chat: false,
    repeater: true,
    room: false,
    sensor: false,
    hasLocation: true,
    hasFeat1: true,
    hasFeat2: true,
    hasName: true,
  });
  assert.equal(p.lat, 37.658604);
  assert.equal(p.lon, -122.058554);
  assert.equal(p.feat1, 7);
  assert.equal(p.feat2, 9);
  assert.equal(p.name, "R5");
});

Deno.test("appdata: missing pieces are left out; no flags byte means no flags", () => {
  const bare = advert([]);
  assert.equal(bare.flags, undefined);
  assert.equal(advertRole(bare.flags), "companion");
  const shortLoc = advert([0x12, 1, 2, 3]); // location flag, only 3 bytes
  assert.equal(shortLoc.lat, undefined);
  const noName = advert([0x82]);
  assert.equal(noName.name, undefined);
  const tooShort = decodePacket(bytes(0x11, 0, PUB, le32(1), SIG.slice(0, 63)));
  assert.deepEqual(Object.keys(tooShort.payload!), ["type", "raw", "error"]);
  assert.equal(tooShort.payload!.error, "too short");
});

Deno.test("roles: every type nibble", () => {
  const want = ["none", "companion", "repeater", "room", "sensor"];
  for (let t = 0; t < 16; t++) {
    const p = advert([t]);
    assert.equal(advertRole(p.flags), t < 5 ? want[t] : `type-${t}`);
  }
  assert.equal(advertRole({ type: 7 }), "type-7");
});

Deno.test("name: control characters dropped (TAB/LF kept), DEL dropped, NUL ends it", () => {
  const p = advert([0x81, ...enc("A\u0001B\tC\nD\u007fE\rF"), 0, 0, ...enc("junk")]);
  assert.equal(p.name, "AB\tC\nDEF");
  assert.equal(validateAdvert(p), null);
});

Deno.test("name: cut to 32 bytes at the last whole UTF-8 character", () => {
  assert.equal(advert([0x81, ...enc("x".repeat(40))]).name, "x".repeat(32));
  assert.equal(advert([0x81, ...enc("x".repeat(31) + "é")]).name, "x".repeat(31));
  assert.equal(advert([0x81, ...enc("x".repeat(30) + "é")]).name, "x".repeat(30) + "é");
  assert.equal(advert([0x81, ...enc("x".repeat(29) + "🌳")]).name, "x".repeat(29));
  assert.equal(advert([0x81, ...enc("x".repeat(28) + "🌳")]).name, "x".repeat(28) + "🌳");
  // Cleaning happens before the cut: 10 control bytes do not count.
  const dirty = advert([0x81, ...new Array(10).fill(1), ...enc("y".repeat(32))]);
  assert.equal(dirty.name, "y".repeat(32));
  // Invalid UTF-8 becomes U+FFFD (3 bytes each) before the cut.
  const bad = advert([0x81, ...enc("x".repeat(30)), 0xff]);
  assert.equal(bad.name, "x".repeat(30));
  assert.equal(advert([0x81, ...enc("ab"), 0xff]).name, "ab\ufffd");
});

Deno.test("telemetry: sensor only, after the name, kept within range", () => {
  const sensor = (mv: number, t: number) =>
    advert([0x84, ...enc("S1"), 0, ...le16(mv), ...le16(t & 0xffff)]);
  const ok = sensor(3700, 2150);
  assert.equal(ok.battery_mv, 3700);
  assert.equal(ok.temperature_c, 21.5);
  assert.deepEqual(Object.keys(ok).slice(-3), ["name", "battery_mv", "temperature_c"]);
  assert.equal(sensor(-1250 & 0xffff, -1250).temperature_c, -12.5);
  assert.equal(sensor(0, 0).battery_mv, undefined);
  assert.equal(sensor(10000, 10000).battery_mv, 10000);
  assert.equal(sensor(10000, 10000).temperature_c, 100);
  assert.equal(sensor(10001, 10001).battery_mv, undefined);
  assert.equal(sensor(10001, 10001).temperature_c, undefined);
  assert.equal(sensor(5, -5000).temperature_c, -50);
  assert.equal(sensor(5, -5001).temperature_c, undefined);
  // Not a sensor: the same bytes are ignored.
  const rep = advert([0x82, ...enc("S1"), 0, ...le16(3700), ...le16(2150)]);
  assert.equal(rep.battery_mv, undefined);
  // Fewer than 4 bytes after the name: nothing.
  assert.equal(advert([0x84, ...enc("S1"), 0, 1, 2, 3]).battery_mv, undefined);
  // Several NULs after the name are skipped.
  assert.equal(advert([0x84, ...enc("S1"), 0, 0, 0, ...le16(4000), ...le16(100)]).battery_mv, 4000);
});

Deno.test("validateAdvert: the §3.5 checks", () => {
  const good = advert([0x92, ...le32(37000000), ...le32(-122000000), ...enc("ok")]);
  assert.equal(validateAdvert(good), null);
  const v = (patch: Partial<AdvertPayload>) => validateAdvert({ ...good, ...patch } as Payload);
  assert.equal(validateAdvert(null), "null advert");
  assert.equal(validateAdvert({ type: "ADVERT", raw: "", error: "too short" }), "too short");
  assert.match(validateAdvert({ type: "ACK", extraHash: "00", ackLen: 4 })!, /not an advert/);
  assert.match(v({ pubKey: "abcdef" })!, /pubkey too short/);
  assert.equal(v({ pubKey: "0".repeat(64) }), "pubkey is all zeros");
  assert.match(v({ lat: 90.5 })!, /invalid lat/);
  assert.match(v({ lat: NaN })!, /invalid lat/);
  assert.match(v({ lon: -180.1 })!, /invalid lon/);
  assert.match(v({ lon: Infinity })!, /invalid lon/);
  assert.equal(v({ lat: -90, lon: 180 }), null);
  assert.equal(v({ name: "a\u0000b" }), "name contains control characters");
  assert.equal(v({ name: "a\u001bb" }), "name contains control characters");
  assert.equal(v({ name: "a\u007f" }), "name contains control characters");
  assert.equal(v({ name: "tab\tnew\nline\r" }), null);
  assert.match(v({ name: "é".repeat(33) })!, /name too long \(66 bytes\)/);
  assert.equal(v({ name: "x".repeat(64) }), null);
  // A decoded advert whose coordinates are out of range is decoded but fails validation.
  const far = advert([0x91, ...le32(95000000), ...le32(0), ...enc("far")]);
  assert.equal(far.lat, 95);
  assert.match(validateAdvert(far)!, /invalid lat: 95/);
});
