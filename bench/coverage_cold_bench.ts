/**
 * Cold RX coverage answers (issue 13): builds a coverage grid index of
 * roaming-client receptions in memory (no database: clients drive near
 * relays, as `bench/geo_bench.ts` has them), then times city-sized answers
 * (z11) whose memo window is new each time, so every cell is computed: the
 * cost the first viewer of a window pays. Also reports warm repeats and a
 * checksum of the answers (equal across trees that answer the same bytes).
 *
 * ```
 * deno task bench:coverage-cold [--receptions 1000000] [--relays 900] [--n 60] [--json]
 * ```
 *
 * @module
 */

import { CoverageIndex, DAY_MS } from "../src/store/coverage_index.ts";
import { type Bbox, collectionBytes, coverageCells } from "../src/store/coverage_query.ts";
import { prng } from "../tests/meshcore/fixture_util.ts";
import { RoamingDrives } from "./roaming_drive.ts";

function arg(flag: string, def: number): number {
  const i = Deno.args.indexOf(flag);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) {
    throw new Error(`Cannot parse arguments: ${flag} needs a positive number`);
  }
  return v;
}

const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b);
const at = (xs: number[], q: number) =>
  sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const round = (x: number) => Math.round(x * 100) / 100;

function main() {
  const total = arg("--receptions", 1_000_000);
  const relayCount = arg("--relays", 900);
  const n = arg("--n", 60);
  const rnd = prng(13);
  const now = Date.UTC(2026, 11, 4, 12);
  const relays = Array.from({ length: relayCount }, (_, i) => ({
    key: ((i * 40503) % 65536).toString(16).padStart(4, "0"),
    lat: 36.9 + rnd() * 1.6,
    lon: -123.1 + rnd() * 2.2,
  }));
  const near = relays.map((r) =>
    relays.map((x) => ({ x, d: (x.lat - r.lat) ** 2 + (x.lon - r.lon) ** 2 }))
      .sort((a, b) => a.d - b.d).slice(0, 5).map((e) => e.x)
  );
  const idx = new CoverageIndex();
  const clients = Array.from({ length: 300 }, (_, i) => i.toString(16).padStart(4, "0").repeat(16));
  const drives = new RoamingDrives(clients.length, relays.map((_, i) => i), (i) => relays[i], rnd);
  const span = 30 * DAY_MS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const s = drives.next(), c = s.client;
    idx.add({
      rxPubkey: clients[c],
      heardKey: near[s.hub][Math.floor(rnd() * 5)].key,
      lat: s.lat,
      lon: s.lon,
      snr: rnd() < 0.1 ? null : Math.round((rnd() * 30 - 18) * 4) / 4,
      rssi: -100,
      rxAtMs: now - span + Math.floor((i / total) * span),
    });
  }
  const buildMs = performance.now() - t0;
  const names = new Map(relays.map((r, i) => [r.key, i % 9 ? `Repeater ${r.key}` : ""]));
  const resolve = (k: string) => ({ key: `pk${k}`, name: names.get(k) ?? "" });
  const box = (): Bbox => {
    const r = relays[Math.floor(rnd() * relays.length)], k = 0.8 + rnd() * 0.4;
    return {
      minLat: r.lat - 0.25 * k,
      maxLat: r.lat + 0.25 * k,
      minLon: r.lon - 0.4 * k,
      maxLon: r.lon + 0.4 * k,
    };
  };
  const answer = (key: number, bbox: Bbox, days: number) => {
    const cells = coverageCells(idx, {
      bbox,
      res: 11,
      sinceMs: now + 60_000 - days * DAY_MS,
      resolve,
      memo: { key, tag: "bench" },
    });
    return { cells: cells.length, bytes: collectionBytes(cells) };
  };
  // JIT warm-up with windows no timed answer uses
  for (let i = 0; i < 6; i++) answer(1000 + i, box(), 2);
  const perCell: number[] = [], cold: number[] = [], warm: number[] = [];
  let sum = 0, cells = 0;
  for (let i = 0; i < n; i++) {
    const b = box(), days = [1, 3, 7, 14, 30][i % 5];
    let t = performance.now();
    const a = answer(2000 + i, b, days);
    const ms = performance.now() - t;
    cold.push(ms);
    perCell.push((ms * 1000) / Math.max(1, a.cells));
    cells += a.cells;
    t = performance.now();
    answer(2000 + i, b, days);
    warm.push(performance.now() - t);
    for (let k = 0; k < a.bytes.length; k += 97) sum = (sum * 31 + a.bytes[k]) >>> 0;
    sum = (sum * 31 + a.bytes.length) >>> 0;
  }
  const out = {
    bench: "coverage-cold",
    deno: Deno.version.deno,
    receptions: total,
    relays: relayCount,
    buildMs: Math.round(buildMs),
    answers: n,
    meanCells: Math.round(cells / n),
    coldUsPerCell: { p50: round(at(perCell, 0.5)), p90: round(at(perCell, 0.9)) },
    coldMs: { p50: round(at(cold, 0.5)), p90: round(at(cold, 0.9)), max: round(at(cold, 1)) },
    warmMs: { p50: round(at(warm, 0.5)), p90: round(at(warm, 0.9)) },
    checksum: sum,
    cacheMB: {
      heads: round(((idx as Partial<CoverageIndex>).heads?.bytes ?? 0) / 1048576),
      memos: round(((idx as Partial<CoverageIndex>).memos?.bytes ?? 0) / 1048576),
    },
  };
  if (Deno.args.includes("--json")) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(
      `cold ${out.coldUsPerCell.p50} µs/cell (p90 ${out.coldUsPerCell.p90}), answer p50 ${out.coldMs.p50} ms, warm p50 ${out.warmMs.p50} ms, checksum ${sum}`,
    );
  }
}

if (import.meta.main) main();
