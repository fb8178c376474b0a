/**
 * Row builders of the generator: the raw hex of each observer's copy, the
 * content hash, and the per-node / per-observer aggregates that become the
 * `nodes`, `observers` and `observer_metrics` rows.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Mesh } from "./mesh.ts";
import type { SimPacket } from "./traffic.ts";
import type { HeardCopy } from "./hearing.ts";
import { Prng } from "./prng.ts";
import { rfc3339 } from "./clock.ts";

const HEXU: string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0").toUpperCase(),
);

/** Uppercase hex of bytes. */
export function upperHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEXU[b[i]];
  return s;
}

/** Precomputed pieces of one packet's raw hex. */
export interface PacketHex {
  header: string;
  payload: string;
  /** TRACE: the header path (path byte + SNR bytes), shared by every copy. */
  tracePath?: string;
}

/** Header and payload hex of a packet. */
export function packetHex(p: SimPacket): PacketHex {
  const header = HEXU[(p.payloadType << 2) | p.routeType];
  const payload = upperHex(p.payload);
  if (p.payloadType !== 9) return { header, payload };
  const snr = p.headerHops ?? [];
  let tracePath = HEXU[snr.length];
  for (const b of snr) tracePath += HEXU[b[0]];
  return { header, payload, tracePath };
}

/** The raw hex of one observer's copy, and its `path_json`. */
export function copyHex(
  mesh: Mesh,
  p: SimPacket,
  hx: PacketHex,
  c: HeardCopy,
): { raw: string; pathJson: string } {
  const size = p.pathHopSize;
  let pathJson = "[";
  let hops = "";
  for (let i = 0; i < c.hops.length; i++) {
    const h = mesh.hopHex(c.hops[i], size);
    pathJson += i === 0 ? `"${h}"` : `,"${h}"`;
    hops += h;
  }
  pathJson += "]";
  if (hx.tracePath !== undefined) return { raw: hx.header + hx.tracePath + hx.payload, pathJson };
  return { raw: hx.header + HEXU[((size - 1) << 6) | c.hops.length] + hops + hx.payload, pathJson };
}

/** Current-formula content hash (wire §7) from the packet's parts. */
export function simContentHash(p: SimPacket): string {
  const h = createHash("sha256");
  if (p.payloadType === 9) h.update(Uint8Array.of(9, p.headerHops?.length ?? 0, 0));
  else h.update(Uint8Array.of(p.payloadType));
  h.update(p.payload);
  return h.digest("hex").slice(0, 16);
}

/** `observations.score` from SNR (0–1000). */
export function scoreOf(snr: number): number {
  return Math.round(Math.min(1, Math.max(0, (snr + 20) / 34)) * 1000);
}

/** Aggregated advert facts of one node. */
export interface NodeAgg {
  name: string | null;
  role: string;
  lat: number | null;
  lon: number | null;
  first: number;
  last: number;
  adverts: number;
  batteryMv: number | null;
  temperatureC: number | null;
}

/** Aggregated traffic of one observer. */
export interface ObserverAgg {
  count: number;
  first: number;
  last: number;
}

/** One `observer_metrics` row. */
export type MetricsRow = [string, string, number, number, number, number, number, number, number];

/**
 * Status-derived rows of an observer: `observer_metrics` every 15 minutes
 * (timestamps on the 300 s grid) between its first and last packet, with
 * cumulative counters that reset on the odd reboot; returns the rows and the
 * latest battery, uptime and noise floor for the `observers` row.
 */
export function observerStatus(
  seed: number,
  id: string,
  agg: ObserverAgg,
): { rows: MetricsRow[]; batteryMv: number; uptime: number; noise: number } {
  const rng = new Prng(seed, `status:${id}`);
  const rows: MetricsRow[] = [];
  const step = 900;
  let t = agg.first - (agg.first % 300);
  let up = rng.range(3600, 40 * 86400);
  let sent = rng.range(0, 5000), recv = rng.range(0, 50000), txAir = 0, rxAir = 0, errs = 0;
  let battery = rng.range(3700, 4200), noise = -110;
  const rate = agg.count / Math.max(1, agg.last - agg.first);
  for (; t <= agg.last; t += step) {
    if (rng.chance(0.002)) {
      up = 0;
      sent =
        recv =
        txAir =
        rxAir =
        errs =
          0;
    }
    up += step;
    const heard = Math.round(rate * step * rng.uniform(0.6, 1.4));
    recv += heard;
    sent += Math.round(heard * rng.uniform(0.05, 0.3));
    rxAir += Math.round(heard * 0.25);
    txAir += Math.round(heard * 0.04);
    errs += rng.int(3);
    battery = Math.max(3300, Math.min(4200, battery + rng.range(-15, 15)));
    noise = Math.round(rng.normal(-110, 3) * 4) / 4;
    rows.push([id, rfc3339(t), noise, txAir, rxAir, errs, battery, sent, recv]);
  }
  return { rows, batteryMv: battery, uptime: up, noise };
}
