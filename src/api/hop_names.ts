/**
 * Names of raw hop prefixes for analytics tables: a hop names a node only
 * when exactly one relay-capable node of hopwatch's prefix table carries the
 * prefix (otherwise name and key stay null: the table never guesses).
 * One {@linkcode HopNamer} memoises its answers for a single computation.
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";

/** Unique-prefix lookups, memoised. */
export class HopNamer {
  readonly #ctx: ApiContext;
  readonly #memo = new Map<string, NodeInfo | null>();
  readonly #counts = new Map<string, number>();

  /** A namer over the context's prefix table. */
  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** The only relay-capable node with this hex prefix (1-3 bytes), else null. */
  node(hop: string): NodeInfo | null {
    let n = this.#memo.get(hop);
    if (n !== undefined) return n;
    const ids = this.#candidates(hop);
    n = ids.length === 1 ? this.#ctx.nodes.get(ids[0]) ?? null : null;
    this.#memo.set(hop, n);
    return n;
  }

  /** How many relay-capable nodes carry this prefix. */
  count(hop: string): number {
    let c = this.#counts.get(hop);
    if (c === undefined) {
      c = this.#candidates(hop).length;
      this.#counts.set(hop, c);
    }
    return c;
  }

  /** `{name, pubkey}` of the hop (nulls when not unique). */
  named(hop: string): { name: string | null; pubkey: string | null } {
    const n = this.node(hop);
    return { name: n?.name ?? null, pubkey: n?.publicKey ?? null };
  }

  #candidates(hop: string): ArrayLike<number> {
    const size = hop.length >> 1;
    if (size < 1 || size > 3 || hop.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hop)) return [];
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = parseInt(hop.slice(2 * i, 2 * i + 2), 16);
    return this.#ctx.resolver.table.candidates(bytes, 0, size as 1 | 2 | 3);
  }
}
