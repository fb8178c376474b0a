/**
 * Retention of `observer_metrics`: rows older than `retention.metricsDays`
 * (CoreScope's default: 30 days) are deleted in small batches.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** Deletes `observer_metrics` rows with `timestamp < cutoff` (RFC3339); returns the row count. */
export function pruneObserverMetrics(db: DatabaseSync, cutoff: string, batchSize = 2000): number {
  const del = db.prepare(
    `DELETE FROM observer_metrics WHERE rowid IN
       (SELECT rowid FROM observer_metrics WHERE timestamp < ? LIMIT ?)`,
  );
  let total = 0;
  for (;;) {
    const n = Number(del.run(cutoff, batchSize).changes);
    total += n;
    if (n < batchSize) return total;
  }
}
