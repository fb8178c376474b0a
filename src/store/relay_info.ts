/**
 * Relay liveness of a node from the exact membership index (only
 * transmissions where the node is a resolved hop of some observation count),
 * memoised exactly: the scan is reused while the node's relay list is
 * unchanged (its {@linkcode IdList.version}) and no transmission's `first_seen`
 * moved earlier (`TimeOrder.moves`); as the clock advances, the 1 h / 24 h
 * counts slide over the scanned entries by binary search. The node list asks
 * for every relay's figures on each request: with fresh data some counted
 * transmission leaves a window every few milliseconds, so a memo that expired
 * at the first such exit rescanned nearly every relay on every request.
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

/**
 * The node's relay entries that can still count (`first_seen` at or after the 24 h
 * window's start when scanned, future-dated ones included), in a form that answers
 * the 1 h / 24 h counts for any later `now` by binary search.
 */
interface Window {
  /** `first_seen` of the entries, ascending. */
  fs: Float64Array;
  /** `unscoped[i]`: entries among the first `i` (ascending) with an unscoped route. */
  unscoped: Int32Array;
  /** Entries with a transport scope, newest id first: their `first_seen` and scope. */
  scopeFs: number[];
  scopeNames: string[];
  lastRelayedMs: number;
}

interface MemoEntry {
  win: Window;
  list: IdList;
  version: number;
  computedAtMs: number;
  /** The last answer: returned again (same object) while its counts are unchanged. */
  info: RelayInfo;
}

/**
 * Scans the node's relay list from the newest id down, keeping the entries that
 * can count at `nowMs` or later. ADVERTs are skipped unless `includeAdverts`
 * (the reference skips them).
 */
function scanWindow(core: StoreCore, list: IdList, nowMs: number, includeAdverts: boolean): Window {
  const a = list.view();
  const since24 = nowMs - DAY;
  const bound = core.order.bound;
  let max = -Infinity;
  const fsList: number[] = [];
  const unscopedFlag: boolean[] = [];
  const scopeFs: number[] = [];
  const scopeNames: string[] = [];
  for (let k = a.length - 1; k >= 0; k--) {
    const slot = core.txById.get(a[k]);
    const c = core.txs.chunk(slot);
    const r = slot & TXM;
    const fs = c.firstSeen[r];
    if (fs + bound < since24 && fs + bound < max) break;
    const h = c.header[r];
    if (!includeAdverts && ((h >> 2) & 15) === 4) continue;
    if (fs > max) max = fs;
    if (fs < since24) continue;
    fsList.push(fs);
    unscopedFlag.push((h & 3) === 1);
    const scope = core.scopes.get(c.scope[r]);
    if (scope) {
      scopeFs.push(fs);
      scopeNames.push(scope);
    }
  }
  const order = fsList.map((_, i) => i).sort((x, y) => fsList[x] - fsList[y]);
  const fs = new Float64Array(order.length);
  const unscoped = new Int32Array(order.length + 1);
  order.forEach((i, j) => {
    fs[j] = fsList[i];
    unscoped[j + 1] = unscoped[j] + (unscopedFlag[i] ? 1 : 0);
  });
  return { fs, unscoped, scopeFs, scopeNames, lastRelayedMs: max === -Infinity ? 0 : max };
}

/** First index of `a` (ascending) whose value is >= `x` (or > `x` when `after`). */
function bisect(a: Float64Array, x: number, after: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x || (after && a[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The figures of a scanned window at `nowMs` (not before the scan). */
function countWindow(w: Window, nowMs: number, prev: RelayInfo | null): RelayInfo {
  const end = bisect(w.fs, nowMs, true);
  const from24 = bisect(w.fs, nowMs - DAY, false);
  const from1 = bisect(w.fs, nowMs - HOUR, false);
  const count24h = Math.max(0, end - from24);
  const count1h = Math.max(0, end - from1);
  const unscopedCount24h = Math.max(0, w.unscoped[end] - w.unscoped[from24]);
  // Scopes change only when an entry enters or leaves the 24 h window, which changes count24h.
  if (
    prev && prev.count24h === count24h && prev.count1h === count1h &&
    prev.unscopedCount24h === unscopedCount24h && prev.lastRelayedMs === w.lastRelayedMs
  ) {
    return prev;
  }
  const since24 = nowMs - DAY;
  const scopes = new Set<string>();
  for (let i = 0; i < w.scopeFs.length && scopes.size < 32; i++) {
    const fs = w.scopeFs[i];
    if (fs >= since24 && fs <= nowMs) scopes.add(w.scopeNames[i]);
  }
  return {
    lastRelayedMs: w.lastRelayedMs,
    count1h,
    count24h,
    unscopedCount24h,
    scopes: [...scopes].sort(),
  };
}

/**
 * Relay figures of one node at `nowMs` (no memo): the newest relayed time, the
 * 1 h / 24 h counts, unscoped count and transport scopes.
 */
export function computeRelayInfo(
  core: StoreCore,
  list: IdList,
  nowMs: number,
  includeAdverts: boolean,
): { info: RelayInfo } {
  return { info: countWindow(scanWindow(core, list, nowMs, includeAdverts), nowMs, null) };
}

/**
 * Per-node memo of the relay figures (one entry per relay node and advert mode). The
 * scan is redone only when the node's relay list changed, a `first_seen` moved earlier,
 * or the clock went back; as time passes, the counts slide by binary search over the
 * scanned entries, and the same object is returned while they are unchanged (the node
 * list reuses a node's text while its relay object is the same).
 */
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
    if (e && e.list === list && e.version === list.version && nowMs >= e.computedAtMs) {
      e.info = countWindow(e.win, nowMs, e.info);
      return e.info;
    }
    const win = scanWindow(core, list, nowMs, includeAdverts);
    const info = countWindow(win, nowMs, null);
    this.#entries.set(key, { win, list, version: list.version, computedAtMs: nowMs, info });
    return info;
  }

  /** Forgets every entry (each eviction pass, so no entry keeps a list the indexes dropped). */
  clear(): void {
    this.#entries.clear();
  }
}

/**
 * The figures of a node that never relayed: one shared frozen object, so a caller that keeps
 * texts while the relay object is the same (the node list) sees no change from call to call.
 */
const EMPTY_RELAY_INFO: RelayInfo = Object.freeze({
  lastRelayedMs: 0,
  count1h: 0,
  count24h: 0,
  unscopedCount24h: 0,
  scopes: Object.freeze([]) as unknown as string[],
});

function emptyRelayInfo(): RelayInfo {
  return EMPTY_RELAY_INFO;
}
