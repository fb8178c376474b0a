/**
 * Sustained ingest through the real pipeline, SQLite persistence included.
 *
 *   deno task bench:ingest --json [--source FILE] [--count N] [--runs R]
 *
 * Packets come from a generated database (`deno task gen`): every observation
 * is replayed as the packet its observer heard (the transmission's bytes with
 * that observation's path), in id order, into a FRESH database through
 * `IngestPipeline.ingestPacket` — decode, hash, dedup, signature check,
 * resolution, decode window, store, batched writer. An observation counts as
 * acknowledged when the writer's transaction holding it commits; `p99AckMs` is
 * the 99th percentile of that delay. Prints `{obsPerSec, p50AckMs, p99AckMs,
 * ...}` (medians over the runs).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createStack } from "../src/cli/stack.ts";
import { DEFAULTS } from "../src/cli/config.ts";
import { Logger } from "../src/log/logger.ts";
import { runGen } from "../src/cli/gen_command.ts";
import { loadReplay, median, percentile, type Replay, replayMessage } from "./replay.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    source: { type: "string" },
    count: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});

async function runOnce(replay: Replay[]) {
  const dir = await Deno.makeTempDir({ prefix: "hw-ingest-bench-" });
  const log = new Logger("error");
  const stack = createStack({
    ...DEFAULTS,
    dbPath: `${dir}/bench.db`,
    hashChannels: ["#test", "#wardriving", "#bot", "#chat"],
  }, { log });
  const pending: number[] = [];
  const acks = new Float64Array(replay.length);
  let acked = 0;
  stack.writer.onFlush(() => {
    const now = performance.now();
    for (const t of pending) acks[acked++] = now - t;
    pending.length = 0;
  });
  const dropped: Record<string, number> = {};
  const t0 = performance.now();
  for (let i = 0; i < replay.length; i++) {
    const r = replay[i];
    const out = await stack.pipeline.ingestPacket(replayMessage(r));
    pending.push(performance.now());
    if (out.status === "dropped") dropped[out.reason] = (dropped[out.reason] ?? 0) + 1;
    // Let timers (the 250 ms flush) run, as they would between network reads.
    if ((i & 1023) === 0) await new Promise((r) => setTimeout(r, 0));
  }
  await stack.writer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const stored = stack.store.obsCount;
  const tx = stack.store.txCount;
  await stack.close();
  await Deno.remove(dir, { recursive: true });
  const lat = acks.slice(0, acked).sort();
  return {
    obsPerSec: Math.round(replay.length / seconds),
    p50AckMs: +percentile(lat, 0.5).toFixed(1),
    p99AckMs: +percentile(lat, 0.99).toFixed(1),
    seconds: +seconds.toFixed(2),
    stored,
    transmissions: tx,
    dropped,
  };
}

if (import.meta.main) {
  let source = args.values.source;
  if (!source) {
    source = `${await Deno.makeTempDir({ prefix: "hw-ingest-src-" })}/S.db`;
    const code = await runGen(["--shape", "S", "--out", source, "--seed", "1"]);
    if (code !== 0) throw new Error("Cannot generate the source database");
  }
  const replay = loadReplay(source, Number(args.values.count));
  const runs = [];
  for (let i = 0; i < Number(args.values.runs); i++) runs.push(await runOnce(replay));
  const result = {
    source,
    observations: replay.length,
    obsPerSec: median(runs.map((r) => r.obsPerSec)),
    p50AckMs: median(runs.map((r) => r.p50AckMs)),
    p99AckMs: median(runs.map((r) => r.p99AckMs)),
    runs,
  };
  console.log(args.values.json ? JSON.stringify(result) : result);
}
