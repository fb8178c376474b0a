/** Unit tests for each payload type (wire §2, §4). */

import assert from "node:assert/strict";
import { decodePacket, TRACE_NON_DIRECT_ANOMALY } from "../../src/meshcore/mod.ts";
import type { DecodedPacket } from "../../src/meshcore/mod.ts";
import { bytes } from "./fixture_util.ts";

/** Decode a FLOOD zero-hop packet of payload type `type`. */
function flood(type: number, payload: number[] | Uint8Array): DecodedPacket {
  return decodePacket(bytes((type << 2) | 1, 0, payload));
}
/** The payload of a FLOOD packet, as a plain record. */
const payloadOf = (type: number, p: number[]) =>
  flood(type, p).payload as unknown as Record<string, unknown>;

Deno.test("REQ / RESPONSE / TXT_MSG: fields and the too-short form", () => {
  for (const [t, name] of [[0, "REQ"], [1, "RESPONSE"], [2, "TXT_MSG"]] as const) {
    assert.deepEqual(payloadOf(t, [0xd6, 0x9f, 0xd7, 0xa5, 0xa7, 0x47]), {
      type: name,
      destHash: "d6",
      srcHash: "9f",
      mac: "d7a5",
      encryptedData: "a747",
    });
    assert.deepEqual(payloadOf(t, [1, 2, 3]), { type: name, raw: "010203", error: "too short" });
    assert.equal(payloadOf(t, [1, 2, 3, 4]).type, name);
  }
});

Deno.test("ACK: 4, 5 and 6 bytes; longer is capped at ackLen 6", () => {
  assert.deepEqual(payloadOf(3, [0x78, 0x56, 0x34, 0x12]), {
    type: "ACK",
    extraHash: "12345678",
    ackLen: 4,
  });
  assert.deepEqual(payloadOf(3, [0x78, 0x56, 0x34, 0x12, 2]), {
    type: "ACK",
    extraHash: "12345678",
    ackLen: 5,
    ackAttempt: 2,
  });
  assert.deepEqual(payloadOf(3, [0x78, 0x56, 0x34, 0x12, 2, 0xee]), {
    type: "ACK",
    extraHash: "12345678",
    ackLen: 6,
    ackAttempt: 2,
    ackRand: 0xee,
  });
  const seven = payloadOf(3, [0, 0, 0, 0x80, 1, 2, 3]);
  assert.equal(seven.ackLen, 6);
  assert.equal(seven.extraHash, "80000000");
  assert.deepEqual(payloadOf(3, [1, 2, 3]), { type: "ACK", raw: "010203", error: "too short" });
});

Deno.test("ANON_REQ and PATH", () => {
  const key = Array.from({ length: 32 }, (_, i) => i);
  assert.deepEqual(payloadOf(7, [0xad, ...key, 0x85, 0x04, 0xb6, 0x58]), {
    type: "ANON_REQ",
    destHash: "ad",
    mac: "8504",
    encryptedData: "b658",
    ephemeralPubKey: key.map((b) => b.toString(16).padStart(2, "0")).join(""),
  });
  assert.equal(payloadOf(7, new Array(34).fill(1)).error, "too short");
  assert.deepEqual(payloadOf(8, [0xb4, 0x2e, 0x5b, 0xaf, 0xd9, 0x6f]), {
    type: "PATH",
    destHash: "b4",
    srcHash: "2e",
    mac: "5baf",
    pathData: "d96f",
  });
  assert.equal(payloadOf(8, [1, 2, 3]).error, "too short");
});

Deno.test("MULTIPART: inner ACK of 4/5/6 bytes, other inner payloads", () => {
  assert.deepEqual(payloadOf(10, [0x23, 0x78, 0x56, 0x34, 0x12]), {
    type: "MULTIPART",
    remaining: 2,
    innerType: 3,
    innerTypeName: "ACK",
    innerAckCrc: "12345678",
    innerAckLen: 4,
  });
  assert.deepEqual(payloadOf(10, [0x13, 0x78, 0x56, 0x34, 0x12, 7, 9]), {
    type: "MULTIPART",
    remaining: 1,
    innerType: 3,
    innerTypeName: "ACK",
    innerAckCrc: "12345678",
    innerAckLen: 6,
    innerAckAttempt: 7,
    innerAckRand: 9,
  });
  const five = payloadOf(10, [0x03, 1, 2, 3, 4, 5]);
  assert.equal(five.innerAckLen, 5);
  assert.equal(five.innerAckAttempt, 5);
  assert.equal(five.innerAckRand, undefined);
  assert.deepEqual(payloadOf(10, [0xf2, 0xaa, 0xbb]), {
    type: "MULTIPART",
    remaining: 15,
    innerType: 2,
    innerTypeName: "TXT_MSG",
    innerPayload: "aabb",
  });
  // An inner ACK shorter than its CRC keeps the bytes as innerPayload.
  assert.equal((payloadOf(10, [0x03, 1, 2])).innerPayload, "0102");
  assert.deepEqual(payloadOf(10, [0x0c]), {
    type: "MULTIPART",
    remaining: 0,
    innerType: 12,
    innerTypeName: "UNKNOWN",
  });
  assert.deepEqual(payloadOf(10, []), { type: "MULTIPART", raw: "", error: "too short" });
});

Deno.test("CONTROL: DISCOVER_RESP with 32-byte key or 8-byte prefix", () => {
  const key = Array.from({ length: 32 }, (_, i) => 0xa0 + (i & 0x0f));
  const full = payloadOf(11, [0x92, 0xf4, 0x78, 0x56, 0x34, 0x12, ...key]);
  assert.deepEqual(full, {
    type: "CONTROL",
    raw: "92f478563412" + key.map((b) => b.toString(16)).join(""),
    ctrlFlags: "92",
    ctrlZeroHop: true,
    ctrlLength: 38,
    ctrlSubtype: "DISCOVER_RESP",
    ctrlNodeType: 2,
    ctrlSNR: -12,
    ctrlTag: 0x12345678,
    ctrlPubKey: key.map((b) => b.toString(16)).join(""),
  });
  const prefix = payloadOf(11, [0x93, 8, 1, 0, 0, 0, ...key.slice(0, 10)]);
  assert.equal(prefix.ctrlPubKey, key.slice(0, 8).map((b) => b.toString(16)).join(""));
  assert.equal(prefix.ctrlNodeType, 3);
  const noKey = payloadOf(11, [0x92, 8, 1, 0, 0, 0, 1, 2, 3, 4]);
  assert.equal(noKey.ctrlPubKey, undefined);
  assert.equal(noKey.ctrlTag, 1);
  const bare = payloadOf(11, [0x94, 8]);
  assert.equal(bare.ctrlSubtype, "DISCOVER_RESP");
  assert.equal(bare.ctrlNodeType, 4);
  assert.equal(bare.ctrlSNR, undefined);
});

Deno.test("CONTROL: DISCOVER_REQ, UNKNOWN subtype, too short", () => {
  assert.deepEqual(payloadOf(11, [0x80, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]), {
    type: "CONTROL",
    raw: "80040102030405060708",
    ctrlFlags: "80",
    ctrlZeroHop: true,
    ctrlLength: 10,
    ctrlSubtype: "DISCOVER_REQ",
    ctrlFilter: 4,
    ctrlTag: 0x04030201,
    ctrlSince: 0x08070605,
  });
  const noSince = payloadOf(11, [0x81, 0x02, 1, 0, 0, 0, 9]);
  assert.equal(noSince.ctrlTag, 1);
  assert.equal(noSince.ctrlSince, undefined);
  const shortReq = payloadOf(11, [0x80, 1, 2]);
  assert.equal(shortReq.ctrlFilter, undefined);
  assert.deepEqual(payloadOf(11, [0x21]), {
    type: "CONTROL",
    raw: "21",
    ctrlFlags: "21",
    ctrlZeroHop: false,
    ctrlLength: 1,
    ctrlSubtype: "UNKNOWN",
  });
  assert.deepEqual(payloadOf(11, []), { type: "CONTROL", raw: "", error: "too short" });
});

Deno.test("RAW_CUSTOM and unlisted types", () => {
  assert.deepEqual(payloadOf(15, [0xab, 1]), {
    type: "RAW_CUSTOM",
    raw: "ab01",
    rawLength: 2,
    firstByteTag: "AB",
  });
  assert.deepEqual(payloadOf(15, []), { type: "RAW_CUSTOM", raw: "", rawLength: 0 });
  for (const t of [12, 13, 14]) assert.deepEqual(payloadOf(t, [1]), { type: "UNKNOWN", raw: "01" });
});

Deno.test("TRACE: fixture id 363 gives SNR 3.75 dB and payload hop 27", () => {
  const d = decodePacket("26010FBA74E45D000000000027");
  assert.deepEqual(d.payload, {
    type: "TRACE",
    pathData: "27",
    snrValues: [3.75],
    tag: 0x5de474ba,
    authCode: 0,
    traceFlags: 0,
  });
  assert.deepEqual(d.path, { hashSize: 1, hashCount: 1, hops: ["27"], hopsCompleted: 1 });
  assert.equal(d.anomaly, undefined);
});

Deno.test("TRACE: hop size from flags, remainder ignored, negative SNR, anomalies", () => {
  // flags 1 -> 2-byte hops; 5 route bytes -> 2 hops, 1 byte ignored
  const d = decodePacket("2602F0E4" + "01000000" + "02000000" + "01" + "AABBCCDDEE");
  assert.deepEqual(d.path, { hashSize: 2, hashCount: 2, hops: ["AABB", "CCDD"], hopsCompleted: 2 });
  assert.deepEqual((d.payload as { snrValues: number[] }).snrValues, [-4, -7]);
  const f3 = decodePacket("2600" + "01000000" + "02000000" + "03" + "00112233445566778899");
  assert.deepEqual(f3.path!.hops, ["0011223344556677"]);
  assert.equal(f3.path!.hashSize, 8);
  // FLOOD TRACE is flagged.
  const fl = decodePacket("2500" + "01000000" + "02000000" + "00" + "27");
  assert.equal(fl.anomaly, TRACE_NON_DIRECT_ANOMALY);
  // Too short: error form, anomaly, and no SNR bytes as hops.
  const short = decodePacket("26030A0B0C" + "0100000002");
  assert.deepEqual(short.payload, { type: "TRACE", raw: "0100000002", error: "too short" });
  assert.equal(short.anomaly, "TRACE payload decode failed: too short");
  assert.deepEqual(short.path, { hashSize: 1, hashCount: 0, hops: [], hopsCompleted: 3 });
  // No route bytes: empty hops, never the SNR bytes.
  const none = decodePacket("26020A0B" + "01000000" + "02000000" + "00");
  assert.deepEqual(none.path, { hashSize: 1, hashCount: 0, hops: [], hopsCompleted: 2 });
  assert.deepEqual((none.payload as { snrValues: number[] }).snrValues, [2.5, 2.75]);
  // Two-byte header path entries are not SNR bytes: no snrValues.
  const wide = decodePacket("26410A0B" + "01000000" + "02000000" + "00" + "27");
  assert.equal((wide.payload as { snrValues?: number[] }).snrValues, undefined);
  assert.equal(wide.path!.hopsCompleted, 1);
});
