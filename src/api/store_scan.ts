/**
 * Adapter over the packet store's columns for `/api/nodes/{pk}/paths`: picks,
 * per candidate transmission, the observation that shows the node, without
 * building per-observation objects (a node can have thousands of candidate
 * transmissions and the endpoint must answer in a few milliseconds).
 *
 * This is the only API module that reads store columns directly
 * (`txById`, `txs`, `obsById`, `obs`, `idx`); everything else uses the
 * store's methods. A store method returning the same candidates would
 * replace it.
 *
 * @module
 */

import type { PacketStore } from "../store/packet_store.ts";
import { OBS_CHUNK, OBSF } from "../store/obs_table.ts";
import { TX_CHUNK } from "../store/tx_table.ts";

const OBM = OBS_CHUNK - 1;
const TXM = TX_CHUNK - 1;
const ANY_SIZE = () => true;

/** One transmission through the node with the observation chosen to show it. */
export interface PathCandidate {
  txId: number;
  obsId: number;
  firstSeenMs: number;
  /** Bytes per hop and hop count of the chosen observation. */
  hashSize: number;
  hopCount: number;
  /** Binary-string key of the hop bytes (grouping key, not for display). */
  key: string;
  /** True when found through the exact resolved-hop index; false for unique-prefix matches. */
  resolved: boolean;
}

function startsWithPrefix(
  hops: Uint8Array,
  off: number,
  size: number,
  pk: Uint8Array,
): boolean {
  for (let b = 0; b < size; b++) if (hops[off + b] !== pk[b]) return false;
  return true;
}

/** Index of the first hop of an observation slot equal to the node's prefix, else -1. */
function prefixHop(store: PacketStore, os: number, pk: Uint8Array): number {
  const c = store.obs.chunk(os);
  const r = os & OBM;
  const size = c.hashSize[r];
  if (size === 0 || size > pk.length) return -1;
  const off = c.pathOff[r];
  for (let h = 0; h < c.hopCount[r]; h++) {
    if (startsWithPrefix(c.hops, off + h * size, size, pk)) return h;
  }
  return -1;
}

function keyOf(store: PacketStore, os: number): string {
  const c = store.obs.chunk(os);
  const r = os & OBM;
  const off = c.pathOff[r];
  const n = c.hopCount[r] * c.hashSize[r];
  let s = String.fromCharCode(c.hashSize[r]);
  for (let i = 0; i < n; i++) s += String.fromCharCode(c.hops[off + i]);
  return s;
}

/**
 * Candidate transmissions of node `nodeId` (public key bytes `pk`):
 * 1. every transmission in the exact resolved-hop membership index, shown by
 *    its longest resolved observation whose raw hops contain the node's prefix;
 * 2. for each hop size in `uniqueSizes` (sizes whose prefix of the key belongs
 *    to this node alone among relays), transmissions not found by (1) having an
 *    observation with no resolved hops at all whose raw hops contain the prefix.
 */
export function pathCandidates(
  store: PacketStore,
  nodeId: number,
  pk: Uint8Array,
  uniqueSizes: readonly number[],
): PathCandidate[] {
  const out: PathCandidate[] = [];
  const seen = new Set<number>();
  const list = store.idx.relay[nodeId];
  if (list) {
    for (const txId of list.view()) {
      seen.add(txId);
      const c = pick(store, txId, pk, true, ANY_SIZE);
      if (c) out.push(c);
    }
  }
  for (const size of uniqueSizes) {
    const key = size === 1
      ? pk[0]
      : size === 2
      ? (pk[0] << 8) | pk[1]
      : (pk[0] << 16) | (pk[1] << 8) | pk[2];
    const l = store.idx.prefix(size, key, false);
    if (!l) continue;
    for (const txId of l.view()) {
      if (seen.has(txId)) continue;
      const c = pick(store, txId, pk, false, size === 3 ? (s) => s >= 3 : (s) => s === size);
      if (c) {
        seen.add(txId);
        out.push(c);
      }
    }
  }
  return out;
}

/** Chooses the observation of `txId` that shows the node (see {@linkcode pathCandidates}). */
function pick(
  store: PacketStore,
  txId: number,
  pk: Uint8Array,
  resolved: boolean,
  sizeOk: (hashSize: number) => boolean,
): PathCandidate | null {
  const ts = store.txById.get(txId);
  if (ts < 0) return null;
  const tc = store.txs.chunk(ts);
  let best = -1;
  let bestSlot = -1;
  let bestHops = -1;
  let fallback = -1;
  let fallbackSlot = -1;
  let fallbackHops = -1;
  for (let o = tc.headObs[ts & TXM]; o >= 0;) {
    const os = store.obsById.get(o);
    const oc = store.obs.chunk(os);
    const r = os & OBM;
    const isResolved = (oc.flags[r] & OBSF.RESOLVED) !== 0;
    const hops = oc.hopCount[r];
    if (isResolved === resolved && hops > 0 && sizeOk(oc.hashSize[r])) {
      if (prefixHop(store, os, pk) >= 0) {
        if (hops > bestHops || (hops === bestHops && o < best)) {
          best = o;
          bestSlot = os;
          bestHops = hops;
        }
      } else if (resolved && (hops > fallbackHops || (hops === fallbackHops && o < fallback))) {
        fallback = o;
        fallbackSlot = os;
        fallbackHops = hops;
      }
    }
    o = oc.next[r];
  }
  if (best < 0 && resolved) {
    best = fallback;
    bestSlot = fallbackSlot;
  }
  if (best < 0) return null;
  const oc = store.obs.chunk(bestSlot);
  const r = bestSlot & OBM;
  return {
    txId,
    obsId: best,
    firstSeenMs: tc.firstSeen[ts & TXM],
    hashSize: oc.hashSize[r],
    hopCount: oc.hopCount[r],
    key: keyOf(store, bestSlot),
    resolved,
  };
}
