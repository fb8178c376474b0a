/**
 * Sustained ingest through the real pipeline, SQLite persistence included.
 *
 *   deno task bench:ingest --json [--source FILE] [--count N] [--runs R]
 *
 * Packets come from a generated database (`deno task gen`): every observation
 * is replayed as the packet its observer heard (the transmission's bytes with
 * that observation's path), in id order, into a FRESH database through
 * `IngestPipeline.ingestPacket` — decode, hash, dedup, signature check,
 * resolution, decode window, store, batched writer. An observation counts as
 * acknowledged when the writer's transaction holding it commits; `p99AckMs` is
 * the 99th percentile of that delay. Prints `{obsPerSec, p50AckMs, p99AckMs,
 * ...}` (medians over the runs).
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { createStack } from "../src/cli/stack.ts";
import { DEFAULTS } from "../src/cli/config.ts";
import { Logger } from "../src/log/logger.ts";
import { hexToBytes } from "../src/meshcore/mod.ts";
import type { PacketMessage } from "../src/ingest/messages.ts";
import { runGen } from "../src/cli/gen_command.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    source: { type: "string" },
    count: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});

interface Replay {
  raw: string;
  observerId: string;
  observerName: string | null;
  iata: string | null;
  snr: number | null;
  rssi: number | null;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0").toUpperCase());

/** The packet as one observer heard it: the transmission's bytes with this observation's path. */
function withPath(txRaw: string, hops: string[]): string {
  const b = hexToBytes(txRaw)!;
  const transport = (b[0] & 3) === 0 || (b[0] & 3) === 3 ? 4 : 0;
  const p = 1 + transport;
  const size = (b[p] >> 6) + 1;
  const payloadStart = p + 1 + (b[p] & 0x3f) * size;
  if ((b[0] >> 2 & 15) === 9) return txRaw; // TRACE: path bytes are SNRs, keep as sent
  const hopSize = hops.length ? hops[0].length / 2 : size;
  let out = "";
  for (let i = 0; i < p; i++) out += HEX[b[i]];
  out += HEX[((hopSize - 1) << 6) | hops.length] + hops.join("");
  for (let i = payloadStart; i < b.length; i++) out += HEX[b[i]];
  return out;
}

async function loadReplay(path: string, count: number): Promise<Replay[]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(
      `SELECT t.raw_hex, o.path_json, b.id AS observer_id, b.name, b.iata, o.snr, o.rssi
         FROM observations o JOIN transmissions t ON t.id = o.transmission_id
         JOIN observers b ON b.rowid = o.observer_idx
        ORDER BY o.id LIMIT ?`,
    ).all(count);
    return rows.map((r) => ({
      raw: withPath(String(r.raw_hex), JSON.parse(String(r.path_json ?? "[]"))),
      observerId: String(r.observer_id),
      observerName: r.name as string | null,
      iata: r.iata as string | null,
      snr: r.snr as number | null,
      rssi: r.rssi as number | null,
    }));
  } finally {
    db.close();
  }
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function runOnce(replay: Replay[]) {
  const dir = await Deno.makeTempDir({ prefix: "hw-ingest-bench-" });
  const log = new Logger("error");
  const stack = createStack({
    ...DEFAULTS,
    dbPath: `${dir}/bench.db`,
    hashChannels: ["#test", "#wardriving", "#bot", "#chat"],
  }, { log });
  const pending: number[] = [];
  const acks = new Float64Array(replay.length);
  let acked = 0;
  stack.writer.onFlush(() => {
    const now = performance.now();
    for (const t of pending) acks[acked++] = now - t;
    pending.length = 0;
  });
  const msg: PacketMessage = {
    kind: "packet",
    source: "bench",
    topic: "",
    receivedAtMs: 0,
    raw: "",
    observerId: null,
    observerName: null,
    iata: null,
    snr: null,
    rssi: null,
    score: null,
    direction: null,
    observerTimestamp: null,
    observerTimestampNaive: false,
  };
  const dropped: Record<string, number> = {};
  const t0 = performance.now();
  for (let i = 0; i < replay.length; i++) {
    const r = replay[i];
    const out = await stack.pipeline.ingestPacket({
      ...msg,
      receivedAtMs: Date.now(),
      raw: r.raw,
      observerId: r.observerId,
      observerName: r.observerName,
      iata: r.iata,
      snr: r.snr,
      rssi: r.rssi,
    });
    pending.push(performance.now());
    if (out.status === "dropped") dropped[out.reason] = (dropped[out.reason] ?? 0) + 1;
    // Let timers (the 250 ms flush) run, as they would between network reads.
    if ((i & 1023) === 0) await new Promise((r) => setTimeout(r, 0));
  }
  await stack.writer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const stored = stack.store.obsCount;
  const tx = stack.store.txCount;
  await stack.close();
  await Deno.remove(dir, { recursive: true });
  const lat = acks.slice(0, acked).sort();
  return {
    obsPerSec: Math.round(replay.length / seconds),
    p50AckMs: +percentile(lat, 0.5).toFixed(1),
    p99AckMs: +percentile(lat, 0.99).toFixed(1),
    seconds: +seconds.toFixed(2),
    stored,
    transmissions: tx,
    dropped,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (import.meta.main) {
  let source = args.values.source;
  if (!source) {
    source = `${await Deno.makeTempDir({ prefix: "hw-ingest-src-" })}/S.db`;
    const code = await runGen(["--shape", "S", "--out", source, "--seed", "1"]);
    if (code !== 0) throw new Error("Cannot generate the source database");
  }
  const replay = await loadReplay(source, Number(args.values.count));
  const runs = [];
  for (let i = 0; i < Number(args.values.runs); i++) runs.push(await runOnce(replay));
  const result = {
    source,
    observations: replay.length,
    obsPerSec: median(runs.map((r) => r.obsPerSec)),
    p50AckMs: median(runs.map((r) => r.p50AckMs)),
    p99AckMs: median(runs.map((r) => r.p99AckMs)),
    runs,
  };
  console.log(args.values.json ? JSON.stringify(result) : result);
}
