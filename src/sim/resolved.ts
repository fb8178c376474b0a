/**
 * What the generator stores as `observations.resolved_path` and
 * `neighbor_edges`, both derived from the truth.
 *
 * **resolved_path** (the array parallel to `path_json`):
 * 1. Empty path → SQL NULL (as the reference: only non-empty paths get one).
 * 2. 10 % of the other observations → SQL NULL ("not resolved": rows the
 *    resolver could not handle, e.g. written before their nodes were known).
 *    The choice is a hash of (seed, observation id), not a PRNG draw.
 * 3. Otherwise every hop holds its true key (lowercase), except hops a
 *    resolver could not tell apart even with neighbour context, which are
 *    `null`: a hop is ambiguous when another node with the same prefix (for
 *    1-byte hops: another relay; for 2-/3-byte hops: any node) is a radio
 *    neighbour of a context node — the previous true hop, the next true hop,
 *    or, for the last hop, the observer's radio.
 * 4. An array whose hops are all `null` is stored as SQL NULL.
 * Every non-null entry therefore equals the truth.
 *
 * **neighbor_edges**, following the reference's builder (data-model §6B):
 * ADVERT originator ↔ `path[0]`, observer ↔ `path[last]` (every payload type
 * except TRACE, whose `path_json` is not the header path), and zero-hop
 * ADVERT originator ↔ observer, using only hops whose prefix matches exactly
 * one node of the mesh. `count` is the number of supporting observations and
 * `last_seen` the newest one (RFC3339). As in the reference, DIRECT packets
 * contribute observer ↔ `path[last]` pairs that need not be radio links (the
 * observer heard the sender, which has already left the path).
 *
 * @module
 */

import type { Mesh } from "./mesh.ts";
import { mix } from "./routing.ts";

/** Share of non-empty-path observations stored with a NULL resolved_path. */
export const UNRESOLVED_SHARE = 0.1;

/** Computes resolved paths for one mesh. */
export class ResolvedPaths {
  readonly #mesh: Mesh;
  readonly #salt: number;
  /** For each size 1–3: prefix hex → nodes holding it (relays only for size 1). */
  readonly #byPrefix: Map<string, number[]>[] = [new Map(), new Map(), new Map(), new Map()];

  /** Resolution model over `mesh`. */
  constructor(mesh: Mesh, seed: number) {
    this.#mesh = mesh;
    this.#salt = mix(seed ^ 0x3c6ef372);
    for (const n of mesh.nodes) {
      for (let s = 1; s <= 3; s++) {
        if (s === 1 && !n.relay) continue;
        const p = mesh.hopHex(n.index, s);
        const list = this.#byPrefix[s].get(p);
        if (list) list.push(n.index);
        else this.#byPrefix[s].set(p, [n.index]);
      }
    }
  }

  /**
   * The `resolved_path` JSON for an observation (`null` = SQL NULL).
   * `hops` are the true node indexes, `size` the hop size, `observerNode` the observer's radio.
   */
  resolve(
    observationId: number,
    hops: readonly number[],
    size: number,
    observerNode: number,
  ): string | null {
    if (hops.length === 0) return null;
    if ((mix(this.#salt ^ Math.imul(observationId, 0x9e3779b1)) % 1000) < UNRESOLVED_SHARE * 1000) {
      return null;
    }
    const mesh = this.#mesh;
    let out = "[";
    let any = false;
    for (let i = 0; i < hops.length; i++) {
      const h = hops[i];
      const prev = i > 0 ? hops[i - 1] : -1;
      const next = i + 1 < hops.length ? hops[i + 1] : observerNode;
      const ambiguous = this.#ambiguous(h, size, prev) || this.#ambiguous(h, size, next);
      if (i > 0) out += ",";
      if (ambiguous) out += "null";
      else {
        out += `"${mesh.nodes[h].keyHex}"`;
        any = true;
      }
    }
    return any ? out + "]" : null;
  }

  #ambiguous(h: number, size: number, ctx: number): boolean {
    if (ctx < 0) return false;
    const same = this.#byPrefix[size].get(this.#mesh.hopHex(h, size));
    if (!same || same.length < 2) return false;
    for (const other of same) {
      if (other !== h && other !== ctx && this.#mesh.isLink(other, ctx)) return true;
    }
    return false;
  }
}

/** Accumulates `neighbor_edges` rows from observations. */
export class EdgeBuilder {
  readonly #mesh: Mesh;
  /** size → prefix → node index, or -1 when shared by several nodes. */
  readonly #unique: Map<string, number>[] = [new Map(), new Map(), new Map(), new Map()];
  readonly #edges = new Map<string, { count: number; lastSeen: number }>();

  /** An edge builder over every node of `mesh`. */
  constructor(mesh: Mesh) {
    this.#mesh = mesh;
    for (const n of mesh.nodes) {
      for (let s = 1; s <= 3; s++) {
        const p = mesh.hopHex(n.index, s);
        const m = this.#unique[s];
        m.set(p, m.has(p) ? -1 : n.index);
      }
    }
  }

  /** Node of a hop if its prefix is unique among all nodes, else -1. */
  uniqueNode(hop: number, size: number): number {
    return this.#unique[size].get(this.#mesh.hopHex(hop, size)) ?? -1;
  }

  /** Records one observation (`time` epoch seconds). */
  add(
    payloadType: number,
    origin: number,
    hops: readonly number[],
    size: number,
    observerNode: number,
    time: number,
  ): void {
    if (payloadType === 9) return;
    if (hops.length === 0) {
      if (payloadType === 4) this.#edge(origin, observerNode, time);
      return;
    }
    if (payloadType === 4) {
      const first = this.uniqueNode(hops[0], size);
      if (first >= 0) this.#edge(origin, first, time);
    }
    const last = this.uniqueNode(hops[hops.length - 1], size);
    if (last >= 0) this.#edge(observerNode, last, time);
  }

  /** Rows `[node_a, node_b, count, last_seen epoch]`, node_a ≤ node_b, sorted. */
  rows(): [string, string, number, number][] {
    const out: [string, string, number, number][] = [];
    for (const [k, v] of this.#edges) {
      const [a, b] = k.split("|");
      out.push([a, b, v.count, v.lastSeen]);
    }
    return out.sort((x, y) =>
      x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0
    );
  }

  #edge(x: number, y: number, time: number): void {
    if (x === y) return;
    const a = this.#mesh.nodes[x].keyHex, b = this.#mesh.nodes[y].keyHex;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    const e = this.#edges.get(key);
    if (e) {
      e.count++;
      if (time > e.lastSeen) e.lastSeen = time;
    } else this.#edges.set(key, { count: 1, lastSeen: time });
  }
}
