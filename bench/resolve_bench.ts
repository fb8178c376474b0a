/**
 * Hop-resolution benchmark against a generated database and its truth sidecar.
 *
 * ```
 * deno run -A bench/resolve_bench.ts --db FILE --truth FILE.truth.bin [--json]
 *   [--no-edges] [--set option=value ...] [--baseline]
 * ```
 *
 * Loads `nodes` into a NodeDirectory and `neighbor_edges` into the neighbor
 * graph (skipped with `--no-edges`), then streams every observation in time
 * order through {@linkcode HopResolver.observe}: the graph only ever holds the
 * database's edges plus what the resolver learned from earlier observations,
 * never the truth. Each resolved hop is compared with the truth.
 *
 * precision = resolved hops equal to the truth / resolved hops;
 * coverage = resolved hops / all hops; `hopsPerSec` times `observe` only
 * (rows are read in chunks of 2,048, then resolved in one timed loop),
 * `wallHopsPerSec` includes reading and parsing the rows, `cpuHopsPerSec`
 * divides by the process CPU time of the whole loop (reading included; a
 * figure that holds on a busy machine, where wall-clock rates drop).
 *
 * `--baseline` also runs the reference's multi-tier resolver
 * (`reference_tiers.ts`) on every path, just before hopwatch sees it (same
 * graph), and adds `baseline`: its precision and coverage, per tier, and
 * hopwatch's agreement with it over the hops it resolved, split into its
 * evidence tiers (1-2) and its guess tiers (3-5), each with who was right.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import process from "node:process";
import { NodeDirectory } from "../src/store/node_directory.ts";
import {
  HopResolver,
  type HopResolverOptions,
  type ResolvedPath,
} from "../src/resolve/resolver.ts";
import { loadGraph } from "../src/resolve/graph_persistence.ts";
import {
  loadDirectoryFromDb,
  replayObservations,
  type ReplayRow,
} from "../src/resolve/db_replay.ts";
import { readTruth } from "../src/sim/truth.ts";
import { BaselineTally } from "./baseline_tally.ts";

interface Tally {
  hops: number;
  resolved: number;
  correct: number;
}

function parseArgs(args: string[]) {
  const out = {
    db: "",
    truth: "",
    json: false,
    edges: true,
    baseline: false,
    set: {} as Record<string, number>,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--db") out.db = args[++i] ?? "";
    else if (a === "--truth") out.truth = args[++i] ?? "";
    else if (a === "--json") out.json = true;
    else if (a === "--no-edges") out.edges = false;
    else if (a === "--baseline") out.baseline = true;
    else if (a === "--set") {
      const [k, v] = (args[++i] ?? "").split("=");
      if (!k || !Number.isFinite(Number(v))) {
        throw new Error(`Cannot parse --set "${k}=${v}": expected option=number`);
      }
      out.set[k] = Number(v);
    } else throw new Error(`Cannot parse argument "${a}": unknown`);
  }
  if (!out.db) throw new Error("Cannot run benchmark: --db FILE is required");
  if (!out.truth) out.truth = `${out.db}.truth.bin`;
  return out;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 1e6) / 1e6;
}

function main(): void {
  const args = parseArgs(Deno.args);
  const wall0 = performance.now();
  const db = new DatabaseSync(args.db, { readOnly: true });
  const dir = new NodeDirectory();
  const nodes = loadDirectoryFromDb(db, dir);
  const resolver = new HopResolver(dir, args.set as HopResolverOptions);
  const edges = args.edges ? loadGraph(db, dir, resolver.graph) : { loaded: 0, skipped: 0 };
  const truth = readTruth(args.truth);
  const truthIds = Int32Array.from(truth.nodeKeys, (k) => dir.intern(k));
  const setupMs = performance.now() - wall0;
  const baseline = args.baseline ? new BaselineTally(dir, resolver) : null;

  const all: Tally = { hops: 0, resolved: 0, correct: 0 };
  const bySize: Record<number, Tally> = {
    1: { hops: 0, resolved: 0, correct: 0 },
    2: { hops: 0, resolved: 0, correct: 0 },
    3: { hops: 0, resolved: 0, correct: 0 },
  };
  const labels: Record<string, { hops: number; wrong: number }> = {};
  let observations = 0, noTruth = 0, lengthMismatch = 0;
  let resolveMs = 0;
  const loop0 = performance.now();
  const cpu0 = process.cpuUsage();
  const score = (row: ReplayRow, path: ResolvedPath) => {
    if (row.hopCount === 0) return;
    observations++;
    const want = truth.pathOf(row.observationId);
    if (!want) {
      noTruth++;
      return;
    }
    if (want.length !== row.hopCount) {
      lengthMismatch++;
      return;
    }
    const size = bySize[row.hashSize];
    for (let i = 0; i < row.hopCount; i++) {
      const id = path.nodeIds[i];
      const label = labels[path.labels[i]] ??= { hops: 0, wrong: 0 };
      label.hops++;
      all.hops++;
      size.hops++;
      if (id < 0) continue;
      all.resolved++;
      size.resolved++;
      if (id === truthIds[want[i]]) {
        all.correct++;
        size.correct++;
      } else label.wrong++;
    }
  };
  // Rows are read in chunks so that the resolver is timed on its own.
  const chunk: ReplayRow[] = [];
  const paths: ResolvedPath[] = [];
  const flush = () => {
    if (baseline) {
      // The baseline resolves each path just before hopwatch learns from it.
      for (let k = 0; k < chunk.length; k++) {
        const row = chunk[k];
        baseline.resolve(row);
        const t0 = performance.now();
        paths[k] = resolver.observe(row.hops, row.hashSize, row.hopCount, row.ctx);
        resolveMs += performance.now() - t0;
        baseline.score(row, paths[k], truth.pathOf(row.observationId), truthIds);
      }
    } else {
      const t0 = performance.now();
      for (let k = 0; k < chunk.length; k++) {
        const row = chunk[k];
        paths[k] = resolver.observe(row.hops, row.hashSize, row.hopCount, row.ctx);
      }
      resolveMs += performance.now() - t0;
    }
    for (let k = 0; k < chunk.length; k++) score(chunk[k], paths[k]);
    chunk.length = 0;
  };
  for (const row of replayObservations(db, dir, { trace: "payload" })) {
    chunk.push(row);
    if (chunk.length === 2048) flush();
  }
  flush();
  const loopMs = performance.now() - loop0;
  const cpu = process.cpuUsage(cpu0);
  const report = {
    db: args.db,
    precision: ratio(all.correct, all.resolved),
    coverage: ratio(all.resolved, all.hops),
    byHopSize: Object.fromEntries(
      Object.entries(bySize).map(([k, t]) => [k, {
        precision: ratio(t.correct, t.resolved),
        coverage: ratio(t.resolved, t.hops),
        hops: t.hops,
      }]),
    ),
    hopsPerSec: Math.round(all.hops / (resolveMs / 1000)),
    wallHopsPerSec: Math.round(all.hops / (loopMs / 1000)),
    cpuHopsPerSec: Math.round(all.hops / ((cpu.user + cpu.system) / 1e6)),
    hops: all.hops,
    resolved: all.resolved,
    wrong: all.resolved - all.correct,
    observations,
    noTruth,
    lengthMismatch,
    nodes,
    edgesLoaded: edges.loaded,
    edgesSkipped: edges.skipped,
    edgesAfter: resolver.graph.size,
    labels,
    ...(baseline ? { baseline: baseline.report() } : {}),
    setupMs: Math.round(setupMs),
    options: resolver.options,
  };
  db.close();
  if (args.json) {
    console.log(JSON.stringify(report));
    return;
  }
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  console.log(`resolve ${args.db}: ${report.hops} hops in ${observations} observations`);
  console.log(`  precision ${pct(report.precision)}  coverage ${pct(report.coverage)}`);
  for (const [k, v] of Object.entries(report.byHopSize)) {
    console.log(
      `  ${k}-byte: precision ${pct(v.precision)} coverage ${pct(v.coverage)} (${v.hops} hops)`,
    );
  }
  console.log(
    `  ${report.hopsPerSec} hops/s (resolver), ${report.wallHopsPerSec} hops/s (wall), ` +
      `${report.cpuHopsPerSec} hops per CPU second (whole loop)`,
  );
  console.log(`  labels ${JSON.stringify(labels)}`);
  if (report.baseline) console.log(`  baseline ${JSON.stringify(report.baseline)}`);
}

if (import.meta.main) {
  try {
    main();
  } catch (err) {
    console.error(`resolve_bench: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(1);
  }
}
