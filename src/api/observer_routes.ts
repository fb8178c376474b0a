/**
 * Observers: `GET /api/observers` (cached 30 s, `X-Cache-Age-Seconds`),
 * `GET /api/observers/{id}` and `GET /api/observers/{id}/analytics`.
 *
 * @module
 */

import { OBSERVER_ID_RE } from "../ingest/validate.ts";
import { PAYLOAD_TYPE_NAMES } from "../meshcore/mod.ts";
import type { ApiContext } from "./deps.ts";
import { notFound } from "./errors.ts";
import { packetRows } from "./packet_rows.ts";
import { intParam, stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

const DAY = 86_400_000;
/** Most transmissions examined by the observer analytics. */
export const OBSERVER_SCAN_LIMIT = 10_000;

const idParam = stringParam({
  in: "path",
  description: "observer id (as received, case-insensitive)",
  pattern: OBSERVER_ID_RE,
  expect: "an observer id",
  maxLength: 128,
});

/** Route group: observers. */
export function observerRoutes(ctx: ApiContext): AnyRoute[] {
  const find = (id: string) => {
    const o = ctx.observers.get(id);
    if (!o || ctx.config.observerBlacklist.some((b) => b.toUpperCase() === id.toUpperCase())) {
      throw notFound(`Cannot find observer "${id}"`);
    }
    return o;
  };
  const strip = <T extends { rowid: number }>(o: T): Omit<T, "rowid"> => {
    const { rowid: _r, ...rest } = o;
    return rest;
  };
  return [
    route({
      method: "GET",
      path: "/api/observers",
      tag: "observers",
      summary: "Every observer (cached 30 s)",
      params: {},
      returns: "{observers[], server_time}",
      handler(c) {
        const bl = new Set(ctx.config.observerBlacklist.map((b) => b.toUpperCase()));
        const observers = ctx.observers.list().filter((o) => !bl.has(o.id.toUpperCase())).map(
          strip,
        );
        c.header("X-Cache-Age-Seconds", String(ctx.observers.cacheAgeSeconds()));
        return c.json({ observers, server_time: new Date(ctx.now()).toISOString() });
      },
    }),
    route({
      method: "GET",
      path: "/api/observers/:id",
      tag: "observers",
      summary: "One observer",
      params: { id: idParam },
      returns: "the observer object",
      handler(c, p) {
        return c.json(strip(find(p.id)));
      },
    }),
    route({
      method: "GET",
      path: "/api/observers/:id/analytics",
      tag: "observers",
      summary: "Traffic heard by one observer",
      params: {
        id: idParam,
        days: intParam({ description: "window in days", default: 7, min: 1, max: 365 }),
      },
      returns:
        "{observer, days, timeline[], packetTypes{}, nodesTimeline[], snrDistribution[], recentPackets[]}",
      handler(c, p) {
        const o = find(p.id);
        const since = ctx.now() - p.days * DAY;
        const bucket = p.days <= 2 ? 3_600_000 : DAY;
        const page = ctx.store.listTransmissions(
          { observerIds: [o.id], sinceMs: since },
          { limit: OBSERVER_SCAN_LIMIT },
          true,
        );
        const timeline = new Map<number, number>();
        const senders = new Map<number, Set<string>>();
        const types: Record<string, number> = {};
        const snrBins = new Map<number, number>();
        const idUpper = o.id.toUpperCase();
        for (const t of page.items) {
          const b = Math.floor(t.firstSeenMs / bucket) * bucket;
          timeline.set(b, (timeline.get(b) ?? 0) + 1);
          const name = PAYLOAD_TYPE_NAMES[t.payloadType] ?? "UNKNOWN";
          types[name] = (types[name] ?? 0) + 1;
          if (t.fromPubkey) {
            const s = senders.get(b) ?? new Set<string>();
            s.add(t.fromPubkey);
            senders.set(b, s);
          }
          for (const ob of t.observations ?? []) {
            if (ob.observerId?.toUpperCase() !== idUpper || ob.snr === null) continue;
            const bin = Math.floor(ob.snr);
            snrBins.set(bin, (snrBins.get(bin) ?? 0) + 1);
          }
        }
        const keys = [...timeline.keys()].sort((a, b) => a - b);
        return c.json({
          observer: strip(o),
          days: p.days,
          bucketMs: bucket,
          total: page.total,
          timeline: keys.map((k) => ({ t: iso(k), count: timeline.get(k)! })),
          packetTypes: types,
          nodesTimeline: keys.map((k) => ({ t: iso(k), nodes: senders.get(k)?.size ?? 0 })),
          snrDistribution: [...snrBins.entries()].sort((a, b) => a[0] - b[0])
            .map(([x, count]) => ({ x, w: 1, count })),
          recentPackets: packetRows(ctx, page.items.slice(0, 20)),
        });
      },
    }),
  ];
}
