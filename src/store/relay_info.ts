/**
 * Relay liveness of a node from the exact membership index (only
 * transmissions where the node is a resolved hop of some observation count),
 * memoised exactly: a result is reused while the node's relay list is
 * unchanged (its {@linkcode IdList.version}), no transmission's `first_seen`
 * moved earlier (`TimeOrder.moves`) and no counted transmission has
 * left, or a future-dated one entered, the 1 h / 24 h windows since. The
 * node list asks for every relay's figures on each request; most relays'
 * lists and windows do not change between two requests.
 *
 * @module
 */

import type { IdList } from "./id_list.ts";
import type { StoreCore } from "./store_core.ts";
import { TX_CHUNK } from "./tx_table.ts";
import type { RelayInfo } from "./types.ts";

const TXM = TX_CHUNK - 1;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A computed result and the time span over which it stays exact. */
interface Computed {
  info: RelayInfo;
  /** First instant (ms) at which the windows may count differently. */
  validUntilMs: number;
}

interface MemoEntry extends Computed {
  list: IdList;
  version: number;
  computedAtMs: number;
}

/**
 * Scans the node's relay list from the newest id down. ADVERTs are skipped
 * unless `includeAdverts` (the reference skips them).
 */
export function computeRelayInfo(
  core: StoreCore,
  list: IdList,
  nowMs: number,
  includeAdverts: boolean,
): Computed {
  const info: RelayInfo = {
    lastRelayedMs: 0,
    count1h: 0,
    count24h: 0,
    unscopedCount24h: 0,
    scopes: [],
  };
  const a = list.view();
  const since24 = nowMs - DAY;
  const since1 = nowMs - HOUR;
  const bound = core.order.bound;
  const scopes = new Set<string>();
  let max = -Infinity;
  let validUntil = Infinity;
  for (let k = a.length - 1; k >= 0; k--) {
    const slot = core.txById.get(a[k]);
    const c = core.txs.chunk(slot);
    const r = slot & TXM;
    const fs = c.firstSeen[r];
    if (fs + bound < since24 && fs + bound < max) break;
    const h = c.header[r];
    if (!includeAdverts && ((h >> 2) & 15) === 4) continue;
    if (fs > max) max = fs;
    if (fs > nowMs) {
      // Counted once the clock reaches it.
      if (fs < validUntil) validUntil = fs;
      continue;
    }
    if (fs < since24) continue;
    // Counted until the 24 h window passes it.
    if (fs + DAY + 1 < validUntil) validUntil = fs + DAY + 1;
    info.count24h++;
    if (fs >= since1) {
      info.count1h++;
      if (fs + HOUR + 1 < validUntil) validUntil = fs + HOUR + 1;
    }
    if ((h & 3) === 1) info.unscopedCount24h++;
    const scope = core.scopes.get(c.scope[r]);
    if (scope && scopes.size < 32) scopes.add(scope);
  }
  info.lastRelayedMs = max === -Infinity ? 0 : max;
  info.scopes = [...scopes].sort();
  return { info, validUntilMs: validUntil };
}

/** Per-node memo of {@linkcode computeRelayInfo} (one entry per relay node and advert mode). */
export class RelayInfoMemo {
  #entries = new Map<number, MemoEntry>();
  #moves = 0;

  /** Relay figures of `nodeId` at `nowMs`; returns a shared object, do not mutate it. */
  get(core: StoreCore, nodeId: number, nowMs: number, includeAdverts: boolean): RelayInfo {
    if (core.order.moves !== this.#moves) {
      this.#entries.clear();
      this.#moves = core.order.moves;
    }
    const list = core.idx.relay[nodeId];
    const key = includeAdverts ? -1 - nodeId : nodeId;
    if (!list) {
      this.#entries.delete(key);
      return emptyRelayInfo();
    }
    const e = this.#entries.get(key);
    if (
      e && e.list === list && e.version === list.version && nowMs >= e.computedAtMs &&
      nowMs < e.validUntilMs
    ) {
      return e.info;
    }
    const computed = computeRelayInfo(core, list, nowMs, includeAdverts);
    this.#entries.set(key, { ...computed, list, version: list.version, computedAtMs: nowMs });
    return computed.info;
  }

  /** Forgets every entry (each eviction pass, so no entry keeps a list the indexes dropped). */
  clear(): void {
    this.#entries.clear();
  }
}

function emptyRelayInfo(): RelayInfo {
  return { lastRelayedMs: 0, count1h: 0, count24h: 0, unscopedCount24h: 0, scopes: [] };
}
