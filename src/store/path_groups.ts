/**
 * Path groups through a node (for `/api/nodes/{pk}/paths`): picks,
 * per candidate transmission, the observation that shows the node and groups
 * the candidates by hop signature in ONE pass over typed arrays, without
 * building per-observation objects (a busy relay has tens of thousands of
 * candidate transmissions with ~50 observations each, and the endpoint must
 * answer in a few milliseconds).
 *
 * It lives in the store because it reads the store's columns (`txById`,
 * `txs`, `obsById`, `obs`, `idx`); the API only sees the groups.
 *
 * @module
 */

import type { StoreCore } from "./store_core.ts";
import { OBS_CHUNK, OBSF } from "./obs_table.ts";
import { TX_CHUNK } from "./tx_table.ts";

const OBM = OBS_CHUNK - 1;
const TXM = TX_CHUNK - 1;

/** Most recent members remembered per group (for representatives and their fallbacks). */
export const GROUP_MEMBERS = 5;

/** One member of a group: a transmission and the observation chosen to show it. */
export interface GroupMember {
  txId: number;
  obsId: number;
  firstSeenMs: number;
}

/** One hop signature through the node. */
export interface PathGroup {
  /** True for groups found through the exact resolved-hop index. */
  resolved: boolean;
  count: number;
  lastMs: number;
  /** Up to {@linkcode GROUP_MEMBERS} members, most recent first. */
  members: GroupMember[];
}

/** Result of {@linkcode pathGroups}. */
export interface PathGroups {
  /** The top groups by last seen (then count), at most `limit`. */
  top: PathGroup[];
  totalGroups: number;
  totalTransmissions: number;
  /** Transmissions matched by a unique raw prefix only. */
  prefixTransmissions: number;
}

/** Index of the first hop of observation slot `os` equal to the node's prefix, else -1. */
function prefixHop(store: StoreCore, os: number, pk: Uint8Array): number {
  const c = store.obs.chunk(os);
  const r = os & OBM;
  const size = c.hashSize[r];
  if (size === 0 || size > pk.length) return -1;
  const hops = c.hops;
  const p0 = pk[0];
  for (let h = 0, off = c.pathOff[r]; h < c.hopCount[r]; h++, off += size) {
    if (hops[off] !== p0) continue;
    let b = 1;
    while (b < size && hops[off + b] === pk[b]) b++;
    if (b === size) return h;
  }
  return -1;
}

/**
 * Chooses the observation of transmission slot `ts` that shows the node: the
 * best (longest) observation when it has resolved hops (none, for prefix
 * matches) and contains the prefix; otherwise the newest such observation; for
 * resolved candidates, the newest resolved observation as a last resort.
 * Returns the slot, or -1.
 */
function choose(
  store: StoreCore,
  ts: number,
  pk: Uint8Array,
  resolved: boolean,
  sizeOk: (s: number) => boolean,
): number {
  const tc = store.txs.chunk(ts);
  const tr = ts & TXM;
  const want = resolved ? OBSF.RESOLVED : 0;
  const best = tc.bestObs[tr];
  if (best >= 0) {
    const bs = store.obsById.get(best);
    const bc = store.obs.chunk(bs);
    const br = bs & OBM;
    if (
      (bc.flags[br] & OBSF.RESOLVED) === want && sizeOk(bc.hashSize[br]) &&
      prefixHop(store, bs, pk) >= 0
    ) {
      return bs;
    }
  }
  let fallback = -1;
  for (let o = tc.headObs[tr]; o >= 0;) {
    const os = store.obsById.get(o);
    const oc = store.obs.chunk(os);
    const r = os & OBM;
    if ((oc.flags[r] & OBSF.RESOLVED) === want && oc.hopCount[r] > 0 && sizeOk(oc.hashSize[r])) {
      // The chain runs newest first: the newest observation showing the prefix wins.
      if (prefixHop(store, os, pk) >= 0) return os;
      if (resolved && fallback < 0) fallback = os;
    }
    o = oc.next[r];
  }
  return fallback;
}

function signature(store: StoreCore, os: number, resolved: boolean): number {
  const c = store.obs.chunk(os);
  const r = os & OBM;
  const n = c.hopCount[r] * c.hashSize[r];
  let h = (0x811c9dc5 ^ (c.hashSize[r] | (resolved ? 0x100 : 0))) >>> 0;
  h = Math.imul(h, 0x01000193);
  const hops = c.hops;
  for (let i = 0, off = c.pathOff[r]; i < n; i++) {
    h = Math.imul(h ^ hops[off + i], 0x01000193);
  }
  return h >>> 0;
}

function sameHops(store: StoreCore, a: number, b: number): boolean {
  const ca = store.obs.chunk(a);
  const cb = store.obs.chunk(b);
  const ra = a & OBM;
  const rb = b & OBM;
  const n = ca.hopCount[ra] * ca.hashSize[ra];
  if (n !== cb.hopCount[rb] * cb.hashSize[rb] || ca.hashSize[ra] !== cb.hashSize[rb]) return false;
  for (let i = 0, oa = ca.pathOff[ra], ob = cb.pathOff[rb]; i < n; i++) {
    if (ca.hops[oa + i] !== cb.hops[ob + i]) return false;
  }
  return true;
}

/** One candidate list: the node's resolved-hop index, or a unique raw-prefix list. */
interface CandidateList {
  ids: Int32Array;
  resolved: boolean;
  sizeOk: (s: number) => boolean;
}

function candidateLists(
  store: StoreCore,
  nodeId: number,
  pk: Uint8Array,
  uniqueSizes: readonly number[],
): CandidateList[] {
  const lists: CandidateList[] = [];
  const relay = store.idx.relay[nodeId];
  if (relay) lists.push({ ids: relay.view(), resolved: true, sizeOk: () => true });
  for (const size of uniqueSizes) {
    const key = size === 1
      ? pk[0]
      : size === 2
      ? (pk[0] << 8) | pk[1]
      : (pk[0] << 16) | (pk[1] << 8) | pk[2];
    const l = store.idx.prefix(size, key, false);
    if (l) {
      lists.push({
        ids: l.view(),
        resolved: false,
        sizeOk: size === 3 ? (s) => s >= 3 : (s) => s === size,
      });
    }
  }
  return lists;
}

/**
 * The hop-signature groups of the transmissions through one node, kept up to
 * date incrementally: {@linkcode NodePathIndex.update} scans only candidates it
 * has not seen (each needs a walk over the transmission's observations), and
 * reports when a candidate disappeared (eviction, re-resolution) so the caller
 * rebuilds. Candidates:
 * 1. every transmission of the exact resolved-hop membership index, shown by
 *    an observation with resolved hops whose raw hops contain the prefix;
 * 2. for each size in `uniqueSizes` (hop sizes whose prefix of the key belongs
 *    to this node alone among relays), transmissions not found by (1) with an
 *    observation that has no resolved hop at all and contains the prefix.
 */
export class NodePathIndex {
  readonly nodeId: number;
  readonly uniqueKey: string;
  readonly #store: StoreCore;
  readonly #pk: Uint8Array;
  readonly #unique: readonly number[];
  readonly #seen = new Set<number>();
  readonly #bySig = new Map<number, number>();
  #count: number[] = [];
  #last: number[] = [];
  #rep: number[] = [];
  #next: number[] = [];
  #resolved: boolean[] = [];
  #memTx: number[] = [];
  #memObs: number[] = [];
  #memFs: number[] = [];
  #total = 0;
  #prefixOnly = 0;

  /** An empty index for `nodeId` (key bytes `pk`); call {@linkcode update} next. */
  constructor(store: StoreCore, nodeId: number, pk: Uint8Array, uniqueSizes: readonly number[]) {
    this.#store = store;
    this.nodeId = nodeId;
    this.#pk = pk;
    this.#unique = uniqueSizes;
    this.uniqueKey = uniqueSizes.join(",");
  }

  /**
   * Adds the candidates not seen yet. Returns false when a candidate seen
   * before is gone (the index must then be rebuilt).
   */
  update(): boolean {
    const store = this.#store;
    const lists = candidateLists(store, this.nodeId, this.#pk, this.#unique);
    const relay = lists[0]?.resolved ? store.idx.relay[this.nodeId] : undefined;
    let hits = 0;
    const prefixSeen = new Set<number>();
    for (const l of lists) {
      for (let k = 0; k < l.ids.length; k++) {
        const txId = l.ids[k];
        if (!l.resolved) {
          // A transmission can sit in several prefix lists; count it once.
          if ((relay && relay.has(txId)) || prefixSeen.has(txId)) continue;
          prefixSeen.add(txId);
        }
        if (this.#seen.has(txId)) {
          hits++;
          continue;
        }
        this.#seen.add(txId);
        hits++;
        this.#add(txId, l);
      }
    }
    return hits === this.#seen.size;
  }

  #add(txId: number, l: CandidateList): void {
    const store = this.#store;
    const ts = store.txById.get(txId);
    if (ts < 0) return;
    const os = choose(store, ts, this.#pk, l.resolved, l.sizeOk);
    if (os < 0) return;
    this.#total++;
    if (!l.resolved) this.#prefixOnly++;
    const sig = signature(store, os, l.resolved);
    let g = this.#bySig.get(sig) ?? -1;
    while (g >= 0 && !(this.#resolved[g] === l.resolved && sameHops(store, this.#rep[g], os))) {
      g = this.#next[g];
    }
    if (g < 0) {
      g = this.#count.length;
      this.#count.push(0);
      this.#last.push(0);
      this.#rep.push(os);
      this.#resolved.push(l.resolved);
      this.#next.push(this.#bySig.get(sig) ?? -1);
      this.#bySig.set(sig, g);
      for (let i = 0; i < GROUP_MEMBERS; i++) {
        this.#memTx.push(-1);
        this.#memObs.push(-1);
        this.#memFs.push(-Infinity);
      }
    }
    const fs = store.txs.chunk(ts).firstSeen[ts & TXM];
    this.#count[g]++;
    if (fs > this.#last[g]) this.#last[g] = fs;
    // Keep the GROUP_MEMBERS most recent members, most recent first.
    const base = g * GROUP_MEMBERS;
    const mf = this.#memFs;
    if (fs <= mf[base + GROUP_MEMBERS - 1]) return;
    let i = GROUP_MEMBERS - 1;
    while (i > 0 && fs > mf[base + i - 1]) {
      mf[base + i] = mf[base + i - 1];
      this.#memTx[base + i] = this.#memTx[base + i - 1];
      this.#memObs[base + i] = this.#memObs[base + i - 1];
      i--;
    }
    mf[base + i] = fs;
    this.#memTx[base + i] = txId;
    this.#memObs[base + i] = store.obs.chunk(os).id[os & OBM];
  }

  /** The groups so far: the `limit` latest (then largest) and the totals. */
  result(limit: number): PathGroups {
    const order = topGroups(this.#last, this.#count, this.#count.length, limit);
    const top = order.map((g): PathGroup => {
      const members: GroupMember[] = [];
      for (let i = 0; i < GROUP_MEMBERS; i++) {
        const b = g * GROUP_MEMBERS + i;
        if (this.#memFs[b] === -Infinity) break;
        members.push({ txId: this.#memTx[b], obsId: this.#memObs[b], firstSeenMs: this.#memFs[b] });
      }
      return { resolved: this.#resolved[g], count: this.#count[g], lastMs: this.#last[g], members };
    });
    return {
      top,
      totalGroups: this.#count.length,
      totalTransmissions: this.#total,
      prefixTransmissions: this.#prefixOnly,
    };
  }
}

/** One-shot grouping (see {@linkcode NodePathIndex}). */
export function pathGroups(
  store: StoreCore,
  nodeId: number,
  pk: Uint8Array,
  uniqueSizes: readonly number[],
  limit: number,
): PathGroups {
  const idx = new NodePathIndex(store, nodeId, pk, uniqueSizes);
  idx.update();
  return idx.result(limit);
}

/** Indexes of the `limit` groups with the latest `last` (then the largest count), in order. */
function topGroups(
  last: readonly number[],
  count: readonly number[],
  n: number,
  limit: number,
): number[] {
  const better = (a: number, b: number) =>
    last[a] > last[b] || (last[a] === last[b] && count[a] > count[b]);
  const top: number[] = [];
  for (let g = 0; g < n; g++) {
    if (top.length === limit && !better(g, top[top.length - 1])) continue;
    let i = top.length < limit ? top.length : limit - 1;
    if (top.length < limit) top.push(g);
    while (i > 0 && better(g, top[i - 1])) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = g;
  }
  return top;
}
