import assert from "node:assert/strict";
import {
  buildAckPayload,
  buildAdvertPayload,
  buildAnonReqPayload,
  buildGroupTextPayload,
  buildPeerPayload,
  buildTracePayload,
  bytesToHex,
  channelHashByte,
  encodePacket,
  hashtagChannelKey,
  PUBLIC_CHANNEL_KEY,
} from "../../src/meshcore/encode.ts";
import { decodePacket } from "../../src/meshcore/decode.ts";
import { createKeyRing } from "../../src/meshcore/channel_keys.ts";
import { verifyAdvertSignature } from "../../src/meshcore/signature.ts";
import { contentHash } from "../../src/meshcore/content_hash.ts";
import { identityFromSeed } from "../../src/sim/keys.ts";

const payload = buildPeerPayload(0xab, 0x12, Uint8Array.of(1, 2), new Uint8Array(16).fill(7));

Deno.test("encodePacket: flood hops of 1, 2 and 3 bytes decode back", () => {
  for (const size of [1, 2, 3]) {
    const hops = [0, 1, 2].map((i) => new Uint8Array(size).fill(0x10 + i));
    const raw = encodePacket({ routeType: 1, payloadType: 2, hashSize: size, hops, payload });
    const d = decodePacket(raw);
    assert.equal(d.valid, true, d.error ?? "");
    assert.equal(d.header!.routeTypeName, "FLOOD");
    assert.equal(d.header!.payloadTypeName, "TXT_MSG");
    assert.equal(d.path!.hashSize, size);
    assert.deepEqual(d.path!.hops, hops.map((h) => bytesToHex(h).toUpperCase()));
    assert.deepEqual(d.payload, {
      type: "TXT_MSG",
      destHash: "ab",
      srcHash: "12",
      mac: "0102",
      encryptedData: "07".repeat(16),
    });
    assert.equal(d.hash, contentHash(raw));
  }
});

Deno.test("encodePacket: hex hops, transport codes, version bits and zero-hop direct", () => {
  const raw = encodePacket({
    routeType: 0,
    payloadType: 3,
    payloadVersion: 1,
    transportCodes: { code1: "A1B2", code2: "0000" },
    hashSize: 2,
    hops: ["7d1d", "DA2A"],
    payload: buildAckPayload(0xdeadbeef, 1, 9),
  });
  const d = decodePacket(raw);
  assert.equal(d.valid, true, d.error ?? "");
  assert.deepEqual(d.transportCodes, { code1: "A1B2", code2: "0000" });
  assert.equal(d.header!.payloadVersion, 1);
  assert.deepEqual(d.path!.hops, ["7D1D", "DA2A"]);
  assert.equal((d.payload as { extraHash: string }).extraHash, "deadbeef");
  const z = decodePacket(
    encodePacket({
      routeType: 2,
      payloadType: 3,
      hashSize: 1,
      hops: [],
      payload: buildAckPayload(1),
    }),
  );
  assert.equal(z.valid, true);
  assert.equal(z.path!.hashCount, 0);
});

Deno.test("encodePacket: rejects what the firmware would", () => {
  const base = { routeType: 1, payloadType: 2, hashSize: 1, hops: [] as string[], payload };
  assert.throws(() => encodePacket({ ...base, hashSize: 4 }), /hop size 4/);
  assert.throws(() => encodePacket({ ...base, hops: ["AABB"] }), /hop of 2 bytes/);
  assert.throws(
    () => encodePacket({ ...base, hashSize: 2, hops: Array(33).fill("AABB") }),
    /exceeds 64/,
  );
  assert.throws(() => encodePacket({ ...base, hops: Array(64).fill("AA") }), /exceed 63/);
  assert.throws(() => encodePacket({ ...base, payload: new Uint8Array(185) }), /exceeds 184/);
  assert.throws(() => encodePacket({ ...base, routeType: 0 }), /needs transport codes/);
  assert.throws(() => encodePacket({ ...base, routeType: 4 }), /route type 4/);
  assert.throws(() => encodePacket({ ...base, hops: ["zz"] }), /not even-length hex/);
});

Deno.test("buildAdvertPayload: real Ed25519 signature, appdata decodes", async () => {
  const id = await identityFromSeed(new Uint8Array(32).fill(3));
  const adv = await buildAdvertPayload({
    privateKey: id.privateKey,
    publicKey: id.publicKey,
    timestamp: 1_790_000_000,
    role: "repeater",
    lat: 37.765432,
    lon: -122.123456,
    name: "SF Rpt 🌉",
  });
  const raw = encodePacket({
    routeType: 1,
    payloadType: 4,
    hashSize: 1,
    hops: ["AA"],
    payload: adv,
  });
  const d = decodePacket(raw);
  assert.equal(d.valid, true, d.error ?? "");
  const p = d.payload as unknown as Record<string, unknown>;
  assert.equal(p.pubKey, id.keyHex);
  assert.equal(p.timestamp, 1_790_000_000);
  assert.equal(p.lat, 37.765432);
  assert.equal(p.lon, -122.123456);
  assert.equal(p.name, "SF Rpt 🌉");
  assert.equal((p.flags as { raw: number }).raw, 0x92);
  assert.equal(await verifyAdvertSignature(raw), true);
  // One flipped appdata bit must break the signature.
  const bad = raw.slice();
  bad[bad.length - 1] ^= 1;
  assert.equal(await verifyAdvertSignature(bad), false);
});

Deno.test("buildAdvertPayload: sensor telemetry and companion without location", async () => {
  const id = await identityFromSeed(new Uint8Array(32).fill(9));
  const sensor = await buildAdvertPayload({
    privateKey: id.privateKey,
    publicKey: id.publicKey,
    timestamp: 5,
    role: "sensor",
    lat: 37.5,
    lon: -122,
    name: "Creek 3",
    telemetry: { batteryMv: 3912, temperatureC: 21.37 },
  });
  const ds = decodePacket(
    encodePacket({ routeType: 1, payloadType: 4, hashSize: 1, hops: [], payload: sensor }),
  );
  const ps = ds.payload as unknown as Record<string, unknown>;
  assert.equal(ps.battery_mv, 3912);
  assert.equal(ps.temperature_c, 21.37);
  assert.equal(ps.name, "Creek 3");
  const comp = await buildAdvertPayload({
    privateKey: id.privateKey,
    publicKey: id.publicKey,
    timestamp: 5,
    role: "companion",
    name: "Alice",
  });
  const dc = decodePacket(
    encodePacket({ routeType: 1, payloadType: 4, hashSize: 1, hops: [], payload: comp }),
  );
  const pc = dc.payload as unknown as Record<string, unknown>;
  assert.equal((pc.flags as { raw: number }).raw, 0x81);
  assert.equal(pc.lat, undefined);
  await assert.rejects(
    () =>
      buildAdvertPayload({
        privateKey: id.privateKey,
        publicKey: id.publicKey,
        timestamp: 1,
        role: "wizard",
      }),
    /unknown advert role/,
  );
  await assert.rejects(
    () =>
      buildAdvertPayload({
        privateKey: id.privateKey,
        publicKey: id.publicKey,
        timestamp: 1,
        role: 2,
        name: "x".repeat(33),
      }),
    /exceeds 32/,
  );
});

Deno.test("channel keys: hash bytes match the spec examples", () => {
  assert.equal(channelHashByte(PUBLIC_CHANNEL_KEY), 0x11);
  assert.equal(channelHashByte(hashtagChannelKey("#wardriving")), 0x81);
  assert.equal(channelHashByte(hashtagChannelKey("#test")), 0xd9);
  assert.equal(channelHashByte(hashtagChannelKey("bot")), 0xca);
  assert.equal(channelHashByte(hashtagChannelKey("#chat")), 0xb8);
});

Deno.test("buildGroupTextPayload: decrypts with the hashtag key, fails with another", () => {
  const key = hashtagChannelKey("#wardriving");
  const text = "XMD Tag 1: @[MapperBot] 37.82197, -122.26943 [0.3w]";
  const pl = buildGroupTextPayload(key, { timestamp: 1774805359, flags: 0, text });
  assert.equal((pl.length - 3) % 16, 0);
  const raw = encodePacket({
    routeType: 1,
    payloadType: 5,
    hashSize: 1,
    hops: ["11"],
    payload: pl,
  });
  const ring = createKeyRing({ hashChannels: ["#wardriving"] });
  const d = decodePacket(raw, { keyRing: ring });
  assert.deepEqual(d.payload, {
    type: "CHAN",
    channelHash: 0x81,
    channelHashHex: "81",
    decryptionStatus: "decrypted",
    channel: "#wardriving",
    text,
    sender: "XMD Tag 1",
    sender_timestamp: 1774805359,
  });
  assert.equal(d.channelHash, "#wardriving");
  const other = decodePacket(raw, { keyRing: createKeyRing({ hashChannels: ["#test"] }) });
  assert.equal(
    (other.payload as { decryptionStatus: string }).decryptionStatus,
    "decryption_failed",
  );
  // A text that fills whole blocks has no NUL terminator and still decodes.
  const exact = buildGroupTextPayload(PUBLIC_CHANNEL_KEY, {
    timestamp: 1,
    flags: 0,
    text: "a".repeat(27),
  });
  const de = decodePacket(
    encodePacket({ routeType: 1, payloadType: 5, hashSize: 1, hops: [], payload: exact }),
    {
      keyRing: createKeyRing({}),
    },
  );
  assert.equal((de.payload as { text: string }).text, "a".repeat(27));
  assert.throws(
    () => buildGroupTextPayload(new Uint8Array(15), { timestamp: 1, flags: 0, text: "x" }),
    /16/,
  );
  assert.throws(
    () => buildGroupTextPayload(key, { timestamp: 1, flags: 0, text: "x".repeat(180) }),
    /exceeds 184/,
  );
});

Deno.test("TRACE, ANON_REQ and ACK payloads decode as built", () => {
  const trace = buildTracePayload(0x01020304, 0x0a0b0c0d, 1, ["AABB", "CCDD", "AABB"]);
  const raw = encodePacket({
    routeType: 2,
    payloadType: 9,
    hashSize: 1,
    hops: [Uint8Array.of(12)],
    payload: trace,
  });
  const d = decodePacket(raw);
  assert.equal(d.valid, true, d.error ?? "");
  assert.deepEqual(d.path!.hops, ["AABB", "CCDD", "AABB"]);
  assert.equal(d.path!.hashSize, 2);
  assert.equal(d.path!.hopsCompleted, 1);
  assert.deepEqual((d.payload as { snrValues: number[] }).snrValues, [3]);
  assert.throws(() => buildTracePayload(1, 2, 0, ["AABB"]), /flags say 1/);
  const anon = buildAnonReqPayload(
    0x44,
    new Uint8Array(32).fill(5),
    Uint8Array.of(9, 9),
    new Uint8Array(16),
  );
  const da = decodePacket(
    encodePacket({ routeType: 1, payloadType: 7, hashSize: 1, hops: [], payload: anon }),
  );
  assert.equal((da.payload as { destHash: string }).destHash, "44");
  assert.equal((da.payload as { ephemeralPubKey: string }).ephemeralPubKey, "05".repeat(32));
  assert.equal(buildAckPayload(1).length, 4);
  assert.equal(buildAckPayload(1, 2).length, 5);
  assert.equal(buildAckPayload(1, 2, 3).length, 6);
  assert.throws(() => buildAckPayload(1, undefined, 3), /needs an attempt/);
});
