/**
 * Clock skew: `GET /api/nodes/clock-skew` (every node, no samples),
 * `GET /api/nodes/:pk/clock-skew` (one node with its samples and the evidence
 * of its latest adverts) and `GET /api/observers/clock-skew` (observer clock
 * offsets). CoreScope's paths and field names; skew is advert timestamp minus
 * receive time (positive = clock ahead), severity `ok` < 5 min <= `warning`
 * < 1 h <= `critical` < 30 d <= `absurd` < 365 d <= `no_clock`, and
 * `bimodal_clock` for a clock that alternates between right and nonsense.
 * Read from the aggregate built at ingest (`store/clock_skew.ts`).
 *
 * @module
 */

import type { NodeClockSkew } from "../store/clock_skew.ts";
import type { ApiContext } from "./deps.ts";
import { notFound } from "./errors.ts";
import { healthOf, memoJson } from "./health_common.ts";
import { nodeByKey, visible } from "./node_lookup.ts";
import { pkParam } from "./node_detail_routes.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { enumParam } from "./params.ts";
import { areaNodeIds, areaParam } from "./geo_common.ts";

/** How the figures are defined, for clients that explain them. */
export const CLOCK_SKEW_NOTE = "skew = advert timestamp − receive time, corrected by the " +
  "receiving observer's offset; severity from the median of the latest adverts";

const fleetIds = new WeakMap<object, number>();
let nextFleetId = 1;
/** A process-unique id per memoised fleet list (a new list = new figures). */
function fleetId(fleet: object): number {
  let id = fleetIds.get(fleet);
  if (id === undefined) fleetIds.set(fleet, id = nextFleetId++);
  return id;
}

/** Route group: clock skew of nodes and observers. */
export function clockSkewRoutes(ctx: ApiContext): AnyRoute[] {
  const names = (r: NodeClockSkew) => {
    for (const e of r.recentHashEvidence ?? []) {
      for (const o of e.observers) {
        o.observerName = ctx.observers.get(o.observerID)?.name ?? o.observerID;
      }
    }
    return r;
  };
  return [
    route({
      method: "GET",
      path: "/api/nodes/clock-skew",
      tag: "nodes",
      summary: "Clock skew of every node with advert samples (no samples or evidence)",
      params: { area: areaParam },
      returns: "[{pubkey, medianSkewSec, recentMedianSkewSec, driftPerDaySec, severity, " +
        "sampleCount, ..., nodeName, nodeRole}]",
      handler(c, p) {
        const area = areaNodeIds(ctx, p.area);
        const fleet = healthOf(ctx).clock.fleet(ctx.now());
        const key = `hw-clock-fleet|${fleetId(fleet)}|${p.area ?? ""}`;
        return memoJson(ctx, c, key, 30_000, () => {
          const out: NodeClockSkew[] = [];
          for (const r of fleet) {
            const n = ctx.nodes.byKey(r.pubkey);
            if (n && !visible(ctx, n)) continue;
            // With an area: only nodes positioned inside it.
            if (area && (!n || !area.has(n.id))) continue;
            out.push({ ...r, nodeName: n?.name ?? "", nodeRole: n?.role ?? "" });
          }
          return out;
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/:pk/clock-skew",
      tag: "nodes",
      summary: "Clock skew of one node, with its samples and per-advert evidence",
      params: {
        pk: pkParam,
        missing: enumParam(["404", "null"] as const, {
          description:
            "a known node without advert samples: 404 (default, as CoreScope) or 200 null",
          default: "404",
        }),
      },
      returns: "{pubkey, meanSkewSec, medianSkewSec, lastSkewSec, recentMedianSkewSec, " +
        "driftPerDaySec, severity, samples[{ts, skew}], recentHashEvidence[], ...}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        const r = healthOf(ctx).clock.node(n.publicKey, ctx.now());
        if (!r && p.missing === "null") return c.json(null);
        if (!r) throw notFound(`Cannot find clock skew data for node "${n.publicKey}"`);
        return c.json({
          ...names(r),
          nodeName: n.name ?? "",
          nodeRole: n.role,
          note: CLOCK_SKEW_NOTE,
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/observers/clock-skew",
      tag: "observers",
      summary: "Observer clock offsets from adverts heard by several observers",
      params: {},
      returns: "[{observerID, offsetSec, samples}] (largest offset first)",
      handler(c) {
        return c.json(
          healthOf(ctx).clock.observerCalibrations(ctx.now()).map((o) => ({
            ...o,
            observerName: ctx.observers.get(o.observerID)?.name ?? null,
          })),
        );
      },
    }),
  ];
}
