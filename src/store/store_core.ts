/**
 * The data of the packet store and its write path: the decode window
 * (`addObservation`), re-resolution (`replaceResolved`) and exact removal
 * (`removeTransmissions`). Queries, eviction and checks live in sibling
 * modules and work on a {@linkcode StoreCore}.
 *
 * @module
 */

import type { NodeDirectory } from "./node_directory.ts";
import { DenseIdMap } from "./id_list.ts";
import { HashIndex, type HashKey, parseHashKey } from "./hash_index.ts";
import { TX_CHUNK, TXF, TxTable } from "./tx_table.ts";
import { OBS_CHUNK, OBSF, ObsTable } from "./obs_table.ts";
import { Indexes } from "./indexes.ts";
import { ObserverTable, StringInterner } from "./interners.ts";
import { TimeOrder } from "./time_order.ts";
import { ResolvedPathCache } from "./resolved_cache.ts";
import { usableResolved } from "./codec.ts";
import { ReachIndex } from "./reach_index.ts";
import { feedReach, ReachFeedState, reachSnrChanged } from "./reach_feed.ts";
import {
  contribute,
  leaveFallback,
  replaceResolved,
  resolvedJson as toJson,
} from "./membership.ts";
import { removeTransmissions } from "./removal.ts";
import type { AddResult, FetchResolvedPaths, LoadProgress, ObservationInput } from "./types.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/** Flag bits returned by {@linkcode StoreCore.ingest}. */
export const ADD = { TX_NEW: 1, OBS_NEW: 2, BEST_CHANGED: 4 } as const;

/** Options of a packet store. */
export interface StoreOptions {
  /** Evict transmissions whose `first_seen` is older than this (0 = keep all). */
  retentionHours?: number;
  /** Evict when tracked bytes exceed this (0 = unlimited). */
  maxMemoryMB?: number;
  /** SQL fetch of `resolved_path` by observation id (see src/db/queries.ts). */
  fetchResolvedPaths?: FetchResolvedPaths | null;
  /** LRU entries of the resolved-path cache (default 10,000). */
  lruMax?: number;
  /** Live-window entries (default 5,000). */
  liveWindow?: number;
}

/** Options of one `addObservation` call. */
export interface AddOptions {
  /**
   * Keep the decode-window output in the live window and feed the reach index (default true; the
   * loader passes false: the reach build reads the paths after the load).
   */
  live?: boolean;
  /** JSON of the resolved path when the caller already has it (saves re-serialising). */
  resolvedJson?: string | null;
}

/** Counters of unusual inputs. */
export interface StoreCounters {
  /** Observations merged into an existing (transmission, observer, path) row. */
  dedupObs: number;
  /** Repeats of an already stored observation id. */
  repeatObsId: number;
  /** Observations attached to an existing transmission found by hash under another id. */
  mergedByHash: number;
  /** Decode-window arrays ignored because their length differed from the hop count. */
  resolvedMismatch: number;
  /** Duplicate sightings whose resolved path could not replace an already indexed one. */
  resolvedDupIgnored: number;
}

/** The store's data and write path. */
export class StoreCore {
  /** Interned node ids and node attributes (shared with the resolver). */
  readonly nodes: NodeDirectory;
  /** Transmission columns (slots; reach them through `txById`). */
  txs: TxTable = new TxTable();
  /** Observation columns (slots; reach them through `obsById`). */
  obs: ObsTable = new ObsTable();
  /** Transmission id -> slot: the only place transmission slots are kept. */
  txById: DenseIdMap = new DenseIdMap();
  /** Observation id -> slot: the only place observation slots are kept. */
  obsById: DenseIdMap = new DenseIdMap();
  /** Content hash -> transmission id. */
  hashes: HashIndex;
  /** Transmission-id lists by type, channel, node, observer, raw prefix, relay membership. */
  idx: Indexes = new Indexes();
  /** Interned observers with name, IATA and counts. */
  observers: ObserverTable = new ObserverTable();
  /** Interned channel names (`transmissions.channel_hash`). */
  channels: StringInterner = new StringInterner();
  /** Interned scope names. */
  scopes: StringInterner = new StringInterner();
  /** Interned observation directions. */
  directions: StringInterner = new StringInterner(255);
  /** Hash as stored, for transmissions whose hash is not 16 lowercase hex. */
  oddHashes: Map<number, string> = new Map();
  /** Bound of `first_seen` disorder against id order (exact early stops). */
  order: TimeOrder = new TimeOrder();
  /** The bounded on-demand resolved-path cache (live window + LRU). */
  resolvedCache: ResolvedPathCache;
  /** Who hears each node and whom it hears, per node and 6 hours (fed in the decode window). */
  reach: ReachIndex = new ReachIndex();
  /** The reach feed's bookkeeping (staged paths, hop-prefix check). */
  reachFeed: ReachFeedState = new ReachFeedState();
  /** Load progress, updated by the loader. */
  progress: LoadProgress = {
    state: "ready",
    loadedTx: 0,
    loadedObs: 0,
    totalTx: 0,
    totalObs: 0,
    pct: 100,
  };
  /** Counters of unusual inputs. */
  counters: StoreCounters = {
    dedupObs: 0,
    repeatObsId: 0,
    mergedByHash: 0,
    resolvedMismatch: 0,
    resolvedDupIgnored: 0,
  };
  /** Retention window in hours (0 = keep everything). */
  retentionHours: number;
  /** Memory budget in MB for the tracked bytes (0 = unlimited). */
  maxMemoryMB: number;
  /** Transmission id of the last `ingest` call. */
  lastTxId = -1;
  /** Observation id of the last `ingest` call (the older one when merged). */
  lastObsId = -1;
  /** Transmission slot of the last `ingest` call. */
  lastTxSlot = -1;
  /** Observation slot of the last `ingest` call, -1 when nothing was stored. */
  lastObsSlot = -1;
  private readonly key: HashKey = { ok: false, hi: 0, lo: 0, lower: "" };

  /** An empty store over a node directory. */
  constructor(nodes: NodeDirectory, opts: StoreOptions = {}) {
    this.nodes = nodes;
    this.retentionHours = opts.retentionHours ?? 0;
    this.maxMemoryMB = opts.maxMemoryMB ?? 0;
    this.resolvedCache = new ResolvedPathCache(opts.fetchResolvedPaths ?? null, {
      lruMax: opts.lruMax,
      liveMax: opts.liveWindow,
    });
    const txs = this.txs;
    const byId = this.txById;
    this.hashes = new HashIndex({
      hashHi: (id) => {
        const s = byId.get(id);
        return txs.chunk(s).hashHi[s & TXM];
      },
      hashLo: (id) => {
        const s = byId.get(id);
        return txs.chunk(s).hashLo[s & TXM];
      },
    });
  }

  /** Number of live transmissions. */
  get txCount(): number {
    return this.txs.live;
  }

  /** Number of live observations. */
  get obsCount(): number {
    return this.obs.live;
  }

  /** Transmission id of a hash (case-insensitive), or -1. */
  txIdByHash(hash: string): number {
    return this.hashes.find(parseHashKey(hash, this.key));
  }

  /**
   * Stores a transmission without an observation (a `transmissions` row with
   * none yet). Only the transmission fields of `rec` are read. Returns the id
   * the hash maps to and whether it was created.
   */
  ensureTransmission(rec: ObservationInput): { txId: number; txNew: boolean } {
    checkIds(rec);
    if (this.txById.get(rec.txId) >= 0) return { txId: rec.txId, txNew: false };
    const existing = this.hashes.find(parseHashKey(rec.hash, this.key));
    if (existing >= 0) return { txId: existing, txNew: false };
    const slot = this.#createTx(rec);
    this.txs.chunk(slot).lastSeen[slot & TXM] = rec.firstSeenMs;
    return { txId: rec.txId, txNew: true };
  }

  /**
   * The decode window: stores one observation (creating its transmission on
   * first sight) and feeds every index from `resolved`, the node id per hop
   * (-1 unknown) parsed once by the caller. `resolved` is read during this
   * call and never retained; an array of the wrong length or with no known
   * hop counts as NULL.
   *
   * Deduplication: one transmission per hash; one observation per
   * (transmission, observer, path) with the path compared as bytes (so case
   * never matters). Observations of an unknown (null) observer are never
   * merged, like SQLite's UNIQUE index treats NULL `observer_idx`. A merged
   * repeat takes the new snr/rssi/score when given (COALESCE(new, old)).
   *
   * Best observation: the one with the most hops; on a tie the first stored
   * (the smaller observation id) stays. Re-picked on every new observation.
   */
  addObservation(
    rec: ObservationInput,
    resolved: Int32Array | null,
    opts?: AddOptions,
  ): AddResult {
    checkIds(rec);
    const need = rec.hopCount * rec.hashSize;
    if (rec.hopCount > 255 || rec.hashSize > 255 || rec.pathBytes.length < need) {
      throw new RangeError(
        `Cannot add observation ${rec.obsId}: ${rec.hopCount} hop(s) of ${rec.hashSize} byte(s) ` +
          `but ${rec.pathBytes.length} path byte(s) (at most 255 hops)`,
      );
    }
    const f = this.ingest(
      rec,
      rec.pathBytes,
      0,
      resolved,
      0,
      resolved === null ? 0 : resolved.length,
      opts?.live !== false,
      opts?.resolvedJson,
    );
    return {
      txId: this.lastTxId,
      obsId: this.lastObsId,
      txNew: (f & ADD.TX_NEW) !== 0,
      obsNew: (f & ADD.OBS_NEW) !== 0,
      bestChanged: (f & ADD.BEST_CHANGED) !== 0,
      txSlot: this.lastTxSlot,
      obsSlot: this.lastObsSlot,
    };
  }

  /**
   * Allocation-free form of {@linkcode addObservation} for bulk loads: hop
   * bytes at `hops[hopsOff..]`, resolved ids at `res[resOff..resOff+resLen)`
   * (`res` null = NULL); `rec.pathBytes` is ignored. Returns {@linkcode ADD}
   * flags; the ids and slots are left in `lastTxId`, `lastObsId`,
   * `lastTxSlot`, `lastObsSlot`.
   */
  ingest(
    rec: ObservationInput,
    hops: Uint8Array,
    hopsOff: number,
    res: Int32Array | null,
    resOff: number,
    resLen: number,
    live: boolean,
    resolvedJson?: string | null,
  ): number {
    // Transmission.
    let txId = rec.txId;
    let tslot = this.txById.get(txId);
    let flags = 0;
    if (tslot < 0) {
      const existing = this.hashes.find(parseHashKey(rec.hash, this.key));
      if (existing >= 0) {
        txId = existing;
        tslot = this.txById.get(existing);
        this.counters.mergedByHash++;
      } else {
        tslot = this.#createTx(rec);
        flags |= ADD.TX_NEW;
      }
    }
    this.lastTxId = txId;
    this.lastTxSlot = tslot;
    this.lastObsSlot = -1;
    this.lastObsId = rec.obsId;
    const tc = this.txs.chunk(tslot);
    const tr = tslot & TXM;
    if (!(flags & ADD.TX_NEW) && rec.firstSeenMs < tc.firstSeen[tr]) {
      tc.firstSeen[tr] = rec.firstSeenMs;
      this.order.onMoveEarlier(rec.firstSeenMs);
    }
    if (rec.timestampMs > tc.lastSeen[tr]) tc.lastSeen[tr] = rec.timestampMs;

    // Observation deduplication.
    if (this.obsById.get(rec.obsId) >= 0) {
      this.counters.repeatObsId++;
      return flags;
    }
    const observer = this.observers.intern(rec.observerId, rec.observerName, rec.observerIata);
    const hopCount = rec.hopCount;
    const size = rec.hashSize;
    const nbytes = hopCount * size;
    const resOk = res !== null && usableResolved(res, hopCount, resOff, resLen);
    if (res !== null && !resOk && resLen !== hopCount) this.counters.resolvedMismatch++;
    let sameObserver = false;
    for (let o = tc.headObs[tr]; o >= 0;) {
      const os = this.obsById.get(o);
      const oc = this.obs.chunk(os);
      const or = os & OBM;
      if (oc.observer[or] === observer) {
        sameObserver = true;
        if (
          observer !== 0 && oc.hopCount[or] === hopCount &&
          (hopCount === 0 || oc.hashSize[or] === size)
        ) {
          const off = oc.pathOff[or];
          let same = true;
          for (let i = 0; i < nbytes; i++) {
            if (oc.hops[off + i] !== hops[hopsOff + i]) {
              same = false;
              break;
            }
          }
          if (same) {
            this.lastObsId = o;
            this.#mergeRepeat(rec, resOk ? res : null, resOff, txId, tslot, os, o);
            return flags;
          }
        }
      }
      o = oc.next[or];
    }

    // New observation row.
    const os = this.obs.append(rec.obsId, txId, hops, hopsOff, nbytes, hopCount, size);
    const oc = this.obs.chunk(os);
    const or = os & OBM;
    oc.observer[or] = observer;
    oc.dir[or] = rec.direction === null ? 0 : this.directions.intern(rec.direction);
    oc.snr[or] = rec.snr ?? NaN;
    oc.rssi[or] = rec.rssi ?? NaN;
    oc.score[or] = rec.score ?? NaN;
    oc.ts[or] = rec.timestampMs;
    oc.next[or] = tc.headObs[tr];
    tc.headObs[tr] = rec.obsId;
    tc.obsCount[tr]++;
    this.obsById.set(rec.obsId, os);
    this.observers.obsCount[observer]++;
    this.idx.obsByType[(tc.header[tr] >> 2) & 15]++;
    this.lastObsSlot = os;
    flags |= ADD.OBS_NEW;

    const best = tc.bestObs[tr];
    let bestChanged = best < 0;
    if (!bestChanged) {
      const bs = this.obsById.get(best);
      const bh = this.obs.chunk(bs).hopCount[bs & OBM];
      bestChanged = hopCount > bh || (hopCount === bh && rec.obsId < best);
    }
    if (bestChanged) {
      tc.bestObs[tr] = rec.obsId;
      flags |= ADD.BEST_CHANGED;
    }

    if (!sameObserver) {
      tc.observerCount[tr]++;
      this.idx.observer(observer).add(txId);
    }
    let json: string | null = null;
    if (resOk) {
      contribute(this, tslot, txId, res!, resOff, hopCount, rec.timestampMs);
      // the load feeds nothing (the reach build reads the paths once it is over)
      if (live) feedReach(this, os, res!, resOff, hopCount, 1);
      else this.reach.ready = false;
      oc.flags[or] |= OBSF.RESOLVED;
      if (live) json = resolvedJson ?? toJson(this.nodes, res!, resOff, hopCount);
    } else if (hopCount > 0) {
      // The fallback: hops of a path with no resolved hop are found by raw prefix.
      this.idx.addHops(txId, oc.hops, oc.pathOff[or], hopCount, size);
    }
    if (live) this.resolvedCache.putLive(rec.obsId, json);
    return flags;
  }

  /**
   * Re-resolution (backfill): removes the contribution `oldIds` made when the
   * observation was indexed and adds `newIds`. Validates the old contribution
   * against the reference counts first and throws, changing nothing, when it
   * does not match what is indexed.
   */
  replaceResolved(obsId: number, oldIds: Int32Array | null, newIds: Int32Array | null): void {
    replaceResolved(this, obsId, oldIds, newIds);
  }

  /**
   * Removes transmissions with all their observations and every index entry
   * they own, found through the reverse maps (membership blocks, observation
   * chains, hop bytes). Returns the numbers removed.
   */
  removeTransmissions(ids: Iterable<number>): { tx: number; obs: number } {
    return removeTransmissions(this, ids);
  }

  #createTx(rec: ObservationInput): number {
    const key = this.key;
    const slot = this.txs.append(rec.txId, rec.raw);
    const c = this.txs.chunk(slot);
    const r = slot & TXM;
    const id = rec.txId;
    c.firstSeen[r] = rec.firstSeenMs;
    c.lastSeen[r] = rec.timestampMs;
    c.hashHi[r] = key.hi;
    c.hashLo[r] = key.lo;
    const type = rec.payloadType & 15;
    c.header[r] = (rec.routeType & 3) | (type << 2) | ((rec.payloadVersion ?? 0) & 3) << 6;
    let flags = c.flags[r];
    if (rec.payloadVersion === null) flags |= TXF.VERSION_NULL;
    if (rec.rawHexLower) flags |= TXF.RAW_LOWER;
    if (!key.ok || key.lower !== rec.hash) {
      flags |= TXF.ODD_HASH;
      this.oddHashes.set(id, rec.hash);
    }
    c.flags[r] = flags;
    c.channel[r] = this.channels.intern(rec.channel);
    c.scope[r] = this.scopes.intern(rec.scopeName);
    c.fromNode[r] = rec.fromNodeId;
    c.src[r] = rec.srcHash;
    c.dest[r] = rec.destHash;
    this.txById.set(id, slot);
    this.hashes.insert(key, id);
    this.order.onInsert(id, rec.firstSeenMs);
    const idx = this.idx;
    idx.byType[type].add(id);
    if (c.channel[r]) idx.channel(c.channel[r]).add(id);
    if (rec.fromNodeId >= 0) idx.sender(rec.fromNodeId).add(id);
    if (rec.srcHash >= 0) idx.src(rec.srcHash & 255).add(id);
    if (rec.destHash >= 0) idx.dest(rec.destHash & 255).add(id);
    return slot;
  }

  #mergeRepeat(
    rec: ObservationInput,
    resolved: Int32Array | null,
    resOff: number,
    txId: number,
    tslot: number,
    os: number,
    obsId: number,
  ): void {
    this.counters.dedupObs++;
    const oc = this.obs.chunk(os);
    const or = os & OBM;
    if (rec.snr !== null) {
      const old = oc.snr[or];
      oc.snr[or] = rec.snr;
      reachSnrChanged(this, os, old);
    }
    if (rec.rssi !== null) oc.rssi[or] = rec.rssi;
    if (rec.score !== null) oc.score[or] = rec.score;
    if (oc.dir[or] === 0 && rec.direction !== null) {
      oc.dir[or] = this.directions.intern(rec.direction);
    }
    if (resolved !== null) {
      if (oc.flags[or] & OBSF.RESOLVED) this.counters.resolvedDupIgnored++;
      else {
        contribute(this, tslot, txId, resolved, resOff, oc.hopCount[or], oc.ts[or]);
        feedReach(this, os, resolved, resOff, oc.hopCount[or], 1);
        leaveFallback(this, txId, tslot, os);
        this.resolvedCache.replace(obsId, null);
      }
    }
  }
}

function isId(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
}

/** Refuses ids the flat maps cannot hold, before anything is stored. */
function checkIds(rec: ObservationInput): void {
  if (!isId(rec.txId) || !isId(rec.obsId)) {
    throw new RangeError(
      `Cannot index id ${isId(rec.txId) ? rec.obsId : rec.txId}: not a non-negative 31-bit integer`,
    );
  }
}
