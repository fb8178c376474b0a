/**
 * Replaying a generated database as live traffic, for the ingest benchmarks:
 * every observation becomes the packet its observer heard (the transmission's
 * bytes with that observation's path), in id order.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { hexToBytes } from "../src/meshcore/mod.ts";
import { localPacketMessage, type PacketMessage } from "../src/ingest/messages.ts";

/** One packet as an observer published it. */
export interface Replay {
  raw: string;
  observerId: string;
  observerName: string | null;
  iata: string | null;
  snr: number | null;
  rssi: number | null;
}

/** The packet message for a replayed observation, received now (`observerPrefix` renames its observer). */
export function replayMessage(r: Replay, observerPrefix = ""): PacketMessage {
  return localPacketMessage(r.raw, `${observerPrefix}${r.observerId}`, {
    source: "bench",
    observerName: r.observerName,
    iata: r.iata,
    snr: r.snr,
    rssi: r.rssi,
  });
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0").toUpperCase());

/** The packet as one observer heard it: the transmission's bytes with this observation's path. */
export function withPath(txRaw: string, hops: string[]): string {
  const b = hexToBytes(txRaw)!;
  const transport = (b[0] & 3) === 0 || (b[0] & 3) === 3 ? 4 : 0;
  const p = 1 + transport;
  const size = (b[p] >> 6) + 1;
  const payloadStart = p + 1 + (b[p] & 0x3f) * size;
  if (((b[0] >> 2) & 15) === 9) return txRaw; // TRACE: path bytes are SNRs, keep as sent
  const hopSize = hops.length ? hops[0].length / 2 : size;
  let out = "";
  for (let i = 0; i < p; i++) out += HEX[b[i]];
  out += HEX[((hopSize - 1) << 6) | hops.length] + hops.join("");
  for (let i = payloadStart; i < b.length; i++) out += HEX[b[i]];
  return out;
}

/** The first `count` observations of a generated database, as packets (skipping `offset`). */
export function loadReplay(path: string, count: number, offset = 0): Replay[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(
      `SELECT t.raw_hex, o.path_json, b.id AS observer_id, b.name, b.iata, o.snr, o.rssi
         FROM observations o JOIN transmissions t ON t.id = o.transmission_id
         JOIN observers b ON b.rowid = o.observer_idx
        ORDER BY o.id LIMIT ? OFFSET ?`,
    ).all(count, offset);
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

/** The q-quantile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
