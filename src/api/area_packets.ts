/**
 * The `area` filter of `GET /api/packets`, as the reference applies it: only
 * ADVERTs whose originator has a position inside the area. Answered from the
 * by-sender index, one id list per node of the area, merged into one page
 * (flat rows, or grouped rows with `groupByHash`: one transmission per hash).
 *
 * @module
 */

import type { TxFilter } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { groupedRows, packetRows } from "./packet_rows.ts";

/** A page of ADVERTs sent by the nodes `area` (ids), newest (or oldest) id first. */
export function areaPackets(
  ctx: ApiContext,
  filter: TxFilter,
  area: Set<number>,
  page: { order?: "asc" | "desc"; offset: number; limit: number },
  mode: { expand: boolean; grouped: boolean },
) {
  const expand = mode.expand || mode.grouped;
  const need = page.offset + page.limit;
  let total = 0;
  const ids: number[] = [];
  if (filter.nodeId === undefined || area.has(filter.nodeId)) {
    const nodes = filter.nodeId !== undefined ? [filter.nodeId] : [...area];
    for (const nodeId of nodes) {
      const r = ctx.store.listTransmissionIds(
        { ...filter, payloadTypes: [4], nodeId, nodeRoles: ["sender"] },
        { order: page.order, limit: need },
      );
      total += r.total;
      ids.push(...r.ids);
    }
  }
  ids.sort((a, b) => (page.order === "asc" ? a - b : b - a));
  const items = ids.slice(page.offset, need).flatMap((id) => {
    const t = ctx.store.getByTxId(id, expand);
    return t ? [t] : [];
  });
  const packets = mode.grouped
    ? groupedRows(
      ctx,
      items.map((t) => ({
        ...t,
        distinctIatas: [
          ...new Set((t.observations ?? []).flatMap((o) => o.observerIata ? [o.observerIata] : [])),
        ].sort(),
      })),
    )
    : packetRows(ctx, items, { expand: mode.expand });
  return {
    packets,
    total,
    limit: page.limit,
    offset: page.offset,
  };
}
