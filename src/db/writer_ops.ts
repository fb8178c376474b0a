/**
 * SQL, batch coalescing and the statement executor behind `DbWriter` (`writer.ts`). Every write
 * is a prepared, cached statement with explicit ids; upserts follow the COALESCE rules of
 * data-model §2. Inserts are `INSERT OR IGNORE` followed, only when a row was ignored, by the
 * COALESCE update on the conflicting key (`RETURNING` on every insert costs ~3x throughput).
 *
 * @module
 */

import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { tableColumns } from "./migrations.ts";
import type { ApplyEffects, OpKind, WriteOp } from "./writer_types.ts";
import { StatementCache } from "./statements.ts";

const ALL_NULL = /^\s*\[\s*(null\s*(,\s*null\s*)*)?\]\s*$/;

/**
 * Normalises a resolved path for storage: NULL for null, empty, all-null and (when `pathJson` is
 * given) wrong-length or unparsable values. Returns `{value, invalid}`; `invalid` flags a
 * non-empty value that was rejected for its shape.
 */
export function normalizeResolvedPath(
  json: string | null | undefined,
  pathJson?: string | null,
): { value: string | null; invalid: boolean } {
  if (json === null || json === undefined || json === "" || ALL_NULL.test(json)) {
    return { value: null, invalid: false };
  }
  try {
    const r = JSON.parse(json);
    if (!Array.isArray(r)) return { value: null, invalid: true };
    if (pathJson !== undefined) {
      const p = JSON.parse(pathJson ?? "[]");
      if (!Array.isArray(p) || p.length !== r.length) return { value: null, invalid: true };
    }
  } catch {
    return { value: null, invalid: true };
  }
  return { value: json, invalid: false };
}

/**
 * Turns a batch into executed units: the ops in enqueue order, then one observer upsert per
 * observer (packet counts summed, newest name/iata/clock values), one relay touch per key (counts
 * summed, newest time), and one `transmissions.last_seen` raise per transmission observed.
 * Fills `counts` with the enqueued ops per kind.
 */
export function coalesceBatch(
  batch: readonly WriteOp[],
  counts: Partial<Record<OpKind, number>>,
): WriteOp[] {
  const units: WriteOp[] = [];
  const observers = new Map<string, WriteOp & { kind: "observer" }>();
  const relays = new Map<string, WriteOp & { kind: "relay" }>();
  const txSeen = new Map<number, number>();
  for (const op of batch) {
    counts[op.kind] = (counts[op.kind] ?? 0) + 1;
    if (op.kind === "observer") {
      const o = observers.get(op.row.id);
      if (!o) observers.set(op.row.id, { ...op, row: { ...op.row } });
      else {
        o.packets += op.packets;
        const r = o.row;
        if (op.row.seenAt > r.seenAt) r.seenAt = op.row.seenAt;
        if (op.firstSeenAt < o.firstSeenAt) o.firstSeenAt = op.firstSeenAt;
        r.name = op.row.name ?? r.name;
        r.iata = op.row.iata ?? r.iata;
        r.clockSkewSeconds = op.row.clockSkewSeconds ?? r.clockSkewSeconds;
        r.clockSkewCount24h = op.row.clockSkewCount24h ?? r.clockSkewCount24h;
        r.clockLastNaiveAt = op.row.clockLastNaiveAt ?? r.clockLastNaiveAt;
      }
    } else if (op.kind === "relay") {
      const r = relays.get(op.pubkey);
      if (!r) relays.set(op.pubkey, { ...op });
      else {
        r.count += op.count;
        if (op.seenAt > r.seenAt) r.seenAt = op.seenAt;
      }
    } else {
      units.push(op);
      if (op.kind === "observation") {
        const t = op.row.transmissionId;
        const prev = txSeen.get(t);
        if (prev === undefined || op.row.timestamp > prev) txSeen.set(t, op.row.timestamp);
      }
    }
  }
  units.push(...observers.values(), ...relays.values());
  for (const [transmissionId, lastSeen] of txSeen) {
    units.push({ kind: "txLastSeen", transmissionId, lastSeen });
  }
  return units;
}

/** Short description of an op for logs and failure reports. */
export function describeOp(op: WriteOp): string {
  switch (op.kind) {
    case "transmission":
      return `transmission ${op.row.id} (${op.row.hash})`;
    case "observation":
      return `observation ${op.row.id} (transmission ${op.row.transmissionId})`;
    case "node":
      return `node ${op.row.publicKey}`;
    case "observer":
    case "observerStatus":
      return `observer ${op.row.id}`;
    case "observerMetrics":
      return `observer_metrics ${op.row.observerId}@${op.row.timestamp}`;
    case "dropped":
      return `dropped_packet ${op.row.hash ?? "?"} (${op.row.reason})`;
    case "relay":
      return `relay ${op.pubkey}`;
    case "edge":
      return `neighbor_edge ${op.a}|${op.b}`;
    case "resolvedPath":
      return `resolved_path of observation ${op.observationId}`;
    case "txLastSeen":
      return `last_seen of transmission ${op.transmissionId}`;
  }
}

const n = (v: SQLInputValue | undefined): SQLInputValue => (v === undefined ? null : v);
const flag = (v: boolean | null | undefined): number | null =>
  v === null || v === undefined ? null : v ? 1 : 0;
const clampMax = (col: string, now: string, value: string) =>
  `MAX(MIN(COALESCE(${col}, ''), ${now}), ${value})`;

const minFill = (value: string) =>
  `CASE WHEN first_seen IS NULL OR ${value} < first_seen THEN ${value} ELSE first_seen END`;

const SQL = {
  tx: `INSERT OR IGNORE INTO transmissions (id, raw_hex, hash, first_seen, route_type,
      payload_type, payload_version, decoded_json, channel_hash, from_pubkey, last_seen, scope_name,
      created_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, datetime('now'))`,
  txConflict: `UPDATE transmissions SET
      first_seen = CASE WHEN ?2 < first_seen THEN ?2 ELSE first_seen END,
      last_seen = MAX(last_seen, ?3)
    WHERE hash = ?1 RETURNING id`,
  obs: `INSERT OR IGNORE INTO observations (id, transmission_id, observer_idx, direction, snr,
      rssi, score, path_json, timestamp, resolved_path, raw_hex)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
  obsConflict: `UPDATE observations SET
      snr = COALESCE(?4, snr), rssi = COALESCE(?5, rssi), score = COALESCE(?6, score),
      raw_hex = COALESCE(?7, raw_hex), resolved_path = COALESCE(?8, resolved_path)
    WHERE transmission_id = ?1 AND observer_idx = ?2 AND COALESCE(path_json, '') = COALESCE(?3, '')
    RETURNING id`,
  txLastSeen: `UPDATE transmissions SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2`,
  node: `INSERT INTO nodes (public_key, name, role, lat, lon, last_seen, first_seen, advert_count,
      battery_mv, temperature_c, foreign_advert, default_scope, multibyte_sup, multibyte_evidence)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, COALESCE(?7, ?6), ?8, ?9, ?10, COALESCE(?11, 0), ?12,
      COALESCE(?13, 0), ?14)
    ON CONFLICT(public_key) DO UPDATE SET
      name = COALESCE(?2, name), role = COALESCE(?3, role),
      lat = COALESCE(?4, lat), lon = COALESCE(?5, lon),
      last_seen = ${clampMax("last_seen", "?15", "?6")},
      first_seen = CASE WHEN first_seen IS NULL OR COALESCE(?7, ?6) < first_seen
                   THEN COALESCE(?7, ?6) ELSE first_seen END,
      advert_count = COALESCE(advert_count, 0) + ?8,
      battery_mv = COALESCE(?9, battery_mv), temperature_c = COALESCE(?10, temperature_c),
      foreign_advert = COALESCE(?11, foreign_advert), default_scope = COALESCE(?12, default_scope),
      multibyte_sup = MAX(multibyte_sup, COALESCE(?13, 0)),
      multibyte_evidence = COALESCE(?14, multibyte_evidence)`,
  observer: `INSERT INTO observers (id, name, iata, last_seen, first_seen, packet_count,
      last_packet_at, inactive, clock_skew_seconds, clock_skew_count_24h, clock_last_naive_at)
    VALUES (?1, ?2, ?3, ?4, ?10, ?5, ?4, 0, ?7, COALESCE(?8, 0), ?9)
    ON CONFLICT(id) DO UPDATE SET
      name = COALESCE(?2, name), iata = COALESCE(?3, iata), first_seen = ${minFill("?10")},
      last_seen = ${clampMax("last_seen", "?6", "?4")},
      last_packet_at = ${clampMax("last_packet_at", "?6", "?4")},
      packet_count = COALESCE(packet_count, 0) + ?5, inactive = 0,
      clock_skew_seconds = COALESCE(?7, clock_skew_seconds),
      clock_skew_count_24h = COALESCE(?8, clock_skew_count_24h),
      clock_last_naive_at = COALESCE(?9, clock_last_naive_at)`,
  observerStatus: `INSERT INTO observers (id, name, iata, last_seen, first_seen, packet_count,
      model, firmware, client_version, radio, battery_mv, uptime_secs, noise_floor, inactive,
      can_relay, can_relay_seen, clock_skew_seconds, clock_skew_count_24h, clock_last_naive_at)
    VALUES (?1, ?2, ?3, ?4, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, COALESCE(?12, 1),
      ?12 IS NOT NULL, ?14, COALESCE(?15, 0), ?16)
    ON CONFLICT(id) DO UPDATE SET
      name = COALESCE(?2, name), iata = COALESCE(?3, iata), first_seen = ${minFill("?4")},
      last_seen = ${clampMax("last_seen", "?13", "?4")},
      model = COALESCE(?5, model), firmware = COALESCE(?6, firmware),
      client_version = COALESCE(?7, client_version), radio = COALESCE(?8, radio),
      battery_mv = COALESCE(?9, battery_mv), uptime_secs = COALESCE(?10, uptime_secs),
      noise_floor = COALESCE(?11, noise_floor), inactive = 0,
      can_relay = COALESCE(?12, can_relay),
      can_relay_seen = CASE WHEN ?12 IS NULL THEN can_relay_seen ELSE 1 END,
      clock_skew_seconds = COALESCE(?14, clock_skew_seconds),
      clock_skew_count_24h = COALESCE(?15, clock_skew_count_24h),
      clock_last_naive_at = COALESCE(?16, clock_last_naive_at)`,
  metrics: `INSERT INTO observer_metrics (observer_id, timestamp, noise_floor, tx_air_secs,
      rx_air_secs, recv_errors, battery_mv, packets_sent, packets_recv)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
    ON CONFLICT(observer_id, timestamp) DO UPDATE SET
      noise_floor = COALESCE(?3, noise_floor), tx_air_secs = COALESCE(?4, tx_air_secs),
      rx_air_secs = COALESCE(?5, rx_air_secs), recv_errors = COALESCE(?6, recv_errors),
      battery_mv = COALESCE(?7, battery_mv), packets_sent = COALESCE(?8, packets_sent),
      packets_recv = COALESCE(?9, packets_recv)`,
  dropped: `INSERT INTO dropped_packets (hash, raw_hex, reason, observer_id, observer_name,
      node_pubkey, node_name, dropped_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
  relay: (table: string) =>
    `UPDATE ${table} SET last_relayed = ${clampMax("last_relayed", "?3", "?2")},
      relay_count = COALESCE(relay_count, 0) + ?4 WHERE public_key = ?1`,
  edge: `INSERT INTO neighbor_edges (node_a, node_b, count, last_seen) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT(node_a, node_b) DO UPDATE SET count = COALESCE(count, 0) + ?3,
      last_seen = MAX(COALESCE(last_seen, ''), ?4)`,
  resolvedPath: `UPDATE observations SET resolved_path = ?2 WHERE id = ?1`,
};

/** Applies single operations with statements prepared once per connection. */
export class OpExecutor {
  readonly #stmts: StatementCache;
  #reviveSql: [string, string];

  /** Prepares nothing up front; statements are prepared on first use and cached. */
  constructor(db: DatabaseSync) {
    this.#stmts = new StatementCache(db);
    const inactive = new Set(tableColumns(db, "inactive_nodes"));
    const cols = tableColumns(db, "nodes").filter((c) => inactive.has(c)).join(", ");
    this.#reviveSql = [
      `INSERT OR IGNORE INTO nodes (${cols}) SELECT ${cols} FROM inactive_nodes WHERE public_key = ?`,
      `DELETE FROM inactive_nodes WHERE public_key = ?`,
    ];
  }

  /**
   * Applies one op. `nowIso` is the flush's clock (future-time clamp). Transmission ids are
   * mapped through `lookupTx` (earlier hash conflicts) before use.
   */
  apply(
    op: WriteOp,
    nowIso: string,
    lookupTx: (id: number) => number,
    fx: ApplyEffects,
  ): void {
    switch (op.kind) {
      case "transmission": {
        const r = op.row;
        const inserted = this.#stmts.get(SQL.tx).run(
          r.id,
          r.rawHex,
          r.hash,
          r.firstSeen,
          n(r.routeType),
          n(r.payloadType),
          n(r.payloadVersion),
          n(r.decodedJson),
          n(r.channelHash),
          n(r.fromPubkey),
          r.lastSeen,
          n(r.scopeName),
        ).changes;
        if (Number(inserted) === 1) return;
        // Ignored: the hash exists (merge into it) or the row broke another constraint (throw).
        const got = this.#stmts.get(SQL.txConflict).get(r.hash, r.firstSeen, r.lastSeen);
        if (!got) throw new Error(`transmission id ${r.id} exists or a NOT NULL column is empty`);
        const actual = Number(got.id);
        if (actual !== r.id) fx.txRemap.set(r.id, actual);
        return;
      }
      case "observation": {
        const r = op.row;
        const tx = lookupTx(r.transmissionId);
        const snr = n(r.snr), rssi = n(r.rssi), score = n(r.score);
        const resolved = n(r.resolvedPath), raw = n(r.rawHex);
        const inserted = this.#stmts.get(SQL.obs).run(
          r.id,
          tx,
          r.observerIdx,
          n(r.direction),
          snr,
          rssi,
          score,
          n(r.pathJson),
          r.timestamp,
          resolved,
          raw,
        ).changes;
        if (Number(inserted) === 1) return;
        // Ignored: same (transmission, observer, path) exists (COALESCE upsert) or bad row (throw).
        const got = this.#stmts.get(SQL.obsConflict).get(
          tx,
          r.observerIdx,
          n(r.pathJson),
          snr,
          rssi,
          score,
          raw,
          resolved,
        );
        if (!got) throw new Error(`observation id ${r.id} exists or a NOT NULL column is empty`);
        fx.obsDedups.push({ requested: r.id, actual: Number(got.id) });
        return;
      }
      case "txLastSeen":
        this.#stmts.get(SQL.txLastSeen).run(lookupTx(op.transmissionId), op.lastSeen);
        return;
      case "node": {
        const r = op.row;
        const key = r.publicKey;
        this.#stmts.get(this.#reviveSql[0]).run(key);
        this.#stmts.get(this.#reviveSql[1]).run(key);
        this.#stmts.get(SQL.node).run(
          key,
          n(r.name),
          n(r.role),
          n(r.lat),
          n(r.lon),
          r.lastSeen,
          n(r.firstSeen),
          r.advertIncrement,
          n(r.batteryMv),
          n(r.temperatureC),
          n(r.foreignAdvert),
          n(r.defaultScope),
          n(r.multibyteSup),
          n(r.multibyteEvidence),
          nowIso,
        );
        return;
      }
      case "observer": {
        const r = op.row;
        this.#stmts.get(SQL.observer).run(
          r.id,
          n(r.name),
          n(r.iata),
          r.seenAt,
          op.packets,
          nowIso,
          n(r.clockSkewSeconds),
          n(r.clockSkewCount24h),
          n(r.clockLastNaiveAt),
          op.firstSeenAt,
        );
        return;
      }
      case "observerStatus": {
        const r = op.row;
        this.#stmts.get(SQL.observerStatus).run(
          r.id,
          n(r.name),
          n(r.iata),
          r.seenAt,
          n(r.model),
          n(r.firmware),
          n(r.clientVersion),
          n(r.radio),
          n(r.batteryMv),
          n(r.uptimeSecs),
          n(r.noiseFloor),
          flag(r.canRelay),
          nowIso,
          n(r.clockSkewSeconds),
          n(r.clockSkewCount24h),
          n(r.clockLastNaiveAt),
        );
        return;
      }
      case "observerMetrics": {
        const r = op.row;
        this.#stmts.get(SQL.metrics).run(
          r.observerId,
          r.timestamp,
          n(r.noiseFloor),
          n(r.txAirSecs),
          n(r.rxAirSecs),
          n(r.recvErrors),
          n(r.batteryMv),
          n(r.packetsSent),
          n(r.packetsRecv),
        );
        return;
      }
      case "dropped": {
        const r = op.row;
        this.#stmts.get(SQL.dropped).run(
          n(r.hash),
          n(r.rawHex),
          r.reason,
          n(r.observerId),
          n(r.observerName),
          n(r.nodePubkey),
          n(r.nodeName),
          r.droppedAt,
        );
        return;
      }
      case "relay": {
        const args = [op.pubkey, op.seenAt, nowIso, op.count] as const;
        if (Number(this.#stmts.get(SQL.relay("nodes")).run(...args).changes) > 0) return;
        if (Number(this.#stmts.get(SQL.relay("inactive_nodes")).run(...args).changes) > 0) return;
        fx.relaysUnknown.push(op.pubkey);
        return;
      }
      case "edge":
        this.#stmts.get(SQL.edge).run(op.a, op.b, op.count, op.lastSeen);
        return;
      case "resolvedPath":
        this.#stmts.get(SQL.resolvedPath).run(op.observationId, op.json);
        return;
    }
  }
}
