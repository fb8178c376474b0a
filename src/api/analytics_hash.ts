/**
 * Hash-size analytics in the reference's shapes:
 * `/api/analytics/hash-sizes` (path hash sizes of transmissions with hops,
 * per hour, most frequent hops, nodes advertising multi-byte hashes) and
 * `/api/analytics/hash-collisions` (per hash size: repeaters configured for
 * it whose key prefixes collide, classified by distance, plus the 1-byte and
 * 2-byte cell maps the prefix matrix draws; nodes whose adverts changed size).
 * A node's hash size is the path hash size of its newest advert.
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { scan, windowFilter, type WindowValues } from "./analytics_common.ts";
import { hourKey } from "./analytics_shapes.ts";
import { HopNamer } from "./hop_names.ts";
import { advertHashSizes, hashSizeOfRaw } from "./node_json.ts";
import { distanceKm } from "./node_detail_routes.ts";
import { iso } from "./shapes.ts";

/** Computes `/api/analytics/hash-sizes` for a selection. */
export function computeHashSizes(ctx: ApiContext, p: WindowValues) {
  const namer = new HopNamer(ctx);
  const distribution: Record<string, number> = { "1": 0, "2": 0, "3": 0 };
  const hourly = new Map<string, Record<string, number>>();
  const hops = new Map<string, number>();
  const byNode = new Map<string, { hashSize: number; packets: number; last: number }>();
  let total = 0;
  scan(ctx, windowFilter(ctx, p, "sender-or-unknown"), false, (tx) => {
    const size = hashSizeOfRaw(tx.rawHex);
    if (size === null || size > 3) return;
    const hopList = tx.best?.hops ?? [];
    if (tx.payloadType === 4 && tx.fromPubkey) {
      const zeroHop = (tx.routeType === 2 || tx.routeType === 3) && hopList.length === 0;
      const e = byNode.get(tx.fromPubkey);
      // Newest first: the first advert seen sets the size, older ones only count.
      if (!e) {
        byNode.set(tx.fromPubkey, {
          hashSize: zeroHop ? 0 : size,
          packets: 1,
          last: tx.firstSeenMs,
        });
      } else {
        e.packets++;
        if (e.hashSize === 0 && !zeroHop) e.hashSize = size;
      }
    }
    if (hopList.length === 0) return;
    total++;
    distribution[size]++;
    const hour = hourKey(tx.firstSeenMs);
    const h = hourly.get(hour) ?? { "1": 0, "2": 0, "3": 0 };
    h[size]++;
    hourly.set(hour, h);
    for (const hop of hopList) hops.set(hop, (hops.get(hop) ?? 0) + 1);
  });
  const repeaters: Record<string, number> = { "1": 0, "2": 0, "3": 0 };
  const multi = [];
  for (const [pk, e] of byNode) {
    const n = ctx.nodes.byKey(pk);
    if (n?.role.includes("repeater") && e.hashSize >= 1) repeaters[e.hashSize]++;
    if (e.hashSize > 1) {
      multi.push({
        name: n?.name ?? pk.slice(0, 8),
        hashSize: e.hashSize,
        packets: e.packets,
        lastSeen: iso(e.last),
        pubkey: pk,
        role: n?.role ?? "",
      });
    }
  }
  multi.sort((a, b) => b.packets - a.packets || (a.pubkey < b.pubkey ? -1 : 1));
  return {
    total,
    distribution,
    distributionByRepeaters: repeaters,
    hourly: [...hourly.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([hour, s]) => ({ hour, ...s })),
    topHops: [...hops.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 50).map(([hex, count]) => ({
        hex,
        size: (hex.length + 1) >> 1,
        count,
        ...namer.named(hex),
      })),
    multiByteNodes: multi,
    multiByteCapability: multi.map((m) => ({
      pubkey: m.pubkey,
      name: m.name,
      role: m.role,
      status: "confirmed",
      evidence: "advert",
      maxHashSize: m.hashSize,
      lastSeen: m.lastSeen,
    })),
    attributionMethod: "observer",
  };
}

/** One node of a collision answer. */
interface CollisionNode {
  public_key: string;
  name: string;
  role: string;
  lat: number;
  lon: number;
  hash_size: number;
  hash_size_inconsistent: boolean;
  hash_sizes_seen?: number[];
}

function collisionNode(ctx: ApiContext, n: NodeInfo): CollisionNode {
  const sizes = advertHashSizes(ctx, n);
  return {
    public_key: n.publicKey,
    name: n.name ?? "",
    role: n.role,
    lat: n.lat ?? 0,
    lon: n.lon ?? 0,
    hash_size: sizes[0] ?? 0,
    hash_size_inconsistent: sizes.length > 1,
    ...(sizes.length > 1 ? { hash_sizes_seen: sizes.slice().sort((a, b) => a - b) } : {}),
  };
}

const CLASS_ORDER: Record<string, number> = {
  local: 0,
  regional: 1,
  distant: 2,
  incomplete: 3,
  unknown: 4,
};

function hex2(i: number): string {
  return i.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * Computes `/api/analytics/hash-collisions`; with `iatas`, only nodes that
 * sent or relayed a transmission heard in those regions; with `area` (ids),
 * only the nodes inside the area.
 */
export function computeHashCollisions(
  ctx: ApiContext,
  iatas?: string[],
  area?: ReadonlySet<number>,
) {
  const all = [...ctx.nodes.values()].filter((n) =>
    (!area || area.has(n.id)) &&
    (!iatas || ctx.store.listTransmissionIds({ nodeId: n.id, iatas }, { limit: 1 }).ids.length > 0)
  ).map((n) => ({ n, c: collisionNode(ctx, n) }));
  const inconsistent = all.filter(({ c }) =>
    c.hash_size_inconsistent && (c.role === "repeater" || c.role === "room_server")
  ).map(({ c }) => c);
  const bySize: Record<string, unknown> = {};
  for (const bytes of [1, 2, 3]) {
    const forByte = all.filter(({ c }) => c.hash_size === bytes && c.role === "repeater");
    const groups = new Map<string, typeof forByte>();
    for (const e of forByte) {
      const pre = e.c.public_key.slice(0, bytes * 2).toUpperCase();
      const g = groups.get(pre) ?? [];
      g.push(e);
      groups.set(pre, g);
    }
    const collisions = [...groups.entries()].filter(([, g]) => g.length > 1).map(([prefix, g]) => {
      const located = g.filter(({ n }) => n.lat !== null && n.lon !== null && (n.lat || n.lon));
      let max = 0;
      for (let i = 0; i < located.length; i++) {
        for (let j = i + 1; j < located.length; j++) {
          max = Math.max(max, distanceKm(located[i].n, located[j].n) ?? 0);
        }
      }
      const classification = located.length < 2
        ? "incomplete"
        : max < 50
        ? "local"
        : max < 200
        ? "regional"
        : "distant";
      return {
        prefix,
        byte_size: bytes,
        appearances: g.length,
        nodes: g.map(({ c }) => c),
        max_dist_km: max,
        classification,
        with_coords: located.length,
      };
    }).sort((a, b) =>
      CLASS_ORDER[a.classification] - CLASS_ORDER[b.classification] ||
      b.appearances - a.appearances || (a.prefix < b.prefix ? -1 : 1)
    );
    const space = 2 ** (8 * bytes);
    const data: Record<string, unknown> = {
      stats: {
        total_nodes: all.length,
        nodes_for_byte: forByte.length,
        using_this_size: all.filter(({ c }) => c.hash_size === bytes).length,
        unique_prefixes: groups.size,
        collision_count: collisions.length,
        space_size: space,
        pct_used: (groups.size / space) * 100,
      },
      collisions,
    };
    if (bytes === 1) {
      const cells: Record<string, CollisionNode[]> = {};
      for (let i = 0; i < 256; i++) cells[hex2(i)] = (groups.get(hex2(i)) ?? []).map((e) => e.c);
      for (const { c } of all) {
        if (c.role === "repeater" && (c.hash_size === 2 || c.hash_size === 3)) {
          cells[c.public_key.slice(0, 2).toUpperCase()]?.push(c);
        }
      }
      data.one_byte_cells = cells;
    } else if (bytes === 2) {
      const cells: Record<string, {
        group_nodes: CollisionNode[];
        two_byte_map: Record<string, CollisionNode[]>;
        max_collision: number;
        collision_count: number;
      }> = {};
      for (let i = 0; i < 256; i++) {
        cells[hex2(i)] = {
          group_nodes: [],
          two_byte_map: {},
          max_collision: 0,
          collision_count: 0,
        };
      }
      for (const { c } of forByte) {
        const cell = cells[c.public_key.slice(0, 2).toUpperCase()];
        if (!cell) continue;
        cell.group_nodes.push(c);
        const k = c.public_key.slice(0, 4).toUpperCase();
        (cell.two_byte_map[k] ??= []).push(c);
      }
      for (const cell of Object.values(cells)) {
        for (const list of Object.values(cell.two_byte_map)) {
          if (list.length > 1) {
            cell.collision_count++;
            cell.max_collision = Math.max(cell.max_collision, list.length);
          }
        }
      }
      data.two_byte_cells = cells;
    }
    bySize[bytes] = data;
  }
  return { inconsistent_nodes: inconsistent, by_size: bySize };
}
