import assert from "node:assert/strict";
import { IngestCounters } from "../../src/ingest/counters.ts";
import { type ParseContext, parseMqttMessage } from "../../src/ingest/messages.ts";
import { Logger } from "../../src/log/logger.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function setup(level: "debug" | "info" = "info") {
  let now = Date.UTC(2026, 4, 17, 12, 0, 0);
  const lines: string[] = [];
  const logger = new Logger(level, (l) => lines.push(l), () => now);
  const counters = new IngestCounters({ logger, logIntervalMs: 60_000, now: () => now });
  const ctx: ParseContext = {
    source: { name: "a" },
    observerBlacklist: new Set(["BAD"]),
    iataWhitelist: null,
    maxBytes: 1024,
    nowMs: now,
  };
  return {
    counters,
    lines,
    ctx,
    advance: (ms: number) => (now += ms),
    feed: (source: string, topic: string, payload: unknown) =>
      counters.record(source, parseMqttMessage(topic, enc(payload), ctx)),
  };
}

Deno.test("counters: accepted by kind, drops by reason, class and source", () => {
  const t = setup();
  t.feed("a", "meshcore/SJC/OBS/packets", { raw: "0011" });
  t.feed("a", "meshcore/SJC/OBS/packets", { raw: "0011" });
  t.feed("a", "meshcore/SJC/OBS/status", { origin: "o" });
  t.feed("b", "meshcore/SJC/OBS/packets", { raw: "zz" });
  t.feed("b", "meshcore/SJC/OBS/packets", { nothing: 1 });
  t.feed("b", "meshcore/status", { x: 1 });
  t.feed("b", "meshcore/SJC/BAD/packets", { raw: "00" });
  const s = t.counters.snapshot();
  assert.equal(s.received, 7);
  assert.equal(s.accepted, 3);
  assert.deepEqual(s.acceptedByKind, {
    packet: 2,
    status: 1,
    channel: 0,
    direct: 0,
    "client-rx": 0,
  });
  assert.equal(s.dropped, 4);
  assert.deepEqual([s.errors, s.ignored, s.filtered], [2, 1, 1]);
  assert.equal(s.byReason["bad-hex"], 1);
  assert.equal(s.byReason["missing-raw"], 1);
  assert.equal(s.byReason["ignored-topic"], 1);
  assert.equal(s.byReason.blacklisted, 1);
  assert.equal(s.byReason.oversize, 0, "every reason is present, zero-filled");
  assert.deepEqual(s.bySource.a, {
    received: 3,
    accepted: 3,
    dropped: 0,
    ignored: 0,
    filtered: 0,
    errors: 0,
    byReason: {},
  });
  assert.equal(s.bySource.b.received, 4);
  assert.deepEqual(s.bySource.b.byReason, {
    "bad-hex": 1,
    "missing-raw": 1,
    "ignored-topic": 1,
    blacklisted: 1,
  });
  // snapshots are copies
  s.bySource.b.byReason["bad-hex"] = 99;
  assert.equal(t.counters.snapshot().bySource.b.byReason["bad-hex"], 1);
});

Deno.test("counters: a drop reason is logged once per interval, with the suppressed count", () => {
  const t = setup();
  for (let i = 0; i < 100; i++) t.feed("a", "meshcore/SJC/OBS/packets", { raw: "abc" });
  t.feed("a", "meshcore/SJC/OBS/packets", "not an object");
  assert.equal(t.lines.length, 2, t.lines.join("\n"));
  assert.match(t.lines[0], /WARN {2}MQTT message dropped: bad-hex source="a"/);
  assert.match(t.lines[1], /not-object/);
  t.advance(30_000);
  t.feed("a", "meshcore/SJC/OBS/packets", { raw: "abc" });
  assert.equal(t.lines.length, 2, "still inside the interval");
  t.advance(30_001);
  t.feed("a", "meshcore/SJC/OBS/packets", { raw: "abc" });
  assert.equal(t.lines.length, 3);
  assert.match(t.lines[2], /bad-hex .*suppressed=100/);
  assert.equal(t.counters.snapshot().byReason["bad-hex"], 102);
});

Deno.test("counters: ignored topics log at debug, filtered at info", () => {
  const quiet = setup("info");
  quiet.feed("a", "meshcore/status", {});
  quiet.feed("a", "meshcore/SJC/BAD/packets", { raw: "00" });
  assert.equal(quiet.lines.length, 1);
  assert.match(quiet.lines[0], /INFO {2}MQTT message dropped: blacklisted/);
  const loud = setup("debug");
  loud.feed("a", "meshcore/status", {});
  assert.match(loud.lines[0], /DEBUG MQTT message dropped: ignored-topic/);
});

Deno.test("counters: message rates over 1 and 5 minutes", () => {
  const t = setup();
  assert.deepEqual(t.counters.snapshot().rates, {
    received1m: 0,
    received5m: 0,
    accepted1m: 0,
    accepted5m: 0,
  });
  // 10 messages per second for 120 s: 5 good, 5 bad
  for (let sec = 0; sec < 120; sec++) {
    for (let i = 0; i < 5; i++) t.feed("a", "meshcore/SJC/OBS/packets", { raw: "00" });
    for (let i = 0; i < 5; i++) t.feed("a", "meshcore/SJC/OBS/packets", { raw: "0" });
    t.advance(1000);
  }
  t.advance(-1000); // look at the last second that received traffic
  let r = t.counters.snapshot().rates;
  assert.equal(r.received1m, 10);
  assert.equal(r.accepted1m, 5);
  assert.equal(r.received5m, 10, "divides by the uptime while it is under 5 minutes");
  // 4 quiet minutes later the 1-minute rate is 0 and the 5-minute one has decayed
  t.advance(240_000);
  r = t.counters.snapshot().rates;
  assert.equal(r.received1m, 0);
  assert.equal(r.received5m, (60 * 10) / 300);
  // after more than 5 quiet minutes everything is gone
  t.advance(400_000);
  assert.equal(t.counters.snapshot().rates.received5m, 0);
});

Deno.test("counters: handler errors are counted and logged once per interval", () => {
  const t = setup();
  for (let i = 0; i < 5; i++) t.counters.handlerError("a", new Error(`db locked ${i}`));
  assert.equal(t.counters.snapshot().handlerErrors, 5);
  assert.equal(t.lines.length, 1);
  assert.match(t.lines[0], /ERROR ingest handler failed source="a" error="db locked 0"/);
});
