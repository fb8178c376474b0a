/**
 * Geography benchmark (issue 13): ingests roaming-client receptions through
 * the real client-RX path (decode, heard key, `client_receptions` INSERT, grid
 * index) on top of a loaded database, then times the coverage and reach
 * endpoints in-process.
 *
 * ```
 * deno run -A bench/geo_bench.ts --db /tmp/hw-L.db [--receptions 1000000] [--n 200] [--json]
 * ```
 *
 * Targets: client-reception ingest >= 5,000/s with the grid maintained;
 * `/api/rx-coverage`, `/api/nodes/{pk}/rx-coverage`, `/api/rx-leaderboard`
 * and `/api/nodes/{pk}/reach` p99 <= 20 ms in-process.
 *
 * @module
 */

import { DEFAULTS, type HopwatchConfig } from "../src/cli/config.ts";
import { createStack } from "../src/cli/stack.ts";
import { buildReach } from "../src/store/reach_build.ts";
import { Logger } from "../src/log/logger.ts";
import { createApp } from "../src/api/app.ts";
import { WsHub } from "../src/api/ws_hub.ts";
import { bytesToHex, encodePacket } from "../src/meshcore/encode.ts";
import type { ClientReceptionMessage } from "../src/ingest/message_types.ts";
import type { NodeInfo } from "../src/store/node_directory.ts";
import { prng } from "../tests/meshcore/fixture_util.ts";
import { RoamingDrives } from "./roaming_drive.ts";
import type { ByteArena } from "../src/store/byte_arena.ts";

const log = (msg: string) => console.error(`[geo_bench] ${msg}`);

function arg(flag: string, def: number): number {
  const i = Deno.args.indexOf(flag);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : def;
  if (!Number.isFinite(v)) throw new Error(`Cannot parse arguments: ${flag} needs a number`);
  return v;
}

/** The `p`-th percentile (nearest rank). */
function percentile(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function timeUrls(
  app: { request: (u: string) => Response | Promise<Response> },
  urls: string[],
  n: number,
) {
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await app.request(urls[i % urls.length]);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    if (res.status !== 200) status = res.status;
  }
  return {
    n,
    first: round(times[0]),
    p50: round(percentile(times, 50)),
    p99: round(percentile(times, 99)),
    max: round(Math.max(...times)),
    badStatus: status,
  };
}

/** The coverage index's arenas: MB held and chunks dropped for the budget. */
function cacheStats(idx: object) {
  const { heads, memos } = idx as Partial<Record<"heads" | "memos", ByteArena>>;
  const mb = (a?: ByteArena) =>
    a && { mb: Math.round(a.bytes / 104857.6) / 10, dropped: a.dropped };
  return { heads: mb(heads), memos: mb(memos) };
}

async function main() {
  const dbArg = Deno.args[Deno.args.indexOf("--db") + 1];
  if (!Deno.args.includes("--db") || !dbArg) throw new Error("Cannot run: --db FILE is required");
  const total = arg("--receptions", 1_000_000);
  const n = arg("--n", 200);
  const dir = await Deno.makeTempDir({ prefix: "hw-geo-bench-" });
  const dbPath = `${dir}/bench.db`;
  await Deno.copyFile(dbArg, dbPath);
  const config: HopwatchConfig = {
    ...structuredClone(DEFAULTS),
    dbPath,
    configPath: null,
    rateLimit: { readPerMinute: 1e9, writePerMinute: 1e9 },
    raw: { clientRxCoverage: { enabled: true } },
  };
  const stack = createStack(config, { log: new Logger("error", () => {}) });
  const t0 = performance.now();
  await stack.load();
  const loadMs = Math.round(performance.now() - t0);
  const rssLoadedMB = Math.round(Deno.memoryUsage().rss / 1048576);
  log(`loaded in ${loadMs} ms, ${stack.nodes.size} nodes, RSS ${rssLoadedMB} MB`);
  // the reach index is built after the load, as the server's background job does (unsliced)
  const reachBuild = await buildReach(stack.store, { maxSliceMs: 1e9 });
  log(`reach index built in ${Math.round(reachBuild.ms)} ms (${reachBuild.fed} observations)`);
  const hub = new WsHub();
  const app = createApp({ ...stack.apiDeps(config, hub) });

  const positioned = [...stack.nodes.values()].filter((x) =>
    x.lat !== null && x.lon !== null && !(x.lat === 0 && x.lon === 0)
  );
  const relays = positioned.filter((x) => x.role === "repeater");
  if (relays.length === 0) throw new Error("Cannot run: no positioned repeaters in the database");
  const rnd = prng(13);
  const clients = Array.from({ length: 300 }, (_, i) => i.toString(16).padStart(4, "0").repeat(16));
  // one flood packet per relay, heard with that relay as the last (2-byte) hop
  const packetOf = new Map<number, string>();
  const packet = (r: NodeInfo) => {
    let hex = packetOf.get(r.id);
    if (!hex) {
      hex = bytesToHex(encodePacket({
        routeType: 1,
        payloadType: 2,
        hashSize: 2,
        hops: ["7d4a", r.publicKey.slice(0, 4)],
        payload: Uint8Array.of(0x33, 0x1f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14),
      }));
      packetOf.set(r.id, hex);
    }
    return hex;
  };
  // Each relay's five nearest relays: what a client driving near it may hear.
  const near = new Map<number, NodeInfo[]>();
  for (const r of relays) {
    near.set(
      r.id,
      relays.map((x) => ({ x, d: (x.lat! - r.lat!) ** 2 + (x.lon! - r.lon!) ** 2 }))
        .sort((a, b) => a.d - b.d).slice(0, 5).map((e) => e.x),
    );
  }
  const now = Date.now();
  const span = 30 * 86_400_000;
  const ingestT0 = performance.now();
  let stored = 0;
  // Clients drive: sessions of 250 receptions, ~80 m apart, starting near a random relay.
  const drives = new RoamingDrives(
    clients.length,
    relays,
    (r) => ({ lat: r.lat!, lon: r.lon! }),
    rnd,
  );
  for (let i = 0; i < total; i++) {
    const st = drives.next(), c = st.client;
    const cand = near.get(st.hub.id)!;
    const r = cand[Math.floor(rnd() * cand.length)];
    const client = clients[c];
    const msg: ClientReceptionMessage = {
      kind: "client-rx",
      source: "bench",
      topic: `meshcore/client/${client}/packets`,
      receivedAtMs: now - span + Math.floor((i / total) * span),
      clientKey: client,
      raw: packet(r),
      lat: st.lat,
      lon: st.lon,
      accM: 5,
      snr: rnd() < 0.1 ? null : Math.round((rnd() * 30 - 18) * 4) / 4,
      rssi: -100,
      score: null,
      direction: "rx",
      observerTimestamp: null,
      observerTimestampNaive: false,
    };
    if (stack.clientRx.ingest(msg)) stored++;
    // yield like the MQTT pump does, so the WAL checkpoint worker keeps up
    if (i % 2000 === 1999) await new Promise((r) => setTimeout(r, 0));
    if (i % 100_000 === 99_999) {
      log(`ingested ${i + 1} (${Math.round((i + 1) / ((performance.now() - ingestT0) / 1000))}/s)`);
    }
  }
  stack.clientRx.flush();
  const ingestS = (performance.now() - ingestT0) / 1000;
  const rate = Math.round(total / ingestS);
  log(`ingest: ${stored} queued, ${stack.clientRx.index.live} indexed, ${rate}/s`);

  // Views a user pans and zooms through: every coverage URL is distinct (a box of the zoom's
  // size whose centre is drawn among the positioned repeaters, its size jittered ±20 %), so no
  // whole-answer memo can serve a repeat; per-cell memos are shared as they would be.
  const lats = positioned.map((x) => x.lat!).sort((a, b) => a - b);
  const lons = positioned.map((x) => x.lon!).sort((a, b) => a - b);
  const cLat = lats[lats.length >> 1], cLon = lons[lons.length >> 1];
  const box = (dLat: number, dLon: number, lat = cLat, lon = cLon) =>
    `${lat - dLat},${lon - dLon},${lat + dLat},${lon + dLon}`;
  const vrnd = prng(1313);
  const views = (dLat: number, dLon: number, z: number, days: () => number) =>
    Array.from({ length: n }, () => {
      const r = relays[Math.floor(vrnd() * relays.length)];
      const k = 0.8 + vrnd() * 0.4;
      const lat = Math.round((r.lat! + (vrnd() - 0.5) * dLat) * 1e4) / 1e4;
      const lon = Math.round((r.lon! + (vrnd() - 0.5) * dLon) * 1e4) / 1e4;
      return `/api/rx-coverage?bbox=${box(dLat * k, dLon * k, lat, lon)}&z=${z}&days=${days()}`;
    });
  const pickDays = () => [1, 3, 7, 14][Math.floor(vrnd() * 4)];
  const busy = relays.slice(0, Math.min(relays.length, n));
  const endpoints: Record<string, string[]> = {
    "rx-coverage z8 (region)": views(2, 3, 8, pickDays),
    "rx-coverage z11 (city)": views(0.25, 0.4, 11, pickDays),
    "rx-coverage z14 (streets)": views(0.03, 0.05, 14, pickDays),
    "rx-coverage z11 30d": views(0.25, 0.4, 11, () => 30),
    "rx-coverage z11 same view (repeat viewers)": [
      `/api/rx-coverage?bbox=${box(0.25, 0.4)}&z=11&days=7`,
    ],
    "rx-coverage rx= (one client)": clients.slice(0, 50).map((c) =>
      `/api/rx-coverage?bbox=-90,-180,90,180&z=8&days=7&rx=${c}`
    ),
    "nodes/{pk}/rx-coverage": busy.map((r) =>
      `/api/nodes/${r.publicKey}/rx-coverage?bbox=${box(2, 3)}&z=11`
    ),
    "rx-leaderboard": ["/api/rx-leaderboard?days=7&limit=25"],
    "nodes/{pk}/reach (cold, distinct nodes)": busy.map((r, i) =>
      `/api/nodes/${r.publicKey}/reach?days=${[1, 7, 30][i % 3]}`
    ),
    "nodes/{pk}/reach (cached)": busy.map((r, i) =>
      `/api/nodes/${r.publicKey}/reach?days=${[1, 7, 30][i % 3]}`
    ),
    "analytics/distance (cached)": ["/api/analytics/distance"],
  };
  // JIT warm-up, not timed: 5 views per coverage zoom with a window (2 days) no timed view
  // uses, so the timed views' memoised cells are not filled by it.
  for (const [dLat, dLon, z] of [[2, 3, 8], [0.25, 0.4, 11], [0.03, 0.05, 14]]) {
    for (const u of views(dLat, dLon, z, () => 2).slice(0, 5)) await (await app.request(u)).text();
  }
  const inProcess: Record<string, Awaited<ReturnType<typeof timeUrls>>> = {};
  for (const [name, urls] of Object.entries(endpoints)) {
    const count = name.includes("cold") || name.includes("distinct") ? urls.length : n;
    inProcess[name] = await timeUrls(app, urls, count);
    log(`${name}: ${JSON.stringify(inProcess[name])}`);
  }
  const features =
    ((await (await app.request(endpoints["rx-coverage z11 same view (repeat viewers)"][0]))
      .json()) as {
        features: unknown[];
      }).features.length;
  const coverageP99 = Math.max(
    ...Object.entries(inProcess).filter(([k]) => k.includes("rx-")).map(([, v]) => v.p99),
  );
  const reachP99 = Math.max(
    inProcess["nodes/{pk}/reach (cold, distinct nodes)"].p99,
    inProcess["nodes/{pk}/reach (cached)"].p99,
  );
  const out = {
    bench: "geo",
    db: dbArg,
    deno: Deno.version.deno,
    nodes: stack.nodes.size,
    receptions: { offered: total, indexed: stack.clientRx.index.live, ratePerSec: rate },
    cityFeatures: features,
    inProcess,
    loadMs,
    rssLoadedMB,
    rssMB: Math.round(Deno.memoryUsage().rss / 1048576),
    // the reach index (absent on code before it)
    reachIndexMB: Math.round(
      ((stack.store as { reach?: { byteLength: number } }).reach?.byteLength ?? 0) / 104857.6,
    ) / 10,
    reachBuckets: (stack.store as { reach?: { buckets?: number } }).reach?.buckets ?? 0,
    reachBuildMs: Math.round(reachBuild.ms),
    coverageIndexRows: stack.clientRx.index.rows,
    // the cells' cached bytes (absent on code before the arenas): MB held and chunks dropped
    coverageCache: cacheStats(stack.clientRx.index),
    targets: {
      "client-reception ingest >= 5000/s (grid maintained)": { value: rate, pass: rate >= 5000 },
      "coverage endpoints p99 <= 20 ms": { value: coverageP99, pass: coverageP99 <= 20 },
      "reach p99 <= 20 ms": { value: reachP99, pass: reachP99 <= 20 },
    },
  };
  if (Deno.args.includes("--json")) console.log(JSON.stringify(out, null, 2));
  else {
    for (const [k, v] of Object.entries(out.targets)) {
      console.log(`${v.pass ? "PASS" : "FAIL"}  ${k}: ${v.value}`);
    }
  }
  hub.close();
  await stack.close();
  await Deno.remove(dir, { recursive: true });
}

if (import.meta.main) await main();
