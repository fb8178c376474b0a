/**
 * The transmission indexes: flat arrays of {@linkcode IdList}s addressed by a
 * small integer (payload type, channel id, node id, observer index, hop-prefix
 * value), never by string. Every list holds transmission ids.
 *
 * - by payload type: 16 lists
 * - by channel: per interned channel id
 * - by sender: per ADVERT originator node id
 * - by 1-byte source / destination hash: 256 buckets each
 * - by observer: per observer index (a transmission heard by it at least once)
 * - by raw hop prefix, the fallback for observations whose path has no
 *   resolved hop (NULL/unusable `resolved_path`): 1-byte hops in 256 lists,
 *   2-byte hops in 65536 lists, 3-byte (and longer, by their first 3 bytes) in
 *   a Map keyed by the integer. Resolved observations are answered exactly by
 *   the membership index instead, so their raw hops are not indexed twice.
 * - relay membership (forward half): node id -> transmissions whose resolved
 *   hops include the node, over every observation (the reverse half and the
 *   reference counts live in the transmission columns)
 *
 * @module
 */

import { IdList } from "./id_list.ts";

function at(lists: (IdList | undefined)[], i: number): IdList {
  let l = lists[i];
  if (l === undefined) {
    l = new IdList();
    lists[i] = l;
  }
  return l;
}

/** Integer key of a hop of `size` bytes at `b[off]` (3+ byte hops use their first 3 bytes). */
export function hopKey(b: Uint8Array, off: number, size: number): number {
  if (size === 1) return b[off];
  if (size === 2) return (b[off] << 8) | b[off + 1];
  return (b[off] << 16) | (b[off + 1] << 8) | b[off + 2];
}

/** All transmission indexes. */
export class Indexes {
  byType: IdList[] = Array.from({ length: 16 }, () => new IdList());
  byChannel: (IdList | undefined)[] = [];
  bySender: (IdList | undefined)[] = [];
  bySrc: (IdList | undefined)[] = new Array(256);
  byDest: (IdList | undefined)[] = new Array(256);
  byObserver: (IdList | undefined)[] = [];
  prefix1: (IdList | undefined)[] = new Array(256);
  /** Allocated on the first 2-byte hop. */
  prefix2: (IdList | undefined)[] | null = null;
  prefix3: Map<number, IdList> = new Map();
  /** Forward membership: node id -> transmissions relayed through it (resolved hops). */
  relay: (IdList | undefined)[] = [];
  /** Newest observation time (ms) at which each node was a resolved hop; 0 = never. */
  relayLastSeen: Float64Array = new Float64Array(256);
  /** Node ids whose `relayLastSeen` moved since the last drain (flag per node + list). */
  relayDirtyFlag: Uint8Array = new Uint8Array(256);
  relayDirty: number[] = [];
  /** Live observations per payload type. */
  obsByType: Float64Array = new Float64Array(16);

  /** List of a channel id. */
  channel(id: number): IdList {
    return at(this.byChannel, id);
  }

  /** Sender list of a node. */
  sender(node: number): IdList {
    return at(this.bySender, node);
  }

  /** Source bucket of a 1-byte hash. */
  src(b: number): IdList {
    return at(this.bySrc, b);
  }

  /** Destination bucket of a 1-byte hash. */
  dest(b: number): IdList {
    return at(this.byDest, b);
  }

  /** Transmissions heard by an observer index. */
  observer(i: number): IdList {
    return at(this.byObserver, i);
  }

  /** Forward membership list of a node. */
  relayList(node: number): IdList {
    return at(this.relay, node);
  }

  /** Prefix list for a hop key of the given size, created when `create`. */
  prefix(size: number, key: number, create: boolean): IdList | undefined {
    if (size === 1) return create ? at(this.prefix1, key) : this.prefix1[key];
    if (size === 2) {
      if (this.prefix2 === null) {
        if (!create) return undefined;
        this.prefix2 = new Array(65536);
      }
      return create ? at(this.prefix2, key) : this.prefix2[key];
    }
    let l = this.prefix3.get(key);
    if (l === undefined && create) {
      l = new IdList();
      this.prefix3.set(key, l);
    }
    return l;
  }

  /** Adds `txId` under every hop of a path stored at `hops[off..]`. */
  addHops(txId: number, hops: Uint8Array, off: number, hopCount: number, size: number): void {
    if (size === 1) {
      const t = this.prefix1;
      for (let h = 0; h < hopCount; h++) {
        const k = hops[off + h];
        let l = t[k];
        if (l === undefined) l = t[k] = new IdList();
        l.add(txId);
      }
      return;
    }
    for (let h = 0, o = off; h < hopCount; h++, o += size) {
      (this.prefix(size, hopKey(hops, o, size), true) as IdList).add(txId);
    }
  }

  /** Takes the node ids whose relay last-seen moved since the previous call. */
  takeRelayDirty(): number[] {
    const out = this.relayDirty;
    for (const n of out) this.relayDirtyFlag[n] = 0;
    this.relayDirty = [];
    return out;
  }

  /** Records that `node` was a resolved hop at `ms`. */
  touchRelay(node: number, ms: number): void {
    if (node >= this.relayLastSeen.length) {
      const n = Math.max(node + 1, this.relayLastSeen.length * 2);
      const next = new Float64Array(n);
      next.set(this.relayLastSeen);
      this.relayLastSeen = next;
      const flags = new Uint8Array(n);
      flags.set(this.relayDirtyFlag);
      this.relayDirtyFlag = flags;
    }
    if (ms > this.relayLastSeen[node]) {
      this.relayLastSeen[node] = ms;
      if (this.relayDirtyFlag[node] === 0) {
        this.relayDirtyFlag[node] = 1;
        this.relayDirty.push(node);
      }
    }
  }

  /** Calls `fn` for every list with its index name (consistency checks, sizes). */
  forEachList(fn: (name: string, key: number, list: IdList) => void): void {
    const each = (name: string, arr: (IdList | undefined)[] | null) => {
      if (arr) { for (let i = 0; i < arr.length; i++) if (arr[i]) fn(name, i, arr[i] as IdList); }
    };
    each("type", this.byType);
    each("channel", this.byChannel);
    each("sender", this.bySender);
    each("src", this.bySrc);
    each("dest", this.byDest);
    each("observer", this.byObserver);
    each("prefix1", this.prefix1);
    each("prefix2", this.prefix2);
    for (const [k, l] of this.prefix3) fn("prefix3", k, l);
    each("relay", this.relay);
  }

  /** Bytes held by the lists (backing arrays plus ~200 B object overhead each). */
  get byteLength(): number {
    let b = this.relayLastSeen.byteLength + this.relay.length * 4 + this.bySender.length * 4 +
      (this.prefix2 ? 65536 * 4 : 0) + this.relayDirtyFlag.byteLength + this.relayDirty.length * 4;
    this.forEachList((_n, _k, l) => {
      b += l.byteLength + 200;
    });
    return b;
  }
}
