/**
 * WAL checkpoints off the main thread. SQLite's automatic checkpoint runs
 * inside whichever commit pushes the WAL past 1,000 pages, on the committing
 * thread: with one writer connection that is ingest, and a commit that
 * copies 4 MB into the database file and fsyncs it stalls the event loop for
 * ~10 ms (retention, which dirties many index pages, hits it constantly).
 * The {@linkcode WalCheckpointer} turns the automatic checkpoint off on the
 * writer connection and runs PASSIVE checkpoints from a worker on its own
 * connection instead (`checkpoint_worker.ts`). If the worker cannot start,
 * the automatic checkpoint stays on and a warning is logged.
 *
 * @module
 */

import type { DbLog, HopwatchDb } from "./database.ts";

/** Options of {@linkcode WalCheckpointer.start}. */
export interface CheckpointerOptions {
  /** Period of the worker's PASSIVE checkpoints (default 1,000 ms). */
  intervalMs?: number;
  /** WAL length (frames) from which a turn may end with a RESTART (default 65,536, 256 MiB). */
  restartFrames?: number;
  /** Logger (default: the database's). */
  log?: DbLog;
}

/** What the checkpointer has done, for `/metrics` and `/api/health`. */
export interface CheckpointerStats {
  /** True while checkpoints run in the worker (automatic checkpoints off). */
  active: boolean;
  /** Checkpoints that found WAL frames to copy. */
  runs: number;
  /** WAL size (frames) at the last run. */
  walFrames: number;
  /** Turns that ended with a RESTART (the next commit writes the WAL from its start). */
  restarts: number;
  /** Longest checkpoint turn (ms, in the worker). */
  maxMs: number;
  /** Longest RESTART (ms): the time the writer may have waited. */
  maxRestartMs: number;
  errors: number;
}

/** Largest WAL file kept after a checkpoint resets it (bytes). */
const JOURNAL_SIZE_LIMIT = 64 << 20;

/** Runs WAL checkpoints in a worker (see the module doc). */
export class WalCheckpointer {
  #worker: Worker | null = null;
  #hdb: HopwatchDb;
  #log: DbLog;
  #stats: CheckpointerStats = WalCheckpointer.inactiveStats();
  #stopped: (() => void) | null = null;
  #settled: (() => void)[] = [];
  #lastError = "";
  /**
   * Resolves once the worker has opened the database and the writer's automatic checkpoint is
   * off, or — if the worker cannot start — with the automatic checkpoint left on (never rejects).
   */
  readonly ready: Promise<void>;

  /** Starts the worker in the background (see {@linkcode ready}). */
  constructor(hdb: HopwatchDb, opts: CheckpointerOptions = {}) {
    this.#hdb = hdb;
    this.#log = opts.log ?? hdb.log;
    this.ready = this.#start(opts);
  }

  /** A checkpointer whose start has completed. */
  static async start(hdb: HopwatchDb, opts: CheckpointerOptions = {}): Promise<WalCheckpointer> {
    const cp = new WalCheckpointer(hdb, opts);
    await cp.ready;
    return cp;
  }

  async #start(opts: CheckpointerOptions): Promise<void> {
    const hdb = this.#hdb;
    if (hdb.readOnly) return;
    hdb.db.exec(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    let worker: Worker;
    try {
      worker = new Worker(new URL("./checkpoint_worker.ts", import.meta.url).href, {
        type: "module",
      });
    } catch (err) {
      this.#log("warn", `[db] WAL checkpoints stay in the writer: ${(err as Error).message}`);
      return;
    }
    const ready = await new Promise<string | null>((resolve) => {
      worker.onmessage = (e) => resolve(e.data?.ready ? null : String(e.data?.error));
      worker.onerror = (e) => {
        e.preventDefault();
        resolve(e.message);
      };
      worker.postMessage({
        path: hdb.path,
        intervalMs: opts.intervalMs ?? 1000,
        restartFrames: opts.restartFrames ?? 65_536,
      });
    });
    if (ready !== null) {
      worker.terminate();
      this.#log("warn", `[db] WAL checkpoints stay in the writer: ${ready}`);
      return;
    }
    worker.onmessage = (e) => this.#onMessage(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fallBack(`worker failed: ${e.message}`);
    };
    this.#worker = worker;
    hdb.db.exec("PRAGMA wal_autocheckpoint = 0");
    this.#stats.active = true;
  }

  /** Counters of a checkpointer that has not started. */
  static inactiveStats(): CheckpointerStats {
    return {
      active: false,
      runs: 0,
      walFrames: 0,
      restarts: 0,
      maxMs: 0,
      maxRestartMs: 0,
      errors: 0,
    };
  }

  /** Counters so far. */
  stats(): CheckpointerStats {
    return { ...this.#stats };
  }

  /**
   * Runs a checkpoint turn now and resolves when it is done (at once when inactive; after 2 s at
   * most). A job that commits often awaits it while it pauses, so the WAL can start over.
   */
  settle(): Promise<void> {
    if (!this.#worker) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#settled.push(resolve));
    this.#worker.postMessage({ checkpoint: true });
    return Promise.race([done, new Promise<void>((r) => setTimeout(r, 2000))]);
  }

  /** Stops the worker and gives checkpoints back to the writer connection. */
  async close(): Promise<void> {
    await this.ready;
    const worker = this.#worker;
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => (this.#stopped = resolve));
    worker.postMessage({ stop: true });
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
    this.#release();
  }

  #onMessage(m: { run?: Run; error?: string; stopped?: boolean; settled?: boolean }): void {
    if (m.run) {
      const s = this.#stats;
      s.runs++;
      s.walFrames = m.run.log;
      if (m.run.restarted) s.restarts++;
      if (m.run.restartMs > s.maxRestartMs) s.maxRestartMs = m.run.restartMs;
      if (m.run.ms > s.maxMs) s.maxMs = m.run.ms;
    } else if (m.error !== undefined) {
      this.#stats.errors++;
      if (m.error !== this.#lastError) this.#log("warn", `[db] WAL checkpoint: ${m.error}`);
      this.#lastError = m.error;
    } else if (m.settled) {
      this.#settled.shift()?.();
    } else if (m.stopped) {
      this.#stopped?.();
    }
  }

  #fallBack(reason: string): void {
    this.#log("warn", `[db] WAL checkpoints back in the writer: ${reason}`);
    this.#release();
  }

  #release(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const resolve of this.#settled.splice(0)) resolve();
    if (this.#stats.active) {
      this.#stats.active = false;
      try {
        this.#hdb.db.exec("PRAGMA wal_autocheckpoint = 1000");
      } catch { /* connection already closed */ }
    }
  }
}

interface Run {
  restarted: boolean;
  restartMs: number;
  busy: number;
  log: number;
  checkpointed: number;
  ms: number;
}
