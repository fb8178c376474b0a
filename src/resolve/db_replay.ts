/**
 * Reads a CoreScope-layout database for hop resolution: nodes into a
 * {@linkcode NodeDirectory}, and observations (in time order) as ready-to-
 * resolve rows. Used by the resolver benchmark and the fixture tests; the
 * store does its own loading.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "../store/node_directory.ts";
import type { ResolveContext } from "./resolver.ts";

/** One observation, parsed for {@linkcode HopResolver.resolvePath}. */
export interface ReplayRow {
  observationId: number;
  txId: number;
  /** Ingest time, epoch ms. */
  timestampMs: number;
  payloadType: number;
  routeType: number;
  /** Concatenated hop bytes. */
  hops: Uint8Array;
  hashSize: 1 | 2 | 3;
  hopCount: number;
  /** Resolver context (originator for ADVERTs, observer when it has a key). */
  ctx: ResolveContext;
  /** Stored `path_json`. */
  pathJson: string;
  /** Stored `resolved_path` (may be NULL). */
  resolvedPath: string | null;
}

/** Options of {@linkcode replayObservations}. */
export interface ReplayOptions {
  /**
   * TRACE rows: `skip` (the fixture's `path_json` holds SNR bytes, wire §8.1)
   * or `payload` (hops and hops-completed re-read from the raw packet).
   */
  trace?: "skip" | "payload";
  /** Only observations with `id` in this set. */
  ids?: ReadonlySet<number>;
  /** Called for a row whose `path_json` does not parse (the row is skipped); default: throw. */
  onBadRow?: (observationId: number, error: Error) => void;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Upserts every `nodes` row (and observers' `can_relay`, when the column
 * exists) into `dir`. Returns the number of nodes.
 */
export function loadDirectoryFromDb(db: DatabaseSync, dir: NodeDirectory): number {
  const rows = db.prepare(
    `SELECT public_key, name, role, lat, lon, last_seen, first_seen, advert_count FROM nodes`,
  ).all();
  for (const r of rows) {
    dir.upsert({
      publicKey: String(r.public_key),
      name: r.name == null ? null : String(r.name),
      role: r.role == null ? undefined : String(r.role),
      lat: r.lat == null ? null : Number(r.lat),
      lon: r.lon == null ? null : Number(r.lon),
      lastSeen: r.last_seen == null ? undefined : String(r.last_seen),
      firstSeen: r.first_seen == null ? undefined : String(r.first_seen),
      advertCount: r.advert_count == null ? undefined : Number(r.advert_count),
    });
  }
  const cols = new Set(
    db.prepare("PRAGMA table_info(observers)").all().map((c) => String(c.name)),
  );
  if (cols.has("can_relay") && cols.has("can_relay_seen")) {
    const obs = db.prepare("SELECT id, can_relay FROM observers WHERE can_relay_seen = 1").all();
    for (const o of obs) {
      const node = dir.byKey(String(o.id));
      if (node) dir.upsert({ publicKey: node.publicKey, canRelay: Number(o.can_relay) === 1 });
    }
  }
  return rows.length;
}

/**
 * Parses a `path_json` array of hex hops. Returns null for an empty path, and
 * throws on mixed or invalid hop sizes.
 */
export function parsePathJson(
  pathJson: string,
): { hops: Uint8Array; hashSize: 1 | 2 | 3; hopCount: number } | null {
  const list = JSON.parse(pathJson) as unknown;
  if (!Array.isArray(list)) throw new Error(`Cannot parse path_json ${pathJson}: not an array`);
  if (list.length === 0) return null;
  const size = String(list[0]).length / 2;
  if (size !== 1 && size !== 2 && size !== 3) {
    throw new Error(`Cannot parse path_json ${pathJson}: hop size ${size} is not 1, 2 or 3`);
  }
  const hops = new Uint8Array(list.length * size);
  for (let i = 0; i < list.length; i++) {
    const hop = String(list[i]);
    if (hop.length !== size * 2) {
      throw new Error(`Cannot parse path_json ${pathJson}: mixed hop sizes`);
    }
    for (let b = 0; b < size; b++) {
      const v = parseInt(hop.slice(b * 2, b * 2 + 2), 16);
      if (!(v >= 0)) throw new Error(`Cannot parse path_json ${pathJson}: "${hop}" is not hex`);
      hops[i * size + b] = v;
    }
  }
  return { hops, hashSize: size, hopCount: list.length };
}

/**
 * The TRACE route of a raw packet: payload hops (size `1 << (flags & 3)`) and
 * the header hop count (hops completed). Null when it does not parse.
 */
export function traceRoute(
  rawHex: string,
): { hops: Uint8Array; hashSize: 1 | 2 | 3; hopCount: number; completed: number } | null {
  const hex = rawHex.replace(/[\s]/g, "");
  if (hex.length < 4 || hex.length % 2 !== 0) return null;
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const route = b[0] & 3;
  let o = route === 0 || route === 3 ? 5 : 1;
  if (o >= b.length) return null;
  const pathByte = b[o++];
  const completed = pathByte & 0x3f;
  o += completed * ((pathByte >> 6) + 1);
  const flagsAt = o + 8;
  if (flagsAt >= b.length) return null;
  const size = 1 << (b[flagsAt] & 3);
  if (size > 3) return null;
  const start = flagsAt + 1;
  const count = Math.floor((b.length - start) / size);
  if (count === 0) return null;
  return {
    hops: b.slice(start, start + count * size),
    hashSize: size as 1 | 2,
    hopCount: count,
    completed,
  };
}

/**
 * Yields every observation with a non-empty path (and zero-hop ADVERTs, with
 * `hopCount` 0) in time order, parsed for the resolver.
 */
export function* replayObservations(
  db: DatabaseSync,
  dir: NodeDirectory,
  options: ReplayOptions = {},
): Generator<ReplayRow> {
  const obsCols = new Set(
    db.prepare("PRAGMA table_info(observations)").all().map((c) => String(c.name)),
  );
  const raw = obsCols.has("raw_hex") ? "COALESCE(o.raw_hex, t.raw_hex)" : "t.raw_hex";
  const stmt = db.prepare(
    `SELECT o.id, o.transmission_id, o.path_json, o.timestamp, o.resolved_path,
            t.payload_type, t.route_type, t.from_pubkey, ${raw} AS raw_hex, ob.id AS observer
       FROM observations o
       JOIN transmissions t ON t.id = o.transmission_id
       LEFT JOIN observers ob ON ob.rowid = o.observer_idx
      ORDER BY o.timestamp, o.id`,
  );
  const traceMode = options.trace ?? "skip";
  const empty = new Uint8Array(0);
  for (const r of stmt.iterate()) {
    const id = Number(r.id);
    if (options.ids && !options.ids.has(id)) continue;
    const payloadType = Number(r.payload_type);
    const routeType = Number(r.route_type);
    const pathJson = String(r.path_json ?? "[]");
    const observer = r.observer == null ? "" : String(r.observer);
    const observerId = HEX64.test(observer) ? dir.intern(observer) : undefined;
    const from = r.from_pubkey == null ? "" : String(r.from_pubkey);
    const originatorId = payloadType === 4 && HEX64.test(from) ? dir.intern(from) : undefined;
    const nowMs = Number(r.timestamp) * 1000;
    const base = {
      observationId: id,
      txId: Number(r.transmission_id),
      timestampMs: nowMs,
      payloadType,
      routeType,
      pathJson,
      resolvedPath: r.resolved_path == null ? null : String(r.resolved_path),
    };
    if (payloadType === 9) {
      if (traceMode === "skip") continue;
      const tr = traceRoute(String(r.raw_hex ?? ""));
      if (!tr) continue;
      yield {
        ...base,
        hops: tr.hops,
        hashSize: tr.hashSize,
        hopCount: tr.hopCount,
        ctx: { observerId, nowMs, kind: "trace", traceCompleted: tr.completed },
      };
      continue;
    }
    let parsed;
    try {
      parsed = parsePathJson(pathJson);
    } catch (err) {
      if (!options.onBadRow) throw err;
      options.onBadRow(id, err instanceof Error ? err : new Error(String(err)));
      continue;
    }
    const kind = routeType === 2 || routeType === 3 ? "direct" : "flood";
    if (!parsed) {
      if (payloadType !== 4) continue;
      yield {
        ...base,
        hops: empty,
        hashSize: 1,
        hopCount: 0,
        ctx: { originatorId, observerId, nowMs, kind },
      };
      continue;
    }
    yield { ...base, ...parsed, ctx: { originatorId, observerId, nowMs, kind } };
  }
}
