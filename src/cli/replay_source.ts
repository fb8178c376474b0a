/**
 * Reading a captured CoreScope (or hopwatch) database as a stream of MQTT
 * messages, time-shifted to now: `hopwatch replay FILE --speed N`.
 *
 * Every stored observation becomes the packet its observer published (the
 * transmission's bytes with that observation's path) on the topic
 * `meshcore/{IATA}/{observerId}/packets`, preceded by one status message per
 * observer carrying its stored name and radio. The messages then take the
 * same parser and ingest pipeline as a live broker's, so the replay exercises
 * the real ingest path. Gaps between observations are divided by the speed and
 * capped, so an idle hour in the capture never looks like a dead server.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** One MQTT message of the replay. */
export interface ReplayMessage {
  topic: string;
  payload: string;
}

/** What a replay file holds, checked before anything starts. */
export interface ReplaySummary {
  path: string;
  transmissions: number;
  observations: number;
  observers: number;
  /** Capture time of the first and last observation (epoch ms). */
  firstMs: number;
  lastMs: number;
}

/** Pacing of a replay. */
export interface ReplayOptions {
  /** Capture seconds per wall second (default 1); `Infinity` feeds without waiting. */
  speed?: number;
  /** Longest wall-clock wait between two messages, in ms (default 5000). */
  maxGapMs?: number;
  signal?: AbortSignal;
  /** Called once after the last message was handed on. */
  onDone?: (sent: { packets: number; statuses: number }) => void;
}

/** A file that cannot be replayed; the command exits 1 with this message. */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

const NEEDED: Record<string, string[]> = {
  transmissions: ["id", "raw_hex"],
  observations: ["transmission_id", "observer_idx", "path_json", "timestamp", "snr", "rssi"],
  observers: ["id", "name", "iata"],
};

/** Parses `--speed`: a positive number. @throws {ReplayError} */
export function parseSpeed(text: string | undefined): number {
  if (text === undefined || text === "") return 1;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ReplayError(`Cannot use --speed "${text}": expected a positive number, e.g. 10`);
  }
  return n;
}

function open(path: string): DatabaseSync {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    throw new ReplayError(
      `Cannot replay "${path}": no such file. Give a CoreScope database (its meshcore.db) or a ` +
        `hopwatch database. The captured fixture is the CoreScope capture in the shared/ folder ` +
        `beside the project (shared/fixtures/corescope-e2e.db), which a bare clone does not ` +
        `have; "deno task demo" runs a simulated live mesh without it.`,
    );
  }
  if (!info.isFile) throw new ReplayError(`Cannot replay "${path}": not a file`);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.prepare("SELECT name FROM sqlite_master LIMIT 1").get();
  } catch (err) {
    throw new ReplayError(
      `Cannot replay "${path}": not an SQLite database (${(err as Error).message})`,
    );
  }
  for (const [table, columns] of Object.entries(NEEDED)) {
    const have = new Set(
      db.prepare(`PRAGMA table_info(${table})`).all().map((r) => String(r.name)),
    );
    const missing = columns.filter((c) => !have.has(c));
    if (have.size === 0 || missing.length > 0) {
      db.close();
      const why = have.size === 0 ? `no ${table} table` : `${table} lacks ${missing.join(", ")}`;
      throw new ReplayError(
        `Cannot replay "${path}": not a CoreScope or hopwatch database (${why})`,
      );
    }
  }
  return db;
}

/** Checks that `path` is a replayable database and counts what it holds. @throws {ReplayError} */
export function inspectReplayFile(path: string): ReplaySummary {
  const db = open(path);
  try {
    const r = db.prepare(
      `SELECT COUNT(*) AS obs, COUNT(DISTINCT transmission_id) AS tx,
              COUNT(DISTINCT observer_idx) AS observers,
              MIN(timestamp) AS first, MAX(timestamp) AS last
         FROM observations WHERE observer_idx IS NOT NULL`,
    ).get()!;
    if (Number(r.obs) === 0) throw new ReplayError(`Cannot replay "${path}": no observations`);
    return {
      path,
      transmissions: Number(r.tx),
      observations: Number(r.obs),
      observers: Number(r.observers),
      firstMs: toMs(r.first),
      lastMs: toMs(r.last),
    };
  } finally {
    db.close();
  }
}

/** An observation timestamp (epoch seconds in CoreScope, ms or ISO text elsewhere) in ms. */
function toMs(v: unknown): number {
  if (typeof v === "number") return v < 1e12 ? v * 1000 : v;
  if (typeof v === "bigint") return toMs(Number(v));
  const t = Date.parse(String(v));
  return Number.isFinite(t) ? t : 0;
}

/**
 * The packet as one observer heard it: `raw` with its path replaced by `hops`
 * (hex prefixes, all of one size). TRACE packets keep their bytes (their path
 * bytes are SNRs); bytes too short to hold a header are returned unchanged.
 */
export function packetWithPath(raw: string, hops: string[]): string {
  const b = raw.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
  if (b.length < 2 || b.some((x) => Number.isNaN(x))) return raw;
  const routeType = b[0] & 3;
  const pathAt = routeType === 0 || routeType === 3 ? 5 : 1;
  if (b.length <= pathAt || ((b[0] >> 2) & 15) === 9) return raw;
  const payloadAt = pathAt + 1 + (b[pathAt] & 0x3f) * ((b[pathAt] >> 6) + 1);
  if (payloadAt > b.length || hops.some((h) => !/^([0-9a-fA-F]{2}){1,3}$/.test(h))) return raw;
  const size = hops.length > 0 ? hops[0].length / 2 : (b[pathAt] >> 6) + 1;
  if (hops.some((h) => h.length !== size * 2) || hops.length > 63) return raw;
  const pathByte = (((size - 1) << 6) | hops.length).toString(16).padStart(2, "0");
  return raw.slice(0, pathAt * 2) + pathByte + hops.join("") + raw.slice(payloadAt * 2);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * The replay of `path` as MQTT messages, paced by `speed` and time-shifted:
 * the first observation is published when iteration starts, each later one
 * after its capture gap divided by the speed. Streams rows (constant memory).
 * @throws {ReplayError} when the file is not a replayable database
 */
export async function* replayMessages(
  path: string,
  opts: ReplayOptions = {},
): AsyncGenerator<ReplayMessage> {
  const speed = opts.speed ?? 1;
  const maxGap = opts.maxGapMs ?? 5000;
  const db = open(path);
  let packets = 0;
  let statuses = 0;
  try {
    const observers = new Map<number, { id: string; iata: string; status: string }>();
    for (
      const o of db.prepare(
        "SELECT rowid, * FROM observers",
      ).all()
    ) {
      const id = String(o.id);
      const iata = String(o.iata ?? "") || "XXX";
      const status = JSON.stringify({
        status: "online",
        origin: o.name ?? id,
        origin_id: id,
        model: o.model ?? undefined,
        firmware_version: o.firmware ?? undefined,
        client_version: o.client_version ?? undefined,
        radio: o.radio ?? undefined,
      });
      observers.set(Number(o.rowid), { id, iata, status });
    }
    const rows = db.prepare(
      `SELECT t.raw_hex, o.path_json, o.observer_idx, o.snr, o.rssi, o.score, o.direction,
              o.timestamp
         FROM observations o JOIN transmissions t ON t.id = o.transmission_id
        WHERE o.observer_idx IS NOT NULL
        ORDER BY o.timestamp, o.id`,
    );
    const announced = new Set<number>();
    let wallMs = Date.now();
    let prevCapture = NaN;
    for (const r of rows.iterate()) {
      if (opts.signal?.aborted) return;
      const capture = toMs(r.timestamp);
      if (Number.isFinite(prevCapture) && Number.isFinite(speed)) {
        wallMs += Math.min(maxGap, Math.max(0, capture - prevCapture) / speed);
        const wait = wallMs - Date.now();
        if (wait >= 1) await sleep(wait, opts.signal);
        if (opts.signal?.aborted) return;
      }
      prevCapture = capture;
      const idx = Number(r.observer_idx);
      const ob = observers.get(idx);
      if (!ob) continue;
      if (!announced.has(idx)) {
        announced.add(idx);
        statuses++;
        yield { topic: `meshcore/${ob.iata}/${ob.id}/status`, payload: ob.status };
      }
      let raw = String(r.raw_hex);
      try {
        raw = packetWithPath(raw, JSON.parse(String(r.path_json ?? "[]")));
      } catch { /* an unreadable path: the transmission's own bytes */ }
      packets++;
      yield {
        topic: `meshcore/${ob.iata}/${ob.id}/packets`,
        payload: JSON.stringify({
          origin_id: ob.id,
          type: "PACKET",
          direction: r.direction ?? "rx",
          raw,
          SNR: r.snr ?? undefined,
          RSSI: r.rssi ?? undefined,
          score: r.score ?? undefined,
          timestamp: new Date().toISOString(),
        }),
      };
    }
    opts.onDone?.({ packets, statuses });
  } finally {
    db.close();
  }
}
