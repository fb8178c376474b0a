/**
 * The resolved-pubkey membership index, write side: adding an observation's
 * resolved hops (reference counted, per transmission), re-resolution, and the
 * raw-prefix fallback bookkeeping when an observation gains or loses its
 * resolved path. Works on a {@linkcode StoreCore}.
 *
 * @module
 */

import type { NodeDirectory } from "./node_directory.ts";
import type { StoreCore } from "./store_core.ts";
import { TX_CHUNK } from "./tx_table.ts";
import { OBS_CHUNK, OBSF } from "./obs_table.ts";
import { hopKey } from "./indexes.ts";
import { usableResolved } from "./codec.ts";
import { feedReach } from "./reach_feed.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/** Adds one reference per known hop of `ids[off, off + n)` to a transmission's membership. */
export function contribute(
  core: StoreCore,
  tslot: number,
  txId: number,
  ids: Int32Array,
  off: number,
  n: number,
  ms: number,
): void {
  const idx = core.idx;
  for (let i = off; i < off + n; i++) {
    const node = ids[i];
    if (node < 0) continue;
    if (core.txs.memAdd(tslot, node)) idx.relayList(node).add(txId);
    idx.touchRelay(node, ms);
  }
}

/**
 * Marks an observation resolved and takes its hops out of the raw-prefix
 * fallback index, except hops another unresolved observation of the same
 * transmission still has (recomputed from the retained hop bytes).
 */
export function leaveFallback(core: StoreCore, txId: number, tslot: number, os: number): void {
  const oc = core.obs.chunk(os);
  const or = os & OBM;
  oc.flags[or] |= OBSF.RESOLVED;
  const size = oc.hashSize[or];
  const cls = Math.min(size, 3);
  for (let h = 0, off = oc.pathOff[or]; h < oc.hopCount[or]; h++, off += size) {
    const k = hopKey(oc.hops, off, size);
    let kept = false;
    for (let o = core.txs.chunk(tslot).headObs[tslot & TXM]; o >= 0 && !kept;) {
      const s2 = core.obsById.get(o);
      const c2 = core.obs.chunk(s2);
      const r2 = s2 & OBM;
      const z = c2.hashSize[r2];
      if (!(c2.flags[r2] & OBSF.RESOLVED) && Math.min(z, 3) === cls) {
        for (let g = 0, q = c2.pathOff[r2]; g < c2.hopCount[r2] && !kept; g++, q += z) {
          kept = hopKey(c2.hops, q, z) === k;
        }
      }
      o = c2.next[r2];
    }
    if (!kept) core.idx.prefix(size, k, false)?.remove(txId);
  }
}

/**
 * Re-resolution (backfill): removes the contribution `oldIds` made when the
 * observation was indexed and adds `newIds`. Validates the old contribution
 * against the reference counts first and throws, changing nothing, when it
 * does not match what is indexed.
 */
export function replaceResolved(
  core: StoreCore,
  obsId: number,
  oldIds: Int32Array | null,
  newIds: Int32Array | null,
): void {
  const os = core.obsById.get(obsId);
  if (os < 0) throw new Error(`Cannot re-resolve observation ${obsId}: not in memory`);
  const oc = core.obs.chunk(os);
  const or = os & OBM;
  const hopCount = oc.hopCount[or];
  const txId = oc.tx[or];
  const tslot = core.txById.get(txId);
  const hadOld = (oc.flags[or] & OBSF.RESOLVED) !== 0;
  const oldOk = usableResolved(oldIds, hopCount);
  if (oldOk !== hadOld) {
    throw new Error(
      `Cannot re-resolve observation ${obsId}: old path ${oldOk ? "given" : "absent"} but ` +
        `${hadOld ? "one is" : "none is"} indexed`,
    );
  }
  if (oldOk) {
    const need = new Map<number, number>();
    for (const n of oldIds!) if (n >= 0) need.set(n, (need.get(n) ?? 0) + 1);
    for (const [n, k] of need) {
      if (core.txs.memCount(tslot, n) < k) {
        throw new Error(
          `Cannot re-resolve observation ${obsId}: node ${n} is not indexed ${k} time(s) ` +
            `for transmission ${txId}`,
        );
      }
    }
    for (const n of oldIds!) {
      if (n >= 0 && core.txs.memRemove(tslot, n)) core.idx.relay[n]?.remove(txId);
    }
    feedReach(core, os, oldIds!, 0, hopCount, -1);
  }
  const newOk = usableResolved(newIds, hopCount);
  if (newOk) {
    contribute(core, tslot, txId, newIds!, 0, hopCount, oc.ts[or]);
    feedReach(core, os, newIds!, 0, hopCount, 1);
    if (!hadOld) leaveFallback(core, txId, tslot, os);
  } else {
    oc.flags[or] &= ~OBSF.RESOLVED;
    if (hadOld && hopCount > 0) {
      core.idx.addHops(txId, oc.hops, oc.pathOff[or], hopCount, oc.hashSize[or]);
    }
  }
  core.resolvedCache.replace(obsId, newOk ? resolvedJson(core.nodes, newIds!, 0, hopCount) : null);
}

/** The decode-window output as the JSON stored in `resolved_path`. */
export function resolvedJson(
  nodes: NodeDirectory,
  ids: Int32Array,
  off: number,
  n: number,
): string {
  let s = "[";
  for (let i = off; i < off + n; i++) {
    if (i > off) s += ",";
    s += ids[i] >= 0 ? `"${nodes.keyOf(ids[i])}"` : "null";
  }
  return s + "]";
}
