/**
 * Micro-bench of the reach index's load-time feed alone: replays a
 * deterministic synthetic stream shaped like L's resolved observations
 * (time-ordered, 1.49 M observations over ~4 k nodes, paths drawn from a
 * pool of recurring routes) into a fresh {@linkcode ReachIndex} and prints
 * JSON with the median of `--runs` replays (ms) and the index bytes.
 *
 * `deno run -A bench/reach_feed_bench.ts [--obs 1490000] [--runs 5]`
 *
 * @module
 */

import { ReachIndex, type ReachObs } from "../src/store/reach_index.ts";

const args = Deno.args;
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const OBS = opt("--obs", 1_490_000), RUNS = opt("--runs", 5);
const NODES = 4000, ROUTES = 40_000, OBSERVERS = 200, DAYS = 10;

let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const routes: Int32Array[] = [];
// routes are walks over a sparse mesh (each node has ~8 neighbours), like real paths
for (let r = 0; r < ROUTES; r++) {
  const n = 1 + Math.floor(rnd() * 6);
  const p = new Int32Array(n);
  let at = Math.floor(rnd() * NODES);
  for (let i = 0; i < n; i++) {
    p[i] = rnd() < 0.05 ? -1 : at;
    at = (at + [1, 3, 7, 11, NODES - 1, NODES - 3, NODES - 7, NODES - 11][Math.floor(rnd() * 8)]) %
      NODES;
  }
  routes.push(p);
}
// a path's last hop is heard by one or two observers near it
const obsOf = routes.map((p) => 1 + ((p[p.length - 1] >>> 0) % OBSERVERS));
const route = new Int32Array(OBS), observer = new Int32Array(OBS), snr = new Float64Array(OBS);
for (let i = 0; i < OBS; i++) {
  route[i] = Math.floor(rnd() ** 1.5 * ROUTES);
  observer[i] = rnd() < 0.9 ? obsOf[route[i]] : 1 + ((obsOf[route[i]] + 1) % OBSERVERS);
  snr[i] = rnd() < 0.1 ? NaN : Math.round(rnd() * 40 - 20);
}
const t0 = Date.UTC(2026, 0, 1), span = DAYS * 86_400_000;

function replay(): { ms: number; bytes: number } {
  const idx = new ReachIndex();
  const o: ReachObs = {
    ids: routes[0],
    off: 0,
    n: 0,
    ts: 0,
    observer: 0,
    snr: NaN,
    from: -1,
    txId: 0,
  };
  const start = performance.now();
  for (let i = 0; i < OBS; i++) {
    const p = routes[route[i]];
    o.ids = p;
    o.n = p.length;
    o.ts = t0 + Math.floor((i / OBS) * span);
    o.observer = observer[i];
    o.snr = snr[i];
    o.txId = i >> 1;
    idx.apply(o, 1);
  }
  idx.trim();
  return { ms: performance.now() - start, bytes: idx.byteLength };
}

const times: number[] = [];
let bytes = 0;
for (let r = 0; r < RUNS; r++) {
  const res = replay();
  times.push(res.ms);
  bytes = res.bytes;
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({
  bench: "reach_feed",
  obs: OBS,
  runs: RUNS,
  median_ms: Math.round(times[RUNS >> 1]),
  min_ms: Math.round(times[0]),
  index_bytes: bytes,
  load: Deno.loadavg()[0],
}));
