/**
 * Hash-size facts of a node list, shared by the Analytics hash tab with and
 * without an area: nodes per advertised hash size, and the repeaters / rooms
 * whose 1-byte prefixes collide.
 *
 * @module
 */

/** The node fields the facts read. */
export interface HashNode {
  public_key: string;
  role?: string | null;
  hash_size?: number | null;
}

/** Nodes per advertised hash size; infrastructure nodes; shared 1-byte prefixes, most first. */
export function nodeHashFacts<N extends HashNode>(nodes: N[]): {
  nodeSizes: Map<number, number>;
  infra: N[];
  shared: [string, N[]][];
} {
  const nodeSizes = new Map<number, number>();
  for (const n of nodes) {
    if (n.hash_size) nodeSizes.set(n.hash_size, (nodeSizes.get(n.hash_size) ?? 0) + 1);
  }
  const infra = nodes.filter((n) => n.role === "repeater" || n.role === "room");
  const groups = new Map<string, N[]>();
  for (const n of infra) {
    const p = n.public_key.slice(0, 2).toUpperCase();
    groups.set(p, [...(groups.get(p) ?? []), n]);
  }
  const shared = [...groups.entries()].filter(([, v]) => v.length > 1)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  return { nodeSizes, infra, shared };
}
