/**
 * WebSocket fan-out benchmark: a hopwatch server process (real stack over a
 * fresh database, real pipeline at `--rate` observations per second), `--clients`
 * reading WebSocket clients spread over client processes, and `--stalled`
 * clients that never read. Reports delivery latency (ingest time to receipt),
 * frames per client, server RSS growth, and whether stalled clients got lag
 * notices.
 *
 * ```
 * deno run -A bench/ws_bench.ts --clients 1000 [--plain-clients 250] [--rate 200] [--seconds 20]
 *   [--stalled 10] [--workers 2] [--stall-rate 1500] [--stall-seconds 90] [--no-pin]
 *   [--high-water BYTES] [--flush-ms MS] [--max-flush-ms MS] [--slice-clients N] [--drain-ms MS]
 *   [--server-v8-flags FLAGS] [--split] [--json]
 * ```
 *
 * `--clients` are batch clients (`/ws?batch=1`, one array frame per flush); the
 * `--plain-clients` of the same run ask for nothing and get one frame per
 * observation, as CoreScope's frontend does. Both are measured separately.
 * `--flush-ms`, `--slice-clients` and `--drain-ms` override the hub's defaults (25 ms; 1,000
 * batch clients handed a flush per event-loop turn; a large value turns the
 * slices off, 100 was the default before session 7) to compare them. The server runs with hopwatch's own V8 flags
 * (`src/cli/v8_flags.ts`); `--server-v8-flags` replaces them with
 * `--v8-flags=FLAGS` (e.g. `--max-semi-space-size=2`); `MALLOC_*` variables of
 * the environment reach it as well. `serverMemoryMB` splits the growth while fed
 * into V8's heap and the native allocator's (see `mem_probe.ts`); `WS_BENCH_SPACES=1` and
 * `WS_BENCH_HEAPPROF=<file>` show it per V8 space and per allocation site (`ws_heap_probe.ts`).
 *
 * `--split` adds `latencySplit`: where the latency goes (`ws_send_trace.ts`: ingest to the
 * flush, the hand-out of one frame to every client, the send) against what the clients saw.
 *
 * Phase A measures latency with every client connected. Phase B stops the
 * reading clients and re-sends real frames to the stalled ones at
 * `--stall-rate` (loopback socket buffers absorb megabytes before the server
 * sees backpressure) until the hub has closed them all; server RSS is sampled
 * through both phases.
 *
 * Load is open-loop: the generator ingests whatever is due at each tick, and
 * latency counts from when an observation was due, so a late timer shows up
 * as latency instead of a lower rate. With `taskset` and two or more CPUs
 * the server is pinned to the lower half of the CPUs and the client
 * processes to the upper half (`--no-pin` turns it off), as in production
 * where viewers are other machines; `cpuCores` reports what each used.
 *
 * Clients speak WebSocket over raw TCP (the handshake, then frame headers
 * only), so 1,000 of them fit in two small processes; a sample of clients
 * decodes each frame's `timestamp` to measure latency (every 20th client).
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
import { liveSocketStats } from "../src/api/ws_lib_socket.ts";
import { buildPacketFrame } from "../src/api/ws_frame.ts";
import { RawWsClient as RawClient } from "../tests/api/raw_ws_client.ts";
import { bytesToHex, encodePacket } from "../src/meshcore/encode.ts";
import { SERVER_V8_FLAGS } from "../src/cli/v8_flags.ts";
import { SendTrace, summary } from "./ws_send_trace.ts";
import { maxSample, type MemorySample, memorySample, sampleMB } from "./mem_probe.ts";
import { followFirstLiveSocket, startHeapSampling, startSpacesTrace } from "./ws_heap_probe.ts";

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
  const hw = Number(Deno.args[1] ?? 0);
  const flushMs = Number(Deno.args[2]);
  const sliceClients = Number(Deno.args[3]);
  const drainMs = Number(Deno.args[4]);
  const trace = Deno.args[5] === "split" ? new SendTrace() : null;
  const maxFlushMs = Number(Deno.args[6]);
  trace?.install();
  const hub = new WsHub({
    maxClients: 20_000,
    ...(Number.isFinite(drainMs) ? { drainIntervalMs: drainMs } : {}),
    ...(Number.isFinite(sliceClients) ? { sliceClients } : {}),
    ...(Number.isFinite(flushMs) ? { flushMs } : {}),
    ...(Number.isFinite(maxFlushMs) ? { maxFlushMs } : {}),
    ...(hw > 0 ? { highWaterBytes: hw } : {}),
  });
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
  // The product's listener (node:http, `src/api/http_listener.ts`); WS_BENCH_LIVE=1: the
  // clients connect to a live-feed port (`live.port`) instead of the main port.
  const server = await listenLocal(app.fetch, hub, ac.signal);
  const live = Deno.env.get("WS_BENCH_LIVE") === "1"
    ? await listenLocal(app.fetch, hub, ac.signal, "live")
    : null;
  console.log(JSON.stringify({
    port: live?.port ?? server.port,
    pid: Deno.pid,
    flushMs: hub.limits.flushMs,
    maxFlushMs: hub.limits.maxFlushMs,
    sliceClients: hub.limits.sliceClients,
    highWaterBytes: hub.limits.highWaterBytes,
    drainIntervalMs: hub.limits.drainIntervalMs,
  }));
  let traceTimer: ReturnType<typeof setInterval> | undefined;
  if (Deno.env.get("WS_BENCH_TRACE")) {
    const first = followFirstLiveSocket();
    // One line a second on stderr: RSS, heap, the hub's accounted and queued bytes, frames sent.
    traceTimer = setInterval(() => {
      const m = Deno.memoryUsage();
      const st = hub.stats();
      console.error(
        `[server] rss ${(m.rss / 1e6).toFixed(0)} heap ${(m.heapUsed / 1e6).toFixed(0)} ext ${
          (m.external / 1e6).toFixed(0)
        } accounted ${
          (st.accountedBytes / 1e6).toFixed(1)
        } queued ${st.queuedBytes} sent ${st.framesSent} slow ${st.slowDisconnects} bound ${st.boundDisconnects} tcpMemPages ${tcpMemPages()} live ${
          JSON.stringify(liveSocketStats)
        } first ${JSON.stringify(first())}`,
      );
    }, 1000);
  }
  startSpacesTrace(() => `clients ${hub.clientCount}`);
  let seq = 0;
  for await (const line of lines(Deno.stdin.readable)) {
    const [cmd, a, b] = line.trim().split(/\s+/);
    if (cmd === "ingest") {
      const rate = Number(a);
      const seconds = Number(b);
      // Memory breakdown while fed: the sample when RSS peaked, and each field's own peak.
      const memStart = memorySample();
      let memAtPeak = memStart;
      let memMax = memStart;
      let bufferedMax = 0;
      const memTimer = setInterval(() => {
        const m = memorySample();
        if (m.rss > memAtPeak.rss) memAtPeak = m;
        memMax = maxSample(memMax, m);
        bufferedMax = Math.max(bufferedMax, hub.stats().bufferedBytes ?? 0);
      }, 200);
      const stopHeapSampling = await startHeapSampling();
      trace?.start();
      const start = performance.now();
      const startEpoch = Date.now();
      let next = start;
      let n = 0;
      const total = Math.round(rate * seconds);
      while (n < total) {
        // Open loop: whatever is due by now is ingested now, so a late timer does not lower
        // the rate (a fixed number per tick would: timers run late on a busy machine).
        const due = Math.min(total, Math.floor((rate * (performance.now() - start)) / 1000) + 1);
        for (; n < due; n++, seq++) {
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
          await stack.pipeline.ingestPacket(
            localPacketMessage(raw, `OBS${seq % 3}`, {
              source: "bench",
              // Latency counts from when the observation was due, generator delays included.
              receivedAtMs: startEpoch + Math.round((n * 1000) / rate),
              observerName: `Observer ${seq % 3}`,
              iata: "SFO",
              snr: 6.5,
              rssi: -95,
            }),
          );
        }
        next += 10;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
      const ms = performance.now() - start;
      await stopHeapSampling();
      // Let the last flush go out before the trace stops.
      if (trace) await new Promise((r) => setTimeout(r, 200));
      const split = trace?.report();
      clearInterval(memTimer);
      const growth = (m: MemorySample) => {
        const d = { ...m };
        for (const k of Object.keys(d) as (keyof MemorySample)[]) d[k] = m[k]! - (memStart[k] ?? 0);
        return sampleMB(d);
      };
      console.log(JSON.stringify({
        done: true,
        ingested: n,
        memoryMB: {
          start: sampleMB(memStart),
          growthAtRssPeak: growth(memAtPeak),
          growthFieldPeaks: growth(memMax),
          socketBufferedPeak: Math.round(bufferedMax / 1e5) / 10,
        },
        hub: hub.stats(),
        ...(split ? { split } : {}),
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
    } else if (cmd === "mem") {
      // After the feed, with the clients still connected: what stays (write buffers, heap).
      console.log(JSON.stringify({ memory: sampleMB(memorySample()), hub: hub.stats() }));
    } else if (cmd === "quit") break;
  }
  clearInterval(traceTimer);
  hub.close();
  ac.abort();
  await server.finished;
  await stack.close();
  await Deno.remove(dir, { recursive: true });
}

// ---------------------------------------------------------------- raw clients

async function clientWorkerMode(
  port: number,
  count: number,
  probeEvery: number,
  path: string,
): Promise<void> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const c = new RawClient(i % probeEvery === 0);
    await c.connect(port, path);
    clients.push(c);
  }
  let stop = false;
  const runs = clients.map((c) => c.run(() => stop));
  console.log(JSON.stringify({ ready: count }));
  const traceTimer = Deno.env.get("WS_BENCH_TRACE") && count === 1
    ? setInterval(() => {
      const c = clients[0];
      console.error(
        `[reader] frames ${c.frames} lags ${c.lags} pings ${c.pings} close ${c.closeCode}`,
      );
    }, 1000)
    : undefined;
  for await (const line of lines(Deno.stdin.readable)) if (line.trim() === "stop") break;
  stop = true;
  clearInterval(traceTimer);
  for (const c of clients) c.close();
  await Promise.allSettled(runs);
  const lat = clients.flatMap((c) => c.latencies);
  console.log(JSON.stringify({
    // Batch clients: messages are counted by the probes (they decode), bytes by all.
    frames: clients.filter((c) => c.probe || c.batches === 0).map((c) => c.frames),
    batches: clients.map((c) => c.batches),
    batchBytes: clients.map((c) => c.batchBytes),
    lags: clients.reduce((n, c) => n + c.lags, 0),
    latencies: lat,
    firstLatencies: clients.flatMap((c) => c.firstLatencies),
  }));
}

// ---------------------------------------------------------------- main

/** Kernel TCP memory in pages (`/proc/net/sockstat`, `TCP: ... mem N`), -1 if unreadable. */
function tcpMemPages(): number {
  try {
    const m = /^TCP:.* mem (\d+)/m.exec(Deno.readTextFileSync("/proc/net/sockstat"));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

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

/** CPUs to pin the server and the client processes to, or null (no `taskset`, one CPU, `--no-pin`). */
function pinning(): { server: string; clients: string } | null {
  if (Deno.args.includes("--no-pin") || navigator.hardwareConcurrency < 2) return null;
  try {
    new Deno.Command("taskset", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync();
  } catch {
    return null;
  }
  const last = navigator.hardwareConcurrency - 1;
  const half = Math.floor(last / 2);
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  return { server: range(0, half), clients: range(half + 1, last) };
}

function spawn(args: string[], cpus: string | null, denoArgs: string[] = []): Proc {
  const argv = [Deno.execPath(), "run", "-A", ...denoArgs, SELF, ...args];
  const child = new Deno.Command(cpus ? "taskset" : argv[0], {
    args: cpus ? ["-c", cpus, ...argv] : argv.slice(1),
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

interface WorkerResult {
  frames: number[];
  batches: number[];
  batchBytes: number[];
  lags: number;
  latencies: number[];
  firstLatencies: number[];
}

/** Spawns `workers` client processes holding `count` clients on `path` between them. */
async function clientGroup(
  port: number,
  count: number,
  workers: number,
  path: string,
  cpus: string | null,
): Promise<Proc[]> {
  const ws: Proc[] = [];
  if (count === 0) return ws;
  for (let w = 0; w < workers; w++) {
    const n = Math.floor(count / workers) + (w < count % workers ? 1 : 0);
    if (n > 0) ws.push(spawn(["--client-worker", String(port), String(n), "20", path], cpus));
  }
  for (const w of ws) await next(w);
  return ws;
}

/** Stops a client group and sums up what it received. */
async function groupReport(ws: Proc[], expected: number) {
  const results: WorkerResult[] = [];
  for (const w of ws) {
    await w.send("stop");
    results.push(await next(w) as unknown as WorkerResult);
  }
  const frames = results.flatMap((r) => r.frames);
  const lat = results.flatMap((r) => r.latencies);
  const bytes = results.flatMap((r) => r.batchBytes);
  const batches = results.flatMap((r) => r.batches);
  return {
    report: {
      clients: bytes.length,
      messagesPerClient: { expected, min: pct(frames, 0.0001), max: pct(frames, 100) },
      ...(batches.some((b) => b > 0)
        ? {
          batchFramesPerClient: { min: Math.min(...batches), max: Math.max(...batches) },
          // Every batch client received the same byte stream (only probes count messages).
          sameBytesEveryClient: Math.min(...bytes) === Math.max(...bytes),
        }
        : {}),
      lagNotices: results.reduce((n, r) => n + r.lags, 0),
      latencyMs: {
        samples: lat.length,
        p50: pct(lat, 50),
        p99: pct(lat, 99),
        max: pct(lat, 100),
      },
    },
    p99: pct(lat, 99),
    firstMessageLatencyMs: summary(results.flatMap((r) => r.firstLatencies)),
    complete: frames.length > 0 && pct(frames, 0.0001) === expected,
  };
}

async function main(): Promise<void> {
  const arg = (name: string, def: number) => {
    const i = Deno.args.indexOf(name);
    return i >= 0 ? Number(Deno.args[i + 1]) : def;
  };
  const clients = arg("--clients", 1000);
  const plainClients = arg("--plain-clients", 250);
  const rate = arg("--rate", 200);
  const seconds = arg("--seconds", 20);
  const stalledCount = arg("--stalled", 10);
  const workers = Math.max(1, arg("--workers", 2));
  const pin = pinning();
  const v8i = Deno.args.indexOf("--server-v8-flags");
  const serverV8Flags = v8i >= 0 ? Deno.args[v8i + 1] : SERVER_V8_FLAGS;
  const server = spawn(
    [
      "--server",
      String(arg("--high-water", 0)),
      String(arg("--flush-ms", NaN)),
      String(arg("--slice-clients", NaN)),
      String(arg("--drain-ms", NaN)),
      Deno.args.includes("--split") ? "split" : "",
      String(arg("--max-flush-ms", NaN)),
    ],
    pin?.server ?? null,
    [`--v8-flags=${serverV8Flags}`],
  );
  const { port, pid, flushMs, highWaterBytes, sliceClients, maxFlushMs } = await next(server) as {
    port: number;
    pid: number;
    flushMs: number;
    maxFlushMs: number;
    highWaterBytes: number;
    sliceClients: number;
  };
  log(`server pid ${pid} on port ${port}`);
  await new Promise((r) => setTimeout(r, 1000));
  // RSS with no client, then with every client connected and idle: the connection cost.
  const rssIdle = rssMB(pid);
  const batchWs = await clientGroup(port, clients, workers, "/ws?batch=1", pin?.clients ?? null);
  const plainWs = await clientGroup(port, plainClients, 1, "/ws", pin?.clients ?? null);
  const stalled: RawClient[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  for (let i = 0; i < stalledCount; i++) {
    const c = new RawClient(false);
    await c.connect(port);
    stalled.push(c);
    timers.push(c.keepalive());
  }
  log(`${clients} batch + ${plainClients} plain + ${stalledCount} stalled clients connected`);
  await new Promise((r) => setTimeout(r, 1000));
  const rssStart = rssMB(pid);
  let rssMax = rssStart;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMB(pid));
  }, 250);
  const procs = [pid, ...[...batchWs, ...plainWs].map((w) => w.child.pid)];
  const cpu0 = procs.map(cpuSeconds);
  const t0 = performance.now();
  await server.send(`ingest ${rate} ${seconds}`);
  const done = await next(server) as {
    ingested: number;
    memoryMB: Record<string, unknown>;
    hub: Record<string, number>;
    broadcastMsPerObs: number;
    busyShare: number;
    split?: Record<string, unknown>;
  };
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = procs.map(cpuSeconds);
  const cpuShare = cpu1.map((c, i) => Math.round(((c - cpu0[i]) / elapsed) * 100) / 100);
  const rssIngestMax = rssMax;
  const stalledClosedDuringIngest = done.hub.slowDisconnects;
  await new Promise((r) => setTimeout(r, 2000));
  await server.send("mem");
  const afterFeed = await next(server) as { memory: Record<string, number> };
  const expected = done.ingested;
  const batch = await groupReport(batchWs, expected);
  const plain = await groupReport(plainWs, expected);
  // Phase B: the stalled clients sit behind megabytes of loopback socket buffers, so re-send
  // real frames at `--stall-rate` until the hub has given up on all of them (or time runs out).
  const stallRate = arg("--stall-rate", 1500);
  const stallMax = arg("--stall-seconds", 90);
  const tb = performance.now();
  let hubAfter = done.hub;
  // The reading clients have left: whoever the hub still holds is a stalled client.
  while (hubAfter.clients > 0 && (performance.now() - tb) / 1000 < stallMax) {
    await server.send(`flood ${stallRate} 5`);
    hubAfter = (await next(server) as { hub: Record<string, number> }).hub;
  }
  const stallPhaseSeconds = Math.round((performance.now() - tb) / 1000);
  clearInterval(sampler);
  const rssEnd = rssMB(pid);
  for (const t of timers) clearInterval(t);
  // Stalled clients now read what reached them: a lag notice and/or the close frame.
  let endStalled = false;
  const drains = stalled.map((c) => c.run(() => endStalled || c.closeCode !== 0));
  await Promise.race([Promise.all(drains), new Promise((r) => setTimeout(r, 10_000))]);
  endStalled = true;
  for (const c of stalled) c.close();
  await server.send("quit");
  await server.child.status;
  for (const w of [...batchWs, ...plainWs]) await w.child.status;
  const framesSent = done.hub.framesSent;
  const out = {
    bench: "ws",
    clients,
    plainClients,
    stalled: stalledCount,
    rate,
    seconds,
    flushMs,
    maxFlushMs,
    highWaterBytes,
    sliceClients,
    achievedRate: Math.round(done.ingested / elapsed),
    batchClients: batch.report,
    plainClientsReport: plain.report,
    serverFramesPerSecond: Math.round(framesSent / elapsed),
    ...(done.split
      ? {
        // `--split`: the server's view per frame (ws_send_trace.ts) against the clients' latency
        // of each frame's first message; the difference is the socket write and the client side.
        latencySplit: {
          server: done.split,
          clientFirstMessageMs: {
            batch: batch.firstMessageLatencyMs,
            plain: plain.firstMessageLatencyMs,
          },
        },
      }
      : {}),
    serverRssMB: {
      idle: Math.round(rssIdle),
      connectionCost: Math.round(rssStart - rssIdle),
      start: Math.round(rssStart),
      maxDuringIngest: Math.round(rssIngestMax),
      max: Math.round(rssMax),
      end: Math.round(rssEnd),
      growth: Math.round(rssIngestMax - rssStart),
    },
    // Inside the server while fed (MB): V8 heap, glibc malloc in use / freed but kept / mmapped.
    serverMemoryMB: {
      ...done.memoryMB,
      // 2 s after the feed, every client still connected: what the feed left behind.
      afterFeed: afterFeed.memory,
    },
    serverV8Flags,
    stalledClients: {
      closedDuringIngest: stalledClosedDuringIngest,
      gotLagNotice: stalled.filter((c) => c.lags > 0).length,
      droppedReported: stalled.reduce((n, c) => n + c.dropped, 0),
      closedWith: [...new Set(stalled.map((c) => c.closeCode))],
    },
    hub: done.hub,
    stallPhase: { seconds: stallPhaseSeconds, rate: stallRate, hub: hubAfter },
    // Cores used during the measured phase: the server and each client process.
    cpuCores: { server: cpuShare[0], clientProcesses: cpuShare.slice(1) },
    // Server CPU per frame written (µs): the fan-out's cost, robust to the clients' starvation.
    serverCpuMicrosPerFrame: Math.round(((cpu1[0] - cpu0[0]) / Math.max(1, framesSent)) * 1e8) /
      100,
    pinnedCpus: pin,
    broadcastMsPerObservation: done.broadcastMsPerObs,
    broadcastShareOfWallTime: done.busyShare,
    targets: {
      [`ingest rate >= 95% of ${rate} obs/s with every client connected`]:
        done.ingested / elapsed >= 0.95 * rate,
      ...(clients > 0
        ? {
          "batch clients: p99 delivery latency <= 100 ms": batch.p99 <= 100,
          "batch clients: every message delivered": batch.complete &&
            batch.report.sameBytesEveryClient === true,
        }
        : {}),
      ...(plainClients > 0
        ? {
          "plain clients: p99 delivery latency <= 100 ms": plain.p99 <= 100,
          "plain clients: every message delivered": plain.complete,
        }
        : {}),
      "server RSS growth <= 50 MB": rssIngestMax - rssStart <= 50,
      "stalled clients closed with 1013": stalled.every((c) => c.closeCode === 1013),
    },
  };
  if (Deno.args.includes("--json")) console.log(JSON.stringify(out, null, 2));
  else console.log(out);
}

if (import.meta.main) {
  if (Deno.args[0] === "--server") await serverMode();
  else if (Deno.args[0] === "--client-worker") {
    await clientWorkerMode(
      Number(Deno.args[1]),
      Number(Deno.args[2]),
      Number(Deno.args[3]),
      Deno.args[4] ?? "/ws",
    );
  } else await main();
}
