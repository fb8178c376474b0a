/**
 * Contract tests of the health endpoints over the fixture database with
 * metrics rows added (`health_fixture.ts`) and adverts with known clock skew
 * ingested through the real pipeline: CoreScope's field names and types, the
 * definitions (deltas, reboots, severities, calibration), garbage status
 * messages refused and counted, and a 400/404 for every bad parameter.
 *
 * @module
 */

import assert from "node:assert/strict";
import { localPacketMessage } from "../../src/ingest/messages.ts";
import type { StatusMessage } from "../../src/ingest/message_types.ts";
import { getJson } from "./helpers.ts";
import { advertHex, healthFixture, METRIC_OBSERVERS } from "./health_fixture.ts";

type Obj = Record<string, unknown>;

function types(o: Obj, spec: Record<string, string>, where: string): void {
  for (const [k, t] of Object.entries(spec)) {
    const v = o[k];
    const actual = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
    assert.ok(t.split("|").includes(actual), `${where}.${k}: expected ${t}, got ${actual}`);
  }
}

function status(over: Partial<StatusMessage>): StatusMessage {
  return {
    kind: "status",
    source: "test",
    topic: "meshcore/TST/x/status",
    receivedAtMs: Date.now(),
    observerId: "TESTOBS",
    iata: "TST",
    name: "<img src=x onerror=alert(1)>",
    model: null,
    firmware: null,
    clientVersion: null,
    radio: null,
    batteryMv: null,
    uptimeSecs: null,
    noiseFloor: null,
    txAirSecs: null,
    rxAirSecs: null,
    recvErrors: null,
    packetsSent: null,
    packetsRecv: null,
    canRelay: null,
    ...over,
  };
}

Deno.test("health endpoints: shapes, definitions and bad parameters", async (t) => {
  const f = await healthFixture();
  const { app } = f;
  const obs0 = METRIC_OBSERVERS[0];
  try {
    await t.step("observer metrics: reference fields, raw 5-minute points", async () => {
      const r = await getJson(app, `/api/observers/${obs0}/metrics`);
      assert.equal(r.status, 200);
      const b = r.body as Obj;
      types(b, { observer_id: "string", observer_name: "string|null", reboots: "array" }, "$");
      const m = b.metrics as Obj[];
      assert.equal(m.length, 289, "24 h of 5-minute points, both ends included");
      types(m[1], {
        timestamp: "string",
        noise_floor: "number|null",
        battery_mv: "number|null",
        tx_airtime_pct: "number|null",
        rx_airtime_pct: "number|null",
        recv_error_rate: "number|null",
        tx_air_secs: "number",
        packets_recv: "number",
      }, "metrics[1]");
      // 3 s of tx airtime per 300 s = 1 %; 30 s rx = 10 %; 1 error per 20 packets = 4.76 %.
      assert.equal(m[1].tx_airtime_pct, 1);
      assert.equal(m[1].rx_airtime_pct, 10);
      assert.equal(m[1].recv_error_rate, 4.76);
      assert.equal(m[1].packets_per_hour, 240);
      assert.equal(m[0].tx_airtime_pct, null, "no delta for the first point");
      // The reference frontend's form: ISO since/until with milliseconds and a resolution.
      const ref = await getJson(
        app,
        `/api/observers/${obs0}/metrics?since=${encodeURIComponent("2026-05-16T18:00:00.000Z")}` +
          `&until=${encodeURIComponent("2026-05-17T18:00:00.000Z")}&resolution=1h`,
      );
      assert.equal(ref.status, 200);
      assert.equal((ref.body as { metrics: Obj[] }).metrics.length, 25);
      // Case-insensitive id.
      const lower = await getJson(app, `/api/observers/${obs0.toLowerCase()}/metrics`);
      assert.equal((lower.body as Obj).observer_id, obs0);
    });

    await t.step("observer metrics: downsampled to <= 500 points, reboot flagged", async () => {
      const r = await getJson(app, `/api/observers/${obs0}/metrics?window=3d`);
      const b = r.body as { metrics: Obj[]; reboots: string[]; bucket_seconds: number };
      assert.ok(b.metrics.length <= 500 && b.metrics.length > 100, `${b.metrics.length} points`);
      assert.ok(b.bucket_seconds > 300);
      assert.equal(b.reboots.length, 1);
      const reboot = b.metrics.find((x) => x.is_reboot_sample);
      assert.ok(reboot);
      assert.equal(reboot.tx_airtime_pct, null);
      const hourly = await getJson(app, `/api/observers/${obs0}/metrics?window=3d&resolution=1h`);
      const hm = (hourly.body as { metrics: Obj[] }).metrics;
      assert.ok(hm.length >= 72 && hm.length <= 74, `${hm.length} hourly points`);
      assert.match(String(hm[1].timestamp), /T\d\d:00:00Z$/);
    });

    await t.step("observer metrics: a gap gives null rates, never a spike", async () => {
      const r = await getJson(app, `/api/observers/${METRIC_OBSERVERS[1]}/metrics?window=3d`);
      const m = (r.body as { metrics: Obj[] }).metrics;
      for (const x of m) {
        const p = x.tx_airtime_pct as number | null;
        assert.ok(p === null || p <= 1.01, `tx airtime ${p} at ${x.timestamp}`);
      }
    });

    await t.step("observer metrics summary: one row per observer, noisiest first", async () => {
      const r = await getJson(app, "/api/observers/metrics/summary?window=24h");
      assert.equal(r.status, 200);
      const rows = (r.body as { observers: Obj[] }).observers;
      assert.equal(rows.length, 3);
      for (const row of rows) {
        types(row, {
          observer_id: "string",
          observer_name: "string|null",
          current_noise_floor: "number|null",
          avg_noise_floor_24h: "number|null",
          max_noise_floor_24h: "number|null",
          battery_mv: "number|null",
          sample_count: "number",
          sparkline: "array",
        }, "row");
        assert.ok((row.sparkline as unknown[]).length >= 2);
      }
      const max = rows.map((x) => x.max_noise_floor_24h as number);
      assert.deepEqual(max, max.slice().sort((a, b) => b - a));
      assert.equal(rows[0].observer_id, METRIC_OBSERVERS[2]);
      const none = await getJson(app, "/api/observers/metrics/summary?window=1h&region=ZZZ");
      assert.deepEqual((none.body as Obj).observers, []);
    });

    await t.step("garbage rows of the table were skipped at load and counted", async () => {
      assert.equal(f.stack.health.stats().loadGarbageRows, f.garbageRows);
      const r = await getJson(app, `/api/observers/${METRIC_OBSERVERS[2]}/metrics?window=4d`);
      for (const x of (r.body as { metrics: Obj[] }).metrics) {
        const nf = x.noise_floor as number | null;
        assert.ok(nf === null || (nf >= -150 && nf <= 0), `noise floor ${nf}`);
      }
    });

    await t.step("battery: reference shape, status against the thresholds", async () => {
      const r = await getJson(app, `/api/nodes/${obs0.toLowerCase()}/battery?days=7`);
      assert.equal(r.status, 200);
      const b = r.body as Obj;
      types(b, {
        public_key: "string",
        days: "number",
        samples: "array",
        latest_mv: "number",
        latest_ts: "string",
        status: "string",
        thresholds: "object",
      }, "$");
      assert.equal(b.status, "ok");
      types((b.samples as Obj[])[0], { timestamp: "string", battery_mv: "number" }, "samples[0]");
      assert.deepEqual(b.thresholds, { low_mv: 3300, critical_mv: 3000 });
    });

    await t.step(
      "clock skew: adverts ingested with known skews and one fast observer",
      async () => {
        const base = Math.floor(f.clock.now / 1000);
        const cases = [
          { seed: 11, skew: 0, name: "ok-clock" },
          { seed: 12, skew: 600, name: "warn-clock" },
          // Consistently 2 h off: every recent sample is "bad", so no_clock (as the reference).
          { seed: 13, skew: 7200, name: "bad-clock" },
          // Alternating right / 2 h off: bimodal.
          { seed: 15, skew: -1, name: "flaky-clock" },
          { seed: 14, skew: -400 * 86_400, name: "no-clock" },
        ];
        const keys: Record<string, string> = {};
        for (const c of cases) {
          for (let k = 0; k < 6; k++) {
            const sent = base - 6000 + k * 900;
            const skew = c.skew === -1 ? (k % 2 ? 7200 : 0) : c.skew;
            const a = await advertHex(c.seed, sent + skew, { name: c.name });
            keys[c.name] = a.key;
            // Two observers with the right time, one whose clock runs 30 s ahead.
            for (const [obs, late] of [["OBS-A", 1], ["OBS-B", 1], ["OBS-FAST", 31]] as const) {
              const out = await f.stack.pipeline.ingestPacket(
                localPacketMessage(a.hex, obs, { receivedAtMs: (sent + late) * 1000 }),
              );
              assert.notEqual(out.status, "dropped", JSON.stringify(out));
            }
          }
        }
        f.clock.now += 60_000; // past the recompute interval
        const cal = (await getJson(app, "/api/observers/clock-skew")).body as Obj[];
        const fast = cal.find((x) => x.observerID === "OBS-FAST");
        assert.ok(fast, JSON.stringify(cal));
        types(fast, { observerID: "string", offsetSec: "number", samples: "number" }, "cal");
        assert.equal(fast.offsetSec, 30);
        assert.equal(cal[0].observerID, "OBS-FAST", "largest offset first");

        const fleet = (await getJson(app, "/api/nodes/clock-skew")).body as Obj[];
        const sev = (name: string) => fleet.find((x) => x.pubkey === keys[name])?.severity;
        assert.equal(sev("ok-clock"), "ok");
        assert.equal(sev("warn-clock"), "warning");
        assert.equal(sev("bad-clock"), "no_clock");
        assert.equal(sev("flaky-clock"), "bimodal_clock");
        const flaky = fleet.find((x) => x.pubkey === keys["flaky-clock"])!;
        assert.equal(flaky.recentBadSampleCount, 3);
        assert.equal(flaky.goodFraction, 0.4);
        assert.equal((flaky.recentBadSamples as Obj[]).length, 3);
        assert.equal(sev("no-clock"), "no_clock");
        const ok = fleet.find((x) => x.pubkey === keys["ok-clock"])!;
        types(ok, {
          pubkey: "string",
          meanSkewSec: "number",
          medianSkewSec: "number",
          lastSkewSec: "number",
          recentMedianSkewSec: "number",
          driftPerDaySec: "number",
          severity: "string",
          sampleCount: "number",
          calibrated: "boolean",
          lastAdvertTS: "number",
          lastObservedTS: "number",
          goodFraction: "number",
          recentBadSampleCount: "number",
          recentSampleCount: "number",
          nodeName: "string",
          nodeRole: "string",
        }, "fleet");
        assert.equal(ok.medianSkewSec, -1, "calibrated: 1 s of transit, the fast clock corrected");
        assert.equal(ok.calibrated, true);
        assert.equal(ok.nodeName, "ok-clock");
        assert.equal(ok.samples, undefined, "the fleet list has no samples");

        const one = await getJson(app, `/api/nodes/${keys["warn-clock"]}/clock-skew`);
        assert.equal(one.status, 200);
        const d = one.body as Obj;
        assert.equal(d.recentMedianSkewSec, 599);
        assert.equal((d.samples as Obj[]).length, 6);
        types((d.samples as Obj[])[0], { ts: "number", skew: "number" }, "samples[0]");
        const ev = (d.recentHashEvidence as Obj[])[0];
        types(ev, {
          hash: "string",
          observers: "array",
          medianCorrectedSkewSec: "number",
          timestamp: "number",
        }, "evidence");
        types((ev.observers as Obj[])[0], {
          observerID: "string",
          observerName: "string",
          rawSkewSec: "number",
          correctedSkewSec: "number",
          observerOffsetSec: "number",
          calibrated: "boolean",
        }, "evidence.observers[0]");
        types(d.calibrationSummary as Obj, { totalSamples: "number" }, "calibrationSummary");
      },
    );

    await t.step("advert telemetry feeds the battery and temperature history", async () => {
      const sent = Math.floor(f.clock.now / 1000) - 100;
      const a = await advertHex(21, sent, {
        role: "sensor",
        name: "solar",
        telemetry: { batteryMv: 2950, temperatureC: 21.5 },
      });
      await f.stack.pipeline.ingestPacket(localPacketMessage(a.hex, "OBS-A", {
        receivedAtMs: sent * 1000,
      }));
      const r = await getJson(app, `/api/nodes/${a.key}/battery`);
      const b = r.body as Obj;
      assert.equal(b.latest_mv, 2950);
      assert.equal(b.status, "critical");
      assert.deepEqual((b.temperature as Obj[]).map((x) => x.temperature_c), [21.5]);
    });

    await t.step("status messages: garbage and empty ones are counted, never points", async () => {
      const p = f.stack.pipeline;
      const at = f.clock.now;
      p.ingestStatus(status({ receivedAtMs: at, noiseFloor: 50, batteryMv: 3900 }));
      // A negative airtime is outside the ingest boundary's range: the whole message is
      // refused there (counted by reason), before any metrics check.
      const neg = p.ingestStatus(status({ receivedAtMs: at, txAirSecs: -3, noiseFloor: -100 }));
      assert.equal(neg.status, "dropped");
      assert.match(neg.status === "dropped" ? neg.detail : "", /txAirSecs/);
      p.ingestStatus(status({ receivedAtMs: at }));
      p.ingestStatus(status({ receivedAtMs: at - 300_000, noiseFloor: -101, txAirSecs: 10 }));
      p.ingestStatus(status({ receivedAtMs: at, noiseFloor: -99, txAirSecs: 13 }));
      const s = f.stack.health.stats();
      assert.equal(s.statusRejected["noise-floor-range"], 1);
      assert.equal(s.statusRejected["negative-airtime"], 0);
      assert.equal(s.statusRejected["no-metrics"], 1);
      const m = await getJson(app, "/api/observers/TESTOBS/metrics?window=1h");
      const pts = (m.body as { metrics: Obj[] }).metrics;
      assert.deepEqual(pts.map((x) => x.noise_floor), [-101, -99]);
      assert.equal(pts[1].tx_airtime_pct, 1);
      await f.stack.writer.flush();
      const rows = f.stack.hdb.db.prepare(
        "SELECT noise_floor FROM observer_metrics WHERE observer_id = 'TESTOBS' ORDER BY timestamp",
      ).all().map((x) => x.noise_floor);
      assert.deepEqual(rows, [-101, -99]);
      const text = await (await app.request("/metrics")).text();
      assert.match(text, /hopwatch_status_metrics_total\{outcome="noise-floor-range"\} 1/);
      assert.match(text, /hopwatch_health_series_bytes\{part="metrics"\} \d+/);
    });

    await t.step("bulk-health and network-status: reference fields", async () => {
      const r = await getJson(app, "/api/nodes/bulk-health?limit=5");
      const rows = r.body as Obj[];
      assert.equal(rows.length, 5);
      types(rows[0], {
        public_key: "string",
        name: "string|null",
        role: "string|null",
        lat: "number|null",
        lon: "number|null",
        stats: "object",
        observers: "array",
      }, "bulk[0]");
      types(rows[0].stats as Obj, {
        totalTransmissions: "number",
        totalObservations: "number",
        totalPackets: "number",
        packetsToday: "number",
        avgSnr: "number|null",
        lastHeard: "string|null",
      }, "bulk[0].stats");
      const big = await getJson(app, "/api/nodes/bulk-health?limit=100000");
      assert.ok((big.body as Obj[]).length <= 200, "limit clamped to listLimits.bulkHealth");
      const ns = (await getJson(app, "/api/nodes/network-status")).body as Obj;
      types(ns, {
        total: "number",
        active: "number",
        degraded: "number",
        silent: "number",
        roleCounts: "object",
        changes: "array",
      }, "network-status");
      assert.equal(
        (ns.active as number) + (ns.degraded as number) + (ns.silent as number),
        ns.total,
      );
      const roles = Object.values(ns.roleCounts as Record<string, number>);
      assert.equal(roles.reduce((a, b) => a + b, 0), ns.total);
    });

    await t.step("bad parameters answer 400/404 with the reason, never 500", async () => {
      const unknownKey = "ab".repeat(32);
      const cases: [string, number, RegExp][] = [
        ["/api/observers/NOPE-NOT-AN-OBSERVER/metrics", 404, /observer/],
        [`/api/observers/${obs0}/metrics?resolution=7m`, 400, /resolution/],
        [`/api/observers/${obs0}/metrics?since=yesterday`, 400, /since/],
        [`/api/observers/${obs0}/metrics?until=2026-13-45T99:00:00Z`, 400, /until/],
        [`/api/observers/${obs0}/metrics?window=0h`, 400, /window/],
        [`/api/observers/${obs0}/metrics?window=400d`, 400, /window/],
        [`/api/observers/${obs0}/metrics?window=abc`, 400, /window/],
        [
          `/api/observers/${obs0}/metrics?since=2026-05-17T00:00:00Z&until=2026-05-16T00:00:00Z`,
          400,
          /since/,
        ],
        [`/api/observers/${obs0}/metrics?since=2026-05-17T00:00:00Z&window=1h`, 400, /window/],
        [`/api/observers/${obs0}/metrics?bogus=1`, 400, /bogus/],
        ["/api/observers/metrics/summary?window=-1h", 400, /window/],
        ["/api/observers/metrics/summary?window=24x", 400, /window/],
        ["/api/observers/metrics/summary?region=%3Cscript%3E", 400, /region/],
        ["/api/nodes/xyz/battery", 400, /pk/],
        [`/api/nodes/${unknownKey}/battery`, 404, /node/],
        [`/api/nodes/${obs0.toLowerCase()}/battery?days=0`, 400, /days/],
        [`/api/nodes/${obs0.toLowerCase()}/battery?days=366`, 400, /days/],
        [`/api/nodes/${obs0.toLowerCase()}/battery?days=a`, 400, /days/],
        ["/api/nodes/not-hex/clock-skew", 400, /pk/],
        [`/api/nodes/${unknownKey}/clock-skew`, 404, /node/],
        ["/api/nodes/bulk-health?limit=abc", 400, /limit/],
        ["/api/nodes/bulk-health?region=%3Cx%3E", 400, /region/],
        ["/api/nodes/network-status?x=1", 400, /x/],
        ["/api/nodes/clock-skew?area=x", 400, /area/],
      ];
      for (const [url, code, reason] of cases) {
        const r = await getJson(app, url);
        assert.equal(r.status, code, `${url}: ${JSON.stringify(r.body)}`);
        assert.match(String((r.body as Obj).error), reason, url);
      }
      // A known node without any advert sample: 404 naming the missing data.
      const silentKey = [...f.stack.nodes.values()].find((n) =>
        !f.stack.health.clock.node(n.publicKey, f.clock.now)
      );
      if (silentKey) {
        const r = await getJson(app, `/api/nodes/${silentKey.publicKey}/clock-skew`);
        assert.equal(r.status, 404);
        assert.match(String((r.body as Obj).error), /clock skew/);
      }
    });

    await t.step("the spec lists every new route", async () => {
      const spec = (await getJson(app, "/api/spec")).body as { paths: Record<string, unknown> };
      for (
        const p of [
          "/api/observers/{id}/metrics",
          "/api/observers/metrics/summary",
          "/api/nodes/{pk}/battery",
          "/api/nodes/clock-skew",
          "/api/nodes/{pk}/clock-skew",
          "/api/observers/clock-skew",
          "/api/nodes/bulk-health",
          "/api/nodes/network-status",
        ]
      ) assert.ok(p in spec.paths, p);
    });
  } finally {
    await f.close();
  }
});
