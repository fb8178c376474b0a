/**
 * Loads and saves the neighbor graph from and to the `neighbor_edges` table
 * (`node_a <= node_b`, lowercase 64-hex keys, `count`, `last_seen` RFC3339),
 * the layout the reference uses, so a CoreScope database opens in place.
 *
 * Rows with an empty `node_a` or `node_b` (the fixture holds 55) or a key that
 * is not hex are skipped and counted.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "../store/node_directory.ts";
import type { NeighborGraph } from "./neighbor_graph.ts";

/** Outcome of {@linkcode loadGraph}. */
export interface GraphLoadResult {
  /** Edges added to the graph. */
  loaded: number;
  /** Rows ignored (empty or malformed keys, self-edges). */
  skipped: number;
}

const HEX_KEY = /^[0-9a-f]{2,64}$/;

/** Formats epoch ms as RFC3339 UTC without milliseconds (`2026-05-17T18:13:27Z`). */
export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Adds every valid `neighbor_edges` row to `graph`, interning both keys in
 * `dir`. A row whose `last_seen` does not parse counts as seen at epoch 0
 * (its weight has fully decayed).
 */
export function loadGraph(
  db: DatabaseSync,
  dir: NodeDirectory,
  graph: NeighborGraph,
): GraphLoadResult {
  const result = { loaded: 0, skipped: 0 };
  for (const row of edgeRows(db)) addRow(row, dir, graph, result);
  graph.markClean();
  return result;
}

/**
 * {@linkcode loadGraph} for a server answering HTTP meanwhile: awaits `turn()` whenever
 * `sliceMs` of adding have passed (L's ~40 ms in one turn was the first requests' wait).
 */
export async function loadGraphSliced(
  db: DatabaseSync,
  dir: NodeDirectory,
  graph: NeighborGraph,
  sliceMs: number,
  turn: () => Promise<unknown>,
): Promise<GraphLoadResult> {
  const result = { loaded: 0, skipped: 0 };
  const rows = edgeRows(db);
  let t0 = performance.now();
  for (const row of rows) {
    if (performance.now() - t0 >= sliceMs) {
      await turn();
      t0 = performance.now();
    }
    addRow(row, dir, graph, result);
  }
  graph.markClean();
  return result;
}

function edgeRows(db: DatabaseSync) {
  return db.prepare("SELECT node_a, node_b, count, last_seen FROM neighbor_edges").all();
}

function addRow(
  row: Record<string, unknown>,
  dir: NodeDirectory,
  graph: NeighborGraph,
  result: GraphLoadResult,
): void {
  const a = String(row.node_a ?? "").trim().toLowerCase();
  const b = String(row.node_b ?? "").trim().toLowerCase();
  if (!HEX_KEY.test(a) || !HEX_KEY.test(b) || a === b) {
    result.skipped++;
    return;
  }
  const count = Number(row.count ?? 1);
  const lastSeen = Date.parse(String(row.last_seen ?? "")) || 0;
  if (graph.addEdge(dir.intern(a), dir.intern(b), lastSeen, count > 0 ? count : 1)) result.loaded++;
  else result.skipped++;
}

/**
 * Writes the graph's edges to `neighbor_edges` in one transaction (upsert:
 * `count` is the graph's total, `last_seen` never moves back). With
 * `dirtyOnly` (the default) only edges changed since the last save or load are
 * written. Returns the number of rows written.
 */
export function saveGraph(
  db: DatabaseSync,
  dir: NodeDirectory,
  graph: NeighborGraph,
  options: { dirtyOnly?: boolean } = {},
): number {
  const stmt = db.prepare(
    `INSERT INTO neighbor_edges (node_a, node_b, count, last_seen) VALUES (?, ?, ?, ?)
     ON CONFLICT (node_a, node_b) DO UPDATE SET
       count = excluded.count,
       last_seen = MAX(COALESCE(last_seen, ''), excluded.last_seen)`,
  );
  let written = 0;
  db.exec("BEGIN");
  try {
    for (const edge of graph.edges({ dirtyOnly: options.dirtyOnly ?? true })) {
      let ka = dir.keyOf(edge.a);
      let kb = dir.keyOf(edge.b);
      if (ka > kb) [ka, kb] = [kb, ka];
      stmt.run(ka, kb, Math.round(edge.count), toRfc3339(edge.lastSeenMs));
      written++;
    }
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
  graph.markClean();
  return written;
}
