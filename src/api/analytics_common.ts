/**
 * Shared pieces of the analytics endpoints: the `region` / `window` /
 * `from` / `to` parameters, the scan over the transmissions they select
 * (newest first, capped), 60 s result caching and histogram helpers.
 *
 * @module
 */

import type { TransmissionView, TxFilter } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { regionParam, regions } from "./filters.ts";
import { enumParam, type Param, timeParam } from "./params.ts";
import { areaNodeIds, areaParam } from "./geo_common.ts";

/** Most transmissions one analytics computation examines (newest first). */
export const ANALYTICS_SCAN_LIMIT = 200_000;
/** Cache lifetime of computed analytics. */
export const ANALYTICS_TTL_MS = 60_000;

const WINDOW_MS: Record<string, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "1d": 86_400_000,
  "3d": 3 * 86_400_000,
  "7d": 7 * 86_400_000,
  "1w": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};

/** The common analytics parameters. */
export const windowParams: {
  region: Param<string[] | undefined>;
  area: Param<string | undefined>;
  window: Param<"1h" | "24h" | "1d" | "3d" | "7d" | "1w" | "30d" | undefined>;
  from: Param<number | undefined>;
  to: Param<number | undefined>;
} = {
  region: regionParam,
  area: areaParam,
  window: enumParam(["1h", "24h", "1d", "3d", "7d", "1w", "30d"] as const, {
    description: "time window ending now (default: everything in memory)",
  }),
  from: timeParam({ description: "window start (instead of window)" }),
  to: timeParam({ description: "window end (instead of window)" }),
};

/** Parsed window values. */
export interface WindowValues {
  region?: string[];
  /** A key of `config.areas`. */
  area?: string;
  window?: string;
  from?: number;
  to?: number;
}

/**
 * How a transmission belongs to an area: `sender` = an ADVERT whose
 * originator is inside it (the reference's rule for most analytics);
 * `sender-or-unknown` = that, or any transmission that is not an ADVERT (its
 * originator is unknown; hash-sizes keeps those); `relay` = relayed by a node
 * inside it (resolved hops; topology).
 */
export type AreaRule = "sender" | "sender-or-unknown" | "relay";

/** A window selection's store filter, plus the area selection {@linkcode scan} applies. */
export interface AnalyticsFilter extends TxFilter {
  /** Ids of the nodes inside the selected area and how a transmission belongs to it. */
  area?: { nodes: ReadonlySet<number>; rule: AreaRule };
}

/** The store filter of a window selection (unknown `area` keys answer 400). */
export function windowFilter(
  ctx: ApiContext,
  p: WindowValues,
  rule: AreaRule = "sender",
): AnalyticsFilter {
  if (p.window && (p.from !== undefined || p.to !== undefined)) {
    throw badRequest(`Invalid parameter "window": cannot be combined with "from"/"to"`);
  }
  if (p.from !== undefined && p.to !== undefined && p.from > p.to) {
    throw badRequest(`Invalid parameter "from": after "to"`);
  }
  return {
    sinceMs: p.window ? ctx.now() - WINDOW_MS[p.window] : p.from,
    untilMs: p.to,
    iatas: regions(p.region),
    ...(p.area ? { area: { nodes: areaNodeIds(ctx, p.area)!, rule } } : {}),
  };
}

/** A cache key for the window selection plus extra parts. */
export function windowKey(name: string, p: WindowValues, ...extra: unknown[]): string {
  return [
    name,
    p.region?.join(",") ?? "",
    p.area ?? "",
    p.window ?? "",
    p.from ?? "",
    p.to ?? "",
    ...extra,
  ].join("|");
}

/**
 * Calls `visit` for each selected transmission, newest first, up to the scan
 * limit. An area selection is answered from the by-node indexes (one id list
 * per node of the area, merged).
 */
export function scan(
  ctx: ApiContext,
  filter: AnalyticsFilter,
  withObs: boolean,
  visit: (tx: TransmissionView) => void,
): { scanned: number; total: number } {
  const page = filter.area ? areaTxIds(ctx, filter) : ctx.store.listTransmissionIds(filter, {
    limit: ANALYTICS_SCAN_LIMIT,
  });
  for (const id of page.ids) {
    const tx = ctx.store.getByTxId(id, withObs);
    if (tx) visit(tx);
  }
  return { scanned: page.ids.length, total: page.total };
}

/** Fixed-width histogram bins `{x, w, count}` of `values`. */
export function histogram(
  values: number[],
  width: number,
): { x: number; w: number; count: number }[] {
  const bins = new Map<number, number>();
  for (const v of values) {
    const x = Math.floor(v / width) * width;
    bins.set(x, (bins.get(x) ?? 0) + 1);
  }
  return [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([x, count]) => ({
    x,
    w: width,
    count,
  }));
}

/** min / max / mean / median of `values`, or nulls when empty. */
export function summary(values: number[]) {
  if (values.length === 0) return { min: null, max: null, avg: null, median: null, count: 0 };
  const s = values.slice().sort((a, b) => a - b);
  const avg = s.reduce((a, b) => a + b, 0) / s.length;
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { min: s[0], max: s[s.length - 1], avg: r(avg), median: r(median), count: s.length };
}

const ALL_PAYLOAD_TYPES = Array.from({ length: 16 }, (_, i) => i);

/** Ids (newest first, capped) of the transmissions an area selection keeps. */
function areaTxIds(ctx: ApiContext, filter: AnalyticsFilter): { ids: number[]; total: number } {
  const { area, ...base } = filter;
  const ids = new Set<number>();
  const add = (f: TxFilter) => {
    for (const id of ctx.store.listTransmissionIds(f, { limit: ANALYTICS_SCAN_LIMIT }).ids) {
      ids.add(id);
    }
  };
  const types = base.payloadTypes ?? ALL_PAYLOAD_TYPES;
  if (area!.rule === "relay") {
    for (const nodeId of area!.nodes) add({ ...base, nodeId, nodeRoles: ["relay"] });
  } else {
    if (types.includes(4)) {
      for (const nodeId of area!.nodes) {
        add({ ...base, payloadTypes: [4], nodeId, nodeRoles: ["sender"] });
      }
    }
    const others = types.filter((t) => t !== 4);
    if (area!.rule === "sender-or-unknown" && others.length) add({ ...base, payloadTypes: others });
  }
  const sorted = [...ids].sort((a, b) => b - a);
  return { ids: sorted.slice(0, ANALYTICS_SCAN_LIMIT), total: sorted.length };
}
