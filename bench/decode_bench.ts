/**
 * Decoder benchmark: decodes the fixture's 499 raw packets (hex strings, as
 * ingest receives them), repeated, single-threaded.
 *
 * Phases: decode without keys (target >= 200,000 packets/s), decode with the
 * fixture key ring (Public + rainbow table, so GRP_TXT is decrypted), and
 * Ed25519 verification of the 102 ADVERT signatures. Each figure is the
 * median of >= 5 timed runs after a warm-up.
 *
 * Headline figures are wall-clock rates; `cpu` repeats them per CPU second of
 * this process, which stays meaningful when other processes load the box.
 *
 * Usage: deno run --allow-read --allow-env --allow-sys bench/decode_bench.ts [--json] [--runs N]
 * [--ms N]
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import process from "node:process";
import {
  createKeyRing,
  decodePacket,
  hexToBytes,
  verifyAdvertSignature,
} from "../src/meshcore/mod.ts";
import type { DecodeOptions } from "../src/meshcore/mod.ts";

const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);

/** One timed run: wall-clock rate, and the rate per CPU second of this process. */
interface Run {
  phase: "decode" | "decodeWithKeys" | "verify";
  items: number;
  ms: number;
  perSec: number;
  cpuPerSec: number;
}

/** Time `body` (which returns the item count) by wall clock and process CPU time. */
async function timed(phase: Run["phase"], body: () => number | Promise<number>): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const items = await body();
  const el = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  return {
    phase,
    items,
    ms: Math.round(el),
    perSec: Math.round(items / (el / 1000)),
    cpuPerSec: Math.round(items / (cpuMs / 1000)),
  };
}

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

function loadPackets(): string[] {
  const db = new DatabaseSync(new URL("corescope-e2e.db", FIXTURES).pathname, { readOnly: true });
  try {
    const rows = db.prepare("SELECT raw_hex FROM transmissions ORDER BY id").all();
    return rows.map((r) => String((r as { raw_hex: string }).raw_hex));
  } finally {
    db.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Decode the whole mix repeatedly for about `ms` milliseconds. */
function decodeRun(
  phase: Run["phase"],
  packets: string[],
  opts: DecodeOptions | undefined,
  ms: number,
): Promise<Run> {
  return timed(phase, () => {
    let items = 0;
    let sink = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      for (let i = 0; i < packets.length; i++) sink += decodePacket(packets[i], opts).hash.length;
      items += packets.length;
    }
    if (sink === 0) throw new Error("nothing decoded");
    return items;
  });
}

/** Verify all advert signatures repeatedly (one at a time) for about `ms` milliseconds. */
function verifyRun(adverts: Uint8Array[], ms: number): Promise<Run> {
  return timed("verify", async () => {
    let items = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      for (const a of adverts) {
        if (!(await verifyAdvertSignature(a))) throw new Error("signature failed");
      }
      items += adverts.length;
    }
    return items;
  });
}

/** 1-minute load average, or null without --allow-sys. */
function loadAverage(): number | null {
  try {
    return Math.round(Deno.loadavg()[0] * 100) / 100;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const json = Deno.args.includes("--json");
  const runsPerPhase = Math.max(5, arg("--runs", 7));
  const ms = arg("--ms", 500);
  const packets = loadPackets();
  const rainbow = JSON.parse(Deno.readTextFileSync(new URL("channel-rainbow.json", FIXTURES)));
  const keyRing = createKeyRing({ rainbow });
  const adverts = packets.map((h) => hexToBytes(h)!).filter((b) => ((b[0] >> 2) & 0x0f) === 4);

  // Warm-up (JIT) for both decode paths.
  await decodeRun("decode", packets, undefined, 300);
  await decodeRun("decodeWithKeys", packets, { keyRing }, 200);
  await verifyRun(adverts, 100);

  const runs: Run[] = [];
  for (let i = 0; i < runsPerPhase; i++) {
    runs.push(await decodeRun("decode", packets, undefined, ms));
  }
  for (let i = 0; i < runsPerPhase; i++) {
    runs.push(await decodeRun("decodeWithKeys", packets, { keyRing }, ms));
  }
  for (let i = 0; i < runsPerPhase; i++) runs.push(await verifyRun(adverts, ms));

  const med = (p: Run["phase"], k: "perSec" | "cpuPerSec" = "perSec") =>
    Math.round(median(runs.filter((r) => r.phase === p).map((r) => r[k])));
  const result = {
    decodePerSec: med("decode"),
    decodeWithKeysPerSec: med("decodeWithKeys"),
    verifyPerSec: med("verify"),
    packets: packets.length,
    cpu: {
      decodePerSec: med("decode", "cpuPerSec"),
      decodeWithKeysPerSec: med("decodeWithKeys", "cpuPerSec"),
      verifyPerSec: med("verify", "cpuPerSec"),
    },
    loadAverage: loadAverage(),
    runs,
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`fixture mix: ${packets.length} packets (${adverts.length} adverts)`);
  console.log(`decode, no keys:        ${result.decodePerSec.toLocaleString("en")} packets/s`);
  console.log(
    `decode, with key ring:  ${result.decodeWithKeysPerSec.toLocaleString("en")} packets/s`,
  );
  console.log(`Ed25519 verify:         ${result.verifyPerSec.toLocaleString("en")} signatures/s`);
  console.log(
    `(median of ${runsPerPhase} runs of ~${ms} ms each, wall clock; per CPU second: ` +
      `${result.cpu.decodePerSec} / ${result.cpu.decodeWithKeysPerSec} / ` +
      `${result.cpu.verifyPerSec}; load average ${result.loadAverage})`,
  );
}

if (import.meta.main) await main();
