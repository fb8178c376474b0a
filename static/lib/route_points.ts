/**
 * Turns a packet's hops into map points: resolved keys first, then a unique
 * located node for the hop prefix. Used by the live map.
 *
 * @module
 */

import { hasLoc, hopsOf, parseJson } from "./format.ts";
import type { NodeLite } from "./node_names.ts";

/** Locates nodes by key and by hop prefix. */
export class NodeLocator {
  #byKey = new Map<string, NodeLite>();
  #located: NodeLite[] = [];
  #prefixCache = new Map<string, NodeLite | null>();

  /** Indexes `nodes`. */
  constructor(nodes: NodeLite[]) {
    for (const n of nodes) {
      this.#byKey.set(n.public_key.toLowerCase(), n);
      if (hasLoc(n.lat, n.lon)) this.#located.push(n);
    }
  }

  /** Node by full key. */
  key(k: string): NodeLite | undefined {
    return this.#byKey.get(k.toLowerCase());
  }

  /** The only located node whose key starts with `prefix`, else null. */
  prefix(prefix: string): NodeLite | null {
    const p = prefix.toLowerCase();
    let hit = this.#prefixCache.get(p);
    if (hit !== undefined) return hit;
    const c = this.#located.filter((n) => n.public_key.toLowerCase().startsWith(p));
    hit = c.length === 1 ? c[0] : null;
    this.#prefixCache.set(p, hit);
    return hit;
  }

  /** Located nodes. */
  get located(): NodeLite[] {
    return this.#located;
  }
}

/** A packet's route as `[lat, lon]` points (origin if known, then hops). */
export function routePoints(
  pkt: {
    path_json?: string;
    resolved_path?: unknown;
    decoded_json?: string;
    payload_type?: number;
  },
  loc: NodeLocator,
): [number, number][] {
  const pts: [number, number][] = [];
  const dec = parseJson<Record<string, unknown>>(pkt.decoded_json, {});
  if (pkt.payload_type === 4 && hasLoc(dec.lat, dec.lon)) {
    pts.push([dec.lat as number, dec.lon as number]);
  }
  const hops = hopsOf(pkt.path_json);
  const rp = parseJson<unknown>(pkt.resolved_path ?? null, null);
  const keys = Array.isArray(rp) ? rp : [];
  hops.forEach((prefix, i) => {
    const k = keys[i];
    const n = typeof k === "string" ? loc.key(k) : loc.prefix(prefix);
    if (n && hasLoc(n.lat, n.lon)) {
      const last = pts[pts.length - 1];
      if (!last || last[0] !== n.lat || last[1] !== n.lon) {
        pts.push([n.lat as number, n.lon as number]);
      }
    }
  });
  return pts;
}
