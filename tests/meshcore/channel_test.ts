/** Channel keys and GRP_TXT / GRP_DATA decryption (wire §5). */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  bytesToHex,
  channelHashByte,
  createKeyRing,
  decodePacket,
  deriveHashtagKey,
  hexToBytes,
  PUBLIC_CHANNEL_KEY_HEX,
  splitSender,
} from "../../src/meshcore/mod.ts";
import type { DecodedPacket, KeyRing } from "../../src/meshcore/mod.ts";
import {
  bytes,
  channelPayload,
  fixtureKeyRing,
  fixtureRows,
  prng,
  rainbow,
  textPlain,
} from "./fixture_util.ts";

type Json = Record<string, unknown>;
const pj = (d: DecodedPacket) => d.payload as unknown as Json;
const grpRows = () => fixtureRows().filter((r) => r.payload_type === 5);

/** Per-channel count of decrypted GRP_TXT in the fixture with a ring. */
function decryptCounts(ring: KeyRing): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of grpRows()) {
    const p = pj(decodePacket(r.raw_hex, { keyRing: ring }));
    if (p?.type === "CHAN") counts[p.channel as string] = (counts[p.channel as string] ?? 0) + 1;
  }
  return counts;
}

const EXPECTED = { "#test": 35, "#wardriving": 17, "#bot": 14, Public: 13, "#chat": 2 };

Deno.test("81 of 166 fixture GRP_TXT decrypt with Public + rainbow keys", () => {
  assert.equal(grpRows().length, 166);
  const counts = decryptCounts(fixtureKeyRing());
  assert.deepEqual(counts, EXPECTED);
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 81);
});

Deno.test("decrypted channel hash byte equals SHA-256(key)[0]", () => {
  const rb = rainbow();
  const keyOf = (name: string) => name === "Public" ? PUBLIC_CHANNEL_KEY_HEX : rb[name];
  for (const r of grpRows()) {
    const p = pj(decodePacket(r.raw_hex, { keyRing: fixtureKeyRing() }));
    if (p?.type !== "CHAN") continue;
    const key = hexToBytes(keyOf(p.channel as string))!;
    const h = createHash("sha256").update(key).digest()[0];
    assert.equal(p.channelHash, h);
    assert.equal(p.channelHashHex, h.toString(16).toUpperCase().padStart(2, "0"));
  }
  const hb = (n: string) => channelHashByte(hexToBytes(keyOf(n))!);
  assert.deepEqual(
    ["Public", "#wardriving", "#test", "#bot", "#chat"].map(hb),
    [0x11, 0x81, 0xd9, 0xca, 0xb8],
  );
});

Deno.test("hashtag keys derive from SHA-256 of the name including '#'", () => {
  const rb = rainbow();
  const names = Object.keys(rb);
  assert.equal(names.length, 297);
  let derived = 0;
  for (const name of names) {
    if (!name.startsWith("#")) continue;
    assert.equal(bytesToHex(deriveHashtagKey(name)), rb[name], name);
    derived++;
  }
  assert.equal(derived, 296);
  assert.equal(rb.Public, PUBLIC_CHANNEL_KEY_HEX);
  assert.deepEqual(deriveHashtagKey("wardriving"), deriveHashtagKey("#wardriving"));
});

Deno.test("unrelated keys never yield text, with or without tryAllKeys", () => {
  const rnd = prng(7);
  const keys: Record<string, string> = {};
  for (let i = 0; i < 64; i++) {
    keys[`k${i}`] = bytesToHex(Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256)));
  }
  for (const tryAllKeys of [false, true]) {
    const ring = createKeyRing({ channelKeys: keys, includePublic: false, tryAllKeys });
    assert.equal(ring.all.length, 64);
    for (const r of grpRows()) {
      const d = decodePacket(r.raw_hex, { keyRing: ring });
      if (r.id === 465) { // rejected: 74 path bytes (see fixture_decode_test)
        assert.equal(d.valid, false);
        continue;
      }
      const p = pj(d);
      assert.equal(p.type, "GRP_TXT");
      assert.equal(p.decryptionStatus, "decryption_failed");
      assert.equal(p.text, undefined);
      assert.match(d.channelHash!, /^enc_[0-9A-F]{2}$/);
    }
  }
});

Deno.test("tryAllKeys finds a key whose hash byte does not match, and adds no false positives", () => {
  assert.deepEqual(decryptCounts(fixtureKeyRing({ tryAllKeys: true })), EXPECTED);
  const row = grpRows().find((r) => r.channel_hash === "#test")!;
  const b = hexToBytes(row.raw_hex)!;
  const po = 2 + (b[1] & 0x3f) * ((b[1] >> 6) + 1);
  assert.equal(b[po], 0xd9);
  b[po] = 0x00; // wrong channel hash byte, same MAC and ciphertext
  const plain = pj(decodePacket(b, { keyRing: fixtureKeyRing() }));
  assert.equal(plain.decryptionStatus, "decryption_failed");
  const all = decodePacket(b, { keyRing: fixtureKeyRing({ tryAllKeys: true }) });
  assert.equal(pj(all).channel, "#test");
  assert.equal(pj(all).channelHash, 0);
  assert.equal(all.channelHash, "#test");
});

Deno.test("no key ring: no_key; short ciphertext is never attempted", () => {
  const r = grpRows().find((x) => x.channel_hash === "#wardriving")!;
  const d = decodePacket(r.raw_hex);
  assert.equal(pj(d).decryptionStatus, "no_key");
  assert.equal(d.channelHash, "enc_81");
  const empty = createKeyRing({ includePublic: false });
  assert.equal(pj(decodePacket(r.raw_hex, { keyRing: empty })).decryptionStatus, "no_key");
  // 4-byte ciphertext: below the attempt gate even with keys.
  const short = decodePacket("1500" + "11AABB" + "00112233", { keyRing: fixtureKeyRing() });
  assert.equal(pj(short).decryptionStatus, "no_key");
  const tooShort = decodePacket("15001122", { keyRing: fixtureKeyRing() });
  assert.deepEqual(tooShort.payload, { type: "GRP_TXT", raw: "1122", error: "too short" });
  assert.equal(tooShort.channelHash, "enc_11");
});

Deno.test("key precedence: channelKeys > hashChannels > rainbow > built-in Public", () => {
  const testKey = bytesToHex(deriveHashtagKey("#test"));
  const ring = createKeyRing({
    rainbow: { "#test": testKey, Public: PUBLIC_CHANNEL_KEY_HEX },
    hashChannels: ["test", "#bot"],
    channelKeys: { "My Test": testKey, broken: "xyz" },
  });
  assert.deepEqual(ring.byHash[0xd9].map((k) => [k.name, k.source]), [
    ["My Test", "channelKeys"],
    ["#test", "hashChannels"],
  ]);
  assert.deepEqual(ring.byHash[0x11].map((k) => k.source), ["rainbow"]);
  assert.equal(ring.rejected.length, 1);
  const row = grpRows().find((r) => r.channel_hash === "#test")!;
  assert.equal(pj(decodePacket(row.raw_hex, { keyRing: ring })).channel, "My Test");
  assert.equal(createKeyRing({}).all.length, 1);
  assert.equal(createKeyRing({ includePublic: false }).all.length, 0);
});

const KEY = deriveHashtagKey("#hopwatch");
const HB = channelHashByte(KEY);
const ring = createKeyRing({ hashChannels: ["#hopwatch"], includePublic: false });
const grp = (plain: Uint8Array, type = 5) =>
  decodePacket(bytes((type << 2) | 1, 0, channelPayload(KEY, HB, plain)), { keyRing: ring });

Deno.test("acceptance: valid UTF-8, at most 2 non-printable characters", () => {
  const ok = pj(grp(textPlain(1700000000, "alice: hi\tthere\r\u0001")));
  assert.equal(ok.type, "CHAN");
  assert.equal(ok.text, "alice: hi\tthere\r\u0001");
  assert.equal(ok.sender, "alice");
  assert.equal(ok.sender_timestamp, 1700000000);
  assert.equal(ok.channel, "#hopwatch");
  const three = pj(grp(textPlain(1, "x\u0001\u0002\u0003")));
  assert.equal(three.decryptionStatus, "decryption_failed");
  const fffd = pj(grp(textPlain(1, "a\ufffd\ufffd\ufffdb")));
  assert.equal(fffd.decryptionStatus, "decryption_failed");
  const bad = pj(grp(textPlain(1, new Uint8Array([0x41, 0xc3, 0x28]))));
  assert.equal(bad.decryptionStatus, "decryption_failed");
  const nul = pj(grp(textPlain(5, bytes(new TextEncoder().encode("bob: yo"), 0, 0x01, 0x02, 3))));
  assert.equal(nul.text, "bob: yo");
  const emoji = pj(grp(textPlain(5, "🦦x: 👽")));
  assert.equal(emoji.sender, "🦦x");
});

Deno.test("sender split rules", () => {
  assert.deepEqual(splitSender("bob: hi"), { sender: "bob", message: "hi" });
  assert.deepEqual(splitSender(": hi"), { sender: null, message: ": hi" });
  assert.deepEqual(splitSender("a:b: hi"), { sender: null, message: "a:b: hi" });
  assert.deepEqual(splitSender("[x]: hi"), { sender: null, message: "[x]: hi" });
  assert.deepEqual(splitSender("no separator"), { sender: null, message: "no separator" });
  const s49 = "x".repeat(49);
  assert.equal(splitSender(`${s49}: hi`).sender, s49);
  assert.equal(splitSender(`${"x".repeat(50)}: hi`).sender, null);
  // byte index counts UTF-8 bytes: 17 × 3 bytes = 51 > 49
  assert.equal(splitSender(`${"€".repeat(17)}: hi`).sender, null);
  assert.equal(splitSender(`${"€".repeat(16)}: hi`).sender, "€".repeat(16));
  const noSender = pj(grp(textPlain(9, "[bot]: status")));
  assert.equal(noSender.sender, undefined);
  assert.equal(noSender.text, "[bot]: status");
});

Deno.test("GRP_DATA: inner dataType/dataLen/blob, and its errors", () => {
  const ok = pj(grp(bytes(0x34, 0x12, 3, 0xaa, 0xbb, 0xcc), 6));
  assert.deepEqual(ok, {
    type: "GRP_DATA",
    channelHash: HB,
    channelHashHex: HB.toString(16).toUpperCase().padStart(2, "0"),
    decryptionStatus: "decrypted",
    channel: "#hopwatch",
    dataType: 0x1234,
    dataLen: 3,
    decryptedBlob: "aabbcc",
  });
  const over = pj(grp(bytes(1, 0, 200), 6));
  assert.equal(over.error, "inner data_len exceeds buffer");
  assert.equal(over.dataLen, 200);
  const d = decodePacket(bytes(0x19, 0, channelPayload(KEY, HB, bytes(1, 0, 1, 7))));
  assert.equal(pj(d).decryptionStatus, "no_key");
  assert.equal(pj(d).type, "GRP_DATA");
  assert.equal(d.channelHash, null);
});
