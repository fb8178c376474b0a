/**
 * Writes a synthetic CoreScope-compatible database (schema through
 * `openDatabase`) plus its truth sidecar `<out>.truth.bin`.
 *
 * Rows: one `transmissions` row per content hash (raw hex of the earliest
 * copy, current-formula hash, `decoded_json` = the real decoder's payload
 * with the hashtag channels configured, `channel_hash`, `from_pubkey`,
 * `first_seen`, `last_seen`, `created_at` = first_seen); one `observations`
 * row per (transmission, observer, path) with the observer's own `raw_hex`,
 * uppercase `path_json` and `resolved_path` (rules in `resolved.ts`);
 * `nodes` from the adverts; `observers` with rowid = `observer_idx`;
 * `observer_metrics`; `neighbor_edges` (rules in `resolved.ts`).
 *
 * Determinism: the same shape, seed and `now` give identical table contents.
 * Bulk mode: `synchronous=OFF`, `journal_mode=MEMORY` and foreign keys off while
 * writing, big transactions, prepared statements; WAL is restored at the end.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { openDatabase } from "../db/database.ts";
import { decodePacket } from "../meshcore/decode.ts";
import { createKeyRing } from "../meshcore/channel_keys.ts";
import { advertRole } from "../meshcore/advert.ts";
import { hexToBytes } from "../meshcore/encode.ts";
import type { AdvertPayload } from "../meshcore/types.ts";
import { buildMesh, type Mesh } from "./mesh.ts";
import { Router } from "./routing.ts";
import { Traffic } from "./traffic.ts";
import { calibrate, ObservationControl, trafficShape } from "./calibrate.ts";
import { shapeByName, type ShapeParams } from "./shapes.ts";
import { rfc3339, sqliteDateTime, TimeMap } from "./clock.ts";
import { TruthBuilder, writeTruth } from "./truth.ts";
import { EdgeBuilder, ResolvedPaths } from "./resolved.ts";
import { HASHTAG_CHANNELS } from "./payloads.ts";
import {
  copyHex,
  type NodeAgg,
  type ObserverAgg,
  observerStatus,
  packetHex,
  scoreOf,
  simContentHash,
} from "./sim_rows.ts";

/** Progress report (at most once per second, plus a final one). */
export interface GenerateProgress {
  phase: "mesh" | "calibrate" | "traffic" | "finish" | "done";
  transmissions: number;
  observations: number;
  /** Percent of the transmission target. */
  percent: number;
  /** Rows (transmissions + observations) per second since traffic began. */
  rowsPerSec: number;
  elapsedSec: number;
}

/** Options of {@linkcode generate}. */
export interface GenerateOptions {
  /** Shape preset (or name). */
  shape: ShapeParams | string;
  /** Output database path. */
  out: string;
  /** Seed (default 1). */
  seed?: number;
  /** End of the simulated span, epoch seconds (default: now, floored to the hour). */
  now?: number;
  /** Overwrite an existing file that has no truth sidecar. */
  force?: boolean;
  /** Progress callback. */
  onProgress?: (p: GenerateProgress) => void;
}

/** Outcome of {@linkcode generate}. */
export interface GenerateResult {
  path: string;
  truthPath: string;
  transmissions: number;
  observations: number;
  nodes: number;
  observers: number;
  neighborEdges: number;
  /** Calibrated flood intensity κ. */
  intensity: number;
  seconds: number;
  bytes: number;
}

const SQL = {
  tx: `INSERT INTO transmissions (id, raw_hex, hash, first_seen, route_type, payload_type,
    payload_version, decoded_json, created_at, channel_hash, from_pubkey, last_seen, scope_name)
    VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, NULL)`,
  obs: `INSERT INTO observations (id, transmission_id, observer_idx, direction, snr, rssi, score,
    path_json, timestamp, resolved_path, raw_hex) VALUES (?, ?, ?, 'rx', ?, ?, ?, ?, ?, ?, ?)`,
  node: `INSERT INTO nodes (public_key, name, role, lat, lon, last_seen, first_seen, advert_count,
    battery_mv, temperature_c, foreign_advert) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  observer: `INSERT INTO observers (rowid, id, name, iata, last_seen, first_seen, packet_count,
    model, firmware, client_version, radio, battery_mv, uptime_secs, noise_floor, inactive,
    last_packet_at, clock_skew_count_24h, can_relay, can_relay_seen)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?, 1)`,
  metrics: `INSERT INTO observer_metrics (observer_id, timestamp, noise_floor, tx_air_secs,
    rx_air_secs, recv_errors, battery_mv, packets_sent, packets_recv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  edge: `INSERT INTO neighbor_edges (node_a, node_b, count, last_seen) VALUES (?, ?, ?, ?)`,
};

/** Generates the database and its truth sidecar. */
export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const shape = typeof opts.shape === "string" ? shapeByName(opts.shape) : opts.shape;
  const seed = opts.seed ?? 1;
  const now = Math.floor(opts.now ?? Math.floor(Date.now() / 3_600_000) * 3600);
  const out = opts.out;
  const truthPath = `${out}.truth.bin`;
  prepareOutput(out, truthPath, opts.force === true);

  let lastReport = 0;
  let trafficStart = performance.now();
  let tx = 0, obs = 0;
  const report = (phase: GenerateProgress["phase"], force = false) => {
    const t = performance.now();
    if (!opts.onProgress || (!force && t - lastReport < 1000)) return;
    lastReport = t;
    const sec = (t - trafficStart) / 1000;
    opts.onProgress({
      phase,
      transmissions: tx,
      observations: obs,
      percent: (100 * tx) / shape.transmissions,
      rowsPerSec: sec > 0 ? (tx + obs) / sec : 0,
      elapsedSec: (t - started) / 1000,
    });
  };

  report("mesh", true);
  const mesh = await buildMesh(shape, seed);
  const router = new Router(mesh, seed);
  const tshape = trafficShape(shape.nodes, shape.transmissions);
  report("calibrate", true);
  const intensity = await calibrate(
    mesh,
    router,
    seed,
    tshape,
    shape.observations / shape.transmissions,
  );
  const traffic = new Traffic(mesh, { seed, intensity, router, ...tshape });
  const control = new ObservationControl(shape.transmissions, shape.observations);
  const time = new TimeMap(now, shape.spanDays);
  const keyRing = createKeyRing({ hashChannels: [...HASHTAG_CHANNELS] });
  const truth = new TruthBuilder(mesh.nodes.map((n) => n.keyHex));
  const resolver = new ResolvedPaths(mesh, seed);
  const edges = new EdgeBuilder(mesh);
  const nodeAgg = new Map<number, NodeAgg>();
  const obsAgg: ObserverAgg[] = mesh.observers.map(() => ({ count: 0, first: Infinity, last: 0 }));
  const hashes = new Set<string>();

  // The schema comes from openDatabase; the bulk load uses its own connection with bulk pragmas
  // (journal_mode=MEMORY: node:sqlite's defensive mode refuses OFF).
  openDatabase(out, { log: () => {} }).close();
  const db = new DatabaseSync(out);
  bulkMode(db, true);
  const stmt = {
    tx: db.prepare(SQL.tx),
    obs: db.prepare(SQL.obs),
  };
  trafficStart = performance.now();
  const gap = (shape.spanDays * 86400) / shape.transmissions;
  db.exec("BEGIN");
  let sinceCommit = 0;
  try {
    while (tx < shape.transmissions) {
      traffic.progress = tx / shape.transmissions;
      traffic.coverageUrgent = shape.transmissions - tx <= 4 * traffic.coverageRemaining;
      traffic.intensityScale = control.scale(tx, obs);
      const t0 = time.at(tx / shape.transmissions) - gap * 0.5;
      for (const p of await traffic.exchange(t0)) {
        if (p.copies.length === 0 || tx >= shape.transmissions) continue;
        const hash = simContentHash(p);
        if (hashes.has(hash)) continue;
        hashes.add(hash);
        p.copies.sort((a, b) => a.delay - b.delay || a.observer - b.observer);
        const hx = packetHex(p);
        const rows = p.copies.map((c) => copyHex(mesh, p, hx, c));
        const decoded = decodePacket(hexToBytes(rows[0].raw), { keyRing });
        if (!decoded.valid || decoded.hash !== hash) {
          throw new Error(
            `Cannot generate packet "${rows[0].raw.slice(0, 32)}": ${
              decoded.error ?? "hash mismatch"
            }`,
          );
        }
        const times = p.copies.map((c) =>
          Math.min(now, Math.max(time.start, Math.floor(p.time + c.delay)))
        );
        const firstSeen = Math.min(...times), lastSeen = Math.max(...times);
        tx++;
        const payload = decoded.payload!;
        let from: string | null = null;
        if (p.payloadType === 4) {
          const adv = payload as AdvertPayload;
          from = adv.pubKey;
          noteAdvert(nodeAgg, p.origin, adv, firstSeen, lastSeen);
        }
        stmt.tx.run(
          tx,
          rows[0].raw,
          hash,
          rfc3339(firstSeen),
          p.routeType,
          p.payloadType,
          JSON.stringify(payload),
          sqliteDateTime(firstSeen),
          decoded.channelHash ?? null,
          from,
          lastSeen,
        );
        for (let i = 0; i < p.copies.length; i++) {
          const c = p.copies[i];
          obs++;
          const ob = mesh.observers[c.observer];
          const resolved = resolver.resolve(obs, c.hops, p.pathHopSize, ob.node);
          stmt.obs.run(
            obs,
            tx,
            ob.rowid,
            c.snr,
            c.rssi,
            scoreOf(c.snr),
            rows[i].pathJson,
            times[i],
            resolved,
            rows[i].raw,
          );
          truth.add(obs, c.hops);
          edges.add(p.payloadType, p.origin, c.hops, p.pathHopSize, ob.node, times[i]);
          const a = obsAgg[c.observer];
          a.count++;
          if (times[i] < a.first) a.first = times[i];
          if (times[i] > a.last) a.last = times[i];
        }
        sinceCommit += 1 + p.copies.length;
      }
      if (sinceCommit > 200_000) {
        db.exec("COMMIT");
        db.exec("BEGIN");
        sinceCommit = 0;
      }
      report("traffic");
    }
    report("finish", true);
    writeNodes(db, mesh, nodeAgg);
    writeObservers(db, mesh, seed, obsAgg);
    const edgeRows = edges.rows();
    const edgeStmt = db.prepare(SQL.edge);
    for (const [a, b, count, last] of edgeRows) edgeStmt.run(a, b, count, rfc3339(last));
    db.exec("COMMIT");
    bulkMode(db, false);
    db.close();
    // Reopen through openDatabase: verifies the schema is current and runs PRAGMA optimize.
    const check = openDatabase(out, { log: () => {} });
    const path = check.path;
    check.close();
    writeTruth(truthPath, truth);
    const result: GenerateResult = {
      path,
      truthPath,
      transmissions: tx,
      observations: obs,
      nodes: nodeAgg.size,
      observers: mesh.observers.length,
      neighborEdges: edgeRows.length,
      intensity,
      seconds: (performance.now() - started) / 1000,
      bytes: Deno.statSync(out).size,
    };
    report("done", true);
    return result;
  } catch (e) {
    if (db.isOpen && db.isTransaction) db.exec("ROLLBACK");
    if (db.isOpen) db.close();
    removeOutputs(out, truthPath); // a half-written file must not pass for a generated one
    throw e;
  }
}

/** Refuses to clobber a file that is not a previous generator output (unless forced). */
function prepareOutput(out: string, truthPath: string, force: boolean): void {
  if (existsSync(out)) {
    if (!force && !existsSync(truthPath)) {
      throw new Error(
        `Cannot write "${out}": file exists and is not a generated database (use --force)`,
      );
    }
  }
  removeOutputs(out, truthPath);
}

function removeOutputs(out: string, truthPath: string): void {
  for (const p of [out, `${out}-wal`, `${out}-shm`, truthPath]) {
    try {
      Deno.removeSync(p);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

function bulkMode(db: DatabaseSync, on: boolean): void {
  if (on) {
    db.exec("PRAGMA foreign_keys = OFF");
    const mode = db.prepare("PRAGMA journal_mode = MEMORY").get()?.journal_mode;
    if (mode !== "memory") throw new Error(`Cannot generate: journal_mode stays "${mode}"`);
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA cache_size = -262144");
    db.exec("PRAGMA temp_store = MEMORY");
  } else {
    const mode = db.prepare("PRAGMA journal_mode = WAL").get()?.journal_mode;
    if (mode !== "wal") throw new Error(`Cannot generate: journal_mode stays "${mode}", not WAL`);
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
  }
}

function noteAdvert(
  agg: Map<number, NodeAgg>,
  node: number,
  adv: AdvertPayload,
  first: number,
  last: number,
) {
  const a = agg.get(node);
  const role = advertRole(adv.flags);
  if (!a) {
    agg.set(node, {
      name: adv.name ?? null,
      role,
      lat: adv.lat ?? null,
      lon: adv.lon ?? null,
      first,
      last,
      adverts: 1,
      batteryMv: adv.battery_mv ?? null,
      temperatureC: adv.temperature_c ?? null,
    });
    return;
  }
  a.adverts++;
  a.first = Math.min(a.first, first);
  if (last >= a.last) {
    a.last = last;
    a.name = adv.name ?? a.name;
    a.role = role;
    a.lat = adv.lat ?? a.lat;
    a.lon = adv.lon ?? a.lon;
    a.batteryMv = adv.battery_mv ?? a.batteryMv;
    a.temperatureC = adv.temperature_c ?? a.temperatureC;
  }
}

function writeNodes(db: DatabaseSync, mesh: Mesh, agg: Map<number, NodeAgg>): void {
  const st: StatementSync = db.prepare(SQL.node);
  const order = [...agg.keys()].sort((a, b) =>
    mesh.nodes[a].keyHex < mesh.nodes[b].keyHex ? -1 : 1
  );
  for (const i of order) {
    const a = agg.get(i)!;
    st.run(
      mesh.nodes[i].keyHex,
      a.name,
      a.role,
      a.lat,
      a.lon,
      rfc3339(a.last),
      rfc3339(a.first),
      a.adverts,
      a.batteryMv,
      a.temperatureC,
    );
  }
}

function writeObservers(db: DatabaseSync, mesh: Mesh, seed: number, agg: ObserverAgg[]): void {
  const st = db.prepare(SQL.observer);
  const mt = db.prepare(SQL.metrics);
  for (const ob of mesh.observers) {
    const a = agg[ob.index];
    if (a.count === 0) continue;
    const status = observerStatus(seed, ob.id, a);
    st.run(
      ob.rowid,
      ob.id,
      ob.name,
      ob.iata,
      rfc3339(a.last),
      rfc3339(a.first),
      a.count,
      ob.model,
      ob.firmware,
      ob.clientVersion,
      ob.radio,
      status.batteryMv,
      status.uptime,
      status.noise,
      rfc3339(a.last),
      ob.canRelay ? 1 : 0,
    );
    for (const r of status.rows) mt.run(...r);
  }
}
