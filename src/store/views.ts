/**
 * Plain objects built per request from the columns (pages are small, so
 * allocating here is fine; nothing here is retained by the store).
 *
 * @module
 */

import { bytesHex, HEX_UP } from "./codec.ts";
import { hashText } from "./hash_index.ts";
import { OBS_CHUNK } from "./obs_table.ts";
import { TX_CHUNK, TXF } from "./tx_table.ts";
import type { StoreCore } from "./store_core.ts";
import type { GroupedRow, ObservationView, TransmissionView } from "./types.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/** A Float32 column value back as the number it was stored from (NaN -> null). */
export function f32(v: number): number | null {
  if (Number.isNaN(v)) return null;
  return Number.isInteger(v) ? v : Number(v.toPrecision(7));
}

/** The stored hash of a live transmission slot. */
export function txHash(core: StoreCore, slot: number): string {
  const c = core.txs.chunk(slot);
  const r = slot & TXM;
  if (c.flags[r] & TXF.ODD_HASH) return core.oddHashes.get(c.id[r]) as string;
  return hashText(c.hashHi[r], c.hashLo[r]);
}

/** Uppercase hop strings of an observation slot. */
export function hopStrings(core: StoreCore, slot: number): string[] {
  const c = core.obs.chunk(slot);
  const r = slot & OBM;
  const size = c.hashSize[r];
  const out: string[] = [];
  for (let h = 0, off = c.pathOff[r]; h < c.hopCount[r]; h++, off += size) {
    out.push(size === 1 ? HEX_UP[c.hops[off]] : bytesHex(c.hops, off, off + size));
  }
  return out;
}

/** Observation view of a live observation id, or null. */
export function observationView(core: StoreCore, obsId: number): ObservationView | null {
  const slot = core.obsById.get(obsId);
  if (slot < 0) return null;
  const c = core.obs.chunk(slot);
  const r = slot & OBM;
  const o = c.observer[r];
  return {
    id: obsId,
    txId: c.tx[r],
    observerId: core.observers.ids[o],
    observerName: core.observers.names[o],
    observerIata: core.observers.iatas[o],
    direction: core.directions.get(c.dir[r]),
    snr: f32(c.snr[r]),
    rssi: f32(c.rssi[r]),
    score: f32(c.score[r]),
    timestampMs: c.ts[r],
    hops: hopStrings(core, slot),
    hashSize: c.hashSize[r],
  };
}

/** Observation ids of a transmission slot, oldest (first stored) first. */
export function observationIds(core: StoreCore, slot: number): number[] {
  const c = core.txs.chunk(slot);
  const ids: number[] = [];
  for (let o = c.headObs[slot & TXM]; o >= 0;) {
    ids.push(o);
    const os = core.obsById.get(o);
    o = core.obs.chunk(os).next[os & OBM];
  }
  return ids.reverse();
}

/** Transmission view of a live transmission id, or null. */
export function transmissionView(
  core: StoreCore,
  txId: number,
  withObservations = false,
): TransmissionView | null {
  const slot = core.txById.get(txId);
  if (slot < 0) return null;
  const c = core.txs.chunk(slot);
  const r = slot & TXM;
  const h = c.header[r];
  const flags = c.flags[r];
  const off = c.rawOff[r];
  const view: TransmissionView = {
    id: txId,
    hash: txHash(core, slot),
    rawHex: bytesHex(c.raw, off, off + c.rawLen[r], (flags & TXF.RAW_LOWER) !== 0),
    firstSeenMs: c.firstSeen[r],
    lastSeenMs: c.lastSeen[r],
    routeType: h & 3,
    payloadType: (h >> 2) & 15,
    payloadVersion: flags & TXF.VERSION_NULL ? null : h >> 6,
    channel: core.channels.get(c.channel[r]),
    scopeName: core.scopes.get(c.scope[r]),
    fromPubkey: c.fromNode[r] >= 0 ? core.nodes.keyOf(c.fromNode[r]) : null,
    srcHash: c.src[r] >= 0 ? c.src[r] : null,
    destHash: c.dest[r] >= 0 ? c.dest[r] : null,
    observationCount: c.obsCount[r],
    observerCount: c.observerCount[r],
    best: c.bestObs[r] >= 0 ? observationView(core, c.bestObs[r]) : null,
  };
  if (withObservations) {
    view.observations = observationIds(core, slot).map((o) =>
      observationView(core, o) as ObservationView
    );
  }
  return view;
}

/** Grouped-by-hash row of a live transmission id, or null. */
export function groupedRow(core: StoreCore, txId: number): GroupedRow | null {
  const v = transmissionView(core, txId) as GroupedRow | null;
  if (v === null) return null;
  const slot = core.txById.get(txId);
  const iatas = new Set<string>();
  for (let o = core.txs.chunk(slot).headObs[slot & TXM]; o >= 0;) {
    const os = core.obsById.get(o);
    const oc = core.obs.chunk(os);
    const iata = core.observers.iatas[oc.observer[os & OBM]];
    if (iata) iatas.add(iata);
    o = oc.next[os & OBM];
  }
  v.distinctIatas = [...iatas].sort();
  return v;
}
