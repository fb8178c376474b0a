/**
 * A live MQTT feed from the synthetic mesh, in the meshcoretomqtt format
 * (data-model §4), for the demo mode to push through the real ingest.
 *
 * - Packets: topic `meshcore/{IATA}/{observerId}/packets`, JSON
 *   `{origin, origin_id, type: "PACKET", direction: "rx", raw, SNR, RSSI, score, hash, timestamp}`
 *   (one message per observer copy, `raw` in uppercase hex).
 * - Status: topic `meshcore/{IATA}/{observerId}/status`, JSON
 *   `{status: "online", origin, origin_id, model, firmware_version, client_version, radio,
 *   stats{battery_mv, uptime_secs, noise_floor, tx_air_secs, rx_air_secs, recv_errors,
 *   packets_sent, packets_recv}, repeat, timestamp}` for every observer at the start and then
 *   every `statusEverySec`, staggered.
 *
 * Packet messages average `ratePerSec`; within an exchange, copies arrive at
 * their hop delays. With `realtime: false` nothing sleeps and timestamps run
 * on a virtual clock (tests, benchmarks).
 *
 * @module
 */

import { buildMesh, type Mesh } from "./mesh.ts";
import { Traffic } from "./traffic.ts";
import { trafficShape } from "./calibrate.ts";
import { copyHex, packetHex, scoreOf, simContentHash } from "./sim_rows.ts";
import { Prng } from "./prng.ts";

/** One MQTT message. */
export interface LiveMessage {
  topic: string;
  payload: string;
}

/** Options of {@linkcode createLiveFeed}. */
export interface LiveFeedOptions {
  /** Average packet messages per second. */
  ratePerSec: number;
  /** Topic region for every observer (default: each observer's own IATA). */
  iata?: string;
  /** Traffic seed (default: the mesh seed). */
  seed?: number;
  /** Flood intensity κ (default 1; see `traffic.ts`). */
  intensity?: number;
  /** Seconds between status messages of one observer (default 60). */
  statusEverySec?: number;
  /** Sleep until each message is due (default true). */
  realtime?: boolean;
  /** Start of the clock, epoch ms (default: now). */
  startMs?: number;
  /** Stop after this many messages (default: never). */
  limit?: number;
  /** Stops the feed. */
  signal?: AbortSignal;
}

/** Builds the small demo mesh (shape S) quickly. */
export function buildDemoMesh(seed = 1): Promise<Mesh> {
  return buildMesh("S", seed);
}

interface Pending {
  due: number;
  seq: number;
  msg: LiveMessage;
}

/** An endless (or `limit`-bounded) feed of MQTT messages from `mesh`. */
export function createLiveFeed(mesh: Mesh, opts: LiveFeedOptions): AsyncIterable<LiveMessage> {
  if (!(opts.ratePerSec > 0) || !Number.isFinite(opts.ratePerSec)) {
    throw new Error(
      `Cannot create live feed: ratePerSec ${opts.ratePerSec} is not a positive number`,
    );
  }
  return { [Symbol.asyncIterator]: () => feed(mesh, opts) };
}

async function* feed(mesh: Mesh, opts: LiveFeedOptions): AsyncGenerator<LiveMessage> {
  const seed = opts.seed ?? mesh.seed;
  const realtime = opts.realtime ?? true;
  const statusEvery = (opts.statusEverySec ?? 60) * 1000;
  const shape = trafficShape(mesh.nodes.length, Math.max(mesh.nodes.length * 10, 1000));
  const traffic = new Traffic(mesh, {
    seed,
    label: "live",
    intensity: opts.intensity ?? 1,
    ...shape,
    coverageRate: 0.5,
  });
  const statusRng = new Prng(seed, "live-status");
  const start = opts.startMs ?? Date.now();
  let clock = start;
  const now = () => realtime ? Date.now() : clock;
  const pending: Pending[] = [];
  let seq = 0;
  const push = (due: number, msg: LiveMessage) => {
    const p = { due, seq: seq++, msg };
    let i = pending.length;
    while (i > 0 && (pending[i - 1].due > due)) i--;
    pending.splice(i, 0, p);
  };
  const uptime = mesh.observers.map(() => statusRng.range(600, 30 * 86400));
  const counters = mesh.observers.map(() => ({ sent: 0, recv: 0 }));
  const topicOf = (ob: Mesh["observers"][number], kind: string) =>
    `meshcore/${opts.iata ?? ob.iata}/${ob.id}/${kind}`;
  const statusMsg = (k: number, at: number): LiveMessage => {
    const ob = mesh.observers[k];
    const c = counters[k];
    return {
      topic: topicOf(ob, "status"),
      payload: JSON.stringify({
        status: "online",
        origin: ob.name,
        origin_id: ob.id,
        model: ob.model,
        firmware_version: ob.firmware,
        client_version: ob.clientVersion,
        radio: ob.radio,
        stats: {
          battery_mv: statusRng.range(3700, 4200),
          uptime_secs: uptime[k] + Math.floor((at - start) / 1000),
          noise_floor: Math.round(statusRng.normal(-110, 3)),
          tx_air_secs: Math.floor(c.sent * 0.2),
          rx_air_secs: Math.floor(c.recv * 0.25),
          recv_errors: statusRng.int(5),
          packets_sent: c.sent,
          packets_recv: c.recv,
        },
        repeat: ob.canRelay,
        timestamp: new Date(at).toISOString(),
      }),
    };
  };
  mesh.observers.forEach((_, k) => push(start, statusMsg(k, start)));
  const nextStatus = mesh.observers.map((_, k) =>
    start + statusEvery * (1 + k / Math.max(1, mesh.observers.length))
  );
  let nextExchange = start;
  let emitted = 0;
  while (opts.limit === undefined || emitted < opts.limit) {
    if (opts.signal?.aborted) return;
    // Refill: generate exchanges until something is due before the next exchange.
    while (pending.length === 0 || pending[0].due > nextExchange) {
      const packets = await traffic.exchange(nextExchange / 1000);
      let n = 0;
      for (const p of packets) {
        if (p.copies.length === 0) continue;
        const hx = packetHex(p);
        const hash = simContentHash(p);
        for (const c of p.copies) {
          const ob = mesh.observers[c.observer];
          const due = Math.round((p.time + c.delay) * 1000);
          counters[c.observer].recv++;
          if (ob.canRelay) counters[c.observer].sent++;
          push(due, {
            topic: topicOf(ob, "packets"),
            payload: JSON.stringify({
              origin: ob.name,
              origin_id: ob.id,
              type: "PACKET",
              direction: "rx",
              raw: copyHex(mesh, p, hx, c).raw,
              SNR: c.snr,
              RSSI: c.rssi,
              score: scoreOf(c.snr),
              hash,
              timestamp: new Date(due).toISOString(),
            }),
          });
          n++;
        }
      }
      nextExchange += (Math.max(1, n) / opts.ratePerSec) * 1000;
      for (let k = 0; k < nextStatus.length; k++) {
        while (nextStatus[k] <= nextExchange) {
          push(nextStatus[k], statusMsg(k, nextStatus[k]));
          nextStatus[k] += statusEvery;
        }
      }
    }
    const next = pending.shift()!;
    if (realtime) {
      const wait = next.due - now();
      if (wait > 0) await sleep(wait, opts.signal);
      if (opts.signal?.aborted) return;
    } else clock = Math.max(clock, next.due);
    emitted++;
    yield next.msg;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(done, ms);
    function done() {
      clearTimeout(id);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
