/**
 * SQL fallback for transmissions that are no longer in memory (evicted or
 * outside the retention window): the same {@linkcode TransmissionView} shape,
 * read with parameterised queries from the read connection.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { ObservationView, TransmissionView } from "../store/types.ts";

type Row = Record<string, unknown>;

function n(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function s(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function hopsOf(pathJson: unknown): string[] {
  if (typeof pathJson !== "string" || pathJson === "") return [];
  try {
    const v = JSON.parse(pathJson);
    return Array.isArray(v)
      ? v.filter((x) => typeof x === "string").map((x) => x.toUpperCase())
      : [];
  } catch {
    return [];
  }
}

function timeMs(v: unknown): number {
  if (typeof v === "number" || typeof v === "bigint") {
    const x = Number(v);
    return x > 1e12 ? x : x * 1000;
  }
  const ms = Date.parse(String(v ?? ""));
  return Number.isFinite(ms) ? ms : 0;
}

/** Reads transmissions by hash, id or observation id from SQL. */
export class SqlFallback {
  readonly #db: DatabaseSync;

  /** Binds to a read connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Same lookup order as `/api/packets/{id}`: hash, transmission id, observation id. */
  lookup(ref: string): TransmissionView | null {
    let row: Row | undefined;
    if (/^[0-9a-fA-F]{16}$/.test(ref)) {
      const stmt = this.#db.prepare(`SELECT * FROM transmissions WHERE hash = ?`);
      row = (stmt.get(ref.toLowerCase()) ?? stmt.get(ref.toUpperCase())) as Row | undefined;
    }
    if (!row && /^\d{1,15}$/.test(ref)) {
      const id = Number(ref);
      row = this.#db.prepare(`SELECT * FROM transmissions WHERE id = ?`).get(id) as Row | undefined;
      if (!row) {
        row = this.#db.prepare(
          `SELECT t.* FROM observations o JOIN transmissions t ON t.id = o.transmission_id
           WHERE o.id = ?`,
        ).get(id) as Row | undefined;
      }
    }
    return row ? this.#view(row) : null;
  }

  /** `resolved_path` JSON of observations (for rows read through this fallback). */
  resolvedPaths(obsIds: number[]): Map<number, string | null> {
    const out = new Map<number, string | null>();
    const stmt = this.#db.prepare(`SELECT resolved_path FROM observations WHERE id = ?`);
    for (const id of obsIds) out.set(id, s((stmt.get(id) as Row | undefined)?.resolved_path));
    return out;
  }

  #view(t: Row): TransmissionView {
    const id = Number(t.id);
    const rows = this.#db.prepare(
      `SELECT o.id, o.direction, o.snr, o.rssi, o.score, o.path_json, o.timestamp,
              b.id AS observer_id, b.name AS observer_name, b.iata AS observer_iata
       FROM observations o LEFT JOIN observers b ON b.rowid = o.observer_idx
       WHERE o.transmission_id = ? ORDER BY o.id`,
    ).all(id) as Row[];
    const observations: ObservationView[] = rows.map((r) => {
      const hops = hopsOf(r.path_json);
      return {
        id: Number(r.id),
        txId: id,
        observerId: s(r.observer_id),
        observerName: s(r.observer_name),
        observerIata: s(r.observer_iata),
        direction: s(r.direction),
        snr: n(r.snr),
        rssi: n(r.rssi),
        score: n(r.score),
        timestampMs: timeMs(r.timestamp),
        hops,
        hashSize: hops.length ? hops[0].length / 2 : 0,
      };
    });
    let best: ObservationView | null = null;
    for (const o of observations) if (!best || o.hops.length > best.hops.length) best = o;
    const observers = new Set(observations.map((o) => o.observerId));
    return {
      id,
      hash: String(t.hash),
      rawHex: String(t.raw_hex),
      firstSeenMs: timeMs(t.first_seen),
      lastSeenMs: Math.max(0, ...observations.map((o) => o.timestampMs)),
      routeType: Number(t.route_type ?? 0),
      payloadType: Number(t.payload_type ?? 0),
      payloadVersion: n(t.payload_version),
      channel: s(t.channel_hash),
      scopeName: s(t.scope_name),
      fromPubkey: s(t.from_pubkey),
      srcHash: null,
      destHash: null,
      observationCount: observations.length,
      observerCount: observers.size,
      best,
      observations,
    };
  }
}
