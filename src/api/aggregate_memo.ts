/**
 * Memoised analytics aggregates with stale-while-revalidate: a fresh value is
 * returned as is; an expired one is still returned while one background
 * recomputation per key runs on the next macrotask; a missing one is computed
 * now. {@linkcode warmAggregates} fills the default selections once, on the
 * first API request after the store finished loading, so the reference's
 * Analytics page (six parallel requests, then a re-render 300 ms after the
 * theme loads) finds them ready, like the reference's periodic recomputer.
 *
 * @module
 */

import type { Context } from "hono";
import type { ApiContext } from "./deps.ts";

interface Entry {
  at: number;
  value: unknown;
  refreshing: boolean;
}

const MAX_ENTRIES = 300;
const stores = new WeakMap<ApiContext, Map<string, Entry>>();
const warmed = new WeakSet<ApiContext>();

function storeOf(ctx: ApiContext): Map<string, Entry> {
  let m = stores.get(ctx);
  if (!m) stores.set(ctx, m = new Map());
  return m;
}

/** The aggregate `key`: fresh, stale (refreshed in the background) or computed now. */
export function memoAggregate<T>(
  ctx: ApiContext,
  key: string,
  ttlMs: number,
  compute: () => T,
): T {
  const m = storeOf(ctx);
  const e = m.get(key);
  const now = Date.now();
  if (e) {
    if (now - e.at >= ttlMs && !e.refreshing) {
      e.refreshing = true;
      setTimeout(() => {
        try {
          const value = compute();
          m.set(key, { at: Date.now(), value, refreshing: false });
        } catch {
          e.refreshing = false;
        }
      }, 0);
    }
    return e.value as T;
  }
  const value = compute();
  m.set(key, { at: now, value, refreshing: false });
  if (m.size > MAX_ENTRIES) m.delete(m.keys().next().value as string);
  return value;
}

/** Number of memoised aggregates (diagnostics). */
export function aggregateCount(ctx: ApiContext): number {
  return stores.get(ctx)?.size ?? 0;
}

/**
 * Once per context, when the store is ready: runs `jobs` on the next
 * macrotask (errors are ignored: the request path computes on demand).
 */
export function warmAggregates(ctx: ApiContext, jobs: readonly (() => unknown)[]): void {
  if (warmed.has(ctx) || !ctx.ready()) return;
  warmed.add(ctx);
  setTimeout(() => {
    for (const job of jobs) {
      try {
        job();
      } catch { /* computed on demand instead */ }
    }
  }, 0);
}

/** Sends memoised, encoded JSON as an `application/json` answer. */
export function jsonText(c: Context, json: Uint8Array): Response {
  return c.body(json as Uint8Array<ArrayBuffer>, 200, {
    "Content-Type": "application/json; charset=UTF-8",
  });
}
