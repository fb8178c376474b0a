/**
 * Why the live port's per-turn corking moved from a `Map` to a reused array (BENCHMARKS.md,
 * session 9, `s9-wsmem`): a `Map` cleared every event-loop turn and refilled with ~1,000 keys,
 * beside allocation-heavy work, as `ws_lib_socket.ts` did for every socket sent to in a turn.
 *
 * V8 gives an obsolete hash table (after `clear()` or a rehash while growing) a link to its
 * successor, for live iterators. Once one table has survived two young-generation collections
 * (a turn that allocated more than a semi-space) and sits in the old space, every later table
 * is reachable from it through those links: each survives the scavenges and is promoted, and
 * the chain only breaks at the next major GC. The array variant stays flat.
 *
 * ```
 * deno run -A --v8-flags=--max-semi-space-size=8 bench/map_clear_probe.ts [--keys 1260] [--seconds 8]
 * ```
 *
 * Prints JSON: per variant, turns run and the old space's peak growth (MB, sampled every 50
 * turns; a major GC in between takes the promoted tables back).
 *
 * @module
 */

import v8 from "node:v8";
import { setImmediate } from "node:timers";

const arg = (name: string, def: number) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : def;
};

const oldUsed = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")?.space_used_size ?? 0;

/** Runs turns for `seconds`: each clears the set of "corked" keys and re-adds every key. */
function run(variant: "map" | "array", keyCount: number, seconds: number): Promise<object> {
  const keys = Array.from({ length: keyCount }, (_, i) => ({ i }));
  const map = new Map<object, number>();
  const list: (object | undefined)[] = [];
  let count = 0;
  let sink: unknown;
  let turns = 0;
  let peak = 0;
  const add = (k: object) => variant === "map" ? map.set(k, 0) : (list[count++] = k);
  const start = oldUsed();
  const t0 = performance.now();
  return new Promise((resolve) => {
    const turn = () => {
      if (++turns % 50 === 0) peak = Math.max(peak, oldUsed());
      if (variant === "map") map.clear();
      else {
        for (let i = 0; i < count; i++) list[i] = undefined;
        count = 0;
      }
      for (const k of keys) {
        add(k);
        sink = [{ k }, `frame ${k.i}`]; // the per-send garbage
      }
      // Once: a turn that allocates more than a semi-space while its table is alive.
      if (turns === 50) { for (let j = 0; j < 400_000; j++) sink = [{ j }, `big ${j}`]; }
      if (performance.now() - t0 < seconds * 1000) return void setImmediate(turn);
      void sink;
      resolve({ variant, turns, oldSpacePeakGrowthMB: Math.round((peak - start) / 1e5) / 10 });
    };
    turn();
  });
}

if (import.meta.main) {
  const keyCount = arg("--keys", 1260);
  const seconds = arg("--seconds", 8);
  const out = [];
  for (const v of ["map", "array"] as const) out.push(await run(v, keyCount, seconds));
  console.log(JSON.stringify({ bench: "map_clear_probe", keys: keyCount, seconds, runs: out }));
}
