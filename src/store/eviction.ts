/**
 * Eviction and memory accounting.
 *
 * One pass ({@linkcode evictPass}) drops transmissions whose `first_seen` is
 * older than the retention cut-off, then, when the tracked bytes exceed the
 * budget, the oldest transmissions (by `first_seen`, then id) down to 85 % of
 * the budget, never more than 25 % of the tracked bytes in one pass. Removal
 * goes through the reverse maps (`StoreCore.removeTransmissions`), so no
 * index keeps an orphan id.
 *
 * Memory really comes back because storage is chunked: a chunk whose rows
 * are all dead is released at once, and {@linkcode compact} moves the live
 * rows out of chunks that are less than a quarter full, so those are
 * released too. Tracked bytes are the sum of the real `byteLength` of every
 * typed array the store holds, plus estimates for its few JS strings/maps.
 *
 * @module
 */

import { OBS_CHUNK } from "./obs_table.ts";
import { TX_CHUNK } from "./tx_table.ts";
import type { StoreCore } from "./store_core.ts";
import type { EvictionResult } from "./types.ts";

const TXM = TX_CHUNK - 1;
const MB = 1024 * 1024;

/** Bytes held by the store, by component. */
export function memoryBreakdown(core: StoreCore): Record<string, number> {
  return {
    txColumns: core.txs.byteLength,
    obsColumns: core.obs.byteLength,
    txIdMap: core.txById.byteLength,
    obsIdMap: core.obsById.byteLength,
    hashIndex: core.hashes.byteLength,
    indexes: core.idx.byteLength,
    observers: core.observers.byteLength,
    interned: core.channels.byteLength + core.scopes.byteLength + core.directions.byteLength +
      core.oddHashes.size * 100,
    resolvedCache: core.resolvedCache.byteLength,
    reach: core.reach.byteLength,
  };
}

/** Total tracked bytes. */
export function trackedBytes(core: StoreCore): number {
  let b = 0;
  for (const v of Object.values(memoryBreakdown(core))) b += v;
  return b;
}

/**
 * Moves live rows out of sparse chunks (live < 1/4 of used) so the chunks are
 * released, repacks wasteful membership pools, shrinks the id maps and the
 * hash table, and recomputes the time-order bound. Returns rows moved.
 */
export function compact(core: StoreCore): { tx: number; obs: number } {
  let movedObs = 0;
  const ochunks = core.obs.chunks;
  const lastObs = ochunks.length - 1;
  for (let ci = 0; ci < lastObs; ci++) {
    const c = ochunks[ci];
    if (!c || !c.sealed || c.live === 0 || c.live * 4 >= c.used) continue;
    for (let r = 0; r < c.used && ochunks[ci] !== null; r++) {
      if (!(c.flags[r] & 1)) continue;
      const id = c.id[r];
      core.obsById.set(id, core.obs.relocate((ci * OBS_CHUNK) | r));
      movedObs++;
    }
  }
  let movedTx = 0;
  const tchunks = core.txs.chunks;
  const lastTx = tchunks.length - 1;
  for (let ci = 0; ci < lastTx; ci++) {
    const c = tchunks[ci];
    if (!c || !c.sealed || c.live === 0 || c.live * 4 >= c.used) continue;
    for (let r = 0; r < c.used && tchunks[ci] !== null; r++) {
      if (!(c.flags[r] & 1)) continue;
      const id = c.id[r];
      core.txById.set(id, core.txs.relocate((ci * TX_CHUNK) | r));
      movedTx++;
    }
  }
  core.txs.compactPools();
  core.txById.trim();
  core.obsById.trim();
  core.hashes.maintain();
  recomputeOrder(core);
  return { tx: movedTx, obs: movedObs };
}

/** Recomputes the exact time-order bound (one pass over the live ids). */
export function recomputeOrder(core: StoreCore): void {
  const byId = core.txById;
  const txs = core.txs;
  core.order.recompute((fn) => {
    byId.forEach((id, s) => {
      fn(id, txs.chunk(s).firstSeen[s & TXM]);
      return true;
    });
  });
}

/** One eviction pass at `nowMs` with the store's `retentionHours` and `maxMemoryMB`. */
export function evictPass(core: StoreCore, nowMs: number): EvictionResult {
  const bytesBefore = trackedBytes(core);
  const victims = new Set<number>();
  if (core.retentionHours > 0) {
    const cutoff = nowMs - core.retentionHours * 3_600_000;
    core.txs.forEachLive((_s, c, r) => {
      if (c.firstSeen[r] < cutoff) victims.add(c.id[r]);
    });
  }
  const byRetention = victims.size;
  let byMemory = 0;
  const live = core.txCount;
  if (core.maxMemoryMB > 0 && live > 0 && bytesBefore > core.maxMemoryMB * MB) {
    const perTx = bytesBefore / live;
    const afterRetention = bytesBefore - byRetention * perTx;
    const target = 0.85 * core.maxMemoryMB * MB;
    const want = Math.min(afterRetention - target, 0.25 * bytesBefore);
    const n = Math.min(live - byRetention, Math.ceil(want / perTx));
    if (n > 0) {
      const fs = new Float64Array(live);
      const ids = new Int32Array(live);
      let k = 0;
      core.txs.forEachLive((_s, c, r) => {
        if (victims.has(c.id[r])) return;
        fs[k] = c.firstSeen[r];
        ids[k++] = c.id[r];
      });
      const order = Array.from({ length: k }, (_, i) => i);
      order.sort((a, b) => fs[a] - fs[b] || ids[a] - ids[b]);
      for (let i = 0; i < n && i < k; i++) victims.add(ids[order[i]]);
      byMemory = Math.min(n, k);
    }
  }
  const removed = core.removeTransmissions(victims);
  const moved = compact(core);
  return {
    evictedTx: removed.tx,
    evictedObs: removed.obs,
    byRetention,
    byMemory,
    bytesBefore,
    bytesAfter: trackedBytes(core),
    relocatedTx: moved.tx,
    relocatedObs: moved.obs,
  };
}
