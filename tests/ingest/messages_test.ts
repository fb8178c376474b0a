import assert from "node:assert/strict";
import { validateStatusFields } from "../../src/ingest/validate.ts";
import {
  type CompanionChannelMessage,
  type CompanionDirectMessage,
  type IngestMessage,
  type IngestRejection,
  type PacketMessage,
  type ParseContext,
  parseMqttMessage,
  parseObserverTimestamp,
  type StatusMessage,
  toBool,
  toNumber,
  toUpperSet,
} from "../../src/ingest/messages.ts";

const OBS_A = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90";
const OBS_B = "0011223344556677889900112233445566778899001122334455667788990011";
const RAW = "1100AABBCCDDEEFF";
const NOW = Date.UTC(2026, 4, 17, 18, 0, 0);

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

function ctx(over: Partial<ParseContext> = {}): ParseContext {
  return {
    source: { name: "local" },
    observerBlacklist: new Set(),
    iataWhitelist: null,
    maxBytes: 4096,
    nowMs: NOW,
    ...over,
  };
}

function parse(topic: string, payload: unknown, c: ParseContext = ctx()) {
  return parseMqttMessage(topic, payload instanceof Uint8Array ? payload : enc(payload), c);
}

function expectKind<K extends IngestMessage["kind"]>(
  r: IngestMessage | IngestRejection,
  kind: K,
): Extract<IngestMessage, { kind: K }> {
  assert.equal(r.kind, kind, `expected ${kind}, got ${JSON.stringify(r)}`);
  return r as Extract<IngestMessage, { kind: K }>;
}

function expectReject(r: IngestMessage | IngestRejection, reason: IngestRejection["reason"]) {
  assert.equal(r.kind, "rejected", `expected rejection ${reason}, got ${JSON.stringify(r)}`);
  assert.equal((r as IngestRejection).reason, reason, (r as IngestRejection).detail);
  return r as IngestRejection;
}

Deno.test("messages: meshcoretomqtt packet with numeric strings and a naive timestamp", () => {
  const topic = `meshcore/SJC/${OBS_A}/packets`;
  const p: PacketMessage = expectKind(
    parse(topic, {
      origin: "Obs One",
      origin_id: OBS_A,
      timestamp: "2026-05-17T11:00:00.123456",
      type: "PACKET",
      direction: "rx",
      SNR: "12.5",
      RSSI: "-60",
      score: "1000",
      raw: RAW,
    }),
    "packet",
  );
  assert.deepEqual(p, {
    kind: "packet",
    raw: RAW,
    observerId: OBS_A,
    observerName: "Obs One",
    iata: "SJC",
    snr: 12.5,
    rssi: -60,
    score: 1000,
    direction: "rx",
    observerTimestamp: Date.UTC(2026, 4, 17, 11, 0, 0, 123),
    observerTimestampNaive: true,
    source: "local",
    topic,
    receivedAtMs: NOW,
  });
});

Deno.test("messages: SNR/RSSI/score/direction aliases; the primary name wins when it parses", () => {
  const t = `meshcore/SJC/${OBS_A}/packets`;
  const lower = expectKind(
    parse(t, { raw: RAW, snr: -3.25, rssi: -101, Score: 7, Direction: "tx" }),
    "packet",
  );
  assert.deepEqual([lower.snr, lower.rssi, lower.score, lower.direction], [-3.25, -101, 7, "tx"]);
  const both = expectKind(parse(t, { raw: RAW, SNR: 5, snr: 7, score: 1, Score: 2 }), "packet");
  assert.deepEqual([both.snr, both.score], [5, 1]);
  const fallback = expectKind(parse(t, { raw: RAW, SNR: "abc", snr: "3" }), "packet");
  assert.equal(fallback.snr, 3);
  const junk = expectKind(
    parse(t, { raw: RAW, SNR: true, RSSI: [1], score: "", direction: 5 }),
    "packet",
  );
  assert.deepEqual([junk.snr, junk.rssi, junk.score, junk.direction], [null, null, null, null]);
  const none = expectKind(parse(t, { raw: RAW }), "packet");
  assert.deepEqual([none.observerName, none.observerTimestamp], [null, null]);
});

Deno.test("messages: region overrides the topic IATA; the source region fills a missing one", () => {
  const over = expectKind(
    parse(`meshcore/SJC/${OBS_A}/packets`, { raw: RAW, region: "PDX" }),
    "packet",
  );
  assert.equal(over.iata, "PDX");
  const c = ctx({ source: { name: "s", region: "SEA" } });
  const fill = expectKind(parse("feed", { raw: RAW, origin_id: OBS_B }, c), "packet");
  assert.equal(fill.iata, "SEA");
  assert.equal(fill.observerId, OBS_B, "origin_id stands in for a missing topic observer");
  const topicWins = expectKind(parse(`meshcore/SJC/${OBS_A}/packets`, { raw: RAW }, c), "packet");
  assert.equal(topicWins.iata, "SJC");
});

Deno.test("messages: raw has spaces/CR/LF stripped and keeps its case", () => {
  const p = expectKind(
    parse(`meshcore/SJC/${OBS_A}/packets`, { raw: "11 00 aa\r\nBB cc" }),
    "packet",
  );
  assert.equal(p.raw, "1100aaBBcc");
});

Deno.test("messages: oversize is checked before JSON.parse", () => {
  const c = ctx({ maxBytes: 64 });
  const big = enc({ raw: "00".repeat(64) });
  expectReject(parse(`meshcore/SJC/${OBS_A}/packets`, big, c), "oversize");
  // not JSON either, but the size check comes first
  expectReject(parse("meshcore/SJC/X/packets", "x".repeat(65), c), "oversize");
  const exact = enc({ raw: "00".repeat(21) });
  assert.equal(exact.byteLength, 52);
  expectKind(parse("meshcore/SJC/X/packets", exact, ctx({ maxBytes: 52 })), "packet");
});

Deno.test("messages: bad input - non-JSON payloads", () => {
  const t = `meshcore/SJC/${OBS_A}/packets`;
  for (const bad of ["hello", "", '{"raw":', "{raw: '00'}", "online"]) {
    expectReject(parse(t, bad), "not-json");
  }
  const r = expectReject(parse(t, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), "not-json");
  assert.match(r.detail, /invalid UTF-8/);
  for (const bad of ["42", "[1,2]", "null", '"00ff"', "true"]) {
    expectReject(parse(t, bad), "not-object");
  }
});

Deno.test("messages: bad input - missing raw", () => {
  const t = `meshcore/SJC/${OBS_A}/packets`;
  expectReject(parse(t, { origin: "x", SNR: 3 }), "missing-raw");
  expectReject(parse(t, { raw: "" }), "missing-raw");
  expectReject(parse(t, { raw: null }), "missing-raw");
  expectReject(parse(`meshcore/SJC/${OBS_A}/raw`, { raw: null }), "missing-raw");
});

Deno.test("messages: bad input - bad hex", () => {
  const t = `meshcore/SJC/${OBS_A}/packets`;
  assert.match(expectReject(parse(t, { raw: "ABC" }), "bad-hex").detail, /odd length 3/);
  assert.match(expectReject(parse(t, { raw: "00zz" }), "bad-hex").detail, /offset 2/);
  expectReject(parse(t, { raw: "0x1234" }), "bad-hex");
  expectReject(parse(t, { raw: " \r\n " }), "bad-hex");
  expectReject(parse(t, { raw: "00\t11" }), "bad-hex");
  expectReject(parse(t, { raw: 1234 }), "bad-hex");
  expectReject(parse(t, { raw: ["00"] }), "bad-hex");
  const long = expectReject(parse(t, { raw: "A".repeat(301) }), "bad-hex");
  assert.ok(long.detail.length < 120, "the detail quotes a short excerpt only");
});

Deno.test("messages: bad input - unknown topics", () => {
  expectReject(parse(`meshcore/SJC/${OBS_A}/debug`, { message: "hi" }), "unknown-topic");
  expectReject(parse("something/else", { a: 1 }), "unknown-topic");
  // companion topic without an id
  expectReject(parse("meshcore/message/channel/", { text: "hi" }), "unknown-topic");
});

Deno.test("messages: check 2 - broker topics are ignored, but only after the JSON check", () => {
  expectReject(parse("meshcore/status", { raw: RAW }), "ignored-topic");
  expectReject(parse("meshcore/events/connection", { status: "up" }), "ignored-topic");
  expectReject(parse("meshcore/status", "online"), "not-json");
});

Deno.test("messages: check 3 - blacklist (any case) drops packets and status", () => {
  const c = ctx({ observerBlacklist: toUpperSet([OBS_A.toLowerCase()]) });
  expectReject(parse(`meshcore/SJC/${OBS_A}/packets`, { raw: RAW }, c), "blacklisted");
  expectReject(parse(`meshcore/SJC/${OBS_A}/status`, { origin: "x" }, c), "blacklisted");
  expectReject(parse("feed", { raw: RAW, origin_id: OBS_A }, c), "blacklisted");
  expectKind(parse(`meshcore/SJC/${OBS_B}/packets`, { raw: RAW }, c), "packet");
  // blacklist wins over a whitelist miss (it is checked first)
  const both = ctx({ ...c, iataWhitelist: toUpperSet(["PDX"]) });
  expectReject(parse(`meshcore/SJC/${OBS_A}/packets`, { raw: RAW }, both), "blacklisted");
});

Deno.test("messages: check 3 - IATA whitelist drops packets and status from other regions", () => {
  const c = ctx({ iataWhitelist: toUpperSet(["sjc", "PDX"]) });
  expectKind(parse(`meshcore/SJC/${OBS_A}/packets`, { raw: RAW }, c), "packet");
  expectKind(parse(`meshcore/pdx/${OBS_A}/packets`, { raw: RAW }, c), "packet");
  expectReject(parse(`meshcore/LAX/${OBS_A}/packets`, { raw: RAW }, c), "iata-not-whitelisted");
  expectReject(parse(`meshcore/LAX/${OBS_A}/status`, { origin: "o" }, c), "iata-not-whitelisted");
  // the whitelist checks the topic IATA, not the payload region
  expectReject(
    parse(`meshcore/LAX/${OBS_A}/packets`, { raw: RAW, region: "SJC" }, c),
    "iata-not-whitelisted",
  );
  // an empty whitelist means "all"
  const empty = ctx({ iataWhitelist: new Set() });
  expectKind(parse(`meshcore/LAX/${OBS_A}/packets`, { raw: RAW }, empty), "packet");
  // companion topics carry no IATA, so the whitelist does not apply
  expectKind(parse("meshcore/message/channel/0", { text: "a: b" }, c), "channel");
});

Deno.test("messages: checks 4 and 5 - status is registered even outside the source IATA filter", () => {
  const c = ctx({ source: { name: "s", iataFilter: ["sjc"] } });
  expectKind(parse(`meshcore/SJC/${OBS_A}/packets`, { raw: RAW }, c), "packet");
  expectReject(parse(`meshcore/LAX/${OBS_A}/packets`, { raw: RAW }, c), "iata-filtered");
  const st = expectKind(parse(`meshcore/LAX/${OBS_A}/status`, { origin: "far" }, c), "status");
  assert.equal(st.iata, "LAX");
  // a status topic wins over a raw field (check 4 before check 6)
  expectKind(parse(`meshcore/SJC/${OBS_A}/status`, { raw: RAW }, c), "status");
  // companion messages pass the filter
  expectKind(parse("meshcore/message/direct/abc", { text: "hi" }, c), "direct");
});

Deno.test("messages: status fields from stats{} or the top level, units and aliases", () => {
  const topic = `meshcore/SJC/${OBS_A}/status`;
  const st: StatusMessage = expectKind(
    parse(topic, {
      status: "online",
      origin: "Hilltop",
      model: "Heltec V3",
      firmware_version: "v1.9.0",
      clientVersion: "meshcoretomqtt/1.0.7",
      radio: "910.525,62.5,7,5",
      repeat: "on",
      uptime_secs: 999,
      stats: {
        battery_mv: "4012.6",
        uptime_secs: 86400,
        noise_floor: "-110dBm",
        tx_air_secs: "12s",
        rx_air_secs: 345.4,
        recv_errors: "3",
        packets_sent: 10,
        packets_recv: "2000",
      },
    }),
    "status",
  );
  assert.deepEqual(st, {
    kind: "status",
    observerId: OBS_A,
    iata: "SJC",
    name: "Hilltop",
    model: "Heltec V3",
    firmware: "v1.9.0",
    clientVersion: "meshcoretomqtt/1.0.7",
    radio: "910.525,62.5,7,5",
    batteryMv: 4013,
    uptimeSecs: 86400,
    noiseFloor: -110,
    txAirSecs: 12,
    rxAirSecs: 345,
    recvErrors: 3,
    packetsSent: 10,
    packetsRecv: 2000,
    canRelay: true,
    source: "local",
    topic,
    receivedAtMs: NOW,
  });
  const top = expectKind(
    parse(topic, { firmware: "a", firmware_version: "b", battery_mv: 3700, noise_floor: -98.5 }),
    "status",
  );
  assert.deepEqual([top.firmware, top.batteryMv, top.noiseFloor], ["a", 3700, -98.5]);
  assert.deepEqual([top.name, top.model, top.canRelay, top.uptimeSecs], [null, null, null, null]);
  const bad = expectKind(parse(topic, { stats: "oops", noise_floor: "loud" }), "status");
  assert.equal(bad.noiseFloor, null);
});

Deno.test("messages: status repeat flag variants", () => {
  const topic = `meshcore/SJC/${OBS_A}/status`;
  const cases: [unknown, boolean | null][] = [
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    [2, true],
    ["on", true],
    ["off", false],
    ["true", true],
    ["false", false],
    ["1", true],
    ["0", false],
    ["yes", true],
    ["no", false],
    [" On ", true],
    ["NO", false],
    ["maybe", null],
    ["", null],
    [null, null],
    [{}, null],
  ];
  for (const [repeat, want] of cases) {
    const st = expectKind(parse(topic, { repeat }), "status");
    assert.equal(st.canRelay, want, `repeat=${JSON.stringify(repeat)}`);
  }
  assert.equal(expectKind(parse(topic, {}), "status").canRelay, null);
});

Deno.test("messages: check 7 - companion channel messages", () => {
  const topic = "meshcore/message/channel/3";
  const ch: CompanionChannelMessage = expectKind(
    parse(topic, { text: "Alice: hello mesh", sender_timestamp: 1747500000, SNR: "6.5" }),
    "channel",
  );
  assert.equal(ch.observerId, "companion");
  assert.equal(ch.channelIdx, "3");
  assert.equal(ch.channelHash, "ch3");
  assert.equal(ch.text, "Alice: hello mesh");
  assert.equal(ch.sender, "Alice");
  assert.equal(ch.senderTimestamp, 1747500000);
  assert.equal(ch.snr, 6.5);
  const idx = expectKind(parse(topic, { text: "no sender here", channel_idx: 5 }), "channel");
  assert.deepEqual([idx.channelIdx, idx.channelHash, idx.sender], ["5", "ch5", null]);
  const named = expectKind(parse(topic, { text: "x: y", sender: "Bob" }), "channel");
  assert.equal(named.sender, "Bob");
  expectReject(parse(topic, { channel_idx: 3 }), "missing-text");
  expectReject(parse(topic, { text: "" }), "missing-text");
  // a raw field makes it a packet (check 6 before 7), with no observer
  const p = expectKind(parse(topic, { text: "a: b", raw: RAW }), "packet");
  assert.deepEqual([p.observerId, p.iata], [null, null]);
});

Deno.test("messages: check 8 - companion direct messages", () => {
  const dm: CompanionDirectMessage = expectKind(
    parse("meshcore/message/direct/abc123", { text: "Carol: ping", rssi: -90 }),
    "direct",
  );
  assert.deepEqual(
    [dm.observerId, dm.peerId, dm.text, dm.sender, dm.rssi],
    ["companion", "abc123", "Carol: ping", "Carol", -90],
  );
  expectReject(parse("meshcore/message/direct/abc123", { msg: "x" }), "missing-text");
});

Deno.test("messages: check 1 - client receptions only when RX coverage is on", () => {
  const topic = `meshcore/client/${OBS_B}/packets`;
  const body = { raw: RAW, gps: { lat: "37.5", lon: -122.1, acc_m: 8 }, SNR: 4 };
  const on = ctx({ clientRxCoverage: true, iataWhitelist: toUpperSet(["SJC"]) });
  const rx = expectKind(parse(topic, body, on), "client-rx");
  assert.deepEqual([rx.clientKey, rx.raw, rx.lat, rx.lon, rx.accM, rx.snr], [
    OBS_B,
    RAW,
    37.5,
    -122.1,
    8,
    4,
  ]);
  expectReject(parse(topic, { raw: RAW }, on), "missing-gps");
  expectReject(parse(topic, { raw: RAW, gps: { lat: 99, lon: 0 } }, on), "missing-gps");
  expectReject(parse(topic, { gps: body.gps }, on), "missing-raw");
  expectReject(parse(topic, { raw: "0", gps: body.gps }, on), "bad-hex");
  // off: the topic follows the normal layout (IATA "client") and check 6 applies
  const off = expectKind(parse(topic, body), "packet");
  assert.deepEqual([off.iata, off.observerId], ["client", OBS_B]);
});

Deno.test("messages: value parsers", () => {
  assert.equal(toNumber(" -110 dBm "), -110);
  assert.equal(toNumber("4.2e1"), 42);
  assert.equal(toNumber("3700mV"), 3700);
  assert.equal(toNumber("12 secs"), 12);
  for (const bad of ["", " ", "abc", "1.2.3", "0x10", "12 apples", "Infinity", "NaN", null, {}]) {
    assert.equal(toNumber(bad), null, JSON.stringify(bad));
  }
  assert.equal(toNumber(Number.NaN), null);
  assert.equal(toBool("YES"), true);
  assert.equal(toBool(Number.NaN), null);

  const utc = Date.UTC(2026, 4, 16, 10, 0, 0);
  assert.deepEqual(parseObserverTimestamp("2026-05-16T10:00:00Z"), { ms: utc, naive: false });
  assert.deepEqual(parseObserverTimestamp("2026-05-16T12:00:00+02:00"), { ms: utc, naive: false });
  assert.deepEqual(parseObserverTimestamp("2026-05-16T05:30:00-0430"), { ms: utc, naive: false });
  assert.deepEqual(parseObserverTimestamp("2026-05-16 10:00:00"), { ms: utc, naive: true });
  assert.deepEqual(parseObserverTimestamp(utc / 1000), { ms: utc, naive: false });
  assert.deepEqual(parseObserverTimestamp(utc), { ms: utc, naive: false });
  assert.deepEqual(parseObserverTimestamp(String(utc / 1000)), { ms: utc, naive: false });
  for (const bad of ["yesterday", "2026-13-01T00:00:00", "2026-05-16T25:00:00", -5, 0, {}, null]) {
    assert.deepEqual(parseObserverTimestamp(bad), { ms: null, naive: false }, String(bad));
  }
});

Deno.test("messages: random payloads and topics never throw", () => {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const topics = [
    `meshcore/SJC/${OBS_A}/packets`,
    `meshcore/SJC/${OBS_A}/status`,
    "meshcore/message/channel/1",
    "meshcore/message/direct/x",
    "meshcore/status",
    "meshcore/client/k/packets",
    "",
    "/",
    "a//b///",
  ];
  const pieces = ['{"raw":"', "00", "zz", '"', "}", '{"text":', "[", "]", ",", "null", "1e999"];
  const c = ctx({ clientRxCoverage: true, source: { name: "f", iataFilter: ["SJC"] } });
  for (let i = 0; i < 3000; i++) {
    let s = "";
    const n = Math.floor(rnd() * 8);
    for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
    const bytes = rnd() < 0.1
      ? Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256))
      : enc(s);
    const r = parseMqttMessage(topics[i % topics.length], bytes, c);
    assert.equal(typeof r.kind, "string");
  }
});

Deno.test("messages: text fields are trimmed (a capture's radio ends in \\r); a control character inside is refused", () => {
  const topic = `meshcore/SJC/${OBS_A}/status`;
  const st: StatusMessage = expectKind(
    parse(topic, { origin: "  Hilltop ", radio: "910.5250244,62.5,7,5\r", model: "V3\r\n" }),
    "status",
  );
  assert.equal(st.radio, "910.5250244,62.5,7,5");
  assert.equal(st.name, "Hilltop");
  assert.equal(st.model, "V3");
  // Inside a value a control character stays, and the ingest boundary refuses the message.
  const bad: StatusMessage = expectKind(parse(topic, { origin: "Hill\rtop" }), "status");
  assert.equal(validateStatusFields(bad)?.reason, "bad-text");
  assert.equal(validateStatusFields(st), null);
});
