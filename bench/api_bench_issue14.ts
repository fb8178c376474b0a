/**
 * Benchmark cases of the reference-parity endpoints (issue 14), in-process
 * (`app.request`): cold first answer, then p50/p99 over `n` requests of each
 * endpoint; target p99 <= 20 ms on the L shape. `bench/api_bench.ts` runs
 * them through {@linkcode issue14Bench}; alone:
 *
 * ```
 * deno run -A bench/api_bench_issue14.ts --db /tmp/hw14-L.db [--n 300] [--json]
 * ```
 *
 * @module
 */

import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { createStack, type Stack } from "../src/cli/stack.ts";
import { Logger } from "../src/log/logger.ts";
import { createApp } from "../src/api/app.ts";
import { WsHub } from "../src/api/ws_hub.ts";

type App = { request: (u: string, init?: RequestInit) => Response | Promise<Response> };

/** p99 target of every case, ms. */
export const P99_TARGET_MS = 20;

function pct(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Distinct 2-4 hop prefix paths seen in the data (from the sub-path ranking). */
async function inspectBodies(app: App, count: number): Promise<string[]> {
  const paths: string[][] = [];
  for (const len of [3, 2, 4]) {
    const res = await app.request(`/api/analytics/subpaths?minLen=${len}&maxLen=${len}&limit=200`);
    const body = await res.json() as { subpaths: { rawHops: string[] }[] };
    paths.push(...body.subpaths.map((s) => s.rawHops).filter((h) => h[0].length === 2));
  }
  const out = paths.slice(0, count).map((prefixes) => JSON.stringify({ prefixes }));
  return out.length ? out : [JSON.stringify({ prefixes: ["01", "02", "03"] })];
}

/** The GET cases: name -> URL. */
export function issue14Cases(stack: Stack): Record<string, string> {
  const pk = stack.nodes.values().next().value?.publicKey ?? "0000";
  return {
    "analytics/rf": "/api/analytics/rf",
    "analytics/rf?window=24h": "/api/analytics/rf?window=24h",
    "analytics/topology": "/api/analytics/topology",
    "analytics/channels": "/api/analytics/channels",
    "analytics/hash-sizes": "/api/analytics/hash-sizes",
    "analytics/hash-collisions": "/api/analytics/hash-collisions",
    "analytics/subpaths-bulk": "/api/analytics/subpaths-bulk?groups=2-2:50,3-3:30,4-4:20,5-8:15",
    "analytics/roles": "/api/analytics/roles",
    "analytics/relay-airtime-share": "/api/analytics/relay-airtime-share",
    "nodes/resolve": `/api/nodes/resolve?prefix=${pk.slice(0, 8)}`,
    "known-channels": "/api/known-channels",
    "audio-lab/buckets": "/api/audio-lab/buckets",
    "perf": "/api/perf",
    "perf/io": "/api/perf/io",
    "perf/sqlite": "/api/perf/sqlite",
    "perf/write-sources": "/api/perf/write-sources",
    "docs": "/api/docs",
  };
}

/** One case's figures. */
export interface CaseResult {
  coldMs: number;
  n: number;
  status: number;
  p50: number;
  p99: number;
  max: number;
  pass: boolean;
}

async function timeCase(
  app: App,
  n: number,
  req: (i: number) => Promise<Response>,
): Promise<CaseResult> {
  const c0 = performance.now();
  await (await req(0)).arrayBuffer();
  const coldMs = performance.now() - c0;
  for (let i = 0; i < 20; i++) await (await req(i)).arrayBuffer();
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await req(i);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    status = res.status;
  }
  void app;
  const p99 = pct(times, 99);
  return {
    coldMs: r3(coldMs),
    n,
    status,
    p50: r3(pct(times, 50)),
    p99: r3(p99),
    max: r3(Math.max(...times)),
    pass: p99 <= P99_TARGET_MS && status === 200,
  };
}

/** Runs every case; `paths/inspect` twice: one repeated body (memoised) and distinct bodies. */
export async function issue14Bench(
  app: App,
  stack: Stack,
  n: number,
  log: (m: string) => void = () => {},
): Promise<Record<string, CaseResult>> {
  const out: Record<string, CaseResult> = {};
  for (const [name, url] of Object.entries(issue14Cases(stack))) {
    out[name] = await timeCase(app, n, () => Promise.resolve(app.request(url)));
    log(`issue14 ${name}: ${JSON.stringify(out[name])}`);
  }
  const bodies = await inspectBodies(app, 600);
  const post = (body: string) =>
    Promise.resolve(app.request("/api/paths/inspect", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    }));
  out["paths/inspect (same body)"] = await timeCase(app, n, () => post(bodies[0]));
  out["paths/inspect (distinct bodies)"] = await timeCase(
    app,
    Math.min(n, bodies.length),
    (i) => post(JSON.stringify({ ...JSON.parse(bodies[i % bodies.length]), limit: 11 + i })),
  );
  for (const k of ["paths/inspect (same body)", "paths/inspect (distinct bodies)"]) {
    log(`issue14 ${k}: ${JSON.stringify(out[k])}`);
  }
  return out;
}

if (import.meta.main) {
  const argv = Deno.args;
  const db = argv[argv.indexOf("--db") + 1];
  if (!argv.includes("--db") || !db) throw new Error("Cannot run: --db FILE is required");
  const n = argv.includes("--n") ? Number(argv[argv.indexOf("--n") + 1]) : 300;
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-i14-bench-" });
  await Deno.copyFile(db, `${dir}/bench.db`);
  const config: HopwatchConfig = {
    ...structuredClone(DEFAULTS),
    dbPath: `${dir}/bench.db`,
    configPath: null,
    raw: {},
    rateLimit: { readPerMinute: 100_000_000, writePerMinute: 100_000_000 },
  };
  const hub = new WsHub();
  const stack = createStack(config, { log: new Logger("error", () => {}), broadcast: () => {} });
  const t0 = performance.now();
  const { summary } = await stack.load();
  const loadMs = Math.round(performance.now() - t0);
  const app = createApp(stack.apiDeps(config, hub));
  const results = await issue14Bench(app, stack, n, (m) => console.error(`[i14] ${m}`));
  const report = {
    bench: "api-issue14",
    db,
    deno: Deno.version.deno,
    load: { ms: loadMs, tx: summary.tx, obs: summary.obs, nodes: stack.nodes.size },
    targetP99Ms: P99_TARGET_MS,
    results,
    allPass: Object.values(results).every((r) => r.pass),
  };
  if (argv.includes("--json")) console.log(JSON.stringify(report, null, 2));
  else {
    for (const [k, v] of Object.entries(results)) {
      console.log(`${v.pass ? "PASS" : "FAIL"}  ${k}: p99 ${v.p99} ms (cold ${v.coldMs} ms)`);
    }
  }
  hub.close();
  await stack.close();
  await Deno.remove(dir, { recursive: true });
}
