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

/**
 * Observation ids one SQL step may scan. Rows outside the window still cost a
 * read (there is no index on the filter that keeps id order), so each step is
 * bounded by id range, not by matches: 20,000 ids took 5-15 ms per step on a 1.6M-row file,
 * one event-loop turn each; 5,000 keep a step within a few ms.
 */
const SCAN_IDS = 5_000;

/**
 * Queued writes at which `apply` commits them in a turn of their own: 1,000 `resolved_path`
 * updates took 60-140 ms of SQL on L (one turn), 100 take a few ms.
 */
const FLUSH_AT = 100;

/** Lets the event loop run (timers, HTTP, ingest) between SQL steps. */
const yieldTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Reads candidate observations from SQL and applies changes to the store and the writer.
 * Every SQL step is bounded (an id range per read, about `FLUSH_AT` rows per commit) and
 * runs in an event-loop turn of its own, so the backfill never holds the loop for long.
 */
export class SqlBackfillSource implements BackfillSource {
  #list: StatementSync;
  #count: StatementSync;
  #maxId: StatementSync;
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
    // `+o.timestamp`: keep the rowid range as the access path (never the timestamp index).
    this.#list = db.prepare(
      `SELECT o.id, o.transmission_id, o.path_json, o.resolved_path, o.timestamp,
              t.route_type, t.payload_type, t.from_pubkey, obs.id AS observer_id
         FROM observations o
         JOIN transmissions t ON t.id = o.transmission_id
         LEFT JOIN observers obs ON obs.rowid = o.observer_idx
        WHERE o.id > ? AND o.id <= ? AND +o.timestamp >= ?
          AND o.path_json IS NOT NULL AND o.path_json <> '[]'
        ORDER BY o.id LIMIT ?`,
    );
    this.#count = db.prepare(
      `SELECT COUNT(*) AS n FROM observations
        WHERE id > ? AND id <= ? AND +timestamp >= ? AND path_json IS NOT NULL AND path_json <> '[]'`,
    );
    this.#maxId = db.prepare(`SELECT MAX(id) AS n FROM observations`);
  }

  /** Observations with a path in the window, counted one id range per event-loop turn. */
  async countCandidates(sinceMs: number): Promise<number> {
    const since = Math.floor(sinceMs / 1000);
    const max = this.#lastId();
    let n = 0;
    for (let lo = 0; lo < max; lo += SCAN_IDS) {
      if (lo > 0) await yieldTurn();
      n += Number(this.#count.get(lo, lo + SCAN_IDS, since)?.n ?? 0);
    }
    return n;
  }

  /**
   * Exactly `limit` rows unless the table ends first (the job stops at a short batch): rows
   * whose path cannot be offered are returned as rows the job counts as skipped.
   */
  async listCandidates(cursor: number, limit: number, sinceMs: number): Promise<BackfillRow[]> {
    const since = Math.floor(sinceMs / 1000);
    const max = this.#lastId();
    const out: BackfillRow[] = [];
    for (let lo = cursor; out.length < limit && lo < max;) {
      if (lo > cursor) await yieldTurn();
      const want = limit - out.length;
      const rows = this.#list.all(lo, lo + SCAN_IDS, since, want);
      for (const r of rows) out.push(this.#row(r));
      lo = rows.length < want ? lo + SCAN_IDS : out[out.length - 1].observationId;
    }
    return out;
  }

  /** Replaces each change in the store's index, then queues its `resolved_path` write. */
  async apply(changes: BackfillChange[]): Promise<void> {
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
    // Commit the queued writes in a turn of their own once there are FLUSH_AT of them, before
    // the writer's own 2,000-op batch would run synchronously inside a resolver slice.
    if (this.#writer.pending >= FLUSH_AT) {
      await yieldTurn();
      await this.#writer.flush();
    }
  }

  #lastId(): number {
    return Number(this.#maxId.get()?.n ?? 0);
  }

  #row(r: Record<string, unknown>): BackfillRow {
    const observationId = Number(r.id);
    const txId = Number(r.transmission_id);
    let hops: unknown;
    try {
      hops = JSON.parse(String(r.path_json));
    } catch {
      hops = null;
    }
    const size = Array.isArray(hops) && hops.length > 0 && typeof hops[0] === "string"
      ? hops[0].length / 2
      : 0;
    if (
      !Array.isArray(hops) || (size !== 1 && size !== 2 && size !== 3) ||
      !hops.every((h) => typeof h === "string" && h.length === size * 2)
    ) {
      // One hop over no bytes: the job counts the row as malformed (skipped) and moves on.
      return { observationId, txId, pathHex: "", hashSize: 1, hopCount: 1, currentNodeIds: null };
    }
    const from = typeof r.from_pubkey === "string" ? this.#nodes.idOf(r.from_pubkey) : undefined;
    const observer = typeof r.observer_id === "string"
      ? this.#nodes.idOf(r.observer_id)
      : undefined;
    const route = Number(r.route_type);
    return {
      observationId,
      txId,
      pathHex: hops.join(""),
      hashSize: size,
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
    };
  }

  /** The stored value as node ids, parsed by the store's own rules (so both agree). */
  #parseResolved(json: unknown, hopCount: number): Int32Array | null {
    if (typeof json !== "string") return null;
    const ids = new Int32Array(hopCount);
    return parseResolvedInto(json, hopCount, ids, (k) => this.#nodes.intern(k)) < 0 ? null : ids;
  }
}
