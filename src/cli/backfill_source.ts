/**
 * Connects the resolver's background backfill to SQLite (rows to revisit, the
 * `resolved_path` write) and to the store's indexes (exact replacement through
 * the reverse map).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { BackfillChange, BackfillRow, BackfillSource } from "../resolve/backfill.ts";
import type { DbWriter } from "../db/writer.ts";
import type { NodeDirectory } from "../store/node_directory.ts";
import type { PacketStore } from "../store/packet_store.ts";
import type { Logger } from "../log/logger.ts";
import { parseResolvedInto } from "../store/codec.ts";

const PAYLOAD_TRACE = 9;

/** Reads candidate observations from SQL and applies changes to the store and the writer. */
export class SqlBackfillSource implements BackfillSource {
  #list: StatementSync;
  #count: StatementSync;
  #nodes: NodeDirectory;
  #store: PacketStore;
  #writer: DbWriter;
  #log: Logger;
  /** Changes the store refused (its index did not hold the old value); logged, not fatal. */
  refused = 0;

  constructor(
    db: DatabaseSync,
    nodes: NodeDirectory,
    store: PacketStore,
    writer: DbWriter,
    log: Logger,
  ) {
    this.#nodes = nodes;
    this.#store = store;
    this.#writer = writer;
    this.#log = log;
    this.#list = db.prepare(
      `SELECT o.id, o.transmission_id, o.path_json, o.resolved_path, o.timestamp,
              t.route_type, t.payload_type, t.from_pubkey, obs.id AS observer_id
         FROM observations o
         JOIN transmissions t ON t.id = o.transmission_id
         LEFT JOIN observers obs ON obs.rowid = o.observer_idx
        WHERE o.id > ? AND o.timestamp >= ? AND o.path_json IS NOT NULL AND o.path_json <> '[]'
        ORDER BY o.id LIMIT ?`,
    );
    this.#count = db.prepare(
      `SELECT COUNT(*) AS n FROM observations
        WHERE timestamp >= ? AND path_json IS NOT NULL AND path_json <> '[]'`,
    );
  }

  countCandidates(sinceMs: number): number {
    return Number(this.#count.get(Math.floor(sinceMs / 1000))?.n ?? 0);
  }

  listCandidates(cursor: number, limit: number, sinceMs: number): BackfillRow[] {
    const rows = this.#list.all(cursor, Math.floor(sinceMs / 1000), limit);
    const out: BackfillRow[] = [];
    for (const r of rows) {
      let hops: string[];
      try {
        hops = JSON.parse(String(r.path_json));
      } catch {
        continue;
      }
      if (!Array.isArray(hops) || hops.length === 0) continue;
      const hashSize = String(hops[0]).length / 2;
      if (hashSize < 1 || hashSize > 3) continue;
      const from = typeof r.from_pubkey === "string" ? this.#nodes.idOf(r.from_pubkey) : undefined;
      const observer = typeof r.observer_id === "string"
        ? this.#nodes.idOf(r.observer_id)
        : undefined;
      const route = Number(r.route_type);
      out.push({
        observationId: Number(r.id),
        txId: Number(r.transmission_id),
        pathHex: hops.join(""),
        hashSize: hashSize as 1 | 2 | 3,
        hopCount: hops.length,
        originatorId: from,
        observerNodeId: observer,
        currentNodeIds: this.#parseResolved(r.resolved_path, hops.length),
        timestampMs: Number(r.timestamp) * 1000,
        kind: Number(r.payload_type) === PAYLOAD_TRACE
          ? "trace"
          : route === 0 || route === 1
          ? "flood"
          : "direct",
      });
    }
    return out;
  }

  apply(changes: BackfillChange[]): void {
    for (const ch of changes) {
      try {
        this.#store.replaceResolved(ch.observationId, ch.oldIds, ch.newIds);
      } catch (err) {
        this.refused++;
        this.#log.throttled(
          "backfill-refused",
          60_000,
          "warn",
          "backfill: store refused a change",
          {
            observation: ch.observationId,
            error: (err as Error).message,
          },
        );
        continue;
      }
      const keys = Array.from(ch.newIds, (id) => (id >= 0 ? this.#nodes.keyOf(id) : null));
      this.#writer.setResolvedPath(
        ch.observationId,
        keys.some((k) => k !== null) ? JSON.stringify(keys) : null,
      );
    }
  }

  /** The stored value as node ids, parsed by the store's own rules (so both agree). */
  #parseResolved(json: unknown, hopCount: number): Int32Array | null {
    if (typeof json !== "string") return null;
    const ids = new Int32Array(hopCount);
    return parseResolvedInto(json, hopCount, ids, (k) => this.#nodes.intern(k)) < 0 ? null : ids;
  }
}
