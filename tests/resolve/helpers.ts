/**
 * Small synthetic meshes for the resolver tests.
 *
 * @module
 */

import { NodeDirectory } from "../../src/store/node_directory.ts";
import { HopResolver, type HopResolverOptions } from "../../src/resolve/resolver.ts";

/** A test node: `key` is a hex prefix, padded to 64 hex with `pad`. */
export interface TestNode {
  key: string;
  role?: string;
  lat?: number;
  lon?: number;
  name?: string;
  canRelay?: boolean;
  lastSeen?: string;
  firstSeen?: string;
}

/** Day 0 of the tests (RFC3339) and its epoch ms. */
export const T0 = "2026-05-10T00:00:00Z";
/** Epoch ms of {@linkcode T0}. */
export const T0_MS = Date.parse(T0);

/** A 64-hex key starting with `prefix`, the rest derived from `salt`. */
export function fullKey(prefix: string, salt = 0): string {
  let tail = "";
  let x = (Math.imul(salt + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  while (prefix.length + tail.length < 64) {
    x = (x + 0x6d2b79f5) >>> 0; // mulberry32 step
    let z = Math.imul(x ^ (x >>> 15), x | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    tail += (((z ^ (z >>> 14)) >>> 0) % 16).toString(16);
  }
  return (prefix + tail).toLowerCase().slice(0, 64);
}

/** A directory holding `nodes` (default role `repeater`, seen at T0). */
export function makeDirectory(nodes: TestNode[]): NodeDirectory {
  const dir = new NodeDirectory();
  nodes.forEach((n, i) => {
    dir.upsert({
      publicKey: n.key.length === 64 ? n.key : fullKey(n.key, i),
      role: n.role ?? "repeater",
      lat: n.lat ?? null,
      lon: n.lon ?? null,
      name: n.name ?? `node-${i}`,
      canRelay: n.canRelay,
      firstSeen: n.firstSeen ?? T0,
      lastSeen: n.lastSeen ?? T0,
    });
  });
  return dir;
}

/** A directory plus a resolver, with `id(name)` lookups. */
export function makeMesh(
  nodes: TestNode[],
  options: HopResolverOptions = {},
): { dir: NodeDirectory; resolver: HopResolver; id: (name: string) => number } {
  const dir = makeDirectory(nodes);
  const resolver = new HopResolver(dir, options);
  const byName = new Map<string, number>();
  for (const n of dir.values()) if (n.name) byName.set(n.name, n.id);
  const id = (name: string) => {
    const v = byName.get(name);
    if (v === undefined) throw new Error(`test mesh has no node "${name}"`);
    return v;
  };
  return { dir, resolver, id };
}

/** Concatenated hop bytes from hex hops (`"AB", "CD"`). */
export function hops(...hex: string[]): Uint8Array {
  const all = hex.join("");
  const out = new Uint8Array(all.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(all.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Point `km` kilometres east of (lat, lon). */
export function east(lat: number, lon: number, km: number): { lat: number; lon: number } {
  return { lat, lon: lon + km / (111.32 * Math.cos((lat * Math.PI) / 180)) };
}
