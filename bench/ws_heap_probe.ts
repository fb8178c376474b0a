/**
 * Where the WebSocket bench server's memory goes, for `bench/ws_bench.ts` (server mode), each
 * behind an environment variable:
 *
 * - `WS_BENCH_SPACES=1`: every 500 ms on stderr, RSS (anonymous / file-backed), each V8 heap
 *   space's committed and used MB (`node:v8`), V8's own malloc, external memory and glibc's
 *   allocator: growth in `old` while `used` climbs between major GCs is promoted garbage, not
 *   live per-client state.
 * - `WS_BENCH_HEAPPROF=<file>`: V8's sampling heap profiler over the feed, keeping the samples
 *   of objects that survived young-generation GCs (dead by the next major GC or still alive);
 *   `deno run -A bench/ws_heap_probe.ts <file> [N]` prints the top N allocation sites of those
 *   samples, self and with their callers. `WS_BENCH_HEAPPROF_MINOR=1` keeps every sample.
 * - {@linkcode followFirstLiveSocket}: the first live-port socket's state and pong times, for
 *   `WS_BENCH_TRACE=1` (the product's sockets keep no per-client diagnostics).
 *
 * @module
 */

import v8 from "node:v8";
import { Session } from "node:inspector";
import { liveSocketHooks, type WsLibSocket } from "../src/api/ws_lib_socket.ts";
import { nativeHeap } from "./mem_probe.ts";

const MB = (n: number) => Math.round(n / 1e5) / 10;

/** One line: RSS split, V8 spaces `[committed, used]` MB, V8 malloc, external, glibc. */
export function spacesLine(): string {
  const st = Deno.readTextFileSync("/proc/self/status");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) * 1024;
  const spaces: Record<string, [number, number]> = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.physical_space_size > 0) {
      spaces[s.space_name.replace("_space", "")] = [
        MB(s.physical_space_size),
        MB(s.space_used_size),
      ];
    }
  }
  const h = v8.getHeapStatistics();
  const n = nativeHeap();
  return `rss ${MB(kb("VmRSS"))} anon ${MB(kb("RssAnon"))} file ${MB(kb("RssFile"))} heap ${
    MB(h.total_physical_size)
  } v8malloc ${MB(h.malloced_memory)} ext ${MB(h.external_memory)} malloc ${MB(n?.inUse ?? 0)}/${
    MB(n?.free ?? 0)
  } spaces ${JSON.stringify(spaces)}`;
}

/** With `WS_BENCH_SPACES=1`, prints {@linkcode spacesLine} (and `extra()`) every 500 ms. */
export function startSpacesTrace(extra: () => string): void {
  if (!Deno.env.get("WS_BENCH_SPACES")) return;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const t = ((performance.now() - t0) / 1000).toFixed(1);
    console.error(`[spaces] t ${t} ${spacesLine()} ${extra()}`);
  }, 500);
  Deno.unrefTimer(timer);
}

type Post = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

/**
 * With `WS_BENCH_HEAPPROF=<file>`, starts V8's sampling heap profiler; the returned function
 * stops it and writes the profile to the file. Without the variable: a no-op.
 */
export async function startHeapSampling(): Promise<() => Promise<void>> {
  const file = Deno.env.get("WS_BENCH_HEAPPROF");
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  const post: Post = (m, p = {}) =>
    new Promise((res, rej) => session.post(m, p, (e: unknown, r: unknown) => e ? rej(e) : res(r)));
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: Deno.env.get("WS_BENCH_HEAPPROF_MINOR") === "1",
  });
  return async () => {
    const profile = await post("HeapProfiler.stopSampling");
    await Deno.writeTextFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * Follows the first live-port socket opened from now on (weakly): returns a function giving
 * its `debugState()`, its pongs and their times (ms after it opened, the first 8), or null.
 */
export function followFirstLiveSocket(): () => Record<string, unknown> | null {
  let first: WeakRef<WsLibSocket> | undefined;
  let opened = 0;
  let pongs = 0;
  const pongTimes: number[] = [];
  liveSocketHooks.opened = (socket, ws) => {
    if (first) return;
    first = new WeakRef(socket);
    opened = performance.now();
    ws.on("pong", () => {
      pongs++;
      if (pongTimes.length < 8) pongTimes.push(Math.round(performance.now() - opened));
    });
  };
  return () => {
    const s = first?.deref();
    return s ? { ...s.debugState(), pongs, pongTimes } : null;
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: ProfileNode[];
}

/** Top allocation sites of a sampling heap profile: self, and the callers of the top ones. */
export function topSites(
  profile: { head: ProfileNode; samples: { size: number; nodeId: number }[] },
  n: number,
): string[] {
  const stacks = new Map<number, string[]>();
  const walk = (node: ProfileNode, stack: string[]) => {
    const cf = node.callFrame;
    const name = `${cf.functionName || "(anon)"} ${cf.url.split("/").pop()}:${cf.lineNumber + 1}`;
    const st = [...stack, name];
    stacks.set(node.id, st);
    for (const c of node.children ?? []) walk(c, st);
  };
  walk(profile.head, []);
  const self = new Map<string, number>();
  const chains = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples) {
    const st = stacks.get(s.nodeId) ?? ["?"];
    total += s.size;
    self.set(st.at(-1)!, (self.get(st.at(-1)!) ?? 0) + s.size);
    const chain = st.slice(-5).reverse().join(" <- ");
    chains.set(chain, (chains.get(chain) ?? 0) + s.size);
  }
  const top = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) =>
      `${MB(v).toFixed(1).padStart(7)} MB  ${k}`
    );
  return [`sampled ${MB(total)} MB`, "-- self", ...top(self), "-- with callers", ...top(chains)];
}

if (import.meta.main) {
  const [file, n] = Deno.args;
  if (!file) throw new Error("Cannot read a profile: usage ws_heap_probe.ts <profile.json> [N]");
  const { profile } = JSON.parse(await Deno.readTextFile(file));
  console.log(topSites(profile, Number(n ?? 20)).join("\n"));
}
