/**
 * How long an HTTP request waits for a loop that works in slices and yields
 * with `nextTurn()` (src/store/next_turn.ts), with and without the held
 * loopback pair (`holdIoTurns()`). A child process serves HTTP (3 ms of work a
 * request) while a loop works in 4 ms slices; this process sends one request
 * every 100–150 ms on a new connection with its send time in a header. Prints
 * JSON per mode: send → handler (`pre`), the whole request, and the share of
 * time the loop worked (what the yields cost).
 *
 * ```
 * deno run -A bench/yield_bench.ts [--seconds 8] [--rounds 2]
 * ```
 *
 * @module
 */

import { holdIoTurns, nextTurn } from "../src/store/next_turn.ts";

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : def;
}

const round = (x: number) => Math.round(x * 100) / 100;
const now = () => performance.timeOrigin + performance.now();

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
}

/** The child: HTTP on `port` beside a loop of 4 ms slices for `ms`; prints its figures. */
async function serve(mode: string, port: number, ms: number): Promise<void> {
  const release = mode === "held" ? await holdIoTurns() : null;
  const pre: number[] = [];
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const sent = Number(req.headers.get("x-sent"));
    pre.push(now() - sent);
    const s = performance.now();
    while (performance.now() - s < 3) { /* the handler's work */ }
    return new Response("x".repeat(20_000));
  });
  let worked = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const s = performance.now();
    while (performance.now() - s < 4) { /* a slice of work */ }
    worked += performance.now() - s;
    await nextTurn();
  }
  const share = worked / (performance.now() - t0);
  await server.shutdown();
  await release?.();
  console.log(JSON.stringify({
    requests: pre.length,
    preP50: pct(pre, 50),
    preP90: pct(pre, 90),
    preMax: pct(pre, 100),
    loopShare: round(share),
  }));
}

/** One mode: the child serving and this process's client. */
async function run(mode: string, seconds: number) {
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--serve", mode, "--port", String(port)]
      .concat(["--ms", String(seconds * 1000 + 2000)]),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const total: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < 10_000) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/`, { headers: { "x-sent": String(now()) } }))
        .arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    const s = performance.now();
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, {
        client,
        headers: { Connection: "close", "x-sent": String(now()) },
      });
      await r.arrayBuffer();
      total.push(performance.now() - s);
    } catch {
      /* counted as missing */
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 50));
  }
  const out = await child.output();
  const server = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  return {
    mode,
    load: Deno.loadavg()[0],
    ...server,
    totalP50: pct(total, 50),
    totalP90: pct(total, 90),
    totalMax: pct(total, 100),
  };
}

if (import.meta.main) {
  const serveMode = arg("--serve", "");
  if (serveMode) {
    await serve(serveMode, Number(arg("--port", "0")), Number(arg("--ms", "8000")));
    Deno.exit(0);
  }
  const seconds = Number(arg("--seconds", "8"));
  const rounds = Number(arg("--rounds", "2"));
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    for (const mode of ["digest", "held"]) runs.push(await run(mode, seconds));
  }
  console.log(JSON.stringify({ bench: "yield", seconds, runs }, null, 2));
}
