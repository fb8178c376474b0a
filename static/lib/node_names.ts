/**
 * A cached directory of nodes (key → name, role, location) used to label hops
 * and map positions. Loaded once from `/api/nodes` and refreshed lazily.
 *
 * @module
 */

import { getJson, qs } from "./api.ts";

/** The node fields the UI uses. */
export interface NodeLite {
  public_key: string;
  name: string | null;
  role: string;
  lat: number | null;
  lon: number | null;
  last_seen?: string;
  last_heard?: string;
  first_seen?: string;
  advert_count?: number;
  hash_size?: number;
  battery_mv?: number | null;
  [k: string]: unknown;
}

let loaded: Promise<NodeLite[]> | null = null;
let loadedAt = 0;

/** Every node (paged through `/api/nodes`, 2000 per request, at most 20,000). */
export function allNodes(maxAgeMs = 60_000): Promise<NodeLite[]> {
  if (loaded && Date.now() - loadedAt < maxAgeMs) return loaded;
  loadedAt = Date.now();
  loaded = (async () => {
    const out: NodeLite[] = [];
    for (let off = 0; off < 20_000; off += 2000) {
      const res = await getJson<{ nodes: NodeLite[]; total: number }>(
        "/api/nodes" + qs({ limit: 2000, offset: off }),
      );
      out.push(...(res.nodes ?? []));
      if (!res.nodes?.length || out.length >= (res.total ?? 0)) break;
    }
    return out;
  })();
  loaded.catch(() => (loaded = null));
  return loaded;
}

/** Map from lowercase key to node. */
export async function nodeIndex(): Promise<Map<string, NodeLite>> {
  const m = new Map<string, NodeLite>();
  for (const n of await allNodes()) m.set(n.public_key.toLowerCase(), n);
  return m;
}

/** Nodes whose key starts with `prefix` (hex, any case). */
export function byPrefix(nodes: NodeLite[], prefix: string): NodeLite[] {
  const p = prefix.toLowerCase();
  return nodes.filter((n) => n.public_key.toLowerCase().startsWith(p));
}

/** Display name of a node: its name, else the key prefix. */
export function nodeLabel(n: { name?: string | null; public_key?: string } | undefined): string {
  if (!n) return "?";
  return n.name && n.name.trim() ? n.name : (n.public_key ?? "").slice(0, 8).toUpperCase();
}
