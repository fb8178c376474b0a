/**
 * RX coverage from roaming clients (opt-in `clientRxCoverage.enabled`, 404
 * otherwise, as in CoreScope): `/api/rx-coverage` (GeoJSON hex cells in a
 * bbox, optionally of one heard node or one client), `/api/rx-leaderboard`
 * (clients ranked by frontier-weighted cells) and `/api/nodes/:pk/rx-coverage`
 * (one node's cells plus its total receptions and clients). Answered from the
 * in-memory grid index (`src/store/coverage_index.ts`).
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { notFound } from "./errors.ts";
import { intParam, stringParam } from "./params.ts";
import {
  bboxParam,
  daysParam,
  fullPkParam,
  type GeoRuntime,
  geoRuntime,
  heardResolver,
  heardResolverTag,
  zoomParam,
} from "./geo_common.ts";
import { collectionBytes, coverageCells } from "../store/coverage_query.ts";
import { leaderboard, receptionTotals } from "../store/coverage_rank.ts";
import { zoomToRes } from "../store/hex_grid.ts";
import { nodeByKey, visible } from "./node_lookup.ts";
import type { CoverageIndex } from "../store/coverage_index.ts";

const DAY = 86_400_000;

const keyParam = (description: string) =>
  stringParam({
    description,
    pattern: /^[0-9a-f]{4,64}$/,
    expect: "a hex key or prefix (4-64 characters)",
    lower: true,
    maxLength: 64,
  });

function enabled(ctx: ApiContext): GeoRuntime {
  const rx = ctx.config.raw?.clientRxCoverage as { enabled?: unknown } | undefined;
  const geo = geoRuntime(ctx);
  if (rx?.enabled !== true || !geo) {
    throw notFound("Cannot find RX coverage: clientRxCoverage is not enabled");
  }
  return geo;
}

/** Heard-key ids naming a node: its full key and its 2- and 3-byte prefixes. */
export function heardIdsOf(idx: CoverageIndex, pubkey: string): number[] {
  const out: number[] = [];
  for (const k of new Set([pubkey, pubkey.slice(0, 6), pubkey.slice(0, 4)])) {
    const id = idx.heardId(k);
    if (id !== undefined) out.push(id);
  }
  return out;
}

/** The RX coverage routes. */
export function coverageRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/rx-coverage",
      tag: "coverage",
      summary: "Roaming-client receptions as GeoJSON hex cells inside a bounding box",
      params: {
        bbox: bboxParam,
        z: zoomParam,
        days: daysParam,
        node: keyParam("only receptions of this heard node (key or 4/6-hex prefix)"),
        rx: keyParam("only receptions made by this client (public key)"),
      },
      returns: "FeatureCollection of hex cells {cell, count, best_snr, has_sig, nodes[]}",
      handler(c, p) {
        const { clientRx } = enabled(ctx);
        const idx = clientRx.index;
        const rxId = p.rx === undefined ? undefined : (idx.rxId(p.rx) ?? -1);
        const heardIds = p.node === undefined ? undefined : heardIdsOf(idx, p.node);
        const cells = coverageCells(idx, {
          bbox: p.bbox,
          res: zoomToRes(p.z),
          sinceMs: ctx.now() - p.days * DAY,
          heardIds,
          rxId,
          resolve: heardResolver(ctx),
          // unfiltered cells are memoised per window while their receptions stay the same;
          // the tag is a fingerprint of the node names the cells show
          memo: heardIds || rxId !== undefined ? undefined : {
            key: p.days,
            tag: heardResolverTag(ctx),
          },
        });
        return c.body(collectionBytes(cells), 200, { "Content-Type": "application/json" });
      },
    }),
    route({
      method: "GET",
      path: "/api/rx-leaderboard",
      tag: "coverage",
      summary: "Roaming clients ranked by frontier-weighted coverage cells",
      params: {
        days: daysParam,
        limit: intParam({ description: "clients", default: 20, min: 1, max: 100, clamp: true }),
      },
      returns: "{days, observers[{pubkey, name, receptions, nodes, cells, score}]}",
      handler(c, p) {
        const { clientRx } = enabled(ctx);
        const idx = clientRx.index;
        // memoised 15 s: a ranking over the whole window, not per request
        const observers = ctx.cache.get(
          `rx-leaderboard:${p.days}:${p.limit}`,
          15_000,
          () =>
            leaderboard(idx, ctx.now() - p.days * DAY, p.limit, (pk) => {
              const n = ctx.nodes.byKey(pk);
              return n && visible(ctx, n) ? n.name ?? "" : "";
            }),
        );
        return c.json({ days: p.days, observers });
      },
    }),
    route({
      method: "GET",
      path: "/api/nodes/:pk/rx-coverage",
      tag: "coverage",
      summary: "Where roaming clients heard one node: hex cells plus its reception totals",
      params: {
        pk: fullPkParam,
        bbox: bboxParam,
        z: zoomParam,
      },
      returns:
        "FeatureCollection of hex cells plus mobile_receptions and mobile_clients (all retained)",
      handler(c, p) {
        const { clientRx } = enabled(ctx);
        const node = nodeByKey(ctx, p.pk);
        const idx = clientRx.index;
        const heardIds = heardIdsOf(idx, node.publicKey);
        const cells = coverageCells(idx, {
          bbox: p.bbox,
          res: zoomToRes(p.z),
          sinceMs: -Infinity,
          heardIds,
          resolve: heardResolver(ctx),
        });
        const totals = receptionTotals(idx, heardIds);
        const extra = totals.receptions > 0
          ? { mobile_receptions: totals.receptions, mobile_clients: totals.clients }
          : {};
        return c.body(collectionBytes(cells, extra), 200, { "Content-Type": "application/json" });
      },
    }),
  ];
}
