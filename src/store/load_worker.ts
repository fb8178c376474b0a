/**
 * Load worker: reads and decodes observation rows on its own read-only
 * connection while the main thread fills the store, so SQLite reading and
 * JSON parsing run in parallel with indexing. Replies with packed typed
 * arrays, transferred (not copied).
 *
 * Protocol: `{ path }` opens the database; `{ seq, lo, hi }` answers
 * `{ seq, batch }` or `{ seq, error }`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { batchBuffers, LocalKeys, prepareObsQuery, readObsBatch } from "./obs_batch.ts";

interface Scope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(msg: unknown, transfer?: Transferable[]): void;
}

const scope = self as unknown as Scope;
let query: ReturnType<typeof prepareObsQuery> | null = null;
const keys = new LocalKeys();

scope.onmessage = (e: MessageEvent) => {
  const m = e.data as { path?: string; seq?: number; lo?: number; hi?: number };
  if (m.path !== undefined) {
    try {
      const db = new DatabaseSync(m.path, { readOnly: true });
      db.exec("PRAGMA busy_timeout = 5000");
      query = prepareObsQuery(db);
      scope.postMessage({ ready: true });
    } catch (err) {
      scope.postMessage({ ready: false, error: String((err as Error).message) });
    }
    return;
  }
  try {
    if (query === null) throw new Error("worker database not open");
    const batch = readObsBatch(query, m.lo as number, m.hi as number, keys.intern, keys);
    scope.postMessage({ seq: m.seq, batch }, batchBuffers(batch));
  } catch (err) {
    scope.postMessage({ seq: m.seq, error: String((err as Error).message) });
  }
};
