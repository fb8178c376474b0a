/**
 * Adapter over the packet store's columns for `/api/nodes/{pk}/paths`: picks,
 * per candidate transmission, the observation that shows the node and groups
 * the candidates by hop signature in ONE pass over typed arrays, without
 * building per-observation objects (a busy relay has tens of thousands of
 * candidate transmissions with ~50 observations each, and the endpoint must
 * answer in a few milliseconds).
 *
 * This is the only API module that reads store columns directly
 * (`txById`, `txs`, `obsById`, `obs`, `idx`); everything else uses the
 * store's methods. A store method returning the same groups would replace it.
 *
 * @module
 */

import type { PacketStore } from "../store/packet_store.ts";
import { OBS_CHUNK, OBSF } from "../store/obs_table.ts";
import { TX_CHUNK } from "../store/tx_table.ts";

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
function prefixHop(store: PacketStore, os: number, pk: Uint8Array): number {
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
 * best observation when it has resolved hops (or none, for prefix matches) and
 * contains the prefix; otherwise the longest such observation; for resolved
 * candidates, any resolved observation as a last resort. Returns the slot, or -1.
 */
function choose(
  store: PacketStore,
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
    if ((bc.flags[br] & OBSF.RESOLVED) === want && sizeOk(bc.hashSize[br]) && prefixHop(store, bs, pk) >= 0) {
      return bs;
    }
  }
  let pick = -1;
  let pickHops = -1;
  let fallback = -1;
  let fallbackHops = -1;
  for (let o = tc.headObs[tr]; o >= 0;) {
    const os = store.obsById.get(o);
    const oc = store.obs.chunk(os);
    const r = os & OBM;
    const hops = oc.hopCount[r];
    if ((oc.flags[r] & OBSF.RESOLVED) === want && hops > 0 && sizeOk(oc.hashSize[r])) {
      // The chain runs newest first: `>=` keeps the oldest of equally long paths.
      if (hops >= pickHops && prefixHop(store, os, pk) >= 0) {
        pick = os;
        pickHops = hops;
      } else if (resolved && hops >= fallbackHops) {
        fallback = os;
        fallbackHops = hops;
      }
    }
    o = oc.next[r];
  }
  return pick >= 0 ? pick : fallback;
}

function signature(store: PacketStore, os: number, resolved: boolean): number {
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

function sameHops(store: PacketStore, a: number, b: number): boolean {
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

/**
 * Groups the transmissions through node `nodeId` (public key bytes `pk`) by
 * hop signature:
 * 1. every transmission of the exact resolved-hop membership index, shown by
 *    an observation with resolved hops whose raw hops contain the prefix;
 * 2. for each size in `uniqueSizes` (hop sizes whose prefix of the key belongs
 *    to this node alone among relays), transmissions not found by (1) with an
 *    observation that has no resolved hop at all and contains the prefix.
 */
export function pathGroups(
  store: PacketStore,
  nodeId: number,
  pk: Uint8Array,
  uniqueSizes: readonly number[],
  limit: number,
): PathGroups {
  const lists: { ids: Int32Array; resolved: boolean; sizeOk: (s: number) => boolean }[] = [];
  const relay = store.idx.relay[nodeId];
  if (relay) lists.push({ ids: relay.view(), resolved: true, sizeOk: () => true });
  for (const size of uniqueSizes) {
    const key = size === 1 ? pk[0] : size === 2 ? (pk[0] << 8) | pk[1] : (pk[0] << 16) | (pk[1] << 8) | pk[2];
    const l = store.idx.prefix(size, key, false);
    if (l) lists.push({ ids: l.view(), resolved: false, sizeOk: size === 3 ? (s) => s >= 3 : (s) => s === size });
  }
  const cap = lists.reduce((n, l) => n + l.ids.length, 0);
  const gCount = new Int32Array(cap);
  const gLast = new Float64Array(cap);
  const gRep = new Int32Array(cap);
  const gNext = new Int32Array(cap);
  const gResolved = new Uint8Array(cap);
  const gTx = new Int32Array(cap * GROUP_MEMBERS);
  const gObs = new Int32Array(cap * GROUP_MEMBERS);
  const gFs = new Float64Array(cap * GROUP_MEMBERS).fill(-Infinity);
  const bySig = new Map<number, number>();
  let groups = 0;
  let total = 0;
  let prefixOnly = 0;
  const seen = relay && lists.length > 1 ? relay : null;
  for (const l of lists) {
    for (let k = 0; k < l.ids.length; k++) {
      const txId = l.ids[k];
      if (!l.resolved && seen && seen.has(txId)) continue;
      const ts = store.txById.get(txId);
      if (ts < 0) continue;
      const os = choose(store, ts, pk, l.resolved, l.sizeOk);
      if (os < 0) continue;
      total++;
      if (!l.resolved) prefixOnly++;
      const sig = signature(store, os, l.resolved);
      let g = bySig.get(sig) ?? -1;
      while (g >= 0 && !(gResolved[g] === (l.resolved ? 1 : 0) && sameHops(store, gRep[g], os))) g = gNext[g];
      if (g < 0) {
        g = groups++;
        gRep[g] = os;
        gResolved[g] = l.resolved ? 1 : 0;
        gNext[g] = bySig.get(sig) ?? -1;
        bySig.set(sig, g);
      }
      const fs = store.txs.chunk(ts).firstSeen[ts & TXM];
      gCount[g]++;
      if (fs > gLast[g]) gLast[g] = fs;
      // Keep the GROUP_MEMBERS most recent members, most recent first.
      const base = g * GROUP_MEMBERS;
      if (fs > gFs[base + GROUP_MEMBERS - 1]) {
        let i = GROUP_MEMBERS - 1;
        while (i > 0 && fs > gFs[base + i - 1]) {
          gFs[base + i] = gFs[base + i - 1];
          gTx[base + i] = gTx[base + i - 1];
          gObs[base + i] = gObs[base + i - 1];
          i--;
        }
        gFs[base + i] = fs;
        gTx[base + i] = txId;
        gObs[base + i] = store.obs.chunk(os).id[os & OBM];
      }
    }
  }
  const order = topGroups(gLast, gCount, groups, limit);
  const top = order.map((g): PathGroup => {
    const members: GroupMember[] = [];
    for (let i = 0; i < GROUP_MEMBERS; i++) {
      const b = g * GROUP_MEMBERS + i;
      if (gFs[b] === -Infinity) break;
      members.push({ txId: gTx[b], obsId: gObs[b], firstSeenMs: gFs[b] });
    }
    return { resolved: gResolved[g] === 1, count: gCount[g], lastMs: gLast[g], members };
  });
  return { top, totalGroups: groups, totalTransmissions: total, prefixTransmissions: prefixOnly };
}

/** Indexes of the `limit` groups with the latest `last` (then the largest count), in order. */
function topGroups(last: Float64Array, count: Int32Array, n: number, limit: number): number[] {
  const better = (a: number, b: number) => last[a] > last[b] || (last[a] === last[b] && count[a] > count[b]);
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
