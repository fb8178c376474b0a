/**
 * Read helpers other modules need from SQLite (works on the writer connection or a read-only
 * one). Statements are prepared once per {@link DbQueries} instance.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { StatementCache } from "./statements.ts";

/** Row counts of the main tables. */
export interface RowCounts {
  transmissions: number;
  observations: number;
  nodes: number;
  observers: number;
}

/** Ids per `IN (...)` query in {@link DbQueries.fetchResolvedPaths}. */
export const RESOLVED_PATH_CHUNK = 500;

const ALL_NULL = /^\s*\[\s*(null\s*(,\s*null\s*)*)?\]\s*$/;

/** Read helpers bound to one connection. */
export class DbQueries {
  readonly #stmts: StatementCache;

  /** Binds the helpers to a connection. */
  constructor(db: DatabaseSync) {
    this.#stmts = new StatementCache(db);
  }

  /**
   * Transmission id for a content hash, case-insensitively: probes the lowercase form, then the
   * uppercase form, then the input as given (each an indexed equality; stored hashes are lowercase,
   * or uppercase for the raw-hex fallback of wire §7). Returns null when absent.
   */
  findTransmissionIdByHash(hash: string): number | null {
    const h = hash.trim();
    if (h === "") return null;
    const stmt = this.#stmts.get(`SELECT id FROM transmissions WHERE hash = ?`);
    for (const probe of new Set([h.toLowerCase(), h.toUpperCase(), h])) {
      const row = stmt.get(probe);
      if (row) return Number(row.id);
    }
    return null;
  }

  /**
   * `resolved_path` for many observations with one `WHERE id IN (...)` query per 500 ids.
   * Every id found is in the map; all-null arrays (literal `[null,…]` rows) come back as null.
   * Ids with no row are absent.
   */
  fetchResolvedPaths(observationIds: readonly number[]): Map<number, string | null> {
    const out = new Map<number, string | null>();
    const ids = [...new Set(observationIds)].filter((x) => Number.isSafeInteger(x));
    for (let i = 0; i < ids.length; i += RESOLVED_PATH_CHUNK) {
      const chunk = ids.slice(i, i + RESOLVED_PATH_CHUNK);
      // Pad to a few fixed sizes (repeating the last id) so at most three statements are cached.
      const size = BUCKETS.find((b) => b >= chunk.length)!;
      while (chunk.length < size) chunk.push(chunk[chunk.length - 1]);
      const marks = Array(size).fill("?").join(",");
      const rows = this.#stmts.get(
        `SELECT id, resolved_path FROM observations WHERE id IN (${marks})`,
      )
        .all(...chunk);
      for (const r of rows) {
        const v = r.resolved_path;
        out.set(Number(r.id), typeof v === "string" && v !== "" && !ALL_NULL.test(v) ? v : null);
      }
    }
    return out;
  }

  /** Row counts of transmissions, observations, nodes and observers. */
  countRows(): RowCounts {
    const r = this.#stmts.get(
      `SELECT (SELECT COUNT(*) FROM transmissions) AS t, (SELECT COUNT(*) FROM observations) AS o,
              (SELECT COUNT(*) FROM nodes) AS n, (SELECT COUNT(*) FROM observers) AS b`,
    ).get()!;
    return {
      transmissions: Number(r.t),
      observations: Number(r.o),
      nodes: Number(r.n),
      observers: Number(r.b),
    };
  }
}

const BUCKETS = [16, 128, RESOLVED_PATH_CHUNK];
