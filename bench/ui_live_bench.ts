/**
 * Live page benchmark (companion of `ui_bench.ts`): the real hopwatch on a
 * generated S database (or `--db FILE`), the Live page in headless Chromium,
 * and `--rate` observations per second (default 200) posted to
 * `/api/packets` for `--seconds` (default 60). The page receives them over
 * `/ws?batch=1` and renders once per animation frame. Records long tasks
 * (PerformanceObserver, installed before any script runs) and the tab's
 * memory (Chromium's `Performance.getMetrics`: JS heap and DOM nodes) every
 * 5 s, after a forced collection at 10 s and at the end (long tasks of those
 * collections are left out); a quiet phase of 10 s before the feed is the
 * same-run baseline.
 *
 * `deno run -A bench/ui_live_bench.ts [--db FILE] [--rate 200] [--seconds 60] [--profile]`
 *
 * `--profile` adds the functions with the most self time between 20 and 30 s.
 *
 * Targets: no long task over 50 ms while fed; the tab's JS heap at the end
 * within 20 % (or 5 MB) of its value 10 s into the feed.
 *
 * @module
 */

import { buildUi } from "../src/api/ui_build.ts";
import { API_KEY, hasChromium, launchBrowser, ROOT } from "../tests/ui/e2e_harness.ts";
import { bytesToHex, encodePacket } from "../src/meshcore/encode.ts";
import { spawnServer } from "./server_child.ts";

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : def;
}

if (!hasChromium()) {
  console.log(JSON.stringify({ skipped: "chromium not installed at /usr/bin/chromium" }));
  Deno.exit(0);
}

const rate = Number(arg("--rate", "200"));
const seconds = Number(arg("--seconds", "60"));
const tmp = await Deno.makeTempDir({ prefix: "hopwatch-ui-live-" });
let db = arg("--db", "");
if (db) {
  await Deno.copyFile(db, `${tmp}/live.db`);
  db = `${tmp}/live.db`;
} else {
  db = `${tmp}/live.db`;
  const gen = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/gen_command.ts", "--shape", "S", "--out", db, "--quiet"],
    cwd: ROOT.pathname,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!gen.success) throw new Error("Cannot generate the S database for the Live bench");
}

/** Starts hopwatch with write rate limits high enough for the feed. */
async function start(): Promise<{ base: string; child: Deno.ChildProcess }> {
  const cfg = `${tmp}/config.json`;
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      apiKey: API_KEY,
      rateLimit: { writePerMinute: 1_000_000, readPerMinute: 1_000_000 },
      map: { tiles: { url: "", darkUrl: "" } },
    }),
  );
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const child = spawnServer({ root: ROOT.pathname, config: cfg, db: db, port });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${base}/api/healthz`);
      await r.body?.cancel();
      if (r.ok) return { base, child };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error("Cannot start hopwatch for the Live bench: not ready in 120 s");
}

function packetHex(seq: number): string {
  const hop = (n: number) => (n & 0xff).toString(16).padStart(2, "0");
  return bytesToHex(encodePacket({
    routeType: 1,
    payloadType: 2,
    hashSize: 1,
    hops: [hop(seq * 7), hop(seq * 13 + 5), hop(seq * 29 + 11)],
    payload: Uint8Array.of(0x33, 0x1f, seq & 0xff, (seq >> 8) & 0xff, (seq >> 16) & 0xff, 1, 2, 3),
  })).toUpperCase();
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The 15 functions with the most self time in a CPU profile. */
function topSelfTime(p: CpuProfile): { fn: string; selfMs: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!;
    const k = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)
    .map(([fn, ms]) => ({ fn, selfMs: Math.round(ms) }));
}

await buildUi();
const { base, child } = await start();
const browser = await launchBrowser();
try {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __long: { t: number; d: number }[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ t: e.startTime, d: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Performance.enable");
  /** Page-time spans of forced collections (their long tasks are the bench's, not the page's). */
  const gcSpans: [number, number][] = [];
  const metrics = async (gc = true) => {
    if (gc) {
      const a = await page.evaluate(() => performance.now());
      await cdp.send("HeapProfiler.collectGarbage").catch(() => {});
      gcSpans.push([a, await page.evaluate(() => performance.now())]);
    }
    const { metrics } = await cdp.send("Performance.getMetrics") as {
      metrics: { name: string; value: number }[];
    };
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { jsHeapMB: Math.round(m.JSHeapUsedSize / 1e5) / 10, domNodes: m.Nodes };
  };
  await page.goto(`${base}/#/live`);
  await page.waitForSelector(".feed-list", { timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 3000));
  const now = () => page.evaluate(() => performance.now());
  const quietFrom = await now();
  await new Promise((r) => setTimeout(r, 10_000));
  const quietTo = await now();
  const quietMem = await metrics();

  // Feed: open loop, whatever is due every 50 ms, each POST on its own.
  const feedFrom = await now();
  const t0 = performance.now();
  let sent = 0;
  let failed = 0;
  const samples: { s: number; jsHeapMB: number; domNodes: number }[] = [];
  const profile = Deno.args.includes("--profile");
  let profiling = false;
  let hot: { fn: string; selfMs: number }[] | null = null;
  let nextSample = 5;
  const inflight = new Set<Promise<void>>();
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor((rate * (performance.now() - t0)) / 1000);
    while (sent < due) {
      const p = fetch(`${base}/api/packets`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
        body: JSON.stringify({ hex: packetHex(sent), observer: `OBS${sent % 5}`, snr: 5 }),
      }).then(async (r) => {
        if (!r.ok) failed++;
        await r.body?.cancel();
      }).catch(() => void failed++).finally(() => inflight.delete(p));
      inflight.add(p);
      sent++;
    }
    const el = (performance.now() - t0) / 1000;
    if (profile && !profiling && el >= 20) {
      profiling = true;
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.start");
    } else if (profiling && !hot && el >= 30) {
      hot = topSelfTime(((await cdp.send("Profiler.stop")) as { profile: CpuProfile }).profile);
    }
    if (el >= nextSample) {
      // A forced collection at 10 s (the reference point) only; the others read as they are.
      samples.push({ s: nextSample, ...(await metrics(nextSample === 10)) });
      nextSample += 5;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.allSettled([...inflight]);
  const feedTo = await now();
  await new Promise((r) => setTimeout(r, 1000));
  const endMem = await metrics();
  const long = await page.evaluate(() =>
    (globalThis as unknown as { __long: { t: number; d: number }[] }).__long
  );
  const byGc = (x: { t: number; d: number }) =>
    gcSpans.some(([a, b]) => x.t <= b + 5 && x.t + x.d >= a - 5);
  const inWindow = (a: number, b: number) => long.filter((x) => x.t >= a && x.t <= b && !byGc(x));
  const fed = inWindow(feedFrom, feedTo);
  const quiet = inWindow(quietFrom, quietTo);
  const at10 = samples.find((x) => x.s === 10) ?? samples[0];
  const rows = await page.evaluate(() => document.querySelectorAll(".feed-list li").length);
  const result = {
    bench: "ui_live",
    rate,
    seconds,
    posted: sent,
    postFailures: failed,
    achievedRate: Math.round(sent / ((performance.now() - t0) / 1000)),
    feedRowsInDom: rows,
    quietBaseline: {
      seconds: 10,
      longTasksOver50ms: quiet.filter((x) => x.d > 50).length,
      maxLongTaskMs: Math.round(Math.max(0, ...quiet.map((x) => x.d))),
      ...quietMem,
    },
    fed: {
      longTasks: fed.length,
      longTasksOver50ms: fed.filter((x) => x.d > 50).length,
      maxLongTaskMs: Math.round(Math.max(0, ...fed.map((x) => x.d))),
    },
    memory: { at10s: at10, end: endMem, samples },
    ...(hot ? { profileTopSelfMs20to30s: hot } : {}),
    targets: {
      "no long task over 50 ms while fed": fed.every((x) => x.d <= 50),
      "JS heap flat after 10 s (end within 20 % or 5 MB)": at10 !== undefined &&
        endMem.jsHeapMB - at10.jsHeapMB <= Math.max(5, at10.jsHeapMB * 0.2),
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  child.kill("SIGTERM");
  await child.status;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}
