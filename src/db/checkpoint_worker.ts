/**
 * Checkpoint worker: runs `PRAGMA wal_checkpoint(PASSIVE)` on its own
 * connection, off the main thread, so copying WAL pages into the database
 * file (and its fsync) never stalls ingest or API requests. PASSIVE takes no
 * writer lock and waits for nobody: the main connection keeps committing
 * while a checkpoint runs.
 *
 * The WAL file only starts over when a checkpoint has copied every frame
 * before the next commit begins. The writer commits every 250 ms, so a turn
 * of PASSIVE passes (each shorter than the last) usually completes in a gap;
 * a job that commits every few milliseconds (retention) asks for a turn
 * (`{ checkpoint }`) while it pauses. As a last resort, a WAL of
 * `restartFrames` or more with at most `RESTART_REMAINDER` frames left ends
 * its turn with a RESTART, which makes the writer wait for those frames.
 *
 * Protocol: `{ path, intervalMs, restartFrames }` opens the database and answers `{ ready }`
 * (or `{ ready: false, error }`), then checkpoints every `intervalMs` and
 * posts `{ run: { busy, log, checkpointed, ms } }` after each one that had
 * work; `{ checkpoint: true }` runs one now; `{ stop: true }` closes the
 * connection and answers `{ stopped }`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

interface Scope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(msg: unknown): void;
  close(): void;
}

const scope = self as unknown as Scope;
let db: DatabaseSync | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

let restartFrames = 65_536;
const MAX_PASSES = 5;
const RESTART_REMAINDER = 128;
let last = { log: -1, checkpointed: -1 };

function pass(mode: "PASSIVE" | "RESTART"): { busy: number; log: number; checkpointed: number } {
  const r = db!.prepare(`PRAGMA wal_checkpoint(${mode})`).get() ?? {};
  return { busy: Number(r.busy), log: Number(r.log), checkpointed: Number(r.checkpointed) };
}

function checkpoint(force: boolean): void {
  if (!db) return;
  const t0 = performance.now();
  try {
    let r = pass("PASSIVE");
    let passes = 1;
    while (r.checkpointed < r.log && passes < MAX_PASSES) {
      r = pass("PASSIVE");
      passes++;
    }
    let restarted = false;
    let restartMs = 0;
    if (r.log >= restartFrames && r.log - r.checkpointed <= RESTART_REMAINDER) {
      const t1 = performance.now();
      r = pass("RESTART");
      restartMs = performance.now() - t1;
      restarted = r.busy === 0;
    }
    const run = { ...r, passes, restarted, restartMs, ms: performance.now() - t0 };
    // Report turns that copied something (a fully copied WAL reads the same until the next commit).
    const moved = run.log !== last.log || run.checkpointed !== last.checkpointed;
    last = { log: run.log, checkpointed: run.checkpointed };
    if (force || (run.log > 0 && moved)) scope.postMessage({ run });
  } catch (err) {
    scope.postMessage({ error: (err as Error).message });
  }
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data as {
    path?: string;
    intervalMs?: number;
    restartFrames?: number;
    checkpoint?: boolean;
    stop?: boolean;
  };
  if (m.path !== undefined) {
    try {
      db = new DatabaseSync(m.path);
      // RESTART waits this long at most for the writer's transaction, then gives up until next turn.
      db.exec("PRAGMA busy_timeout = 200");
      restartFrames = m.restartFrames ?? restartFrames;
      scope.postMessage({ ready: true });
      timer = setInterval(() => checkpoint(false), Math.max(50, m.intervalMs ?? 1000));
    } catch (err) {
      scope.postMessage({ ready: false, error: (err as Error).message });
    }
  } else if (m.checkpoint) {
    checkpoint(true);
    scope.postMessage({ settled: true });
  } else if (m.stop) {
    clearInterval(timer);
    try {
      db?.close();
    } finally {
      db = null;
      scope.postMessage({ stopped: true });
    }
  }
};
