/**
 * Background re-resolution of stored observations: fills `resolved_path`
 * where it is NULL and improves it where the neighbor graph has learned more
 * since the row was written, for observations within `backfillHours`.
 *
 * The job knows nothing of the store: it pulls rows through
 * {@linkcode BackfillSource.listCandidates} (keyset pagination on observation
 * id) and hands changed rows to {@linkcode BackfillSource.apply}, so the store
 * can update its reverse index and queue the DB write. Work runs in slices of
 * at most `maxSliceMs`, with a pause of `pauseMs` (a bare `setTimeout(0)` by
 * default) between slices, so ingest and HTTP keep running.
 *
 * Merge rule per hop: a hop the new resolution names replaces the old value
 * (a new or corrected name); a hop it leaves unknown keeps the old name
 * (evidence decays, but what was proven stays proven) unless that name is now
 * used at another hop. Rows whose stored value should be discarded (for
 * instance guesses written by another resolver) are passed with
 * `currentNodeIds: null`.
 *
 * @module
 */

import type { HopResolver, ResolveContext } from "./resolver.ts";

/** One stored observation offered for re-resolution. */
export interface BackfillRow {
  observationId: number;
  txId: number;
  /** Concatenated hop bytes as hex (no separators). */
  pathHex: string;
  hashSize: 1 | 2 | 3;
  hopCount: number;
  /** ADVERT originator node id, if any. */
  originatorId?: number;
  /** Observer node id, if the observer is a known node. */
  observerNodeId?: number;
  /** The stored resolution (-1 = unknown), or null when none is stored. */
  currentNodeIds: Int32Array | null;
  /** Ingest time (epoch ms); defaults to now. Rows older than the window are skipped. */
  timestampMs?: number;
  /** Route kind (default `flood`). */
  kind?: ResolveContext["kind"];
  /** TRACE only: hops completed. */
  traceCompleted?: number;
}

/** One changed row. */
export interface BackfillChange {
  observationId: number;
  txId: number;
  oldIds: Int32Array | null;
  newIds: Int32Array;
}

/** Callbacks the store provides. */
export interface BackfillSource {
  /**
   * Up to `limit` rows with `observationId > cursor` (0 at the start), ascending, that have
   * a path; `sinceMs` is the window start the store may filter on.
   */
  listCandidates(
    cursor: number,
    limit: number,
    sinceMs: number,
  ): BackfillRow[] | Promise<BackfillRow[]>;
  /** Applies one slice's changes (reverse index, DB write). */
  apply(changes: BackfillChange[]): void | Promise<void>;
  /** Optional: number of rows the job will visit (for `total`). */
  countCandidates?(sinceMs: number): number | Promise<number>;
}

/** Progress of a {@linkcode Backfill}. */
export interface BackfillProgress {
  state: "idle" | "running" | "done" | "stopped" | "failed";
  /** Rows visited. */
  done: number;
  /** Rows to visit (from `countCandidates`, else `done` once finished, else 0). */
  total: number;
  /** Rows whose resolution changed. */
  changed: number;
  /** Malformed rows skipped (bad hex, hops overrunning the path). */
  skipped: number;
  /** RFC3339 start time, or null before the first start. */
  startedAt: string | null;
  /** Rows visited per second from the start to now, or to the end of a finished run. */
  ratePerSec: number;
  /** Error message when `failed`. */
  error?: string;
}

/** Options of {@linkcode Backfill}. */
export interface BackfillOptions {
  /** Window: observations newer than now minus this many hours (default 24). */
  backfillHours?: number;
  /** Rows fetched per `listCandidates` call (default 500). */
  batchSize?: number;
  /** Longest synchronous slice of work, ms (default 8). */
  maxSliceMs?: number;
  /**
   * Pause after each slice, ms (default 0: a bare yield). With `maxSliceMs` it sets the
   * job's share of the event loop: reads wait at most one slice, and the job takes at most
   * `maxSliceMs / (maxSliceMs + pauseMs)` of the time.
   */
  pauseMs?: number;
  /** Clock (epoch ms) for the window, the rate and slice lengths; for tests. */
  now?: () => number;
  /** Awaited after each slice's yield (the server lets a WAL checkpoint finish here). */
  afterSlice?: () => Promise<void>;
}

/**
 * The backfill job.
 *
 * @example
 * ```ts
 * const job = new Backfill(resolver, { listCandidates, apply });
 * await job.run();
 * job.progress; // { state: "done", done, total, changed, ... }
 * ```
 */
export class Backfill {
  #resolver: HopResolver;
  #source: BackfillSource;
  #hours: number;
  #batch: number;
  #sliceMs: number;
  #pauseMs: number;
  #now: () => number;
  /** When the last run ended (epoch ms): its rate stays that run's, not one decaying over idle time. */
  #ended = 0;
  #state: BackfillProgress["state"] = "idle";
  #done = 0;
  #total = 0;
  #changed = 0;
  #skipped = 0;
  #started = 0;
  #error: string | undefined;
  #stop = false;
  #slices = 0;
  #afterSlice: (() => Promise<void>) | undefined;

  /** Creates a job; nothing runs until {@linkcode run}. */
  constructor(resolver: HopResolver, source: BackfillSource, options: BackfillOptions = {}) {
    this.#resolver = resolver;
    this.#source = source;
    this.#hours = options.backfillHours ?? 24;
    this.#batch = Math.max(1, Math.floor(options.batchSize ?? 500));
    this.#sliceMs = Math.max(1, options.maxSliceMs ?? 8);
    this.#pauseMs = Math.max(0, options.pauseMs ?? 0);
    this.#now = options.now ?? Date.now;
    this.#afterSlice = options.afterSlice;
    if (!(this.#hours >= 0)) {
      throw new RangeError(`Cannot start backfill: backfillHours ${this.#hours} is negative`);
    }
  }

  /** A snapshot of the job's progress. */
  get progress(): BackfillProgress {
    const until = this.#state === "running" ? this.#now() : this.#ended;
    const elapsed = this.#started ? (until - this.#started) / 1000 : 0;
    const p: BackfillProgress = {
      state: this.#state,
      done: this.#done,
      total: Math.max(this.#total, this.#state === "done" ? this.#done : 0),
      changed: this.#changed,
      skipped: this.#skipped,
      startedAt: this.#started ? new Date(this.#started).toISOString() : null,
      ratePerSec: elapsed > 0 ? Math.round((this.#done / elapsed) * 10) / 10 : 0,
    };
    if (this.#error !== undefined) p.error = this.#error;
    return p;
  }

  /** Number of work slices run so far (each followed by a yield). */
  get slices(): number {
    return this.#slices;
  }

  /** Asks a running job to stop after its current slice. */
  stop(): void {
    this.#stop = true;
  }

  /** Runs the job to the end (or until stopped); resolves with the final progress. */
  async run(): Promise<BackfillProgress> {
    if (this.#state === "running") throw new Error("Cannot start backfill: already running");
    this.#state = "running";
    this.#stop = false;
    this.#done = 0;
    this.#changed = 0;
    this.#skipped = 0;
    this.#error = undefined;
    this.#started = this.#now();
    const sinceMs = this.#started - this.#hours * 3600_000;
    try {
      this.#total = this.#source.countCandidates ? await this.#source.countCandidates(sinceMs) : 0;
      let cursor = 0; // observation ids start at 1
      for (;;) {
        const rows = await this.#source.listCandidates(cursor, this.#batch, sinceMs);
        if (rows.length === 0) break;
        let i = 0;
        while (i < rows.length) {
          const t0 = this.#now();
          const changes: BackfillChange[] = [];
          do {
            const row = rows[i++];
            cursor = row.observationId;
            this.#done++;
            if (row.timestampMs !== undefined && row.timestampMs < sinceMs) continue;
            let change: BackfillChange | null = null;
            try {
              change = this.#process(row);
            } catch {
              this.#skipped++; // a malformed row must not stop the job
            }
            if (change) changes.push(change);
          } while (i < rows.length && this.#now() - t0 < this.#sliceMs);
          if (changes.length > 0) {
            await this.#source.apply(changes);
            this.#changed += changes.length;
          }
          this.#slices++;
          await new Promise((resolve) => setTimeout(resolve, this.#pauseMs));
          await this.#afterSlice?.();
          if (this.#stop) {
            this.#state = "stopped";
            this.#ended = this.#now();
            return this.progress;
          }
        }
        if (rows.length < this.#batch) break;
        // Fetching the next batch is a slice of its own.
        await new Promise((resolve) => setTimeout(resolve, this.#pauseMs));
      }
      this.#state = "done";
    } catch (err) {
      this.#state = "failed";
      this.#error = err instanceof Error ? err.message : String(err);
    }
    this.#ended = this.#now();
    return this.progress;
  }

  #process(row: BackfillRow): BackfillChange | null {
    const n = row.hopCount;
    if (n === 0) return null;
    const hops = hexBytes(row.pathHex, row.observationId);
    const path = this.#resolver.resolvePath(hops, row.hashSize, n, {
      originatorId: row.originatorId,
      observerId: row.observerNodeId,
      nowMs: row.timestampMs ?? this.#now(),
      kind: row.kind,
      traceCompleted: row.traceCompleted,
    });
    const old = row.currentNodeIds && row.currentNodeIds.length === n ? row.currentNodeIds : null;
    const merged = path.nodeIds.slice();
    if (old) {
      for (let i = 0; i < n; i++) {
        if (merged[i] >= 0 || old[i] < 0) continue;
        if (row.kind !== "trace" && merged.includes(old[i])) continue;
        merged[i] = old[i];
      }
    }
    let same = old !== null;
    if (old) { for (let i = 0; i < n && same; i++) same = old[i] === merged[i]; }
    if (same) return null;
    if (!old && merged.every((id) => id < 0)) return null;
    return { observationId: row.observationId, txId: row.txId, oldIds: old, newIds: merged };
  }
}

function hexBytes(hex: string, obsId: number): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error(`Cannot backfill observation ${obsId}: path "${hex}" is not hex`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
