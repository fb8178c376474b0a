/**
 * Feeds loaded rows to the store: transmission rows (SQL objects) plus their
 * packed observations ({@linkcode PackedObs}). One reused
 * {@linkcode ObservationInput} and scratch buffers; the resolved ids of each
 * observation are handed to `addObservation` and dropped (decode window).
 *
 * @module
 */

import type { NodeDirectory } from "./node_directory.ts";
import type { PacketStore } from "./packet_store.ts";
import type { PackedObs } from "./obs_batch.ts";
import type { ObservationInput } from "./types.ts";
import { bytesHex, hexInto, isLowerHex, pathByteOffset, payloadOffset } from "./codec.ts";

/** Payload types whose payload starts with dest(1) src(1). */
const DEST_SRC = [true, true, true, false, false, false, false, false, true];

/** An observer row by `observers.rowid`. */
export interface ObserverRow {
  id: string;
  name: string | null;
  iata: string | null;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** Ingests loaded batches into a store, counting what happened. */
export class BatchIngest {
  txNew = 0;
  obsNew = 0;
  resolvedPaths = 0;
  resolvedOnLoad = 0;
  badPaths = 0;
  private readonly store: PacketStore;
  private readonly nodes: NodeDirectory;
  private readonly observers: Map<number, ObserverRow>;
  private readonly rawBuf = new Uint8Array(4096);
  private readonly resBuf = new Int32Array(1024);
  private readonly rec: ObservationInput;

  constructor(store: PacketStore, nodes: NodeDirectory, observers: Map<number, ObserverRow>) {
    this.store = store;
    this.nodes = nodes;
    this.observers = observers;
    this.rec = {
      txId: 0,
      hash: "",
      raw: this.rawBuf,
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

  /** Fills the transmission fields of the shared input from a SQL row; false if unusable. */
  fillTx(t: Record<string, unknown>): boolean {
    const rec = this.rec;
    const hex = String(t.raw_hex ?? "").replace(/[\s]+/g, "");
    const n = hexInto(hex, this.rawBuf);
    const raw = n < 0 ? new Uint8Array(0) : this.rawBuf.subarray(0, n);
    rec.txId = Number(t.id);
    rec.hash = String(t.hash);
    rec.raw = raw;
    rec.rawHexLower = isLowerHex(hex);
    rec.firstSeenMs = Date.parse(String(t.first_seen));
    rec.routeType = t.route_type === null ? (raw[0] ?? 0) & 3 : Number(t.route_type);
    rec.payloadType = t.payload_type === null ? ((raw[0] ?? 0) >> 2) & 15 : Number(t.payload_type);
    rec.payloadVersion = num(t.payload_version);
    rec.channel = t.channel_hash === null ? null : String(t.channel_hash);
    rec.scopeName = t.scope_name === null || t.scope_name === undefined
      ? null
      : String(t.scope_name);
    const po = n < 0 ? -1 : payloadOffset(raw);
    const from = t.from_pubkey ? String(t.from_pubkey) : null;
    rec.fromNodeId = from
      ? this.nodes.intern(from)
      : rec.payloadType === 4 && po >= 0 && n - po >= 32
      ? this.nodes.intern(bytesHex(raw, po, po + 32, true))
      : -1;
    rec.srcHash = -1;
    rec.destHash = -1;
    if (po >= 0 && DEST_SRC[rec.payloadType] && n - po >= 2) {
      rec.destHash = raw[po];
      rec.srcHash = raw[po + 1];
    } else if (po >= 0 && rec.payloadType === 7 && n - po >= 1) {
      rec.destHash = raw[po];
    }
    return Number.isFinite(rec.firstSeenMs);
  }

  /**
   * Adds transmissions `rows` (ascending or descending ids) and their
   * observations `b` (ascending transmission id), then the rows without any
   * observation.
   */
  add(
    rows: Record<string, unknown>[],
    b: PackedObs,
    resolveMissing?: (obs: ObservationInput) => Int32Array | null,
  ): void {
    const store = this.store;
    const rec = this.rec;
    const byId = new Map<number, Record<string, unknown>>();
    for (const t of rows) byId.set(Number(t.id), t);
    const seen = new Set<number>();
    this.badPaths += b.badPaths;
    let current = -1;
    let ok = false;
    for (let i = 0; i < b.n; i++) {
      const txId = b.tx[i];
      if (txId !== current) {
        current = txId;
        const t = byId.get(txId);
        ok = t !== undefined && this.fillTx(t);
        if (ok) seen.add(txId);
      }
      if (!ok) continue;
      rec.obsId = b.id[i];
      const o = b.observer[i] < 0 ? undefined : this.observers.get(b.observer[i]);
      rec.observerId = o?.id ?? null;
      rec.observerName = o?.name ?? null;
      rec.observerIata = o?.iata ?? null;
      rec.direction = b.dir[i] === 0 ? null : b.dirNames[b.dir[i] - 1];
      rec.snr = Number.isNaN(b.snr[i]) ? null : b.snr[i];
      rec.rssi = Number.isNaN(b.rssi[i]) ? null : b.rssi[i];
      rec.score = Number.isNaN(b.score[i]) ? null : b.score[i];
      rec.timestampMs = b.ts[i];
      const hc = b.hopCount[i];
      rec.hopCount = hc;
      if (hc > 0) rec.hashSize = b.hashSize[i];
      else {
        const pb = pathByteOffset(rec.raw);
        rec.hashSize = pb < 0 ? 0 : (rec.raw[pb] >> 6) + 1;
      }
      const off = b.pathOff[i];
      rec.pathBytes = b.hops.subarray(off, off + hc * b.hashSize[i]);
      let resolved: Int32Array | null = null;
      const ro = b.resOff[i];
      if (ro >= 0) {
        resolved = b.res.subarray(ro, ro + hc);
        this.resolvedPaths++;
      } else if (hc > 0 && resolveMissing) {
        resolved = resolveMissing(rec);
        if (resolved !== null) this.resolvedOnLoad++;
      }
      const r = store.addObservation(rec, resolved, { live: false });
      if (r.obsNew) this.obsNew++;
      if (r.txNew) this.txNew++;
    }
    for (const t of rows) {
      const id = Number(t.id);
      if (seen.has(id) || !this.fillTx(t)) continue;
      if (store.ensureTransmission(rec).txNew) this.txNew++;
    }
  }
}
