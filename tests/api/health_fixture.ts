/**
 * Test fixture of the health endpoints: a copy of the CoreScope fixture
 * database, migrated, with `observer_metrics` rows added before the store
 * loads (three observers, 3 days at 5-minute steps, a reboot, a gap and
 * garbage rows), and the app built over it at {@linkcode FIXTURE_NOW}.
 *
 * @module
 */

import type { Hono } from "hono";
import { createStack, type Stack } from "../../src/cli/stack.ts";
import { createApp } from "../../src/api/app.ts";
import { WsHub } from "../../src/api/ws_hub.ts";
import { DEFAULTS } from "../../src/cli/config.ts";
import { identityFromSeed } from "../../src/sim/keys.ts";
import { buildAdvertPayload, bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";
import { FIXTURE_DB, FIXTURE_NOW, quiet, testConfig } from "./helpers.ts";

/** Observers given metrics (the first is also a repeater node). */
export const METRIC_OBSERVERS = [
  "D5EF2ED77CEABCB22082F8794D5F9D89F2257E70533863E924DEBE6EBDDA312A",
  "1E598D0F11783A33C04D701FF3151FD8D8C0A96686D88267DF70993F59EF760C",
  "EE550DE547D7B94848A952C98F585881FCF946A128E72905E95517475F83CFB1",
];

/** Rows inserted per observer (3 days at 5 minutes, minus the gap). */
export const STEP_SEC = 300;

/** The built fixture. */
export interface HealthFixture {
  app: Hono;
  stack: Stack;
  /** Garbage rows inserted (skipped at load). */
  garbageRows: number;
  /** The app's clock (starts at the fixture's time). */
  clock: { now: number };
  close(): Promise<void>;
}

/** A signed ADVERT packet (hex) of the identity from `seed`, with the node clock at `ts`. */
export async function advertHex(
  seed: number,
  ts: number,
  opts: { name?: string; role?: string; telemetry?: { batteryMv: number; temperatureC: number } } =
    {},
): Promise<{ hex: string; key: string }> {
  const id = await identityFromSeed(new Uint8Array(32).fill(seed));
  const payload = await buildAdvertPayload({
    privateKey: id.privateKey,
    publicKey: id.publicKey,
    timestamp: ts,
    role: opts.role ?? "repeater",
    name: opts.name ?? `skew-${seed}`,
    telemetry: opts.telemetry,
  });
  const bytes = encodePacket({ routeType: 1, payloadType: 4, hashSize: 1, hops: [], payload });
  return { hex: bytesToHex(bytes).toUpperCase(), key: id.keyHex };
}

/** Builds the fixture (see the module doc). */
export async function healthFixture(): Promise<HealthFixture> {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-health-" });
  const dbPath = `${dir}/test.db`;
  await Deno.copyFile(FIXTURE_DB, dbPath);
  // The fixture's data is from May 2026: keep every point (retention is tested on its own).
  const config = testConfig(dbPath, { retention: { ...DEFAULTS.retention, metricsDays: 0 } });
  const hub = new WsHub();
  const stack = createStack(config, { log: quiet });
  const db = stack.hdb.db;
  const ins = db.prepare(
    `INSERT INTO observer_metrics (observer_id, timestamp, noise_floor, tx_air_secs, rx_air_secs,
       recv_errors, battery_mv, packets_sent, packets_recv) VALUES (?,?,?,?,?,?,?,?,?)`,
  );
  const end = Math.floor(FIXTURE_NOW / 1000 / STEP_SEC) * STEP_SEC;
  const start = end - 3 * 86_400;
  db.exec("BEGIN");
  METRIC_OBSERVERS.forEach((id, k) => {
    let tx = 1000, rx = 5000, err = 10, sent = 100, recv = 2000;
    for (let t = start, i = 0; t <= end; t += STEP_SEC, i++) {
      // A 2-hour gap on day 2 for the second observer.
      if (k === 1 && t > start + 86_400 && t < start + 86_400 + 7200) continue;
      // A reboot of the first observer half-way.
      if (k === 0 && i === 432) {
        tx =
          rx =
          err =
          sent =
          recv =
            0;
      }
      tx += 3;
      rx += 30;
      err += 1;
      sent += 2;
      recv += 20;
      const ts = new Date(t * 1000).toISOString().slice(0, 19) + "Z";
      ins.run(id, ts, -110 + k * 5 + (i % 7), tx, rx, err, 4000 - Math.floor(i / 10), sent, recv);
    }
  });
  // Garbage rows: a noise floor of +50 dBm, a negative airtime.
  const g = (t: number) => new Date(t * 1000).toISOString().slice(0, 19) + "Z";
  ins.run(METRIC_OBSERVERS[2], g(start - 600), 50, 1, 1, 1, 4000, 1, 1);
  ins.run(METRIC_OBSERVERS[2], g(start - 900), -100, -5, 1, 1, 4000, 1, 1);
  db.exec("COMMIT");
  await stack.load();
  stack.health.clock.fleet(FIXTURE_NOW);
  const clock = { now: FIXTURE_NOW };
  const app = createApp({ ...stack.apiDeps(config, hub), now: () => clock.now });
  return {
    app,
    stack,
    garbageRows: 2,
    clock,
    async close() {
      hub.close();
      await stack.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
