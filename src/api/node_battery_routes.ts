/**
 * `GET /api/nodes/:pk/battery?days=N`: a node's battery voltage history and a
 * low-battery verdict (CoreScope's shape: `samples[{timestamp, battery_mv}]`,
 * `latest_mv`, `status` ok | low | critical | unknown against
 * `batteryThresholds` 3300 / 3000 mV). Samples come from the node's own status
 * messages when it is an observer (the metrics series) and from the telemetry
 * its adverts carry; hopwatch adds `temperature[{timestamp, temperature_c}]`
 * and each sample's `source`.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { healthOf, memoJson } from "./health_common.ts";
import { nodeByKey } from "./node_lookup.ts";
import { pkParam } from "./node_detail_routes.ts";
import { intParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";

/** Most battery samples returned (the last of each equal time slice beyond). */
export const MAX_BATTERY_SAMPLES = 1000;
const BAT_COL = 4;

interface Sample {
  sec: number;
  mv: number;
  source: "status" | "advert";
}

function thresholds(ctx: ApiContext): { low: number; critical: number } {
  const raw = ctx.config.raw?.batteryThresholds as Record<string, unknown> | undefined;
  const pick = (v: unknown, d: number) => typeof v === "number" && v > 0 ? v : d;
  return { low: pick(raw?.lowMv, 3300), critical: pick(raw?.criticalMv, 3000) };
}

function thin(xs: Sample[], max: number): Sample[] {
  if (xs.length <= max) return xs;
  const step = xs.length / max;
  const out: Sample[] = [];
  for (let k = 1; k <= max; k++) out.push(xs[Math.min(xs.length - 1, Math.ceil(k * step) - 1)]);
  return out;
}

const isoSec = (sec: number) => new Date(sec * 1000).toISOString().slice(0, 19) + "Z";

/** Route group: node battery history. */
export function nodeBatteryRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/nodes/:pk/battery",
      tag: "nodes",
      summary: "Battery voltage (and temperature) history of a node, with a low-battery status",
      params: {
        pk: pkParam,
        days: intParam({ description: "days of history", default: 7, min: 1, max: 365 }),
      },
      returns: "{public_key, days, samples[{timestamp, battery_mv, source}], latest_mv, " +
        "latest_ts, status, thresholds{low_mv, critical_mv}, temperature[]}",
      handler(c, p) {
        const n = nodeByKey(ctx, p.pk);
        const h = healthOf(ctx);
        const key = `hw-battery|${n.publicKey}|${p.days}|${
          h.metrics.get(n.publicKey)?.version ?? -1
        }|${h.telemetry.version}|${Math.floor(ctx.now() / 60_000)}`;
        return memoJson(ctx, c, key, 60_000, () => {
          const sinceSec = Math.floor(ctx.now() / 1000) - p.days * 86_400;
          const samples: Sample[] = [];
          const s = h.metrics.get(n.publicKey);
          if (s) {
            for (let i = s.lowerBound(sinceSec); i < s.length; i++) {
              const mv = s.value(BAT_COL, i);
              if (mv !== null) samples.push({ sec: s.time(i), mv, source: "status" });
            }
          }
          const temperature: { timestamp: string; temperature_c: number }[] = [];
          for (const t of h.telemetry.history(n.publicKey, sinceSec)) {
            if (t.batteryMv !== null) {
              samples.push({ sec: t.sec, mv: t.batteryMv, source: "advert" });
            }
            if (t.temperatureC !== null) {
              temperature.push({ timestamp: isoSec(t.sec), temperature_c: t.temperatureC });
            }
          }
          samples.sort((a, b) => a.sec - b.sec);
          const out = thin(samples, MAX_BATTERY_SAMPLES);
          const th = thresholds(ctx);
          const last = out[out.length - 1];
          const status = !last
            ? "unknown"
            : last.mv < th.critical
            ? "critical"
            : last.mv < th.low
            ? "low"
            : "ok";
          return {
            public_key: n.publicKey,
            days: p.days,
            samples: out.map((x) => ({
              timestamp: isoSec(x.sec),
              battery_mv: x.mv,
              source: x.source,
            })),
            latest_mv: last?.mv ?? null,
            latest_ts: last ? isoSec(last.sec) : null,
            status,
            thresholds: { low_mv: th.low, critical_mv: th.critical },
            temperature,
          };
        });
      },
    }),
  ];
}
