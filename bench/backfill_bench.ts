/**
 * Hop-resolution backfill under read load: does re-resolving every stored
 * observation hurt API latency?
 *
 * ```
 * deno run -A bench/backfill_bench.ts --db FILE [--json] [--hours H] [--client worker|fetch|app]
 *   [--baseline-seconds 3] [--interval-ms 10] [--url /api/packets?limit=50]
 * ```
 *
 * A copy of FILE (a generated database) has every `observations.resolved_path`
 * set to NULL and is opened by the real stack (`createStack`, `loadGraph`,
 * `loadStore`), served by the real Hono app (`createApp`) through
 * the product's listener (`src/api/http_listener.ts`) on port 0. Reads are issued open-loop (one every
 * `--interval-ms`, each at its scheduled time, whether or not the previous one
 * returned) and their latency is counted from the scheduled time, so an
 * event-loop stall shows up in full. The loop runs `--baseline-seconds` first
 * (after a 1 s warm-up; the baseline), then again while the server's own
 * backfill job (`BackgroundJobs.backfill()`, with `backfillHours` covering the
 * whole file unless `--hours` is given) runs.
 *
 * Clients (all in this process): `worker` (default) — `fetch` over HTTP from a
 * worker thread, which has its own event loop, as an outside client would;
 * `fetch` — the same from the server's own thread, so the client's steps queue
 * behind the backfill too (pessimistic); `app` — `app.request()` in the server's
 * thread, no sockets (the event-loop delay plus the handler).
 *
 * The job is started through `BackgroundJobs` rather than `startServer`
 * because the server exposes no hook for the backfill's start and end; the
 * components, the job and its `SqlBackfillSource` are the ones the server uses.
 *
 * Prints `{rows, changed, backfillMs, rowsPerSec, reads, readP50Ms, readP99Ms,
 * baselineReadP99Ms, ...}`. Target on the L shape: read p99 < 20 ms during the
 * backfill.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createStack } from "../src/cli/stack.ts";
import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { BackgroundJobs } from "../src/cli/background_jobs.ts";
import { createApp } from "../src/api/app.ts";
import { WsHub } from "../src/api/ws_hub.ts";
import { listenLocal } from "./listen_local.ts";
import { Logger } from "../src/log/logger.ts";
import { percentile } from "./replay.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    json: { type: "boolean", default: false },
    "baseline-seconds": { type: "string", default: "3" },
    "interval-ms": { type: "string", default: "10" },
    url: { type: "string", default: "/api/packets?limit=50" },
    client: { type: "string", default: "worker" },
    hours: { type: "string" },
    "writer-checkpoints": { type: "boolean", default: false },
  },
});

/** Latency summary of one read loop (ms, from each read's scheduled time). */
export interface ReadStats {
  reads: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Client kinds (see the module doc). */
export type ClientKind = "worker" | "fetch" | "app";

/**
 * Runs `read` every `intervalMs`, open-loop, until `stop()` returns true;
 * latency = completion - schedule.
 */
export async function readLoop(
  read: () => Promise<Response>,
  intervalMs: number,
  stop: () => boolean,
): Promise<ReadStats> {
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; !stop(); i++) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (stop()) break;
    pending.push((async () => {
      try {
        const res = await read();
        await res.arrayBuffer();
        if (!res.ok) errors++;
      } catch {
        errors++;
      }
      lat.push(performance.now() - due);
    })());
  }
  await Promise.all(pending);
  const sorted = Float64Array.from(lat).sort();
  return {
    reads: sorted.length,
    errors,
    p50Ms: round2(percentile(sorted, 0.5)),
    p99Ms: round2(percentile(sorted, 0.99)),
    maxMs: round2(sorted[sorted.length - 1] ?? 0),
  };
}

/** A running read loop; `stop()` resolves with its stats. */
export interface Reader {
  stop(): Promise<ReadStats>;
}

/**
 * Starts a read loop of `path` against the server at `origin` (`worker`, `fetch`) or
 * through `app.request` (`app`).
 */
export function startReader(
  kind: ClientKind,
  origin: string,
  path: string,
  intervalMs: number,
  app: { request(path: string): Response | Promise<Response> },
): Reader {
  if (kind !== "worker") {
    let stopped = false;
    const read = kind === "app"
      ? () => Promise.resolve(app.request(path))
      : () => fetch(`${origin}${path}`);
    const done = readLoop(read, intervalMs, () => stopped);
    return {
      stop() {
        stopped = true;
        return done;
      },
    };
  }
  const w = new Worker(import.meta.url, { type: "module" });
  const result = new Promise<ReadStats>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<ReadStats>) => resolve(e.data);
    w.onerror = (e) => reject(new Error(`Cannot run the read loop: ${e.message}`));
  });
  w.postMessage({ url: `${origin}${path}`, intervalMs });
  return {
    async stop() {
      w.postMessage({ stop: true });
      try {
        return await result;
      } finally {
        w.terminate();
      }
    },
  };
}

// deno-lint-ignore no-explicit-any
const workerScope = (globalThis as any).WorkerGlobalScope;
if (workerScope && globalThis instanceof workerScope) {
  // Worker side of startReader: start on the first message, report on the second.
  let stopped = false;
  self.onmessage = (e: MessageEvent<{ url?: string; intervalMs?: number; stop?: boolean }>) => {
    if (e.data.stop) {
      stopped = true;
      return;
    }
    const url = e.data.url!;
    readLoop(() => fetch(url), e.data.intervalMs!, () => stopped).then((s) => self.postMessage(s));
  };
}

if (import.meta.main && !(workerScope && globalThis instanceof workerScope)) {
  const source = args.values.db;
  if (!source) throw new Error("Cannot run: --db FILE is required (a generated database)");
  const baselineSeconds = Number(args.values["baseline-seconds"]);
  const intervalMs = Number(args.values["interval-ms"]);
  if (!(baselineSeconds > 0) || !(intervalMs > 0)) {
    throw new Error("Cannot run: --baseline-seconds and --interval-ms must be positive numbers");
  }
  const client = args.values.client as ClientKind;
  if (!["worker", "fetch", "app"].includes(client)) {
    throw new Error(`Cannot run: --client "${client}" is not worker, fetch or app`);
  }
  const progress = (msg: string) => {
    if (!args.values.json) console.error(`[backfill_bench] ${msg}`);
  };
  const dir = await Deno.makeTempDir({ prefix: "hw-backfill-" });
  const dbPath = `${dir}/bench.db`;
  Deno.copyFileSync(source, dbPath);
  const log = new Logger("error");
  let config: HopwatchConfig = { ...DEFAULTS, dbPath, raw: {}, configPath: null };
  const stack = createStack(config, { log });
  const db = stack.hdb.db;

  progress("clearing resolved_path");
  db.exec("UPDATE observations SET resolved_path = NULL WHERE resolved_path IS NOT NULL");
  // Setup, not the measured work: leave no 800 MB WAL behind for whoever checkpoints next.
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const oldest = Number(db.prepare("SELECT MIN(timestamp) AS t FROM observations").get()?.t);
  const hours = args.values.hours !== undefined
    ? Number(args.values.hours)
    : Math.ceil((Date.now() / 1000 - oldest) / 3600) + 24;
  if (!(hours >= 0)) throw new Error(`Cannot run: --hours "${args.values.hours}" is not a number`);
  config = { ...config, backfillHours: hours };

  progress("loading");
  const { graph, summary: load } = await stack.load();
  // As in the server, WAL checkpoints run in their worker (`--writer-checkpoints`: in the writer).
  if (args.values["writer-checkpoints"]) await stack.checkpointer.close();

  const hub = new WsHub();
  const app = createApp(stack.apiDeps(config, hub));
  const abort = new AbortController();
  // The product's listener (node:http, `src/api/http_listener.ts`).
  const server = await listenLocal(app.fetch, hub, abort.signal);
  const port = server.port;
  const origin = `http://127.0.0.1:${port}`;
  const path = args.values.url;
  const probe = await fetch(`${origin}${path}`);
  await probe.arrayBuffer();
  if (!probe.ok) throw new Error(`Cannot read ${path}: HTTP ${probe.status}`);
  const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

  progress(`baseline reads for ${baselineSeconds} s`);
  const warmup = startReader(client, origin, path, intervalMs, app);
  await sleep(1);
  await warmup.stop();
  const base = startReader(client, origin, path, intervalMs, app);
  await sleep(baselineSeconds);
  const baseline = await base.stop();

  progress("backfill");
  const jobs = new BackgroundJobs({ ...stack, config, log });
  const loadBefore = Deno.readTextFileSync("/proc/loadavg").trim();
  const b0 = performance.now();
  const reader = startReader(client, origin, path, intervalMs, app);
  const p = await jobs.backfill();
  const ms = performance.now() - b0;
  const during = await reader.stop();
  await stack.writer.flush();
  const loadAfter = Deno.readTextFileSync("/proc/loadavg").trim();

  const sql = db.prepare(
    `SELECT COUNT(*) AS n, SUM(resolved_path IS NOT NULL) AS r FROM observations
      WHERE path_json IS NOT NULL AND path_json <> '[]'`,
  ).get()!;
  const consistency = stack.store.checkConsistency();
  const result = {
    date: new Date().toISOString(),
    source,
    url: args.values.url,
    client,
    intervalMs,
    storeTx: load.tx,
    storeObs: load.obs,
    graphEdges: graph.loaded,
    backfillHours: hours,
    state: p?.state ?? "not run",
    rows: p?.done ?? 0,
    total: p?.total ?? 0,
    changed: p?.changed ?? 0,
    skipped: p?.skipped ?? 0,
    backfillMs: Math.round(ms),
    rowsPerSec: Math.round((p?.done ?? 0) / (ms / 1000)),
    reads: during.reads,
    readErrors: during.errors,
    readP50Ms: during.p50Ms,
    readP99Ms: during.p99Ms,
    readMaxMs: during.maxMs,
    baselineReads: baseline.reads,
    baselineReadP50Ms: baseline.p50Ms,
    baselineReadP99Ms: baseline.p99Ms,
    baselineReadMaxMs: baseline.maxMs,
    sqlResolvedShare: Math.round((1000 * Number(sql.r)) / Math.max(1, Number(sql.n))) / 1000,
    checkpoints: stack.checkpointer.stats(),
    indexConsistent: consistency.ok,
    indexErrors: consistency.errors.slice(0, 5),
    loadavg: { before: loadBefore, after: loadAfter },
  };
  abort.abort();
  await server.finished;
  await stack.close();
  await Deno.remove(dir, { recursive: true });
  console.log(args.values.json ? JSON.stringify(result) : result);
}
