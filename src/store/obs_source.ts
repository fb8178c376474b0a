/**
 * Where the loader gets packed observation batches from: a pool of load
 * workers (parallel SQLite reading and decoding), or the loading thread
 * itself when workers are unavailable (in-memory database, no permission,
 * `workers: 0`, or a worker failure).
 *
 * Worker batches carry resolved hops in the worker's own key space; the pool
 * interns their new keys through the NodeDirectory as the batches arrive (in
 * order per worker) and rewrites the ids in place, so every batch handed out
 * uses directory ids.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "./node_directory.ts";
import { type PackedObs, prepareObsQuery, readObsBatch } from "./obs_batch.ts";

/** A source of observation batches by transmission id range. */
export interface ObsSource {
  readonly kind: "worker" | "thread";
  readonly workers: number;
  /** Observations of transmissions `[lo, hi]`, resolved ids in directory space. */
  fetch(lo: number, hi: number): Promise<PackedObs>;
  close(): void;
}

/** Reads in the calling thread. */
export class ThreadSource implements ObsSource {
  readonly kind = "thread" as const;
  readonly workers = 0;
  private readonly q: ReturnType<typeof prepareObsQuery>;
  private readonly intern: (key: string) => number;

  constructor(db: DatabaseSync, nodes: NodeDirectory) {
    this.q = prepareObsQuery(db);
    this.intern = (k) => nodes.intern(k);
  }

  fetch(lo: number, hi: number): Promise<PackedObs> {
    return Promise.resolve(readObsBatch(this.q, lo, hi, this.intern, null));
  }

  close(): void {}
}

interface Pending {
  resolve: (b: PackedObs) => void;
  reject: (e: Error) => void;
}

/** A pool of load workers, requests dealt round-robin. */
export class WorkerSource implements ObsSource {
  readonly kind = "worker" as const;
  readonly workers: number;
  private readonly pool: Worker[];
  private readonly maps: Int32Array[];
  private readonly pending: Map<number, Pending>[];
  private seq = 0;
  private next = 0;
  private readonly nodes: NodeDirectory;

  private constructor(pool: Worker[], nodes: NodeDirectory) {
    this.pool = pool;
    this.workers = pool.length;
    this.nodes = nodes;
    this.maps = pool.map(() => new Int32Array(1024));
    this.pending = pool.map(() => new Map());
    pool.forEach((w, i) => {
      w.onmessage = (e) => this.#onMessage(i, e.data);
      w.onerror = (e) => {
        e.preventDefault();
        this.#failAll(i, new Error(`Cannot load observations: worker failed: ${e.message}`));
      };
    });
  }

  /** Starts `count` workers on the file `path`; rejects if any cannot open it. */
  static async start(path: string, count: number, nodes: NodeDirectory): Promise<WorkerSource> {
    const url = new URL("./load_worker.ts", import.meta.url).href;
    const pool: Worker[] = [];
    try {
      for (let i = 0; i < count; i++) pool.push(new Worker(url, { type: "module" }));
      await Promise.all(pool.map((w) =>
        new Promise<void>((resolve, reject) => {
          w.onmessage = (e) => {
            if (e.data?.ready) resolve();
            else reject(new Error(String(e.data?.error ?? "worker not ready")));
          };
          w.onerror = (e) => {
            e.preventDefault();
            reject(new Error(e.message));
          };
          w.postMessage({ path });
        })
      ));
    } catch (err) {
      for (const w of pool) w.terminate();
      throw err;
    }
    return new WorkerSource(pool, nodes);
  }

  fetch(lo: number, hi: number): Promise<PackedObs> {
    const i = this.next;
    this.next = (this.next + 1) % this.pool.length;
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending[i].set(seq, { resolve, reject });
      this.pool[i].postMessage({ seq, lo, hi });
    });
  }

  close(): void {
    for (const w of this.pool) w.terminate();
    for (let i = 0; i < this.pool.length; i++) this.#failAll(i, new Error("load worker closed"));
  }

  #onMessage(i: number, m: { seq: number; batch?: PackedObs; error?: string }): void {
    const p = this.pending[i].get(m.seq);
    if (!p) return;
    this.pending[i].delete(m.seq);
    if (m.error !== undefined || !m.batch) {
      p.reject(new Error(`Cannot load observations: ${m.error ?? "empty reply"}`));
      return;
    }
    const b = m.batch;
    let map = this.maps[i];
    const need = b.keyBase + b.newKeys.length;
    if (need > map.length) {
      const next = new Int32Array(Math.max(need, map.length * 2));
      next.set(map);
      map = this.maps[i] = next;
    }
    for (let k = 0; k < b.newKeys.length; k++) map[b.keyBase + k] = this.nodes.intern(b.newKeys[k]);
    const res = b.res;
    for (let k = 0; k < res.length; k++) if (res[k] >= 0) res[k] = map[res[k]];
    p.resolve(b);
  }

  #failAll(i: number, err: Error): void {
    for (const p of this.pending[i].values()) p.reject(err);
    this.pending[i].clear();
  }
}

/** The file behind a connection, or null for an in-memory/temporary database. */
export function databaseFile(db: DatabaseSync): string | null {
  try {
    const rows = db.prepare("PRAGMA database_list").all();
    const main = rows.find((r) => r.name === "main");
    const file = main ? String(main.file ?? "") : "";
    return file === "" ? null : file;
  } catch {
    return null;
  }
}
