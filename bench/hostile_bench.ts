/**
 * The hostile-input suite at full count: 100,000 seeded random/truncated/
 * mutated packets posted over HTTP and 100,000 hostile messages published over
 * MQTT (real mosquitto) into a real hopwatch process, then `hopwatch check`.
 * Prints one JSON report; exits 1 when the suite found a problem.
 *
 * `deno task bench:hostile [--http N] [--mqtt N] [--seed N]`
 *
 * @module
 */

import { runHostileSuite } from "../tests/ingest/hostile_suite.ts";

function flag(name: string, def: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : def;
  if (!Number.isInteger(v) || v < 0) {
    throw new Error(`Invalid flag "--${name}": ${Deno.args[i + 1]}`);
  }
  return v;
}

const t0 = performance.now();
const report = await runHostileSuite({
  httpCount: flag("http", 100_000),
  mqttCount: flag("mqtt", 100_000),
  seed: flag("seed", 16),
  concurrency: flag("concurrency", 8),
  progress: (what) => console.error(`hostile: ${what}`),
});
console.log(JSON.stringify(
  {
    bench: "hostile",
    ok: report.problems.length === 0,
    totalMs: Math.round(performance.now() - t0),
    httpPerSec: Math.round(report.http.sent / (report.http.ms / 1000)),
    mqttPerSec: Math.round(report.mqtt.published / (report.mqtt.ms / 1000)),
    ...report,
  },
  null,
  1,
));
if (report.problems.length > 0) Deno.exit(1);
