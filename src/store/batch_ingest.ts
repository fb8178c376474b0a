/**
 * Feeds packed batches ({@linkcode PackedBatch}) to the store with one reused
 * {@linkcode ObservationInput} and no per-observation allocation: hop bytes
 * and resolved ids are passed as offsets into the batch's arrays
 * (`StoreCore.ingest`), read during the call and dropped with the batch.
 *
 * @module
 */

import type { PacketStore } from "./packet_store.ts";
import { ADD } from "./store_core.ts";
import { BTX, type PackedBatch } from "./load_batch.ts";
import type { ObservationInput } from "./types.ts";
import { pathByteOffset } from "./codec.ts";

/** An observer row by `observers.rowid`. */
export interface ObserverRow {
  id: string;
  name: string | null;
  iata: string | null;
}

/** Ingests loaded batches into a store, counting what happened. */
export class BatchIngest {
  txNew = 0;
  obsNew = 0;
  resolvedPaths = 0;
  resolvedOnLoad = 0;
  badPaths = 0;
  private readonly store: PacketStore;
  private readonly observers: Map<number, ObserverRow>;
  private readonly rec: ObservationInput;

  constructor(store: PacketStore, observers: Map<number, ObserverRow>) {
    this.store = store;
    this.observers = observers;
    this.rec = {
      txId: 0,
      hash: "",
      raw: new Uint8Array(0),
      rawHexLower: false,
      firstSeenMs: 0,
      routeType: 0,
      payloadType: 0,
      payloadVersion: null,
      channel: null,
      fromNodeId: -1,
      srcHash: -1,
      destHash: -1,
      scopeName: null,
      obsId: 0,
      observerId: null,
      observerName: null,
      observerIata: null,
      direction: null,
      snr: null,
      rssi: null,
      score: null,
      timestampMs: 0,
      pathBytes: new Uint8Array(0),
      hashSize: 0,
      hopCount: 0,
    };
  }

  #fillTx(b: PackedBatch, i: number): boolean {
    const rec = this.rec;
    const h = b.header[i];
    const f = b.txFlags[i];
    rec.txId = b.txId[i];
    rec.hash = b.hash[i];
    rec.raw = b.raw.subarray(b.rawOff[i], b.rawOff[i] + b.rawLen[i]);
    rec.rawHexLower = (f & BTX.RAW_LOWER) !== 0;
    rec.firstSeenMs = b.firstSeen[i];
    rec.routeType = h & 3;
    rec.payloadType = (h >> 2) & 15;
    rec.payloadVersion = f & BTX.VERSION_NULL ? null : h >> 6;
    rec.channel = b.channel[i] === 0 ? null : b.strings[b.channel[i] - 1];
    rec.scopeName = b.scope[i] === 0 ? null : b.strings[b.scope[i] - 1];
    rec.fromNodeId = b.from[i];
    rec.srcHash = b.src[i];
    rec.destHash = b.dest[i];
    return (f & BTX.BAD_TIME) === 0;
  }

  /** Adds one batch: every transmission with its observations (both in ascending id). */
  add(b: PackedBatch, resolveMissing?: (obs: ObservationInput) => Int32Array | null): void {
    const store = this.store;
    const rec = this.rec;
    this.badPaths += b.badPaths;
    let j = 0;
    for (let i = 0; i < b.ntx; i++) {
      const txId = b.txId[i];
      const ok = this.#fillTx(b, i);
      let any = false;
      for (; j < b.n && b.tx[j] === txId; j++) {
        if (!ok) continue;
        any = true;
        rec.obsId = b.id[j];
        const o = b.observer[j] < 0 ? undefined : this.observers.get(b.observer[j]);
        rec.observerId = o?.id ?? null;
        rec.observerName = o?.name ?? null;
        rec.observerIata = o?.iata ?? null;
        rec.direction = b.dir[j] === 0 ? null : b.strings[b.dir[j] - 1];
        rec.snr = Number.isNaN(b.snr[j]) ? null : b.snr[j];
        rec.rssi = Number.isNaN(b.rssi[j]) ? null : b.rssi[j];
        rec.score = Number.isNaN(b.score[j]) ? null : b.score[j];
        rec.timestampMs = b.ts[j];
        const hc = b.hopCount[j];
        rec.hopCount = hc;
        if (hc > 0) rec.hashSize = b.hashSize[j];
        else {
          const pb = pathByteOffset(rec.raw);
          rec.hashSize = pb < 0 ? 0 : (rec.raw[pb] >> 6) + 1;
        }
        const ro = b.resOff[j];
        let flags: number;
        if (ro >= 0) {
          this.resolvedPaths++;
          flags = store.ingest(rec, b.hops, b.pathOff[j], b.res, ro, hc, false);
        } else if (hc > 0 && resolveMissing) {
          rec.pathBytes = b.hops.subarray(b.pathOff[j], b.pathOff[j] + hc * b.hashSize[j]);
          const r = resolveMissing(rec);
          if (r !== null) this.resolvedOnLoad++;
          flags = store.ingest(rec, b.hops, b.pathOff[j], r, 0, r?.length ?? 0, false);
        } else {
          flags = store.ingest(rec, b.hops, b.pathOff[j], null, 0, 0, false);
        }
        if (flags & ADD.OBS_NEW) this.obsNew++;
        if (flags & ADD.TX_NEW) this.txNew++;
      }
      if (ok && !any && store.ensureTransmission(rec).txNew) this.txNew++;
    }
  }
}
