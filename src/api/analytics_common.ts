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
  window: Param<"1h" | "24h" | "1d" | "3d" | "7d" | "1w" | "30d" | undefined>;
  from: Param<number | undefined>;
  to: Param<number | undefined>;
} = {
  region: regionParam,
  window: enumParam(["1h", "24h", "1d", "3d", "7d", "1w", "30d"] as const, {
    description: "time window ending now (default: everything in memory)",
  }),
  from: timeParam({ description: "window start (instead of window)" }),
  to: timeParam({ description: "window end (instead of window)" }),
};

/** Parsed window values. */
export interface WindowValues {
  region?: string[];
  window?: string;
  from?: number;
  to?: number;
}

/** The store filter of a window selection. */
export function windowFilter(ctx: ApiContext, p: WindowValues): TxFilter {
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
  };
}

/** A cache key for the window selection plus extra parts. */
export function windowKey(name: string, p: WindowValues, ...extra: unknown[]): string {
  return [name, p.region?.join(",") ?? "", p.window ?? "", p.from ?? "", p.to ?? "", ...extra].join(
    "|",
  );
}

/** Calls `visit` for each selected transmission, newest first, up to the scan limit. */
export function scan(
  ctx: ApiContext,
  filter: TxFilter,
  withObs: boolean,
  visit: (tx: TransmissionView) => void,
): { scanned: number; total: number } {
  const page = ctx.store.listTransmissionIds(filter, { limit: ANALYTICS_SCAN_LIMIT });
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
