/**
 * Where the loader gets packed batches from: a pool of load workers
 * (SQLite reading and decoding in parallel with indexing), or the loading
 * thread itself when workers are unavailable (in-memory database, missing
 * permission or module, `workers: 0`, or a worker failure).
 *
 * Batches carry public keys as ids of the producer's key space; the source
 * interns the batch's new keys through the NodeDirectory as batches arrive
 * (in order per producer) and rewrites the ids in place, so every batch handed
 * out uses directory ids.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "./node_directory.ts";
import {
  type BatchQueries,
  LocalKeys,
  type PackedBatch,
  prepareBatchQueries,
  readBatch,
} from "./load_batch.ts";

/** A source of packed batches by transmission id range. */
export interface BatchSource {
  readonly kind: "worker" | "thread";
  readonly workers: number;
  /** Transmissions `lo..hi` matching `pred` with their observations, in directory ids. */
  fetch(lo: number, hi: number, pred: string): Promise<PackedBatch>;
  close(): void;
}

/** Rewrites a batch's key ids into directory ids through `map` (grown as needed). */
function translate(b: PackedBatch, map: Int32Array, nodes: NodeDirectory): Int32Array {
  const need = b.keyBase + b.newKeys.length;
  if (need > map.length) {
    const next = new Int32Array(Math.max(need, map.length * 2));
    next.set(map);
    map = next;
  }
  for (let k = 0; k < b.newKeys.length; k++) map[b.keyBase + k] = nodes.intern(b.newKeys[k]);
  const res = b.res;
  for (let k = 0; k < res.length; k++) if (res[k] >= 0) res[k] = map[res[k]];
  const from = b.from;
  for (let k = 0; k < b.ntx; k++) if (from[k] >= 0) from[k] = map[from[k]];
  return map;
}

/** Reads in the calling thread. */
export class ThreadSource implements BatchSource {
  readonly kind = "thread" as const;
  readonly workers = 0;
  private readonly q: BatchQueries;
  private readonly keys = new LocalKeys();
  private map: Int32Array = new Int32Array(1024);
  private readonly nodes: NodeDirectory;

  constructor(db: DatabaseSync, nodes: NodeDirectory) {
    this.q = prepareBatchQueries(db);
    this.nodes = nodes;
  }

  fetch(lo: number, hi: number, pred: string): Promise<PackedBatch> {
    const b = readBatch(this.q, lo, hi, pred, this.keys);
    this.map = translate(b, this.map, this.nodes);
    return Promise.resolve(b);
  }

  close(): void {}
}

interface Pending {
  resolve: (b: PackedBatch) => void;
  reject: (e: Error) => void;
}

/** A pool of load workers, requests dealt round-robin. */
export class WorkerSource implements BatchSource {
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
        this.#failAll(i, new Error(`Cannot load: worker failed: ${e.message}`));
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

  fetch(lo: number, hi: number, pred: string): Promise<PackedBatch> {
    const i = this.next;
    this.next = (this.next + 1) % this.pool.length;
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending[i].set(seq, { resolve, reject });
      this.pool[i].postMessage({ seq, lo, hi, pred });
    });
  }

  close(): void {
    for (const w of this.pool) w.terminate();
    for (let i = 0; i < this.pool.length; i++) this.#failAll(i, new Error("load worker closed"));
  }

  #onMessage(i: number, m: { seq: number; batch?: PackedBatch; error?: string }): void {
    const p = this.pending[i].get(m.seq);
    if (!p) return;
    this.pending[i].delete(m.seq);
    if (m.error !== undefined || !m.batch) {
      p.reject(new Error(`Cannot load: ${m.error ?? "empty reply"}`));
      return;
    }
    this.maps[i] = translate(m.batch, this.maps[i], this.nodes);
    p.resolve(m.batch);
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
