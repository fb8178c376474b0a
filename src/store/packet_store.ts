/**
 * The in-memory packet store: every transmission and observation in
 * memory, in chunked typed-array columns, with exact indexes and no decoded
 * resolved path on any record (see `store_core.ts` for the decode window).
 *
 * @example
 * ```ts
 * const nodes = new NodeDirectory();
 * const store = new PacketStore(nodes, { retentionHours: 168, fetchResolvedPaths });
 * store.addObservation(rec, resolvedIds); // resolvedIds is consumed, never kept
 * const page = store.listTransmissions({ payloadTypes: [4] }, { limit: 50 });
 * ```
 *
 * @module
 */

import type { IdList } from "./id_list.ts";
import type { NodeDirectory } from "./node_directory.ts";
import { StoreCore, type StoreOptions } from "./store_core.ts";
import { checkConsistency, type CheckOptions } from "./consistency.ts";
import { evictPass, memoryBreakdown, recomputeOrder, trackedBytes } from "./eviction.ts";
import { listGroupedIds, listIds } from "./queries.ts";
import { RelayInfoMemo } from "./relay_info.ts";
import { groupedRow, observationView, transmissionView } from "./views.ts";
import type { ResolvedCacheStats } from "./resolved_cache.ts";
import { OBS_CHUNK } from "./obs_table.ts";
import type {
  ConsistencyReport,
  EvictionResult,
  GroupedRow,
  IdPage,
  ObservationView,
  PageOptions,
  RelayInfo,
  TransmissionView,
  TxFilter,
} from "./types.ts";
import { nextTurn, sliceClock } from "./next_turn.ts";
import { reachSums, stageReachRemoval } from "./reach_feed.ts";
import type { ReachSums } from "./reach_index.ts";

export type { AddOptions, StoreCounters, StoreOptions } from "./store_core.ts";

const OBM = OBS_CHUNK - 1;

/** A page of transmissions. */
export interface TxPage {
  items: TransmissionView[];
  total: number;
}

/** A page of grouped rows. */
export interface GroupedPage {
  items: GroupedRow[];
  total: number;
}

/** Per-observer counts. */
export interface ObserverCount {
  observerId: string;
  name: string | null;
  iata: string | null;
  observations: number;
  transmissions: number;
}

/** Sizes reported by {@linkcode PacketStore.stats}. */
export interface StoreStats {
  transmissions: number;
  observations: number;
  observers: number;
  internedNodes: number;
  /** Entries per index family. */
  indexEntries: Record<string, number>;
  /** Lists per index family. */
  indexLists: Record<string, number>;
  trackedBytes: number;
  bytesByComponent: Record<string, number>;
  txChunks: { live: number; released: number };
  obsChunks: { live: number; released: number };
  timeOrderBoundMs: number;
  resolvedCache: ResolvedCacheStats;
  counters: Record<string, number>;
}

/** The packet store (see the module doc). */
export class PacketStore extends StoreCore {
  #relayMemo = new RelayInfoMemo();

  constructor(nodes: NodeDirectory, opts: StoreOptions = {}) {
    super(nodes, opts);
  }

  /** Transmission by content hash (case-insensitive). */
  getByHash(hash: string, withObservations = true): TransmissionView | null {
    const id = this.txIdByHash(hash);
    return id < 0 ? null : transmissionView(this, id, withObservations);
  }

  /** Transmission by id. */
  getByTxId(txId: number, withObservations = true): TransmissionView | null {
    return transmissionView(this, txId, withObservations);
  }

  /** Transmission holding an observation id. */
  getByObsId(obsId: number, withObservations = true): TransmissionView | null {
    const slot = this.obsById.get(obsId);
    if (slot < 0) return null;
    return transmissionView(this, this.obs.chunk(slot).tx[slot & OBM], withObservations);
  }

  /**
   * `/api/packets/{id}` lookup order: a 16-hex hash, else a transmission id,
   * else an observation id. Null when none is in memory.
   */
  lookup(ref: string, withObservations = true): TransmissionView | null {
    if (/^[0-9a-f]{16}$/i.test(ref)) {
      const v = this.getByHash(ref, withObservations);
      if (v) return v;
    }
    if (!/^\d+$/.test(ref)) return null;
    const n = Number(ref);
    return this.getByTxId(n, withObservations) ?? this.getByObsId(n, withObservations);
  }

  /** One observation. */
  getObservation(obsId: number): ObservationView | null {
    return observationView(this, obsId);
  }

  /** Filtered page of transmission ids (id order) and the exact total. */
  listTransmissionIds(filter: TxFilter = {}, page: PageOptions = {}): IdPage {
    return listIds(this, filter, page);
  }

  /** Filtered page of transmissions (best observation included) and the exact total. */
  listTransmissions(filter: TxFilter = {}, page: PageOptions = {}, withObs = false): TxPage {
    const p = listIds(this, filter, page);
    return {
      items: p.ids.map((id) => transmissionView(this, id, withObs) as TransmissionView),
      total: p.total,
    };
  }

  /** Grouped-by-hash page ordered by newest observation, and the exact total. */
  listGrouped(filter: TxFilter = {}, page: PageOptions = {}): GroupedPage {
    const p = listGroupedIds(this, filter, page);
    return { items: p.ids.map((id) => groupedRow(this, id) as GroupedRow), total: p.total };
  }

  /** Transmissions whose resolved hops include `nodeId` (exact membership index). */
  throughNode(
    nodeId: number,
    opts: { sinceMs?: number; untilMs?: number } & PageOptions = {},
  ): IdPage {
    return listIds(this, {
      nodeId,
      nodeRoles: ["relay"],
      sinceMs: opts.sinceMs,
      untilMs: opts.untilMs,
    }, opts);
  }

  /** Relay counts of a node for the last 1 h / 24 h and its last relay time. */
  relayInfo(nodeId: number, nowMs = Date.now(), includeAdverts = false): RelayInfo {
    return this.#relayMemo.get(this, nodeId, nowMs, includeAdverts);
  }

  /** Newest time (ms) the node was a resolved hop (decode window), 0 = never. */
  relayLastSeen(nodeId: number): number {
    return this.idx.relayLastSeen[nodeId] ?? 0;
  }

  /** Seeds a node's relay last-seen (from `nodes.last_relayed`) without marking it dirty. */
  seedRelayLastSeen(nodeId: number, ms: number): void {
    const idx = this.idx;
    const wasDirty = nodeId < idx.relayDirtyFlag.length && idx.relayDirtyFlag[nodeId] === 1;
    idx.touchRelay(nodeId, ms);
    if (!wasDirty && idx.relayDirtyFlag[nodeId] === 1) {
      idx.relayDirtyFlag[nodeId] = 0;
      idx.relayDirty.pop();
    }
  }

  /** Relay last-seen values changed since the previous call (for persistence). */
  drainRelayLastSeen(): Map<number, number> {
    const out = new Map<number, number>();
    for (const n of this.idx.takeRelayDirty()) out.set(n, this.idx.relayLastSeen[n]);
    return out;
  }

  /** Number of transmissions with `first_seen >= sinceMs`. */
  countSince(sinceMs: number): number {
    return listIds(this, { sinceMs }, { limit: 0 }).total;
  }

  /** Observation and transmission counts per observer. */
  observerCounts(): ObserverCount[] {
    const o = this.observers;
    const out: ObserverCount[] = [];
    for (let i = 1; i < o.length; i++) {
      out.push({
        observerId: o.ids[i] as string,
        name: o.names[i],
        iata: o.iatas[i],
        observations: o.obsCount[i],
        transmissions: this.idx.byObserver[i]?.size ?? 0,
      });
    }
    return out;
  }

  /** Live transmissions and observations per payload type (types with none are omitted). */
  countsByType(): Record<number, { transmissions: number; observations: number }> {
    const out: Record<number, { transmissions: number; observations: number }> = {};
    for (let t = 0; t < 16; t++) {
      const n = this.idx.byType[t].size;
      if (n > 0) out[t] = { transmissions: n, observations: this.idx.obsByType[t] };
    }
    return out;
  }

  /**
   * Resolved paths of observations for an API page: live-window hits need no
   * SQL, LRU hits neither; every miss goes into ONE call of the injected fetch.
   */
  resolvedPathsFor(obsIds: number[]): Map<number, (string | null)[] | null> {
    return this.resolvedCache.get(obsIds, (id) => {
      const s = this.obsById.get(id);
      return s < 0 ? -1 : this.obs.chunk(s).hopCount[s & OBM];
    });
  }

  /** Who hears node `nodeId` and whom it hears, over observations at or after `sinceMs`. */
  reachSums(nodeId: number, sinceMs: number): ReachSums {
    return reachSums(this, nodeId, sinceMs);
  }

  /** Reads what the reach index needs of transmissions about to be deleted from SQLite. */
  stageRemoval(txIds: Iterable<number>): void {
    stageReachRemoval(this, txIds);
  }

  /** One eviction pass (retention, then memory budget); see `eviction.ts`. */
  evict(nowMs = Date.now()): EvictionResult {
    // The relay memo may hold lists the indexes have let go of; it rebuilds on demand.
    this.#relayMemo.clear();
    return evictPass(this, nowMs);
  }

  /** Self-accounted bytes (real typed-array sizes plus estimates for strings/maps). */
  trackedBytes(): number {
    return trackedBytes(this);
  }

  /** Re-derives internal bounds after a bulk load (the loader calls it). */
  finishLoad(): void {
    recomputeOrder(this);
    this.idx.forEachList((_n, _k, l) => l.trim());
    this.txs.compactPools();
    this.reach.trim();
  }

  /**
   * {@linkcode finishLoad} yielding to the event loop whenever `sliceMs` have passed between
   * lists (sorting the lists a newest-first load left unsorted took 135 ms at once on L).
   */
  async finishLoadSliced(sliceMs: number): Promise<void> {
    recomputeOrder(this);
    await nextTurn();
    const lists: IdList[] = [];
    this.idx.forEachList((_n, _k, l) => lists.push(l));
    const tick = sliceClock(sliceMs);
    for (const l of lists) {
      l.trim();
      await tick();
    }
    await nextTurn();
    this.txs.compactPools();
    this.reach.trim();
  }

  /** Checks every index in both directions; see `consistency.ts`. */
  checkConsistency(opts?: CheckOptions): ConsistencyReport {
    return checkConsistency(this, opts);
  }

  /** Sizes of every index, tracked bytes and counters. */
  stats(): StoreStats {
    const indexEntries: Record<string, number> = {};
    const indexLists: Record<string, number> = {};
    this.idx.forEachList((name, _k, l) => {
      indexEntries[name] = (indexEntries[name] ?? 0) + l.size;
      indexLists[name] = (indexLists[name] ?? 0) + 1;
    });
    let memPairs = 0;
    this.txs.forEachLive((_s, c, r) => {
      memPairs += c.memLen[r];
    });
    indexEntries.membershipReverse = memPairs;
    indexEntries.hash = this.hashes.size;
    indexEntries.txById = this.txById.count;
    indexEntries.obsById = this.obsById.count;
    const bytesByComponent = memoryBreakdown(this);
    const chunkInfo = (chunks: unknown[], released: number) => ({
      live: chunks.filter((c) => c !== null).length,
      released,
    });
    return {
      transmissions: this.txCount,
      observations: this.obsCount,
      observers: this.observers.length - 1,
      internedNodes: this.nodes.internedCount,
      indexEntries,
      indexLists,
      trackedBytes: Object.values(bytesByComponent).reduce((a, b) => a + b, 0),
      bytesByComponent,
      txChunks: chunkInfo(this.txs.chunks, this.txs.releasedChunks),
      obsChunks: chunkInfo(this.obs.chunks, this.obs.releasedChunks),
      timeOrderBoundMs: this.order.bound,
      resolvedCache: this.resolvedCache.stats(),
      counters: { ...this.counters },
    };
  }
}
