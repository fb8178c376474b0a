/**
 * Sub-path analytics: one memoised index per window selection counts every
 * contiguous run of 2-8 raw hops of each transmission's best observation;
 * `/api/analytics/subpaths` and each group of `/subpaths-bulk` rank that
 * index by length range. Rows carry the reference's fields (`path` = names
 * joined by " → ", a hop's hex when its prefix is not unique, `rawHops`,
 * `count`, `hops`, `pct`) plus hopwatch's `names` and `lastSeen`.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { scan, windowFilter, type WindowValues } from "./analytics_common.ts";
import { HopNamer } from "./hop_names.ts";
import { iso } from "./shapes.ts";

/** Longest sub-path counted. */
export const MAX_SUBPATH = 8;

/** Counts of every raw sub-path (`"A1,B2"`) and the number of paths with >= 2 hops. */
export interface SubpathIndex {
  counts: Map<string, { count: number; last: number; len: number }>;
  totalPaths: number;
}

/** One ranked sub-path. */
export interface SubpathRow {
  path: string;
  rawHops: string[];
  count: number;
  hops: number;
  pct: number;
  names: (string | null)[];
  lastSeen: string | null;
}

/** Builds the sub-path index of a window selection. */
export function buildSubpathIndex(ctx: ApiContext, p: WindowValues): SubpathIndex {
  const counts: SubpathIndex["counts"] = new Map();
  let totalPaths = 0;
  scan(ctx, windowFilter(ctx, p), false, (tx) => {
    const hops = tx.best?.hops ?? [];
    if (hops.length < 2) return;
    totalPaths++;
    // Every run starting at i, grown one hop at a time (one string concat per run).
    for (let i = 0; i + 2 <= hops.length; i++) {
      let k = hops[i];
      for (let len = 2; len <= MAX_SUBPATH && i + len <= hops.length; len++) {
        k += "," + hops[i + len - 1];
        const e = counts.get(k);
        if (e) {
          e.count++;
          if (tx.firstSeenMs > e.last) e.last = tx.firstSeenMs;
        } else counts.set(k, { count: 1, last: tx.firstSeenMs, len });
      }
    }
  });
  return { counts, totalPaths };
}

/** The `limit` most frequent sub-paths of `minLen`-`maxLen` hops. */
export function rankSubpaths(
  ctx: ApiContext,
  index: SubpathIndex,
  minLen: number,
  maxLen: number,
  limit: number,
): { subpaths: SubpathRow[]; totalPaths: number } {
  const namer = new HopNamer(ctx);
  const picked: [string, { count: number; last: number }][] = [];
  for (const entry of index.counts) {
    if (entry[1].len >= minLen && entry[1].len <= maxLen) picked.push(entry);
  }
  picked.sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
  const subpaths = picked.slice(0, limit).map(([k, e]) => {
    const rawHops = k.split(",");
    const names = rawHops.map((h) => namer.node(h)?.name ?? null);
    return {
      path: rawHops.map((h, i) => names[i] ?? h).join(" → "),
      rawHops,
      count: e.count,
      hops: rawHops.length,
      pct: index.totalPaths ? Math.round((e.count / index.totalPaths) * 1000) / 10 : 0,
      names,
      lastSeen: iso(e.last),
    };
  });
  return { subpaths, totalPaths: index.totalPaths };
}

/** One `min-max:limit` group of `/subpaths-bulk`. */
export interface SubpathGroup {
  minLen: number;
  maxLen: number;
  limit: number;
}

/**
 * Parses `groups=2-2:50,3-3:30` (1-10 groups, 2 <= min <= max <= 8, limit
 * 1-200, larger limits clamped); throws a message naming the bad group.
 */
export function parseGroups(raw: string): SubpathGroup[] {
  const parts = raw.split(",");
  if (parts.length > 10) throw new Error(`at most 10 groups, got ${parts.length}`);
  return parts.map((g) => {
    const m = /^(\d{1,2})-(\d{1,2}):(\d{1,6})$/.exec(g.trim());
    const minLen = Number(m?.[1]);
    const maxLen = Number(m?.[2]);
    const limit = Number(m?.[3]);
    if (!m || minLen < 2 || maxLen < minLen || maxLen > MAX_SUBPATH || limit < 1) {
      throw new Error(`group ${JSON.stringify(g.slice(0, 20))} is not min-max:limit`);
    }
    return { minLen, maxLen, limit: Math.min(limit, 200) };
  });
}
