/**
 * API benchmark: latency per endpoint in-process (`app.request`) and over real
 * HTTP with concurrent clients (`wrk` when installed, else a Deno load
 * generator in a subprocess), plus live polling (`since=`) while 1,000
 * observations per second go through the real ingest pipeline.
 *
 * ```
 * deno run -A bench/api_bench.ts --db /tmp/hw-L.db [--json] [--n 1000] [--http-seconds 5]
 *   [--connections 50] [--no-http] [--ingest-rate 1000] [--poll-seconds 10]
 * ```
 *
 * The database is copied to a temp dir first (the stack may migrate it).
 * Targets: /api/packets?limit=100 p50 <= 1 ms and p99 <= 5 ms in-process;
 * /api/nodes/{pk}/paths p99 <= 5 ms for a node with >= 5,000 candidate
 * transmissions; /api/nodes (2,000+ nodes) p99 <= 10 ms; live polling p99
 * <= 10 ms while 1,000 obs/s are ingested.
 *
 * @module
 */

import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { localPacketMessage } from "../src/ingest/messages.ts";
import { createStack } from "../src/cli/stack.ts";
import { Logger } from "../src/log/logger.ts";
import { createApp } from "../src/api/app.ts";
import { WsHub } from "../src/api/ws_hub.ts";
import { listenLocal } from "./listen_local.ts";
import { bytesToHex, encodePacket } from "../src/meshcore/encode.ts";
import { pathGroups } from "../src/store/path_groups.ts";
import { issue14Bench } from "./api_bench_issue14.ts";
import { healthBenchEndpoints, healthTargets } from "./health_bench.ts";

/** Command-line options (see the module doc). */
function parseArgs(argv: string[]) {
  const num = (flag: string, def: number) => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? Number(argv[i + 1]) : def;
    if (!Number.isFinite(v)) throw new Error(`Cannot parse arguments: ${flag} needs a number`);
    return v;
  };
  const db = argv[argv.indexOf("--db") + 1];
  if (!argv.includes("--db") || !db) throw new Error("Cannot run: --db FILE is required");
  return {
    db,
    json: argv.includes("--json"),
    http: !argv.includes("--no-http"),
    n: num("--n", 1000),
    httpSeconds: num("--http-seconds", 5),
    connections: num("--connections", 50),
    ingestRate: num("--ingest-rate", 1000),
    pollSeconds: num("--poll-seconds", 10),
  };
}

type Args = ReturnType<typeof parseArgs>;

const log = (msg: string) => console.error(`[api_bench] ${msg}`);

/** The `p`-th percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Latency and throughput of one HTTP load run. */
export interface HttpResult {
  tool: "wrk" | "deno";
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function wrkAvailable(): boolean {
  try {
    return new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync()
      .code !== 127;
  } catch {
    return false;
  }
}

function wrkMs(v: string): number {
  const m = v.match(/^([\d.]+)(us|ms|s)$/);
  if (!m) return NaN;
  const x = Number(m[1]);
  return m[2] === "us" ? x / 1000 : m[2] === "s" ? x * 1000 : x;
}

/** Runs `wrk` (or this file in `--load-worker` mode) against `url` in another process. */
async function httpLoad(
  url: string,
  o: { seconds: number; connections: number },
): Promise<HttpResult> {
  if (wrkAvailable()) {
    const out = await new Deno.Command("wrk", {
      args: [
        `-t${Math.min(4, o.connections)}`,
        `-c${o.connections}`,
        `-d${o.seconds}s`,
        "--latency",
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const pct = (p: string) => wrkMs(text.match(new RegExp(`\\s${p}%\\s+(\\S+)`))?.[1] ?? "");
    const requests = Number(text.match(/(\d+) requests in/)?.[1] ?? 0);
    const non2xx = Number(text.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
    return {
      tool: "wrk",
      connections: o.connections,
      seconds: o.seconds,
      requests,
      rps: Math.round(Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? 0)),
      p50: pct("50"),
      p99: pct("99"),
      errors: non2xx,
    };
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--load-worker",
      url,
      String(o.seconds),
      String(o.connections),
    ],
    stdout: "piped",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** `--load-worker URL SECONDS CONNECTIONS`: concurrent keep-alive fetch loops, JSON result. */
async function loadWorker(url: string, seconds: number, connections: number): Promise<void> {
  const times: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      if (res.status !== 200) errors++;
    }
  }));
  const r: HttpResult = {
    tool: "deno",
    connections,
    seconds,
    requests: times.length,
    rps: Math.round(times.length / seconds),
    p50: Math.round(percentile(times, 50) * 1000) / 1000,
    p99: Math.round(percentile(times, 99) * 1000) / 1000,
    errors,
  };
  console.log(JSON.stringify(r));
}
const ms = (x: number) => Math.round(x * 1000) / 1000;

async function timeRequests(
  app: { request: (u: string) => Response | Promise<Response> },
  url: string,
  n: number,
) {
  for (let i = 0; i < Math.min(50, n); i++) await (await app.request(url)).arrayBuffer();
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await app.request(url);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    status = res.status;
  }
  return {
    n,
    status,
    p50: ms(percentile(times, 50)),
    p99: ms(percentile(times, 99)),
    max: ms(Math.max(...times)),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-api-bench-" });
  const dbPath = `${dir}/bench.db`;
  log(`copying ${args.db}`);
  await Deno.copyFile(args.db, dbPath);
  try {
    await Deno.copyFile(`${args.db}-wal`, `${dbPath}-wal`);
  } catch { /* no WAL */ }
  const config: HopwatchConfig = {
    ...structuredClone(DEFAULTS),
    dbPath,
    configPath: null,
    raw: {},
    rateLimit: { readPerMinute: 100_000_000, writePerMinute: 100_000_000 },
  };
  const quiet = new Logger("error", () => {});
  const hub = new WsHub();
  const stack = createStack(config, { log: quiet, broadcast: (e) => hub.broadcast(e) });
  const t0 = performance.now();
  const { summary } = await stack.load();
  const loadMs = performance.now() - t0;
  log(
    `loaded ${summary.tx} tx / ${summary.obs} obs / ${stack.nodes.size} nodes in ${
      Math.round(loadMs)
    } ms`,
  );
  const app = createApp(stack.apiDeps(config, hub));

  // The node with the most candidate transmissions for /paths.
  let busiest = { key: "", candidates: 0 };
  for (const n of stack.nodes.values()) {
    const size = stack.store.idx.relay[n.id]?.size ?? 0;
    if (size > busiest.candidates) busiest = { key: n.publicKey, candidates: size };
  }
  const pkBytes = Uint8Array.from(busiest.key.match(/../g)!.map((h) => parseInt(h, 16)));
  const id = stack.nodes.idOf(busiest.key)!;
  busiest.candidates = pathGroups(stack.store, id, pkBytes, [], 1).totalTransmissions;
  // The first request builds the node's path index (later ones only add new candidates).
  const c0 = performance.now();
  await (await app.request(`/api/nodes/${busiest.key}/paths`)).arrayBuffer();
  const pathsColdMs = ms(performance.now() - c0);
  const someHash = stack.store.listTransmissions({}, { limit: 1 }).items[0]?.hash ?? "0";
  const endpoints: Record<string, string> = {
    "packets?limit=100": "/api/packets?limit=100",
    "packets?limit=50 (default)": "/api/packets",
    "packets?groupByHash&limit=100": "/api/packets?groupByHash=true&limit=100",
    "packets/{hash}": `/api/packets/${someHash}`,
    "nodes (default page)": "/api/nodes",
    "nodes?limit=2000": "/api/nodes?limit=2000",
    "nodes/{pk}": `/api/nodes/${busiest.key}`,
    "nodes/{pk}/paths": `/api/nodes/${busiest.key}/paths`,
    "observers": "/api/observers",
    "stats": "/api/stats",
    "healthz": "/api/healthz",
  };
  const health = await healthBenchEndpoints(stack, app); // 30 d of metrics for every observer
  Object.assign(endpoints, health.endpoints);
  const inProcess: Record<string, unknown> = {};
  for (const [name, url] of Object.entries(endpoints)) {
    const n = name === "nodes?limit=2000" ? Math.min(args.n, 200) : args.n;
    inProcess[name] = await timeRequests(app, url, n);
    log(`in-process ${name}: ${JSON.stringify(inProcess[name])}`);
  }

  const issue14 = await issue14Bench(app, stack, Math.min(args.n, 300), log);

  // Live polling while the pipeline ingests `ingestRate` observations per second.
  const live = await livePoll(app, stack, args);
  log(`live polling: ${JSON.stringify(live)}`);

  let http: Record<string, HttpResult> | null = null;
  if (args.http) {
    const ac = new AbortController();
    // The product's listener (node:http, `src/api/http_listener.ts`).
    const server = await listenLocal(app.fetch, hub, ac.signal);
    http = {};
    for (const name of ["packets?limit=100", "nodes (default page)", "nodes/{pk}/paths", "stats"]) {
      http[name] = await httpLoad(`http://127.0.0.1:${server.port}${endpoints[name]}`, {
        seconds: args.httpSeconds,
        connections: args.connections,
      });
      log(`http ${name}: ${JSON.stringify(http[name])}`);
    }
    ac.abort();
    await server.finished;
  }

  const ip = inProcess as Record<string, { p50: number; p99: number }>;
  const check = (value: number, limit: number, ok = true, extra: Record<string, number> = {}) => ({
    value,
    ...extra,
    pass: value <= limit && ok,
  });
  const paths = ip["nodes/{pk}/paths"];
  const targets = {
    "packets?limit=100 p50 <= 1 ms": check(ip["packets?limit=100"].p50, 1),
    "packets?limit=100 p99 <= 5 ms": check(ip["packets?limit=100"].p99, 5),
    "nodes/{pk}/paths p99 <= 5 ms (>= 5000 candidates)": check(
      paths.p99,
      5,
      busiest.candidates >= 5000,
      {
        candidates: busiest.candidates,
      },
    ),
    "nodes (2000+ nodes) p99 <= 10 ms": check(
      ip["nodes (default page)"].p99,
      10,
      stack.nodes.size >= 2000,
      {
        nodes: stack.nodes.size,
      },
    ),
    "live polling p99 <= 10 ms at 1000 obs/s": check(
      live.p99,
      10,
      live.ingestRate >= 0.95 * args.ingestRate,
      {
        ingestRate: live.ingestRate,
      },
    ),
  };
  Object.assign(targets, healthTargets(inProcess, health, stack));
  const out = {
    bench: "api",
    db: args.db,
    deno: Deno.version.deno,
    load: { ms: Math.round(loadMs), tx: summary.tx, obs: summary.obs, nodes: stack.nodes.size },
    busiestNode: { ...busiest, pathsColdMs },
    inProcess,
    issue14,
    livePoll: live,
    http,
    rssMB: Math.round(Deno.memoryUsage().rss / 1048576),
    targets,
  };
  if (args.json) console.log(JSON.stringify(out, null, 2));
  else {
    for (const [k, v] of Object.entries(targets)) {
      console.log(`${v.pass ? "PASS" : "FAIL"}  ${k}: ${v.value} ms`);
    }
  }
  hub.close();
  await stack.close();
  await Deno.remove(dir, { recursive: true });
}

/** Ingests synthetic observations at `rate`/s through the pipeline while polling `since=`. */
async function livePoll(
  app: { request: (u: string) => Response | Promise<Response> },
  stack: ReturnType<typeof createStack>,
  args: Args,
) {
  const observers = stack.store.observerCounts().slice(0, 20).map((o) => o.observerId);
  if (observers.length === 0) observers.push("BENCH");
  let ingested = 0;
  let seq = 0;
  let stop = false;
  const hex = (s: number) =>
    bytesToHex(encodePacket({
      routeType: 1,
      payloadType: 2,
      hashSize: 1,
      hops: [
        (s & 0xff).toString(16).padStart(2, "0"),
        ((s >> 8) & 0xff).toString(16).padStart(2, "0"),
      ],
      payload: Uint8Array.of(
        0x33,
        0x1f,
        s & 0xff,
        (s >> 8) & 0xff,
        (s >> 16) & 0xff,
        7,
        6,
        5,
        4,
        3,
        2,
        1,
        0,
        1,
        2,
      ),
    })).toUpperCase();
  const perTick = Math.max(1, Math.round(args.ingestRate / 100));
  const start = performance.now();
  const ingest = (async () => {
    let next = performance.now();
    while (!stop) {
      for (let i = 0; i < perTick; i++) {
        // Three observers per transmission on average.
        const tx = Math.floor(seq / 3);
        const obs = observers[seq % observers.length];
        seq++;
        await stack.pipeline.ingestPacket(
          localPacketMessage(hex(tx), obs, { source: "bench", snr: 5, rssi: -90 }),
        );
        ingested++;
      }
      next += 10;
      const wait = next - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
  })();
  const times: number[] = [];
  let since = new Date().toISOString();
  let rows = 0;
  const end = performance.now() + args.pollSeconds * 1000;
  while (performance.now() < end) {
    const url = `/api/packets?since=${encodeURIComponent(since)}&limit=100&order=asc`;
    const polledAt = new Date().toISOString();
    const t0 = performance.now();
    const res = await app.request(url);
    const body = await res.json();
    times.push(performance.now() - t0);
    rows += body.packets.length;
    since = polledAt;
    await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  await ingest;
  const seconds = (performance.now() - start) / 1000;
  return {
    polls: times.length,
    rowsSeen: rows,
    p50: ms(percentile(times, 50)),
    p99: ms(percentile(times, 99)),
    max: ms(Math.max(...times)),
    ingestRate: Math.round(ingested / seconds),
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "--load-worker") {
    await loadWorker(Deno.args[1], Number(Deno.args[2]), Number(Deno.args[3]));
  } else await main();
}
