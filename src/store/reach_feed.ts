/**
 * The store's side of the reach index (`reach_index.ts`): it is fed from the
 * decode window (ingest, a merged repeat that brings a resolved path or a new
 * SNR, re-resolution) with the observation's own resolved path, and
 * subtracted on removal with the path read back like a page reads it (staged
 * before a SQLite delete, the live window, the LRU, else one batched fetch).
 * The edge bucket of a window is read here too: the node's relay list
 * between the bucket's lowest and highest transmission id, the observations
 * in the time range whose hop bytes can hold the node, and their resolved
 * paths in one batched read.
 *
 * @module
 */

import type { StoreCore } from "./store_core.ts";
import { TX_CHUNK } from "./tx_table.ts";
import { OBS_CHUNK, OBSF } from "./obs_table.ts";
import type { EdgeReader, ReachObs, ReachSums } from "./reach_index.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;
const ADVERT = 4;

/** Per-store bookkeeping of the feed (kept on the store core). */
export class ReachFeedState {
  /** Resolved paths staged before their SQLite rows are deleted: obs id -> JSON. */
  staged: Map<number, string | null> = new Map();
  /**
   * Whether every resolved hop fed so far starts with its hop's first byte (then the edge
   * read may skip observations whose hop bytes cannot hold the node).
   */
  prefixSafe = true;
  /** Node id -> first byte of its public key (-1 not yet known). */
  firstByte: Int16Array = new Int16Array(0);
}

const scratch: ReachObs = {
  ids: new Int32Array(0),
  off: 0,
  n: 0,
  ts: 0,
  observer: 0,
  snr: NaN,
  from: -1,
  txId: 0,
};

function firstByte(core: StoreCore, node: number): number {
  const st = core.reachFeed;
  if (node >= st.firstByte.length) {
    const next = new Int16Array(Math.max(node + 1, st.firstByte.length * 2, 1024)).fill(-1);
    next.set(st.firstByte);
    st.firstByte = next;
  }
  let b = st.firstByte[node];
  if (b < 0) b = st.firstByte[node] = parseInt(core.nodes.keyOf(node).slice(0, 2), 16);
  return b;
}

/** Fills the scratch record of the observation at slot `os` with path `ids[off, off + n)`. */
function describe(core: StoreCore, os: number, ids: Int32Array, off: number, n: number): ReachObs {
  const oc = core.obs.chunk(os);
  const or = os & OBM;
  const tslot = core.txById.get(oc.tx[or]);
  const tc = core.txs.chunk(tslot);
  const tr = tslot & TXM;
  scratch.ids = ids;
  scratch.off = off;
  scratch.n = n;
  scratch.ts = oc.ts[or];
  scratch.observer = oc.observer[or];
  scratch.snr = oc.snr[or];
  scratch.from = ((tc.header[tr] >> 2) & 15) === ADVERT ? tc.fromNode[tr] : -1;
  scratch.txId = oc.tx[or];
  return scratch;
}

/** Adds (`d` = 1) or subtracts the observation at slot `os` with its path `ids[off, off + n)`. */
export function feedReach(
  core: StoreCore,
  os: number,
  ids: Int32Array,
  off: number,
  n: number,
  d: 1 | -1,
): void {
  const st = core.reachFeed;
  const oc = core.obs.chunk(os);
  const or = os & OBM;
  // unset: the index holds nothing of it yet (the build reads its current path later)
  if (d < 0 && !(oc.flags[or] & OBSF.REACH)) return;
  oc.flags[or] |= OBSF.REACH;
  if (d > 0 && st.prefixSafe) {
    const size = oc.hashSize[or], p = oc.pathOff[or];
    for (let i = 0; i < n && st.prefixSafe; i++) {
      const node = ids[off + i];
      if (node >= 0 && size > 0) st.prefixSafe = oc.hops[p + i * size] === firstByte(core, node);
    }
  }
  core.reach.apply(describe(core, os, ids, off, n), d);
}

/** Node ids of a resolved path read back (unknown keys as -1). */
export function toIds(core: StoreCore, keys: (string | null)[]): Int32Array {
  const out = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    out[i] = k === null ? -1 : core.nodes.idOf(k) ?? -1;
  }
  return out;
}

function hopCountOf(core: StoreCore): (obsId: number) => number {
  return (id) => {
    const s = core.obsById.get(id);
    return s < 0 ? -1 : core.obs.chunk(s).hopCount[s & OBM];
  };
}

/**
 * A merged repeat changed the SNR of the resolved observation at slot `os`
 * (from `oldSnr`; the column already holds the new one): re-applies it.
 */
export function reachSnrChanged(core: StoreCore, os: number, oldSnr: number): void {
  const oc = core.obs.chunk(os);
  const or = os & OBM;
  const f = oc.flags[or];
  if (!(f & OBSF.RESOLVED) || !(f & OBSF.REACH) || Object.is(oldSnr, oc.snr[or])) return;
  const id = oc.id[or];
  const keys = core.resolvedCache.get([id], hopCountOf(core)).get(id);
  if (!keys) {
    core.reach.lost++;
    return;
  }
  const ids = toIds(core, keys);
  const snr = oc.snr[or];
  oc.snr[or] = oldSnr;
  feedReach(core, os, ids, 0, ids.length, -1);
  oc.snr[or] = snr;
  feedReach(core, os, ids, 0, ids.length, 1);
}

/**
 * Reads the resolved paths of the resolved observations of transmissions `txIds` while their
 * SQLite rows still exist (call before deleting them); the next removal consumes them.
 */
export function stageReachRemoval(core: StoreCore, txIds: Iterable<number>): void {
  const want: number[] = [];
  forResolvedObs(core, txIds, (o) => {
    if (!core.resolvedCache.hasLive(o)) want.push(o);
  });
  const fetch = core.resolvedCache.fetch;
  if (want.length === 0 || fetch === null) return;
  for (const [id, json] of fetch(want)) core.reachFeed.staged.set(id, json);
}

/**
 * Subtracts every resolved observation of transmissions `txIds` (before they are removed).
 * Paths come from the staged reads, the live window, the LRU, else one batched fetch.
 */
export function reachRemove(core: StoreCore, txIds: Iterable<number>): void {
  const st = core.reachFeed;
  const slots: number[] = [];
  const obsIds: number[] = [];
  const json = new Map<number, string | null>();
  forResolvedObs(core, txIds, (o, os) => {
    slots.push(os);
    obsIds.push(o);
    const staged = st.staged.get(o);
    if (staged != null) json.set(o, staged);
  });
  st.staged.clear();
  core.resolvedCache.peekJson(obsIds, json);
  const hc = hopCountOf(core);
  for (const os of slots) {
    const id = core.obs.chunk(os).id[os & OBM];
    const keys = parsePath(json.get(id) ?? null, hc(id));
    if (!keys) {
      core.reach.lost++;
      continue;
    }
    const ids = toIds(core, keys);
    feedReach(core, os, ids, 0, ids.length, -1);
  }
}

/**
 * Calls `visit(obsId, obsSlot)` for each resolved observation of transmissions `txIds` that the
 * index holds (`OBSF.REACH`).
 */
function forResolvedObs(
  core: StoreCore,
  txIds: Iterable<number>,
  visit: (obsId: number, obsSlot: number) => void,
): void {
  for (const id of txIds) {
    const slot = core.txById.get(id);
    if (slot < 0) continue;
    for (let o = core.txs.chunk(slot).headObs[slot & TXM]; o >= 0;) {
      const os = core.obsById.get(o);
      const oc = core.obs.chunk(os);
      const f = oc.flags[os & OBM];
      if (f & OBSF.RESOLVED && f & OBSF.REACH) visit(o, os);
      o = oc.next[os & OBM];
    }
  }
}

/** A stored `resolved_path` as lowercase keys; null if absent, unparsable or not `hopCount` long. */
export function parsePath(json: string | null, hopCount: number): (string | null)[] | null {
  if (json === null || json === "") return null;
  try {
    const v = JSON.parse(json);
    if (!Array.isArray(v) || v.length !== hopCount) return null;
    return v.map((x) => (typeof x === "string" ? x.toLowerCase() : null));
  } catch {
    return null;
  }
}

/** The edge reader of a store (see the module doc). */
export function edgeReader(core: StoreCore): EdgeReader {
  return (node, lo, hi, minTx, maxTx, visit) => {
    const list = core.idx.relay[node];
    if (!list || list.size === 0) return;
    const v = list.view();
    let a = 0, b = v.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (v[mid] < minTx) a = mid + 1;
      else b = mid;
    }
    const fb = core.reachFeed.prefixSafe ? firstByte(core, node) : -1;
    const want: number[] = [];
    const slots: number[] = [];
    for (let k = a; k < v.length && v[k] <= maxTx; k++) {
      const tslot = core.txById.get(v[k]);
      if (tslot < 0) continue;
      for (let o = core.txs.chunk(tslot).headObs[tslot & TXM]; o >= 0;) {
        const os = core.obsById.get(o);
        const oc = core.obs.chunk(os);
        const or = os & OBM;
        const ts = oc.ts[or];
        if (ts >= lo && ts < hi && oc.flags[or] & OBSF.RESOLVED && canHold(oc, or, fb)) {
          want.push(o);
          slots.push(os);
        }
        o = oc.next[or];
      }
    }
    if (want.length === 0) return;
    const paths = core.resolvedCache.get(want, hopCountOf(core));
    for (let i = 0; i < want.length; i++) {
      const keys = paths.get(want[i]);
      if (!keys) continue;
      const ids = toIds(core, keys);
      visit(describe(core, slots[i], ids, 0, ids.length));
    }
  };
}

function canHold(
  oc: { hops: Uint8Array; pathOff: Uint32Array; hashSize: Uint8Array; hopCount: Uint8Array },
  or: number,
  fb: number,
): boolean {
  if (fb < 0) return true;
  const size = oc.hashSize[or];
  if (size === 0) return true;
  for (let h = 0, p = oc.pathOff[or]; h < oc.hopCount[or]; h++, p += size) {
    if (oc.hops[p] === fb) return true;
  }
  return false;
}

/** Reach sums of `node` since `sinceMs` (whole buckets from the index, the edge read here). */
export function reachSums(core: StoreCore, node: number, sinceMs: number): ReachSums {
  return core.reach.sums(node, sinceMs, edgeReader(core));
}
