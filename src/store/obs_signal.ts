/**
 * Allocation-free walk over the observations of one transmission, for
 * aggregates that read only the signal columns (SNR, RSSI, time, observer):
 * no observation object is built, unlike `getByTxId(id, true)`.
 *
 * @module
 */

import { OBS_CHUNK } from "./obs_table.ts";
import { TX_CHUNK } from "./tx_table.ts";
import type { StoreCore } from "./store_core.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/**
 * Called per observation; `snr` / `rssi` are NaN when null, `iata` null when
 * unknown, `observer` the interned observer index (see {@linkcode observerOf}).
 */
export type SignalVisitor = (
  snr: number,
  rssi: number,
  tsMs: number,
  iata: string | null,
  observer: number,
) => void;

/** Id and name of an interned observer index (nulls for the unknown observer). */
export function observerOf(
  core: StoreCore,
  index: number,
): { id: string | null; name: string | null } {
  return { id: core.observers.ids[index] ?? null, name: core.observers.names[index] ?? null };
}

/**
 * Visits every live observation of transmission `txId` (newest first).
 * Returns the number visited (0 for an unknown transmission).
 */
export function visitObservationSignals(
  core: StoreCore,
  txId: number,
  visit: SignalVisitor,
): number {
  const slot = core.txById.get(txId);
  if (slot < 0) return 0;
  let n = 0;
  for (let o = core.txs.chunk(slot).headObs[slot & TXM]; o >= 0;) {
    const os = core.obsById.get(o);
    if (os < 0) break;
    const c = core.obs.chunk(os);
    const r = os & OBM;
    const idx = c.observer[r];
    visit(c.snr[r], c.rssi[r], c.ts[r], core.observers.iatas[idx] ?? null, idx);
    n++;
    o = c.next[r];
  }
  return n;
}
