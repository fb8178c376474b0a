/**
 * Exact removal of transmissions (eviction): every index entry a transmission
 * owns is found through its reverse maps (membership block, observation
 * chain, hop bytes, columns) and the touched lists are filtered once, so no
 * orphan id remains anywhere.
 *
 * @module
 */

import type { IdList } from "./id_list.ts";
import { type HashKey, hashText, parseHashKey } from "./hash_index.ts";
import { hopKey } from "./indexes.ts";
import { OBS_CHUNK } from "./obs_table.ts";
import { TX_CHUNK, TXF } from "./tx_table.ts";
import type { StoreCore } from "./store_core.ts";
import { reachRemove } from "./reach_feed.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/**
 * Removes transmissions with all their observations and every index entry
 * they own, found through the reverse maps (membership blocks, observation
 * chains, hop bytes). Returns the number of observations removed.
 */
export function removeTransmissions(
  core: StoreCore,
  txIds: Iterable<number>,
): { tx: number; obs: number } {
  const ids = [...txIds];
  reachRemove(core, ids);
  const touched = new Set<IdList>();
  const key: HashKey = { ok: false, hi: 0, lo: 0, lower: "" };
  const idx = core.idx;
  const dead: number[] = [];
  const deadIds: number[] = [];
  let nobs = 0;
  for (const id of ids) {
    const slot = core.txById.get(id);
    if (slot < 0) continue;
    const c = core.txs.chunk(slot);
    const r = slot & TXM;
    const type = (c.header[r] >> 2) & 15;
    touched.add(idx.byType[type]);
    if (c.channel[r]) touched.add(idx.channel(c.channel[r]));
    if (c.fromNode[r] >= 0) touched.add(idx.sender(c.fromNode[r]));
    if (c.src[r] >= 0) touched.add(idx.src(c.src[r]));
    if (c.dest[r] >= 0) touched.add(idx.dest(c.dest[r]));
    for (let i = c.memOff[r], e = i + c.memLen[r]; i < e; i++) {
      touched.add(idx.relayList(c.memNode[i]));
    }
    for (let o = c.headObs[r]; o >= 0;) {
      const os = core.obsById.get(o);
      const oc = core.obs.chunk(os);
      const or = os & OBM;
      touched.add(idx.observer(oc.observer[or]));
      const size = oc.hashSize[or];
      for (let h = 0, off = oc.pathOff[or]; h < oc.hopCount[or]; h++, off += size) {
        const l = idx.prefix(size, hopKey(oc.hops, off, size), false);
        if (l) touched.add(l);
      }
      core.observers.obsCount[oc.observer[or]]--;
      idx.obsByType[type]--;
      const next = oc.next[or];
      core.obsById.delete(o);
      core.resolvedCache.forget(o);
      core.obs.free(os);
      nobs++;
      o = next;
    }
    const odd = c.flags[r] & TXF.ODD_HASH ? core.oddHashes.get(id) : undefined;
    if (odd !== undefined) core.oddHashes.delete(id);
    core.hashes.remove(
      parseHashKey(odd ?? hashText(c.hashHi[r], c.hashLo[r]), key),
      id,
    );
    dead.push(slot);
    deadIds.push(id);
    core.txById.delete(id);
  }
  for (const slot of dead) core.txs.free(slot);
  deadIds.sort((x, y) => x - y);
  for (const l of touched) l.removeSorted(deadIds);
  return { tx: dead.length, obs: nobs };
}
