/**
 * Request timing for `/api/perf`: per route pattern the count, total, max and
 * the last 200 durations (for p50/p95), plus the last 20 slow requests
 * (>= 100 ms). One recorder per API context, attached as middleware.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import type { ApiContext } from "./deps.ts";

/** Requests at least this slow are listed in `slowQueries`. */
export const SLOW_MS = 100;
const RECENT = 200;

interface Endpoint {
  count: number;
  totalMs: number;
  maxMs: number;
  recent: number[];
  next: number;
}

/** One slow request. */
export interface SlowQuery {
  path: string;
  ms: number;
  time: string;
  status: number;
}

/** Per-endpoint request timings. */
export class PerfStats {
  startedAt = Date.now();
  requests = 0;
  totalMs = 0;
  endpoints = new Map<string, Endpoint>();
  slow: SlowQuery[] = [];

  /** Records one request of `ms` milliseconds on route `path`. */
  record(path: string, ms: number, status: number): void {
    this.requests++;
    this.totalMs += ms;
    let e = this.endpoints.get(path);
    if (!e) {
      if (this.endpoints.size >= 500) return;
      this.endpoints.set(path, e = { count: 0, totalMs: 0, maxMs: 0, recent: [], next: 0 });
    }
    e.count++;
    e.totalMs += ms;
    if (ms > e.maxMs) e.maxMs = ms;
    if (e.recent.length < RECENT) e.recent.push(ms);
    else e.recent[e.next] = ms;
    e.next = (e.next + 1) % RECENT;
    if (ms >= SLOW_MS) {
      this.slow.push({ path, ms: round1(ms), time: new Date().toISOString(), status });
      if (this.slow.length > 20) this.slow.shift();
    }
  }

  /** Forgets everything (`POST /api/perf/reset`). */
  reset(): void {
    this.startedAt = Date.now();
    this.requests = 0;
    this.totalMs = 0;
    this.endpoints.clear();
    this.slow = [];
  }

  /** Per-endpoint summaries, the busiest (count x mean) first. */
  summary(): Record<
    string,
    { count: number; avgMs: number; p50Ms: number; p95Ms: number; maxMs: number }
  > {
    const rows = [...this.endpoints.entries()].map(([path, e]) => {
      const s = e.recent.slice().sort((a, b) => a - b);
      const pick = (q: number) =>
        s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
      return [path, {
        count: e.count,
        avgMs: round1(e.totalMs / e.count),
        p50Ms: round1(pick(0.5)),
        p95Ms: round1(pick(0.95)),
        maxMs: round1(e.maxMs),
      }] as const;
    }).sort((a, b) => b[1].count * b[1].avgMs - a[1].count * a[1].avgMs);
    return Object.fromEntries(rows);
  }
}

/** Rounds to one decimal. */
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

const byContext = new WeakMap<ApiContext, PerfStats>();

/** The recorder of an API context (created on first use). */
export function perfStatsOf(ctx: ApiContext): PerfStats {
  let s = byContext.get(ctx);
  if (!s) byContext.set(ctx, s = new PerfStats());
  return s;
}

/** Middleware timing every request by its matched route pattern. */
export function perfTimer(ctx: ApiContext): MiddlewareHandler {
  const stats = perfStatsOf(ctx);
  return async (c: Context, next) => {
    const t0 = performance.now();
    await next();
    const pattern = c.req.routePath && c.req.routePath !== "/api/*" ? c.req.routePath : "other";
    stats.record(pattern, performance.now() - t0, c.res.status);
  };
}
