/**
 * Full consistency check of a {@linkcode StoreCore}: every index entry in both
 * directions (forward lists vs. the columns and reverse maps), id maps vs.
 * rows, chains, counters and caches. Used by the tests and by `hopwatch check`.
 *
 * With `resolvedOf` (the stored resolved path of an observation, e.g. parsed
 * from SQL), the membership reference counts are recomputed and compared
 * exactly.
 *
 * @module
 */

import { hopKey } from "./indexes.ts";
import type { IdList } from "./id_list.ts";
import { OBS_CHUNK, OBSF } from "./obs_table.ts";
import { TX_CHUNK } from "./tx_table.ts";
import { txHash } from "./views.ts";
import { usableResolved } from "./codec.ts";
import type { StoreCore } from "./store_core.ts";
import type { ConsistencyReport } from "./types.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/** Options of {@linkcode checkConsistency}. */
export interface CheckOptions {
  /** Resolved node ids of an observation as stored (null = NULL). */
  resolvedOf?: (obsId: number) => Int32Array | null;
}

/** Checks every structure; returns the problems found (none when `ok`). */
export function checkConsistency(core: StoreCore, opts: CheckOptions = {}): ConsistencyReport {
  const errors: string[] = [];
  let problems = 0;
  const err = (m: string) => {
    problems++;
    if (errors.length < 200) errors.push(m);
  };
  const idx = core.idx;
  const checked: Record<string, number> = {};

  // Rows vs. id maps.
  let liveTx = 0;
  for (let ci = 0; ci < core.txs.chunks.length; ci++) {
    const c = core.txs.chunks[ci];
    if (!c) continue;
    let n = 0;
    for (let r = 0; r < c.used; r++) {
      if (!(c.flags[r] & 1)) continue;
      n++;
      const slot = ci * TX_CHUNK + r;
      if (core.txById.get(c.id[r]) !== slot) err(`tx ${c.id[r]}: id map does not point to its row`);
    }
    if (n !== c.live) err(`tx chunk ${ci}: live counter ${c.live} but ${n} live rows`);
    liveTx += n;
  }
  if (liveTx !== core.txs.live || liveTx !== core.txById.count) {
    err(`tx count: rows ${liveTx}, table ${core.txs.live}, id map ${core.txById.count}`);
  }
  let liveObs = 0;
  for (let ci = 0; ci < core.obs.chunks.length; ci++) {
    const c = core.obs.chunks[ci];
    if (!c) continue;
    let n = 0;
    for (let r = 0; r < c.used; r++) {
      if (!(c.flags[r] & OBSF.LIVE)) continue;
      n++;
      if (core.obsById.get(c.id[r]) !== ci * OBS_CHUNK + r) {
        err(`obs ${c.id[r]}: id map does not point to its row`);
      }
      if (core.txById.get(c.tx[r]) < 0) err(`obs ${c.id[r]}: orphan, tx ${c.tx[r]} not in memory`);
    }
    if (n !== c.live) err(`obs chunk ${ci}: live counter ${c.live} but ${n} live rows`);
    liveObs += n;
  }
  if (liveObs !== core.obs.live || liveObs !== core.obsById.count) {
    err(`obs count: rows ${liveObs}, table ${core.obs.live}, id map ${core.obsById.count}`);
  }
  checked.transmissions = liveTx;
  checked.observations = liveObs;

  // Forward lists: each entry live, sorted, unique, and true of its key.
  const has = (slot: number, obs: (os: number) => boolean): boolean => {
    for (let o = core.txs.chunk(slot).headObs[slot & TXM]; o >= 0;) {
      const os = core.obsById.get(o);
      if (os < 0) return false;
      if (obs(os)) return true;
      o = core.obs.chunk(os).next[os & OBM];
    }
    return false;
  };
  const hasHop = (slot: number, size: number, key: number) =>
    has(slot, (os) => {
      const oc = core.obs.chunk(os);
      const r = os & OBM;
      const s = oc.hashSize[r];
      if (oc.flags[r] & OBSF.RESOLVED || Math.min(s, 3) !== Math.min(size, 3)) return false;
      for (let h = 0, off = oc.pathOff[r]; h < oc.hopCount[r]; h++, off += s) {
        if (hopKey(oc.hops, off, s) === key) return true;
      }
      return false;
    });
  let entries = 0;
  idx.forEachList((name, key, list) => {
    const a = list.view();
    for (let i = 0; i < a.length; i++) {
      entries++;
      const id = a[i];
      if (i > 0 && a[i - 1] >= id) err(`${name}[${key}]: not sorted/unique at ${i}`);
      const slot = core.txById.get(id);
      if (slot < 0) {
        err(`${name}[${key}]: orphan tx ${id}`);
        continue;
      }
      const c = core.txs.chunk(slot);
      const r = slot & TXM;
      let ok = true;
      if (name === "type") ok = ((c.header[r] >> 2) & 15) === key;
      else if (name === "channel") ok = c.channel[r] === key;
      else if (name === "sender") ok = c.fromNode[r] === key;
      else if (name === "src") ok = c.src[r] === key;
      else if (name === "dest") ok = c.dest[r] === key;
      else if (name === "observer") {
        ok = has(slot, (os) => core.obs.chunk(os).observer[os & OBM] === key);
      } else if (name === "prefix1") ok = hasHop(slot, 1, key);
      else if (name === "prefix2") ok = hasHop(slot, 2, key);
      else if (name === "prefix3") ok = hasHop(slot, 3, key);
      else if (name === "relay") ok = core.txs.memCount(slot, key) > 0;
      if (!ok) err(`${name}[${key}]: tx ${id} does not belong there`);
    }
  });
  checked.indexEntries = entries;

  // Reverse direction: every transmission is in every list it belongs to.
  const inList = (l: IdList | undefined, id: number) => l !== undefined && l.has(id);
  const obsPerObserver = new Array<number>(core.observers.length).fill(0);
  const obsPerType = new Array<number>(16).fill(0);
  let chained = 0;
  let memPairs = 0;
  core.txs.forEachLive((slot, c, r) => {
    const id = c.id[r];
    const type = (c.header[r] >> 2) & 15;
    if (!inList(idx.byType[type], id)) err(`tx ${id}: missing from type[${type}]`);
    if (c.channel[r] && !inList(idx.byChannel[c.channel[r]], id)) err(`tx ${id}: missing channel`);
    if (c.fromNode[r] >= 0 && !inList(idx.bySender[c.fromNode[r]], id)) {
      err(`tx ${id}: missing from sender[${c.fromNode[r]}]`);
    }
    if (c.src[r] >= 0 && !inList(idx.bySrc[c.src[r]], id)) err(`tx ${id}: missing src bucket`);
    if (c.dest[r] >= 0 && !inList(idx.byDest[c.dest[r]], id)) err(`tx ${id}: missing dest bucket`);
    if (core.txIdByHash(txHash(core, slot)) !== id) err(`tx ${id}: not found by its hash`);
    const observers = new Set<number>();
    const expect = new Map<number, number>();
    let n = 0;
    let best = -1;
    let bestHops = -1;
    let lastSeen = -Infinity;
    for (let o = c.headObs[r]; o >= 0;) {
      const os = core.obsById.get(o);
      if (os < 0) {
        err(`tx ${id}: chain holds missing obs ${o}`);
        break;
      }
      const oc = core.obs.chunk(os);
      const q = os & OBM;
      if (oc.tx[q] !== id) err(`obs ${o}: chained under tx ${id} but belongs to ${oc.tx[q]}`);
      n++;
      observers.add(oc.observer[q]);
      obsPerObserver[oc.observer[q]]++;
      obsPerType[type]++;
      if (oc.ts[q] > lastSeen) lastSeen = oc.ts[q];
      const hc = oc.hopCount[q];
      if (hc > bestHops || (hc === bestHops && o < best)) {
        best = o;
        bestHops = hc;
      }
      if (!inList(idx.byObserver[oc.observer[q]], id)) err(`tx ${id}: missing from its observer`);
      const s = oc.hashSize[q];
      const fallback = (oc.flags[q] & OBSF.RESOLVED) === 0;
      for (let h = 0, off = oc.pathOff[q]; h < hc && fallback; h++, off += s) {
        if (!inList(idx.prefix(s, hopKey(oc.hops, off, s), false), id)) {
          err(`tx ${id}: hop ${h} of unresolved obs ${o} missing from the prefix index`);
        }
      }
      if (opts.resolvedOf) {
        const res = opts.resolvedOf(o);
        const usable = usableResolved(res, hc);
        if (usable !== ((oc.flags[q] & OBSF.RESOLVED) !== 0)) {
          err(`obs ${o}: resolved flag does not match the stored path`);
        }
        if (usable) { for (const k of res!) if (k >= 0) expect.set(k, (expect.get(k) ?? 0) + 1); }
      }
      o = oc.next[q];
    }
    chained += n;
    if (n !== c.obsCount[r]) err(`tx ${id}: obsCount ${c.obsCount[r]} but chain has ${n}`);
    if (observers.size !== c.observerCount[r]) err(`tx ${id}: observerCount mismatch`);
    if (n > 0 && c.bestObs[r] !== best) {
      err(`tx ${id}: best is ${c.bestObs[r]}, rule gives ${best}`);
    }
    if (n > 0 && c.lastSeen[r] < lastSeen) err(`tx ${id}: lastSeen behind its observations`);
    for (let i = c.memOff[r], e = i + c.memLen[r]; i < e; i++) {
      memPairs++;
      const node = c.memNode[i];
      if (c.memCnt[i] === 0) err(`tx ${id}: zero reference count for node ${node}`);
      if (!inList(idx.relay[node], id)) err(`tx ${id}: node ${node} missing from relay index`);
      if (opts.resolvedOf && expect.get(node) !== c.memCnt[i]) {
        err(`tx ${id}: node ${node} counted ${c.memCnt[i]}, stored paths give ${expect.get(node)}`);
      }
      expect.delete(node);
    }
    if (opts.resolvedOf && expect.size > 0) {
      err(`tx ${id}: nodes ${[...expect.keys()].join(",")} missing from membership`);
    }
  });
  if (chained !== liveObs) err(`${liveObs - chained} observation(s) outside every chain`);
  checked.membershipPairs = memPairs;
  for (let i = 0; i < obsPerObserver.length; i++) {
    if (obsPerObserver[i] !== core.observers.obsCount[i]) err(`observer ${i}: count mismatch`);
  }
  for (let t = 0; t < 16; t++) {
    if (obsPerType[t] !== idx.obsByType[t]) err(`type ${t}: observation count mismatch`);
  }
  if (core.hashes.size !== liveTx) err(`hash index holds ${core.hashes.size}, ${liveTx} live`);
  for (const id of core.hashes.ids()) if (core.txById.get(id) < 0) err(`hash index: orphan ${id}`);
  for (const id of core.oddHashes.keys()) {
    if (core.txById.get(id) < 0) err(`odd hash map: orphan ${id}`);
  }
  for (const id of core.resolvedCache.live.keys()) {
    if (core.obsById.get(id) < 0) err(`live window: orphan obs ${id}`);
  }
  checked.problems = problems;
  return { ok: problems === 0, errors, checked };
}
