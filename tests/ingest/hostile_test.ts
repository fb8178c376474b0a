/**
 * The hostile-input suite at a small count (the full 100,000 + 100,000 run is
 * `deno task bench:hostile`): a real hopwatch process, a real mosquitto broker,
 * seeded hostile packets, status messages, names and channel text over HTTP
 * and MQTT. No 5xx, no uncounted drop, no non-finite API value, check ok.
 */
import assert from "node:assert/strict";
import { runHostileSuite } from "./hostile_suite.ts";

Deno.test("hostile input: HTTP and MQTT through the whole pipeline, all counted", async () => {
  const report = await runHostileSuite({ httpCount: 1000, mqttCount: 2500, seed: 16 });
  assert.deepEqual(report.problems, [], JSON.stringify(report, null, 1).slice(0, 3000));
  assert.equal(report.http.sent, 1000);
  assert.equal(report.mqtt.received, 2500);
  assert.ok((report.http.byStatus["201"] ?? 0) > 0, "some posts are stored");
  assert.ok((report.http.byStatus["400"] ?? 0) > 0, "some posts are refused");
  const dropped = report.pipeline.dropped as Record<string, number>;
  assert.ok(dropped["out-of-range"] > 0 && dropped["bad-observer-id"] > 0, JSON.stringify(dropped));
  assert.equal(dropped["internal-error"], 0);
  assert.ok(report.check.ok);
});
