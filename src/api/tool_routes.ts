/**
 * Smaller reference endpoints the reference's pages call:
 * `/api/analytics/roles` (nodes per role), `/api/analytics/relay-airtime-share`
 * (share of relayed airtime per payload type), `/api/nodes/resolve` (a key
 * prefix to the one node carrying it), `/api/known-channels` (the opt-in
 * community catalogue; hopwatch has none configured, so the empty snapshot),
 * `/api/audio-lab/buckets` (sample packets per type) and `/api/dropped-packets`
 * (API key). Everything reads the node directory, the store's indexes or a
 * memoised aggregate.
 *
 * @module
 */

import { PAYLOAD_TYPE_NAMES } from "../meshcore/mod.ts";
import type { ApiContext } from "./deps.ts";
import { ANALYTICS_TTL_MS, windowParams } from "./analytics_common.ts";
import { airtimeAggregate, rolesAggregate } from "./analytics_aggregates.ts";
import { jsonText, memoAggregate } from "./aggregate_memo.ts";
import { limitParam, regionParam } from "./filters.ts";
import { stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso, pathJson } from "./shapes.ts";

/** Up to `max` node keys starting with `prefix`, by binary search over the sorted keys. */
function keysWithPrefix(ctx: ApiContext, prefix: string, max: number): string[] {
  const keys = ctx.cache.get(`node-keys|${ctx.nodes.size}`, ANALYTICS_TTL_MS, () => {
    const all: string[] = [];
    for (const n of ctx.nodes.values()) all.push(n.publicKey);
    return all.sort();
  });
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < keys.length && out.length < max && keys[i].startsWith(prefix); i++) {
    if (ctx.nodes.byKey(keys[i])) out.push(keys[i]);
  }
  return out;
}

/** Route group: roles, airtime share, prefix resolution, catalogue, audio lab, drops. */
export function toolRoutes(ctx: ApiContext): AnyRoute[] {
  const cached = <T>(key: string, fn: () => T): T => memoAggregate(ctx, key, ANALYTICS_TTL_MS, fn);
  return [
    route({
      method: "GET",
      path: "/api/analytics/roles",
      tag: "analytics",
      summary: "Nodes per role (clock-skew columns stay 0: hopwatch keeps no per-node skew here)",
      params: {},
      returns: "{totalNodes, roles[{role, nodeCount, withSkew, meanAbsSkewSec, " +
        "medianAbsSkewSec, okCount, warningCount, criticalCount, absurdCount, noClockCount}]}",
      handler: (c) => jsonText(c, rolesAggregate(ctx)),
    }),
    route({
      method: "GET",
      path: "/api/analytics/relay-airtime-share",
      tag: "analytics",
      needsIndex: true,
      summary: "Share of relayed airtime per payload type (time on air x distinct resolved relays)",
      params: windowParams,
      returns: "{rows[{payload_type, type, count, count_pct, score, airtime_pct}], total_count, " +
        "total_score, preset, window, cached}",
      handler: (c, p) => jsonText(c, airtimeAggregate(ctx, p)),
    }),
    route({
      method: "GET",
      path: "/api/nodes/resolve",
      tag: "nodes",
      summary: "The one node whose key starts with a hex prefix (at least 4 hex characters)",
      params: {
        prefix: stringParam({
          description: "public-key prefix, 4-64 hex characters",
          pattern: /^[0-9a-f]{4,64}$/,
          expect: "4-64 hex characters",
          lower: true,
          required: true,
          maxLength: 64,
        }),
      },
      returns: "{prefix, pubkey?, name?, ambiguous}",
      handler(c, p) {
        const matches = keysWithPrefix(ctx, p.prefix, 2).map((k) => ctx.nodes.byKey(k)!);
        if (matches.length === 1) {
          return c.json({
            prefix: p.prefix,
            pubkey: matches[0].publicKey,
            name: matches[0].name ?? "",
            ambiguous: false,
          });
        }
        return c.json({ prefix: p.prefix, ambiguous: matches.length > 1 });
      },
    }),
    route({
      method: "GET",
      path: "/api/known-channels",
      tag: "channels",
      summary: "Community channel catalogue (opt-in in the reference; none is configured here)",
      params: { region: regionParam },
      returns: "{fetchedAt, source, entries[{channel, description?, key?, region, regionName?}]}",
      handler: (c) => c.json({ fetchedAt: "0001-01-01T00:00:00Z", source: "", entries: [] }),
    }),
    route({
      method: "GET",
      path: "/api/audio-lab/buckets",
      tag: "tools",
      needsIndex: true,
      summary: "Up to 8 sample packets per payload type, spread over packet sizes",
      params: {},
      returns: "{buckets{TYPE: [{hash, raw_hex, decoded_json, observation_count, payload_type, " +
        "path_json, observer_id, timestamp}]}}",
      handler: (c) =>
        c.json(cached("audio-lab", () => {
          const buckets: Record<string, unknown[]> = {};
          for (let t = 0; t < 16; t++) {
            const txs = ctx.store.listTransmissions({ payloadTypes: [t] }, { limit: 2000 }).items;
            if (txs.length === 0) continue;
            txs.sort((a, b) => a.rawHex.length - b.rawHex.length || a.id - b.id);
            const n = Math.min(8, txs.length);
            const picked = [];
            for (let i = 0; i < n; i++) {
              const tx = txs[Math.floor((i * txs.length) / n)];
              picked.push({
                hash: tx.hash,
                raw_hex: tx.rawHex,
                decoded_json: ctx.decoded.json(tx.id, tx.rawHex),
                observation_count: Math.max(1, tx.observationCount),
                payload_type: tx.payloadType,
                path_json: pathJson(tx.best?.hops ?? []),
                observer_id: tx.best?.observerId ?? null,
                timestamp: iso(tx.firstSeenMs),
              });
            }
            const name = PAYLOAD_TYPE_NAMES[t];
            buckets[name] = [...(buckets[name] ?? []), ...picked];
          }
          return { buckets };
        })),
    }),
    route({
      method: "GET",
      path: "/api/dropped-packets",
      tag: "admin",
      summary: "Packets the ingest refused (bad signature, blacklist, ...), newest first",
      auth: true,
      params: {
        limit: limitParam(100, ctx.config.listLimits.packets),
        observer: stringParam({ description: "only drops reported by this observer id" }),
        pubkey: stringParam({
          description: "only drops of this node key",
          pattern: /^[0-9a-f]{64}$/,
          expect: "a 64-hex public key",
          lower: true,
        }),
      },
      returns: "[{id, hash, reason, observer_id, observer_name, node_pubkey, node_name, " +
        "dropped_at, raw_hex?}]",
      handler(c, p) {
        const where: string[] = [];
        const args: string[] = [];
        if (p.observer) {
          where.push("observer_id = ?");
          args.push(p.observer);
        }
        if (p.pubkey) {
          where.push("node_pubkey = ?");
          args.push(p.pubkey);
        }
        const rows = ctx.db.prepare(
          `SELECT id, hash, raw_hex, reason, observer_id, observer_name, node_pubkey, node_name,
               dropped_at FROM dropped_packets ${where.length ? "WHERE " + where.join(" AND ") : ""}
             ORDER BY id DESC LIMIT ?`,
        ).all(...args, p.limit) as Record<string, unknown>[];
        return c.json(rows.map((r) => {
          const { raw_hex, ...rest } = r;
          return raw_hex === null ? rest : { ...rest, raw_hex };
        }));
      },
    }),
  ];
}
