/**
 * Retention under load: does deleting expired rows (SQLite and the store's
 * indexes) hurt ingest latency?
 *
 *   deno task bench:retention --db FILE --json [--rate 1000] [--seconds 10] [--writer-checkpoints]
 *
 * A copy of FILE (a generated database) has its older half of transmissions
 * aged past `retention.packetDays`, and is loaded into the real stack. Then
 * packets are ingested open-loop at `--rate` per second (each scheduled at a
 * fixed time; latency = completion minus scheduled time, so event-loop stalls
 * count) for `--seconds` without retention (baseline), and again while the
 * retention job runs. Prints both latency distributions, what was deleted, and
 * whether the store's indexes are consistent afterwards.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createStack, type Stack } from "../src/cli/stack.ts";
import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { BackgroundJobs } from "../src/cli/background_jobs.ts";
import { loadStore } from "../src/store/loader.ts";
import { Logger } from "../src/log/logger.ts";
import { loadReplay, percentile, type Replay, replayMessage } from "./replay.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    "writer-checkpoints": { type: "boolean", default: false },
  },
});

/** Ingests `packets` open-loop at `rate`/s; returns latency stats (ms). */
async function openLoop(stack: Stack, packets: Replay[], rate: number, prefix: string) {
  const lat = new Float64Array(packets.length);
  const t0 = performance.now();
  for (let i = 0; i < packets.length; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    await stack.pipeline.ingestPacket(replayMessage(packets[i], prefix));
    lat[i] = performance.now() - due;
  }
  lat.sort();
  return {
    packets: packets.length,
    p50Ms: +percentile(lat, 0.5).toFixed(2),
    p99Ms: +percentile(lat, 0.99).toFixed(2),
    maxMs: +lat[lat.length - 1].toFixed(2),
  };
}

if (import.meta.main) {
  const source = args.values.db;
  if (!source) throw new Error("usage: retention_bench.ts --db FILE (from deno task gen)");
  const rate = Number(args.values.rate);
  const n = Math.round(rate * Number(args.values.seconds));
  const dir = await Deno.makeTempDir({ prefix: "hw-retention-" });
  const dbPath = `${dir}/bench.db`;
  Deno.copyFileSync(source, dbPath);
  const log = new Logger("error");
  const config: HopwatchConfig = {
    ...DEFAULTS,
    dbPath,
    raw: {},
    configPath: null,
    retention: {
      packetDays: 30,
      nodeDays: 3650,
      observerDays: 3650,
      metricsDays: 30,
      clientRxDays: 30,
    },
  };
  const stack = createStack(config, { log });
  // As in the server: WAL checkpoints run in their worker (`--writer-checkpoints`: in the writer).
  await stack.checkpointer.ready;
  if (args.values["writer-checkpoints"]) await stack.checkpointer.close();
  // Age the older half of the transmissions past the 30-day retention.
  const db = stack.hdb.db;
  const total = Number(db.prepare("SELECT COUNT(*) AS n FROM transmissions").get()!.n);
  const cut = Number(
    db.prepare("SELECT id FROM transmissions ORDER BY id LIMIT 1 OFFSET ?").get(
      Math.floor(total / 2),
    )!
      .id,
  );
  const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
  db.prepare("UPDATE transmissions SET first_seen = ? WHERE id < ?").run(old, cut);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); // setup, not the measured work
  await loadStore(db, stack.store, stack.nodes, {});
  stack.store.finishLoad();
  const before = stack.store.txCount;

  const packets = loadReplay(source, 2 * n, 0);
  const baseline = await openLoop(stack, packets.slice(0, n), rate, "BASE-");
  const jobs = new BackgroundJobs({ ...stack, config, log });
  const r0 = performance.now();
  let retentionMs = 0;
  const retention = jobs.retention().then(() => (retentionMs = performance.now() - r0));
  const during = await openLoop(stack, packets.slice(n, 2 * n), rate, "RET-");
  await retention;
  const consistency = stack.store.checkConsistency();
  const result = {
    date: new Date().toISOString(),
    source,
    rate,
    baseline,
    withRetention: during,
    retention: {
      deletedTx: jobs.status.lastRetention?.packets ?? 0,
      ms: Math.round(retentionMs),
      finishedDuringLoad: retentionMs < (n * 1000) / rate,
    },
    storeTx: { before, after: stack.store.txCount },
    checkpoints: stack.checkpointer.stats(),
    indexConsistent: consistency.ok,
    indexErrors: consistency.errors.slice(0, 5),
  };
  await stack.close();
  await Deno.remove(dir, { recursive: true });
  console.log(args.values.json ? JSON.stringify(result) : result);
}
