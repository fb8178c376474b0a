/**
 * Startup and memory of hopwatch as it runs in production: the same
 * `startServer` that `hopwatch serve` runs, in this process, against FILE.
 *
 *   deno task bench:load --db FILE --json [--runs 3] [--baseline naive] [--idle 300]
 *
 * Each run is a fresh child process (so `httpReadyMs` counts from process
 * start, module loading included). It prints, as medians over the runs:
 * `{tx, obs, heapUsedMB, externalMB, rssMB, httpReadyMs, fullLoadMs}` — heap
 * measured after a forced GC once the store is fully loaded. The store keeps
 * its columns in typed arrays, whose bytes V8 counts as `external`, not as
 * heap: compare heap + external with the naive baseline, not heap alone. `--baseline naive` runs
 * `bench/naive_baseline.ts` instead: the reference's layout before its fix
 * (one object per observation holding its parsed resolved path).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { startServer } from "../src/cli/server.ts";
import { Logger } from "../src/log/logger.ts";
import { SERVER_V8_FLAGS } from "../src/cli/v8_flags.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    runs: { type: "string", default: "3" },
    baseline: { type: "string" },
    settle: { type: "string", default: "30" },
    idle: { type: "string", default: "0" },
    child: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

interface LoadFigures {
  tx: number;
  obs: number;
  heapUsedMB: number;
  /** ArrayBuffer backing stores (the store's typed-array columns live here, outside the JS heap). */
  externalMB: number;
  /** Resident set right after the load completed. */
  rssAtLoadMB: number;
  /** Resident set after `--settle` idle seconds (V8 returns freed pages lazily). */
  rssMB: number;
  httpReadyMs: number;
  fullLoadMs: number;
  /** Bytes of the reach index, MB (0 on code before it). */
  reachIndexMB?: number;
  /**
   * With `--idle S`: resident set once every background job is idle (`/api/health`
   * `maintenance.busy` empty three polls in a row, at most S seconds), two GCs and 40 s left
   * alone.
   */
  rssIdleMB?: number;
  /** With `--idle S`: ms from the full load until the jobs were idle (-1: not within S). */
  idleAfterMs?: number;
}

/** Waits until the server's jobs are idle (see `rssIdleMB`); ms waited, or -1 after `maxS`. */
async function untilIdle(port: number, maxS: number): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  while (performance.now() - t0 < maxS * 1000) {
    const r = await fetch(`http://127.0.0.1:${port}/api/health`);
    const h = await r.json() as { maintenance?: { busy?: string[] } };
    quiet = (h.maintenance?.busy ?? ["?"]).length === 0 ? quiet + 1 : 0;
    if (quiet >= 3) return Math.round(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 1000));
  }
  return -1;
}

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;

async function child(db: string): Promise<LoadFigures> {
  const config: HopwatchConfig = {
    ...DEFAULTS,
    dbPath: db,
    port: 0,
    host: "127.0.0.1",
    raw: {},
    configPath: null,
  };
  const server = await startServer(config, { log: new Logger("error"), handleSignals: false });
  // performance.now() counts from process start, so these include runtime and module loading.
  const httpReadyMs = server.listeningAtMs;
  await server.loaded;
  const fullLoadMs = performance.now();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  const rssAtLoad = Deno.memoryUsage().rss;
  gc();
  gc();
  const mem = Deno.memoryUsage();
  const settleMs = Number(args.values.settle) * 1000;
  const deadline = performance.now() + settleMs;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    gc();
  }
  const rssSettled = Deno.memoryUsage().rss;
  const figures = {
    tx: server.store.txCount,
    obs: server.store.obsCount,
    heapUsedMB: mb(mem.heapUsed),
    externalMB: mb(mem.external),
    rssAtLoadMB: mb(rssAtLoad),
    rssMB: mb(rssSettled),
    httpReadyMs: Math.round(httpReadyMs),
    fullLoadMs: Math.round(fullLoadMs),
    reachIndexMB: mb((server.store as { reach?: { byteLength: number } }).reach?.byteLength ?? 0),
  } as LoadFigures;
  const idleS = Number(args.values.idle);
  if (idleS > 0) {
    figures.idleAfterMs = await untilIdle(server.port, idleS) + settleMs;
    gc();
    gc();
    // then left alone, as a server is: V8 gives freed pages back ~20 s after the last work
    // (measured on M after the reach build: resident +24 MB for 15 s, then 44 MB less)
    await new Promise((r) => setTimeout(r, 40_000));
    figures.rssIdleMB = mb(Deno.memoryUsage().rss);
    figures.reachIndexMB = mb(
      (server.store as { reach?: { byteLength: number } }).reach?.byteLength ?? 0,
    );
  }
  await server.shutdown("benchmark done");
  return figures;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (import.meta.main) {
  const db = args.values.db;
  if (!db) {
    throw new Error("usage: startup_bench.ts --db FILE [--json] [--runs N] [--baseline naive]");
  }
  if (args.values.child) {
    console.log(JSON.stringify(await child(db)));
    Deno.exit(0);
  }
  // The naive baseline has no server to start: bench/load_bench.ts loads it in a fresh process
  // and reports the same keys.
  const naive = args.values.baseline === "naive";
  const script = new URL(naive ? "./load_bench.ts" : import.meta.url, import.meta.url).pathname;
  if (args.values.baseline && args.values.baseline !== "naive") {
    throw new Error(`Unknown --baseline "${args.values.baseline}" (expected "naive")`);
  }
  const runs: LoadFigures[] = [];
  for (let i = 0; i < Number(args.values.runs); i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `--v8-flags=${SERVER_V8_FLAGS},--expose-gc`,
        script,
        "--db",
        db,
        "--json",
        ...(naive ? ["--baseline", "naive"] : [
          "--child",
          "--settle",
          String(args.values.settle),
          "--idle",
          String(args.values.idle),
        ]),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`run ${i + 1} failed`);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    runs.push(JSON.parse(lines[lines.length - 1]));
  }
  const keys = Object.keys(runs[0]) as (keyof LoadFigures)[];
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    db,
    mode: args.values.baseline ?? "hopwatch",
  };
  for (const k of keys) {
    if (typeof runs[0][k] === "number") result[k] = median(runs.map((r) => r[k] ?? 0));
  }
  result.runs = runs;
  console.log(args.values.json ? JSON.stringify(result) : result);
}
