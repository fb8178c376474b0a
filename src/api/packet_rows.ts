/**
 * Turns store views into packet rows for list responses, resolving the
 * per-row extras in batches: `decoded_json` through the decode LRU and the
 * best observation's `resolved_path` through ONE `resolvedPathsFor` call per
 * page.
 *
 * @module
 */

import type { GroupedRow, TransmissionView } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import {
  groupedRowJson,
  type ObservationJson,
  observationJson,
  type PacketRowJson,
  packetRowJson,
} from "./shapes.ts";

/** Options of {@linkcode packetRows}. */
export interface RowOptions {
  /** Attach `observations[]` (views must have been built with observations). */
  expand?: boolean;
  /** Attach the best observation's `resolved_path` (default true). */
  resolved?: boolean;
}

/** Flat rows for a page of transmissions. */
export function packetRows(
  ctx: ApiContext,
  items: readonly TransmissionView[],
  opts: RowOptions = {},
): PacketRowJson[] {
  const resolved = opts.resolved !== false
    ? ctx.store.resolvedPathsFor(items.flatMap((t) => (t.best ? [t.best.id] : [])))
    : null;
  return items.map((tx) => {
    const row = packetRowJson(tx, ctx.decoded.json(tx.id, tx.rawHex));
    if (resolved) row.resolved_path = tx.best ? resolved.get(tx.best.id) ?? null : null;
    if (opts.expand) row.observations = (tx.observations ?? []).map((o) => observationJson(tx, o));
    return row;
  });
}

/** Grouped rows (`groupByHash=true`); no `resolved_path`. */
export function groupedRows(ctx: ApiContext, items: readonly GroupedRow[]) {
  return items.map((g) => groupedRowJson(g, ctx.decoded.json(g.id, g.rawHex)));
}

/**
 * Observation objects of one transmission for the detail view and
 * `POST /api/packets/observations`: every observation with its
 * `resolved_path` (one batched fetch), raw hex and decoded fields.
 */
export function detailObservations(ctx: ApiContext, tx: TransmissionView): ObservationJson[] {
  const obs = tx.observations ?? [];
  const resolved = ctx.store.resolvedPathsFor(obs.map((o) => o.id));
  const decodedJson = ctx.decoded.json(tx.id, tx.rawHex);
  return obs.map((o) => ({
    ...observationJson(tx, o),
    resolved_path: resolved.get(o.id) ?? null,
    raw_hex: tx.rawHex,
    payload_type: tx.payloadType,
    route_type: tx.routeType,
    decoded_json: decodedJson,
  }));
}
