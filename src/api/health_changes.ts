/**
 * "Biggest changes today" of the overview: nodes that went silent or appeared
 * in the last 24 hours, and observers whose noise floor or battery moved the
 * most against the same time yesterday (from the metrics series). At most
 * {@linkcode MAX_PER_KIND} entries of each kind, largest first.
 *
 * @module
 */

import type { HealthStore } from "../store/health_store.ts";
import type { ObserverSeries } from "../store/metrics_series.ts";
import type { ApiContext } from "./deps.ts";
import { INFRA_ROLES, type LivenessThresholds } from "./health_common.ts";
import { visible } from "./node_lookup.ts";

/** Entries kept per kind. */
export const MAX_PER_KIND = 5;
/** Smallest noise-floor change reported, dB. */
export const MIN_NOISE_DELTA_DB = 3;
/** Smallest battery drop reported, mV. */
export const MIN_BATTERY_DROP_MV = 100;

const DAY_MS = 86_400_000;

/** One change. */
export interface HealthChange {
  kind: "went_silent" | "new_node" | "noise_floor" | "battery";
  /** Node public key or observer id. */
  id: string;
  name: string | null;
  role?: string;
  /** Signed change (dB, mV) or hours since last heard. */
  delta: number;
  detail: string;
}

function meanAround(s: ObserverSeries, col: number, fromSec: number, toSec: number) {
  let sum = 0, n = 0;
  for (let i = s.lowerBound(fromSec); i < s.length && s.time(i) <= toSec; i++) {
    const v = s.value(col, i);
    if (v !== null) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : null;
}

/** The changes of the last 24 h at `now` (see the module doc). */
export function healthChanges(
  ctx: ApiContext,
  h: HealthStore,
  now: number,
  t: LivenessThresholds,
): HealthChange[] {
  const silent: HealthChange[] = [];
  const fresh: HealthChange[] = [];
  for (const n of ctx.nodes.values()) {
    if (!visible(ctx, n)) continue;
    const age = now - n.lastSeenMs;
    const limit = INFRA_ROLES.has(n.role) ? t.infraSilentMs : t.nodeSilentMs;
    if (n.lastSeenMs > 0 && age >= limit && age < limit + DAY_MS) {
      silent.push({
        kind: "went_silent",
        id: n.publicKey,
        name: n.name,
        role: n.role,
        delta: Math.round(age / 3_600_000),
        detail: `not heard for ${Math.round(age / 3_600_000)} h`,
      });
    }
    const first = Date.parse(n.firstSeen);
    if (Number.isFinite(first) && now - first < DAY_MS && first <= now) {
      fresh.push({
        kind: "new_node",
        id: n.publicKey,
        name: n.name,
        role: n.role,
        delta: Math.round((now - first) / 3_600_000),
        detail: "first heard today",
      });
    }
  }
  // Infrastructure first, then the longest silence.
  silent.sort((a, b) =>
    Number(INFRA_ROLES.has(b.role ?? "")) - Number(INFRA_ROLES.has(a.role ?? "")) ||
    a.delta - b.delta
  );
  fresh.sort((a, b) => a.delta - b.delta);
  const noise: HealthChange[] = [];
  const battery: HealthChange[] = [];
  const nowSec = Math.floor(now / 1000);
  for (const s of h.metrics.all()) {
    const name = ctx.observers.get(s.id)?.name ?? null;
    const nfNow = meanAround(s, 0, nowSec - 3600, nowSec);
    const nfThen = meanAround(s, 0, nowSec - 86_400 - 3600, nowSec - 86_400 + 3600);
    if (nfNow !== null && nfThen !== null && Math.abs(nfNow - nfThen) >= MIN_NOISE_DELTA_DB) {
      const d = Math.round((nfNow - nfThen) * 10) / 10;
      noise.push({
        kind: "noise_floor",
        id: s.id,
        name,
        delta: d,
        detail: `noise floor ${d > 0 ? "+" : ""}${d} dB vs yesterday`,
      });
    }
    const batNow = meanAround(s, 4, nowSec - 3600, nowSec);
    const batThen = meanAround(s, 4, nowSec - 86_400 - 3600, nowSec - 86_400 + 3600);
    if (batNow !== null && batThen !== null && batThen - batNow >= MIN_BATTERY_DROP_MV) {
      const d = Math.round(batNow - batThen);
      battery.push({ kind: "battery", id: s.id, name, delta: d, detail: `battery ${d} mV` });
    }
  }
  noise.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  battery.sort((a, b) => a.delta - b.delta);
  return [silent, noise, battery, fresh].flatMap((l) => l.slice(0, MAX_PER_KIND));
}
