/**
 * Analytics over the in-memory store: `/api/analytics/rf`, `/channels`,
 * `/hash-sizes`, `/hash-collisions`, `/subpaths` and `/subpath-detail`.
 * Results are cached 60 s per parameter set.
 *
 * @module
 */

import { PAYLOAD_TYPE_NAMES } from "../meshcore/mod.ts";
import { roleCanRelay } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import {
  ANALYTICS_TTL_MS,
  histogram,
  scan,
  summary,
  windowFilter,
  windowKey,
  windowParams,
} from "./analytics_common.ts";
import { limitParam } from "./filters.ts";
import { hashSizeOfRaw } from "./node_json.ts";
import { csvParam, intParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

const HOUR = 3_600_000;

/** Route group: RF, channel, hash and sub-path analytics. */
export function analyticsRoutes(ctx: ApiContext): AnyRoute[] {
  const maxLimit = ctx.config.listLimits.analytics;
  const cached = <T>(key: string, fn: () => T): T => ctx.cache.get(key, ANALYTICS_TTL_MS, fn);
  return [
    route({
      method: "GET",
      path: "/api/analytics/rf",
      tag: "analytics",
      summary: "SNR/RSSI statistics and histograms, packets per hour, payload types",
      params: windowParams,
      returns:
        "{snr, rssi, snrHistogram, rssiHistogram, packetsPerHour, payloadTypes, scatterData, scanned}",
      handler: (c, p) =>
        c.json(cached(windowKey("rf", p), () => {
          const snr: number[] = [];
          const rssi: number[] = [];
          const scatter: { snr: number; rssi: number }[] = [];
          const perHour = new Map<number, number>();
          const types: Record<string, number> = {};
          const s = scan(ctx, windowFilter(ctx, p), true, (tx) => {
            const h = Math.floor(tx.firstSeenMs / HOUR) * HOUR;
            perHour.set(h, (perHour.get(h) ?? 0) + 1);
            const name = PAYLOAD_TYPE_NAMES[tx.payloadType] ?? "UNKNOWN";
            types[name] = (types[name] ?? 0) + 1;
            for (const o of tx.observations ?? []) {
              if (o.snr !== null) snr.push(o.snr);
              if (o.rssi !== null) rssi.push(o.rssi);
              if (o.snr !== null && o.rssi !== null && scatter.length < 2000) {
                scatter.push({ snr: o.snr, rssi: o.rssi });
              }
            }
          });
          return {
            snr: summary(snr),
            rssi: summary(rssi),
            snrHistogram: histogram(snr, 1),
            rssiHistogram: histogram(rssi, 5),
            packetsPerHour: [...perHour.entries()].sort((a, b) => a[0] - b[0])
              .map(([t, count]) => ({ hour: iso(t), count })),
            payloadTypes: types,
            scatterData: scatter,
            scanned: s.scanned,
            total: s.total,
          };
        })),
    }),
    route({
      method: "GET",
      path: "/api/analytics/channels",
      tag: "analytics",
      summary: "Active channels, top senders and a per-hour channel timeline",
      params: windowParams,
      returns: "{activeChannels[], topSenders[], channelTimeline[]}",
      handler: (c, p) =>
        c.json(cached(windowKey("channels", p), () => {
          const channels = new Map<string, number>();
          const senders = new Map<string, number>();
          const timeline = new Map<string, number>();
          scan(ctx, { ...windowFilter(ctx, p), payloadTypes: [5] }, false, (tx) => {
            const ch = tx.channel ?? "unknown";
            channels.set(ch, (channels.get(ch) ?? 0) + 1);
            const payload = ctx.decoded.get(tx.id, tx.rawHex).decoded.payload as {
              sender?: unknown;
            } | null;
            if (typeof payload?.sender === "string") {
              senders.set(payload.sender, (senders.get(payload.sender) ?? 0) + 1);
            }
            const k = `${Math.floor(tx.firstSeenMs / HOUR) * HOUR}|${ch}`;
            timeline.set(k, (timeline.get(k) ?? 0) + 1);
          });
          return {
            activeChannels: [...channels.entries()].sort((a, b) => b[1] - a[1])
              .map(([name, count]) => ({ name, count, encrypted: name.startsWith("enc_") })),
            topSenders: [...senders.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)
              .map(([sender, count]) => ({ sender, count })),
            channelTimeline: [...timeline.entries()].map(([k, count]) => {
              const [t, channel] = k.split("|");
              return { hour: iso(Number(t)), channel, count };
            }).sort((a, b) => (a.hour ?? "").localeCompare(b.hour ?? "")),
          };
        })),
    }),
    route({
      method: "GET",
      path: "/api/analytics/hash-sizes",
      tag: "analytics",
      summary: "Path hash sizes in use, and nodes advertising multi-byte hashes",
      params: windowParams,
      returns: "{distribution{size: n}, multiByteNodes[]}",
      handler: (c, p) =>
        c.json(cached(windowKey("hash-sizes", p), () => {
          const dist: Record<string, number> = {};
          const nodeSize = new Map<string, number>();
          scan(ctx, windowFilter(ctx, p), false, (tx) => {
            const s = hashSizeOfRaw(tx.rawHex);
            if (s === null) return;
            dist[s] = (dist[s] ?? 0) + 1;
            if (tx.payloadType === 4 && tx.fromPubkey && !nodeSize.has(tx.fromPubkey)) {
              nodeSize.set(tx.fromPubkey, s);
            }
          });
          const multi = [...nodeSize.entries()].filter(([, s]) => s > 1).map(([pk, s]) => {
            const n = ctx.nodes.byKey(pk);
            return { public_key: pk, name: n?.name ?? null, role: n?.role ?? null, hash_size: s };
          });
          return { distribution: dist, multiByteNodes: multi };
        })),
    }),
    route({
      method: "GET",
      path: "/api/analytics/hash-collisions",
      tag: "analytics",
      summary:
        "Hop prefixes shared by several relays, per hash size, and nodes with inconsistent sizes",
      params: {},
      returns: "{by_size{1|2|3: [{prefix, nodes[]}]}, inconsistent_nodes[]}",
      handler: (c) =>
        c.json(cached("hash-collisions", () => {
          const bySize: Record<string, { prefix: string; count: number; nodes: unknown[] }[]> = {};
          for (const size of [1, 2, 3]) {
            const groups = new Map<string, { public_key: string; name: string | null }[]>();
            for (const n of ctx.nodes.values()) {
              if (!roleCanRelay(n.role) && !n.canRelay) continue;
              const pre = n.publicKey.slice(0, size * 2).toUpperCase();
              const g = groups.get(pre) ?? [];
              g.push({ public_key: n.publicKey, name: n.name });
              groups.set(pre, g);
            }
            bySize[size] = [...groups.entries()].filter(([, g]) => g.length > 1)
              .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
              .map(([prefix, nodes]) => ({ prefix, count: nodes.length, nodes }));
          }
          const inconsistent: unknown[] = [];
          const sizes = new Map<string, Set<number>>();
          scan(ctx, { payloadTypes: [4] }, false, (tx) => {
            const s = hashSizeOfRaw(tx.rawHex);
            if (s === null || !tx.fromPubkey) return;
            const set = sizes.get(tx.fromPubkey) ?? new Set<number>();
            set.add(s);
            sizes.set(tx.fromPubkey, set);
          });
          for (const [pk, set] of sizes) {
            if (set.size > 1) {
              inconsistent.push({
                public_key: pk,
                name: ctx.nodes.byKey(pk)?.name ?? null,
                sizes: [...set].sort(),
              });
            }
          }
          return { by_size: bySize, inconsistent_nodes: inconsistent };
        })),
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpaths",
      tag: "analytics",
      summary: "Most frequent contiguous hop sequences of best observations",
      params: {
        ...windowParams,
        minLen: intParam({ description: "shortest sub-path", default: 2, min: 2, max: 8 }),
        maxLen: intParam({ description: "longest sub-path", default: 8, min: 2, max: 8 }),
        limit: limitParam(100, maxLimit),
      },
      returns: "{subpaths[{path[], names[], count, lastSeen}], totalPaths}",
      handler(c, p) {
        if (p.minLen > p.maxLen) {
          throw badRequest(`Invalid parameter "minLen": greater than "maxLen"`);
        }
        return c.json(cached(windowKey("subpaths", p, p.minLen, p.maxLen, p.limit), () => {
          const counts = new Map<string, { count: number; last: number }>();
          let totalPaths = 0;
          scan(ctx, windowFilter(ctx, p), false, (tx) => {
            const hops = tx.best?.hops ?? [];
            if (hops.length < p.minLen) return;
            totalPaths++;
            for (let len = p.minLen; len <= Math.min(p.maxLen, hops.length); len++) {
              for (let i = 0; i + len <= hops.length; i++) {
                const k = hops.slice(i, i + len).join(",");
                const e = counts.get(k);
                if (e) {
                  e.count++;
                  if (tx.firstSeenMs > e.last) e.last = tx.firstSeenMs;
                } else counts.set(k, { count: 1, last: tx.firstSeenMs });
              }
            }
          });
          const subpaths = [...counts.entries()].sort((a, b) =>
            b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1)
          )
            .slice(0, p.limit).map(([k, e]) => {
              const path = k.split(",");
              return {
                path,
                names: path.map((h) => uniqueName(ctx, h)),
                count: e.count,
                lastSeen: iso(e.last),
              };
            });
          return { subpaths, totalPaths };
        }));
      },
    }),
    route({
      method: "GET",
      path: "/api/analytics/subpath-detail",
      tag: "analytics",
      summary: "Transmissions whose best path contains a hop sequence",
      params: {
        ...windowParams,
        hops: csvParam({
          description: "the hop sequence",
          item: /^[0-9a-fA-F]{2,6}$/,
          expect: "1-3 hex bytes",
          maxItems: 8,
        }),
      },
      returns: "{hops[], matches, signal{snr, rssi}, parentPaths[], observers[], recent[]}",
      handler(c, p) {
        if (!p.hops || p.hops.length < 2) {
          throw badRequest(`Missing parameter "hops": give at least two hops`);
        }
        const want = p.hops.map((h) => h.toUpperCase());
        return c.json(cached(windowKey("subpath-detail", p, want.join(",")), () => {
          const snr: number[] = [];
          const rssi: number[] = [];
          const parents = new Map<string, number>();
          const observers = new Map<string, { name: string | null; count: number }>();
          const recent: unknown[] = [];
          let matches = 0;
          scan(ctx, windowFilter(ctx, p), true, (tx) => {
            const hops = tx.best?.hops ?? [];
            if (!containsRun(hops, want)) return;
            matches++;
            const k = hops.join(",");
            parents.set(k, (parents.get(k) ?? 0) + 1);
            if (recent.length < 20) {
              recent.push({ id: tx.id, hash: tx.hash, first_seen: iso(tx.firstSeenMs) });
            }
            for (const o of tx.observations ?? []) {
              if (o.snr !== null) snr.push(o.snr);
              if (o.rssi !== null) rssi.push(o.rssi);
              if (o.observerId) {
                const e = observers.get(o.observerId) ?? { name: o.observerName, count: 0 };
                e.count++;
                observers.set(o.observerId, e);
              }
            }
          });
          return {
            hops: want,
            names: want.map((h) => uniqueName(ctx, h)),
            matches,
            signal: { snr: summary(snr), rssi: summary(rssi) },
            parentPaths: [...parents.entries()].sort((a, b) => b[1] - a[1]).slice(0, 50)
              .map(([k, count]) => ({ path: k.split(","), count })),
            observers: [...observers.entries()].sort((a, b) => b[1].count - a[1].count)
              .map(([id, e]) => ({ observer_id: id, observer_name: e.name, count: e.count })),
            recent,
          };
        }));
      },
    }),
  ];
}

function containsRun(hops: readonly string[], want: readonly string[]): boolean {
  outer: for (let i = 0; i + want.length <= hops.length; i++) {
    for (let j = 0; j < want.length; j++) if (hops[i + j] !== want[j]) continue outer;
    return true;
  }
  return false;
}

/** Name of the only relay with this hop prefix, else null. */
function uniqueName(ctx: ApiContext, hop: string): string | null {
  const bytes = new Uint8Array(hop.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hop.slice(2 * i, 2 * i + 2), 16);
  if (bytes.length < 1 || bytes.length > 3) return null;
  const ids = ctx.resolver.table.candidates(bytes, 0, bytes.length as 1 | 2 | 3);
  return ids.length === 1 ? ctx.nodes.get(ids[0])?.name ?? null : null;
}
