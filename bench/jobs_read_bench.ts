/**
 * Reads while background jobs run: starts the real server (`main.ts`) on a
 * freshly generated database (shape M by default, timestamps ending now), and
 * measures `GET /api/packets?limit=100&offset=N` over HTTP, a new connection
 * per request, during the first `--first` seconds after the server listens
 * (store load, health seeding, hop-resolution backfill, checkpoints and the rest
 * start then), and again once every background job is idle: the server's own
 * `/api/health` `maintenance.busy` list is empty (no startup work, backfill or
 * retention running) three polls in a row. Target: p99 during <= 2x p99
 * after. Prints JSON.
 *
 * ```
 * deno run -A bench/jobs_read_bench.ts [--shape M] [--seed 7] [--db FILE] [--requests 400]
 *   [--first 60] [--runs 1] [--root DIR]
 * ```
 *
 * `--db FILE` uses a copy of an existing database instead of generating one.
 * `--root DIR` starts the `main.ts` of another checkout (e.g. the branch point,
 * from `git archive`) under the same client: a tree without `maintenance.busy`
 * counts as idle once its store is ready and its backfill is no longer running.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { spawnServer } from "./server_child.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const KEY = "jobs-read-bench-key-0123456789abcdef";

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : def;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round = (x: number) => Math.round(x * 100) / 100;

async function generate(shape: string, seed: string, out: string): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/gen_command.ts", "--shape", shape, "--out", out, "--seed", seed],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).output();
  if (!r.success) throw new Error(`Cannot generate the ${shape} database`);
}

interface Phase {
  requests: number;
  ok: number;
  /** Answers other than 200 (503 while the index loads), by status. */
  other: Record<string, number>;
  /** The slowest requests: [seconds from the phase's start, ms]. */
  slowest: [number, number][];
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** `n` requests spread over `spanMs` (open loop), each on its own connection. */
async function measure(
  base: string,
  n: number,
  spanMs: number,
  total: number,
): Promise<Phase & { times: [number, number][] }> {
  const lat: number[] = [];
  const at: [number, number][] = [];
  const other: Record<string, number> = {};
  const t0 = performance.now();
  const runs: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * spanMs) / n;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const offset = Math.floor(((i * 7919) % 997) / 997 * Math.max(1, total - 100));
    runs.push((async () => {
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
      const s = performance.now();
      try {
        const r = await fetch(`${base}/api/packets?limit=100&offset=${offset}`, {
          client,
          headers: { Connection: "close" },
        });
        await r.arrayBuffer();
        if (r.status === 200) {
          lat.push(performance.now() - s);
          at.push([round((s - t0) / 1000), round(performance.now() - s)]);
        } else other[r.status] = (other[r.status] ?? 0) + 1;
      } catch {
        other.error = (other.error ?? 0) + 1;
      } finally {
        client.close();
      }
    })());
  }
  await Promise.all(runs);
  return {
    requests: n,
    ok: lat.length,
    other,
    times: [...at],
    slowest: at.sort((a, b) => b[1] - a[1]).slice(0, 8),
    p50: round(pct(lat, 50)),
    p90: round(pct(lat, 90)),
    p99: round(pct(lat, 99)),
    max: round(pct(lat, 100)),
  };
}

/**
 * The first phase's requests that started before `/api/health` first said "ok" (polled once a
 * second, so up to a second late): the ones that met the store load.
 */
function loadWindow(times: [number, number][], readyAfterS: number | null, listenMs: number) {
  if (readyAfterS === null) return null;
  const untilS = readyAfterS - listenMs / 1000;
  const lat = times.filter(([at]) => at < untilS).map(([, ms]) => ms);
  return {
    untilSeconds: round(untilS),
    requests: lat.length,
    p50: round(pct(lat, 50)),
    p90: round(pct(lat, 90)),
    max: round(pct(lat, 100)),
  };
}

function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Transmissions in the file (the requests' offsets spread over them). */
function transmissionCount(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(db.prepare("SELECT COUNT(*) AS n FROM transmissions").get()?.n ?? 0);
  } finally {
    db.close();
  }
}

/** Whether the server says every background job is idle (see the module doc). */
function idle(health: Record<string, unknown>): boolean {
  const m = health.maintenance as { busy?: string[]; backfill?: { state?: string } } | null;
  if (Array.isArray(m?.busy)) return m.busy.length === 0;
  const st = m?.backfill?.state;
  return health.status === "ok" && st !== "running" && st !== undefined;
}

async function oneRun(db: string, requests: number, firstS: number, root: string) {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-jobs-read-" });
  const copy = `${dir}/run.db`;
  await Deno.copyFile(db, copy);
  const total = transmissionCount(copy);
  const cfg = `${dir}/config.json`;
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      apiKey: KEY,
      rateLimit: { writePerMinute: 1_000_000, readPerMinute: 1_000_000 },
    }),
  );
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawnServer({ root: root, config: cfg, db: copy, port });
  try {
    let up = false;
    while (!up && performance.now() - t0 < 300_000) {
      try {
        const r = await fetch(`${base}/api/healthz`);
        await r.body?.cancel();
        up = true;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    if (!up) throw new Error("Cannot start hopwatch for the jobs bench: not listening in 300 s");
    const listenMs = performance.now() - t0;
    const cpu0 = cpuSeconds(child.pid);
    // The server's own view of its jobs, once a second while the first phase runs.
    let readyAfterS: number | null = null;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          const h = await (await fetch(`${base}/api/health`)).json();
          if (readyAfterS === null && h.status === "ok") {
            readyAfterS = Math.round((performance.now() - t0) / 100) / 10;
          }
        } catch { /* counted by the measured requests */ }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const { times, ...during } = await measure(base, requests, firstS * 1000, total);
    polling = false;
    await poller;
    const cpuDuring = (cpuSeconds(child.pid) - cpu0) / firstS;
    // Idle: the server reports no background job running, three polls (1 s apart) in a row.
    let health: Record<string, unknown> = {};
    const idleFrom = performance.now();
    let quiet = 0;
    while (quiet < 3 && performance.now() - idleFrom < 900_000) {
      const r = await fetch(`${base}/api/health`);
      health = await r.json();
      quiet = idle(health) ? quiet + 1 : 0;
      if (quiet < 3) await new Promise((r) => setTimeout(r, 1000));
    }
    if (quiet < 3) throw new Error("Cannot measure idle reads: jobs still busy after 900 s");
    const idleAfterS = Math.round((performance.now() - t0) / 1000);
    const cpu1 = cpuSeconds(child.pid);
    const { times: _, ...after } = await measure(base, requests, firstS * 1000, total);
    const cpuAfter = (cpuSeconds(child.pid) - cpu1) / firstS;
    return {
      transmissions: total,
      listenMs: Math.round(listenMs),
      readyAfterSeconds: readyAfterS,
      idleAfterSeconds: idleAfterS,
      backfill: (health.maintenance as { backfill?: unknown } | null)?.backfill ?? null,
      walCheckpoints: (health.maintenance as { walCheckpoints?: unknown } | null)
        ?.walCheckpoints ?? null,
      during: { ...during, serverCpuCores: round(cpuDuring) },
      duringLoad: loadWindow(times, readyAfterS, listenMs),
      after: { ...after, serverCpuCores: round(cpuAfter) },
      p99Ratio: round(during.p99 / after.p99),
      p50Ratio: round(during.p50 / after.p50),
    };
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const shape = arg("--shape", "M");
  const seed = arg("--seed", "7");
  const requests = Number(arg("--requests", "400"));
  const firstS = Number(arg("--first", "60"));
  const runs = Number(arg("--runs", "1"));
  let db = arg("--db", "");
  const root = arg("--root", ROOT);
  const tmp = await Deno.makeTempDir({ prefix: "hopwatch-jobs-gen-" });
  try {
    if (!db) {
      db = `${tmp}/gen.db`;
      await generate(shape, seed, db);
    }
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await oneRun(db, requests, firstS, root));
    const ratios = results.map((r) => r.p99Ratio).sort((a, b) => a - b);
    console.log(JSON.stringify(
      {
        bench: "jobs_read",
        shape: arg("--db", "") ? "custom" : shape,
        root,
        load: Deno.loadavg(),
        requestsPerPhase: requests,
        firstSeconds: firstS,
        runs: results,
        medianP99Ratio: ratios[Math.floor(ratios.length / 2)],
        targets: {
          "p99 during <= 2x p99 after (median of runs)": ratios[Math.floor(ratios.length / 2)] <= 2,
        },
      },
      null,
      2,
    ));
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
