/**
 * Load worker: reads and decodes transmission and observation rows on its
 * own read-only connection while the main thread fills the store, so SQLite
 * reading and parsing run in parallel with indexing. Replies with packed
 * typed arrays, transferred (not copied).
 *
 * Protocol: `{ path }` opens the database and answers `{ ready }`;
 * `{ seq, lo, hi, pred }` answers `{ seq, batch }` or `{ seq, error }`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import {
  batchBuffers,
  type BatchQueries,
  LocalKeys,
  prepareBatchQueries,
  readBatch,
} from "./load_batch.ts";

interface Scope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(msg: unknown, transfer?: Transferable[]): void;
}

const scope = self as unknown as Scope;
let queries: BatchQueries | null = null;
const keys = new LocalKeys();

scope.onmessage = (e: MessageEvent) => {
  const m = e.data as { path?: string; seq?: number; lo?: number; hi?: number; pred?: string };
  if (m.path !== undefined) {
    try {
      const db = new DatabaseSync(m.path, { readOnly: true });
      db.exec("PRAGMA busy_timeout = 5000");
      queries = prepareBatchQueries(db);
      scope.postMessage({ ready: true });
    } catch (err) {
      scope.postMessage({ ready: false, error: String((err as Error).message) });
    }
    return;
  }
  try {
    if (queries === null) throw new Error("worker database not open");
    const batch = readBatch(queries, m.lo as number, m.hi as number, m.pred ?? "1", keys);
    scope.postMessage({ seq: m.seq, batch }, batchBuffers(batch));
  } catch (err) {
    scope.postMessage({ seq: m.seq, error: String((err as Error).message) });
  }
};
