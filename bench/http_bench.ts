/**
 * What the listener costs HTTP: the same app on the same database served by
 * hopwatch's listener (`node:http` + `@hono/node-server`,
 * `src/api/http_listener.ts`) and by `Deno.serve` (the main port's server until
 * session 9, kept here as the baseline), alternating in one run. Each server is
 * a child process on a fresh copy of the database; for each endpoint, after 50
 * warm-up requests, `--connections` keep-alive fetch loops run for `--seconds`
 * (`api_bench.ts --load-worker`, another process), and the server's CPU time
 * per request comes from `/proc/<pid>/stat`. Prints JSON: per server and
 * endpoint the medians over `--rounds` of requests/s, p50, p99 and CPU µs per
 * request.
 *
 * ```
 * deno task bench:http --db FILE [--rounds 3] [--seconds 4] [--connections 20]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { createStack } from "../src/cli/stack.ts";
import { Logger } from "../src/log/logger.ts";
import { createApp } from "../src/api/app.ts";
import { WsHub } from "../src/api/ws_hub.ts";
import { listenLocal } from "./listen_local.ts";
import { SERVER_V8_FLAGS_ARG } from "../src/cli/v8_flags.ts";

const SERVERS = ["node:http", "Deno.serve"] as const;
type ServerKind = typeof SERVERS[number];
const ENDPOINTS = ["/api/packets?limit=100", "/api/nodes", "/api/stats", "/api/healthz"];

/** `--serve-child DB KIND`: loads the store, serves the app, prints `{port, pid}`. */
async function serveChild(db: string, kind: ServerKind): Promise<void> {
  const config: HopwatchConfig = {
    ...structuredClone(DEFAULTS),
    dbPath: db,
    configPath: null,
    raw: {},
    rateLimit: { readPerMinute: 1e9, writePerMinute: 1e9 },
  };
  const hub = new WsHub();
  const stack = createStack(config, {
    log: new Logger("error", () => {}),
    broadcast: (e) => hub.broadcast(e),
  });
  await stack.load();
  const app = createApp(stack.apiDeps(config, hub));
  let port: number;
  if (kind === "Deno.serve") {
    const s = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      (req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }),
    );
    port = s.addr.port;
  } else {
    const signal = new AbortController().signal;
    port = (await listenLocal(app.fetch, hub, signal)).port;
  }
  console.log(JSON.stringify({ port, pid: Deno.pid }));
}

/** User + system CPU seconds of a process. */
function cpuSeconds(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      db: { type: "string" },
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "4" },
      connections: { type: "string", default: "20" },
    },
  });
  if (!values.db) throw new Error("Cannot run the HTTP bench: --db FILE is required");
  const self = new URL(import.meta.url).pathname;
  const apiBench = new URL("./api_bench.ts", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-http-bench-" });
  const rows: Record<string, Record<string, Row[]>> = {};
  const loads: number[] = [];
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const kind of SERVERS) {
        const db = `${dir}/copy.db`;
        await Deno.copyFile(values.db, db);
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", SERVER_V8_FLAGS_ARG, "-A", self, "--serve-child", db, kind],
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let head = "";
        while (!head.includes("\n")) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`Cannot start the ${kind} server child`);
          head += value;
        }
        const { port, pid } = JSON.parse(head.split("\n")[0]);
        loads.push(Deno.loadavg()[0]);
        for (const ep of ENDPOINTS) {
          const url = `http://127.0.0.1:${port}${ep}`;
          for (let i = 0; i < 50; i++) await (await fetch(url)).arrayBuffer();
          const c0 = cpuSeconds(pid);
          const out = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              apiBench,
              "--load-worker",
              url,
              values.seconds!,
              values.connections!,
            ],
            stdout: "piped",
          }).output();
          const r = JSON.parse(new TextDecoder().decode(out.stdout));
          const row: Row = {
            rps: r.rps,
            p50: r.p50,
            p99: r.p99,
            cpuUsPerRequest: Math.round((cpuSeconds(pid) - c0) * 1e6 / r.requests),
          };
          console.error(`[http_bench] round ${round + 1} ${kind} ${ep} ${JSON.stringify(row)}`);
          ((rows[kind] ??= {})[ep] ??= []).push(row);
        }
        child.kill();
        await child.status;
        await reader.cancel().catch(() => {});
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const medians: Record<string, Record<string, Row>> = {};
  for (const [kind, eps] of Object.entries(rows)) {
    for (const [ep, rs] of Object.entries(eps)) {
      (medians[kind] ??= {})[ep] = {
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        cpuUsPerRequest: median(rs.map((r) => r.cpuUsPerRequest)),
      };
    }
  }
  console.log(JSON.stringify(
    {
      bench: "http",
      db: values.db,
      rounds: Number(values.rounds),
      seconds: Number(values.seconds),
      connections: Number(values.connections),
      loadAtStarts: loads.map((l) => Math.round(l * 100) / 100),
      medians,
      runs: rows,
    },
    null,
    2,
  ));
}

if (Deno.args[0] === "--serve-child") await serveChild(Deno.args[1], Deno.args[2] as ServerKind);
else await main();
