/**
 * Shared pieces of the health endpoints: the health aggregates of a context,
 * the `window=24h|7d|90m` duration parameter and the node liveness thresholds
 * (`healthThresholds` in the configuration, CoreScope's keys).
 *
 * @module
 */

import type { Context } from "hono";
import { HealthStore } from "../store/health_store.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import type { Param } from "./params.ts";
import { DEFAULT_HEALTH_THRESHOLDS } from "./config_routes.ts";

const fallback = new WeakMap<ApiContext, HealthStore>();

/** The context's health aggregates (an empty set, seeded once from the database, if none). */
export function healthOf(ctx: ApiContext): HealthStore {
  if (ctx.health) return ctx.health;
  let h = fallback.get(ctx);
  if (!h) {
    h = new HealthStore(ctx.config.retention?.metricsDays);
    void h.load(ctx.db, ctx.store, ctx.now());
    fallback.set(ctx, h);
  }
  return h;
}

const UNIT_SEC = { m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
/** Longest accepted window. */
export const MAX_WINDOW_SEC = 366 * 86_400;

/** A duration like `90m`, `24h`, `7d`, `2w` (1 minute .. 366 days), returned in seconds. */
export function durationParam(opts: { description: string; default?: string }): Param<
  number | undefined
> {
  const parse = (raw: string, name: string): number => {
    const m = /^(\d{1,6})(m|h|d|w)$/.exec(raw);
    if (!m) {
      throw badRequest(
        `Invalid parameter "${name}": expected a duration like 24h, 7d or 90m, got ${
          JSON.stringify(raw.slice(0, 40))
        }`,
      );
    }
    const sec = Number(m[1]) * UNIT_SEC[m[2] as keyof typeof UNIT_SEC];
    if (sec < 60 || sec > MAX_WINDOW_SEC) {
      throw badRequest(`Invalid parameter "${name}": must be between 1m and 366d, got ${raw}`);
    }
    return sec;
  };
  return {
    in: "query",
    description: opts.description + " (e.g. 1h, 24h, 7d, 30d; 1m..366d)",
    required: false,
    schema: { type: "string", pattern: "^\\d{1,6}(m|h|d|w)$", default: opts.default },
    parse(raw, name) {
      if (raw === undefined || raw === "") {
        return opts.default === undefined ? undefined : parse(opts.default, name);
      }
      return parse(raw, name);
    },
  };
}

/** Liveness thresholds in milliseconds. */
export interface LivenessThresholds {
  infraDegradedMs: number;
  infraSilentMs: number;
  nodeDegradedMs: number;
  nodeSilentMs: number;
}

/** Roles judged with the infrastructure thresholds. */
export const INFRA_ROLES: ReadonlySet<string> = new Set(["repeater", "room", "room_server"]);

/** The configured thresholds (hours, minutes or ms keys), defaults as the reference. */
export function livenessThresholds(ctx: ApiContext): LivenessThresholds {
  const raw = ctx.config.raw?.healthThresholds;
  const out: Record<string, number> = { ...DEFAULT_HEALTH_THRESHOLDS };
  if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v !== "number" || !(v >= 0)) continue;
      if (k.endsWith("Ms")) out[k] = v;
      else if (k.endsWith("Hours")) out[k.replace(/Hours$/, "Ms")] = v * 3_600_000;
      else if (k.endsWith("Minutes")) out[k.replace(/Minutes$/, "Ms")] = v * 60_000;
    }
  }
  return {
    infraDegradedMs: out.infraDegradedMs,
    infraSilentMs: out.infraSilentMs,
    nodeDegradedMs: out.nodeDegradedMs,
    nodeSilentMs: out.nodeSilentMs,
  };
}

/** `active`, `degraded` or `silent` for a node's last-heard age. */
export function livenessOf(
  role: string,
  ageMs: number,
  t: LivenessThresholds,
): "active" | "degraded" | "silent" {
  const infra = INFRA_ROLES.has(role);
  if (ageMs < (infra ? t.infraDegradedMs : t.nodeDegradedMs)) return "active";
  if (ageMs < (infra ? t.infraSilentMs : t.nodeSilentMs)) return "degraded";
  return "silent";
}

const ENCODER = new TextEncoder();

/**
 * Answers `compute()` as JSON, memoising the encoded text under `key` for `ttlMs` (callers put
 * every input, including a data version, in the key).
 */
export function memoJson(
  ctx: ApiContext,
  c: Context,
  key: string,
  ttlMs: number,
  compute: () => unknown,
): Response {
  const bytes = ctx.cache.get(key, ttlMs, () => ENCODER.encode(JSON.stringify(compute())));
  return c.body(bytes, 200, { "Content-Type": "application/json; charset=UTF-8" });
}
