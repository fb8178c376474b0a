/**
 * WebSocket fan-out benchmark: a hopwatch server process (real stack over a
 * fresh database, real pipeline at `--rate` observations per second), `--clients`
 * reading WebSocket clients spread over client processes, and `--stalled`
 * clients that never read. Reports delivery latency (ingest time to receipt),
 * frames per client, server RSS growth, and whether stalled clients got lag
 * notices.
 *
 * ```
 * deno run -A bench/ws_bench.ts --clients 1000 [--rate 200] [--seconds 20] [--stalled 10]
 *   [--workers 2] [--stall-rate 1500] [--stall-seconds 90] [--json]
 * ```
 *
 * Phase A measures latency with every client connected. Phase B stops the
 * reading clients and re-sends real frames to the stalled ones at
 * `--stall-rate` (loopback socket buffers absorb megabytes before the server
 * sees backpressure) until the hub has closed them all; server RSS is sampled
 * through both phases.
 *
 * ```
 * ```
 *
 * Clients speak WebSocket over raw TCP (the handshake, then frame headers
 * only), so 1,000 of them fit in two small processes; a sample of clients
 * decodes each frame's `timestamp` to measure latency (every 20th client).
 *
 * @module
 */

import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { createStack } from "../src/cli/stack.ts";
import { Logger } from "../src/log/logger.ts";
import { createApp } from "../src/api/app.ts";
import { WsHub } from "../src/api/ws_hub.ts";
import { buildPacketFrame } from "../src/api/ws_frame.ts";
import { RawWsClient as RawClient } from "../tests/api/raw_ws_client.ts";
import { bytesToHex, encodePacket } from "../src/meshcore/encode.ts";

const SELF = new URL(import.meta.url).pathname;
const enc = new TextEncoder();
const dec = new TextDecoder();
const log = (m: string) => console.error(`[ws_bench] ${m}`);

/** Lines from a readable byte stream. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

// ---------------------------------------------------------------- server mode

async function serverMode(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-ws-bench-" });
  const config: HopwatchConfig = {
    ...structuredClone(DEFAULTS),
    dbPath: `${dir}/ws.db`,
    configPath: null,
    raw: {},
    rateLimit: { readPerMinute: 1e9, writePerMinute: 1e9 },
  };
  const hub = new WsHub({ maxClients: 20_000 });
  let broadcastMs = 0;
  let lastFrame = "";
  const stack = createStack(config, {
    log: new Logger("error", () => {}),
    broadcast: (e) => {
      const t0 = performance.now();
      lastFrame = buildPacketFrame(e);
      hub.broadcastFrame(lastFrame);
      broadcastMs += performance.now() - t0;
    },
  });
  const app = createApp(stack.apiDeps(config, hub));
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    app.fetch,
  );
  console.log(JSON.stringify({ port: server.addr.port, pid: Deno.pid }));
  let seq = 0;
  for await (const line of lines(Deno.stdin.readable)) {
    const [cmd, a, b] = line.trim().split(/\s+/);
    if (cmd === "ingest") {
      const rate = Number(a);
      const seconds = Number(b);
      const start = performance.now();
      let next = start;
      let n = 0;
      while (performance.now() - start < seconds * 1000) {
        const perTick = Math.max(1, Math.round(rate / 100));
        for (let i = 0; i < perTick; i++, n++, seq++) {
          const tx = Math.floor(seq / 3);
          const raw = bytesToHex(encodePacket({
            routeType: 1,
            payloadType: 2,
            hashSize: 1,
            hops: ["7D", (tx & 0xff).toString(16).padStart(2, "0"), "DA"],
            payload: Uint8Array.of(
              0x33,
              0x1f,
              tx & 0xff,
              (tx >> 8) & 0xff,
              (tx >> 16) & 0xff,
              1,
              2,
              3,
              4,
              5,
              6,
              7,
              8,
            ),
          })).toUpperCase();
          await stack.pipeline.ingestPacket({
            kind: "packet",
            source: "bench",
            topic: "",
            receivedAtMs: Date.now(),
            raw,
            observerId: `OBS${seq % 3}`,
            observerName: `Observer ${seq % 3}`,
            iata: "SFO",
            snr: 6.5,
            rssi: -95,
            score: null,
            direction: null,
            observerTimestamp: null,
            observerTimestampNaive: false,
          });
        }
        next += 10;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
      const ms = performance.now() - start;
      console.log(JSON.stringify({
        done: true,
        ingested: n,
        hub: hub.stats(),
        broadcastMsPerObs: Math.round((broadcastMs / Math.max(1, n)) * 1000) / 1000,
        busyShare: Math.round((broadcastMs / ms) * 1000) / 1000,
      }));
      broadcastMs = 0;
    } else if (cmd === "flood") {
      // Re-broadcasts the last real frame at `rate` per second (no store growth).
      const rate = Number(a);
      const end = performance.now() + Number(b) * 1000;
      while (performance.now() < end) {
        for (let i = 0; i < Math.max(1, Math.round(rate / 100)); i++) hub.broadcastFrame(lastFrame);
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(JSON.stringify({ done: true, hub: hub.stats() }));
    } else if (cmd === "quit") break;
  }
  hub.close();
  ac.abort();
  await server.finished;
  await stack.close();
  await Deno.remove(dir, { recursive: true });
}

// ---------------------------------------------------------------- raw clients

async function clientWorkerMode(port: number, count: number, probeEvery: number): Promise<void> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const c = new RawClient(i % probeEvery === 0);
    await c.connect(port);
    clients.push(c);
  }
  let stop = false;
  const runs = clients.map((c) => c.run(() => stop));
  console.log(JSON.stringify({ ready: count }));
  for await (const line of lines(Deno.stdin.readable)) if (line.trim() === "stop") break;
  stop = true;
  for (const c of clients) c.close();
  await Promise.allSettled(runs);
  const lat = clients.flatMap((c) => c.latencies);
  console.log(JSON.stringify({
    frames: clients.map((c) => c.frames),
    lags: clients.reduce((n, c) => n + c.lags, 0),
    latencies: lat,
  }));
}

// ---------------------------------------------------------------- main

function rssMB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

interface Proc {
  child: Deno.ChildProcess;
  out: AsyncGenerator<string>;
  send(line: string): Promise<void>;
}

function spawn(args: string[]): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, ...args],
    stdin: "piped",
    stdout: "piped",
  })
    .spawn();
  const writer = child.stdin.getWriter();
  return { child, out: lines(child.stdout), send: (l) => writer.write(enc.encode(l + "\n")) };
}

async function next(p: Proc): Promise<Record<string, unknown>> {
  const r = await p.out.next();
  if (r.done) throw new Error("Cannot read from child: it exited");
  return JSON.parse(r.value);
}

async function main(): Promise<void> {
  const arg = (name: string, def: number) => {
    const i = Deno.args.indexOf(name);
    return i >= 0 ? Number(Deno.args[i + 1]) : def;
  };
  const clients = arg("--clients", 1000);
  const rate = arg("--rate", 200);
  const seconds = arg("--seconds", 20);
  const stalledCount = arg("--stalled", 10);
  const workers = Math.max(1, arg("--workers", 2));
  const server = spawn(["--server"]);
  const { port, pid } = await next(server) as { port: number; pid: number };
  log(`server pid ${pid} on port ${port}`);
  const ws: Proc[] = [];
  for (let w = 0; w < workers; w++) {
    const n = Math.floor(clients / workers) + (w < clients % workers ? 1 : 0);
    ws.push(spawn(["--client-worker", String(port), String(n), "20"]));
  }
  for (const w of ws) await next(w);
  const stalled: RawClient[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  for (let i = 0; i < stalledCount; i++) {
    const c = new RawClient(false);
    await c.connect(port);
    stalled.push(c);
    timers.push(c.keepalive());
  }
  log(`${clients} reading + ${stalledCount} stalled clients connected`);
  await new Promise((r) => setTimeout(r, 1000));
  const rssStart = rssMB(pid);
  let rssMax = rssStart;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMB(pid));
  }, 250);
  const t0 = performance.now();
  await server.send(`ingest ${rate} ${seconds}`);
  const done = await next(server) as {
    ingested: number;
    hub: Record<string, number>;
    broadcastMsPerObs: number;
    busyShare: number;
  };
  const elapsed = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const results = [];
  for (const w of ws) {
    await w.send("stop");
    results.push(await next(w) as { frames: number[]; lags: number; latencies: number[] });
  }
  // Phase B: the stalled clients sit behind megabytes of loopback socket buffers, so re-send
  // real frames at `--stall-rate` until the hub has given up on all of them (or time runs out).
  const stallRate = arg("--stall-rate", 1500);
  const stallMax = arg("--stall-seconds", 90);
  const tb = performance.now();
  let hubAfter = done.hub;
  while (hubAfter.slowDisconnects < stalledCount && (performance.now() - tb) / 1000 < stallMax) {
    await server.send(`flood ${stallRate} 5`);
    hubAfter = (await next(server) as { hub: Record<string, number> }).hub;
  }
  const stallPhaseSeconds = Math.round((performance.now() - tb) / 1000);
  clearInterval(sampler);
  const rssEnd = rssMB(pid);
  for (const t of timers) clearInterval(t);
  // Stalled clients now read what reached them: a lag notice and/or the close frame.
  let endStalled = false;
  const drains = stalled.map((c) => c.run(() => endStalled || c.lags > 0));
  await Promise.race([Promise.all(drains), new Promise((r) => setTimeout(r, 5000))]);
  endStalled = true;
  for (const c of stalled) c.close();
  await server.send("quit");
  await server.child.status;
  for (const w of ws) await w.child.status;
  const frames = results.flatMap((r) => r.frames);
  const lat = results.flatMap((r) => r.latencies);
  const expected = done.ingested;
  const out = {
    bench: "ws",
    clients,
    stalled: stalledCount,
    rate,
    seconds,
    achievedRate: Math.round(done.ingested / elapsed),
    framesPerClient: { expected, min: Math.min(...frames), max: Math.max(...frames) },
    readingClientLagNotices: results.reduce((n, r) => n + r.lags, 0),
    latencyMs: { samples: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) },
    serverRssMB: {
      start: Math.round(rssStart),
      max: Math.round(rssMax),
      end: Math.round(rssEnd),
      growth: Math.round(rssMax - rssStart),
    },
    stalledClients: {
      gotLagNotice: stalled.filter((c) => c.lags > 0).length,
      droppedReported: stalled.reduce((n, c) => n + c.dropped, 0),
      closedWith: [...new Set(stalled.map((c) => c.closeCode))],
    },
    hub: done.hub,
    stallPhase: { seconds: stallPhaseSeconds, rate: stallRate, hub: hubAfter },
    broadcastMsPerObservation: done.broadcastMsPerObs,
    broadcastShareOfWallTime: done.busyShare,
    targets: {
      [`ingest rate >= 95% of ${rate} obs/s with every client connected`]:
        done.ingested / elapsed >=
          0.95 * rate,
      "p99 delivery latency <= 100 ms": pct(lat, 99) <= 100,
      "server RSS growth <= 50 MB": rssMax - rssStart <= 50,
      "stalled clients get lag notices": stalled.every((c) => c.lags > 0),
    },
  };
  if (Deno.args.includes("--json")) console.log(JSON.stringify(out, null, 2));
  else console.log(out);
}

if (import.meta.main) {
  if (Deno.args[0] === "--server") await serverMode();
  else if (Deno.args[0] === "--client-worker") {
    await clientWorkerMode(Number(Deno.args[1]), Number(Deno.args[2]), Number(Deno.args[3]));
  } else await main();
}
