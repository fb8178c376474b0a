/**
 * Unit tests of the health aggregates: the status metrics range checks, the
 * bounded metrics series (merge, order, retention, bytes), range reads
 * (downsampling cap, reboots), the clock-skew definitions, and the
 * `observer_metrics` retention step of `runRetention` on a real database.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  checkStatusMetrics,
  type StatusMetricFields,
} from "../../src/ingest/status_metrics_check.ts";
import { MetricsSeries } from "../../src/store/metrics_series.ts";
import { readRange, summarize } from "../../src/store/metrics_query.ts";
import {
  classifySkew,
  driftPerDay,
  recentVerdict,
  type SkewPoint,
} from "../../src/store/clock_skew_math.ts";
import { ClockSkewTracker, MAX_HASHES } from "../../src/store/clock_skew.ts";
import { openDatabase } from "../../src/db/database.ts";
import { runRetention } from "../../src/db/maintenance.ts";

const NONE: StatusMetricFields = {
  noiseFloor: null,
  txAirSecs: null,
  rxAirSecs: null,
  recvErrors: null,
  batteryMv: null,
  packetsSent: null,
  packetsRecv: null,
};

Deno.test("checkStatusMetrics refuses garbage and empty messages, keeps good ones", () => {
  assert.equal(checkStatusMetrics(NONE).reason, "no-metrics");
  assert.equal(checkStatusMetrics({ ...NONE, noiseFloor: NaN }).reason, "no-metrics");
  for (const nf of [-151, 0.5, 50, -9999]) {
    const r = checkStatusMetrics({ ...NONE, noiseFloor: nf, batteryMv: 3900 });
    assert.equal(r.reason, "noise-floor-range", String(nf));
    assert.equal(r.point, null);
    assert.equal(r.clean.noiseFloor, null);
    assert.equal(r.clean.batteryMv, 3900, "the good field survives in clean");
  }
  assert.equal(checkStatusMetrics({ ...NONE, rxAirSecs: -1 }).reason, "negative-airtime");
  assert.equal(checkStatusMetrics({ ...NONE, packetsRecv: -1 }).reason, "negative-counter");
  assert.equal(checkStatusMetrics({ ...NONE, batteryMv: 99_999 }).reason, "battery-range");
  for (const nf of [-150, 0, -112.5]) {
    const ok = checkStatusMetrics({ ...NONE, noiseFloor: nf, txAirSecs: 0 });
    assert.equal(ok.reason, null);
    assert.equal(ok.point?.noiseFloor, nf);
  }
});

Deno.test("MetricsSeries merges a bucket, keeps time order and applies retention", () => {
  const day = 86_400_000;
  const now = Date.parse("2026-05-17T12:00:00Z");
  const m = new MetricsSeries(30);
  m.add("ABC", now - 1000, { ...NONE, noiseFloor: -100 });
  m.add("abc", now - 500, { ...NONE, batteryMv: 3700 }); // same 300 s bucket, other case
  m.add("ABC", now - 40 * day, { ...NONE, noiseFloor: -90 }); // out of order, beyond 30 days
  m.add("ABC", now - 3 * day, { ...NONE, noiseFloor: -95 });
  const s = m.get("aBc")!;
  assert.equal(s.id, "ABC");
  assert.ok(s.time(0) < s.time(1));
  assert.equal(s.length, 3);
  assert.equal(s.value(0, s.length - 1), -100);
  assert.equal(s.value(4, s.length - 1), 3700, "merged into the same point");
  const bytes = m.bytes();
  assert.ok(bytes > 0);
  assert.equal(m.prune(now), 1, "the 40-day-old point goes");
  assert.equal(s.length, 2);
  m.prune(now + 31 * day);
  assert.equal(m.get("abc"), undefined, "an emptied series is dropped");
  assert.equal(m.bytes(), 0);
});

Deno.test("readRange caps the points, flags reboots, summarize picks the latest", () => {
  const m = new MetricsSeries(0);
  const start = Date.parse("2026-05-01T00:00:00Z");
  let tx = 0;
  for (let i = 0; i < 30 * 288; i++) {
    if (i === 5000) tx = 0;
    tx += 3;
    m.add("O", start + i * 300_000, { ...NONE, noiseFloor: -110 + (i % 5), txAirSecs: tx });
  }
  const s = m.get("O")!;
  const t0 = start / 1000, t1 = t0 + 30 * 86_400;
  for (const max of [500, 100, 20]) {
    const r = readRange(s, t0, t1, 300, max);
    assert.ok(r.metrics.length <= max, `${r.metrics.length} > ${max}`);
    assert.ok(r.metrics.length >= max / 4);
  }
  const raw = readRange(s, t0 + 4990 * 300, t0 + 5010 * 300, 300);
  assert.equal(raw.metrics.length, 21);
  assert.equal(raw.reboots.length, 1);
  assert.equal(raw.metrics.find((x) => x.is_reboot_sample)?.tx_airtime_pct, null);
  assert.equal(raw.metrics[1].tx_airtime_pct, 1);
  const sum = summarize(s, t1 - 86_400)!;
  assert.equal(sum.sample_count, 288);
  assert.ok(sum.sparkline.length <= 96);
  assert.equal(summarize(s, t1 + 1), null);
});

Deno.test("clock skew thresholds, recent verdict and drift", () => {
  assert.equal(classifySkew(299), "ok");
  assert.equal(classifySkew(300), "warning");
  assert.equal(classifySkew(3600), "critical");
  assert.equal(classifySkew(30 * 86_400), "absurd");
  assert.equal(classifySkew(365 * 86_400), "no_clock");
  // One RTC reset among good samples does not flip the verdict.
  const pts: SkewPoint[] = [0, 1, 2, 3].map((k) => ({ ts: 1000 + k * 600, skew: 2 }));
  pts.push({ ts: 4000, skew: -700 * 86_400 });
  const v = recentVerdict(pts, 0);
  assert.equal(v.severity, "ok");
  assert.equal(v.recentSampleCount, 4);
  // 10 s per day of drift, with a one-off 1-hour correction jump ignored.
  const drift: SkewPoint[] = [];
  for (let k = 0; k < 48; k++) drift.push({ ts: k * 3600, skew: (k * 3600 * 10) / 86_400 });
  drift.splice(20, 0, { ts: 20 * 3600 + 5, skew: 3600 });
  assert.equal(Math.round(driftPerDay(drift)), 10);
});

Deno.test("ClockSkewTracker bounds adverts per node and ignores impossible timestamps", () => {
  const c = new ClockSkewTracker();
  assert.equal(c.record("AA", "h0", 12345, "O1", Date.now()), false, "before 2020");
  assert.equal(c.record("AA", "h0", "x", "O1", Date.now()), false);
  const t = Date.parse("2026-05-17T00:00:00Z");
  for (let i = 0; i < MAX_HASHES + 20; i++) {
    c.record("aa", `h${i}`, t / 1000 + i, "O1", t + i * 1000);
  }
  const n = c.node("AA", t)!;
  assert.equal(n.samples!.length, MAX_HASHES);
  assert.equal(n.severity, "ok");
  assert.ok(c.bytes() > 0);
  assert.equal(c.node("BB", t), null);
});

Deno.test("runRetention deletes observer_metrics older than metricsDays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-metrics-ret-" });
  try {
    const hdb = openDatabase(`${dir}/m.db`, { log: () => {} });
    const ins = hdb.db.prepare(
      "INSERT INTO observer_metrics (observer_id, timestamp, noise_floor) VALUES (?, ?, ?)",
    );
    ins.run("O", "2026-03-01T00:00:00Z", -100);
    ins.run("O", "2026-05-10T00:00:00Z", -101);
    const now = new Date("2026-05-17T00:00:00Z");
    const r = await runRetention(hdb.db, { metricsDays: 30, now });
    assert.equal(r.metricsDeleted, 1);
    assert.equal(r.cutoffs.metrics, "2026-04-17T00:00:00Z");
    const left = hdb.db.prepare("SELECT COUNT(*) AS n FROM observer_metrics").get()!.n;
    assert.equal(left, 1);
    const off = await runRetention(hdb.db, { now });
    assert.equal(off.metricsDeleted, 0, "no metricsDays: nothing deleted");
    hdb.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fastMedian agrees with a sorting median", async () => {
  const { fastMedian } = await import("../../src/store/clock_skew.ts");
  const { median } = await import("../../src/store/clock_skew_math.ts");
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let n = 1; n < 300; n += 7) {
    const xs = Array.from({ length: n }, () => Math.floor(rnd() * 50) - 25);
    assert.equal(fastMedian(xs.slice()), median(xs), `n=${n}`);
  }
  assert.equal(fastMedian([]), 0);
});

Deno.test("advertTimestamp reads the sender clock of every fixture advert like the decoder", async () => {
  const { advertTimestamp } = await import("../../src/store/health_store.ts");
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(
    new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url).pathname,
    { readOnly: true },
  );
  const rows = db.prepare(
    "SELECT raw_hex, decoded_json FROM transmissions WHERE payload_type = 4",
  ).all();
  db.close();
  assert.ok(rows.length > 50);
  for (const r of rows) {
    const want = JSON.parse(String(r.decoded_json)).timestamp;
    assert.equal(advertTimestamp(String(r.raw_hex)), want, String(r.raw_hex).slice(0, 40));
  }
  assert.equal(advertTimestamp("1100"), null, "too short");
  assert.equal(advertTimestamp("zz"), null);
});

Deno.test("ClockSkewTracker.warm (sliced) leaves the same fleet as a direct computation", async () => {
  const t = Date.parse("2026-05-17T00:00:00Z");
  const feed = (c: ClockSkewTracker) => {
    for (let n = 0; n < 150; n++) {
      const pk = n.toString(16).padStart(64, "0");
      for (let i = 0; i < 6; i++) {
        for (let o = 0; o < 4; o++) {
          // Observer o runs o*7 s late; node n's clock is n s ahead.
          c.record(pk, `h${n}-${i}`, t / 1000 + i * 600 + n, `O${o}`, t + i * 600_000 + o * 7000);
        }
      }
    }
  };
  const direct = new ClockSkewTracker();
  feed(direct);
  const warmed = new ClockSkewTracker();
  feed(warmed);
  await warmed.warm(t + 3_600_000, 0.001);
  assert.deepEqual(warmed.fleet(t + 3_600_000), direct.fleet(t + 3_600_000));
  assert.deepEqual(warmed.observerCalibrations(t), direct.observerCalibrations(t));
  assert.equal(direct.fleet(t + 3_600_000).length, 150);
});
