/**
 * Writer throughput benchmark on a real WAL file in a temp dir. Two runs:
 * - `observations_only`: observation upserts (transmissions created beforehand, untimed);
 * - `ingest_mix`: per 5 observations one transmission insert, plus one observer upsert per
 *   observation, as the ingest path does.
 * Prints wall-clock and process-CPU rates (CPU is steadier on a shared machine).
 * Intended home: `bench/db_writer_bench.ts`.
 *
 * Usage: deno run -A tests/db/writer_bench.ts [--json] [--observations N]
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { openDatabase } from "../src/db/database.ts";
import { DbWriter, type TransmissionInsert } from "../src/db/writer.ts";

function arg(name: string, dflt: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : dflt;
}

const total = arg("--observations", 200_000);
const json = Deno.args.includes("--json");
const dir = Deno.makeTempDirSync({ prefix: "hopwatch-bench-" });
const PER_TX = 5;
const OBSERVERS = Array.from({ length: 30 }, (_, i) => `OBS${i}`.padEnd(64, "A"));

function tx(id: number, i: number): TransmissionInsert {
  return {
    id,
    rawHex: "1105AABBCCDD" + i.toString(16),
    hash: i.toString(16).padStart(16, "0"),
    firstSeen: "2026-05-17T18:13:27Z",
    routeType: 1,
    payloadType: 4,
    decodedJson: '{"type":"ADVERT"}',
    lastSeen: 1_779_040_000,
  };
}

function run(label: string, mix: boolean) {
  const hdb = openDatabase(`${dir}/${label}.db`, { log: () => {} });
  const setup = new DbWriter(hdb);
  const rowids = OBSERVERS.map((id) => setup.observerIdx(id));
  const txIds: number[] = [];
  for (let i = 0; i < total / PER_TX; i++) {
    txIds.push(setup.nextTransmissionId());
    if (!mix) setup.insertTransmission(tx(txIds[i], i));
  }
  setup.closeSync();
  const w = new DbWriter(hdb);
  let batches = 0;
  w.onFlush(() => batches++);
  const t0 = performance.now();
  const c0 = cpuUsage();
  for (let i = 0; i < total; i++) {
    const k = Math.floor(i / PER_TX);
    if (mix && i % PER_TX === 0) w.insertTransmission(tx(txIds[k], k));
    w.upsertObservation({
      id: w.nextObservationId(),
      transmissionId: txIds[k],
      observerIdx: rowids[i % rowids.length],
      direction: "rx",
      snr: 5.5,
      rssi: -92,
      score: 1000,
      pathJson: '["7D1D","DA2A"]',
      timestamp: 1_779_040_000 + i,
      resolvedPath: null,
      rawHex: "1105AABBCCDD",
    });
    if (mix) w.upsertObserver({ id: OBSERVERS[i % 30], seenAt: "2026-05-17T18:13:27Z" });
  }
  w.closeSync();
  const secs = (performance.now() - t0) / 1000;
  const c = cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const count = Number(hdb.db.prepare("SELECT COUNT(*) AS c FROM observations").get()!.c);
  hdb.close();
  if (count !== total) throw new Error(`bench ${label}: expected ${total} rows, found ${count}`);
  return {
    label,
    observations: total,
    seconds: +secs.toFixed(3),
    obsPerSec: Math.round(total / secs),
    cpuSeconds: +cpu.toFixed(3),
    obsPerCpuSec: Math.round(total / cpu),
    batches,
  };
}

const results = [run("observations_only", false), run("ingest_mix", true)];
Deno.removeSync(dir, { recursive: true });
if (json) console.log(JSON.stringify({ bench: "db_writer", results }));
else for (const r of results) console.log(r);
