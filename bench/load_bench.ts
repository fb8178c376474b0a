/**
 * Store load benchmark.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/load_bench.ts --db FILE --json
 * deno run -A --v8-flags=--expose-gc bench/load_bench.ts --db FILE --baseline naive --json
 * ```
 *
 * Prints `{tx, obs, heapUsedMB, rssMB, httpReadyMs, fullLoadMs, ...}`. Memory
 * is read right after the load, after a forced memory-reducing full GC;
 * `rssSettledMB` is read once V8's own memory reducer has run (20-30 s later,
 * skipped with `--no-settle`), which also returns the load workers' pages.
 * `heapUsedMB` is V8's JS heap; typed arrays live outside it, so `externalMB`
 * and `jsMemoryMB` (heap + external) are reported too: compare those for the
 * full picture.
 *
 * The measuring helpers are exported for reuse (the lead's entry-point bench).
 *
 * @module
 */

import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { NodeDirectory } from "../src/store/node_directory.ts";
import { PacketStore } from "../src/store/packet_store.ts";
import { loadStore } from "../src/store/loader.ts";
import { loadNaive } from "./naive_baseline.ts";

const MB = 1024 * 1024;

/** Memory figures in MB. */
export interface MemoryFigures {
  heapUsedMB: number;
  externalMB: number;
  jsMemoryMB: number;
  rssMB: number;
}

type GcFn = (opts?: { type?: string; execution?: string; flavor?: string }) => void;

/** Forces a full, memory-reducing GC when `--expose-gc` is on; returns whether it could. */
export function forceGc(): boolean {
  const gc = (globalThis as { gc?: GcFn }).gc;
  if (typeof gc !== "function") return false;
  try {
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
  } catch {
    gc();
    gc();
  }
  return true;
}

/** Current memory after a forced GC, in MB (two decimals). */
export function measureMemory(): MemoryFigures {
  forceGc();
  const m = Deno.memoryUsage();
  const r = (x: number) => Math.round((x / MB) * 100) / 100;
  return {
    heapUsedMB: r(m.heapUsed),
    externalMB: r(m.external),
    jsMemoryMB: r(m.heapUsed + m.external),
    rssMB: r(m.rss),
  };
}

/**
 * Waits for V8's own memory reducer (it runs some 20-30 s after allocation
 * stops and returns the pages of the load's garbage, including the load
 * workers' pooled pages): until RSS has fallen by a quarter and held for 3 s,
 * or `maxMs`. Returns the settled RSS in MB.
 */
export async function settle(maxMs = 45_000): Promise<number> {
  const start = performance.now();
  const first = Deno.memoryUsage().rss;
  let low = first;
  let held = 0;
  while (performance.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = Deno.memoryUsage().rss;
    if (rss < low - MB) {
      low = rss;
      held = 0;
    } else held++;
    if (low < first * 0.75 && held >= 3) break;
  }
  return Math.round((low / MB) * 100) / 100;
}

/** CPU time of the process (all threads), ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Result of one load. */
export interface LoadFigures {
  tx: number;
  obs: number;
  httpReadyMs: number;
  fullLoadMs: number;
  cpuMs: number;
  workers?: number;
  /** The loaded object, kept alive by the caller until memory is measured. */
  keep: unknown;
  trackedMB?: number;
  bytesByComponent?: Record<string, number>;
}

/** Loads `path` into a hopwatch store. */
export async function loadHopwatch(path: string, workers?: number): Promise<LoadFigures> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const db = new DatabaseSync(path, { readOnly: true });
  const nodes = new NodeDirectory();
  const store = new PacketStore(nodes);
  let httpReadyMs = -1;
  const summary = await loadStore(db, store, nodes, {
    workers,
    onProgress: () => {
      if (httpReadyMs < 0) httpReadyMs = performance.now() - t0;
    },
  });
  const fullLoadMs = performance.now() - t0;
  db.close();
  const st = store.stats();
  return {
    tx: store.txCount,
    obs: store.obsCount,
    httpReadyMs: Math.round(httpReadyMs),
    fullLoadMs: Math.round(fullLoadMs),
    cpuMs: Math.round(cpuMs() - c0),
    workers: summary.workers,
    keep: store,
    trackedMB: Math.round((st.trackedBytes / MB) * 100) / 100,
    bytesByComponent: st.bytesByComponent,
  };
}

/** Loads `path` the naive way (see naive_baseline.ts). */
export function loadNaiveFigures(path: string): LoadFigures {
  const c0 = cpuMs();
  const t0 = performance.now();
  const db = new DatabaseSync(path, { readOnly: true });
  const naive = loadNaive(db);
  const fullLoadMs = performance.now() - t0;
  db.close();
  let obs = 0;
  for (const t of naive.list) obs += t.observations.length;
  return {
    tx: naive.list.length,
    obs,
    httpReadyMs: Math.round(fullLoadMs),
    fullLoadMs: Math.round(fullLoadMs),
    cpuMs: Math.round(cpuMs() - c0),
    keep: naive,
  };
}

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

if (import.meta.main) {
  const db = arg("db");
  if (!db) {
    console.error(
      "usage: load_bench.ts --db FILE [--baseline naive] [--workers N] [--no-settle] [--json]",
    );
    Deno.exit(2);
  }
  const baseline = arg("baseline");
  if (baseline !== undefined && baseline !== "naive") {
    console.error(`Cannot run baseline "${baseline}": only "naive" exists`);
    Deno.exit(2);
  }
  if (!forceGc()) console.error("warning: run with --v8-flags=--expose-gc for GC-forced figures");
  const before = measureMemory();
  const w = arg("workers");
  const figures = baseline === "naive"
    ? loadNaiveFigures(db)
    : await loadHopwatch(db, w === undefined ? undefined : Number(w));
  const mem = measureMemory();
  // Steady-state RSS: what the process holds once V8 has returned the load's garbage by itself.
  const rssSettledMB = Deno.args.includes("--no-settle") ? null : await settle();
  const { keep, ...rest } = figures;
  const out = {
    store: baseline === "naive" ? "naive" : "hopwatch",
    db,
    ...rest,
    ...mem,
    rssSettledMB,
    baselineHeapMB: before.heapUsedMB,
    baselineRssMB: before.rssMB,
    bytesPerObs: figures.obs > 0
      ? Math.round(((mem.jsMemoryMB - before.jsMemoryMB) * MB) / figures.obs)
      : 0,
  };
  if (keep === null) console.error("unreachable");
  if (Deno.args.includes("--json")) console.log(JSON.stringify(out));
  else console.log(out);
}
