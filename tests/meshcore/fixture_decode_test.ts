/**
 * Decode every raw packet of the reference fixture and compare with the stored
 * `decoded_json`, field by field. Deliberate differences are listed below with
 * their reason, and the exact set of differing rows is asserted.
 */

import assert from "node:assert/strict";
import { decodePacket } from "../../src/meshcore/mod.ts";
import type { DecodedPacket } from "../../src/meshcore/mod.ts";
import { fixtureKeyRing, type FixtureRow, fixtureRows } from "./fixture_util.ts";

type Json = Record<string, unknown>;

/**
 * Rows whose stored decode is stale (wire §8.1): 7 TRACE rows hold
 * `{"error":"too short"}` and id 429 an obsolete field layout; hopwatch
 * re-derives TRACE from raw_hex (tag, authCode, flags, payload hops).
 */
const STALE_TRACE = [363, 364, 367, 370, 372, 374, 375, 429];
/**
 * CONTROL rows stored as `UNKNOWN` by a reference that did not decode CONTROL;
 * they are repeater DISCOVER_RESP frames with 32-byte keys (wire §8.1).
 */
const CONTROL_AS_UNKNOWN = [117, 295, 296, 297];
/**
 * Public-channel messages stored with channel `public`: the stored name
 * predates the reference's casing normalisation; hopwatch emits `Public`
 * (wire §5, §8.1). Only `channel` (and the channel_hash column) differ.
 */
const PUBLIC_CASING = [78, 179, 262, 283, 310, 336, 356, 358, 416, 481, 487, 496, 498];
/**
 * Path byte 0x65 (37 hops × 2 bytes = 74 > MAX_PATH_SIZE 64): the reference
 * of the fixture stored it; the current contract rejects it (wire §1.3).
 */
const OVERSIZE_PATH = [465];

/** The payload of a decoded packet as a plain JSON object. */
function pj(d: DecodedPacket): Json {
  return d.payload as unknown as Json;
}

/** Keys hopwatch adds that the fixture's older reference did not write. */
const ALLOWED_EXTRA_FLAG_KEYS = new Set(["hasFeat1", "hasFeat2"]);

/** Field-by-field differences between a stored payload and ours. */
function payloadDiffs(stored: Json, ours: Json | null): string[] {
  if (ours === null) return ["<no payload>"];
  const out: string[] = [];
  for (const k of Object.keys(stored)) {
    if (!(k in ours)) {
      out.push(`missing ${k}`);
      continue;
    }
    if (k === "flags") {
      const sf = stored.flags as Json;
      const of = ours.flags as Json;
      for (const fk of Object.keys(sf)) if (sf[fk] !== of?.[fk]) out.push(`flags.${fk}`);
      for (const fk of Object.keys(of ?? {})) {
        if (!(fk in sf) && !ALLOWED_EXTRA_FLAG_KEYS.has(fk)) out.push(`extra flags.${fk}`);
      }
      continue;
    }
    try {
      assert.deepStrictEqual(ours[k], stored[k]);
    } catch {
      out.push(k);
    }
  }
  for (const k of Object.keys(ours)) if (!(k in stored)) out.push(`extra ${k}`);
  return out;
}

/** Every difference of one row (payload, header columns, channel hash, from_pubkey). */
function rowDiffs(r: FixtureRow, d: DecodedPacket): string[] {
  if (!d.valid) return [`invalid: ${d.error}`];
  const out = payloadDiffs(JSON.parse(r.decoded_json), pj(d));
  if (d.header?.routeType !== r.route_type) out.push("route_type");
  if (d.header?.payloadType !== r.payload_type) out.push("payload_type");
  if ((d.channelHash ?? null) !== r.channel_hash) out.push("channel_hash column");
  if (r.payload_type === 4 && pj(d)?.pubKey !== r.from_pubkey) {
    out.push("from_pubkey column");
  }
  return out;
}

function decodeAll(): Map<number, { row: FixtureRow; d: DecodedPacket; diffs: string[] }> {
  const ring = fixtureKeyRing();
  const out = new Map<number, { row: FixtureRow; d: DecodedPacket; diffs: string[] }>();
  for (const row of fixtureRows()) {
    const d = decodePacket(row.raw_hex, { keyRing: ring });
    out.set(row.id, { row, d, diffs: rowDiffs(row, d) });
  }
  return out;
}

Deno.test("fixture: every row decodes as stored, except the listed deliberate differences", () => {
  const all = decodeAll();
  assert.equal(all.size, 499);
  const differing = [...all.values()].filter((x) => x.diffs.length > 0).map((x) => x.row.id);
  const expected = [...STALE_TRACE, ...CONTROL_AS_UNKNOWN, ...PUBLIC_CASING, ...OVERSIZE_PATH]
    .sort((a, b) => a - b);
  assert.deepEqual(differing.sort((a, b) => a - b), expected);
  // Everything else matched field by field; make sure that was a real comparison.
  const matched = [...all.values()].filter((x) => x.diffs.length === 0);
  assert.equal(matched.length, 499 - expected.length);
  const fieldsCompared = matched.reduce(
    (n, x) => n + Object.keys(JSON.parse(x.row.decoded_json)).length,
    0,
  );
  assert.ok(fieldsCompared > 2500, `compared ${fieldsCompared} fields`);
});

Deno.test("fixture: stale TRACE rows re-derive from raw_hex", () => {
  const all = decodeAll();
  for (const id of STALE_TRACE) {
    const { row, d } = all.get(id)!;
    assert.ok(d.valid, `${id}`);
    const p = pj(d);
    assert.equal(p.type, "TRACE");
    assert.equal(typeof p.tag, "number");
    const stored = JSON.parse(row.decoded_json);
    if (stored.error) {
      assert.equal(stored.raw, row.raw_hex.slice(d.payloadOffset * 2).toLowerCase());
    }
    assert.equal(d.path!.hopsCompleted, parseInt(row.raw_hex.slice(2, 4), 16) & 0x3f);
  }
  const t363 = all.get(363)!.d;
  assert.deepEqual(t363.path, { hashSize: 1, hashCount: 1, hops: ["27"], hopsCompleted: 1 });
  assert.deepEqual(pj(t363).snrValues, [3.75]);
  assert.equal(t363.anomaly, undefined);
  const t429 = all.get(429)!.d;
  assert.equal(pj(t429).tag, 0x4a838994 >>> 0);
  assert.deepEqual(t429.path!.hops, ["3F", "70", "3F"]);
});

Deno.test("fixture: CONTROL rows stored as UNKNOWN are DISCOVER_RESP with 32-byte keys", () => {
  const all = decodeAll();
  for (const id of CONTROL_AS_UNKNOWN) {
    const { row, d } = all.get(id)!;
    const stored = JSON.parse(row.decoded_json);
    const p = pj(d);
    assert.equal(stored.type, "UNKNOWN");
    assert.equal(p.type, "CONTROL");
    assert.equal(p.raw, stored.raw);
    assert.equal(p.ctrlSubtype, "DISCOVER_RESP");
    assert.equal(p.ctrlNodeType, 2);
    assert.equal((p.ctrlPubKey as string).length, 64);
    assert.equal(p.ctrlLength, 38);
  }
});

Deno.test("fixture: Public rows differ only in channel casing", () => {
  const all = decodeAll();
  for (const id of PUBLIC_CASING) {
    const { row, d, diffs } = all.get(id)!;
    assert.deepEqual(diffs, ["channel", "channel_hash column"], `${id}`);
    assert.equal(JSON.parse(row.decoded_json).channel, "public");
    assert.equal(pj(d).channel, "Public");
    assert.equal(row.channel_hash, "public");
    assert.equal(d.channelHash, "Public");
  }
});

Deno.test("fixture: row 465 (37 hops of 2 bytes) is rejected with reason and offset", () => {
  const { d } = decodeAll().get(465)!;
  assert.equal(d.valid, false);
  assert.match(d.error!, /^Cannot decode packet "D665EBB4.*": path too long .* at offset 1$/);
  assert.equal(d.header?.payloadVersion, 3);
});

Deno.test("fixture: counts of spec §8.1", () => {
  const all = [...decodeAll().values()];
  const byType: Record<string, number> = {};
  for (const { d } of all) {
    const n = d.header!.payloadTypeName;
    byType[n] = (byType[n] ?? 0) + 1;
  }
  assert.deepEqual(byType, {
    GRP_TXT: 166,
    ADVERT: 102,
    RESPONSE: 78,
    REQ: 60,
    TXT_MSG: 44,
    PATH: 20,
    ANON_REQ: 17,
    TRACE: 8,
    CONTROL: 4,
  });
  const sizes = [0, 0, 0, 0];
  let floodZero = 0;
  let directZero = 0;
  for (const { row } of all) {
    const pb = parseInt(row.raw_hex.slice(2, 4), 16);
    sizes[pb >> 6]++;
    if ((pb & 0x3f) === 0) row.route_type === 1 ? floodZero++ : directZero++;
  }
  assert.deepEqual(sizes, [461, 37, 1, 0]);
  assert.deepEqual([floodZero, directZero], [31, 103]);
  const roles: Record<string, number> = {};
  for (const { d } of all) {
    const p = pj(d);
    if (p?.type !== "ADVERT") continue;
    const t = (p.flags as Json).type as number;
    roles[t] = (roles[t] ?? 0) + 1;
  }
  assert.deepEqual(roles, { 1: 6, 2: 87, 3: 9 });
  for (const { row, d } of all) if (d.valid) assert.equal(d.raw, row.raw_hex.toUpperCase());
});

Deno.test("reference golden vectors", () => {
  const txt = decodePacket("0A00D69FD7A5A7475DB07337749AE61FA53A4788E976");
  assert.equal(txt.header?.payloadTypeName, "TXT_MSG");
  assert.equal(txt.header?.routeTypeName, "DIRECT");
  assert.deepEqual(txt.path, { hashSize: 0, hashCount: 0, hops: [] });
  assert.equal(pj(txt).destHash, "d6");
  assert.equal(pj(txt).srcHash, "9f");

  const adv = decodePacket(
    "120046D62DE27D4C5194D7821FC5A34A45565DCC2537B300B9AB6275255CEFB65D840CE5C169C94C9AED39E8BC" +
      "B6CB6EB0335497A198B33A1A610CD3B03D8DCFC160900E5244280323EE0B44CACAB8F02B5B38B91CFA18BD067B" +
      "0B5E63E94CFC85F758A8530B9240933402E0E6B8F84D5252322D52",
  );
  const ap = pj(adv);
  assert.equal(ap.pubKey, "46d62de27d4c5194d7821fc5a34a45565dcc2537b300b9ab6275255cefb65d84");
  assert.equal(ap.name, "MRR2-R");
  assert.ok(Math.abs((ap.lat as number) - 37) < 0.001);
  assert.equal((ap.flags as Json).repeater, true);

  const uni = decodePacket(
    "120073CFF971E1CB5754A742C152B2D2E0EB108A19B246D663ED8898A72C4A5AD86EA6768E66694B025EDF6939" +
      "D5C44CFF719C5D5520E5F06B20680A83AD9C2C61C3227BBB977A85EE462F3553445FECF8EDD05C234ECE21727" +
      "2E503F14D6DF2B1B9B133890C923CDF3002F8FDC1F85045414BF09F8CB3",
  );
  assert.equal(pj(uni).name, "PEAK🌳");

  const tr = decodePacket("2604302D0D2359FEE7B100000000006733D63367");
  assert.deepEqual(tr.path, {
    hashSize: 1,
    hashCount: 5,
    hops: ["67", "33", "D6", "33", "67"],
    hopsCompleted: 4,
  });
  assert.deepEqual(pj(tr).snrValues, [12, 11.25, 3.25, 8.75]);
});
