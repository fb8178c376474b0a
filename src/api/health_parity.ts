/**
 * Top-level `/api/health` fields the reference's Perf page reads beyond
 * hopwatch's own: `engine`, `version`, `commit`, `uptimeHuman` ("2d 3h 4m")
 * and `eventLoop` (`currentLagMs` from the lag monitor; hopwatch keeps no lag
 * percentiles, so those are null, like the maximum, which `/metrics` owns).
 *
 * @module
 */

import { VERSION } from "../cli/version.ts";
import type { ApiContext } from "./deps.ts";

/** "1d 2h 3m" / "2h 3m" / "3m 4s" for a duration in seconds. */
export function humanUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

/** The extra `/api/health` fields (spread into the answer). */
export function healthParity(ctx: ApiContext) {
  const lag = ctx.eventLoop ? Math.round(ctx.eventLoop.lastMs * 10) / 10 : 0;
  return {
    engine: "hopwatch",
    version: ctx.build?.version ?? VERSION,
    commit: ctx.build?.commit ?? null,
    uptimeHuman: humanUptime(Math.floor((Date.now() - ctx.startTime) / 1000)),
    eventLoop: { currentLagMs: lag, maxLagMs: null, p50Ms: null, p95Ms: null, p99Ms: null },
  };
}
