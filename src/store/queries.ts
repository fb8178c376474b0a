/**
 * Read queries over a {@linkcode StoreCore}: filtered, paged id lists with an
 * exact total, computed without materialising rows. The most selective index
 * (smallest candidate list) drives the walk; the other filters are checked
 * on the columns of each candidate. A walk in id order stops early on a time
 * bound thanks to {@linkcode TimeOrder} (still exact).
 *
 * @module
 */

import type { IdList } from "./id_list.ts";
import { OBS_CHUNK } from "./obs_table.ts";
import { TX_CHUNK } from "./tx_table.ts";
import type { StoreCore } from "./store_core.ts";
import type { IdPage, NodeRole, PageOptions, TxFilter } from "./types.ts";

const TXM = TX_CHUNK - 1;
const OBM = OBS_CHUNK - 1;

/** A filter compiled to masks and ids. */
interface Compiled {
  empty: boolean;
  typeMask: number;
  routeMask: number;
  observerMask: Uint8Array | null;
  hashTx: number;
  since: number;
  until: number;
  node: number;
  roles: number;
  nodeByte: number;
  channelIds: readonly number[] | null;
  /** Candidate source: an id array or null for "every live id". */
  candidates: Int32Array | null;
}

const ROLE_BIT: Record<NodeRole, number> = { sender: 1, relay: 2, src: 4, dest: 8 };

function union(lists: (IdList | undefined)[]): Int32Array {
  const live = lists.filter((l): l is IdList => l !== undefined && l.size > 0);
  if (live.length === 0) return new Int32Array(0);
  if (live.length === 1) return live[0].view();
  let n = 0;
  for (const l of live) n += l.size;
  const out = new Int32Array(n);
  let w = 0;
  for (const l of live) {
    out.set(l.view(), w);
    w += l.size;
  }
  out.sort();
  let u = 0;
  for (let i = 0; i < n; i++) if (u === 0 || out[i] !== out[u - 1]) out[u++] = out[i];
  return out.subarray(0, u);
}

function compile(core: StoreCore, f: TxFilter): Compiled {
  const c: Compiled = {
    empty: false,
    typeMask: 0,
    routeMask: 0,
    observerMask: null,
    hashTx: -1,
    since: f.sinceMs ?? -Infinity,
    until: f.untilMs ?? Infinity,
    node: -1,
    roles: 0,
    nodeByte: -1,
    channelIds: null,
    candidates: null,
  };
  const sources: Int32Array[] = [];
  const idx = core.idx;
  if (f.hash !== undefined) {
    const id = core.txIdByHash(f.hash);
    if (id < 0) c.empty = true;
    c.hashTx = id;
    sources.push(Int32Array.of(id));
  }
  if (f.payloadTypes && f.payloadTypes.length > 0) {
    for (const t of f.payloadTypes) if (t >= 0 && t < 16) c.typeMask |= 1 << t;
    if (c.typeMask === 0) c.empty = true;
    sources.push(union(f.payloadTypes.filter((t) => t >= 0 && t < 16).map((t) => idx.byType[t])));
  }
  if (f.routeTypes && f.routeTypes.length > 0) {
    for (const t of f.routeTypes) if (t >= 0 && t < 4) c.routeMask |= 1 << t;
    if (c.routeMask === 0) c.empty = true;
  }
  if (f.observerIds !== undefined || f.iatas !== undefined) {
    let obs: number[] | null = null;
    if (f.observerIds !== undefined) {
      obs = f.observerIds.map((id) => core.observers.find(id)).filter((i) => i > 0);
    }
    if (f.iatas !== undefined) {
      const inRegion = new Set(core.observers.withIata(f.iatas));
      obs = obs === null ? [...inRegion] : obs.filter((i) => inRegion.has(i));
    }
    if (obs!.length === 0) c.empty = true;
    c.observerMask = new Uint8Array(core.observers.length);
    for (const i of obs!) c.observerMask[i] = 1;
    sources.push(union(obs!.map((i) => idx.byObserver[i])));
  }
  if (f.channel !== undefined) {
    c.channelIds = core.channels.findAll(f.channel);
    if (c.channelIds.length === 0) c.empty = true;
    sources.push(union(c.channelIds.map((i) => idx.byChannel[i])));
  }
  if (f.nodeId !== undefined) {
    c.node = f.nodeId;
    for (const r of f.nodeRoles ?? ["sender", "relay"]) c.roles |= ROLE_BIT[r];
    const lists: (IdList | undefined)[] = [];
    if (c.roles & 1) lists.push(idx.bySender[c.node]);
    if (c.roles & 2) lists.push(idx.relay[c.node]);
    if (c.roles & 12) {
      let key: string | null = null;
      try {
        key = core.nodes.keyOf(c.node);
      } catch {
        key = null;
      }
      c.nodeByte = key === null ? -1 : parseInt(key.slice(0, 2), 16);
      if (c.nodeByte >= 0 && c.roles & 4) lists.push(idx.bySrc[c.nodeByte]);
      if (c.nodeByte >= 0 && c.roles & 8) lists.push(idx.byDest[c.nodeByte]);
    }
    sources.push(union(lists));
  }
  let best: Int32Array | null = null;
  for (const s of sources) if (best === null || s.length < best.length) best = s;
  if (best !== null && best.length < core.txCount) c.candidates = best;
  return c;
}

function matches(core: StoreCore, f: Compiled, id: number, slot: number): boolean {
  const c = core.txs.chunk(slot);
  const r = slot & TXM;
  const h = c.header[r];
  if (f.typeMask !== 0 && (f.typeMask & (1 << ((h >> 2) & 15))) === 0) return false;
  if (f.routeMask !== 0 && (f.routeMask & (1 << (h & 3))) === 0) return false;
  if (f.hashTx >= 0 && id !== f.hashTx) return false;
  const fs = c.firstSeen[r];
  if (fs < f.since || fs > f.until) return false;
  if (f.channelIds !== null && !f.channelIds.includes(c.channel[r])) return false;
  if (f.node >= 0) {
    let hit = (f.roles & 1) !== 0 && c.fromNode[r] === f.node;
    if (!hit && f.roles & 4) hit = c.src[r] === f.nodeByte;
    if (!hit && f.roles & 8) hit = c.dest[r] === f.nodeByte;
    if (!hit && f.roles & 2) hit = core.txs.memCount(slot, f.node) > 0;
    if (!hit) return false;
  }
  if (f.observerMask !== null) {
    const mask = f.observerMask;
    let hit = false;
    for (let o = c.headObs[r]; o >= 0 && !hit;) {
      const os = core.obsById.get(o);
      const oc = core.obs.chunk(os);
      hit = mask[oc.observer[os & OBM]] === 1;
      o = oc.next[os & OBM];
    }
    if (!hit) return false;
  }
  return true;
}

/**
 * Walks the candidates of `f` in id order (`desc` = newest first) and calls
 * `visit(id, slot)` for each match until it returns false.
 */
function walk(
  core: StoreCore,
  f: Compiled,
  desc: boolean,
  visit: (id: number, slot: number) => boolean,
): void {
  const bound = core.order.bound;
  const byId = core.txById;
  const txs = core.txs;
  const step = (id: number, slot: number): number => {
    const fs = txs.chunk(slot).firstSeen[slot & TXM];
    if (desc ? fs + bound < f.since : fs - bound > f.until) return -1;
    if (!matches(core, f, id, slot)) return 0;
    return visit(id, slot) ? 0 : -1;
  };
  if (f.candidates !== null) {
    const a = f.candidates;
    for (let k = 0; k < a.length; k++) {
      const id = a[desc ? a.length - 1 - k : k];
      const slot = byId.get(id);
      if (slot >= 0 && step(id, slot) < 0) return;
    }
    return;
  }
  byId.forEach((id, slot) => step(id, slot) >= 0, desc);
}

function isTrivial(f: Compiled): boolean {
  return f.candidates === null && f.typeMask === 0 && f.routeMask === 0 &&
    f.observerMask === null && f.hashTx < 0 && f.since === -Infinity && f.until === Infinity &&
    f.node < 0 && f.channelIds === null;
}

/** Filtered page of transmission ids in id order, with the exact total. */
export function listIds(core: StoreCore, filter: TxFilter, page: PageOptions = {}): IdPage {
  const f = compile(core, filter);
  const offset = Math.max(0, page.offset ?? 0);
  const limit = Math.max(0, page.limit ?? 50);
  const desc = page.order !== "asc";
  const ids: number[] = [];
  if (f.empty) return { ids, total: 0 };
  let total = 0;
  const trivial = isTrivial(f);
  walk(core, f, desc, (id) => {
    if (total >= offset && ids.length < limit) ids.push(id);
    total++;
    return !(trivial && ids.length >= limit);
  });
  return { ids, total: trivial ? core.txCount : total };
}

/**
 * Grouped view: matching transmissions ordered by newest observation
 * (`lastSeen`) descending, ties by larger id; exact total.
 */
export function listGroupedIds(
  core: StoreCore,
  filter: TxFilter,
  page: PageOptions = {},
): IdPage {
  const f = compile(core, filter);
  const offset = Math.max(0, page.offset ?? 0);
  const limit = Math.max(0, page.limit ?? 50);
  const k = offset + limit;
  if (f.empty || k === 0) return { ids: [], total: f.empty ? 0 : listIds(core, filter).total };
  // Min-heap of the k best (lastSeen, id) pairs.
  const keys = new Float64Array(k);
  const hid = new Int32Array(k);
  let n = 0;
  let total = 0;
  const less = (i: number, j: number) =>
    keys[i] < keys[j] || (keys[i] === keys[j] && hid[i] < hid[j]);
  const swap = (i: number, j: number) => {
    const t = keys[i];
    keys[i] = keys[j];
    keys[j] = t;
    const u = hid[i];
    hid[i] = hid[j];
    hid[j] = u;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const m = l + 1 < n && less(l + 1, l) ? l + 1 : l;
      if (!less(m, i)) return;
      swap(m, i);
      i = m;
    }
  };
  walk(core, f, true, (id, slot) => {
    total++;
    const ls = core.txs.chunk(slot).lastSeen[slot & TXM];
    if (n < k) {
      keys[n] = ls;
      hid[n] = id;
      for (let i = n++; i > 0;) {
        const p = (i - 1) >> 1;
        if (!less(i, p)) break;
        swap(i, p);
        i = p;
      }
    } else if (ls > keys[0] || (ls === keys[0] && id > hid[0])) {
      keys[0] = ls;
      hid[0] = id;
      down(0);
    }
    return true;
  });
  const order: number[] = [];
  while (n > 0) {
    order.push(hid[0]);
    n--;
    swap(0, n);
    down(0);
  }
  order.reverse();
  return { ids: order.slice(offset, offset + limit), total };
}
